// `track_callers` is a flag on typed and byte pools; it needs the block states that `stats = false` drops,
// and arenas do not take it (the byte pool below is accepted).
use blockpool::{memory_pool, pools};

#[memory_pool(count = 4, track_callers = true)]
pub struct Valued(u32);

#[memory_pool(count = 4, track_callers, stats = false)]
pub struct Untracked(u32);

pools! {
    pub Bytes(classes = [(32, 4)], track_callers);
    pub Scratch(arena = 256, track_callers);
}

fn main() {}

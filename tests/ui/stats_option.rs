// `stats` takes `true` or `false`; `false` cannot go with `refcount`; byte pools and arenas have no
// `stats` option.
use blockpool::{memory_pool, pools};

#[memory_pool(count = 4, stats = 0)]
pub struct Counted(u32);

#[memory_pool(count = 4, refcount, stats = false)]
pub struct Shared(u32);

pools! {
    pub Bytes(classes = [(32, 4)], stats = false);
    pub Scratch(arena = 256, stats = false);
}

fn main() {}

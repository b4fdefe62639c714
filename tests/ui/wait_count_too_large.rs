use blockpool::{memory_pool, pools};

// A pool with `wait` marks waiting tasks in its free list's head as index `count + 1`: 65534 blocks at most.
#[memory_pool(count = 65535, wait = 2)]
pub struct Msg {
    pub id: u32,
}

#[memory_pool(count = 65534, wait = 2)]
pub struct Largest {
    pub id: u32,
}

// The same for each class of a byte pool with `wait`; without `wait`, 65535 is accepted.
pools! {
    pub Waited(classes = [(16, 65535), (64, 65534)], wait = 2);
    pub Plain(classes = [(16, 65535)]);
}

fn main() {}

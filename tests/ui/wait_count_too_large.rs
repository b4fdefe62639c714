use blockpool::memory_pool;

// A pool with `wait` marks waiting tasks in its free list's head as index `count + 1`: 65534 blocks at most.
#[memory_pool(count = 65535, wait = 2)]
pub struct Msg {
    pub id: u32,
}

#[memory_pool(count = 65534, wait = 2)]
pub struct Largest {
    pub id: u32,
}

fn main() {}

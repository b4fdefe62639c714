use blockpool::memory_pool;

#[memory_pool(count = 4, refcount = i8)]
pub struct Frame {
    pub seq: u32,
}

fn main() {}

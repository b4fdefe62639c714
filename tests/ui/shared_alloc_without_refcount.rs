use blockpool::memory_pool;

#[memory_pool(count = 4)]
pub struct Frame {
    pub seq: u32,
}

fn main() {
    let _shared = FramePool::alloc_shared(Frame { seq: 1 });
}

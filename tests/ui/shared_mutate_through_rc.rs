use blockpool::memory_pool;

#[memory_pool(count = 4, refcount)]
pub struct Frame {
    pub seq: u32,
}

fn main() {
    let frame = FramePool::alloc_shared(Frame { seq: 1 }).unwrap();
    // Shared handles give shared access only: `make_mut` or `get_mut` for `&mut`.
    frame.seq = 2;
}

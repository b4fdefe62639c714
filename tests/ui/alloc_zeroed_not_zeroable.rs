use blockpool::memory_pool;

#[memory_pool(count = 4)]
pub struct Frame {
    pub seq: u32,
    pub data: [u8; 64],
}

fn main() {
    let _frame = FramePool::alloc_zeroed();
}

// Awaiting `alloc_async` on a pool without `wait` is one error, at the call: using the result adds none.
use blockpool::memory_pool;

#[memory_pool(count = 4)]
pub struct Frame {
    pub seq: u32,
}

async fn receive() -> u32 {
    let frame = FramePool::alloc_async(Frame { seq: 1 }).await.unwrap();
    frame.seq
}

fn main() {
    let _ = receive();
}

use blockpool::{PoolBox, memory_pool};

#[memory_pool(count = 4)]
pub struct Frame {
    pub seq: u32,
}

fn main() {
    let boxed = FramePool::alloc(Frame { seq: 1 }).unwrap();
    let _shared = PoolBox::into_shared(boxed);
}

use blockpool::{PoolRc, PoolWeak, memory_pool};

pub struct Frame {
    pub seq: u32,
}

#[memory_pool(type = Frame, count = 4, refcount)]
pub struct APool;

#[memory_pool(type = Frame, count = 4, refcount)]
pub struct BPool;

pub struct Routes {
    pub last_b: Option<PoolWeak<BPool>>,
}

fn main() {
    let frame = APool::alloc_shared(Frame { seq: 1 }).unwrap();
    let mut routes = Routes { last_b: None };
    let weak: PoolWeak<APool> = PoolRc::downgrade(&frame);
    // Same item type, other pool: a weak handle names a block of one pool only.
    routes.last_b = Some(weak);
}

// Naming `PoolRc<MsgPool>` for a pool without `refcount` is one error, at the `alloc_shared` that would
// make the handle: the type itself, `clone` and the item's fields add none.
use blockpool::{memory_pool, PoolRc};

#[memory_pool(count = 4)]
pub struct Msg {
    pub id: u32,
}

fn first(handles: &[PoolRc<MsgPool>]) -> u32 {
    handles[0].clone().id
}

fn main() {
    let shared: PoolRc<MsgPool> = MsgPool::alloc_shared(Msg { id: 1 }).unwrap();
    let other = shared.clone();
    let _sum: u32 = other.id + first(&[shared]);
}

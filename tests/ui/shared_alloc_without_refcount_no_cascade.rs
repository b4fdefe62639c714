// Calling `alloc_shared` or `alloc_shared_with` on a pool without `refcount` is one error per call: using
// the result (unwrap, clone, a field, map) adds none.
use blockpool::memory_pool;

#[memory_pool(count = 4)]
pub struct Msg {
    pub id: u32,
}

fn main() {
    let shared = MsgPool::alloc_shared(Msg { id: 1 }).unwrap();
    let other = shared.clone();
    let _id: u32 = other.id;
    let _with = MsgPool::alloc_shared_with(|| Msg { id: 2 }).map(|rc| rc.id);
}

// One mistake in the options: the error is about it alone. The pool is still generated (one block, default
// options), so the code that uses it reports nothing more.
use blockpool::memory_pool;

#[memory_pool(count = 4, refcount, colour = "blue")]
pub struct Msg {
    pub id: u32,
}

fn main() {
    let m = MsgPool::alloc(Msg { id: 1 }).ok();
    let shared = MsgPool::alloc_shared(Msg { id: 2 }).ok();
    println!("{:?} {} {}", MsgPool, MsgPool::stats(), m.is_some() && shared.is_some());
}

// Review round 7, finding 1: the sealed traits' methods are reachable through a bound on a type parameter,
// so the ones that change state are `unsafe`: safe code cannot push a block a `PoolBox` owns back onto the
// free list (two handles to one block).
#![forbid(unsafe_code)]
use blockpool::__private::{Storage, Waiters};

fn push_any<S: Storage<Waiters = Q>, Q: Waiters>(storage: &S, index: usize) {
    let list = storage.free_list();
    let tracked = storage.tracked();
    storage.waiters().give(list, index, tracked);
}

fn main() {
    let _ = push_any::<blockpool::__private::PoolStorage<u32, blockpool::__private::Align4, blockpool::__private::NoRefs, 1>, _>;
}

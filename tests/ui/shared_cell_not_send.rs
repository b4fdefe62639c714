use std::cell::Cell;

use blockpool::memory_pool;

#[memory_pool(type = Cell<u32>, count = 4, refcount)]
pub struct HitsPool;

fn main() {
    let hits = HitsPool::alloc_shared(Cell::new(0)).unwrap();
    std::thread::spawn(move || {
        hits.set(1);
    });
}

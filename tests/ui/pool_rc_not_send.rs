// A `PoolRc` (or `PoolWeak`) of an item that is `Send` but not `Sync` stays on its thread, as an `Arc`
// of it would not compile: two threads would mutate the `Cell` through shared handles.
use std::cell::Cell;

use blockpool::{PoolRc, memory_pool};

#[memory_pool(type = Cell<u32>, count = 2, refcount)]
pub struct Cells;

fn main() {
    let shared = Cells::alloc_shared(Cell::new(1)).unwrap();
    let weak = PoolRc::downgrade(&shared);
    std::thread::spawn(move || shared.set(2));
    std::thread::spawn(move || weak.upgrade().map(|c| c.set(3)));
}

// Finding 2 of the soundness review: the bits of a weak handle are a plain integer that any thread can
// hold, so rebuilding a handle from them is only for items that may be shared across threads.
use std::cell::Cell;

use blockpool::{PoolWeak, memory_pool};

#[memory_pool(type = Cell<u32>, count = 2, refcount)]
pub struct Cells;

fn main() {
    let bits = std::thread::spawn(|| 0u64).join().unwrap();
    let _weak = PoolWeak::<Cells>::from_bits(bits);
}

// A crate on edition 2018: a message that quotes braces shows them once (before review round 27 the
// escaped message came out with doubled braces, since `assert!` with one literal did not format it).
use blockpool::memory_pool;

#[memory_pool(count = { let n = 0; n }, wait = 2)]
pub struct Empty(pub u32);

fn main() {
    let _ = EmptyPool::alloc(Empty(1));
}

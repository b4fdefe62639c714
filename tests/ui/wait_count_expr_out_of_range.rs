use blockpool::memory_pool;

// A `count` given as a constant expression is checked at compile time too, against the `wait` limit
// (65534: the free list marks waiting tasks with the index `count + 1`), at the expression.
const BLOCKS: usize = 65535;

#[memory_pool(count = BLOCKS, wait = 2)]
pub struct Msg {
    pub id: u32,
}

// A block is quoted in the message as written, braces and all (review round 26: braces made the check an
// invalid format string).
#[memory_pool(count = { let n = 0; n }, wait = 2)]
pub struct Empty {
    pub id: u32,
}

// Without `wait`, the same expression is accepted.
#[memory_pool(count = BLOCKS)]
pub struct Plain {
    pub id: u32,
}

fn main() {
    let _ = MsgPool::alloc(Msg { id: 1 });
    let _ = EmptyPool::alloc(Empty { id: 1 });
    let _ = PlainPool::alloc(Plain { id: 1 });
}

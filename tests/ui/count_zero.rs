use blockpool::memory_pool;

#[memory_pool(count = 0)]
pub struct Msg {
    pub id: u32,
}

// The pool type is still declared, so naming it adds no "cannot find type" error.
fn main() {
    let _: MsgPool = MsgPool;
}

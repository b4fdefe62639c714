use blockpool::memory_pool;

#[memory_pool(count = 4)]
pub struct Frame<T> {
    pub payload: T,
}

fn main() {
    let _ = Frame { payload: 1u8 };
}

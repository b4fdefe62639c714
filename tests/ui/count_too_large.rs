use blockpool::memory_pool;

#[memory_pool(count = 70000)]
pub struct Msg {
    pub id: u32,
}

#[memory_pool(count = 99999999999999999999999)]
pub struct Frame {
    pub len: u16,
}

fn main() {}

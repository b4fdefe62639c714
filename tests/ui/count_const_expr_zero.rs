use blockpool::memory_pool;

const DEPTH: usize = 0;

#[memory_pool(count = DEPTH * 2)]
pub struct Msg {
    pub id: u32,
}

fn main() {}

use blockpool::memory_pool;

#[memory_pool(count = 4, align = 2)]
pub struct Msg {
    pub id: u64,
}

fn main() {}

use blockpool::memory_pool;

#[memory_pool(count = 4, size = 64, align = 48, count = 8)]
pub struct Msg {
    pub id: u32,
}

fn main() {}

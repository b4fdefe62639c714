use blockpool::memory_pool;

#[memory_pool(count = 4, align = 8, count = 8)]
pub struct Msg {
    pub id: u32,
}

fn main() {}

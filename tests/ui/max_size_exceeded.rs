use blockpool::memory_pool;

#[memory_pool(count = 4, max_size = 32)]
pub struct Msg {
    pub id: u32,
    pub body: [u8; 60],
}

fn main() {}

use blockpool::memory_pool;

#[memory_pool(count = 4, align = 131072)]
pub struct Msg {
    pub id: u32,
}

fn main() {}

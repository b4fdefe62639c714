use blockpool::memory_pool;

#[memory_pool(count = 4, link_section = unsafe(""))]
pub struct Msg {
    pub id: u32,
}

fn main() {}

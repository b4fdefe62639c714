use blockpool::memory_pool;

pub struct Message {
    pub id: u32,
}

#[memory_pool(type = Mesage, count = 4)]
pub struct Urgent;

fn main() {}

use blockpool::memory_pool;

pub struct Msg {
    pub id: u32,
}

#[memory_pool(type = Msg, count = 4)]
#[derive(Clone, Debug)]
pub struct Urgent;

fn main() {}

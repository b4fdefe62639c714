use blockpool::memory_pool;

#[memory_pool(type = 5, count = 4)]
pub struct Urgent;

#[memory_pool(count = 4, align = , name = TxPool)]
pub struct Msg {
    pub id: u32,
}

#[memory_pool(count = 4 name = TxPool)]
pub struct Frame {
    pub id: u32,
}

fn main() {}

use blockpool::memory_pool;

#[memory_pool(count = 4)]
pub struct Urgent;

fn main() {}

use blockpool::memory_pool;

#[memory_pool(type = [u8; 0], count = 4)]
pub struct Nothing;

fn main() {}

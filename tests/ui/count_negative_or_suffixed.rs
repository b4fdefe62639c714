use blockpool::memory_pool;

#[memory_pool(count = -1)]
pub struct A {
    pub id: u32,
}

#[memory_pool(count = 4u8)]
pub struct B {
    pub id: u32,
}

fn main() {}

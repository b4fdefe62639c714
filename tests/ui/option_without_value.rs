use blockpool::memory_pool;

#[memory_pool(count, align, max_size)]
pub struct A {
    pub id: u32,
}

#[memory_pool(type, count = 4, crate)]
pub struct Urgent;

// On a struct with fields, `type` is wrong with or without a value.
#[memory_pool(type, count = 4)]
pub struct Frame {
    pub len: u16,
}

fn main() {}

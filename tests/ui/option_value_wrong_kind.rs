use blockpool::memory_pool;

#[memory_pool(count = 4, zeroize = true)]
pub struct A {
    pub id: u32,
}

#[memory_pool(count = 4, link_section = unsafe(5))]
pub struct B {
    pub id: u32,
}

#[memory_pool(count = 4, align = "8")]
pub struct C {
    pub id: u32,
}

#[memory_pool(count = "5")]
pub struct D {
    pub id: u32,
}

fn main() {}

use blockpool::memory_pool;

#[memory_pool(count = 4, name = pools::RxPool)]
pub struct A {
    pub id: u32,
}

#[memory_pool(count = 4, name = "TxPool")]
pub struct B {
    pub id: u32,
}

fn main() {}

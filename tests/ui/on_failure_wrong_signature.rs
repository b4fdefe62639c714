use blockpool::memory_pool;

fn hook(_code: u32) {}

#[memory_pool(count = 4, on_failure = hook)]
pub struct Msg {
    pub id: u32,
}

fn main() {}

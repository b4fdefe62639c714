use blockpool::memory_pool;

#[memory_pool(count = 4, on_failure = |_event| {})]
pub struct Msg {
    pub id: u32,
}

fn main() {}

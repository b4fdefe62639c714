use blockpool::memory_pool;

#[memory_pool(count = 4)]
fn handler() {}

fn main() {
    handler();
}

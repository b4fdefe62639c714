use blockpool::memory_pool;

const DEPTH: usize = 0;

// Three checks that need the item's type, all failing: each is reported on its own option.
#[memory_pool(count = DEPTH, align = 2, max_size = 8)]
pub struct Sample {
    pub timestamp: u64,
    pub value: u64,
}

fn main() {}

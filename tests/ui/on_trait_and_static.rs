use blockpool::memory_pool;

#[memory_pool(count = 4)]
pub trait Message {}

#[memory_pool(count = 4)]
static BUFFER: [u8; 16] = [0; 16];

impl Message for u8 {}

fn main() {
    let _ = BUFFER;
}

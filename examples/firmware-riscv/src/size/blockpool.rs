//! Code size of one blockpool pool: allocate a message into a block, read it, free the block.
#![no_std]
#![no_main]

mod common;

use blockpool::memory_pool;
use common::{Message, exit};

#[memory_pool(type = Message, count = 4)]
struct MessagePool;

#[riscv_rt::entry]
fn main() -> ! {
    let ok = match MessagePool::alloc(Message::new()) {
        Ok(message) => message.check(), // dropping the handle frees the block
        Err(_) => false,
    };
    exit(ok)
}

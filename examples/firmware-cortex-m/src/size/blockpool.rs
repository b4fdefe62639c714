//! Code size of blockpool pools: in each, allocate a message into a block, read it, free the block.
#![no_std]
#![no_main]

#[macro_use]
mod common;

use common::{Message, exit};
use cortex_m_rt::entry;

macro_rules! program {
    ($pool:ident, $number:literal) => {
        #[allow(non_snake_case)]
        mod $pool {
            use super::Message;
            use blockpool::memory_pool;

            #[memory_pool(type = Message, count = 4)]
            pub struct MessagePool;

            pub fn run() -> bool {
                match MessagePool::alloc(Message::with_id($number)) {
                    Ok(message) => message.check(), // dropping the handle frees the block
                    Err(_) => false,
                }
            }
        }
    };
}

each_pool!(program);

#[entry]
fn main() -> ! {
    let mut ok = true;
    macro_rules! run {
        ($pool:ident, $number:literal) => {
            ok &= $pool::run();
        };
    }
    each_pool!(run);
    exit(ok)
}

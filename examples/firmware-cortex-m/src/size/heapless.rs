//! Code size of one `heapless::pool` box pool (LDREX/STREX: Cortex-M3 and up): give it its blocks,
//! allocate a message into a block, read it, free the block.
#![no_std]
#![no_main]

mod common;

use common::{Message, exit};
use cortex_m_rt::entry;
use heapless::box_pool;
use heapless::pool::boxed::BoxBlock;

box_pool!(MessagePool: Message);

#[entry]
fn main() -> ! {
    // As in heapless's documentation: the pool is handed `&'static mut` blocks at run time.
    let blocks: &'static mut [BoxBlock<Message>; 4] =
        cortex_m::singleton!(: [BoxBlock<Message>; 4] = [const { BoxBlock::new() }; 4])
            .expect("main runs once");
    for block in blocks {
        MessagePool.manage(block);
    }
    let ok = match MessagePool.alloc(Message::new()) {
        Ok(message) => message.check(), // dropping the box frees the block
        Err(_) => false,
    };
    exit(ok)
}

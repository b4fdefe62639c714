//! Code size of `heapless::pool` box pools (LDREX/STREX: Cortex-M3 and up): in each, give the pool its
//! blocks, allocate a message into a block, read it, free the block.
#![no_std]
#![no_main]

#[macro_use]
mod common;

use common::exit;
use cortex_m_rt::entry;

macro_rules! program {
    ($pool:ident, $number:literal) => {
        #[allow(non_snake_case)]
        mod $pool {
            use super::common::Message;
            use heapless::box_pool;
            use heapless::pool::boxed::BoxBlock;

            box_pool!(MessagePool: Message);

            pub fn run() -> bool {
                // As heapless's documentation does it: `&'static mut` blocks from a `static mut` in `.bss`.
                let blocks: &'static mut [BoxBlock<Message>; 4] = {
                    static mut BLOCKS: [BoxBlock<Message>; 4] = [const { BoxBlock::new() }; 4];
                    let blocks = &raw mut BLOCKS;
                    // SAFETY: `run` runs once and this is the only reference to `BLOCKS` ever made.
                    unsafe { &mut *blocks }
                };
                for block in blocks {
                    MessagePool.manage(block);
                }
                match MessagePool.alloc(Message::with_id($number)) {
                    Ok(message) => message.check(), // dropping the box frees the block
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

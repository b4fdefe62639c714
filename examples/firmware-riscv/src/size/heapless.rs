//! Code size of one `heapless::pool` box pool: give it its blocks, allocate a message into a block, read it,
//! free the block. heapless's pool on 32-bit targets swaps a 64-bit tagged pointer, and RV32 has no 64-bit
//! atomics, so the `code-size` feature builds heapless with portable-atomic, whose 64-bit compare-and-swap is
//! a critical section on RV32IMC and runs with interrupts disabled on RV32IMAC (`Cargo.toml` says why).
#![no_std]
#![no_main]

mod common;

use common::{Message, exit};
use heapless::box_pool;
use heapless::pool::boxed::BoxBlock;

box_pool!(MessagePool: Message);

#[riscv_rt::entry]
fn main() -> ! {
    // As heapless's documentation does it: `&'static mut` blocks from a `static mut` in `.bss`.
    let blocks: &'static mut [BoxBlock<Message>; 4] = {
        static mut BLOCKS: [BoxBlock<Message>; 4] = [const { BoxBlock::new() }; 4];
        let blocks = &raw mut BLOCKS;
        // SAFETY: `main` runs once and this is the only reference to `BLOCKS` ever made.
        unsafe { &mut *blocks }
    };
    for block in blocks {
        MessagePool.manage(block);
    }
    let ok = match MessagePool.alloc(Message::new()) {
        Ok(message) => message.check(), // dropping the box frees the block
        Err(_) => false,
    };
    exit(ok)
}

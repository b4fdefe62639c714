//! Instructions per allocation and free of a `heapless::pool` box pool with 4 blocks (LDREX/STREX:
//! Cortex-M3 and up): the phases of `common::run`, with a message allocated into a block instead of built
//! on the stack.
#![no_std]
#![no_main]

mod common;

use common::{BLOCKS, Message, run};
use cortex_m_rt::entry;
use heapless::box_pool;
use heapless::pool::boxed::{Box, BoxBlock};

box_pool!(MessagePool: Message);

/// `n` times: allocate a message into a block, read it back, free the block; alloc and free inlined, as in
/// a user's code.
#[unsafe(no_mangle)]
#[inline(never)]
fn cycles_pairs(n: u32) -> bool {
    let mut ok = true;
    for _ in 0..n {
        match MessagePool.alloc(Message::new()) {
            Ok(message) => ok &= message.check(), // dropping the box frees the block
            Err(_) => ok = false,
        }
    }
    ok
}

/// One allocation, not inlined, so that its instructions can be told apart from the caller's.
#[unsafe(no_mangle)]
#[inline(never)]
fn cycles_alloc_one() -> Option<Box<MessagePool>> {
    MessagePool.alloc(Message::new()).ok()
}

/// One free, not inlined.
#[unsafe(no_mangle)]
#[inline(never)]
fn cycles_free_one(message: Box<MessagePool>) {
    drop(message);
}

/// `n` times: allocate every block of the pool, read each message back and free it.
#[unsafe(no_mangle)]
#[inline(never)]
fn cycles_rounds(n: u32) -> bool {
    let mut ok = true;
    for _ in 0..n {
        let messages: [Option<Box<MessagePool>>; BLOCKS] =
            core::array::from_fn(|_| cycles_alloc_one());
        for message in messages {
            match message {
                Some(message) => {
                    ok &= message.check();
                    cycles_free_one(message);
                }
                None => ok = false,
            }
        }
    }
    ok
}

#[entry]
fn main() -> ! {
    // As heapless's documentation does it: `&'static mut` blocks from a `static mut` in `.bss`.
    let blocks: &'static mut [BoxBlock<Message>; BLOCKS] = {
        static mut STORAGE: [BoxBlock<Message>; BLOCKS] = [const { BoxBlock::new() }; BLOCKS];
        let blocks = &raw mut STORAGE;
        // SAFETY: `main` runs once and this is the only reference to `STORAGE` ever made.
        unsafe { &mut *blocks }
    };
    for block in blocks {
        MessagePool.manage(block);
    }
    run(cycles_pairs, cycles_rounds)
}

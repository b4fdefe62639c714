//! Instruction-count baseline: the work of `cycles-blockpool` and `cycles-heapless` without a pool. Each
//! "allocation" builds the 64-byte message on the stack, each "free" lets it go.
#![no_std]
#![no_main]

mod common;

use common::{BLOCKS, Message, run};
use core::hint::black_box;
use cortex_m_rt::entry;

/// `n` times: build a message on the stack, read it back. What a pair does, less the pool.
#[unsafe(no_mangle)]
#[inline(never)]
fn cycles_pairs(n: u32) -> bool {
    let mut ok = true;
    for _ in 0..n {
        let message = Message::new();
        ok &= message.check();
    }
    ok
}

/// Builds a message in the caller's stack frame (the return slot).
#[unsafe(no_mangle)]
#[inline(never)]
fn cycles_alloc_one() -> Message {
    Message::new()
}

/// Takes a message and does nothing with it (`black_box` keeps the call).
#[unsafe(no_mangle)]
#[inline(never)]
fn cycles_free_one(message: Message) {
    black_box(&message);
}

/// `n` times: build `BLOCKS` messages, read each back and let it go.
#[unsafe(no_mangle)]
#[inline(never)]
fn cycles_rounds(n: u32) -> bool {
    let mut ok = true;
    for _ in 0..n {
        let messages: [Message; BLOCKS] = core::array::from_fn(|_| cycles_alloc_one());
        for message in messages {
            ok &= message.check();
            cycles_free_one(message);
        }
    }
    ok
}

#[entry]
fn main() -> ! {
    run(cycles_pairs, cycles_rounds)
}

//! Code-size baseline: the program of `size-blockpool` without a pool; the message lives on the stack.
#![no_std]
#![no_main]

mod common;

use common::{Message, exit};

#[riscv_rt::entry]
fn main() -> ! {
    let message = Message::new();
    exit(message.check())
}

//! Code-size baseline: the program of `size-blockpool` and `size-heapless` without a pool; the message
//! lives on the stack.
#![no_std]
#![no_main]

mod common;

use common::{Message, exit};
use cortex_m_rt::entry;

#[entry]
fn main() -> ! {
    let message = Message::new();
    exit(message.check())
}

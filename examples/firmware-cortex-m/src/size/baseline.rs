//! Code-size baseline: the program of `size-blockpool` and `size-heapless` without a pool; each message
//! lives on the stack.
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

            pub fn run() -> bool {
                Message::with_id($number).check()
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

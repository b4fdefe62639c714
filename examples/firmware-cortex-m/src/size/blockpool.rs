//! Code size of blockpool pools: in each, allocate a message into a block, read it, free the block.
#![no_std]
#![no_main]

#[macro_use]
mod common;

use common::{Message, exit};
use cortex_m_rt::entry;

/// Each pool of the program.
macro_rules! declare_pool {
    () => {
        #[blockpool::memory_pool(type = Message, count = 4)]
        pub struct MessagePool;
    };
}

/// What the program reads of each pool after using it: nothing.
macro_rules! read_pool {
    () => {};
}

include!("blockpool_program.rs");

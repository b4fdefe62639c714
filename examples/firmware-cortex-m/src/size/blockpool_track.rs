//! Code size of blockpool pools declared with `track_callers` (one site per block, recorded on allocation and cleared on free): in each, allocate a message
//! into a block, read it, free the block.
#![no_std]
#![no_main]

#[macro_use]
mod common;

use common::{Message, exit};
use cortex_m_rt::entry;

/// Each pool of the program.
macro_rules! declare_pool {
    () => {
        #[blockpool::memory_pool(type = Message, count = 4, track_callers)]
        pub struct MessagePool;
    };
}

/// What the program reads of each pool after using it: how many blocks have a holder (a program that never
/// reads the sites has their stores removed by the compiler, and the option then costs nothing).
macro_rules! read_pool {
    () => {
        core::hint::black_box(MessagePool::holders().count());
    };
}

include!("blockpool_program.rs");

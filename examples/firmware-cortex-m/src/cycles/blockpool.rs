//! Instructions per allocation and free of a blockpool pool (`#[memory_pool(type = Message, count = 4)]`).
#![no_std]
#![no_main]

mod common;
#[macro_use]
mod blockpool_program;

use blockpool::{PoolBox, memory_pool};
use common::{BLOCKS, Message, run};
use cortex_m_rt::entry;

blockpool_program!(count = 4);

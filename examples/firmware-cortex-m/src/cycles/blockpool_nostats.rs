//! Instructions per allocation and free of a blockpool pool (`stats = false`).
#![no_std]
#![no_main]

mod common;
#[macro_use]
mod blockpool_program;

use blockpool::{PoolBox, memory_pool};
use common::{BLOCKS, Message, run};
use cortex_m_rt::entry;

blockpool_program!(count = 4, stats = false);

//! Instructions per allocation and free of a blockpool pool with `track_callers` (one allocation site per
//! block, recorded on allocation and cleared on free).
#![no_std]
#![no_main]

mod common;
#[macro_use]
mod blockpool_program;

use blockpool::{PoolBox, memory_pool};
use common::{BLOCKS, Message, run};
use cortex_m_rt::entry;

// The sites are read once (how many blocks have a holder), so that their stores stay in the program.
blockpool_program!(@read { core::hint::black_box(MessagePool::holders().count()); } count = 4, track_callers);

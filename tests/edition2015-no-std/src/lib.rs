//! blockpool's pools declared from a `#![no_std]` crate on edition 2015, the usual firmware case: `core` is
//! at the crate root already, so the generated code's `::core::..` paths resolve without
//! `extern crate core;` (which would be a second `core` here: review round 29). `tests/edition2015`, a
//! crate with std, depends on this one and runs its pool.
#![no_std]
#![forbid(unsafe_code)]

extern crate blockpool;

use blockpool::memory_pool;

/// A pool with the options whose compile-time checks carry the user's spans.
#[memory_pool(count = 2, max_size = 4, align = 4)]
pub struct Reading(pub u32);

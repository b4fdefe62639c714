//! blockpool's pools declared from a crate on edition 2015. There a path that starts with `::` names an
//! item of the crate root, so the generated code's `::core::..` needs `core` there: the README asks such
//! crates with std for `extern crate core;` (review round 28 found that without it no pool compiles; a
//! `#![no_std]` crate has `core` there already: `tests/edition2015-no-std`, whose pool runs below).
#![forbid(unsafe_code)]

extern crate blockpool;
#[cfg(test)]
extern crate blockpool_edition2015_no_std;
extern crate core;

use blockpool::memory_pool;

/// A pool with the options whose compile-time checks carry the user's spans.
#[memory_pool(count = 3, max_size = 8, align = 8)]
pub struct Sample(pub u64);

/// How many blocks `SamplePool` has.
pub fn capacity() -> usize {
    SamplePool::CAPACITY
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pool_declared_on_edition_2015_works() {
        assert_eq!(capacity(), 3);
        let held = SamplePool::alloc(Sample(7)).ok().unwrap();
        assert_eq!(held.0, 7);
    }

    #[test]
    fn a_pool_declared_in_a_no_std_crate_on_edition_2015_works() {
        use blockpool_edition2015_no_std::{Reading, ReadingPool};
        let held = ReadingPool::alloc(Reading(9)).ok().unwrap();
        assert_eq!(held.0, 9);
    }
}

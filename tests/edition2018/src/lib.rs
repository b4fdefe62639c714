//! blockpool's pools declared from a crate on edition 2018. Before Rust 2021, `assert!` with one literal
//! does not format it, and `assert!` expands to a `panic!` looked up at the caller: the macros' compile-time
//! checks, which carry the user's spans (and so the user's edition), must hold here too (review round 27).
//! The compile-fail cases are in `tests/ui/`.
#![forbid(unsafe_code)]

use blockpool::memory_pool;

// A `panic!` of the crate's own, in scope where the pools are declared: it must not turn their checks into
// no-ops (`tests/ui/shadowed_panic.rs` is the failing side).
#[allow(unused_macros)]
macro_rules! panic {
    ($($tokens:tt)*) => {
        ()
    };
}

const DEPTH: usize = 3;

/// Braces in the options, which the checks quote in their messages.
#[memory_pool(count = { const N: usize = DEPTH; N }, max_size = 8, wait = 1)]
pub struct Braced(pub u64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pool_declared_on_edition_2018_works() {
        assert_eq!(BracedPool::CAPACITY, DEPTH);
        let held = BracedPool::alloc(Braced(7)).ok().unwrap();
        assert_eq!(held.0, 7);
    }
}

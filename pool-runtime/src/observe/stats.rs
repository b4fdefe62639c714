//! A snapshot of a pool's counters.

use core::fmt;

/// A snapshot of a pool's counters, as returned by `stats()`.
///
/// `capacity`, `used` and `high_water` count blocks. `allocs`, `frees` and `failures` count events since
/// start-up; on targets with 64-bit atomics `allocs` and `frees` are exact, on the others they wrap at 2³²
/// like a hardware event counter, and `failures` wraps at 2³² everywhere.
///
/// Read while other threads allocate, the snapshot is a consistent view of one moment for `used`, `allocs`
/// and `frees` on 64-bit-atomic targets and approximately so elsewhere.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PoolStats {
    /// How many blocks the pool has.
    pub capacity: usize,
    /// How many blocks are in use now.
    pub used: usize,
    /// The most blocks that were ever in use at once (0 for pools declared with `stats = false`, which do
    /// not keep it).
    pub high_water: usize,
    /// Blocks taken from the pool since start-up (a block taken for `alloc_with` whose constructor
    /// panicked counts here and in `frees`; 0 for pools declared with `stats = false`).
    pub allocs: u64,
    /// Blocks returned to the pool since start-up (0 for pools declared with `stats = false`).
    pub frees: u64,
    /// Failed allocations since start-up.
    pub failures: u64,
}

impl PoolStats {
    /// How many blocks are free now.
    pub const fn free(&self) -> usize {
        self.capacity.saturating_sub(self.used)
    }
}

impl fmt::Display for PoolStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{} used, high water {}, {} allocs, {} frees, {} failures",
            self.used, self.capacity, self.high_water, self.allocs, self.frees, self.failures
        )
    }
}

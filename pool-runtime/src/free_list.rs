//! The lock-free free list: a Treiber stack of block indices whose links live in a side table.
//!
//! Keeping the `next` links out of the blocks matters: a stack that reads the link from inside a free block
//! races with the thread that has just been handed that block and is writing its payload. Here every link
//! and every block state is an atomic of its own, so no interleaving is a data race, and a tagged head makes
//! a stale compare-and-swap fail (ABA).
//!
//! Per block the list keeps 4 bytes: a 16-bit link and a 16-bit state word. The state's lowest bit says
//! whether the block is in use; the word as a whole increases on every hand-out and every return, so it is
//! also the block's generation, which weak handles compare against. A block that was never used has state 0
//! and a zeroed link, which is decoded as "the next index": the all-zero bit pattern is a complete free list
//! of every block in order, so a pool needs no initialisation and lives in `.bss`.

use crate::error::PoolError;
use crate::head::{self, Head};
use crate::stats::PoolStats;
use crate::sync::{AtomicU16, AtomicU32, Ordering};

/// The largest number of blocks one pool can have: indices and links are 16 bits wide.
pub const MAX_BLOCKS: usize = 65535;

/// The free list's 4 bytes of metadata for one block.
pub(crate) struct BlockMeta {
    /// The next free block, XOR-encoded with `index + 1` so that zero means "the block after this one".
    next: AtomicU16,
    /// Odd while the block is in use; incremented on every hand-out and every return.
    state: AtomicU16,
}

static_assertions::const_assert_eq!(core::mem::size_of::<BlockMeta>(), 4);

impl BlockMeta {
    #[cfg(not(loom))]
    const fn new() -> Self {
        Self { next: AtomicU16::new(0), state: AtomicU16::new(0) }
    }

    #[cfg(loom)]
    fn new() -> Self {
        Self { next: AtomicU16::new(0), state: AtomicU16::new(0) }
    }
}

/// The link value stored for block `index` when the block after it in the list is `next`; also its inverse.
#[inline(always)]
const fn code_link(index: usize, link: usize) -> usize {
    (link ^ (index + 1)) & 0xFFFF
}

/// Whether a state word marks its block as in use.
#[inline(always)]
pub(crate) const fn in_use(state: u16) -> bool {
    state & 1 == 1
}

/// The free list and counters of one pool of `N` blocks.
pub(crate) struct FreeList<const N: usize> {
    head: Head,
    high_water: AtomicU16,
    failures: AtomicU32,
    meta: [BlockMeta; N],
}

impl<const N: usize> FreeList<N> {
    /// Every block free, all counters zero: the all-zero bit pattern.
    #[cfg(not(loom))]
    pub(crate) const fn new() -> Self {
        const { assert!(N >= 1 && N <= MAX_BLOCKS, "a blockpool pool holds 1 to 65535 blocks") };
        Self {
            head: Head::new(),
            high_water: AtomicU16::new(0),
            failures: AtomicU32::new(0),
            meta: [const { BlockMeta::new() }; N],
        }
    }

    /// Every block free, all counters zero (loom's atomics have no `const` constructor).
    #[cfg(loom)]
    pub(crate) fn new() -> Self {
        Self {
            head: Head::new(),
            high_water: AtomicU16::new(0),
            failures: AtomicU32::new(0),
            meta: core::array::from_fn(|_| BlockMeta::new()),
        }
    }

    /// Takes a free block: its index, or `None` when every block is in use. O(1); lock-free.
    #[inline]
    pub(crate) fn pop(&self) -> Option<usize> {
        let mut current = self.head.load(Ordering::Acquire);
        let index = loop {
            let top = head::top(current);
            if top >= N {
                return None;
            }
            // A stale link (the block was taken and returned meanwhile) is harmless: the tag in the head has
            // changed too, so the exchange below fails and the loop reads again.
            let next = code_link(top, usize::from(self.meta[top].next.load(Ordering::Relaxed)));
            let new = head::after_pop(current, next);
            match self.head.compare_exchange_weak(current, new, Ordering::Acquire, Ordering::Acquire) {
                Ok(_) => {
                    self.head.popped(new);
                    break top;
                }
                Err(actual) => current = actual,
            }
        };
        // The block is ours alone now: nobody else writes its state until we give it back.
        let state = &self.meta[index].state;
        let before = state.load(Ordering::Relaxed);
        state.store(before.wrapping_add(1), Ordering::Release);
        if before == 0 {
            // First hand-out of this block. Blocks leave the list in index order the first time, and block k
            // is first taken only when blocks 0..k are all in use, so the high-water mark is k + 1.
            self.high_water.fetch_max((index + 1) as u16, Ordering::Relaxed);
        }
        Some(index)
    }

    /// Marks a block that the caller holds (and knows to be in use) as free; [`FreeList::push`] then puts
    /// it back on the list.
    #[inline(always)]
    pub(crate) fn mark_free(&self, index: usize) {
        let state = &self.meta[index].state;
        state.store(state.load(Ordering::Relaxed).wrapping_add(1), Ordering::Release);
    }

    /// Marks a block named by an untrusted caller as free: the state word is claimed with a
    /// compare-and-swap, so of two racing frees of one block exactly one succeeds and the other gets
    /// `DoubleFree`. O(1).
    pub(crate) fn mark_free_checked(&self, index: usize) -> Result<(), PoolError> {
        let state = &self.meta[index].state;
        let mut current = state.load(Ordering::Acquire);
        loop {
            if !in_use(current) {
                return Err(PoolError::DoubleFree);
            }
            match state.compare_exchange_weak(
                current,
                current.wrapping_add(1),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Ok(()),
                Err(actual) => current = actual,
            }
        }
    }

    /// Puts a block marked free back on the list. O(1); lock-free.
    #[inline(always)]
    pub(crate) fn push(&self, index: usize) {
        let mut current = self.head.load(Ordering::Relaxed);
        loop {
            self.meta[index].next.store(code_link(index, head::top(current)) as u16, Ordering::Relaxed);
            let new = head::after_push(current, index);
            // Release: whoever pops this block next sees its link and everything written to the block.
            match self.head.compare_exchange_weak(current, new, Ordering::Release, Ordering::Relaxed) {
                Ok(_) => {
                    self.head.pushed(new);
                    return;
                }
                Err(actual) => current = actual,
            }
        }
    }

    /// Counts a failed allocation.
    pub(crate) fn record_failure(&self) {
        self.failures.fetch_add(1, Ordering::Relaxed);
    }

    /// The block's state word: odd while in use; its value is the block's generation.
    #[inline(always)]
    pub(crate) fn state(&self, index: usize) -> u16 {
        self.meta[index].state.load(Ordering::Acquire)
    }

    pub(crate) fn stats(&self) -> PoolStats {
        let counts = self.head.counts();
        PoolStats {
            capacity: N,
            used: counts.used.min(N),
            high_water: usize::from(self.high_water.load(Ordering::Relaxed)),
            allocs: counts.allocs,
            frees: counts.frees,
            failures: u64::from(self.failures.load(Ordering::Relaxed)),
        }
    }

    /// Checks that the list holds exactly the blocks whose state says free, each once, and that the counters
    /// agree. O(N), no allocation. Meaningful only while no other thread uses the pool.
    pub(crate) fn validate(&self) -> Result<(), PoolError> {
        let free_by_state = (0..N).filter(|&i| !in_use(self.state(i))).count();
        let mut on_list = 0;
        let mut at = head::top(self.head.load(Ordering::Acquire));
        while at < N {
            // A list longer than the number of free blocks has a cycle or holds a block in use.
            if on_list == free_by_state || in_use(self.state(at)) {
                return Err(PoolError::Corrupted);
            }
            on_list += 1;
            at = code_link(at, usize::from(self.meta[at].next.load(Ordering::Acquire)));
        }
        let stats = self.stats();
        if on_list != free_by_state || stats.used != N - free_by_state || stats.high_water < stats.used {
            return Err(PoolError::Corrupted);
        }
        Ok(())
    }
}

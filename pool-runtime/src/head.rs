//! The free list's head: the index of the top free block packed with an ABA tag into one atomic word.
//!
//! Where the target has 64-bit atomics the word also carries the number of blocks in use and the count of
//! list operations, so the statistics cost no atomic operation beyond the compare-and-swap the free list does
//! anyway. Elsewhere (32-bit Cortex-M) the word is `top:16 | tag:16` and two counters are kept beside it.

use crate::sync::{AtomicU32, Ordering};

/// The top index, the blocks in use and the operation count, read from one head word at one moment.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Counts {
    pub(crate) used: usize,
    pub(crate) allocs: u64,
    pub(crate) frees: u64,
}

#[cfg(target_has_atomic = "64")]
mod layout {
    //! `ops:32 | used:16 | top:16`. `ops` (pops + pushes) changes on every successful exchange, which is what
    //! makes a stale head fail its compare-and-swap (the ABA tag); `wraps` counts its overflows.
    use super::{AtomicU32, Counts, Ordering};
    use crate::sync::AtomicU64;

    pub(crate) type Word = u64;

    pub(crate) struct Head {
        word: AtomicU64,
        wraps: AtomicU32,
    }

    const fn pack(top: usize, used: usize, ops: u32) -> Word {
        ((ops as u64) << 32) | (((used as u64) & 0xFFFF) << 16) | ((top as u64) & 0xFFFF)
    }

    const fn used(word: Word) -> usize {
        ((word >> 16) & 0xFFFF) as usize
    }

    const fn ops(word: Word) -> u32 {
        (word >> 32) as u32
    }

    pub(crate) const fn top(word: Word) -> usize {
        (word & 0xFFFF) as usize
    }

    pub(crate) const fn after_pop(word: Word, next: usize) -> Word {
        pack(next, used(word) + 1, ops(word).wrapping_add(1))
    }

    pub(crate) const fn after_push(word: Word, top: usize) -> Word {
        pack(top, used(word).wrapping_sub(1), ops(word).wrapping_add(1))
    }

    impl Head {
        #[cfg(not(loom))]
        pub(crate) const fn new() -> Self {
            Self {
                word: AtomicU64::new(0),
                wraps: AtomicU32::new(0),
            }
        }

        #[cfg(loom)]
        pub(crate) fn new() -> Self {
            Self {
                word: AtomicU64::new(0),
                wraps: AtomicU32::new(0),
            }
        }

        #[inline(always)]
        pub(crate) fn load(&self, order: Ordering) -> Word {
            self.word.load(order)
        }

        #[inline(always)]
        pub(crate) fn compare_exchange_weak(
            &self,
            current: Word,
            new: Word,
            success: Ordering,
            failure: Ordering,
        ) -> Result<Word, Word> {
            self.word
                .compare_exchange_weak(current, new, success, failure)
        }

        /// Book-keeping after a successful exchange that installed `new`.
        #[inline(always)]
        fn count(&self, new: Word) {
            if ops(new) == 0 {
                self.wraps.fetch_add(1, Ordering::Relaxed);
            }
        }

        #[inline(always)]
        pub(crate) fn popped(&self, new: Word) {
            self.count(new);
        }

        #[inline(always)]
        pub(crate) fn pushed(&self, new: Word) {
            self.count(new);
        }

        pub(crate) fn counts(&self) -> Counts {
            // Re-read until no overflow of `ops` slipped between the two reads of `wraps`.
            loop {
                let wraps = self.wraps.load(Ordering::Acquire);
                let word = self.word.load(Ordering::Acquire);
                if self.wraps.load(Ordering::Acquire) == wraps {
                    let total = (u64::from(wraps) << 32) | u64::from(ops(word));
                    let used = used(word) as u64;
                    // Every pop adds one block in use and every push removes one, so
                    // total = allocs + frees and used = allocs - frees.
                    return Counts {
                        used: used as usize,
                        allocs: (total + used) / 2,
                        frees: (total - used) / 2,
                    };
                }
            }
        }
    }
}

#[cfg(not(target_has_atomic = "64"))]
mod layout {
    //! `tag:16 | top:16` with separate event counters: 32-bit targets have no wider compare-and-swap.
    use super::{AtomicU32, Counts, Ordering};

    pub(crate) type Word = u32;

    pub(crate) struct Head {
        word: AtomicU32,
        allocs: AtomicU32,
        frees: AtomicU32,
    }

    const fn pack(top: usize, tag: u16) -> Word {
        ((tag as u32) << 16) | ((top as u32) & 0xFFFF)
    }

    const fn tag(word: Word) -> u16 {
        (word >> 16) as u16
    }

    pub(crate) const fn top(word: Word) -> usize {
        (word & 0xFFFF) as usize
    }

    pub(crate) const fn after_pop(word: Word, next: usize) -> Word {
        pack(next, tag(word).wrapping_add(1))
    }

    pub(crate) const fn after_push(word: Word, top: usize) -> Word {
        pack(top, tag(word).wrapping_add(1))
    }

    impl Head {
        #[cfg(not(loom))]
        pub(crate) const fn new() -> Self {
            Self {
                word: AtomicU32::new(0),
                allocs: AtomicU32::new(0),
                frees: AtomicU32::new(0),
            }
        }

        #[cfg(loom)]
        pub(crate) fn new() -> Self {
            Self {
                word: AtomicU32::new(0),
                allocs: AtomicU32::new(0),
                frees: AtomicU32::new(0),
            }
        }

        #[inline(always)]
        pub(crate) fn load(&self, order: Ordering) -> Word {
            self.word.load(order)
        }

        #[inline(always)]
        pub(crate) fn compare_exchange_weak(
            &self,
            current: Word,
            new: Word,
            success: Ordering,
            failure: Ordering,
        ) -> Result<Word, Word> {
            self.word
                .compare_exchange_weak(current, new, success, failure)
        }

        #[inline(always)]
        pub(crate) fn popped(&self, _new: Word) {
            self.allocs.fetch_add(1, Ordering::Relaxed);
        }

        #[inline(always)]
        pub(crate) fn pushed(&self, _new: Word) {
            self.frees.fetch_add(1, Ordering::Relaxed);
        }

        pub(crate) fn counts(&self) -> Counts {
            let frees = self.frees.load(Ordering::Acquire);
            let allocs = self.allocs.load(Ordering::Acquire);
            Counts {
                used: allocs.wrapping_sub(frees) as usize,
                allocs: u64::from(allocs),
                frees: u64::from(frees),
            }
        }
    }
}

pub(crate) use layout::{Head, after_pop, after_push, top};

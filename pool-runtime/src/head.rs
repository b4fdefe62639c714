//! The free list's head: the index of the top free block packed with an ABA tag into one atomic word.
//!
//! Where the target has 64-bit atomics the word also carries the number of blocks in use and the count of
//! allocations, so the statistics cost no atomic operation beyond the compare-and-swap the free list does
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
    //! `pops:32 | used:16 | top:16`. `pops` goes up by one on every pop: that is the ABA tag. A push needs
    //! no tag of its own: between a thread's read of the head and its compare-and-swap, pushes alone always
    //! change `top` to the pushed block (which was not on the list) and lower `used`, so the word cannot
    //! come back to the value read unless a pop happened, and a pop changed `pops`. So a stale head
    //! always fails its exchange, as long as fewer than 2³² pops happen in that window. `wraps` counts
    //! the overflows of `pops`, and frees = pops - used.
    use super::{AtomicU32, Counts, Ordering};
    use crate::sync::AtomicU64;

    pub(crate) type Word = u64;

    pub(crate) struct Head {
        word: AtomicU64,
        wraps: AtomicU32,
    }

    /// The word with these fields (the hot path builds it by addition instead; the tests compare the two).
    #[cfg(test)]
    pub(crate) const fn pack(top: usize, used: usize, pops: u32) -> Word {
        ((pops as u64) << 32) | (((used as u64) & 0xFFFF) << 16) | ((top as u64) & 0xFFFF)
    }

    const fn used(word: Word) -> usize {
        ((word >> 16) & 0xFFFF) as usize
    }

    const fn pops(word: Word) -> u32 {
        (word >> 32) as u32
    }

    pub(crate) const fn top(word: Word) -> usize {
        (word & 0xFFFF) as usize
    }

    /// One more pop and one more block in use, as one addition to the word. `used` cannot carry into
    /// `pops`: a pop succeeds only while a block is free, so `used < N <= 65535` before it.
    const POP_STEP: Word = (1 << 32) + (1 << 16);
    /// One block fewer in use. `used` cannot borrow from `pops`: the block being pushed is counted in
    /// `used`, so `used >= 1` before it.
    const PUSH_STEP: Word = (1u64 << 16).wrapping_neg();
    /// Everything but `top`.
    const COUNTS: Word = !0xFFFF;

    // Same results as `pack(next, used + 1, pops + 1)` and `pack(top, used - 1, pops)` under the
    // invariants above; `pops` wraps by overflowing out of the word. Three instructions instead of eight
    // on the hot path.
    #[inline(always)]
    pub(crate) const fn after_pop(word: Word, next: usize) -> Word {
        ((word & COUNTS).wrapping_add(POP_STEP)) | (next as Word & 0xFFFF)
    }

    #[inline(always)]
    pub(crate) const fn after_push(word: Word, top: usize) -> Word {
        ((word & COUNTS).wrapping_add(PUSH_STEP)) | (top as Word & 0xFFFF)
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

        /// Book-keeping after a successful pop that installed `new`.
        #[inline(always)]
        pub(crate) fn popped(&self, new: Word) {
            if pops(new) == 0 {
                self.wraps.fetch_add(1, Ordering::Relaxed);
            }
        }

        /// Book-keeping after a successful push: none, the word counted it.
        #[inline(always)]
        pub(crate) fn pushed(&self, _new: Word) {}

        pub(crate) fn counts(&self) -> Counts {
            // Re-read until no overflow of `pops` slipped between the two reads of `wraps`.
            loop {
                let wraps = self.wraps.load(Ordering::Acquire);
                let word = self.word.load(Ordering::Acquire);
                if self.wraps.load(Ordering::Acquire) == wraps {
                    let allocs = (u64::from(wraps) << 32) | u64::from(pops(word));
                    let used = used(word) as u64;
                    // Every pop adds one block in use and every push removes one.
                    return Counts {
                        used: used as usize,
                        allocs,
                        frees: allocs.saturating_sub(used),
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

#[cfg(all(test, not(loom), target_has_atomic = "64"))]
mod tests {
    use super::layout::{after_pop, after_push, pack};

    #[test]
    fn the_additions_give_the_fields_they_stand_for() {
        for pops in [0, 1, 0x7FFF_FFFF, u32::MAX - 1, u32::MAX] {
            for used in [0, 1, 2, 0x7FFF, 0xFFFE] {
                for (top, next) in [(0, 1), (5, 0xFFFF), (0xFFFE, 0), (0xFFFF, 3)] {
                    let word = pack(top, used, pops);
                    let popped = after_pop(word, next);
                    assert_eq!(popped, pack(next, used + 1, pops.wrapping_add(1)));
                    assert_eq!(
                        after_push(popped, top),
                        pack(top, used, pops.wrapping_add(1))
                    );
                }
            }
        }
    }
}

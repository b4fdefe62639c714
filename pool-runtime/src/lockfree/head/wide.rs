//! The head on targets with 64-bit atomics: `pops:32 | used:16 | top:16` in one word.
//!
//! `pops` goes up by one on every pop: that is the ABA tag. A push needs no tag of its own: between a
//! thread's read of the head and its compare-and-swap, pushes alone always change `top` to the pushed block
//! (which was not on the list) and lower `used`, so the word cannot come back to the value read unless a
//! pop happened, and a pop changed `pops`. So a stale head always fails its exchange, as long as fewer than
//! 2³² pops happen in that window. The word also carries the statistics, so they cost no atomic operation
//! beyond the exchange the list does anyway: `wraps` counts the overflows of `pops`, and frees = pops - used.

use super::Counts;
use crate::free_list::{BlockMeta, code_link};
use crate::sync::{AtomicU32, AtomicU64, Ordering};

type Word = u64;

pub(crate) struct Head {
    word: AtomicU64,
    wraps: AtomicU32,
}

/// The word with these fields (the hot path builds it by addition instead; the tests compare the two).
#[cfg(all(test, not(loom)))]
const fn pack(top: usize, used: usize, pops: u32) -> Word {
    ((pops as u64) << 32) | (((used as u64) & 0xFFFF) << 16) | ((top as u64) & 0xFFFF)
}

const fn used(word: Word) -> usize {
    ((word >> 16) & 0xFFFF) as usize
}

const fn pops(word: Word) -> u32 {
    (word >> 32) as u32
}

const fn top(word: Word) -> usize {
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
const fn after_pop(word: Word, next: usize) -> Word {
    ((word & COUNTS).wrapping_add(POP_STEP)) | (next as Word & 0xFFFF)
}

#[inline(always)]
const fn after_push(word: Word, top: usize) -> Word {
    ((word & COUNTS).wrapping_add(PUSH_STEP)) | (top as Word & 0xFFFF)
}

impl Head {
    #[cfg(not(loom))]
    pub(crate) const fn new(_blocks: usize) -> Self {
        Self {
            word: AtomicU64::new(0),
            wraps: AtomicU32::new(0),
        }
    }

    #[cfg(loom)]
    pub(crate) fn new(_blocks: usize) -> Self {
        Self {
            word: AtomicU64::new(0),
            wraps: AtomicU32::new(0),
        }
    }

    /// Takes the top block off the list: its index (below `meta.len()`), or `None` when the list is empty.
    /// The counts live in the word itself, so they cost nothing and are kept whatever `_count` says.
    #[inline(always)]
    pub(crate) fn pop(&self, meta: &[BlockMeta], _count: bool) -> Option<usize> {
        let mut current = self.word.load(Ordering::Acquire);
        loop {
            let top = top(current);
            if top >= meta.len() {
                return None;
            }
            // A stale link (the block was taken and returned meanwhile) is harmless: `pops` has changed
            // too, so the exchange below fails and the loop reads again.
            let next = code_link(top, usize::from(meta[top].next.load(Ordering::Relaxed)));
            let new = after_pop(current, next);
            match self.word.compare_exchange_weak(
                current,
                new,
                Ordering::Acquire,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    if pops(new) == 0 {
                        self.wraps.fetch_add(1, Ordering::Relaxed);
                    }
                    return Some(top);
                }
                Err(actual) => current = actual,
            }
        }
    }

    /// Puts block `index` (not on the list) on top of it.
    #[inline(always)]
    pub(crate) fn push(&self, meta: &[BlockMeta], index: usize, _count: bool) {
        let mut current = self.word.load(Ordering::Relaxed);
        loop {
            meta[index]
                .next
                .store(code_link(index, top(current)) as u16, Ordering::Relaxed);
            let new = after_push(current, index);
            // Release: whoever pops this block next sees its link and everything written to the block.
            match self.word.compare_exchange_weak(
                current,
                new,
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
    }

    /// [`Head::push`] for pools with waiters (Q1): pushes only onto an unmarked head (top `<= N`) and
    /// returns whether it did. The check is on each value of the word the exchange then compares, so the
    /// push succeeds only if the head was unmarked at the moment of the exchange.
    #[inline(always)]
    pub(crate) fn push_unless_marked(
        &self,
        meta: &[BlockMeta],
        index: usize,
        _count: bool,
    ) -> bool {
        let mut current = self.word.load(Ordering::Relaxed);
        loop {
            if top(current) > meta.len() {
                return false;
            }
            meta[index]
                .next
                .store(code_link(index, top(current)) as u16, Ordering::Relaxed);
            match self.word.compare_exchange_weak(
                current,
                after_push(current, index),
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(actual) => current = actual,
            }
        }
    }

    /// A registration's one operation on the head (Q1): pops the top block if there is one, else marks
    /// the empty head (`N` becomes `N + 1`; `N + 1` stays). The counts are unchanged by the mark. Marks
    /// need no tag of their own: a stale pop read a top below `N`, and the word comes back to it only
    /// through a pop of that block, which changes `pops`.
    #[inline]
    pub(crate) fn pop_or_mark(&self, meta: &[BlockMeta], _count: bool) -> Option<usize> {
        let n = meta.len();
        let mut current = self.word.load(Ordering::Acquire);
        loop {
            let top = top(current);
            if top > n {
                return None;
            }
            let new = if top == n {
                (current & COUNTS) | (n as Word + 1)
            } else {
                after_pop(
                    current,
                    code_link(top, usize::from(meta[top].next.load(Ordering::Relaxed))),
                )
            };
            match self.word.compare_exchange_weak(
                current,
                new,
                Ordering::Acquire,
                Ordering::Acquire,
            ) {
                Ok(_) if top == n => return None,
                Ok(_) => {
                    if pops(new) == 0 {
                        self.wraps.fetch_add(1, Ordering::Relaxed);
                    }
                    return Some(top);
                }
                Err(actual) => current = actual,
            }
        }
    }

    /// The last waiting task left (Q1, under the queue's lock): a marked head (`N + 1`) becomes `N`.
    #[inline]
    pub(crate) fn unmark(&self, meta: &[BlockMeta]) {
        let n = meta.len();
        let mut current = self.word.load(Ordering::Relaxed);
        while top(current) > n {
            match self.word.compare_exchange_weak(
                current,
                (current & COUNTS) | n as Word,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
    }

    /// The index of the top block; `N` or more when the list is empty.
    pub(crate) fn top(&self) -> usize {
        top(self.word.load(Ordering::Acquire))
    }

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

#[cfg(all(test, not(loom)))]
mod tests {
    use super::{BlockMeta, Head, after_pop, after_push, pack};

    crate::head::list_and_counts_test!();

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

//! The head on 32-bit targets with compare-and-swap but no LL/SC usable from Rust (RISC-V, PowerPC,
//! ARMv8-M Baseline): `tag | top` in one 32-bit word, the tag in every bit that the index does not need.
//!
//! `top` takes values `0..=N` (`N`: the list is empty), so a pool of `N` blocks needs
//! `bits(N) = 32 - N.leading_zeros()` index bits and the tag gets the other `32 - bits(N)`: 31 for one
//! block, 25 for 64, 16 from 32,768 up. In pools with `wait`, `top` also takes `N + 1` (the list is empty
//! and tasks wait, Q1): the index gets `bits(N + 1)` bits and the tag the rest (30 for one block). Every
//! pop and every push adds one to the tag. A pop's exchange compares the whole word, so a stale one
//! succeeds only if the top index is the same again and a multiple of `2^tag_bits` list operations
//! completed between its load of the head and its exchange:
//! fewer than `2^tag_bits` operations in that window and it always fails. Counters for the statistics
//! sit beside the word.

use super::Counts;
use crate::free_list::{BlockMeta, code_link};
use crate::sync::{AtomicU32, Ordering};

type Word = u32;

pub(crate) struct Head {
    word: AtomicU32,
    allocs: AtomicU32,
    frees: AtomicU32,
    /// Fixed by the pool's size when the head is made, so that the list's code needs no block count.
    layout: Layout,
}

/// Where the head word of a pool splits into tag (high bits) and top index (low bits).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Layout {
    index_bits: u32,
}

impl Layout {
    /// The layout for a pool of `n` blocks: the narrowest index that holds `0..=n`, the rest tag.
    pub(crate) const fn for_blocks(n: usize) -> Self {
        Self {
            index_bits: usize::BITS - n.leading_zeros(),
        }
    }

    /// Bits of the top index. `1..=16`: a pool has 1 to 65,535 blocks.
    const fn index_mask(self) -> Word {
        (1 << self.index_bits) - 1
    }

    #[inline(always)]
    pub(crate) const fn top(self, word: Word) -> usize {
        (word & self.index_mask()) as usize
    }

    /// `word` after one more list operation that leaves `top` on top: the tag one higher (wrapping),
    /// with the index bits all set so that the addition carries into the tag.
    #[inline(always)]
    pub(crate) const fn after(self, word: Word, top: usize) -> Word {
        (word | self.index_mask()).wrapping_add(1) | top as Word
    }
}

impl Head {
    /// The head of a list whose top index takes values `0..=blocks`: `blocks` is the block count `N`,
    /// or `N + 1` for a pool with waiters, whose marked head is `N + 1` (Q1).
    pub(crate) const fn new(blocks: usize) -> Self {
        Self {
            word: AtomicU32::new(0),
            allocs: AtomicU32::new(0),
            frees: AtomicU32::new(0),
            layout: Layout::for_blocks(blocks),
        }
    }

    /// Takes the top block off the list: its index (below `meta.len()`), or `None` when the list is empty.
    /// Counts the allocation if `count`.
    #[inline(always)]
    pub(crate) fn pop(&self, meta: &[BlockMeta], count: bool) -> Option<usize> {
        self.pop_in(self.layout, meta, count, || {})
    }

    /// [`Head::pop`] with `layout`, calling `window` after each load of the head (and of the top block's
    /// link) and before the exchange that acts on it: a no-op in [`Head::pop`]; the tests run other list
    /// operations there, as an interrupt handler can.
    #[inline(always)]
    fn pop_in(
        &self,
        layout: Layout,
        meta: &[BlockMeta],
        count: bool,
        mut window: impl FnMut(),
    ) -> Option<usize> {
        let mut current = self.word.load(Ordering::Acquire);
        loop {
            let top = layout.top(current);
            if top >= meta.len() {
                return None;
            }
            // A stale link (the block was taken and returned meanwhile) is harmless while the tag has
            // changed too: then the exchange below fails and the loop reads again.
            let next = code_link(top, usize::from(meta[top].next.load(Ordering::Relaxed)));
            window();
            // Strong: a failed exchange means the word changed, as in the module docs, and the tests'
            // window stays deterministic where weak exchanges fail at random (Miri, LL/SC hardware).
            // A retry re-reads the head either way.
            match self.word.compare_exchange(
                current,
                layout.after(current, next),
                Ordering::Acquire,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    if count {
                        self.allocs.fetch_add(1, Ordering::Relaxed);
                    }
                    return Some(top);
                }
                Err(actual) => current = actual,
            }
        }
    }

    /// Puts block `index` (not on the list) on top of it. Counts the free if `count`.
    #[inline(always)]
    pub(crate) fn push(&self, meta: &[BlockMeta], index: usize, count: bool) {
        self.push_in(self.layout, meta, index, count);
    }

    #[inline(always)]
    fn push_in(&self, layout: Layout, meta: &[BlockMeta], index: usize, count: bool) {
        let mut current = self.word.load(Ordering::Relaxed);
        loop {
            meta[index].next.store(
                code_link(index, layout.top(current)) as u16,
                Ordering::Relaxed,
            );
            // Release: whoever pops this block next sees its link and everything written to the block.
            match self.word.compare_exchange_weak(
                current,
                layout.after(current, index),
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    if count {
                        self.frees.fetch_add(1, Ordering::Relaxed);
                    }
                    return;
                }
                Err(actual) => current = actual,
            }
        }
    }

    /// [`Head::push`] for pools with waiters (Q1): pushes only onto an unmarked head (top `<= N`) and
    /// returns whether it did. The exchange compares the whole word, so it succeeds only if the head still
    /// holds the unmarked value checked.
    #[inline(always)]
    pub(crate) fn push_unless_marked(&self, meta: &[BlockMeta], index: usize, count: bool) -> bool {
        let layout = self.layout;
        let mut current = self.word.load(Ordering::Relaxed);
        loop {
            if layout.top(current) > meta.len() {
                return false;
            }
            meta[index].next.store(
                code_link(index, layout.top(current)) as u16,
                Ordering::Relaxed,
            );
            match self.word.compare_exchange_weak(
                current,
                layout.after(current, index),
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    if count {
                        self.frees.fetch_add(1, Ordering::Relaxed);
                    }
                    return true;
                }
                Err(actual) => current = actual,
            }
        }
    }

    /// A registration's one operation on the head (Q1): pops the top block if there is one, else marks
    /// the empty head (`N` becomes `N + 1`, one more operation for the tag; `N + 1` stays). The head of
    /// a pool with waiters is made with room for `N + 1` in its index (`FreeList::with_marks`).
    #[inline]
    pub(crate) fn pop_or_mark(&self, meta: &[BlockMeta], count: bool) -> Option<usize> {
        let (layout, n) = (self.layout, meta.len());
        let mut current = self.word.load(Ordering::Acquire);
        loop {
            let top = layout.top(current);
            if top > n {
                return None;
            }
            let new = if top == n {
                layout.after(current, n + 1)
            } else {
                layout.after(
                    current,
                    code_link(top, usize::from(meta[top].next.load(Ordering::Relaxed))),
                )
            };
            match self
                .word
                .compare_exchange(current, new, Ordering::Acquire, Ordering::Acquire)
            {
                Ok(_) if top == n => return None,
                Ok(_) => {
                    if count {
                        self.allocs.fetch_add(1, Ordering::Relaxed);
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
        let (layout, n) = (self.layout, meta.len());
        let mut current = self.word.load(Ordering::Relaxed);
        while layout.top(current) > n {
            match self.word.compare_exchange_weak(
                current,
                layout.after(current, n),
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
    }

    /// The index of the top block; `N` when the list is empty, `N + 1` when it is empty and marked as
    /// waited for (pools with `wait`, Q1).
    pub(crate) fn top(&self) -> usize {
        self.layout.top(self.word.load(Ordering::Acquire))
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

#[cfg(all(test, not(loom)))]
mod tests {
    extern crate std;

    use super::{BlockMeta, Head, Layout};
    use std::collections::BTreeSet;
    use std::vec::Vec;

    /// The layout this module replaced: `tag:16 | top:16` whatever the pool's size.
    const OLD: Layout = Layout { index_bits: 16 };

    /// Blocks of the test pool.
    const N: usize = 64;

    #[test]
    fn the_index_gets_the_bits_that_n_needs_and_the_tag_the_rest() {
        let bits = |n: usize| Layout::for_blocks(n).index_bits;
        assert_eq!([bits(1), bits(2), bits(3), bits(4)], [1, 2, 2, 3]);
        assert_eq!([bits(63), bits(64), bits(65)], [6, 7, 7]);
        assert_eq!([bits(32_767), bits(32_768), bits(65_535)], [15, 16, 16]);
        let layout = Layout::for_blocks(64);
        assert_eq!((layout.top(0), layout.top(64)), (0, 64));
        // The tag wraps from all ones to zero without touching the index.
        assert_eq!(layout.after(!0x7F, 5), 5);
        assert_eq!(layout.after(0x80 | 3, 64), 0x100 | 64);
        assert_eq!(OLD.after(0xFFFF_0000, 7), 7);
    }

    crate::head::list_and_counts_test!();

    /// What an interrupt does while a pop it preempted sits between its load of the head and its
    /// exchange: with the list `A → B → C → D → …` it takes A, B and C, gives A back (`A → D`), then
    /// takes and gives back A until it has done `operations` list operations in all (an even number, at
    /// least 4). The head shows A on top again; B and C are in use, and returned.
    fn interrupt(
        head: &Head,
        layout: Layout,
        meta: &[BlockMeta; N],
        operations: u32,
    ) -> [usize; 2] {
        assert!(operations >= 4 && operations % 2 == 0);
        let a = head.pop_in(layout, meta, true, || {}).unwrap();
        let b = head.pop_in(layout, meta, true, || {}).unwrap();
        let c = head.pop_in(layout, meta, true, || {}).unwrap();
        head.push_in(layout, meta, a, true);
        for _ in 0..(operations - 4) / 2 {
            assert_eq!(head.pop_in(layout, meta, true, || {}), Some(a));
            head.push_in(layout, meta, a, true);
        }
        [b, c]
    }

    /// Runs one pop of a fresh pool of `N` blocks that the interrupt above preempts once, in the window
    /// between its load of the head and its exchange, then takes every block still on the list. Returns
    /// each block handed out, in order: the preempted pop's, the interrupt's two, then the rest.
    fn preempted_pop(layout: Layout, operations: u32) -> Vec<usize> {
        let meta = [const { BlockMeta::new() }; N];
        let head = Head::new(N);
        let mut interrupted = Vec::new();
        let mut preempted = false;
        let first = head
            .pop_in(layout, &meta, true, || {
                if !preempted {
                    preempted = true;
                    interrupted.extend(interrupt(&head, layout, &meta, operations));
                }
            })
            .unwrap();
        let mut handed_out = Vec::from([first]);
        handed_out.extend(interrupted);
        while let Some(index) = head.pop_in(layout, &meta, true, || {}) {
            handed_out.push(index);
            assert!(handed_out.len() <= 2 * N, "the list has a cycle");
        }
        handed_out
    }

    /// Blocks handed out more than once.
    fn twice(handed_out: &[usize]) -> BTreeSet<usize> {
        let mut seen = BTreeSet::new();
        handed_out
            .iter()
            .copied()
            .filter(|&index| !seen.insert(index))
            .collect()
    }

    #[test]
    fn a_pop_preempted_by_65536_operations_hands_out_no_block_twice() {
        let handed_out = preempted_pop(Layout::for_blocks(N), 1 << 16);
        assert_eq!(twice(&handed_out), BTreeSet::new(), "{handed_out:?}");
        assert_eq!(handed_out.len(), N);
        // The stale exchange failed, the pop read the head again and took A, whose link is now D.
        assert_eq!(&handed_out[..4], &[0, 1, 2, 3]);
    }

    /// The same window against the layout this module replaced: its 16-bit tag is back where the
    /// preempted pop read it, the exchange succeeds with the stale link (B, which the interrupt holds),
    /// and B and C are handed out a second time.
    #[test]
    #[cfg_attr(
        miri,
        ignore = "a minute under Miri; the preempted pop above runs there"
    )]
    fn the_old_16_bit_tag_hands_out_a_block_twice_after_65536_operations() {
        let handed_out = preempted_pop(OLD, 1 << 16);
        assert_eq!(twice(&handed_out), BTreeSet::from([1, 2]), "{handed_out:?}");
    }

    /// The bound in the module docs is exact: `2^tag_bits` operations in the window, and the stale
    /// exchange succeeds (25 tag bits for 64 blocks).
    #[test]
    #[cfg_attr(miri, ignore = "33 million list operations")]
    fn the_new_tag_wraps_after_two_to_the_tag_bits_operations() {
        let layout = Layout::for_blocks(N);
        assert_eq!(32 - layout.index_bits, 25);
        assert_eq!(
            twice(&preempted_pop(layout, 1 << 25)),
            BTreeSet::from([1, 2])
        );
        assert_eq!(
            twice(&preempted_pop(layout, (1 << 25) - 2)),
            BTreeSet::new()
        );
    }
}

//! The head on ARMv7-M, ARMv7E-M and ARMv8-M Mainline (`cfg(blockpool_llsc)`): the top index alone, changed
//! with LDREX/STREX.
//!
//! A pop loads the head with LDREX, reads the top block's link and stores the new head with STREX, all in
//! one `asm!` block. The STREX succeeds only if the core's exclusive monitor is still set from that LDREX,
//! and the architecture clears the local monitor on every exception entry and return (ARMv7-M and ARMv8-M
//! Architecture Reference Manuals, "exclusive monitors"): if an interrupt handler ran in between, whatever
//! it did, the exchange fails and the pop starts again. Another core's store to the head clears this core's
//! global monitor for it in the same way. So a pop's exchange succeeds only if no other list operation
//! completed since its load: no tag, no bound, and the word is the top index (`N`: empty). The only memory
//! access between LDREX and STREX is that one load of the link, as in heapless's LL/SC Treiber stack; Arm
//! advises against stores there (on some implementations they clear the monitor), so the push stores its
//! link first and then exchanges with LDREX, compare, STREX, which needs no tag either: a push is right
//! whenever the head still holds the top it linked to at the moment of its STREX.
//!
//! Memory order: neither block is `nomem`, so the compiler keeps every memory access of the caller on its
//! side of them (a compiler fence, which is all a single core needs: it observes its own accesses in program
//! order). For other cores and bus masters, a pop ends with `DMB` after its successful STREX (acquire) and a
//! push issues `DMB` between storing its link and the exchange (release): the same barriers LLVM emits for
//! `Acquire` and `Release` atomics on these cores. The link read inside the pop needs no barrier: its address
//! depends on the value LDREX returned, and Arm orders address-dependent loads.

use core::arch::asm;
use core::mem::{offset_of, size_of};

use super::Counts;
use crate::free_list::BlockMeta;
use crate::sync::{AtomicU32, Ordering};

// The assembly reaches block `i`'s link at `links + 4 * i` (`lsl #2`).
const _: () = assert!(size_of::<BlockMeta>() == 4);

pub(crate) struct Head {
    /// The index of the top block; `N` when the list is empty, `N + 1` when it is empty and tasks wait
    /// (pools with waiters, Q1).
    word: AtomicU32,
    allocs: AtomicU32,
    frees: AtomicU32,
}

/// The address of block 0's link; block `i`'s is 4 bytes further per block.
#[inline(always)]
fn links(meta: &[BlockMeta]) -> *const u8 {
    meta.as_ptr()
        .cast::<u8>()
        .wrapping_add(offset_of!(BlockMeta, next))
}

impl Head {
    pub(crate) const fn new(_blocks: usize) -> Self {
        Self {
            word: AtomicU32::new(0),
            allocs: AtomicU32::new(0),
            frees: AtomicU32::new(0),
        }
    }

    /// Takes the top block off the list: its index (below `meta.len()`), or `None` when the list is empty.
    /// Counts the allocation if `count`.
    ///
    /// Why the assembly is sound: `head` is the address of `self.word`, a live, aligned `AtomicU32`;
    /// LDREX/STREX access it atomically, as every other access to it is atomic. The link is loaded only
    /// after `top < meta.len()` was checked, at `links + 4 * top`: `meta[top].next`, a live `AtomicU16` inside `meta`
    /// (4-byte entries, asserted above), read with one single-copy-atomic LDRH. The block writes only the
    /// output registers and the flags, and uses no stack. Every LDREX ends in a STREX or a CLREX.
    #[inline(always)]
    pub(crate) fn pop(&self, meta: &[BlockMeta], count: bool) -> Option<usize> {
        let n = meta.len();
        let top: usize;
        // SAFETY: [S1] atomic accesses to `self.word` and to `meta[top].next` with `top < meta.len()` checked first,
        // no stack, every LDREX closed (the function's documentation gives the argument).
        unsafe {
            asm!(
                "2:",
                "ldrex {top}, [{head}]",
                "cmp {top}, {n}",
                "bhs 3f",
                // next = link ^ (top + 1), see `free_list::code_link`.
                "ldrh {next}, [{links}, {top}, lsl #2]",
                "add {scratch}, {top}, #1",
                "eor {next}, {next}, {scratch}",
                "strex {scratch}, {next}, [{head}]",
                "cmp {scratch}, #0",
                "bne 2b",
                "dmb sy",
                "b 4f",
                "3:",
                "clrex",
                "4:",
                head = in(reg) self.word.as_ptr(),
                links = in(reg) links(meta),
                n = in(reg) n,
                top = out(reg) top,
                next = out(reg) _,
                scratch = out(reg) _,
                options(nostack),
            );
        }
        if top >= n {
            return None;
        }
        if count {
            self.allocs.fetch_add(1, Ordering::Relaxed);
        }
        Some(top)
    }

    /// Puts block `index` (not on the list) on top of it. Counts the free if `count`.
    ///
    /// Why the assembly is sound: `head` is the address of `self.word`, a live, aligned `AtomicU32`, read
    /// with LDR and LDREX and written with STREX, all atomic, as every other access to it is. The link store
    /// goes to `links + 4 * index`: `meta[index].next` (`index < meta.len()` was checked; 4-byte entries, asserted
    /// above), an `AtomicU16` written with one single-copy-atomic STRH; nobody else writes that link, the
    /// caller holds the block. The block writes only the output registers and the flags, and uses no
    /// stack. Every LDREX ends in a STREX or a CLREX.
    #[inline(always)]
    pub(crate) fn push(&self, meta: &[BlockMeta], index: usize, count: bool) {
        // Keeps the store below inside `meta`. Callers hold block `index`, so it is always below the block
        // count (S3); if it were not, the block would stay off the list (a leak) rather than the store
        // landing outside `meta` — and no panic path is linked in for a case that cannot happen.
        if index >= meta.len() {
            return;
        }
        // SAFETY: [S1] atomic accesses to `self.word` and to the link of the caller's block, `index < meta.len()`
        // checked above, no stack, every LDREX closed (the function's documentation gives the argument).
        unsafe {
            asm!(
                "ldr {top}, [{head}]",
                "2:",
                // The block's link: top ^ (index + 1), see `free_list::code_link`.
                "add {scratch}, {index}, #1",
                "eor {scratch}, {scratch}, {top}",
                "strh {scratch}, [{links}, {index}, lsl #2]",
                // Release: the link and everything written before the push, before the head.
                "dmb sy",
                "3:",
                "ldrex {seen}, [{head}]",
                "cmp {seen}, {top}",
                "bne 4f",
                "strex {scratch}, {index}, [{head}]",
                "cmp {scratch}, #0",
                // STREX failed (an exception came between): the link still holds if the head does.
                "bne 3b",
                "b 5f",
                // Another operation changed the head since it was read: link to the new top.
                "4:",
                "clrex",
                "mov {top}, {seen}",
                "b 2b",
                "5:",
                head = in(reg) self.word.as_ptr(),
                links = in(reg) links(meta),
                index = in(reg) index,
                top = out(reg) _,
                seen = out(reg) _,
                scratch = out(reg) _,
                options(nostack),
            );
        }
        if count {
            self.frees.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// [`Head::push`] for pools with waiters (Q1): pushes only onto an unmarked head (top `<= N`) and
    /// returns whether it did.
    ///
    /// The assembly is [`Head::push`]'s with one compare and branch where the loop holds the top it will
    /// link to (after the first load and after each retry): a top above `N` (marked) ends the block
    /// without a store. The STREX succeeds only if LDREX read exactly that checked top (`cmp`/`bne`
    /// before it) and the monitor is still set, so the block is pushed only onto a head that was
    /// unmarked at the moment of the exchange. Soundness as in [`Head::push`]: the same accesses, the same
    /// registers and no stack, every LDREX closed by STREX or CLREX.
    #[inline(always)]
    pub(crate) fn push_unless_marked(&self, meta: &[BlockMeta], index: usize, count: bool) -> bool {
        let n = meta.len();
        // As in `push`: callers hold block `index`, so it is below the block count (S3).
        if index >= n {
            return true;
        }
        let top: usize;
        // SAFETY: [S1, S5] atomic accesses to `self.word` and to the link of the caller's block, `index <
        // meta.len()` checked above, no stack, every LDREX closed (the function's documentation).
        unsafe {
            asm!(
                "ldr {top}, [{head}]",
                "2:",
                // Marked (tasks wait, Q1): no push.
                "cmp {top}, {n}",
                "bhi 5f",
                "add {scratch}, {index}, #1",
                "eor {scratch}, {scratch}, {top}",
                "strh {scratch}, [{links}, {index}, lsl #2]",
                "dmb sy",
                "3:",
                "ldrex {seen}, [{head}]",
                "cmp {seen}, {top}",
                "bne 4f",
                "strex {scratch}, {index}, [{head}]",
                "cmp {scratch}, #0",
                "bne 3b",
                "b 5f",
                "4:",
                "clrex",
                "mov {top}, {seen}",
                "b 2b",
                "5:",
                head = in(reg) self.word.as_ptr(),
                links = in(reg) links(meta),
                index = in(reg) index,
                n = in(reg) n,
                top = out(reg) top,
                seen = out(reg) _,
                scratch = out(reg) _,
                options(nostack),
            );
        }
        if top > n {
            return false;
        }
        if count {
            self.frees.fetch_add(1, Ordering::Relaxed);
        }
        true
    }

    /// A registration's one operation on the head (Q1): pops the top block if there is one (as
    /// [`Head::pop`]), else marks the empty head (`N` becomes `N + 1`; `N + 1` stays, with CLREX).
    ///
    /// The assembly is [`Head::pop`]'s with one more exit: on a top equal to `N` it stores `N + 1` with
    /// STREX (retrying from LDREX if the monitor was lost). Soundness as in [`Head::pop`]: the link is
    /// loaded only after `top < N` was checked, every access is to `self.word` or `meta[top].next`, no
    /// stack, every LDREX closed.
    #[inline]
    pub(crate) fn pop_or_mark(&self, meta: &[BlockMeta], count: bool) -> Option<usize> {
        let n = meta.len();
        let top: usize;
        // SAFETY: [S1, S5] atomic accesses to `self.word` and to `meta[top].next` with `top < meta.len()`
        // checked first, no stack, every LDREX closed (the function's documentation).
        unsafe {
            asm!(
                "2:",
                "ldrex {top}, [{head}]",
                "cmp {top}, {n}",
                "bhi 3f",
                "beq 5f",
                "ldrh {next}, [{links}, {top}, lsl #2]",
                "add {scratch}, {top}, #1",
                "eor {next}, {next}, {scratch}",
                "strex {scratch}, {next}, [{head}]",
                "cmp {scratch}, #0",
                "bne 2b",
                "dmb sy",
                "b 4f",
                // Empty: mark it.
                "5:",
                "add {next}, {n}, #1",
                "strex {scratch}, {next}, [{head}]",
                "cmp {scratch}, #0",
                "bne 2b",
                "b 4f",
                "3:",
                "clrex",
                "4:",
                head = in(reg) self.word.as_ptr(),
                links = in(reg) links(meta),
                n = in(reg) n,
                top = out(reg) top,
                next = out(reg) _,
                scratch = out(reg) _,
                options(nostack),
            );
        }
        if top >= n {
            return None;
        }
        if count {
            self.allocs.fetch_add(1, Ordering::Relaxed);
        }
        Some(top)
    }

    /// The last waiting task left (Q1, under the queue's lock): a marked head (`N + 1`) becomes `N`.
    /// Nothing else changes a marked head (pushes check, pops find it empty), and a compare-and-swap of
    /// a value needs no LL/SC argument.
    #[inline]
    pub(crate) fn unmark(&self, meta: &[BlockMeta]) {
        let n = meta.len() as u32;
        let _ = self
            .word
            .compare_exchange(n + 1, n, Ordering::Relaxed, Ordering::Relaxed);
    }

    /// The index of the top block; `N` (or `N + 1`, marked, Q1) when the list is empty.
    pub(crate) fn top(&self) -> usize {
        self.word.load(Ordering::Acquire) as usize
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

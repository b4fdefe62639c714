//! The free list's head, and the pop and push that change it: one implementation per class of target.
//!
//! Each one keeps the invariant that makes the Treiber stack correct (see `docs/aba.md`): a pop's exchange
//! succeeds only if no other list operation completed since its read of the head (with a tag in the word:
//! unless a multiple of `2^tag_bits` operations completed, the bound each module states). They differ in
//! how:
//!
//! - `wide` (targets with 64-bit atomics): `pops:32 | used:16 | top:16`, a 32-bit tag in the word;
//! - `llsc` (ARMv7-M, ARMv7E-M, ARMv8-M Mainline, `cfg(blockpool_llsc)` from the build script): LDREX/STREX,
//!   which every exception breaks, so the word is the top index alone;
//! - `critical` (no compare-and-swap, feature `portable-atomic-critical-section`): each pop and each push
//!   is one critical section;
//! - `tagged` (every other target: a 32-bit compare-and-swap): `tag | top`, where the tag gets every bit
//!   that the index of a pool of `N` blocks does not need.
//!
//! All of them read the all-zero bit pattern as "top is block 0, no operation yet", so that a pool in
//! `.bss` is a full free list, and all of them count allocations and frees for `Counts`.

/// The top index, the blocks in use and the operation count, read from one head word at one moment.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Counts {
    pub(crate) used: usize,
    pub(crate) allocs: u64,
    pub(crate) frees: u64,
}

#[cfg(target_has_atomic = "64")]
#[path = "head/wide.rs"]
mod wide;
#[cfg(target_has_atomic = "64")]
pub(crate) use wide::Head;

#[cfg(all(not(target_has_atomic = "64"), blockpool_llsc))]
#[path = "head/llsc.rs"]
mod llsc;
#[cfg(all(not(target_has_atomic = "64"), blockpool_llsc))]
pub(crate) use llsc::Head;

// `critical` and `tagged` are compiled for the host's unit tests too, so that both are tested there.
#[cfg(any(
    all(
        not(target_has_atomic = "64"),
        not(blockpool_llsc),
        not(target_has_atomic = "32"),
        feature = "portable-atomic-critical-section"
    ),
    all(test, not(loom))
))]
#[path = "head/critical.rs"]
mod critical;
#[cfg(all(
    not(target_has_atomic = "64"),
    not(blockpool_llsc),
    not(target_has_atomic = "32"),
    feature = "portable-atomic-critical-section"
))]
pub(crate) use critical::Head;

#[cfg(any(
    all(
        not(target_has_atomic = "64"),
        not(blockpool_llsc),
        any(
            target_has_atomic = "32",
            not(feature = "portable-atomic-critical-section")
        )
    ),
    all(test, not(loom))
))]
#[path = "head/tagged.rs"]
mod tagged;
#[cfg(all(
    not(target_has_atomic = "64"),
    not(blockpool_llsc),
    any(
        target_has_atomic = "32",
        not(feature = "portable-atomic-critical-section")
    )
))]
pub(crate) use tagged::Head;

/// The behaviour test every head variant that runs on the host shares: pops and pushes keep the list in
/// order and the counters right. Expands to a `#[test]` in the calling module (which imports `BlockMeta`
/// and `Head`).
#[cfg(all(test, not(loom)))]
macro_rules! list_and_counts_test {
    () => {
        #[test]
        fn pops_and_pushes_keep_the_list_and_the_counts() {
            let meta = [const { BlockMeta::new() }; 3];
            let head = Head::new(3);
            let pop = || head.pop(&meta, true);
            assert_eq!((pop(), pop()), (Some(0), Some(1)));
            head.push(&meta, 0, true);
            assert_eq!(head.top(), 0);
            assert_eq!([pop(), pop()], [Some(0), Some(2)]);
            assert_eq!(pop(), None);
            assert_eq!(head.top(), 3);
            for index in [2, 1, 0] {
                head.push(&meta, index, true);
            }
            let counts = head.counts();
            assert_eq!((counts.used, counts.allocs, counts.frees), (0, 4, 4));
            assert_eq!([pop(), pop()], [Some(0), Some(1)]);
        }

        /// Q1: a registration's operation pops while there are blocks, then marks the empty head; a
        /// marked head takes no push and reads as empty, and unmarking makes it plain empty again.
        #[test]
        fn a_marked_head_reads_as_empty_and_takes_no_push_until_unmarked() {
            let meta = [const { BlockMeta::new() }; 2];
            // A pool with waiters: its head holds `N + 1` (`FreeList::with_marks`).
            let head = Head::new(3);
            assert_eq!(head.pop_or_mark(&meta, true), Some(0));
            assert_eq!(head.pop_or_mark(&meta, true), Some(1));
            assert_eq!(head.top(), 2, "empty, not marked");
            assert_eq!(head.pop_or_mark(&meta, true), None);
            assert_eq!(head.top(), 3, "marked");
            assert_eq!(head.pop(&meta, true), None);
            assert!(!head.push_unless_marked(&meta, 0, true));
            assert_eq!(head.top(), 3, "the push left the marked head alone");
            assert_eq!(head.pop_or_mark(&meta, true), None);
            assert_eq!(head.top(), 3, "a second registration keeps the mark");
            head.unmark(&meta);
            assert_eq!(head.top(), 2);
            head.unmark(&meta);
            assert_eq!(head.top(), 2, "unmarking an unmarked head changes nothing");
            assert!(head.push_unless_marked(&meta, 1, true));
            assert!(head.push_unless_marked(&meta, 0, true));
            let counts = head.counts();
            assert_eq!((counts.used, counts.allocs, counts.frees), (0, 2, 2));
            assert_eq!(
                [head.pop(&meta, true), head.pop(&meta, true)],
                [Some(0), Some(1)]
            );
            assert_eq!(head.pop(&meta, true), None);
        }
    };
}

#[cfg(all(test, not(loom)))]
pub(crate) use list_and_counts_test;

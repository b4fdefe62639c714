//! The lock-free free list: a Treiber stack of block indices whose links live in a side table.
//!
//! Keeping the `next` links out of the blocks matters: a stack that reads the link from inside a free block
//! races with the thread that has just been handed that block and is writing its payload. Here every link
//! and every block state is an atomic of its own, so no interleaving is a data race. The head, and the pop
//! and push that change it, are in `head`: per target it makes a stale exchange fail (ABA, `docs/aba.md`).
//!
//! Per block the list keeps 4 bytes: a 16-bit link and a 16-bit state word. The state word holds four flags,
//! `used_before | raw | weak_issued | in_use`: `raw` marks a block handed out by `RawPool::alloc_raw` (the
//! only kind `free_raw` frees, F1 of `docs/safety.md`), and `used_before` is set on the first hand-out and
//! never cleared, so the blocks ever used are the ones whose state is not 0. Those are a prefix of the
//! indices (see [`FreeList::high_water`]), which is how the high-water mark is found without any work on the
//! hot path. Allocation and free each store one constant. (Weak handles check the 32-bit generations of
//! shared pools, kept beside the reference counts.)
//! A block that was never used has state 0 and a zeroed link, which is decoded as "the next index": the
//! all-zero bit pattern is a complete free list of every block in order, so a pool needs no initialisation
//! and lives in `.bss`.

use crate::error::PoolError;
use crate::head::Head;
use crate::stats::PoolStats;
use crate::sync::{AtomicU16, AtomicU32, Ordering};

/// The largest number of blocks one pool can have: indices and links are 16 bits wide.
pub const MAX_BLOCKS: usize = 65535;

/// The free list's 4 bytes of metadata for one block.
pub struct BlockMeta {
    /// The next free block, XOR-encoded with `index + 1` so that zero means "the block after this one".
    /// Read and written by the pops and pushes in `head` (the LL/SC ones in assembly, at this offset).
    pub(crate) next: AtomicU16,
    /// `used_before | raw | weak_issued | in_use`.
    state: AtomicU16,
}

// loom's atomics carry model-checking state, so the size holds for the real ones only.
#[cfg(not(loom))]
static_assertions::const_assert_eq!(core::mem::size_of::<BlockMeta>(), 4);

impl BlockMeta {
    #[cfg(not(loom))]
    pub(crate) const fn new() -> Self {
        Self {
            next: AtomicU16::new(0),
            state: AtomicU16::new(0),
        }
    }

    #[cfg(loom)]
    fn new() -> Self {
        Self {
            next: AtomicU16::new(0),
            state: AtomicU16::new(0),
        }
    }
}

/// The link value stored for block `index` when the block after it in the list is `next`; also its inverse.
/// The LL/SC pop and push (`head/llsc.rs`) do the same in assembly.
#[inline(always)]
pub(crate) const fn code_link(index: usize, link: usize) -> usize {
    (link ^ (index + 1)) & 0xFFFF
}

/// State bit: the block holds an item.
const IN_USE: u16 = 1;
/// State bit: a weak handle was made for the item in the block (weak handles are `Copy`, so they cannot be
/// counted; this bit is what tells `get_mut` that one may exist).
const WEAK_ISSUED: u16 = 2;
/// State bit: the block was handed out by `RawPool::alloc_raw`, so `free_raw` may free it (F1).
const RAW: u16 = 4;
/// State bit: the block has been handed out at least once (never cleared).
const USED_BEFORE: u16 = 8;
/// The state of a block handed out by a pop: in use, no other flag.
const TAKEN: u16 = USED_BEFORE | IN_USE;
/// The state of a block on the free list, once it has been used.
const FREED: u16 = USED_BEFORE;

/// Whether a state word marks its block as in use.
#[inline(always)]
pub(crate) const fn in_use(state: u16) -> bool {
    state & IN_USE != 0
}

/// The part of a pool's free list that does not depend on its block count: the head and the counters.
struct ListCore {
    head: Head,
    failures: AtomicU32,
}

/// The free list and counters of a pool: `FreeList<[BlockMeta; N]>` in the pool's storage, and
/// `FreeList` (`FreeList<[BlockMeta]>`, a reference to which is a pointer and the block count) for its
/// operations, so that every pool shares one copy of their code.
///
/// `stats`, passed to the operations, is the pool's `stats` option (always true for pools with `refcount`,
/// whose weak handles need the block states): when false, the list keeps no allocation and free counts, no
/// high-water mark and no per-block "in use" mark, so a pop and a push are the list operation alone. Blocks
/// handed out raw are marked either way (F1).
pub struct FreeList<M: ?Sized = [BlockMeta]> {
    core: ListCore,
    meta: M,
}

impl<const N: usize> FreeList<[BlockMeta; N]> {
    /// Every block free, all counters zero: the all-zero bit pattern (pools use
    /// [`FreeList::with_marks`]).
    #[cfg(all(test, not(loom)))]
    pub(crate) const fn new() -> Self {
        Self::with_marks(false)
    }

    /// Every block free, all counters zero: the all-zero bit pattern. When `marks` (a pool with waiters,
    /// Q1) its head must hold the marked top
    /// `N + 1` (the tagged head keeps an index bit for it), so such a pool has at most 65,534 blocks,
    /// which `PoolStorage::new` checks at compile time.
    #[cfg(not(loom))]
    pub(crate) const fn with_marks(marks: bool) -> Self {
        const {
            assert!(
                N >= 1 && N <= MAX_BLOCKS,
                "a blockpool pool holds 1 to 65535 blocks"
            )
        };
        Self {
            core: ListCore {
                head: Head::new(if marks { N + 1 } else { N }),
                failures: AtomicU32::new(0),
            },
            meta: [const { BlockMeta::new() }; N],
        }
    }

    /// Every block free, all counters zero, with room for the marked head when `marks` (loom's atomics
    /// have no `const` constructor).
    #[cfg(loom)]
    pub(crate) fn with_marks(marks: bool) -> Self {
        Self {
            core: ListCore {
                head: Head::new(if marks { N + 1 } else { N }),
                failures: AtomicU32::new(0),
            },
            meta: core::array::from_fn(|_| BlockMeta::new()),
        }
    }

    /// The list, without its block count in the type.
    #[inline(always)]
    pub(crate) fn list(&self) -> &FreeList {
        self
    }
}

impl FreeList {
    /// Takes a free block: its index (below the block count), or `None` when every block is in use. O(1);
    /// lock-free except on cores without compare-and-swap, where it is one critical section.
    ///
    /// On bare-metal targets (`target_os = "none"`) never inlined: every pool and every call site shares
    /// this one copy of flash (a few instructions of call per operation, instead of the whole operation per
    /// call site). Elsewhere, where code size matters less than the call, an inlining candidate.
    ///
    /// Pools declared with `stats = false` call [`FreeList::pop_inline`] instead: the same operation,
    /// always inlined, for the fewest instructions; so does the waiter queue's slow path (hand-over and
    /// registration), which keeps this shared copy's callers to the plain allocation paths.
    #[cfg_attr(target_os = "none", inline(never))]
    #[cfg_attr(not(target_os = "none"), inline)]
    pub(crate) fn pop(&self, stats: bool) -> Option<usize> {
        self.pop_inline(stats)
    }

    /// [`FreeList::pop`] for an allocation that fails when the list is empty (a typed pool's `alloc`, its
    /// handles' constructors, C's `bp_alloc`: `Storage::take_counting`): counts that failure itself, so that
    /// the caller's failure path has nothing to count, and a pool without an `on_failure` hook needs no call
    /// and no function for it. Returns the index, or `usize::MAX` (no block's) when the list is empty: a
    /// plain index, which the caller compares with its block count, takes one instruction off each
    /// allocation on the Cortex-M3 and M0 against an `Option`. Shared and never inlined on bare metal as
    /// `pop` is; a program whose chain members, byte classes or `alloc_async` calls (whose empty list is a
    /// wait, not a failure) call `pop` has both.
    #[cfg_attr(target_os = "none", inline(never))]
    #[cfg_attr(not(target_os = "none"), inline)]
    pub(crate) fn pop_counting(&self, stats: bool) -> usize {
        match self.pop_inline(stats) {
            Some(index) => index,
            None => {
                self.record_failure();
                usize::MAX
            }
        }
    }

    /// [`FreeList::pop`], inlined into its caller.
    #[inline(always)]
    pub(crate) fn pop_inline(&self, stats: bool) -> Option<usize> {
        let index = self.core.head.pop(&self.meta, stats)?;
        if stats {
            // The block is ours alone now: nobody else writes its state until we give it back (S4), and
            // whatever flags it had were cleared when it was freed. Relaxed: the state orders nothing; the
            // pop's acquire and the push's release order the block's contents.
            self.meta[index].state.store(TAKEN, Ordering::Relaxed);
        }
        Some(index)
    }

    /// Marks a block that the caller holds (and knows to be in use) as free; [`FreeList::push`] then puts it
    /// back on the list. Relaxed: the push that follows is the release.
    #[inline(always)]
    pub(crate) fn mark_free(&self, index: usize, stats: bool) {
        if stats {
            self.meta[index].state.store(FREED, Ordering::Relaxed);
        }
    }

    /// Gives back a block that the caller holds and no longer uses: [`FreeList::mark_free`], then
    /// [`FreeList::push`], in one call that every pool shares (inlined as [`FreeList::pop`] is; the waiter
    /// queue's hand-over and `stats = false` pools use [`FreeList::free_inline`]).
    #[cfg_attr(target_os = "none", inline(never))]
    #[cfg_attr(not(target_os = "none"), inline)]
    pub(crate) fn free(&self, index: usize, stats: bool) {
        self.free_inline(index, stats);
    }

    /// [`FreeList::free`], inlined into its caller.
    #[inline(always)]
    pub(crate) fn free_inline(&self, index: usize, stats: bool) {
        self.mark_free(index, stats);
        self.core.head.push(&self.meta, index, stats);
    }

    /// The free of a pool with waiters (Q1): [`FreeList::mark_free`], then the push unless the head is
    /// marked (tasks wait). Returns whether the block went on the list; if not, the caller still holds it
    /// (marked free) and hands it over under the queue's lock (Q2). Called only by wait pools, so the
    /// shared [`FreeList::free`] of every other pool is unchanged.
    #[inline(always)]
    pub(crate) fn free_unless_marked(&self, index: usize, stats: bool) -> bool {
        self.mark_free(index, stats);
        self.core.head.push_unless_marked(&self.meta, index, stats)
    }

    /// A registration's one operation on the head (Q1, under the queue's lock): takes the top block if
    /// there is one (as [`FreeList::pop_inline`]), else marks the head: tasks wait.
    pub(crate) fn pop_or_mark(&self, stats: bool) -> Option<usize> {
        let index = self.core.head.pop_or_mark(&self.meta, stats)?;
        if stats {
            // As in `pop_inline`.
            self.meta[index].state.store(TAKEN, Ordering::Relaxed);
        }
        Some(index)
    }

    /// The last waiting task left (Q1, under the queue's lock): the marked head becomes empty.
    pub(crate) fn unmark(&self) {
        self.core.head.unmark(&self.meta);
    }

    /// Whether the head is marked: the list is empty and tasks wait (Q1).
    #[cfg(all(test, not(loom)))]
    pub(crate) fn is_marked(&self) -> bool {
        self.core.head.top() > self.meta.len()
    }

    /// Marks a block the caller holds as in use (a block handed from a free straight to a waiting task,
    /// which may have been freed raw and so marked free).
    #[inline]
    pub(crate) fn mark_taken(&self, index: usize, stats: bool) {
        if stats {
            self.meta[index].state.store(TAKEN, Ordering::Relaxed);
        }
    }

    /// Marks a block the caller holds, just taken from the list, as handed out raw (F1).
    pub(crate) fn mark_raw(&self, index: usize) {
        self.meta[index]
            .state
            .fetch_or(RAW | IN_USE, Ordering::Release);
    }

    /// Marks a block named by an untrusted caller as free: only a block handed out raw and still in use
    /// qualifies (F1), and the state word is claimed with a compare-and-swap, so a block that a typed handle
    /// took meanwhile is never freed, and of two racing frees of one raw allocation one succeeds and the
    /// other gets `DoubleFree` — unless `alloc_raw` hands the block out again between them: then the second
    /// frees that new allocation (a stale pointer, which `free_raw`'s contract excludes). O(1).
    pub(crate) fn mark_free_checked(&self, index: usize) -> Result<(), PoolError> {
        let state = &self.meta[index].state;
        let mut current = state.load(Ordering::Acquire);
        loop {
            if !in_use(current) || current & RAW == 0 {
                return Err(PoolError::DoubleFree);
            }
            // No tag is needed: the exchange succeeds only if the state is still one that passed the check
            // above, so the free is exactly what a check-and-free at the moment of the exchange would do.
            match state.compare_exchange_weak(current, FREED, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return Ok(()),
                Err(actual) => current = actual,
            }
        }
    }

    /// Takes back a raw block named by an untrusted caller (the C API's free of a byte-pool block, C2): the
    /// compare-and-swap of [`FreeList::mark_free_checked`], but ending in the state a pop leaves (`TAKEN`,
    /// no `RAW`) instead of free. The caller then holds the block as if it had just popped it, and frees
    /// it the way every other free of its pool goes (byte pools: `release`, Q5). `DoubleFree` for a block
    /// that is not raw and in use, which stays as it was. O(1).
    #[cfg(feature = "c-api")]
    pub(crate) fn claim_raw(&self, index: usize) -> Result<(), PoolError> {
        let state = &self.meta[index].state;
        let mut current = state.load(Ordering::Acquire);
        loop {
            if !in_use(current) || current & RAW == 0 {
                return Err(PoolError::DoubleFree);
            }
            // As in `mark_free_checked`: the exchange succeeds only from a state that passed the check.
            match state.compare_exchange_weak(current, TAKEN, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return Ok(()),
                Err(actual) => current = actual,
            }
        }
    }

    /// Marks a block the caller claimed with [`FreeList::mark_free_checked`] as in use for good: it is never
    /// put back on the list (its generations ran out, W2).
    pub(crate) fn mark_retired(&self, index: usize) {
        self.meta[index].state.store(TAKEN, Ordering::Release);
    }

    /// Puts a block marked free back on the list. O(1); lock-free except on cores without
    /// compare-and-swap, where it is one critical section. Inlined as [`FreeList::pop`] is.
    #[cfg_attr(target_os = "none", inline(never))]
    #[cfg_attr(not(target_os = "none"), inline)]
    pub(crate) fn push(&self, index: usize, stats: bool) {
        self.core.head.push(&self.meta, index, stats);
    }

    /// Notes that a weak handle exists for the item in block `index` (held by the caller).
    pub(crate) fn mark_weak_issued(&self, index: usize) {
        self.meta[index]
            .state
            .fetch_or(WEAK_ISSUED, Ordering::Relaxed);
    }

    /// Whether a weak handle was made for the item in block `index`.
    pub(crate) fn weak_issued(&self, index: usize) -> bool {
        self.meta[index].state.load(Ordering::Acquire) & WEAK_ISSUED != 0
    }

    /// Clears the weak flag of block `index` (held by the caller, who has locked out upgrades and moved the
    /// item to a new generation, so that no weak handle made so far upgrades to it).
    pub(crate) fn renew_generation(&self, index: usize) {
        self.meta[index].state.store(TAKEN, Ordering::Release);
    }

    /// Counts a failed allocation (whatever `stats` says: it is off the fast path).
    pub(crate) fn record_failure(&self) {
        self.core.failures.fetch_add(1, Ordering::Relaxed);
    }

    /// The counter of failed allocations.
    #[inline(always)]
    pub(crate) fn failures(&self) -> &AtomicU32 {
        &self.core.failures
    }

    /// The block's state word.
    #[inline(always)]
    pub(crate) fn state(&self, index: usize) -> u16 {
        self.meta[index].state.load(Ordering::Acquire)
    }

    /// How many blocks the walk from the top finds on the list, stopping at one more than the block count
    /// (a cycle), and whether it met a block whose state says "in use". O(block count).
    fn walk(&self) -> (usize, bool) {
        let n = self.meta.len();
        let mut on_list = 0;
        let mut busy = false;
        let mut at = self.core.head.top();
        while at < n && on_list <= n {
            busy |= in_use(self.state(at));
            on_list += 1;
            at = code_link(at, usize::from(self.meta[at].next.load(Ordering::Acquire)));
        }
        (on_list, busy)
    }

    /// The most blocks ever in use at once: the number of blocks ever handed out. Blocks leave the list in
    /// index order the first time (the zeroed links of unused blocks chain them in order, at the end of the
    /// list), and block k is first taken only when blocks 0..k are all in use; so the blocks ever used are
    /// `0..high_water`, the ones with a non-zero state (`USED_BEFORE` is never cleared), and a binary search
    /// finds the first zero. O(log block count).
    fn high_water(&self) -> usize {
        let (mut low, mut high) = (0, self.meta.len());
        while low < high {
            let middle = low + (high - low) / 2;
            if self.state(middle) == 0 {
                high = middle;
            } else {
                low = middle + 1;
            }
        }
        low
    }

    pub(crate) fn stats(&self, stats: bool) -> PoolStats {
        let n = self.meta.len();
        let failures = u64::from(self.core.failures.load(Ordering::Relaxed));
        if !stats {
            // Nothing counted: the blocks in use are those not on the list.
            return PoolStats {
                capacity: n,
                used: n.saturating_sub(self.walk().0),
                failures,
                ..PoolStats::default()
            };
        }
        let counts = self.core.head.counts();
        PoolStats {
            capacity: n,
            used: counts.used.min(n),
            high_water: self.high_water(),
            allocs: counts.allocs,
            frees: counts.frees,
            failures,
        }
    }

    /// Checks that the list holds exactly the blocks whose state says free, each once, and that the counters
    /// agree (without `stats`: that the list has no cycle and holds no block handed out raw). O(block
    /// count), no allocation. Meaningful only while no other thread uses the pool.
    pub(crate) fn validate(&self, stats: bool) -> Result<(), PoolError> {
        let n = self.meta.len();
        let (on_list, busy) = self.walk();
        // A list longer than the number of blocks has a cycle.
        if on_list > n || busy {
            return Err(PoolError::Corrupted);
        }
        if !stats {
            return Ok(());
        }
        let free_by_state = (0..n).filter(|&i| !in_use(self.state(i))).count();
        let stats = self.stats(true);
        if on_list != free_by_state
            || stats.used != n - free_by_state
            || stats.high_water < stats.used
        {
            return Err(PoolError::Corrupted);
        }
        Ok(())
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// The list operations of a pool with `stats` (the default), as the storage calls them.
    impl<const N: usize> FreeList<[BlockMeta; N]> {
        fn pop(&self) -> Option<usize> {
            self.list().pop(true)
        }
        fn mark_free(&self, index: usize) {
            self.list().mark_free(index, true);
        }
        fn push(&self, index: usize) {
            self.list().push(index, true);
        }
        fn record_failure(&self) {
            self.list().record_failure();
        }
        fn stats(&self) -> PoolStats {
            self.list().stats(true)
        }
        fn validate(&self) -> Result<(), PoolError> {
            self.list().validate(true)
        }
        fn mark_raw(&self, index: usize) {
            self.list().mark_raw(index);
        }
        fn mark_free_checked(&self, index: usize) -> Result<(), PoolError> {
            self.list().mark_free_checked(index)
        }
        fn state(&self, index: usize) -> u16 {
            self.list().state(index)
        }
        fn mark_weak_issued(&self, index: usize) {
            self.list().mark_weak_issued(index);
        }
        fn weak_issued(&self, index: usize) -> bool {
            self.list().weak_issued(index)
        }
        fn renew_generation(&self, index: usize) {
            self.list().renew_generation(index);
        }
    }

    #[test]
    fn without_stats_the_list_keeps_no_counts_and_no_states_but_still_finds_the_blocks_in_use() {
        let list = FreeList::<[BlockMeta; 4]>::new();
        let plain = list.list();
        let (a, b) = (plain.pop(false).unwrap(), plain.pop(false).unwrap());
        assert_eq!((a, b), (0, 1));
        assert_eq!(list.state(a), 0, "no in-use mark");
        let stats = plain.stats(false);
        assert_eq!(
            (stats.capacity, stats.used, stats.allocs, stats.high_water),
            (4, 2, 0, 0)
        );
        plain.validate(false).unwrap();
        // A raw hand-out is marked all the same, so `free_raw` keeps its checks (F1).
        plain.mark_raw(b);
        assert_eq!(plain.mark_free_checked(a), Err(PoolError::DoubleFree));
        assert_eq!(plain.mark_free_checked(b), Ok(()));
        plain.push(b, false);
        plain.mark_free(a, false);
        plain.push(a, false);
        assert_eq!(plain.stats(false).used, 0);
        plain.validate(false).unwrap();
        // A block handed out raw on the list, and a cycle, are both corruption.
        let c = plain.pop(false).unwrap();
        plain.mark_raw(c);
        list.core.head.push(&list.meta, c, false);
        assert_eq!(plain.validate(false), Err(PoolError::Corrupted));
        let cycle = FreeList::<[BlockMeta; 3]>::new();
        cycle.meta[1]
            .next
            .store(code_link(1, 0) as u16, Ordering::Relaxed);
        assert_eq!(cycle.list().validate(false), Err(PoolError::Corrupted));
    }

    #[test]
    fn a_fresh_list_hands_out_every_block_in_index_order_then_runs_out() {
        let list = FreeList::<[BlockMeta; 5]>::new();
        let order: [Option<usize>; 6] = core::array::from_fn(|_| list.pop());
        assert_eq!(order, [Some(0), Some(1), Some(2), Some(3), Some(4), None]);
        assert_eq!(list.stats().used, 5);
        list.validate().unwrap();
    }

    #[test]
    fn the_last_block_returned_is_the_first_handed_out_again() {
        let list = FreeList::<[BlockMeta; 4]>::new();
        let (a, b) = (list.pop().unwrap(), list.pop().unwrap());
        list.mark_free(a);
        list.push(a);
        list.mark_free(b);
        list.push(b);
        assert_eq!(list.pop(), Some(b));
        assert_eq!(list.pop(), Some(a));
        assert_eq!(list.pop(), Some(2));
        list.validate().unwrap();
    }

    #[test]
    fn counters_follow_every_operation() {
        let list = FreeList::<[BlockMeta; 3]>::new();
        let a = list.pop().unwrap();
        let b = list.pop().unwrap();
        list.mark_free(a);
        list.push(a);
        list.record_failure();
        let stats = list.stats();
        assert_eq!((stats.capacity, stats.used, stats.high_water), (3, 1, 2));
        assert_eq!((stats.allocs, stats.frees, stats.failures), (2, 1, 1));
        list.mark_free(b);
        list.push(b);
        assert_eq!(list.stats().used, 0);
        assert_eq!(list.stats().high_water, 2);
    }

    #[test]
    fn high_water_is_the_most_blocks_in_use_at_once() {
        let list = FreeList::<[BlockMeta; 8]>::new();
        for round in 1..=3 {
            let taken: [usize; 3] = core::array::from_fn(|_| list.pop().unwrap());
            for index in taken {
                list.mark_free(index);
                list.push(index);
            }
            assert_eq!(list.stats().high_water, 3, "round {round}");
        }
        let taken: [usize; 6] = core::array::from_fn(|_| list.pop().unwrap());
        assert_eq!(list.stats().high_water, 6);
        for index in taken {
            list.mark_free(index);
            list.push(index);
        }
        assert_eq!(list.stats().high_water, 6);
    }

    #[test]
    fn a_checked_free_of_a_free_block_is_a_double_free_and_changes_nothing() {
        let list = FreeList::<[BlockMeta; 2]>::new();
        let a = list.pop().unwrap();
        assert_eq!(
            list.mark_free_checked(a),
            Err(PoolError::DoubleFree),
            "not handed out raw: a typed handle's block"
        );
        list.mark_raw(a);
        assert_eq!(list.mark_free_checked(a), Ok(()));
        list.push(a);
        let before = list.stats();
        assert_eq!(list.mark_free_checked(a), Err(PoolError::DoubleFree));
        assert_eq!(list.mark_free_checked(1), Err(PoolError::DoubleFree));
        assert_eq!(list.stats(), before);
        list.validate().unwrap();
    }

    #[test]
    fn freeing_and_renewing_clear_the_weak_flag_and_a_used_block_never_reads_as_unused() {
        let list = FreeList::<[BlockMeta; 2]>::new();
        let a = list.pop().unwrap();
        assert_eq!(list.state(a), TAKEN);
        list.mark_weak_issued(a);
        assert!(list.weak_issued(a));
        list.mark_free(a);
        list.push(a);
        assert_eq!(list.state(a), FREED);
        assert!(!list.weak_issued(a));
        assert_eq!(list.stats().high_water, 1, "block 0 was used");
        let again = list.pop().unwrap();
        list.mark_weak_issued(again);
        list.renew_generation(again);
        assert!(in_use(list.state(again)));
        assert!(!list.weak_issued(again));
    }

    #[test]
    fn validate_finds_a_cycle_a_lost_block_and_a_busy_block_on_the_list() {
        let cycle = FreeList::<[BlockMeta; 3]>::new();
        cycle.meta[1]
            .next
            .store(code_link(1, 0) as u16, Ordering::Relaxed);
        assert_eq!(cycle.validate(), Err(PoolError::Corrupted));

        let lost = FreeList::<[BlockMeta; 3]>::new();
        lost.meta[0]
            .next
            .store(code_link(0, 2) as u16, Ordering::Relaxed);
        assert_eq!(lost.validate(), Err(PoolError::Corrupted));

        let busy = FreeList::<[BlockMeta; 3]>::new();
        busy.meta[1].state.store(IN_USE, Ordering::Relaxed);
        assert_eq!(busy.validate(), Err(PoolError::Corrupted));
    }

    #[test]
    fn the_largest_pool_links_all_its_blocks() {
        static LIST: FreeList<[BlockMeta; MAX_BLOCKS]> = FreeList::new();
        let mut count = 0;
        while LIST.pop().is_some() {
            count += 1;
            if cfg!(miri) && count == 64 {
                break;
            }
        }
        assert_eq!(count, if cfg!(miri) { 64 } else { MAX_BLOCKS });
    }
}

//! Waiting for a free block: pools declared with `wait = W`, their waiter queue and `alloc_async`.
//!
//! A free of such a pool hands its block straight to the task that has waited longest, so no caller of
//! plain `alloc` can take it first, and a task whose future is dropped passes on the block it was handed.
//! The protocol and why no wake-up is lost are in `docs/safety.md` (Q1 to Q6): while tasks wait, the free
//! list's head is marked (the top index `N + 1`), so that a free's push sees them in the exchange it makes
//! anyway, and hands its block over under the queue's lock instead.

mod bytes;
mod future;
mod queue;

pub use bytes::{AllocBytesAsync, WaitBytePool};
pub(crate) use bytes::{ClassBlocks, Handing};
pub use future::AllocAsync;
pub use queue::{ByteBlock, Bytes, QueueKind, Typed, WaitQueue, WaitStats};

use core::task::Waker;

use crate::boxed::PoolBox;
use crate::byte_class::ByteClass;
use crate::error::AllocError;
use crate::free_list::FreeList;
use crate::pool::StaticPool;
use crate::rc::{PoolRc, SharedPool};
use crate::storage::Storage;
use queue::{Polled, Registered};
use sealed::Blocks;

pub(crate) mod sealed {
    use core::task::Waker;

    use super::WaitStats;
    use super::queue::{ByteBlock, Polled, QueueKind, Registered, WaitQueue};
    use crate::byte_class::ByteClass;
    use crate::free_list::FreeList;

    /// The types of a queue kind: what it hands out, what its tasks ask for.
    pub trait SealedKind {
        /// A block as the queue hands it out.
        type Block: Copy + Send + 'static;
        /// What a waiting task asks for.
        type Request: Copy + Send + 'static;
    }

    /// Where a queue's blocks come from and go back to: a typed pool's free list, or a byte pool's
    /// classes. Implemented by the runtime only (Q1, Q2, Q5).
    pub trait Blocks<K: SealedKind>: Copy {
        /// Whether a hand-over, once its block is placed, serves the other waiting tasks from these
        /// blocks. False for a typed pool: while a task waits its list is empty and marked (Q1), so there
        /// is nothing to take, and leaving the loop out keeps its cold path small. True for byte pools,
        /// where a task may wait for one class while another has blocks (Q5).
        const SERVES_OTHERS: bool;
        /// Whether `block` serves `request`.
        fn fits(&self, request: K::Request, block: K::Block) -> bool;
        /// Takes a free block that serves `request`, if there is one.
        fn take(&self, request: K::Request) -> Option<K::Block>;
        /// A registration's attempt, under the queue's lock, once its slot waits for `request`: takes a
        /// free block that serves it, or else marks every list it could come from as waited for (typed
        /// pools: `FreeList::pop_or_mark`, Q1; byte pools: each class the request fits, Q5).
        ///
        /// # Safety
        /// Called under this queue's lock, with a slot waiting for `request` (Q1, Q5).
        unsafe fn take_or_mark(&self, request: K::Request) -> Option<K::Block>;
        /// After a hand-off or a cancel, under the queue's lock: unmarks every list that no waiting
        /// request (`waiting`) could take a block from (Q1, Q5).
        ///
        /// # Safety
        /// Called under this queue's lock, with `waiting` the requests of every slot that waits.
        unsafe fn settle(&self, waiting: impl Iterator<Item = K::Request> + Clone);
        /// Puts `block` back on its free list, under the queue's lock, when no waiting task takes it (the
        /// list is not marked then, Q1, Q5).
        ///
        /// # Safety
        /// The caller holds `block`, a block of these blocks' pool, with no item in it, and gives it up (S1).
        unsafe fn put(&self, block: K::Block);
        /// `block` goes to a waiting task: marks it in use (a block freed raw was marked free).
        ///
        /// # Safety
        /// The caller holds `block` and hands it to a waiting task (S1, Q2).
        unsafe fn handed(&self, block: K::Block);
        /// `queue.hand_over(self, block)`, out of line (cold), with these blocks passed in registers rather
        /// than through memory, which would cost the free path a stack frame even when nobody waits.
        ///
        /// # Safety
        /// As `WaitQueue::hand_over`.
        unsafe fn hand_over<const W: usize>(self, queue: &WaitQueue<W, K>, block: Option<K::Block>)
        where
            K: QueueKind;
    }

    /// What the runtime asks of a waiter queue. Sealing stops implementations, not calls (a bound on a
    /// type parameter reaches these methods), so every method that changes state is `unsafe` (S1, Q1-Q3).
    pub trait Sealed {
        /// Gives back block `index` to a waiting task or to `list`.
        ///
        /// # Safety
        /// `list` is this queue's pool's free list and `stats` its `tracked()`; the caller holds block
        /// `index` with no live item in it and gives it up (S1).
        unsafe fn give(&self, list: &FreeList, index: usize, stats: bool);
    }

    /// What the runtime asks of a queue with slots.
    pub trait SealedSlots<K: SealedKind> {
        /// Registers a task waiting for a block that serves `request` (Q1).
        ///
        /// # Safety
        /// `blocks` are those of this queue's pool; the caller is a waiting future without a slot, and
        /// takes the slot or the block it returns.
        unsafe fn register(
            &self,
            blocks: impl Blocks<K>,
            request: K::Request,
            waker: Waker,
        ) -> Registered<K::Block>;
        /// A waiting task's poll (Q2).
        ///
        /// # Safety
        /// The caller is the waiting future that holds `slot`; it takes the block it returns.
        unsafe fn poll(&self, slot: usize, waker: &Waker) -> Polled<K::Block>;
        /// A waiting task goes away (Q3).
        ///
        /// # Safety
        /// `blocks` are those of this queue's pool; the caller is the waiting future that holds `slot`, and
        /// gives back the block it returns.
        unsafe fn cancel(
            &self,
            blocks: impl Blocks<K>,
            slot: usize,
        ) -> (Option<K::Block>, Option<Waker>);
        /// The counts.
        fn stats(&self) -> WaitStats;
    }

    /// What a byte pool asks of its waiter queue.
    pub trait SealedBytes {
        /// Gives back `block` to a waiting task it fits or to its class.
        ///
        /// # Safety
        /// `classes` are this queue's byte pool's; the caller holds `block` (a block of
        /// `classes[block.class]`) with nothing in use in it and gives it up (S1).
        unsafe fn give(&self, classes: &[&'static dyn ByteClass], block: ByteBlock);
        /// Hands `block`, not pushed because its class is marked, to a waiting task it fits (out of line).
        ///
        /// # Safety
        /// As `give`; the block is still in use (its class's `free_unless_marked` returned false).
        unsafe fn hand_over_marked(&self, classes: &[&'static dyn ByteClass], block: ByteBlock);
    }
}

/// The waiter queue of a pool's storage: [`NoWaiters`], or [`WaitQueue`] for pools declared with `wait`.
/// Sealed.
pub trait Waiters: Sync + Send + 'static + sealed::Sealed {
    /// Whether tasks can wait (false for [`NoWaiters`]).
    const ENABLED: bool;

    /// Whether the free list's head keeps room for the marked top `N + 1` (Q1, Q5): true for
    /// [`WaitQueue`] and for [`MarkedClass`], the classes of byte pools with waiters.
    const MARKS: bool;

    /// No waiter.
    #[cfg(not(loom))]
    const NEW: Self;

    /// No waiter.
    #[cfg(loom)]
    fn new() -> Self;
}

/// The waiter queue of pools without `wait`: nothing, and the free path is the plain one.
#[derive(Debug)]
pub struct NoWaiters;

impl sealed::Sealed for NoWaiters {
    #[inline(always)]
    unsafe fn give(&self, list: &FreeList, index: usize, stats: bool) {
        list.free(index, stats);
    }
}

impl Waiters for NoWaiters {
    const ENABLED: bool = false;
    const MARKS: bool = false;

    #[cfg(not(loom))]
    const NEW: Self = NoWaiters;

    #[cfg(loom)]
    fn new() -> Self {
        NoWaiters
    }
}

/// The "queue" of a size class of a byte pool declared with `wait`: none of its own (the pool's queue is a
/// `static` beside its classes, Q5), and its frees are plain, but its free list's head keeps room for the
/// marked top `N + 1`, which the pool's registrations set while a waiting task fits the class. Sealed.
#[derive(Debug)]
pub struct MarkedClass;

impl sealed::Sealed for MarkedClass {
    #[inline(always)]
    unsafe fn give(&self, list: &FreeList, index: usize, stats: bool) {
        list.free(index, stats);
    }
}

impl Waiters for MarkedClass {
    const ENABLED: bool = false;
    const MARKS: bool = true;

    #[cfg(not(loom))]
    const NEW: Self = MarkedClass;

    #[cfg(loom)]
    fn new() -> Self {
        MarkedClass
    }
}

impl<const W: usize> sealed::Sealed for WaitQueue<W> {
    #[inline]
    unsafe fn give(&self, list: &FreeList, index: usize, stats: bool) {
        // SAFETY: [S1, Q2] `give`'s contract: `list` is this pool's, the caller gives up block `index`.
        unsafe { give_list(self, list, index, stats) };
    }
}

impl<const W: usize> Waiters for WaitQueue<W> {
    const ENABLED: bool = true;
    const MARKS: bool = true;

    #[cfg(not(loom))]
    const NEW: Self = WaitQueue::new();

    #[cfg(loom)]
    fn new() -> Self {
        WaitQueue::new()
    }
}

/// A pool whose tasks can wait for a free block: declared with `wait = W` (`W` tasks may wait at once).
///
/// Safe to implement, and the runtime trusts nothing in an implementation: the queue comes from the
/// pool's storage (a sealed type), which the bound on `__Storage` requires to have one.
#[diagnostic::on_unimplemented(
    message = "pool `{Self}` has no wait queue, so no task can wait for its blocks",
    label = "this pool was declared without `wait`",
    note = "add `wait = N` to the pool's options, as in `#[memory_pool(count = 8, wait = 4)]`, for up to N \
            tasks waiting at once"
)]
pub trait WaitPool: StaticPool<__Storage: Storage<Waiters: WaitSlots>> {
    /// Moves `value` into a free block, waiting for one if every block is in use. A block freed while
    /// tasks wait goes to the one that has waited longest; dropping the future (a timeout, a `select`)
    /// never loses a block. See [`AllocAsync`].
    ///
    /// # Errors
    /// The future resolves to [`PoolError::WaitersFull`](crate::PoolError::WaitersFull) with the value
    /// given back when every block is in use and all `W` wait slots are taken: it never spins or blocks.
    fn alloc_async(value: Self::Item) -> AllocAsync<Self> {
        AllocAsync::new(value)
    }

    /// [`WaitPool::alloc_async`], then the first shared handle to the item (pools with `refcount` too).
    ///
    /// # Errors
    /// As [`WaitPool::alloc_async`].
    fn alloc_shared_async(
        value: Self::Item,
    ) -> impl core::future::Future<Output = Result<PoolRc<Self>, AllocError<Self::Item>>>
    where
        Self: SharedPool,
    {
        let waiting = Self::alloc_async(value);
        async move { waiting.await.map(PoolBox::into_shared) }
    }

    /// The waiter queue's counts.
    fn wait_stats() -> WaitStats {
        sealed::SealedSlots::stats(Self::__storage().waiters())
    }
}

/// The queues that have wait slots: [`WaitQueue`] only. Sealed.
pub trait WaitSlots: Waiters + sealed::SealedSlots<Typed> {}

impl<const W: usize> WaitSlots for WaitQueue<W> {}

impl<const W: usize, K: QueueKind> sealed::SealedSlots<K> for WaitQueue<W, K> {
    unsafe fn register(
        &self,
        blocks: impl Blocks<K>,
        request: K::Request,
        waker: Waker,
    ) -> Registered<K::Block> {
        WaitQueue::register(self, blocks, request, waker)
    }

    unsafe fn poll(&self, slot: usize, waker: &Waker) -> Polled<K::Block> {
        WaitQueue::poll(self, slot, waker)
    }

    unsafe fn cancel(
        &self,
        blocks: impl Blocks<K>,
        slot: usize,
    ) -> (Option<K::Block>, Option<Waker>) {
        WaitQueue::cancel(self, blocks, slot)
    }

    fn stats(&self) -> WaitStats {
        WaitQueue::stats(self)
    }
}

/// A typed pool's blocks: its free list, with its statistics flag (`Storage::tracked`).
#[derive(Clone, Copy)]
pub(crate) struct ListBlocks<'a> {
    pub(crate) list: &'a FreeList,
    pub(crate) stats: bool,
}

impl Blocks<Typed> for ListBlocks<'_> {
    const SERVES_OTHERS: bool = false;

    #[inline(always)]
    fn fits(&self, (): (), _: usize) -> bool {
        true
    }

    fn take(&self, (): ()) -> Option<usize> {
        // Inlined (into the cold hand-over and a waiting task's registration), so that the shared
        // `FreeList::pop` keeps only the plain allocation paths as callers: their constant arguments let
        // the compiler specialise it on bare metal.
        self.list.pop_inline(self.stats)
    }

    unsafe fn take_or_mark(&self, (): ()) -> Option<usize> {
        self.list.pop_or_mark(self.stats)
    }

    unsafe fn settle(&self, mut waiting: impl Iterator<Item = ()> + Clone) {
        // Every waiting task takes any block: the head stays marked while one waits (Q1).
        if waiting.next().is_none() {
            self.list.unmark();
        }
    }

    unsafe fn put(&self, index: usize) {
        // As `take`: inlined into the cold hand-over, away from the shared `FreeList::free`.
        self.list.free_inline(index, self.stats);
    }

    unsafe fn handed(&self, index: usize) {
        self.list.mark_taken(index, self.stats);
    }

    #[inline(always)]
    unsafe fn hand_over<const W: usize>(self, queue: &WaitQueue<W>, block: Option<usize>) {
        // SAFETY: [S1, Q2] passed on from the caller.
        unsafe { hand_over_list(queue, self.list, block, self.stats) };
    }
}

/// Gives back block `index` of a typed pool with waiters (Q1, Q2): pushes it unless the head is marked,
/// else hands it to the task that has waited longest, under the queue's lock. The fast path, nobody
/// waiting, is the plain free's with one compare and branch in the push loop (and one after it). Its
/// arguments are scalars (in registers, and constant where every caller passes the same value: the `stats`
/// flag), and it is shared by every call site on bare metal.
///
/// # Safety
/// `list` is the queue's pool's free list and `stats` its `tracked()`; the caller holds block `index` with
/// no live item in it and gives it up (S1).
#[cfg_attr(target_os = "none", inline(never))]
#[cfg_attr(not(target_os = "none"), inline)]
unsafe fn give_list<const W: usize>(
    queue: &WaitQueue<W>,
    list: &FreeList,
    index: usize,
    stats: bool,
) {
    if !list.free_unless_marked(index, stats) {
        // Marked: tasks wait (Q1). The caller's block, not pushed, goes to the oldest of them.
        // SAFETY: [S1, Q2] passed on from the caller.
        unsafe { hand_over_list(queue, list, Some(index), stats) };
    }
}

/// Gives back `block` of a byte pool with waiters (Q5): pushes it onto its class unless the class is
/// marked, else hands it to the task that has waited longest among those whose request fits its class,
/// under the queue's lock. The fast path, nobody waiting for the class, is its plain free with one compare
/// and branch in the push loop (and one after it). As [`give_list`], shared by every call site on bare
/// metal.
///
/// # Safety
/// `classes` are the queue's pool's; the caller holds `block` (a block of one of them) with nothing in use
/// in it and gives it up (S1).
#[cfg_attr(target_os = "none", inline(never))]
#[cfg_attr(not(target_os = "none"), inline)]
unsafe fn give_classes<const W: usize>(
    queue: &WaitQueue<W, Bytes>,
    classes: &[&'static dyn ByteClass],
    block: ByteBlock,
) {
    // SAFETY: [S1, Q5] passed on from the caller: the class is one of the pool's, the caller gives up
    // its block.
    if !unsafe { block.class.free_unless_marked(block.index) } {
        // Marked: a waiting task fits the class (Q5). The caller's block, still in use, goes to the
        // oldest of them.
        // SAFETY: [S1, Q2, Q5] passed on from the caller.
        unsafe { ClassBlocks { classes }.hand_over(queue, Some(block)) };
    }
}

/// [`WaitQueue::hand_over`] for a typed pool, out of line, its arguments in registers.
///
/// # Safety
/// As `WaitQueue::hand_over`.
#[cold]
#[inline(never)]
unsafe fn hand_over_list<const W: usize>(
    queue: &WaitQueue<W>,
    list: &FreeList,
    block: Option<usize>,
    stats: bool,
) {
    // SAFETY: [S1, Q2] passed on from the caller.
    unsafe { queue.hand_over(ListBlocks { list, stats }, block) };
}

/// The waiter queue of a byte pool: [`NoWaiters`], or [`WaitQueue`]`<W, Bytes>` for byte pools declared
/// with `wait`. Sealed.
pub trait ByteWaiters: Sync + Send + 'static + sealed::SealedBytes {
    /// Whether tasks can wait (false for [`NoWaiters`]).
    const ENABLED: bool;
}

impl sealed::SealedBytes for NoWaiters {
    #[inline(always)]
    unsafe fn give(&self, classes: &[&'static dyn ByteClass], block: ByteBlock) {
        let _ = classes;
        // SAFETY: [S1] `give`'s contract: the caller holds the block, of one of the pool's classes, and
        // gives it up.
        unsafe { block.class.free(block.index, false) };
    }

    unsafe fn hand_over_marked(&self, classes: &[&'static dyn ByteClass], block: ByteBlock) {
        // Never: classes without waiters are never marked. The block goes back rather than trusting that.
        // SAFETY: [S1] passed on from the caller.
        unsafe { self.give(classes, block) };
    }
}

impl ByteWaiters for NoWaiters {
    const ENABLED: bool = false;
}

impl<const W: usize> sealed::SealedBytes for WaitQueue<W, Bytes> {
    #[inline]
    unsafe fn give(&self, classes: &[&'static dyn ByteClass], block: ByteBlock) {
        // SAFETY: [S1, Q5] `give`'s contract: `classes` are this pool's, the caller gives up `block`.
        unsafe { give_classes(self, classes, block) };
    }

    unsafe fn hand_over_marked(&self, classes: &[&'static dyn ByteClass], block: ByteBlock) {
        // SAFETY: [S1, Q2, Q5] passed on from the caller: its block, still in use, of a marked class.
        unsafe { ClassBlocks { classes }.hand_over(self, Some(block)) };
    }
}

impl<const W: usize> ByteWaiters for WaitQueue<W, Bytes> {
    const ENABLED: bool = true;
}

/// The byte pools' queues that have wait slots: [`WaitQueue`]`<W, Bytes>` only. Sealed.
pub trait ByteWaitSlots: ByteWaiters + sealed::SealedSlots<Bytes> {}

impl<const W: usize> ByteWaitSlots for WaitQueue<W, Bytes> {}

#[cfg(all(test, not(loom)))]
mod tests {
    use core::task::Waker;

    use super::queue::{Polled, Registered, WaitQueue};
    use super::{ListBlocks, give_list};
    use crate::free_list::{BlockMeta, FreeList};

    /// Q1: the head is marked exactly while a slot waits: the first registration marks it, the last
    /// cancel or hand-off unmarks it, and a registration that finds a block takes it without marking.
    #[test]
    fn the_head_is_marked_exactly_while_a_task_waits() {
        let storage = FreeList::<[BlockMeta; 1]>::with_marks(true);
        let queue = WaitQueue::<2>::new();
        let list = storage.list();
        let blocks = ListBlocks { list, stats: true };
        let waker = || Waker::noop().clone();
        let slot = |registered| match registered {
            Registered::Slot(slot) => slot,
            _ => panic!("the list is empty: the task waits"),
        };
        assert_eq!(list.pop(true), Some(0));
        let first = slot(queue.register(blocks, (), waker()));
        assert!(list.is_marked());
        let second = slot(queue.register(blocks, (), waker()));
        assert!(list.is_marked(), "a second waiter keeps the mark");
        assert!(matches!(
            queue.register(blocks, (), waker()),
            Registered::Full(_)
        ));
        assert!(matches!(queue.cancel(blocks, first), (None, Some(_))));
        assert!(list.is_marked(), "one task still waits");
        assert!(matches!(queue.cancel(blocks, second), (None, Some(_))));
        assert!(!list.is_marked(), "the last waiter left");

        let third = slot(queue.register(blocks, (), waker()));
        assert!(list.is_marked());
        // SAFETY: [S1] the test holds block 0, with no item in it, and gives it up.
        unsafe { give_list(&queue, list, 0, true) };
        assert!(!list.is_marked(), "the last waiter was served");
        assert!(matches!(queue.poll(third, &waker()), Polled::Block(0, _)));
        assert_eq!(
            list.pop(true),
            None,
            "the block went to the task, not to the list"
        );

        // SAFETY: [S1] as above: the block the task took, given back.
        unsafe { give_list(&queue, list, 0, true) };
        assert!(matches!(
            queue.register(blocks, (), waker()),
            Registered::Block(0, _)
        ));
        assert!(
            !list.is_marked(),
            "a registration that finds a block takes it and marks nothing"
        );
        assert_eq!(queue.stats().waiting, 0);
        assert_eq!(
            list.stats(true).used,
            1,
            "the registration's block is the task's"
        );
        list.validate(true).unwrap();
    }
}

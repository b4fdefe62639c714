//! Waiting for a free block: pools declared with `wait = W`, their waiter queue and `alloc_async`.
//!
//! A free of such a pool hands its block straight to the task that has waited longest, so no caller of
//! plain `alloc` can take it first, and a task whose future is dropped passes on the block it was handed.
//! The protocol and why no wake-up is lost are in `docs/safety.md` (Q1 to Q4).

mod future;
mod queue;

pub use future::AllocAsync;
pub use queue::{WaitQueue, WaitStats};

use core::task::Waker;

use crate::boxed::PoolBox;
use crate::error::AllocError;
use crate::free_list::FreeList;
use crate::pool::StaticPool;
use crate::rc::{PoolRc, SharedPool};
use crate::storage::Storage;
use queue::{Polled, Registered};

pub(crate) mod sealed {
    use core::task::Waker;

    use super::WaitStats;
    use super::queue::{Polled, Registered};
    use crate::free_list::FreeList;

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
    pub trait SealedSlots {
        /// Registers a waiting task (Q1).
        ///
        /// # Safety
        /// `list` and `stats` are those of this queue's pool; the caller is an `AllocAsync` without a
        /// slot, and takes the slot or the block it returns.
        unsafe fn register(&self, list: &FreeList, stats: bool, waker: Waker) -> Registered;
        /// A waiting task's poll (Q2).
        ///
        /// # Safety
        /// The caller is the `AllocAsync` that holds `slot`; it takes the block it returns.
        unsafe fn poll(&self, slot: usize, waker: &Waker) -> Polled;
        /// A waiting task goes away (Q3).
        ///
        /// # Safety
        /// The caller is the `AllocAsync` that holds `slot`, and gives back the block it returns.
        unsafe fn cancel(&self, slot: usize) -> (Option<usize>, Option<Waker>);
        /// The counts.
        fn stats(&self) -> WaitStats;
    }
}

/// The waiter queue of a pool's storage: [`NoWaiters`], or [`WaitQueue`] for pools declared with `wait`.
/// Sealed.
pub trait Waiters: Sync + Send + 'static + sealed::Sealed {
    /// Whether tasks can wait (false for [`NoWaiters`]).
    const ENABLED: bool;

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

    #[cfg(not(loom))]
    const NEW: Self = NoWaiters;

    #[cfg(loom)]
    fn new() -> Self {
        NoWaiters
    }
}

impl<const W: usize> sealed::Sealed for WaitQueue<W> {
    #[inline]
    unsafe fn give(&self, list: &FreeList, index: usize, stats: bool) {
        WaitQueue::give(self, list, index, stats);
    }
}

impl<const W: usize> Waiters for WaitQueue<W> {
    const ENABLED: bool = true;

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
pub trait WaitSlots: Waiters + sealed::SealedSlots {}

impl<const W: usize> WaitSlots for WaitQueue<W> {}

impl<const W: usize> sealed::SealedSlots for WaitQueue<W> {
    unsafe fn register(&self, list: &FreeList, stats: bool, waker: Waker) -> Registered {
        WaitQueue::register(self, list, stats, waker)
    }

    unsafe fn poll(&self, slot: usize, waker: &Waker) -> Polled {
        WaitQueue::poll(self, slot, waker)
    }

    unsafe fn cancel(&self, slot: usize) -> (Option<usize>, Option<Waker>) {
        WaitQueue::cancel(self, slot)
    }

    fn stats(&self) -> WaitStats {
        WaitQueue::stats(self)
    }
}

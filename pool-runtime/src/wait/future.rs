//! `AllocAsync`: the future of `WaitPool::alloc_async`.

use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::ptr::NonNull;
use core::task::{Context, Poll};

use super::queue::{Polled, Registered};
use super::sealed::SealedSlots;
use super::{ListBlocks, WaitPool};
use crate::block::report_failure;
use crate::boxed::PoolBox;
use crate::error::{AllocError, PoolError};
use crate::pool::StaticPool;
use crate::storage::Storage;
use crate::storage::sealed::Sealed as _;

/// The future of [`WaitPool::alloc_async`]: resolves to the value in a block of `P`.
///
/// The first poll takes a free block if there is one. Otherwise the task takes one of the pool's `W` wait
/// slots and waits; a free then hands its block to the task that has waited longest (plain `alloc` callers
/// cannot take it first) and wakes it. Frees from interrupt handlers wake tasks too. Dropping the future
/// while it waits (a timeout, a `select`) gives up its slot, and a block already handed to it goes to the
/// next waiting task or back to the pool; the value is dropped with the future.
///
/// Poll it from tasks, not from interrupt handlers: a waiting task's slot and waker are kept in a critical
/// section, and frees from interrupts take that critical section too. The wait slots are a
/// `critical-section` mutex, so the program needs a `critical-section` implementation (embassy
/// applications have one; on the host, the `critical-section` crate's `std` feature).
///
/// Polled again after it has resolved, it stays pending. A future that is forgotten (`mem::forget`) while it
/// waits keeps its slot for good, and a block freed to it then is never given back: drop waiting futures,
/// do not forget them.
///
/// ```
/// use blockpool::{memory_pool, WaitPool};
/// # fn block_on<F: core::future::Future>(future: F) -> F::Output {
/// #     let mut future = core::pin::pin!(future);
/// #     let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
/// #     loop {
/// #         if let core::task::Poll::Ready(out) = future.as_mut().poll(&mut cx) { return out; }
/// #     }
/// # }
///
/// #[memory_pool(count = 2, wait = 4)]
/// pub struct Frame { pub data: [u8; 64] }
///
/// let first = block_on(FramePool::alloc_async(Frame { data: [1; 64] })).unwrap();
/// assert_eq!(first.data[0], 1);
/// assert_eq!(FramePool::wait_stats().waits, 0, "a block was free: no wait");
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct AllocAsync<P: WaitPool> {
    /// The value, until it is in a block (then `None`: polled after completion).
    value: Option<P::Item>,
    /// The wait slot this task holds, once it waits.
    slot: Option<usize>,
    _pool: PhantomData<P>,
}

// Never pinned structurally: the value is moved out when it goes into its block, and nothing points into
// the future.
impl<P: WaitPool> Unpin for AllocAsync<P> {}

impl<P: WaitPool> AllocAsync<P> {
    pub(crate) fn new(value: P::Item) -> Self {
        Self {
            value: Some(value),
            slot: None,
            _pool: PhantomData,
        }
    }

    /// Moves the value into block `index`, which this task now holds (S1: taken from the list or handed to
    /// it by a free, Q2).
    fn fill(&mut self, index: usize) -> Poll<Result<PoolBox<P>, AllocError<P::Item>>> {
        self.slot = None;
        let block: NonNull<P::Item> = P::__storage().block(index);
        match self.value.take() {
            Some(value) => {
                // SAFETY: [S1, S2] the block is this task's alone (taken from the list, or handed to its
                // slot by a free, Q2); it is aligned and large enough for one item and holds no live item.
                unsafe { block.write(value) };
                // SAFETY: [S1, S3] the block now holds an initialised item owned by nobody else.
                let boxed = unsafe { PoolBox::from_block(block) };
                // No site for `alloc_async` (the block may still show its previous owner's).
                crate::sites::untrack::<P>(index);
                // After the block is in its handle (T2). A block handed over by a free is traced as that
                // free and this allocation; its site is unknown (`alloc_async` records none).
                crate::trace::trace_at::<P>(crate::trace::TraceKind::Alloc, Some(index), None);
                Poll::Ready(Ok(boxed))
            }
            None => {
                // Not reachable: a future that has resolved holds no slot and takes no block.
                pass_on::<P>(index);
                Poll::Pending
            }
        }
    }
}

/// Passes on a block this task holds, which held no item since it was freed, to the next waiting task or
/// the pool.
fn pass_on<P: StaticPool>(index: usize) {
    // SAFETY: [S1, Q3] the caller holds block `index`, handed to it (or taken) with no item, put none in,
    // and gives it up.
    unsafe { P::__storage().pass_on(index) };
}

impl<P: WaitPool> Future for AllocAsync<P> {
    type Output = Result<PoolBox<P>, AllocError<P::Item>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.value.is_none() {
            return Poll::Pending;
        }
        let storage = P::__storage();
        let queue = storage.waiters();
        if let Some(slot) = this.slot {
            // SAFETY: [Q2] this future holds `slot` and takes the block the poll returns.
            return match unsafe { queue.poll(slot, cx.waker()) } {
                Polled::Block(index, waker) => {
                    // The block is in its handle before the executor's waker is dropped (Q4).
                    let ready = this.fill(index);
                    drop(waker);
                    ready
                }
                Polled::Waiting(old) => {
                    drop(old);
                    Poll::Pending
                }
            };
        }
        if let Some(index) = storage.take() {
            return this.fill(index);
        }
        let waker = cx.waker().clone();
        let blocks = ListBlocks {
            list: storage.free_list(),
            stats: storage.tracked(),
        };
        // SAFETY: [Q1] this future has no slot; it takes the slot or the block that comes back, and the
        // list and flag are its pool's.
        match unsafe { queue.register(blocks, (), waker) } {
            Registered::Block(index, waker) => {
                // The block is in its handle before the executor's waker is dropped, which may panic.
                let ready = this.fill(index);
                drop(waker);
                ready
            }
            Registered::Slot(slot) => {
                this.slot = Some(slot);
                Poll::Pending
            }
            Registered::Full(waker) => {
                drop(waker);
                let error = report_failure::<P>(PoolError::WaitersFull);
                match this.value.take() {
                    Some(value) => Poll::Ready(Err(AllocError::new(value, error))),
                    None => Poll::Pending,
                }
            }
        }
    }
}

impl<P: WaitPool> Drop for AllocAsync<P> {
    fn drop(&mut self) {
        let Some(slot) = self.slot.take() else {
            return;
        };
        let storage = P::__storage();
        let blocks = ListBlocks {
            list: storage.free_list(),
            stats: storage.tracked(),
        };
        // SAFETY: [Q1, Q3] this future holds `slot` and gives back the block it returns, just below; the
        // list and flag are its pool's (a cancel of the last waiting task unmarks the list).
        let (handed, waker) = unsafe { storage.waiters().cancel(blocks, slot) };
        if let Some(index) = handed {
            // Q3: the block handed to this task goes to the next one waiting, or back to the pool; before
            // the executor's waker is dropped, which may panic.
            pass_on::<P>(index);
        }
        drop(waker);
    }
}

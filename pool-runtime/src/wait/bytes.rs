//! Waiting for a byte buffer: byte pools declared with `wait = W` in `pools!`, `alloc_bytes_async` and its
//! future. The queue and its protocol are the typed pools' (Q1 to Q4), with a mark per class: a class is
//! marked while a waiting task's request fits it (Q5). A waiting task asks for a length and an alignment,
//! and a freed block goes to the longest-waiting task whose request fits its class.

use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::ByteWaitSlots;
use super::queue::{ByteBlock, ByteRequest, Bytes, Polled, Registered, WaitQueue, WaitStats};
use super::sealed::{Blocks, SealedBytes, SealedSlots};
use crate::byte_class::ByteClass;
use crate::bytes::{
    BytePool, HookPanic, Miss, PoolBytes, Taken, classes, fit, number_of, room_for, try_take,
};
use crate::error::PoolError;

/// A byte pool's blocks, as its waiter queue sees them: its classes.
#[derive(Clone, Copy)]
pub(crate) struct ClassBlocks<'a> {
    pub(crate) classes: &'a [&'static dyn ByteClass],
}

impl Blocks<Bytes> for ClassBlocks<'_> {
    const SERVES_OTHERS: bool = true;

    fn fits(&self, request: ByteRequest, block: ByteBlock) -> bool {
        request.len <= room_for(block.class, request.align)
    }

    fn take(&self, request: ByteRequest) -> Option<ByteBlock> {
        self.classes
            .iter()
            .filter(|class| request.len <= room_for(**class, request.align))
            .find_map(|class| {
                let (index, _) = class.take()?;
                Some(ByteBlock {
                    class: *class,
                    index,
                })
            })
    }

    unsafe fn take_or_mark(&self, request: ByteRequest) -> Option<ByteBlock> {
        // Q5: each class the request fits, in order, until one has a block; those before it are marked
        // (and unmarked again by the caller's `settle` if no other waiting task fits them).
        self.classes
            .iter()
            .filter(|class| request.len <= room_for(**class, request.align))
            .find_map(|class| {
                // SAFETY: [Q5] under the queue's lock (the caller's contract), for a waiting request
                // that fits this class.
                let index = unsafe { class.take_or_mark() }?;
                Some(ByteBlock {
                    class: *class,
                    index,
                })
            })
    }

    unsafe fn settle(&self, waiting: impl Iterator<Item = ByteRequest> + Clone) {
        for class in self.classes {
            if !waiting
                .clone()
                .any(|request| request.len <= room_for(*class, request.align))
            {
                // SAFETY: [Q5] under the queue's lock (the caller's contract), and no waiting request
                // fits this class.
                unsafe { class.unmark() };
            }
        }
    }

    #[inline]
    unsafe fn put(&self, block: ByteBlock) {
        // SAFETY: [S1] the caller holds block `index` of this class and gives it up.
        unsafe { block.class.free(block.index, false) };
    }

    unsafe fn handed(&self, _: ByteBlock) {
        // A byte pool's block stays in use from its free to the task it is handed to
        // (`ByteClass::free_unless_marked` leaves it in use when the class is marked).
    }

    #[inline(always)]
    unsafe fn hand_over<const W: usize>(
        self,
        queue: &WaitQueue<W, Bytes>,
        block: Option<ByteBlock>,
    ) {
        // SAFETY: [S1, Q2, Q5] passed on from the caller.
        unsafe { hand_over_classes(queue, self.classes, block) };
    }
}

/// [`WaitQueue::hand_over`] for a byte pool, out of line.
///
/// # Safety
/// As `WaitQueue::hand_over`.
#[cold]
#[inline(never)]
unsafe fn hand_over_classes<const W: usize>(
    queue: &WaitQueue<W, Bytes>,
    classes: &[&'static dyn ByteClass],
    block: Option<ByteBlock>,
) {
    // SAFETY: [S1, Q2, Q5] passed on from the caller.
    unsafe { queue.hand_over(ClassBlocks { classes }, block) };
}

/// The hand-over of byte pool `P`, for its classes' [`ByteClass::free_or_hand_over`]: a constant of no
/// size, so that a free passes it in a register (Q5).
pub(crate) struct Handing<P>(PhantomData<fn() -> P>);

impl<P: BytePool> Handing<P> {
    /// Pool `P`'s hand-over.
    pub(crate) const HAND: &'static Handing<P> = &Handing(PhantomData);
}

impl<P: BytePool> crate::byte_class::sealed::HandOver for Handing<P> {
    unsafe fn hand_over(&self, block: ByteBlock) {
        // SAFETY: [S1, Q5] passed on from the caller: a block of one of `P`'s classes, in use, given up.
        unsafe { P::__waiters().hand_over_marked(classes::<P>(), block) };
    }
}

/// The buffer of a request in a block handed to or taken by a waiting task: `None` only if the block had
/// no room for it, which a sealed class never does (Q5: the block fits the request).
fn taken<P: BytePool>(block: ByteBlock, request: ByteRequest) -> Option<Taken> {
    let number = number_of::<P>(block.class)?;
    let start = block.class.block_at(block.index)?;
    fit(number, block.class, start, request.len, request.align)
}

/// A byte pool whose tasks can wait for a buffer: declared in `pools!` with `wait = W` (`W` tasks may wait
/// at once), as in `pub Frames(classes = [(64, 16), (512, 4)], wait = 4);`.
///
/// Safe to implement, and the runtime trusts nothing in an implementation: the queue comes from the pool's
/// `BytePool` impl, whose `__Waiters` the bound requires to be a queue with slots.
#[diagnostic::on_unimplemented(
    message = "byte pool `{Self}` has no wait queue, so no task can wait for its buffers",
    label = "this byte pool was declared without `wait`",
    note = "add `wait = N` to the byte pool's options in `pools!`, as in \
            `Bytes(classes = [(64, 16)], wait = 4);`, for up to N tasks waiting at once"
)]
pub trait WaitBytePool: BytePool<__Waiters: ByteWaitSlots> {
    /// A zero-filled buffer of `len` bytes, waiting for a block if every class that fits is full. A block
    /// freed while tasks wait goes to the task that has waited longest among those whose request fits its
    /// class; dropping the future never loses a block. See [`AllocBytesAsync`].
    ///
    /// # Errors
    /// The future resolves to [`PoolError::ZeroSize`], [`PoolError::TooLarge`] at once (no block could
    /// ever serve the request), and to [`PoolError::WaitersFull`] when it would wait and all `W` slots are
    /// taken: it never spins or blocks.
    fn alloc_bytes_async(len: usize) -> AllocBytesAsync<Self> {
        AllocBytesAsync::new(len, 1)
    }

    /// [`WaitBytePool::alloc_bytes_async`] with the buffer's start aligned to `align` (a power of two), as
    /// [`BytePool::alloc_bytes_aligned`].
    ///
    /// # Errors
    /// As [`WaitBytePool::alloc_bytes_async`], and [`PoolError::BadAlignment`] if `align` is not a power
    /// of two.
    fn alloc_bytes_aligned_async(len: usize, align: usize) -> AllocBytesAsync<Self> {
        AllocBytesAsync::new(len, align)
    }

    /// The waiter queue's counts.
    fn wait_stats() -> WaitStats {
        SealedSlots::stats(Self::__waiters())
    }
}

/// The future of [`WaitBytePool::alloc_bytes_async`]: resolves to a zero-filled buffer of the length asked
/// for.
///
/// The first poll takes a block if a class that fits has one. Otherwise the task takes one of the pool's
/// `W` wait slots and waits; a free of a block whose class fits the request (from a `PoolBytes` drop, the
/// `Allocator` or `GlobalAlloc` methods, a move by `grow` or `shrink`) then hands it to the task that has
/// waited longest among those it fits, and wakes it. Dropping the future while it waits gives up its slot,
/// and a block already handed to it goes to the next waiting task it fits, or back to its class.
///
/// Poll it from tasks, not from interrupt handlers, as [`AllocAsync`](crate::AllocAsync); frees from
/// interrupt handlers wake tasks. A future that is forgotten (`mem::forget`) while it waits keeps its slot
/// for good, and a block handed to it then is never given back: drop waiting futures, do not forget them. A free that wakes a task calls the executor's waker after the block is
/// handed over and outside the critical section; a waker that panics aborts, so nothing unwinds out of an
/// allocator method.
///
/// ```
/// use blockpool::{pools, WaitBytePool};
/// # fn block_on<F: core::future::Future>(future: F) -> F::Output {
/// #     let mut future = core::pin::pin!(future);
/// #     let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
/// #     loop {
/// #         if let core::task::Poll::Ready(out) = future.as_mut().poll(&mut cx) { return out; }
/// #     }
/// # }
///
/// pools! {
///     pub Frames(classes = [(64, 2), (256, 1)], wait = 4);
/// }
///
/// let frame = block_on(Frames::alloc_bytes_async(100)).unwrap();
/// assert_eq!(frame.len(), 100);
/// assert_eq!(frame.block_size(), 256);
/// assert_eq!(Frames::wait_stats().waits, 0, "a block was free: no wait");
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct AllocBytesAsync<P: WaitBytePool> {
    request: ByteRequest,
    /// The wait slot this task holds, once it waits.
    slot: Option<usize>,
    /// Resolved: polled again, it stays pending.
    done: bool,
    _pool: PhantomData<fn() -> P>,
}

// Nothing points into the future.
impl<P: WaitBytePool> Unpin for AllocBytesAsync<P> {}

impl<P: WaitBytePool> AllocBytesAsync<P> {
    fn new(len: usize, align: usize) -> Self {
        Self {
            request: ByteRequest { len, align },
            slot: None,
            done: false,
            _pool: PhantomData,
        }
    }

    /// Resolves with `result`.
    fn finish(
        &mut self,
        result: Result<PoolBytes<P>, PoolError>,
    ) -> Poll<Result<PoolBytes<P>, PoolError>> {
        self.done = true;
        self.slot = None;
        Poll::Ready(result)
    }

    /// Resolves with the buffer in `block`, which this task holds (taken, or handed to its slot, Q5).
    fn fill(&mut self, block: ByteBlock) -> Poll<Result<PoolBytes<P>, PoolError>> {
        match taken::<P>(block, self.request) {
            Some(taken) => {
                // The slot is the queue's again (it emptied it when it gave us the block): forget it
                // before anything that can panic, so that a later poll or drop never acts on a slot
                // another task may hold by then (review round 17, Q3).
                self.done = true;
                self.slot = None;
                // SAFETY: [S1, Q5] `taken` fitted the block, which this task holds, to the request.
                let buffer =
                    unsafe { PoolBytes::zeroed_in(taken, self.request.len, self.request.align) };
                // No site: a waiting task's block is handed over by a free elsewhere. A trace hook that
                // panics here drops the buffer, which frees the block.
                buffer.noted(None);
                self.finish(Ok(buffer))
            }
            None => {
                // Not reachable (Q5); the block goes back rather than trusting that.
                pass_on::<P>(block);
                self.finish(Err(PoolError::Corrupted))
            }
        }
    }
}

/// Passes on a block this task holds with nothing written in it to the next waiting task it fits, or to its
/// class.
fn pass_on<P: WaitBytePool>(block: ByteBlock) {
    // SAFETY: [S1, Q3, Q5] the caller holds `block`, handed to it (or taken) from this pool's classes, wrote
    // nothing in it and gives it up.
    unsafe { P::__waiters().give(classes::<P>(), block) };
}

impl<P: WaitBytePool> Future for AllocBytesAsync<P> {
    type Output = Result<PoolBytes<P>, PoolError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.done {
            return Poll::Pending;
        }
        let queue = P::__waiters();
        if let Some(slot) = this.slot {
            // SAFETY: [Q2] this future holds `slot` and takes the block the poll returns.
            return match unsafe { queue.poll(slot, cx.waker()) } {
                Polled::Block(block, waker) => {
                    // The block is in its buffer before the executor's waker is dropped (Q4).
                    let ready = this.fill(block);
                    drop(waker);
                    ready
                }
                Polled::Waiting(old) => {
                    drop(old);
                    Poll::Pending
                }
            };
        }
        let first_fit = match try_take::<P>(this.request.len, this.request.align) {
            Ok(taken) => {
                // SAFETY: [S1, B2] `try_take` took the block and fitted it to the request.
                let buffer =
                    unsafe { PoolBytes::zeroed_in(taken, this.request.len, this.request.align) };
                // No site: a future's poll has no caller to name (as for typed pools' `alloc_async`).
                buffer.noted(None);
                return this.finish(Ok(buffer));
            }
            Err(Miss::Exhausted(first_fit)) => first_fit,
            Err(refused) => {
                let error = refused.fail::<P>(HookPanic::Propagate);
                return this.finish(Err(error));
            }
        };
        let waker = cx.waker().clone();
        let blocks = ClassBlocks {
            classes: classes::<P>(),
        };
        // SAFETY: [Q1, Q5] this future has no slot; it takes the slot or the block that comes back, and the
        // classes are its pool's.
        match unsafe { queue.register(blocks, this.request, waker) } {
            Registered::Block(block, waker) => {
                let ready = this.fill(block);
                drop(waker);
                ready
            }
            Registered::Slot(slot) => {
                this.slot = Some(slot);
                Poll::Pending
            }
            Registered::Full(waker) => {
                drop(waker);
                let error = Miss::Refused(PoolError::WaitersFull, first_fit)
                    .fail::<P>(HookPanic::Propagate);
                this.finish(Err(error))
            }
        }
    }
}

impl<P: WaitBytePool> Drop for AllocBytesAsync<P> {
    fn drop(&mut self) {
        let Some(slot) = self.slot.take() else {
            return;
        };
        let blocks = ClassBlocks {
            classes: classes::<P>(),
        };
        // SAFETY: [Q3] this future holds `slot` and gives back the block it returns, just below; the
        // classes are its pool's.
        let (handed, waker) = unsafe { P::__waiters().cancel(blocks, slot) };
        if let Some(block) = handed {
            // Q3: to the next waiting task it fits, or back to its class; before the executor's waker is
            // dropped, which may panic.
            pass_on::<P>(block);
        }
        drop(waker);
    }
}

//! Waiting for a free block (`wait = W`, `alloc_async`): hand-off to the longest-waiting task, no lost
//! wake-up, cancel safety, a full wait queue, and threads with a real executor. Each test has a pool of its
//! own (tests run in parallel).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;

use blockpool::{PoolBox, PoolError, memory_pool, pools};

/// A waker that counts its wakes.
#[derive(Default)]
struct Counter(AtomicUsize);

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn waker() -> (Arc<Counter>, Waker) {
    let counter = Arc::new(Counter::default());
    (counter.clone(), Waker::from(counter))
}

/// Polls `future` once with `waker`.
fn poll<F: Future + Unpin>(future: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(waker))
}

#[memory_pool(count = 2, wait = 4)]
#[derive(Debug, PartialEq)]
pub struct Quick(u32);

#[test]
fn a_free_block_is_taken_at_once() {
    let (wakes, waker) = waker();
    let mut future = QuickPool::alloc_async(Quick(1));
    let Poll::Ready(Ok(frame)) = poll(&mut future, &waker) else {
        panic!("a block was free");
    };
    assert_eq!(*frame, Quick(1));
    assert_eq!(wakes.0.load(Ordering::SeqCst), 0);
    assert_eq!(QuickPool::wait_stats().waits, 0);
}

#[memory_pool(count = 1, wait = 3)]
#[derive(Debug, PartialEq)]
pub struct Fair(u32);

#[test]
fn a_freed_block_goes_to_the_longest_waiting_task_and_plain_alloc_cannot_take_it() {
    let held = FairPool::alloc(Fair(0)).unwrap();
    let (first_wakes, first_waker) = waker();
    let (second_wakes, second_waker) = waker();
    let mut first = FairPool::alloc_async(Fair(1));
    let mut second = FairPool::alloc_async(Fair(2));
    assert!(poll(&mut first, &first_waker).is_pending());
    assert!(poll(&mut second, &second_waker).is_pending());
    assert_eq!(FairPool::wait_stats().waiting, 2);

    drop(held);
    assert_eq!(
        first_wakes.0.load(Ordering::SeqCst),
        1,
        "the first waiter is woken"
    );
    assert_eq!(second_wakes.0.load(Ordering::SeqCst), 0);
    // The block is the first task's: a caller of plain `alloc` does not get it, however many come.
    for _ in 0..100 {
        assert_eq!(
            FairPool::alloc(Fair(9)).unwrap_err().error(),
            PoolError::Exhausted
        );
    }
    let Poll::Ready(Ok(one)) = poll(&mut first, &first_waker) else {
        panic!("handed to the first task");
    };
    assert_eq!(*one, Fair(1));
    assert!(poll(&mut second, &second_waker).is_pending());

    drop(one);
    assert_eq!(second_wakes.0.load(Ordering::SeqCst), 1);
    let Poll::Ready(Ok(two)) = poll(&mut second, &second_waker) else {
        panic!("handed to the second task");
    };
    assert_eq!(*two, Fair(2));
    let stats = FairPool::wait_stats();
    assert_eq!((stats.waiting, stats.waits, stats.handoffs), (0, 2, 2));
    drop(two);
    FairPool::validate().unwrap();
    <FairPool as blockpool::StaticPool>::assert_empty();
}

#[memory_pool(count = 1, wait = 2)]
#[derive(Debug, PartialEq)]
pub struct Cancelled(u32);

#[test]
fn a_dropped_waiter_passes_its_block_to_the_next_one_or_back_to_the_pool() {
    let held = CancelledPool::alloc(Cancelled(0)).unwrap();
    let (_, first_waker) = waker();
    let (second_wakes, second_waker) = waker();
    let mut first = CancelledPool::alloc_async(Cancelled(1));
    let mut second = CancelledPool::alloc_async(Cancelled(2));
    assert!(poll(&mut first, &first_waker).is_pending());
    assert!(poll(&mut second, &second_waker).is_pending());

    // The block is handed to the first task, which is dropped (a timeout) before it runs again.
    drop(held);
    drop(first);
    assert_eq!(
        second_wakes.0.load(Ordering::SeqCst),
        1,
        "passed on to the second task"
    );
    let Poll::Ready(Ok(two)) = poll(&mut second, &second_waker) else {
        panic!("the second task has the block");
    };
    assert_eq!(*two, Cancelled(2));

    // With nobody else waiting, a dropped waiter's block goes back to the pool.
    let (_, waker) = waker();
    let mut third = CancelledPool::alloc_async(Cancelled(3));
    assert!(poll(&mut third, &waker).is_pending());
    drop(two);
    drop(third);
    <CancelledPool as blockpool::StaticPool>::assert_empty();
    CancelledPool::validate().unwrap();
    let again = CancelledPool::alloc(Cancelled(4)).unwrap();
    assert_eq!(*again, Cancelled(4));
}

#[test]
fn a_waiter_dropped_before_any_free_leaves_no_trace() {
    let held = SoloPool::alloc(Solo(0)).unwrap();
    let (_, waker) = waker();
    let mut waiting = SoloPool::alloc_async(Solo(1));
    assert!(poll(&mut waiting, &waker).is_pending());
    assert_eq!(SoloPool::wait_stats().waiting, 1);
    drop(waiting);
    assert_eq!(SoloPool::wait_stats().waiting, 0);
    drop(held);
    assert_eq!(
        SoloPool::stats().used,
        0,
        "the free found nobody and went to the list"
    );
    SoloPool::validate().unwrap();
}

#[memory_pool(count = 1, wait = 1)]
#[derive(Debug, PartialEq)]
pub struct Solo(u32);

#[memory_pool(count = 1, wait = 1)]
#[derive(Debug, PartialEq)]
pub struct Narrow(u32);

#[test]
fn with_every_wait_slot_taken_the_value_comes_back_at_once() {
    let held = NarrowPool::alloc(Narrow(0)).unwrap();
    let (_, waker) = waker();
    let mut waiting = NarrowPool::alloc_async(Narrow(1));
    assert!(poll(&mut waiting, &waker).is_pending());
    let mut refused = NarrowPool::alloc_async(Narrow(2));
    let Poll::Ready(Err(error)) = poll(&mut refused, &waker) else {
        panic!("the one slot is taken");
    };
    assert_eq!(error.error(), PoolError::WaitersFull);
    assert_eq!(error.into_inner(), Narrow(2));
    assert_eq!(NarrowPool::stats().failures, 1);
    drop(held);
    let Poll::Ready(Ok(one)) = poll(&mut waiting, &waker) else {
        panic!("handed over");
    };
    assert_eq!(*one, Narrow(1));
}

#[memory_pool(count = 1, wait = 1)]
#[derive(Debug, PartialEq)]
pub struct Raw(u32);

#[test]
fn a_raw_free_hands_its_block_to_a_waiter_too() {
    use blockpool::RawPool;
    let raw: &dyn RawPool = &RawPool_;
    let block = raw.alloc_raw().unwrap();
    let (wakes, waker) = waker();
    let mut waiting = RawPool_::alloc_async(Raw(5));
    assert!(poll(&mut waiting, &waker).is_pending());
    // SAFETY: the block came from `alloc_raw` and is freed once; nothing refers into it.
    unsafe { raw.free_raw(block) }.unwrap();
    assert_eq!(wakes.0.load(Ordering::SeqCst), 1);
    let Poll::Ready(Ok(five)) = poll(&mut waiting, &waker) else {
        panic!("handed over");
    };
    assert_eq!(*five, Raw(5));
    RawPool_::validate().unwrap();
    drop(five);
    RawPool_::validate().unwrap();
}

pools! {
    pub RawPool_(type = Raw, count = 1, wait = 1);
}

#[memory_pool(count = 3, wait = 8)]
pub struct Busy(u64);

/// Eight tasks on four threads share three blocks: each allocates with `alloc_async`, holds the block a
/// moment and frees it, many times. With a lost wake-up a task would wait for ever (the test would hang);
/// at the end every block is back.
#[test]
fn eight_tasks_on_threads_share_three_blocks_and_all_finish() {
    let rounds = if cfg!(miri) { 20 } else { 2_000 };
    let done = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..4)
        .map(|thread| {
            let done = done.clone();
            thread::spawn(move || {
                futures::executor::block_on(async {
                    let tasks = (0..2).map(|task| async move {
                        for round in 0..rounds {
                            let stamp = (thread * 2 + task) as u64 * 1_000_000 + round;
                            let block: PoolBox<BusyPool> =
                                BusyPool::alloc_async(Busy(stamp)).await.unwrap();
                            assert_eq!(block.0, stamp);
                            drop(block);
                        }
                    });
                    futures::future::join_all(tasks).await;
                });
                done.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(done.load(Ordering::SeqCst), 4);
    <BusyPool as blockpool::StaticPool>::assert_empty();
    assert_eq!(BusyPool::wait_stats().waiting, 0);
    BusyPool::validate().unwrap();
}

#[memory_pool(count = 2, refcount, wait = 2)]
#[derive(Debug)]
pub struct Report(u32);

#[test]
fn shared_pools_wait_too() {
    let report = futures::executor::block_on(ReportPool::alloc_shared_async(Report(3))).unwrap();
    let other = report.clone();
    assert_eq!(other.0, 3);
}

// Review round 7, finding 2: a block `register` found on its second try was held as a bare index while the
// executor's waker clone was dropped; a panicking drop lost the block for good.
#[memory_pool(count = 1, wait = 2)]
pub struct Dropped(pub u32);

thread_local! {
    static HELD: std::cell::RefCell<Option<PoolBox<DroppedPool>>> = const { std::cell::RefCell::new(None) };
}

/// A waker whose clone frees the held block (executor code re-entering the pool, which makes
/// `register`'s second try find a block) and whose clone's drop panics.
fn panicking_waker() -> Waker {
    use std::task::{RawWaker, RawWakerVTable};
    static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, noop, noop, drop_waker);
    fn clone(_: *const ()) -> RawWaker {
        HELD.with(|held| drop(held.borrow_mut().take()));
        RawWaker::new(std::ptr::dangling::<()>(), &VTABLE)
    }
    fn noop(_: *const ()) {}
    fn drop_waker(data: *const ()) {
        if data == std::ptr::dangling::<()>() {
            panic!("the clone's drop panics");
        }
    }
    // SAFETY: the vtable's functions are sound for any data pointer and any number of calls.
    unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &VTABLE)) }
}

#[test]
fn a_waker_whose_drop_panics_loses_no_block() {
    HELD.with(|held| *held.borrow_mut() = Some(DroppedPool::alloc(Dropped(0)).unwrap()));
    let waker = panicking_waker();
    let mut future = DroppedPool::alloc_async(Dropped(1));
    let polled =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| poll(&mut future, &waker)));
    assert!(polled.is_err(), "the waker's drop panicked");
    drop(future);
    drop(waker);
    assert_eq!(DroppedPool::stats().used, 0, "no handle is alive");
    assert!(
        DroppedPool::alloc(Dropped(2)).is_ok(),
        "the block is free again"
    );
}

// Review round 7, finding 4: a block handed to a waiter that was then dropped went back through the free
// path a second time and moved its generation on for an item that never existed.
#[memory_pool(count = 1, wait = 2, refcount = u8)]
pub struct Counted(pub u32);

#[test]
fn a_block_passed_on_by_a_dropped_waiter_keeps_its_generation() {
    use blockpool::PoolRc;
    let first = CountedPool::alloc_shared(Counted(0)).unwrap();
    assert_eq!(PoolRc::downgrade(&first).generation(), 0);
    let (_, waker) = waker();
    let mut waiting = CountedPool::alloc_async(Counted(1));
    assert!(poll(&mut waiting, &waker).is_pending());
    drop(first); // handed to the waiting task
    drop(waiting); // which goes away: the block goes back to the pool
    let second = CountedPool::alloc_shared(Counted(2)).unwrap();
    assert_eq!(
        PoolRc::downgrade(&second).generation(),
        1,
        "the block held one item before this one"
    );
}

// Review round 8: the poll that found a handed block dropped the executor's fresh waker inside the lock,
// after emptying the slot: a panicking drop lost the block (and a drop that freed a block re-entered the
// lock).
#[memory_pool(count = 1, wait = 2)]
pub struct Handed(pub u32);

static PANIC_ON_DROP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn armed_waker() -> Waker {
    use std::task::{RawWaker, RawWakerVTable};
    static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, noop, noop, drop_waker);
    fn clone(data: *const ()) -> RawWaker {
        RawWaker::new(data, &VTABLE)
    }
    fn noop(_: *const ()) {}
    fn drop_waker(_: *const ()) {
        if PANIC_ON_DROP.swap(false, Ordering::SeqCst) {
            panic!("the waker's drop panics");
        }
    }
    // SAFETY: the vtable's functions are sound for any data pointer and any number of calls.
    unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &VTABLE)) }
}

#[test]
fn a_waker_whose_drop_panics_when_the_block_was_handed_over_loses_no_block() {
    let waker = armed_waker();
    let held = HandedPool::alloc(Handed(1)).unwrap();
    let mut waiting = HandedPool::alloc_async(Handed(2));
    assert!(poll(&mut waiting, &waker).is_pending());
    drop(held); // handed to the waiting task
    PANIC_ON_DROP.store(true, Ordering::SeqCst);
    let polled =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| poll(&mut waiting, &waker)));
    assert!(polled.is_err(), "the fresh waker's drop panicked");
    drop(waiting);
    assert_eq!(HandedPool::stats().used, 0, "no handle is alive");
    assert!(
        HandedPool::alloc(Handed(3)).is_ok(),
        "the block is free again"
    );
}

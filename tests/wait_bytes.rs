//! Waiting for a byte buffer (`wait = W` on a byte pool in `pools!`, `alloc_bytes_async`): a freed block goes
//! to the longest-waiting task whose request fits its class; every way a byte pool frees (a `PoolBytes`
//! drop, the `Allocator` and `GlobalAlloc` methods, a move by `shrink`) reaches waiting tasks; cancel safety; a full
//! wait queue; and threads with a real executor. Each test has a pool of its own (tests run in parallel).

use std::alloc::{GlobalAlloc, Layout};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;

use allocator_api2::alloc::Allocator;
use blockpool::{BytePool, PoolBytes, PoolError, pools};

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

fn wakes(counter: &Counter) -> usize {
    counter.0.load(Ordering::SeqCst)
}

/// Polls `future` once with `waker`.
fn poll<F: Future + Unpin>(future: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(waker))
}

/// The buffer a ready poll gave, or a panic that says what came instead.
fn ready<P: BytePool>(polled: Poll<Result<PoolBytes<P>, PoolError>>) -> PoolBytes<P> {
    match polled {
        Poll::Ready(Ok(buffer)) => buffer,
        Poll::Ready(Err(error)) => panic!("expected a buffer, got {error:?}"),
        Poll::Pending => panic!("expected a buffer, still pending"),
    }
}

pools! {
    pub Quick(classes = [(64, 1)], wait = 2);
    pub Fair(classes = [(64, 1)], wait = 3);
    pub Sized(classes = [(64, 1), (256, 1)], wait = 4);
    pub Cancel(classes = [(64, 1)], wait = 2);
    pub Full(classes = [(64, 1)], wait = 1);
    pub Refuse(classes = [(64, 1)], wait = 1);
    pub Alloc(classes = [(64, 1)], wait = 2);
    pub Global(classes = [(64, 1)], wait = 2);
    pub Grown(classes = [(64, 1), (256, 1)], wait = 2);
    pub Secret(classes = [(32, 1)], wait = 1, zeroize);
    pub Aligned(classes = [(64, 1), (128, 1)], wait = 2);
    pub Busy(classes = [(32, 2), (128, 1)], wait = 8);
    pub Plain(classes = [(64, 1)]);
}

#[test]
fn a_free_block_is_taken_at_once_and_zero_filled() {
    let (counter, waker) = waker();
    let buffer = ready(poll(&mut Quick::alloc_bytes_async(10), &waker));
    assert_eq!(&buffer[..], &[0; 10]);
    assert_eq!(wakes(&counter), 0);
    assert_eq!(Quick::wait_stats().waits, 0);
}

#[test]
fn a_freed_block_goes_to_the_longest_waiting_task_and_plain_alloc_cannot_take_it() {
    let held = Fair::alloc_bytes(8).unwrap();
    let (first_wakes, first_waker) = waker();
    let (second_wakes, second_waker) = waker();
    let mut first = Fair::alloc_bytes_async(20);
    let mut second = Fair::alloc_bytes_async(30);
    assert!(poll(&mut first, &first_waker).is_pending());
    assert!(poll(&mut second, &second_waker).is_pending());
    assert_eq!(Fair::wait_stats().waiting, 2);

    drop(held);
    assert_eq!(wakes(&first_wakes), 1, "the first waiter is woken");
    assert_eq!(wakes(&second_wakes), 0);
    for _ in 0..100 {
        assert_eq!(Fair::alloc_bytes(1).unwrap_err(), PoolError::Exhausted);
    }
    let one = ready(poll(&mut first, &first_waker));
    assert_eq!(one.len(), 20);
    assert!(poll(&mut second, &second_waker).is_pending());
    drop(one);
    assert_eq!(wakes(&second_wakes), 1);
    let two = ready(poll(&mut second, &second_waker));
    assert_eq!(two.len(), 30);
    let stats = Fair::wait_stats();
    assert_eq!((stats.waits, stats.handoffs, stats.waiting), (2, 2, 0));
    drop(two);
    assert_eq!(Fair::stats().used, 0);
    Fair::validate().unwrap();
}

/// A task waiting for 200 bytes cannot use a 64-byte block: that block goes to a younger task whose request
/// fits, and the older one gets the 256-byte block when it comes back.
#[test]
fn a_freed_block_goes_to_the_oldest_task_it_fits() {
    let small = Sized::alloc_bytes(64).unwrap();
    let large = Sized::alloc_bytes(256).unwrap();
    assert_eq!(small.block_size(), 64);
    let (big_wakes, big_waker) = waker();
    let (little_wakes, little_waker) = waker();
    let mut big = Sized::alloc_bytes_async(200);
    let mut little = Sized::alloc_bytes_async(10);
    assert!(poll(&mut big, &big_waker).is_pending());
    assert!(poll(&mut little, &little_waker).is_pending());

    drop(small);
    assert_eq!(wakes(&big_wakes), 0, "64 bytes do not fit the older task");
    assert_eq!(wakes(&little_wakes), 1);
    let little = ready(poll(&mut little, &little_waker));
    assert_eq!((little.len(), little.block_size()), (10, 64));

    drop(large);
    assert_eq!(wakes(&big_wakes), 1);
    let big = ready(poll(&mut big, &big_waker));
    assert_eq!((big.len(), big.block_size()), (200, 256));
    drop((little, big));
    assert_eq!(Sized::stats().used, 0);
    Sized::validate().unwrap();
}

#[test]
fn a_dropped_waiter_passes_its_block_to_the_next_one_or_back_to_the_pool() {
    let held = Cancel::alloc_bytes(1).unwrap();
    let (_, first_waker) = waker();
    let (second_wakes, second_waker) = waker();
    let mut first = Cancel::alloc_bytes_async(1);
    let mut second = Cancel::alloc_bytes_async(2);
    assert!(poll(&mut first, &first_waker).is_pending());
    assert!(poll(&mut second, &second_waker).is_pending());
    drop(held); // handed to `first`
    assert_eq!(wakes(&second_wakes), 0);
    drop(first); // a timeout: its block goes to `second`
    assert_eq!(wakes(&second_wakes), 1);
    let buffer = ready(poll(&mut second, &second_waker));
    assert_eq!(buffer.len(), 2);

    // Handed, then dropped with nobody else waiting: back to the pool.
    let (_, third_waker) = waker();
    let mut third = Cancel::alloc_bytes_async(3);
    assert!(poll(&mut third, &third_waker).is_pending());
    drop(buffer);
    drop(third);
    assert_eq!(Cancel::stats().used, 0);
    assert_eq!(Cancel::wait_stats().waiting, 0);
    Cancel::validate().unwrap();
    assert_eq!(Cancel::alloc_bytes(64).unwrap().len(), 64);
}

#[test]
fn with_every_wait_slot_taken_the_request_fails_at_once() {
    let held = Full::alloc_bytes(1).unwrap();
    let (_, waker) = waker();
    let mut first = Full::alloc_bytes_async(1);
    assert!(poll(&mut first, &waker).is_pending());
    let failures = Full::stats().failures;
    assert_eq!(
        poll(&mut Full::alloc_bytes_async(1), &waker).map(|r| r.map(drop)),
        Poll::Ready(Err(PoolError::WaitersFull))
    );
    assert_eq!(Full::stats().failures, failures + 1);
    drop(held);
    assert_eq!(ready(poll(&mut first, &waker)).len(), 1);
}

#[test]
fn requests_no_block_can_serve_fail_at_once_without_waiting() {
    let (_, waker) = waker();
    let held = Refuse::alloc_bytes(1).unwrap();
    let outcome = |len, align| {
        poll(&mut Refuse::alloc_bytes_aligned_async(len, align), &waker).map(|r| r.map(drop))
    };
    assert_eq!(outcome(0, 1), Poll::Ready(Err(PoolError::ZeroSize)));
    assert_eq!(
        outcome(65, 1),
        Poll::Ready(Err(PoolError::TooLarge {
            requested: 65,
            capacity: 64
        }))
    );
    assert_eq!(
        outcome(1, 3),
        Poll::Ready(Err(PoolError::BadAlignment { requested: 3 }))
    );
    assert_eq!(Refuse::wait_stats().waits, 0);
    drop(held);
}

/// A resolved future polled again stays pending and holds nothing.
#[test]
fn a_resolved_future_stays_pending() {
    let (_, waker) = waker();
    let mut future = Quick::alloc_bytes_async(4);
    let buffer = ready(poll(&mut future, &waker));
    assert!(poll(&mut future, &waker).is_pending());
    drop(future);
    drop(buffer);
}

/// The `Allocator` interface frees through the same path: a collection's buffer handed back wakes a task.
#[test]
fn an_allocator_deallocation_hands_its_block_to_a_waiter() {
    let layout = Layout::from_size_align(48, 8).unwrap();
    let block = Allocator::allocate(&Alloc, layout).unwrap();
    let (counter, waker) = waker();
    let mut waiting = Alloc::alloc_bytes_async(64);
    assert!(poll(&mut waiting, &waker).is_pending());
    // SAFETY: `block` came from `allocate` with `layout` and is not used again.
    unsafe { Allocator::deallocate(&Alloc, block.cast(), layout) };
    assert_eq!(wakes(&counter), 1);
    assert_eq!(ready(poll(&mut waiting, &waker)).len(), 64);
}

/// So does `GlobalAlloc::dealloc`: a waker that runs there must not unwind, and it does not.
#[test]
fn a_global_dealloc_hands_its_block_to_a_waiter() {
    let layout = Layout::from_size_align(64, 1).unwrap();
    // SAFETY: a non-zero layout.
    let block = unsafe { GlobalAlloc::alloc(&Global, layout) };
    assert!(!block.is_null());
    let (counter, waker) = waker();
    let mut waiting = Global::alloc_bytes_async(1);
    assert!(poll(&mut waiting, &waker).is_pending());
    // SAFETY: `block` came from `alloc` with `layout` and is not used again.
    unsafe { GlobalAlloc::dealloc(&Global, block, layout) };
    assert_eq!(wakes(&counter), 1);
    assert_eq!(ready(poll(&mut waiting, &waker)).len(), 1);
}

/// `shrink` moves an allocation to a class of smaller blocks and frees the large one: that free reaches a
/// waiting task too.
#[test]
fn a_buffer_moved_by_shrink_gives_its_old_block_to_a_waiter() {
    let large = Layout::from_size_align(200, 1).unwrap();
    let block = Allocator::allocate(&Grown, large).unwrap();
    assert_eq!(block.len(), 256);
    let (counter, waker) = waker();
    let mut waiting = Grown::alloc_bytes_async(100); // fits only the 256-byte class, which is taken
    assert!(poll(&mut waiting, &waker).is_pending());
    let small = Layout::from_size_align(50, 1).unwrap();
    // SAFETY: `block` came from `allocate` with `large`, and `small` is no larger.
    let moved = unsafe { Allocator::shrink(&Grown, block.cast(), large, small) }.unwrap();
    assert_eq!(moved.len(), 64, "moved to the 64-byte class");
    assert_eq!(wakes(&counter), 1);
    let buffer = ready(poll(&mut waiting, &waker));
    assert_eq!(buffer.block_size(), 256);
    drop(buffer);
    // SAFETY: `moved` came from `shrink` with `small`.
    unsafe { Allocator::deallocate(&Grown, moved.cast(), small) };
    assert_eq!(Grown::stats().used, 0);
    Grown::validate().unwrap();
}

/// In a `zeroize` pool a block handed over is wiped first: the next owner never sees the bytes.
#[test]
fn zeroize_wipes_a_block_before_it_is_handed_over() {
    let mut secret = Secret::alloc_bytes(32).unwrap();
    secret.copy_from_slice(&[0xA5; 32]);
    let (_, waker) = waker();
    let mut waiting = Secret::alloc_bytes_async(1);
    assert!(poll(&mut waiting, &waker).is_pending());
    drop(secret);
    let mut buffer = ready(poll(&mut waiting, &waker));
    assert_eq!(buffer.capacity(), 32);
    buffer.resize(32).unwrap();
    assert_eq!(&buffer[..], &[0; 32]);
}

#[test]
fn a_waiting_aligned_request_gets_an_aligned_buffer() {
    let held = [
        Aligned::alloc_bytes(1).unwrap(),
        Aligned::alloc_bytes(1).unwrap(),
    ];
    let (_, waker) = waker();
    let mut waiting = Aligned::alloc_bytes_aligned_async(64, 128);
    assert!(poll(&mut waiting, &waker).is_pending());
    let [small, large] = held;
    drop(small); // 64 bytes aligned to 128 do not fit a 64-byte block
    assert!(poll(&mut waiting, &waker).is_pending());
    drop(large);
    let buffer = ready(poll(&mut waiting, &waker));
    assert_eq!(buffer.as_ptr() as usize % 128, 0);
    assert_eq!(buffer.len(), 64);
}

/// Eight tasks on four threads share three blocks of two classes, asking for sizes that fit one or both:
/// with a lost wake-up a task would wait for ever (the test would hang); at the end every block is back.
#[test]
fn eight_tasks_on_threads_share_two_classes_and_all_finish() {
    let rounds = if cfg!(miri) { 10 } else { 2_000 };
    let threads: Vec<_> = (0..4)
        .map(|thread| {
            thread::spawn(move || {
                futures::executor::block_on(async {
                    let tasks = (0..2).map(|task| async move {
                        for round in 0..rounds {
                            let len = if (thread + task + round) % 3 == 0 {
                                100
                            } else {
                                20
                            };
                            let mut buffer = Busy::alloc_bytes_async(len).await.unwrap();
                            assert_eq!(buffer.len(), len);
                            assert!(buffer.iter().all(|&byte| byte == 0));
                            buffer.fill(thread as u8);
                            drop(buffer);
                        }
                    });
                    futures::future::join_all(tasks).await;
                });
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(Busy::stats().used, 0);
    assert_eq!(Busy::wait_stats().waiting, 0);
    Busy::validate().unwrap();
}

mod map {
    use blockpool::{BytePool, pools};

    pools! {
        pub Counted(classes = [(16, 4), (64, 1)], wait = 255);
        pub Uncounted(classes = [(16, 4), (64, 1)]);
    }

    /// Review round 10, finding 1: the memory map (and so the budget) left out a byte pool's waiter queue,
    /// a `static` of its own. It counts in the first class's row now.
    #[test]
    fn the_memory_map_counts_a_byte_pools_waiter_queue() {
        let queue = core::mem::size_of_val(<Counted as BytePool>::__waiters());
        let rows = MEMORY_MAP.pools;
        assert_eq!(rows.len(), 4);
        assert_eq!(
            rows[0].bytes,
            rows[2].bytes + queue,
            "the first class's row"
        );
        assert_eq!(
            rows[1].bytes, rows[3].bytes,
            "the other rows as without `wait`"
        );
        assert!(MEMORY_MAP.total_bytes() > queue);
    }
}

/// A byte pool without `wait` has no queue: its frees take the plain path (the cost is measured by
/// `scripts/o1-proof.sh`), and `alloc_bytes_async` does not compile on it (`tests/ui/wait_bytes_without_wait.rs`).
#[test]
fn a_byte_pool_without_wait_works_as_before() {
    let buffer = Plain::alloc_bytes(64).unwrap();
    assert_eq!(Plain::alloc_bytes(1).unwrap_err(), PoolError::Exhausted);
    drop(buffer);
    assert_eq!(Plain::alloc_bytes(1).unwrap().len(), 1);
}

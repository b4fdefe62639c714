//! Allocation, exhaustion and recovery: what `alloc`, `alloc_with` and the other allocation functions do
//! when the pool has room and when it has none, what the `on_failure` hook sees, and the counters after
//! every step.
//!
//! Pools are global statics and the tests of this file run in parallel threads, so every test has pools
//! of its own and the counts it checks are exact.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use blockpool::{FailureEvent, PoolBox, PoolError, PoolStats, RawPool, StaticPool, memory_pool};

#[memory_pool(count = 4, on_failure = on_job_failure)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: u32,
    pub payload: [u8; 12],
}

// SAFETY: `Job` is plain integers, for which all-zero bytes are a valid value.
unsafe impl bytemuck::Zeroable for Job {}

fn job(id: u32) -> Job {
    Job {
        id,
        payload: [id as u8; 12],
    }
}

/// Calls of `on_job_failure`, which only `JobPool` uses, so the count is exact.
static JOB_HOOK_CALLS: AtomicUsize = AtomicUsize::new(0);
static JOB_HOOK_EVENTS: Mutex<Vec<FailureEvent>> = Mutex::new(Vec::new());

fn on_job_failure(event: &FailureEvent) {
    JOB_HOOK_CALLS.fetch_add(1, Ordering::SeqCst);
    JOB_HOOK_EVENTS.lock().unwrap().push(*event);
}

/// Every event of the shared `record_failure` hook, for pools whose tests filter them by pool name.
static RECORDED: Mutex<Vec<FailureEvent>> = Mutex::new(Vec::new());

fn record_failure(event: &FailureEvent) {
    RECORDED.lock().unwrap().push(*event);
}

fn recorded_for(pool: &str) -> Vec<FailureEvent> {
    RECORDED
        .lock()
        .unwrap()
        .iter()
        .copied()
        .filter(|event| event.pool == pool)
        .collect()
}

#[memory_pool(type = Job, count = 3, on_failure = record_failure)]
pub struct WithFullPool;

#[memory_pool(type = Job, count = 3)]
pub struct WithPanicPool;

#[memory_pool(type = Job, count = 2)]
pub struct WithOncePool;

#[memory_pool(type = Job, count = 5)]
pub struct HighWaterPool;

#[memory_pool(type = Job, count = 3, on_failure = record_failure)]
pub struct GenericPool;

#[memory_pool(type = Job, count = 1)]
pub struct NoHookPool;

/// Checks every counter of `P` at once, and that its metadata is consistent.
#[track_caller]
fn expect_stats<P: StaticPool>(
    used: usize,
    high_water: usize,
    allocs: u64,
    frees: u64,
    failures: u64,
) {
    assert_eq!(
        P::stats(),
        PoolStats {
            capacity: P::CAPACITY,
            used,
            high_water,
            allocs,
            frees,
            failures
        },
        "stats of {}",
        P::NAME
    );
    assert_eq!(P::validate(), Ok(()), "validate of {}", P::NAME);
}

#[test]
fn a_fresh_pool_is_empty_and_valid() {
    // `JobPool` is used by `exhaustion_and_recovery` too, so look at a pool no test allocates from.
    #[memory_pool(type = Job, count = 7)]
    struct UntouchedPool;

    assert_eq!(UntouchedPool::CAPACITY, 7);
    assert_eq!(UntouchedPool::stats().free(), 7);
    expect_stats::<UntouchedPool>(0, 0, 0, 0, 0);
}

#[test]
fn exhaustion_and_recovery() {
    expect_stats::<JobPool>(0, 0, 0, 0, 0);

    let mut held: Vec<PoolBox<JobPool>> = Vec::new();
    for id in 0..4u32 {
        held.push(JobPool::alloc(job(id)).expect("the pool has room"));
        let n = id as usize + 1;
        expect_stats::<JobPool>(n, n, n as u64, 0, 0);
    }
    for (id, boxed) in held.iter().enumerate() {
        assert_eq!(**boxed, job(id as u32), "every block keeps its own item");
    }
    assert_eq!(JOB_HOOK_CALLS.load(Ordering::SeqCst), 0, "no failure yet");

    // Full: the value comes back unharmed, the hook runs once with this pool's name.
    let failed = JobPool::alloc(job(99)).expect_err("every block is in use");
    assert_eq!(failed.error(), PoolError::Exhausted);
    assert_eq!(JOB_HOOK_CALLS.load(Ordering::SeqCst), 1);
    assert_eq!(
        JOB_HOOK_EVENTS.lock().unwrap().last(),
        Some(&FailureEvent {
            pool: "JobPool",
            error: PoolError::Exhausted,
            holders: None,
        })
    );
    expect_stats::<JobPool>(4, 4, 4, 0, 1);
    let returned = failed.into_inner();
    assert_eq!(returned, job(99));

    // Every other way to allocate fails the same way and is counted and reported too.
    let called = Cell::new(false);
    let result = JobPool::alloc_with(|| {
        called.set(true);
        job(98)
    });
    assert_eq!(result.err(), Some(PoolError::Exhausted));
    assert!(!called.get(), "not called on a full pool");
    expect_stats::<JobPool>(4, 4, 4, 0, 2);
    assert_eq!(JobPool::alloc_uninit().err(), Some(PoolError::Exhausted));
    expect_stats::<JobPool>(4, 4, 4, 0, 3);
    assert_eq!(JobPool::alloc_zeroed().err(), Some(PoolError::Exhausted));
    expect_stats::<JobPool>(4, 4, 4, 0, 4);
    let raw: &dyn RawPool = &JobPool;
    assert_eq!(raw.alloc_raw(), Err(PoolError::Exhausted));
    expect_stats::<JobPool>(4, 4, 4, 0, 5);
    assert_eq!(JOB_HOOK_CALLS.load(Ordering::SeqCst), 5);
    assert!(JOB_HOOK_EVENTS.lock().unwrap().iter().all(|event| *event
        == FailureEvent {
            pool: "JobPool",
            error: PoolError::Exhausted,
            holders: None,
        }));

    // Free one block: exactly that block is free, so the next allocation gets it.
    let freed = held.remove(1);
    let freed_at = PoolBox::as_ptr(&freed);
    drop(freed);
    expect_stats::<JobPool>(3, 4, 4, 1, 5);
    let again = JobPool::alloc(returned).expect("one block is free");
    assert_eq!(PoolBox::as_ptr(&again), freed_at);
    assert_eq!(*again, job(99));
    expect_stats::<JobPool>(4, 4, 5, 1, 5);
    held.push(again);

    // And the pool is full again.
    let failed = JobPool::alloc(job(100)).expect_err("full again");
    assert_eq!(failed.into_parts(), (job(100), PoolError::Exhausted));
    assert_eq!(JOB_HOOK_CALLS.load(Ordering::SeqCst), 6);
    expect_stats::<JobPool>(4, 4, 5, 1, 6);

    drop(held);
    expect_stats::<JobPool>(0, 4, 5, 5, 6);
    assert_eq!(JobPool::stats().free(), 4);
}

#[test]
fn a_pool_without_hook_still_counts_failures() {
    let first = NoHookPool::alloc(job(1)).unwrap();
    let failed = NoHookPool::alloc(job(2)).unwrap_err();
    assert_eq!(failed.error(), PoolError::Exhausted);
    assert_eq!(failed.into_inner(), job(2));
    expect_stats::<NoHookPool>(1, 1, 1, 0, 1);
    drop(first);
    expect_stats::<NoHookPool>(0, 1, 1, 1, 1);
}

#[test]
fn alloc_with_calls_the_closure_once() {
    let calls = Cell::new(0);
    let boxed = WithOncePool::alloc_with(|| {
        calls.set(calls.get() + 1);
        job(7)
    })
    .expect("the pool has room");
    assert_eq!(calls.get(), 1);
    assert_eq!(*boxed, job(7));
    expect_stats::<WithOncePool>(1, 1, 1, 0, 0);
    drop(boxed);
    assert_eq!(calls.get(), 1);
    expect_stats::<WithOncePool>(0, 1, 1, 1, 0);
}

#[test]
fn alloc_with_on_a_full_pool_does_not_call_the_closure() {
    let held: Vec<_> = (0..3)
        .map(|id| WithFullPool::alloc(job(id)).unwrap())
        .collect();
    expect_stats::<WithFullPool>(3, 3, 3, 0, 0);

    let calls = Cell::new(0);
    let result = WithFullPool::alloc_with(|| {
        calls.set(calls.get() + 1);
        job(99)
    });
    assert_eq!(result.err(), Some(PoolError::Exhausted));
    assert_eq!(
        calls.get(),
        0,
        "the closure must not run when there is no block for its item"
    );
    expect_stats::<WithFullPool>(3, 3, 3, 0, 1);
    assert_eq!(
        recorded_for("WithFullPool"),
        [FailureEvent {
            pool: "WithFullPool",
            error: PoolError::Exhausted,
            holders: None,
        }]
    );

    drop(held);
    expect_stats::<WithFullPool>(0, 3, 3, 3, 1);
}

#[test]
fn alloc_with_gives_the_block_back_when_the_closure_panics() {
    let kept = WithPanicPool::alloc(job(1)).unwrap();
    expect_stats::<WithPanicPool>(1, 1, 1, 0, 0);

    let outcome =
        catch_unwind(|| WithPanicPool::alloc_with(|| -> Job { panic!("constructor failed") }));
    assert!(outcome.is_err(), "the panic reaches the caller");

    let stats = WithPanicPool::stats();
    assert_eq!(
        stats.used, 1,
        "the block taken for the panicking constructor is back"
    );
    assert_eq!(
        stats.allocs,
        stats.frees + 1,
        "every block taken was returned except `kept`"
    );
    assert_eq!(
        stats.failures, 0,
        "a panicking constructor is not an exhausted pool"
    );
    assert_eq!(WithPanicPool::validate(), Ok(()));

    // Every block can still be taken: nothing was lost.
    let more: Vec<_> = (2..4)
        .map(|id| WithPanicPool::alloc(job(id)).expect("two blocks are free"))
        .collect();
    assert_eq!(
        WithPanicPool::alloc(job(9)).unwrap_err().error(),
        PoolError::Exhausted
    );
    assert_eq!(WithPanicPool::stats().used, 3);
    assert_eq!(WithPanicPool::validate(), Ok(()));

    // A panic while the pool is full does not reach the closure at all.
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        WithPanicPool::alloc_with(|| -> Job { panic!("not reached") })
    }));
    assert_eq!(
        outcome.expect("no panic: the closure is not called").err(),
        Some(PoolError::Exhausted)
    );

    drop(more);
    drop(kept);
    let stats = WithPanicPool::stats();
    assert_eq!((stats.used, stats.high_water, stats.failures), (0, 3, 2));
    assert_eq!(stats.allocs, stats.frees);
    assert_eq!(WithPanicPool::validate(), Ok(()));
}

#[test]
fn high_water_keeps_the_peak() {
    let first: Vec<_> = (0..3)
        .map(|id| HighWaterPool::alloc(job(id)).unwrap())
        .collect();
    expect_stats::<HighWaterPool>(3, 3, 3, 0, 0);
    drop(first);
    expect_stats::<HighWaterPool>(0, 3, 3, 3, 0);
    let second: Vec<_> = (0..2)
        .map(|id| HighWaterPool::alloc(job(id)).unwrap())
        .collect();
    expect_stats::<HighWaterPool>(2, 3, 5, 3, 0);
    let third: Vec<_> = (0..3)
        .map(|id| HighWaterPool::alloc(job(id)).unwrap())
        .collect();
    expect_stats::<HighWaterPool>(5, 5, 8, 3, 0);
    drop(second);
    drop(third);
    expect_stats::<HighWaterPool>(0, 5, 8, 8, 0);
}

/// Fills any pool through the `StaticPool` trait alone, as generic firmware code would.
fn fill<P: StaticPool>(make: impl Fn(usize) -> P::Item) -> Vec<PoolBox<P>> {
    let mut held = Vec::new();
    loop {
        match P::alloc(make(held.len())) {
            Ok(boxed) => held.push(boxed),
            Err(failed) => {
                assert_eq!(failed.error(), PoolError::Exhausted);
                return held;
            }
        }
    }
}

#[test]
fn generic_code_reaches_every_function_through_the_trait() {
    let held = fill::<GenericPool>(|n| job(n as u32));
    assert_eq!(held.len(), GenericPool::CAPACITY);
    assert_eq!(<GenericPool as StaticPool>::stats(), GenericPool::stats());
    expect_stats::<GenericPool>(3, 3, 3, 0, 1);
    assert_eq!(
        <GenericPool as StaticPool>::alloc_with(|| job(0)).err(),
        Some(PoolError::Exhausted)
    );
    assert_eq!(
        <GenericPool as StaticPool>::alloc_uninit().err(),
        Some(PoolError::Exhausted)
    );
    assert_eq!(
        <GenericPool as StaticPool>::alloc_zeroed().err(),
        Some(PoolError::Exhausted)
    );
    assert_eq!(<GenericPool as StaticPool>::validate(), Ok(()));
    assert_eq!(recorded_for("GenericPool").len(), 4);
    drop(held);
    expect_stats::<GenericPool>(0, 3, 3, 3, 4);
}

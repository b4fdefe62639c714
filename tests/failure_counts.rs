//! A failed allocation counts once, whichever path reached the empty list: pools with counts (the default,
//! `track_callers`, `on_failure`, `wait`, `refcount`) count it in the shared pop (`FreeList::pop_counting`),
//! and their failure path only calls the hook, if any; `stats = false` pools count it in their failure path.
//! Each case fills a pool, fails each allocating entry point once and checks the counters and what came back.

use std::sync::atomic::{AtomicU64, Ordering};

use blockpool::{FailureEvent, PoolError, RawPool, StaticPool, memory_pool};

#[memory_pool(count = 1)]
#[derive(Debug, PartialEq, Eq)]
pub struct Plain(pub u32);

#[memory_pool(count = 1, stats = false)]
#[derive(Debug, PartialEq, Eq)]
pub struct Bare(pub u32);

#[memory_pool(count = 1, track_callers)]
#[derive(Debug, PartialEq, Eq)]
pub struct Tracked(pub u32);

#[memory_pool(count = 1, refcount)]
#[derive(Debug, PartialEq, Eq)]
pub struct Shared(pub u32);

#[memory_pool(count = 1, wait = 1)]
#[derive(Debug, PartialEq, Eq)]
pub struct Waited(pub u32);

/// What `Hooked`'s hook saw of its pool's failure count, once per call.
static SEEN_BY_HOOK: AtomicU64 = AtomicU64::new(0);

fn hook(event: &FailureEvent) {
    assert_eq!(event.error, PoolError::Exhausted);
    SEEN_BY_HOOK.store(HookedPool::stats().failures, Ordering::SeqCst);
}

#[memory_pool(count = 1, on_failure = hook)]
#[derive(Debug, PartialEq, Eq)]
pub struct Hooked(pub u32);

/// Fails `alloc`, `alloc_with`, `alloc_uninit` and `alloc_raw` of the full `pool` once each; `make` builds
/// its item. Returns the failure count after each.
fn fail_each<P: StaticPool + RawPool>(pool: P, make: fn(u32) -> P::Item) -> [u64; 4]
where
    P::Item: PartialEq + core::fmt::Debug,
{
    let held = P::alloc(make(1)).expect("one free block");
    let allocs = <P as StaticPool>::stats().allocs;
    let mut seen = [0; 4];
    let refused = P::alloc(make(2)).unwrap_err();
    assert_eq!(
        (refused.error(), refused.into_inner()),
        (PoolError::Exhausted, make(2))
    );
    seen[0] = <P as StaticPool>::stats().failures;
    assert_eq!(P::alloc_with(|| make(3)).err(), Some(PoolError::Exhausted));
    seen[1] = <P as StaticPool>::stats().failures;
    assert_eq!(P::alloc_uninit().err(), Some(PoolError::Exhausted));
    seen[2] = <P as StaticPool>::stats().failures;
    assert_eq!(pool.alloc_raw(), Err(PoolError::Exhausted));
    seen[3] = <P as StaticPool>::stats().failures;
    assert_eq!(
        <P as StaticPool>::stats().allocs,
        allocs,
        "a failure is no allocation"
    );
    drop(held);
    assert_eq!(<P as StaticPool>::stats().used, 0);
    assert_eq!(P::validate(), Ok(()));
    seen
}

#[test]
fn a_pool_with_counts_counts_each_failure_once_in_its_pop() {
    assert_eq!(fail_each(PlainPool, Plain), [1, 2, 3, 4]);
}

#[test]
fn a_pool_without_counts_counts_each_failure_once_in_its_failure_path() {
    assert_eq!(fail_each(BarePool, Bare), [1, 2, 3, 4]);
}

#[test]
fn a_pool_that_tracks_callers_counts_each_failure_once() {
    assert_eq!(fail_each(TrackedPool, Tracked), [1, 2, 3, 4]);
}

#[test]
fn a_waiting_pool_counts_each_failure_of_its_non_waiting_calls_once() {
    assert_eq!(fail_each(WaitedPool, Waited), [1, 2, 3, 4]);
}

#[test]
fn a_hook_sees_the_failure_already_counted() {
    assert_eq!(fail_each(HookedPool, Hooked), [1, 2, 3, 4]);
    assert_eq!(
        SEEN_BY_HOOK.load(Ordering::SeqCst),
        4,
        "the hook of the 4th failure saw 4"
    );
}

#[test]
fn a_shared_allocation_counts_its_failure_once() {
    let held = SharedPool::alloc_shared(Shared(1)).unwrap();
    let refused = SharedPool::alloc_shared(Shared(2)).unwrap_err();
    assert_eq!(
        (refused.error(), refused.into_inner()),
        (PoolError::Exhausted, Shared(2))
    );
    assert_eq!(SharedPool::stats().failures, 1);
    drop(held);
    assert_eq!(SharedPool::stats().used, 0);
}

//! Trace hooks (`trace = path`): a function called on every allocation, free and failure of a typed pool,
//! with the pool's name and id, the block, and the allocation site where `track_callers` is on; a hook that
//! panics leaves the pool intact.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;

use blockpool::{PoolRc, RawPool, StaticPool, TraceEvent, TraceKind, memory_pool, pool_id};

static SEEN: Mutex<Vec<TraceEvent>> = Mutex::new(Vec::new());

fn record(event: &TraceEvent) {
    SEEN.lock().unwrap().push(*event);
}

/// The events recorded for pool `name`, taken out of the record.
fn seen(name: &str) -> Vec<TraceEvent> {
    let mut all = SEEN.lock().unwrap();
    let (mine, others) = all.drain(..).partition(|event| event.pool == name);
    *all = others;
    mine
}

#[memory_pool(count = 2, trace = record, track_callers)]
#[derive(Debug)]
pub struct Frame(#[allow(dead_code)] u32);

#[test]
fn every_alloc_free_and_failure_is_traced_with_the_block_and_the_site() {
    let first = FramePool::alloc(Frame(1)).unwrap();
    let line = line!() - 1;
    let second = FramePool::alloc_with(|| Frame(2)).unwrap();
    let failed = FramePool::alloc(Frame(3)).unwrap_err();
    drop(first);
    drop(second);
    assert_eq!(failed.into_inner().0, 3, "the value comes back");
    let events = seen("FramePool");
    let kinds: Vec<_> = events.iter().map(|e| (e.kind, e.index)).collect();
    assert_eq!(
        kinds,
        [
            (TraceKind::Alloc, Some(0)),
            (TraceKind::Alloc, Some(1)),
            (TraceKind::Failure(blockpool::PoolError::Exhausted), None),
            (TraceKind::Free, Some(0)),
            (TraceKind::Free, Some(1)),
        ]
    );
    let id = pool_id(module_path!(), "FramePool");
    assert!(events.iter().all(|e| e.id == id));
    let site = events[0].site.expect("track_callers gives the site");
    assert_eq!((site.file(), site.line()), (file!(), line));
    assert_eq!(events[3].site, None, "a free has no site");
    // Review round 14: a failure named a place in the runtime as its site.
    assert_eq!(events[2].site, None, "a failure has no site");
    assert_eq!(
        events[0].to_string(),
        format!("FramePool#0 alloc at {}:{line}:{}", file!(), site.column())
    );
    assert_eq!(events[4].to_string(), "FramePool#1 free");
}

#[memory_pool(count = 2, trace = record, refcount)]
pub struct Shared(#[allow(dead_code)] u32);

#[memory_pool(count = 1, trace = record)]
pub struct Loose(#[allow(dead_code)] u32);

#[test]
fn shared_and_raw_blocks_are_traced_once_per_alloc_and_free() {
    let rc = SharedPool::alloc_shared(Shared(1)).unwrap();
    let clone = PoolRc::clone(&rc);
    drop(rc);
    assert_eq!(seen("SharedPool").len(), 1, "a clone's drop frees nothing");
    drop(clone);
    let events = seen("SharedPool");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, TraceKind::Free);
    assert_eq!(events[0].site, None, "no `track_callers`, no site");

    let block = LoosePool.alloc_raw().unwrap();
    // SAFETY: `block` came from `alloc_raw` and nothing refers into it.
    unsafe { LoosePool.free_raw(block).unwrap() };
    // SAFETY: as above; the second free is refused and not traced.
    assert!(unsafe { LoosePool.free_raw(block) }.is_err());
    let kinds: Vec<_> = seen("LoosePool").iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [TraceKind::Alloc, TraceKind::Free]);
}

fn explode(event: &TraceEvent) {
    if event.kind == TraceKind::Alloc {
        panic!("the hook panics on {event}");
    }
}

#[memory_pool(count = 1, trace = explode)]
pub struct Fragile(#[allow(dead_code)] u32);

/// A hook that panics after an allocation unwinds to the caller; the block went into its handle before
/// the hook ran, so the unwinding drops the handle and the block is back.
#[test]
fn a_panicking_hook_leaves_the_pool_intact() {
    for _ in 0..3 {
        let outcome = catch_unwind(AssertUnwindSafe(|| FragilePool::alloc(Fragile(1))));
        assert!(outcome.is_err());
        FragilePool::assert_empty();
        FragilePool::validate().unwrap();
    }
    let outcome = catch_unwind(AssertUnwindSafe(|| FragilePool::alloc_uninit().map(drop)));
    assert!(outcome.is_err());
    FragilePool::assert_empty();
    assert_eq!(FragilePool::stats().allocs, FragilePool::stats().frees);
}

#[memory_pool(count = 1, trace = record, wait = 2, track_callers)]
pub struct Awaited(#[allow(dead_code)] u32);

/// A block handed to a waiting task is traced as the free that gave it and the task's allocation.
#[test]
fn a_hand_off_is_traced_as_a_free_and_an_allocation() {
    let held = AwaitedPool::alloc(Awaited(1)).unwrap();
    let mut waiting = AwaitedPool::alloc_async(Awaited(2));
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    assert!(std::pin::Pin::new(&mut waiting).poll(&mut cx).is_pending());
    drop(held);
    let std::task::Poll::Ready(Ok(got)) = std::pin::Pin::new(&mut waiting).poll(&mut cx) else {
        panic!("handed over");
    };
    drop(got);
    let events = seen("AwaitedPool");
    let kinds: Vec<_> = events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            TraceKind::Alloc,
            TraceKind::Free,
            TraceKind::Alloc,
            TraceKind::Free
        ]
    );
    assert!(events[0].site.is_some(), "`alloc` has its site");
    // Review round 14: the async allocation named a place in the runtime as its site.
    assert_eq!(events[2].site, None, "`alloc_async` has none");
}

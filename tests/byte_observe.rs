//! Byte pools with `track_callers` and `trace = path`: every buffer in use remembers where it was
//! allocated (through `alloc_bytes`, `alloc_bytes_aligned`, `grow` and `try_clone`; the allocator
//! interfaces record no site), `holders()` / `holder_sites()` answer "who holds the buffers?", the
//! `on_failure` hook is told who holds them, and the trace hook sees every allocation, free and failure with
//! the class and block. A pool with `track_callers` on a typed pool tells its failure hook the same.

use std::alloc::{GlobalAlloc, Layout};
use std::panic::{AssertUnwindSafe, Location, catch_unwind};
use std::sync::Mutex;

use allocator_api2::alloc::Allocator;
use blockpool::{
    ByteHolder, FailureEvent, PoolBytes, PoolError, TraceEvent, TraceKind, memory_pool, pool_id,
    pools,
};

static EVENTS: Mutex<Vec<TraceEvent>> = Mutex::new(Vec::new());
static FAILURES: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn record(event: &TraceEvent) {
    EVENTS.lock().unwrap().push(*event);
}

/// Keeps what the failure hook was told, written out while the pool is as it was at the failure.
fn failed(event: &FailureEvent) {
    FAILURES.lock().unwrap().push(event.to_string());
}

/// The events recorded for pool `name`, taken out of the record.
fn seen(name: &str) -> Vec<TraceEvent> {
    let mut all = EVENTS.lock().unwrap();
    let (mine, others) = all.drain(..).partition(|event| event.pool == name);
    *all = others;
    mine
}

/// The failure messages of pool `name`, taken out of the record.
fn failures(name: &str) -> Vec<String> {
    let mut all = FAILURES.lock().unwrap();
    let (mine, others) = all
        .drain(..)
        .partition(|message| message.starts_with(&format!("pool `{name}`")));
    *all = others;
    mine
}

#[track_caller]
fn here() -> &'static Location<'static> {
    Location::caller()
}

pools! {
    Tracked(classes = [(32, 2), (128, 3)], track_callers);
    Full(classes = [(32, 2), (128, 2)], track_callers, on_failure = failed);
    Traced(classes = [(32, 1), (128, 1)], trace = record);
    Both(classes = [(64, 2)], trace = record, track_callers);
    Allocs(classes = [(64, 2), (256, 1)], track_callers, trace = record);
    Leaky(classes = [(16, 2)], track_callers);
    Panicky(classes = [(32, 1)], trace = panicking_trace);
}

#[test]
fn each_buffer_remembers_the_line_that_allocated_it() {
    let (small, at_small) = (Tracked::alloc_bytes(10).unwrap(), here());
    let (large, at_large) = (Tracked::alloc_bytes_aligned(100, 8).unwrap(), here());
    let holders: Vec<ByteHolder> = Tracked::holders().collect();
    assert_eq!(holders.len(), 2);
    assert_eq!((holders[0].class, holders[0].block_size), (0, 32));
    assert_eq!((holders[1].class, holders[1].block_size), (1, 128));
    let small_site = holders[0].site.expect("tracked");
    assert_eq!(
        (small_site.file(), small_site.line()),
        (file!(), at_small.line())
    );
    assert_eq!(holders[1].site.unwrap().line(), at_large.line());
    drop(small);
    assert_eq!(
        Tracked::holders().count(),
        1,
        "a freed buffer is no longer a holder"
    );
    // `grow` moves the buffer to a larger block: its site is where it grew.
    let grown = Tracked::alloc_bytes(8).unwrap().grow(64).unwrap();
    let at_grow = line!() - 1;
    assert_eq!(grown.block_size(), 128);
    let clone = grown.try_clone().unwrap();
    let at_clone = line!() - 1;
    let sites: Vec<_> = Tracked::holders().map(|h| h.site.unwrap().line()).collect();
    assert_eq!(sites, [at_large.line(), at_grow, at_clone]);
    drop((large, grown, clone));
    assert_eq!(Tracked::holders().count(), 0);
    Tracked::assert_empty();
}

fn radio() -> PoolBytes<Full> {
    Full::alloc_bytes(20).unwrap()
}

#[test]
fn the_failure_hook_and_the_summary_name_who_holds_the_buffers() {
    let held = [radio(), radio(), radio(), radio()];
    let line = Full::holders().next().unwrap().site.unwrap().line();
    let summary = format!("4/4 in use: 4 at {}:{line}:5", file!());
    assert_eq!(Full::holder_sites().to_string(), summary);
    assert_eq!(Full::holder_sites().collect::<Vec<_>>().len(), 1);
    assert_eq!(Full::alloc_bytes(1).unwrap_err(), PoolError::Exhausted);
    assert_eq!(
        failures("Full"),
        [format!(
            "pool `Full`: every block of the pool is in use; {summary}"
        )]
    );
    let panic = catch_unwind(Full::assert_empty).unwrap_err();
    let message = panic.downcast_ref::<String>().unwrap();
    assert_eq!(
        message,
        &format!("pool `Full` has blocks in use: {summary}")
    );
    drop(held);
}

#[memory_pool(count = 2, track_callers, on_failure = failed)]
pub struct Frame(#[allow(dead_code)] u32);

#[test]
fn a_typed_pools_failure_hook_is_told_who_holds_the_blocks() {
    let held: Vec<_> = (0..2)
        .map(|i| FramePool::alloc(Frame(i)).unwrap())
        .collect();
    let site = FramePool::holders().next().unwrap().site.unwrap();
    assert_eq!((site.file(), site.line()), (file!(), line!() - 3));
    assert!(FramePool::alloc(Frame(3)).is_err());
    assert_eq!(
        failures("FramePool"),
        [format!(
            "pool `FramePool`: every block of the pool is in use; 2/2 in use: 2 at {site}"
        )]
    );
    drop(held);
}

#[test]
fn every_alloc_free_and_failure_is_traced_with_class_and_block() {
    let small = Traced::alloc_bytes(8).unwrap();
    let large = Traced::alloc_bytes(64).unwrap();
    assert_eq!(Traced::alloc_bytes(64).unwrap_err(), PoolError::Exhausted);
    drop(small);
    drop(large);
    let events = seen("Traced");
    let kinds: Vec<_> = events.iter().map(|e| (e.kind, e.class, e.index)).collect();
    assert_eq!(
        kinds,
        [
            (TraceKind::Alloc, Some(0), Some(0)),
            (TraceKind::Alloc, Some(1), Some(0)),
            (TraceKind::Failure(PoolError::Exhausted), None, None),
            (TraceKind::Free, Some(0), Some(0)),
            (TraceKind::Free, Some(1), Some(0)),
        ]
    );
    let id = pool_id(module_path!(), "Traced");
    assert!(events.iter().all(|e| e.id == id));
    assert!(
        events.iter().all(|e| e.site.is_none()),
        "no `track_callers`: no sites"
    );
    assert_eq!(events[1].to_string(), "Traced#1.0 alloc");
    assert_eq!(
        events[2].to_string(),
        "Traced failure: every block of the pool is in use"
    );
}

#[test]
fn with_track_callers_the_trace_event_has_the_site() {
    let buffer = Both::alloc_bytes(1).unwrap();
    let line = line!() - 1;
    drop(buffer);
    let events = seen("Both");
    assert_eq!(events.len(), 2);
    let site = events[0].site.expect("site");
    assert_eq!((site.file(), site.line()), (file!(), line));
    assert_eq!(
        events[0].to_string(),
        format!("Both#0.0 alloc at {}:{line}:{}", file!(), site.column())
    );
    assert_eq!(events[1].site, None, "a free has no site");
}

#[test]
fn the_allocator_interfaces_are_traced_and_record_no_site() {
    let layout = Layout::from_size_align(40, 8).unwrap();
    let block = Allocs.allocate(layout).unwrap();
    let holders: Vec<_> = Allocs::holders().collect();
    assert_eq!(holders.len(), 1);
    assert_eq!(
        holders[0].site, None,
        "allocated through `Allocator`: no site"
    );
    assert!(
        Allocs::holder_sites()
            .to_string()
            .ends_with("1 at an unrecorded site")
    );
    // Growing out of the block moves the allocation: an alloc of the new block, a free of the old one.
    let new = Layout::from_size_align(200, 8).unwrap();
    // SAFETY: `block` came from this pool with `layout`; the new size is larger.
    let grown = unsafe { Allocs.grow(block.cast(), layout, new) }.unwrap();
    // SAFETY: `grown` came from this pool with `new`, and is not used afterwards.
    unsafe { Allocs.deallocate(grown.cast(), new) };
    // SAFETY: a non-zero layout; the pointer goes back just below.
    let raw = unsafe { Allocs.alloc(layout) };
    assert!(!raw.is_null());
    // SAFETY: `raw` came from this pool with `layout`, and is not used afterwards.
    unsafe { Allocs.dealloc(raw, layout) };
    let events = seen("Allocs");
    let kinds: Vec<_> = events
        .iter()
        .map(|e| (e.kind, e.class, e.index, e.site))
        .collect();
    assert_eq!(
        kinds,
        [
            (TraceKind::Alloc, Some(0), Some(0), None),
            (TraceKind::Alloc, Some(1), Some(0), None),
            (TraceKind::Free, Some(0), Some(0), None),
            (TraceKind::Free, Some(1), Some(0), None),
            (TraceKind::Alloc, Some(0), Some(0), None),
            (TraceKind::Free, Some(0), Some(0), None),
        ]
    );
    assert_eq!(Allocs::holders().count(), 0);
}

fn panicking_trace(event: &TraceEvent) {
    if event.kind == TraceKind::Alloc {
        panic!("trace hook panicked: {event}");
    }
}

#[test]
fn a_trace_hook_that_panics_in_alloc_bytes_leaves_the_pool_whole() {
    let panic = catch_unwind(AssertUnwindSafe(|| Panicky::alloc_bytes(4))).unwrap_err();
    assert!(
        panic
            .downcast_ref::<String>()
            .unwrap()
            .contains("trace hook panicked")
    );
    // The buffer was in its handle when the hook ran: the unwind dropped it, freeing the block.
    let stats = Panicky::stats();
    assert_eq!((stats.used, stats.allocs, stats.frees), (0, 1, 1));
    assert_eq!(Panicky::validate(), Ok(()));
}

#[test]
#[cfg_attr(miri, ignore = "Miri does not support linkme's section bounds")]
fn the_registry_and_the_dump_show_the_sites() {
    let kept = Leaky::alloc_bytes(3).unwrap();
    let line = line!() - 1;
    let entry = blockpool::registry().by_name("Leaky").expect("registered");
    assert_eq!(
        entry.holders().to_string(),
        format!("1/2 in use: 1 at {}:{line}:16", file!())
    );
    let dump = format!("{:?}", entry.dump());
    assert!(
        dump.contains(&format!("held_at: [\"1 at {}:{line}:16\"]", file!())),
        "{dump}"
    );
    drop(kept);
    assert_eq!(entry.holders().to_string(), "0/2 in use");
}

// Review round 17: a trace hook that panics once, on the paths where a panic could leave a future naming a
// slot the queue had emptied, lose a block, or leave a freed block's site behind.

static PANIC_ONCE_ON: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

/// Panics once, on the first event of the kind armed in `PANIC_ONCE_ON` (1: alloc, 2: free).
fn panics_once(event: &TraceEvent) {
    use std::sync::atomic::Ordering;
    let kind = match event.kind {
        TraceKind::Alloc => 1,
        TraceKind::Free => 2,
        TraceKind::Failure(_) => 3,
    };
    if PANIC_ONCE_ON
        .compare_exchange(kind, 0, Ordering::SeqCst, Ordering::SeqCst)
        .is_ok()
    {
        panic!("the trace hook panics once: {event}");
    }
}

/// Serialises the tests that arm `PANIC_ONCE_ON`.
static ARMED: Mutex<()> = Mutex::new(());

fn arm(kind: u8) {
    PANIC_ONCE_ON.store(kind, std::sync::atomic::Ordering::SeqCst);
}

pools! {
    map = PANIC_MAP;
    Waity(classes = [(32, 1)], wait = 2, trace = panics_once);
    Grows(classes = [(32, 1), (128, 1)], trace = panics_once, track_callers);
    HandedBytes(classes = [(32, 1)], wait = 1, track_callers);
}

fn poll_once<F: std::future::Future + Unpin>(future: &mut F) -> std::task::Poll<F::Output> {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    std::pin::Pin::new(future).poll(&mut cx)
}

#[test]
fn a_hook_that_panics_as_a_waiting_future_takes_its_block_leaves_no_stale_slot() {
    let _armed = ARMED.lock().unwrap();
    let held = Waity::alloc_bytes(8).unwrap();
    let mut first = Waity::alloc_bytes_async(8);
    assert!(poll_once(&mut first).is_pending());
    drop(held); // handed to `first`'s slot
    arm(1);
    assert!(catch_unwind(AssertUnwindSafe(|| poll_once(&mut first))).is_err());
    assert_eq!(
        Waity::stats().used,
        0,
        "the unwind dropped the buffer, freeing the block"
    );
    // Another task waits in the slot `first` had; `first` must not touch it any more.
    let held = Waity::alloc_bytes(8).unwrap();
    let mut second = Waity::alloc_bytes_async(8);
    assert!(poll_once(&mut second).is_pending());
    assert!(
        poll_once(&mut first).is_pending(),
        "a finished future takes nothing"
    );
    drop(first); // and cancels nothing
    assert_eq!(Waity::wait_stats().waiting, 1, "`second` still waits");
    drop(held); // handed to `second`
    assert!(matches!(
        poll_once(&mut second),
        std::task::Poll::Ready(Ok(_))
    ));
    assert_eq!(Waity::stats().used, 0);
    assert_eq!(Waity::validate(), Ok(()));
}

#[test]
fn a_hook_that_panics_on_grows_free_of_the_old_buffer_loses_no_block() {
    let _armed = ARMED.lock().unwrap();
    let small = Grows::alloc_bytes(10).unwrap();
    arm(2);
    assert!(catch_unwind(AssertUnwindSafe(|| drop(small.grow(100)))).is_err());
    assert_eq!(Grows::stats().used, 0, "{}", Grows::holder_sites());
    assert_eq!(Grows::validate(), Ok(()));
}

#[test]
fn a_block_handed_to_a_waiting_task_names_no_earlier_holder() {
    let held = HandedBytes::alloc_bytes(8).unwrap();
    let mut waiting = HandedBytes::alloc_bytes_async(8);
    assert!(poll_once(&mut waiting).is_pending());
    drop(held); // handed to `waiting`, which has not polled yet: in use, with no holder's site
    let holders: Vec<_> = HandedBytes::holders().collect();
    assert_eq!(holders.len(), 1);
    assert_eq!(holders[0].site, None, "the dropped buffer's site is gone");
    assert!(poll_once(&mut waiting).is_ready());
}

#[memory_pool(count = 1, wait = 1, track_callers)]
pub struct Handed(#[allow(dead_code)] u8);

#[test]
fn a_typed_block_handed_to_a_waiting_task_names_no_earlier_holder() {
    let held = HandedPool::alloc(Handed(1)).unwrap();
    let mut waiting = HandedPool::alloc_async(Handed(2));
    assert!(poll_once(&mut waiting).is_pending());
    drop(held);
    let holders: Vec<_> = HandedPool::holders().collect();
    assert_eq!(holders.len(), 1);
    assert_eq!(holders[0].site, None, "the dropped box's site is gone");
    assert!(poll_once(&mut waiting).is_ready());
}

//! The options of `#[memory_pool]` as seen from a running program: `align`, `max_size`, `name`, `count` as a
//! const expression, `link_section`, `on_failure`; the `StaticPool` constants; and the pool's `Debug` dump.
//! (`zeroize` has a file of its own; the compile errors are the UI tests'.)
// The macros' compile-time checks are the macro's code, not the user's: clippy's pedantic `manual_assert`
// took them for the user's (review round 28). CI's clippy run denies it here.
#![deny(clippy::manual_assert)]

use std::alloc::Layout;
use std::any::TypeId;
use std::mem::size_of;
use std::sync::Mutex;

use blockpool::{FailureEvent, PoolBox, PoolError, RawPool, StaticPool, memory_pool};
use static_assertions::assert_type_eq_all;

/// Small and 1-aligned, so that every bit of a 64-byte alignment comes from the option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tiny(pub u8);

#[memory_pool(type = Tiny, count = 8, align = 64)]
pub struct Aligned64;

#[memory_pool(type = Tiny, count = 3, align = 4096)]
pub struct Aligned4096;

/// `align` equal to the item's own alignment is accepted and changes nothing.
#[memory_pool(type = u64, count = 2, align = 8)]
pub struct AlignedAsItem;

/// Exactly at the limit.
#[memory_pool(count = 2, max_size = 16)]
pub struct Exactly16(pub [u8; 16]);

/// A const-expression limit above the size.
#[memory_pool(count = 2, max_size = 2 * size_of::<u64>() + 16)]
pub struct UnderLimit(pub [u32; 4]);

static EVENTS: Mutex<Vec<FailureEvent>> = Mutex::new(Vec::new());

fn record(event: &FailureEvent) {
    EVENTS.lock().unwrap().push(*event);
}

/// Renamed: the pool is `Telemetry`, not `SamplePool`.
#[memory_pool(count = 2, name = Telemetry, on_failure = record)]
#[derive(Debug, PartialEq, Eq)]
pub struct Sample(pub u32);

const DEPTH: usize = 3;

#[memory_pool(count = DEPTH * 2)]
pub struct Queued(pub u16);

// Braces in the options' tokens (a block, a `const` block, an array length), which the compile-time
// checks quote in their messages: they compiled to an invalid format string before review round 26.
#[memory_pool(count = { const N: usize = DEPTH; N }, max_size = { const BYTES: usize = 2 * DEPTH; BYTES })]
pub struct Braced(pub u16);

const fn depth(n: usize) -> usize {
    n
}

// Options that end in a call's parenthesis, where `manual_assert` fired on the checks.
#[memory_pool(count = depth(DEPTH), max_size = core::mem::size_of::<u64>())]
pub struct Called(pub u32);

#[memory_pool(count = const { DEPTH + 1 }, wait = 1)]
pub struct BracedWait(pub u16);

blockpool::pools! {
    map = BRACED_MAP;
    pub BracedArrays(type = [u8; { const N: usize = DEPTH; N }], count = { const N: usize = DEPTH; N });
}

#[memory_pool(count = 4, link_section = unsafe(".data.blockpool_test"))]
#[derive(Debug, PartialEq, Eq)]
pub struct Placed(pub [u32; 4]);

#[memory_pool(type = Tiny, count = 4)]
pub struct DumpPool;

#[memory_pool(type = Tiny, count = 2)]
pub struct ConstantsPool;

#[test]
fn align_64_aligns_every_block() {
    let raw: &dyn RawPool = &Aligned64;
    assert_eq!(
        raw.layout(),
        Layout::from_size_align(64, 64).unwrap(),
        "a 1-byte item in a 64-byte block"
    );

    let held: Vec<PoolBox<Aligned64>> =
        (0..8).map(|n| Aligned64::alloc(Tiny(n)).unwrap()).collect();
    let mut addresses: Vec<usize> = held
        .iter()
        .map(|boxed| PoolBox::as_ptr(boxed).as_ptr().addr())
        .collect();
    for address in &addresses {
        assert_eq!(address % 64, 0, "block at {address:#x} is not 64-aligned");
    }
    addresses.sort_unstable();
    for pair in addresses.windows(2) {
        assert_eq!(
            pair[1] - pair[0],
            64,
            "blocks are consecutive 64-byte slots"
        );
    }
    for (n, boxed) in held.iter().enumerate() {
        assert_eq!(**boxed, Tiny(n as u8));
    }
    assert_eq!(Aligned64::validate(), Ok(()));
}

#[test]
fn align_4096_aligns_every_block() {
    let raw: &dyn RawPool = &Aligned4096;
    assert_eq!(raw.layout(), Layout::from_size_align(4096, 4096).unwrap());
    let held: Vec<_> = (0..3)
        .map(|n| Aligned4096::alloc(Tiny(n)).unwrap())
        .collect();
    for boxed in &held {
        assert_eq!(PoolBox::as_ptr(boxed).as_ptr().addr() % 4096, 0);
    }
    // Raw blocks too.
    drop(held);
    let block = raw.alloc_raw().unwrap();
    assert_eq!(block.as_ptr().addr() % 4096, 0);
    // SAFETY: `block` was just taken with `alloc_raw` and is not used afterwards.
    assert_eq!(unsafe { raw.free_raw(block) }, Ok(()));
}

#[test]
fn align_equal_to_the_item_alignment() {
    let raw: &dyn RawPool = &AlignedAsItem;
    assert_eq!(raw.layout(), Layout::new::<u64>());
    let a = AlignedAsItem::alloc(u64::MAX).unwrap();
    let b = AlignedAsItem::alloc(1).unwrap();
    assert_eq!((*a).wrapping_add(*b), 0);
    assert_eq!(PoolBox::as_ptr(&a).as_ptr().addr() % 8, 0);
}

#[test]
fn max_size_accepts_items_that_fit() {
    let exact = Exactly16Pool::alloc(Exactly16([0xAB; 16])).unwrap();
    assert_eq!(exact.0, [0xAB; 16]);
    assert_eq!((&Exactly16Pool as &dyn RawPool).layout().size(), 16);
    let under = UnderLimitPool::alloc(UnderLimit([1, 2, 3, 4])).unwrap();
    assert_eq!(under.0.iter().sum::<u32>(), 10);
}

#[test]
fn name_renames_the_pool_everywhere() {
    assert_eq!(Telemetry::NAME, "Telemetry");
    assert_eq!((&Telemetry as &dyn RawPool).name(), "Telemetry");
    assert_type_eq_all!(<Telemetry as StaticPool>::Item, Sample);

    let a = Telemetry::alloc(Sample(1)).unwrap();
    let b = Telemetry::alloc(Sample(2)).unwrap();
    let failed = Telemetry::alloc(Sample(3)).unwrap_err();
    assert_eq!(failed.into_inner(), Sample(3));
    let events = EVENTS.lock().unwrap().clone();
    assert_eq!(
        events,
        [FailureEvent {
            pool: "Telemetry",
            error: PoolError::Exhausted,
            holders: None,
        }]
    );
    assert_eq!(
        events[0].to_string(),
        format!("pool `Telemetry`: {}", PoolError::Exhausted)
    );
    assert!(format!("{Telemetry:?}").starts_with("Telemetry {"));
    drop((a, b));
}

#[test]
fn options_with_braces_compile_and_mean_what_they_say() {
    assert_eq!(BracedPool::CAPACITY, DEPTH);
    assert_eq!(BracedWaitPool::CAPACITY, DEPTH + 1);
    assert_eq!(BracedArrays::CAPACITY, DEPTH);
    assert_eq!(CalledPool::CAPACITY, DEPTH);
    let braced = BracedArrays::alloc([7; DEPTH]).unwrap();
    assert_eq!(*braced, [7; DEPTH]);
}

#[test]
fn count_takes_a_const_expression() {
    assert_eq!(QueuedPool::CAPACITY, DEPTH * 2);
    assert_eq!(QueuedPool::stats().capacity, 6);
    let held: Vec<_> = (0..6)
        .map(|n| QueuedPool::alloc(Queued(n)).expect("six blocks"))
        .collect();
    assert_eq!(
        QueuedPool::alloc(Queued(6))
            .err()
            .map(|failed| failed.error()),
        Some(PoolError::Exhausted)
    );
    assert_eq!(
        held.iter().map(|q| q.0).collect::<Vec<_>>(),
        [0, 1, 2, 3, 4, 5]
    );
    assert_eq!(QueuedPool::stats().used, 6);
    assert_eq!(QueuedPool::validate(), Ok(()));
}

#[test]
fn link_section_places_a_working_pool() {
    let a = PlacedPool::alloc(Placed([1, 2, 3, 4])).unwrap();
    let b = PlacedPool::alloc(Placed([5, 6, 7, 8])).unwrap();
    assert_eq!(*a, Placed([1, 2, 3, 4]));
    assert_eq!(*b, Placed([5, 6, 7, 8]));
    drop(a);
    let c = PlacedPool::alloc(Placed([9; 4])).unwrap();
    assert_eq!(c.0, [9; 4]);
    let stats = PlacedPool::stats();
    assert_eq!(
        (stats.capacity, stats.used, stats.allocs, stats.frees),
        (4, 2, 3, 1)
    );
    assert_eq!(PlacedPool::validate(), Ok(()));
}

/// What generic code sees of a pool.
fn describe<P: StaticPool>() -> (&'static str, usize, usize, TypeId) {
    (
        P::NAME,
        P::CAPACITY,
        size_of::<P::Item>(),
        TypeId::of::<P::Item>(),
    )
}

#[test]
fn static_pool_constants() {
    assert_eq!(
        describe::<ConstantsPool>(),
        ("ConstantsPool", 2, 1, TypeId::of::<Tiny>())
    );
    assert_eq!(
        describe::<Telemetry>(),
        ("Telemetry", 2, 4, TypeId::of::<Sample>())
    );
    assert_eq!(
        describe::<QueuedPool>(),
        ("QueuedPool", 6, 2, TypeId::of::<Queued>())
    );
    assert_eq!(
        describe::<Aligned64>(),
        ("Aligned64", 8, 1, TypeId::of::<Tiny>())
    );
    assert_eq!(
        describe::<PlacedPool>(),
        ("PlacedPool", 4, 16, TypeId::of::<Placed>())
    );
    // The pool value reports the same through `RawPool`.
    assert_eq!((&ConstantsPool as &dyn RawPool).name(), ConstantsPool::NAME);
    assert_eq!(
        (&ConstantsPool as &dyn RawPool).stats().capacity,
        ConstantsPool::CAPACITY
    );
}

#[test]
fn debug_dump_shows_the_counters_and_the_blocks_in_use() {
    assert_eq!(
        format!("{DumpPool:?}"),
        "DumpPool { capacity: 4, used: 0, high_water: 0, allocs: 0, frees: 0, failures: 0, in_use: [] }"
    );

    let mut held: Vec<PoolBox<DumpPool>> =
        (0..4).map(|n| DumpPool::alloc(Tiny(n)).unwrap()).collect();
    assert!(DumpPool::alloc(Tiny(9)).is_err());
    // Free the second and fourth block by address, whatever order they were handed out in; blocks are
    // numbered by address, so blocks 0 and 2 stay in use.
    held.sort_by_key(|boxed| PoolBox::as_ptr(boxed).as_ptr().addr());
    let fourth = held.remove(3);
    let second = held.remove(1);
    drop((second, fourth));

    let dump = format!("{DumpPool:?}");
    assert_eq!(
        dump,
        "DumpPool { capacity: 4, used: 2, high_water: 4, allocs: 4, frees: 2, failures: 1, in_use: [0, 2] }"
    );
    let pretty = format!("{DumpPool:#?}");
    for part in [
        "DumpPool {",
        "capacity: 4,",
        "used: 2,",
        "in_use: [",
        "0,",
        "2,",
    ] {
        assert!(pretty.contains(part), "{part:?} missing from {pretty}");
    }
    drop(held);
    assert!(format!("{DumpPool:?}").ends_with("in_use: [] }"));
}

/// A pool that keeps no bookkeeping: the fastest alloc and free.
#[memory_pool(count = 3, stats = false)]
#[derive(Debug, PartialEq)]
pub struct Reading(u32);

blockpool::pools! {
    pub Scratch(type = [u8; 16], count = 2, stats = false, zeroize);
}

#[test]
fn stats_false_pools_hand_out_every_block_and_give_the_value_back_when_full() {
    let held: Vec<PoolBox<ReadingPool>> = (0..3)
        .map(|i| ReadingPool::alloc(Reading(i)).unwrap())
        .collect();
    let error = ReadingPool::alloc(Reading(9)).unwrap_err();
    assert_eq!(error.error(), PoolError::Exhausted);
    assert_eq!(error.into_inner(), Reading(9));
    let stats = ReadingPool::stats();
    // Nothing is counted but failures; `used` is found by walking the free list.
    assert_eq!(
        (
            stats.capacity,
            stats.used,
            stats.high_water,
            stats.allocs,
            stats.frees,
            stats.failures
        ),
        (3, 3, 0, 0, 0, 1)
    );
    ReadingPool::validate().unwrap();
    let dump = format!("{:?}", ReadingPool);
    assert_eq!(dump, "ReadingPool { capacity: 3, used: 3, failures: 1 }");
    drop(held);
    <ReadingPool as blockpool::StaticPool>::assert_empty();
    ReadingPool::validate().unwrap();
    let again = ReadingPool::alloc(Reading(4)).unwrap();
    assert_eq!(*again, Reading(4));
}

#[test]
fn stats_false_pools_keep_the_raw_checks_and_zeroize() {
    let raw: &dyn RawPool = &Scratch;
    let typed = Scratch::alloc([7; 16]).unwrap();
    let typed_ptr = std::ptr::NonNull::from(&*typed).cast::<u8>();
    let block = raw.alloc_raw().unwrap();
    // SAFETY: the typed block is owned by `typed`: the checked free refuses it; `block` came from
    // `alloc_raw` and is freed once, then refused.
    unsafe {
        assert_eq!(raw.free_raw(typed_ptr), Err(PoolError::DoubleFree));
        assert_eq!(raw.free_raw(block), Ok(()));
        assert_eq!(raw.free_raw(block), Err(PoolError::DoubleFree));
    }
    drop(typed);
    Scratch::validate().unwrap();
    // Both blocks were wiped when freed.
    let a = Scratch::alloc_uninit().unwrap();
    let b = Scratch::alloc_uninit().unwrap();
    // SAFETY: the pool is `zeroize`, so its free blocks hold zeros, a valid `[u8; 16]`.
    let (a, b) = unsafe { (a.assume_init(), b.assume_init()) };
    assert_eq!((*a, *b), ([0; 16], [0; 16]));
}

//! Every item is dropped exactly once, whichever way its handle ends (dropped, `into_inner`, `leak`,
//! `into_raw`/`from_raw`, pinned, a failed allocation), and a destructor that panics still gives its block
//! back.
//!
//! Each test has its own drop counter and its own pool, so the counts are exact although the tests run in
//! parallel.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};

use blockpool::{PoolBox, PoolError, StaticPool, memory_pool};

/// An item that counts its drops in a counter of the test's own.
#[derive(Debug)]
pub struct Tracked {
    pub id: u32,
    drops: &'static AtomicUsize,
}

impl Tracked {
    fn new(id: u32, drops: &'static AtomicUsize) -> Self {
        Self { id, drops }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

/// An item whose destructor panics when armed (after counting the drop).
pub struct Bomb {
    armed: bool,
    drops: &'static AtomicUsize,
}

impl Drop for Bomb {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
        if self.armed {
            panic!("Bomb's destructor panics");
        }
    }
}

#[memory_pool(type = Tracked, count = 2)]
pub struct DropPool;

#[memory_pool(type = Tracked, count = 2)]
pub struct ManyPool;

/// One block, so that the next allocation certainly gets the block `into_inner` freed.
#[memory_pool(type = Tracked, count = 1)]
pub struct IntoInnerPool;

#[memory_pool(type = Tracked, count = 2)]
pub struct LeakPool;

#[memory_pool(type = Tracked, count = 2)]
pub struct RawRoundTripPool;

#[memory_pool(type = Tracked, count = 1)]
pub struct FailedAllocPool;

#[memory_pool(type = Tracked, count = 1)]
pub struct PinPool;

#[memory_pool(type = Tracked, count = 1)]
pub struct UninitDropPool;

#[memory_pool(type = Bomb, count = 2)]
pub struct BombPool;

#[track_caller]
fn expect_counts<P: StaticPool>(used: usize, allocs: u64, frees: u64) {
    let stats = P::stats();
    assert_eq!(
        (stats.used, stats.allocs, stats.frees),
        (used, allocs, frees),
        "stats of {}",
        P::NAME
    );
    assert_eq!(P::validate(), Ok(()));
}

#[test]
fn dropping_the_handle_drops_the_item_once_and_frees_the_block() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    let boxed = DropPool::alloc(Tracked::new(1, &DROPS)).unwrap();
    assert_eq!(
        DROPS.load(Ordering::SeqCst),
        0,
        "moving into the pool drops nothing"
    );
    expect_counts::<DropPool>(1, 1, 0);
    drop(boxed);
    assert_eq!(DROPS.load(Ordering::SeqCst), 1);
    expect_counts::<DropPool>(0, 1, 1);
}

#[test]
fn dropping_many_handles_drops_each_item_once() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    for round in 0..5u32 {
        let both = [
            ManyPool::alloc(Tracked::new(round, &DROPS)).unwrap(),
            ManyPool::alloc(Tracked::new(round + 100, &DROPS)).unwrap(),
        ];
        assert_eq!(both[0].id, round);
        assert_eq!(both[1].id, round + 100);
        drop(both);
        assert_eq!(DROPS.load(Ordering::SeqCst), 2 * (round as usize + 1));
    }
    expect_counts::<ManyPool>(0, 10, 10);
}

#[test]
fn into_inner_moves_the_item_out_without_dropping_it() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    let boxed = IntoInnerPool::alloc(Tracked::new(5, &DROPS)).unwrap();
    let block = PoolBox::as_ptr(&boxed);
    let item = PoolBox::into_inner(boxed);
    assert_eq!(item.id, 5);
    assert_eq!(
        DROPS.load(Ordering::SeqCst),
        0,
        "the item was moved out, not dropped"
    );
    expect_counts::<IntoInnerPool>(0, 1, 1);

    // The block is free although the item still lives: it is handed out again.
    let next = IntoInnerPool::alloc(Tracked::new(6, &DROPS)).unwrap();
    assert_eq!(PoolBox::as_ptr(&next).cast::<u8>(), block.cast::<u8>());
    assert_eq!(
        item.id, 5,
        "the moved-out item is independent of its old block"
    );
    drop(next);
    assert_eq!(DROPS.load(Ordering::SeqCst), 1);
    drop(item);
    assert_eq!(DROPS.load(Ordering::SeqCst), 2);
    expect_counts::<IntoInnerPool>(0, 2, 2);
}

#[test]
fn leak_never_drops_and_keeps_the_block_in_use() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    let boxed = LeakPool::alloc(Tracked::new(9, &DROPS)).unwrap();
    let leaked: &'static mut Tracked = PoolBox::leak(boxed);
    leaked.id = 10;
    assert_eq!(DROPS.load(Ordering::SeqCst), 0);
    expect_counts::<LeakPool>(1, 1, 0);

    // The other block still works, and freeing it leaves the leaked one in use.
    let other = LeakPool::alloc(Tracked::new(11, &DROPS)).unwrap();
    assert_eq!(
        LeakPool::alloc(Tracked::new(12, &DROPS))
            .unwrap_err()
            .error(),
        PoolError::Exhausted
    );
    assert_eq!(
        DROPS.load(Ordering::SeqCst),
        1,
        "the rejected value was dropped with its error"
    );
    drop(other);
    assert_eq!(DROPS.load(Ordering::SeqCst), 2);
    expect_counts::<LeakPool>(1, 2, 1);
    assert_eq!(leaked.id, 10, "the leaked item is intact");
}

#[test]
fn into_raw_and_from_raw_round_trip() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    let boxed = RawRoundTripPool::alloc(Tracked::new(3, &DROPS)).unwrap();
    let before = PoolBox::as_ptr(&boxed);
    let raw = PoolBox::into_raw(boxed);
    assert_eq!(raw, before);
    assert_eq!(DROPS.load(Ordering::SeqCst), 0);
    expect_counts::<RawRoundTripPool>(1, 1, 0);

    // SAFETY: `raw` points at the initialised item that `into_raw` gave up; nothing else uses it.
    let id = unsafe { (*raw.as_ptr()).id };
    assert_eq!(id, 3);

    // SAFETY: `raw` came from `PoolBox::<RawRoundTripPool>::into_raw`, and no handle was made from it since.
    let back = unsafe { PoolBox::<RawRoundTripPool>::from_raw(raw) };
    assert_eq!(PoolBox::as_ptr(&back), raw);
    assert_eq!(back.id, 3);
    assert_eq!(DROPS.load(Ordering::SeqCst), 0);
    expect_counts::<RawRoundTripPool>(1, 1, 0);
    drop(back);
    assert_eq!(DROPS.load(Ordering::SeqCst), 1);
    expect_counts::<RawRoundTripPool>(0, 1, 1);
}

#[test]
fn a_failed_allocation_drops_its_value_only_with_the_error() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    let held = FailedAllocPool::alloc(Tracked::new(1, &DROPS)).unwrap();

    let failed = FailedAllocPool::alloc(Tracked::new(2, &DROPS)).unwrap_err();
    assert_eq!(DROPS.load(Ordering::SeqCst), 0, "the error holds the value");
    drop(failed);
    assert_eq!(
        DROPS.load(Ordering::SeqCst),
        1,
        "dropping the error drops the value once"
    );

    let failed = FailedAllocPool::alloc(Tracked::new(3, &DROPS)).unwrap_err();
    let value = failed.into_inner();
    assert_eq!(value.id, 3);
    assert_eq!(
        DROPS.load(Ordering::SeqCst),
        1,
        "into_inner hands the value over without dropping it"
    );
    drop(value);
    assert_eq!(DROPS.load(Ordering::SeqCst), 2);

    drop(held);
    assert_eq!(DROPS.load(Ordering::SeqCst), 3);
    let stats = FailedAllocPool::stats();
    assert_eq!(
        (stats.used, stats.allocs, stats.frees, stats.failures),
        (0, 1, 1, 2)
    );
    assert_eq!(FailedAllocPool::validate(), Ok(()));
}

#[test]
fn a_pinned_handle_drops_once() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    let pinned = PoolBox::into_pin(PinPool::alloc(Tracked::new(4, &DROPS)).unwrap());
    assert_eq!(pinned.id, 4);
    expect_counts::<PinPool>(1, 1, 0);
    drop(pinned);
    assert_eq!(DROPS.load(Ordering::SeqCst), 1);
    expect_counts::<PinPool>(0, 1, 1);
}

#[test]
fn dropping_an_uninit_handle_drops_no_item() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    let slot = UninitDropPool::alloc_uninit().unwrap();
    expect_counts::<UninitDropPool>(1, 1, 0);
    drop(slot);
    assert_eq!(DROPS.load(Ordering::SeqCst), 0, "there was no item to drop");
    expect_counts::<UninitDropPool>(0, 1, 1);

    // Written, then dropped as a `PoolBox`: one drop.
    let boxed = UninitDropPool::alloc_uninit()
        .unwrap()
        .write(Tracked::new(8, &DROPS));
    drop(boxed);
    assert_eq!(DROPS.load(Ordering::SeqCst), 1);
    expect_counts::<UninitDropPool>(0, 2, 2);
}

#[test]
fn a_panicking_destructor_still_returns_the_block() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    let quiet = BombPool::alloc(Bomb {
        armed: false,
        drops: &DROPS,
    })
    .unwrap();
    let armed = BombPool::alloc(Bomb {
        armed: true,
        drops: &DROPS,
    })
    .unwrap();
    assert!(
        BombPool::alloc(Bomb {
            armed: false,
            drops: &DROPS
        })
        .is_err()
    );
    assert_eq!(
        DROPS.load(Ordering::SeqCst),
        1,
        "the rejected bomb was dropped with its error"
    );

    let outcome = catch_unwind(AssertUnwindSafe(move || drop(armed)));
    assert!(
        outcome.is_err(),
        "the destructor's panic reaches the caller"
    );
    assert_eq!(DROPS.load(Ordering::SeqCst), 2, "the destructor ran once");
    let stats = BombPool::stats();
    assert_eq!(
        (stats.used, stats.allocs, stats.frees),
        (1, 2, 1),
        "the block came back despite the panic"
    );
    assert_eq!(BombPool::validate(), Ok(()));

    // The returned block is usable again, and the pool is full again after that.
    let reused = BombPool::alloc(Bomb {
        armed: false,
        drops: &DROPS,
    })
    .expect("the block came back");
    assert!(
        BombPool::alloc(Bomb {
            armed: false,
            drops: &DROPS
        })
        .is_err()
    );
    drop(reused);
    drop(quiet);
    assert_eq!(DROPS.load(Ordering::SeqCst), 5);
    let stats = BombPool::stats();
    assert_eq!(
        (stats.used, stats.allocs, stats.frees, stats.failures),
        (0, 3, 3, 2)
    );
    assert_eq!(BombPool::validate(), Ok(()));
}

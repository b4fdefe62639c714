//! Model checking with loom: every interleaving (up to a preemption bound) of two or three threads using
//! the lock-free free list, the reference counts and weak upgrades.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p pool-runtime --test loom --release`.
#![cfg(loom)]

use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;
use pool_runtime::__private::{
    Align1, ByteClass, Bytes, MarkedClass, NoRefs, PoolConfig, PoolStorage, WaitQueue, counters,
};
use pool_runtime::{BytePool, PoolError, PoolRc, SharedPool, StaticPool, WaitBytePool, WaitPool};
use std::sync::Mutex;

/// Declares a pool whose storage is replaced for every loom iteration (loom's atomics cannot live in a
/// `static`): `install()` leaks a fresh storage and points the pool at it.
macro_rules! model_pool {
    ($pool:ident, $item:ty, $refs:ty, $count:literal) => {
        model_pool!($pool, $item, PoolStorage<$item, Align1, $refs, $count>, $count, storage);
    };
    ($pool:ident, $item:ty, $storage:ty, $count:literal, storage) => {
        struct $pool;

        impl $pool {
            fn current() -> &'static Mutex<Option<&'static $storage>> {
                static CURRENT: Mutex<Option<&'static $storage>> = Mutex::new(None);
                &CURRENT
            }

            fn install() {
                *Self::current().lock().unwrap() = Some(Box::leak(Box::new(PoolStorage::new())));
            }
        }

        // SAFETY: `__storage` returns the storage `install` leaked for the current model; a model installs
        // it before its threads start and never swaps it while a handle lives (P1 within one model).
        unsafe impl StaticPool for $pool {
            type Item = $item;
            const CAPACITY: usize = $count;
            const NAME: &'static str = stringify!($pool);
            type __Storage = $storage;
            const __CONFIG: PoolConfig = PoolConfig::DEFAULT;
            fn __storage() -> &'static Self::__Storage {
                Self::current()
                    .lock()
                    .unwrap()
                    .expect("install() runs first in every model")
            }
        }
    };
}

// One pool per test: tests run in parallel, and `install` swaps the pool's storage.
model_pool!(TwoBlocks, (usize, usize), NoRefs, 2);
model_pool!(Churned, (usize, usize), NoRefs, 2);
model_pool!(OneBlock, usize, NoRefs, 1);
model_pool!(Shared, Tracked, counters::U8, 2);
model_pool!(Upgraded, Tracked, counters::U8, 2);
model_pool!(Reused, Tracked, counters::U8, 2);
model_pool!(Edited, Tracked, counters::U8, 2);

macro_rules! shared_pool {
    ($($pool:ident),*) => {$(
        impl SharedPool for $pool {}
    )*};
}

shared_pool!(Shared, Upgraded, Reused, Edited);

// Pools with a wait queue (`wait = 1` and `wait = 2`) of one block.
model_pool!(OneWaiter, usize, PoolStorage<usize, Align1, NoRefs, 1, true, WaitQueue<1>>, 1, storage);
model_pool!(TwoWaiters, usize, PoolStorage<usize, Align1, NoRefs, 1, true, WaitQueue<2>>, 1, storage);
model_pool!(Marked, usize, PoolStorage<usize, Align1, NoRefs, 1, true, WaitQueue<1>>, 1, storage);
impl WaitPool for OneWaiter {}
impl WaitPool for TwoWaiters {}
impl WaitPool for Marked {}

/// Polls `future` once, with a waker that does nothing (a task that is woken later polls with its own).
fn poll_once<F: std::future::Future + Unpin>(future: &mut F) -> std::task::Poll<F::Output> {
    std::pin::Pin::new(future).poll(&mut std::task::Context::from_waker(std::task::Waker::noop()))
}

/// Q1: a free on another thread, anywhere around the waiting task's failed attempt and its registration
/// (between them included), either leaves the block for the task's retry or hands it over and wakes it. A
/// lost wake-up would leave `block_on` waiting for ever, which loom reports as a deadlock.
#[test]
fn a_free_racing_a_registration_always_reaches_the_waiting_task() {
    model(|| {
        OneWaiter::install();
        let held = OneWaiter::alloc(0).unwrap();
        let freer = thread::spawn(move || drop(held));
        let block = loom::future::block_on(OneWaiter::alloc_async(1)).unwrap();
        assert_eq!(*block, 1);
        freer.join().unwrap();
        drop(block);
        assert_eq!(OneWaiter::stats().used, 0);
        assert_eq!(OneWaiter::wait_stats().waiting, 0);
        OneWaiter::validate().unwrap();
    });
}

/// Q1, Q2: once a task waits (its registration marked the empty list's head), a free racing a plain
/// `alloc` hands its block to the task, and the `alloc` finds the pool empty, in every order. With the
/// free's check of the mark removed, the block would be pushed onto the marked head: the `alloc` could
/// take it, and the task would never be woken (loom reports the deadlock).
#[test]
fn a_block_freed_while_a_task_waits_goes_to_it_and_never_to_a_plain_alloc() {
    model(|| {
        Marked::install();
        let held = Marked::alloc(0).unwrap();
        let mut waiting = Marked::alloc_async(1);
        assert!(poll_once(&mut waiting).is_pending());
        let freer = thread::spawn(move || drop(held));
        let plain = thread::spawn(|| Marked::alloc(2).is_err());
        let block = loom::future::block_on(waiting).unwrap();
        assert_eq!(*block, 1);
        freer.join().unwrap();
        assert!(
            plain.join().unwrap(),
            "a plain alloc took a block freed while a task waited"
        );
        drop(block);
        assert_eq!(Marked::stats().used, 0);
        assert_eq!(Marked::wait_stats().waiting, 0);
        Marked::validate().unwrap();
    });
}

/// Q3: a waiting task dropped (a timeout) while a free hands it the block passes the block to the next
/// waiting task, whichever of the drop and the free comes first.
#[test]
fn a_waiter_dropped_while_its_block_is_handed_over_passes_it_on() {
    model(|| {
        TwoWaiters::install();
        let held = TwoWaiters::alloc(0).unwrap();
        let mut first = TwoWaiters::alloc_async(1);
        let mut second = TwoWaiters::alloc_async(2);
        assert!(poll_once(&mut first).is_pending());
        assert!(poll_once(&mut second).is_pending());
        let freer = thread::spawn(move || drop(held));
        let canceller = thread::spawn(move || drop(first));
        let block = loom::future::block_on(second).unwrap();
        assert_eq!(*block, 2);
        freer.join().unwrap();
        canceller.join().unwrap();
        drop(block);
        assert_eq!(TwoWaiters::stats().used, 0);
        assert_eq!(TwoWaiters::wait_stats().waiting, 0);
        TwoWaiters::validate().unwrap();
    });
}

// The classes of a byte pool with `wait`: their heads keep room for the mark (Q5).
type SmallClass = PoolStorage<[u8; 16], Align1, NoRefs, 1, true, MarkedClass>;
type LargeClass = PoolStorage<[u8; 64], Align1, NoRefs, 1, true, MarkedClass>;

/// The classes and queue of a model byte pool, leaked for one loom iteration.
struct ModelBytesParts {
    classes: &'static [&'static dyn ByteClass],
    waiters: &'static WaitQueue<2, Bytes>,
}

/// Declares a byte pool with a wait queue (`wait = 2`) and two classes of one block each, 16 and 64 bytes,
/// whose classes and queue are replaced for every loom iteration as `model_pool!`'s storages are.
macro_rules! model_bytes {
    ($pool:ident) => {
        struct $pool;

        impl $pool {
            fn current() -> &'static Mutex<Option<ModelBytesParts>> {
                static CURRENT: Mutex<Option<ModelBytesParts>> = Mutex::new(None);
                &CURRENT
            }

            fn install() {
                let small: &'static SmallClass = Box::leak(Box::new(PoolStorage::new()));
                let large: &'static LargeClass = Box::leak(Box::new(PoolStorage::new()));
                let classes: &'static [&'static dyn ByteClass] = Box::leak(Box::new([
                    small as &'static dyn ByteClass,
                    large as &'static dyn ByteClass,
                ]));
                let waiters = Box::leak(Box::new(WaitQueue::new()));
                *Self::current().lock().unwrap() = Some(ModelBytesParts { classes, waiters });
            }
        }

        // SAFETY: `__classes` and `__waiters` return the classes and queue `install` leaked for the current
        // model, distinct statics of sealed types; a model installs them before its threads start and never
        // swaps them while a buffer lives (B1, Q5 within one model).
        unsafe impl BytePool for $pool {
            const NAME: &'static str = stringify!($pool);
            const __CONFIG: PoolConfig = PoolConfig::DEFAULT;
            fn __classes() -> &'static [&'static dyn ByteClass] {
                let current = Self::current().lock().unwrap();
                current.as_ref().expect("install() runs first").classes
            }
            type __Waiters = WaitQueue<2, Bytes>;
            fn __waiters() -> &'static Self::__Waiters {
                let current = Self::current().lock().unwrap();
                current.as_ref().expect("install() runs first").waiters
            }
        }

        impl WaitBytePool for $pool {}
    };
}

// One pool per test, as above.
model_bytes!(RacedBytes);
model_bytes!(FittedBytes);
model_bytes!(MarkedBytes);

/// Q1 and Q5: a byte pool's free on another thread, anywhere around a waiting task's failed attempt and
/// its registration, either leaves the block for the task's retry or hands it over and wakes it; the block
/// freed is of a class the request fits.
#[test]
fn a_byte_free_racing_a_registration_always_reaches_the_waiting_task() {
    model(|| {
        RacedBytes::install();
        let small = RacedBytes::alloc_bytes(16).unwrap();
        let large = RacedBytes::alloc_bytes(64).unwrap();
        let freer = thread::spawn(move || drop(small));
        let buffer = loom::future::block_on(RacedBytes::alloc_bytes_async(10)).unwrap();
        assert_eq!((buffer.len(), buffer.block_size()), (10, 16));
        freer.join().unwrap();
        drop((buffer, large));
        assert_eq!(RacedBytes::stats().used, 0);
        assert_eq!(RacedBytes::wait_stats().waiting, 0);
        RacedBytes::validate().unwrap();
    });
}

/// Q5: a task waiting for 40 bytes is not served by the 16-byte block freed on one thread, and is by the
/// 64-byte block freed on another, in either order.
#[test]
fn a_byte_waiter_gets_only_a_block_its_request_fits() {
    model(|| {
        FittedBytes::install();
        let small = FittedBytes::alloc_bytes(16).unwrap();
        let large = FittedBytes::alloc_bytes(64).unwrap();
        let small_freer = thread::spawn(move || drop(small));
        let large_freer = thread::spawn(move || drop(large));
        let buffer = loom::future::block_on(FittedBytes::alloc_bytes_async(40)).unwrap();
        assert_eq!((buffer.len(), buffer.block_size()), (40, 64));
        small_freer.join().unwrap();
        large_freer.join().unwrap();
        assert_eq!(FittedBytes::stats().used, 1);
        drop(buffer);
        assert_eq!(FittedBytes::stats().used, 0);
        FittedBytes::validate().unwrap();
    });
}

/// Q5: once a task waits for 40 bytes (its registration marked the 64-byte class, the only one it fits), a
/// free of the 64-byte block racing a plain `alloc_bytes(40)` hands the block to the task, and the plain
/// allocation finds nothing, in every order; the 16-byte class, which no waiting task fits, stays unmarked:
/// its block goes back to the class. Without the free's check of the mark, the block would go onto the
/// marked class, where the plain allocation could take it, and the task would never be woken.
#[test]
fn a_byte_block_freed_while_a_task_waits_for_its_class_goes_to_it() {
    model(|| {
        MarkedBytes::install();
        let small = MarkedBytes::alloc_bytes(16).unwrap();
        let large = MarkedBytes::alloc_bytes(64).unwrap();
        let mut waiting = MarkedBytes::alloc_bytes_async(40);
        assert!(poll_once(&mut waiting).is_pending());
        let freer = thread::spawn(move || drop(large));
        let plain = thread::spawn(|| MarkedBytes::alloc_bytes(40).is_err());
        let buffer = loom::future::block_on(waiting).unwrap();
        assert_eq!((buffer.len(), buffer.block_size()), (40, 64));
        freer.join().unwrap();
        assert!(
            plain.join().unwrap(),
            "a plain allocation took a block freed while a task waited for its class"
        );
        drop(small);
        let again = MarkedBytes::alloc_bytes(16).unwrap();
        assert_eq!(
            again.block_size(),
            16,
            "the unmarked class took its block back"
        );
        drop((again, buffer));
        assert_eq!(MarkedBytes::stats().used, 0);
        assert_eq!(MarkedBytes::wait_stats().waiting, 0);
        MarkedBytes::validate().unwrap();
    });
}

/// An item that counts its drops and carries a stamp to tell items apart.
struct Tracked {
    stamp: usize,
    drops: Arc<AtomicUsize>,
}

impl Clone for Tracked {
    fn clone(&self) -> Self {
        Self {
            stamp: self.stamp,
            drops: self.drops.clone(),
        }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

fn model(body: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(3);
    }
    builder.check(body);
}

#[test]
fn two_threads_allocating_and_freeing_never_share_a_block() {
    model(|| {
        TwoBlocks::install();
        let workers: Vec<_> = (1..=2)
            .map(|id| {
                thread::spawn(move || {
                    let mut held = TwoBlocks::alloc((id, 0)).expect("two blocks for two threads");
                    held.1 = id * 10;
                    thread::yield_now();
                    assert_eq!(*held, (id, id * 10), "another thread wrote into our block");
                })
            })
            .collect();
        for worker in workers {
            worker.join().unwrap();
        }
        let stats = TwoBlocks::stats();
        assert_eq!((stats.used, stats.allocs, stats.frees), (0, 2, 2));
        TwoBlocks::validate().unwrap();
    });
}

#[test]
fn a_contended_last_block_goes_to_exactly_one_thread_at_a_time() {
    model(|| {
        OneBlock::install();
        let winners = Arc::new(AtomicUsize::new(0));
        let workers: Vec<_> = (0..2)
            .map(|id| {
                let winners = winners.clone();
                thread::spawn(move || match OneBlock::alloc(id) {
                    Ok(block) => {
                        assert_eq!(
                            winners.fetch_add(1, Ordering::SeqCst),
                            0,
                            "two owners of one block"
                        );
                        assert_eq!(*block, id);
                        winners.fetch_sub(1, Ordering::SeqCst);
                    }
                    Err(failed) => assert_eq!(failed.error(), PoolError::Exhausted),
                })
            })
            .collect();
        for worker in workers {
            worker.join().unwrap();
        }
        assert_eq!(OneBlock::stats().used, 0);
        OneBlock::validate().unwrap();
    });
}

#[test]
fn clones_dropped_on_two_threads_drop_the_item_once() {
    model(|| {
        Shared::install();
        let drops = Arc::new(AtomicUsize::new(0));
        let first = Shared::alloc(Tracked {
            stamp: 1,
            drops: drops.clone(),
        })
        .ok()
        .unwrap();
        let first = pool_runtime::PoolBox::into_shared(first);
        let second = first.clone();
        let other = thread::spawn(move || {
            assert_eq!(second.stamp, 1);
            drop(second);
        });
        drop(first);
        other.join().unwrap();
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        assert_eq!(Shared::stats().used, 0);
        Shared::validate().unwrap();
    });
}

#[test]
fn an_upgrade_racing_the_last_drop_gets_the_item_or_nothing() {
    model(|| {
        Upgraded::install();
        let drops = Arc::new(AtomicUsize::new(0));
        let strong = Upgraded::alloc_shared(Tracked {
            stamp: 7,
            drops: drops.clone(),
        })
        .ok()
        .unwrap();
        let weak = PoolRc::downgrade(&strong);
        let upgrader = thread::spawn(move || {
            if let Some(again) = weak.upgrade() {
                assert_eq!(again.stamp, 7, "upgraded to a different item");
            }
        });
        drop(strong);
        upgrader.join().unwrap();
        assert_eq!(
            drops.load(Ordering::SeqCst),
            1,
            "the item is dropped exactly once"
        );
        assert_eq!(Upgraded::stats().used, 0);
        Upgraded::validate().unwrap();
    });
}

#[test]
fn a_stale_upgrade_racing_reuse_of_the_block_never_returns_the_new_item() {
    model(|| {
        Reused::install();
        let drops = Arc::new(AtomicUsize::new(0));
        let old = Reused::alloc_shared(Tracked {
            stamp: 1,
            drops: drops.clone(),
        })
        .ok()
        .unwrap();
        let weak = PoolRc::downgrade(&old);
        let upgrader = thread::spawn(move || {
            if let Some(again) = weak.upgrade() {
                assert_eq!(again.stamp, 1, "a stale weak handle reached the newer item");
            }
        });
        drop(old);
        // The freed block is the first to be reused.
        let new = Reused::alloc_shared(Tracked {
            stamp: 2,
            drops: drops.clone(),
        })
        .ok()
        .unwrap();
        upgrader.join().unwrap();
        assert_eq!(new.stamp, 2);
        assert_eq!(PoolRc::strong_count(&new), 1);
        drop(new);
        assert_eq!(drops.load(Ordering::SeqCst), 2);
        assert_eq!(Reused::stats().used, 0);
        Reused::validate().unwrap();
    });
}

#[test]
fn make_mut_racing_an_upgrade_either_copies_or_detaches_the_weak_handle() {
    model(|| {
        Edited::install();
        let drops = Arc::new(AtomicUsize::new(0));
        let mut strong = Edited::alloc_shared(Tracked {
            stamp: 7,
            drops: drops.clone(),
        })
        .ok()
        .unwrap();
        let weak = PoolRc::downgrade(&strong);
        let upgrader = thread::spawn(move || weak.upgrade().map(|again| again.stamp));
        PoolRc::make_mut(&mut strong)
            .expect("a free block for a copy")
            .stamp = 99;
        let seen = upgrader.join().unwrap();
        assert!(
            seen.is_none() || seen == Some(7),
            "the upgrader saw the edit in progress: {seen:?}"
        );
        assert_eq!(strong.stamp, 99);
        assert_eq!(PoolRc::strong_count(&strong), 1);
        drop(strong);
        assert_eq!(Edited::stats().used, 0);
        Edited::validate().unwrap();
    });
}

#[test]
fn three_threads_churning_two_blocks_never_share_one() {
    // The ABA pattern: one thread reads the head and its link, others pop and push around it; the tag
    // in the head must make the stale compare-and-swap fail.
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(2);
    builder.check(|| {
        Churned::install();
        let workers: Vec<_> = (1..=3)
            .map(|id| {
                thread::spawn(move || {
                    for round in 0..2 {
                        if let Ok(mut held) = Churned::alloc((id, round)) {
                            held.1 += 100;
                            assert_eq!(
                                *held,
                                (id, round + 100),
                                "another thread wrote into our block"
                            );
                        }
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().unwrap();
        }
        let stats = Churned::stats();
        assert_eq!(stats.used, 0);
        assert_eq!(stats.allocs, stats.frees);
        assert_eq!(stats.allocs + stats.failures, 6);
        Churned::validate().unwrap();
    });
}

model_pool!(Unlocked, Tracked, counters::U8, 1);
model_pool!(Downgraded, Tracked, counters::U8, 1);
shared_pool!(Unlocked, Downgraded);

/// Finding 1 of the soundness review: after `get_mut` left the count locked at 0, two threads cloning the
/// same `&PoolRc` both saw 0 and both stored 1 (a load then a store): three handles, count 2, and the
/// block freed under the third. Unlocking is one compare-and-swap now.
#[test]
fn two_threads_cloning_a_handle_that_get_mut_locked_count_every_clone() {
    model(|| {
        Unlocked::install();
        let drops = Arc::new(AtomicUsize::new(0));
        let mut only = Unlocked::alloc_shared(Tracked {
            stamp: 1,
            drops: drops.clone(),
        })
        .ok()
        .unwrap();
        PoolRc::get_mut(&mut only).expect("the only handle").stamp = 2;
        let shared = Arc::new(only);
        let clones: Vec<_> = (0..2)
            .map(|_| {
                let shared = shared.clone();
                thread::spawn(move || PoolRc::clone(&shared))
            })
            .collect();
        let clones: Vec<_> = clones.into_iter().map(|c| c.join().unwrap()).collect();
        let only = Arc::try_unwrap(shared).ok().unwrap();
        assert_eq!(PoolRc::strong_count(&only), 3, "a clone was not counted");
        drop(clones);
        assert_eq!(drops.load(Ordering::SeqCst), 0, "freed under a live handle");
        assert_eq!(only.stamp, 2);
        drop(only);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        assert_eq!(Unlocked::stats().used, 0);
    });
}

/// Finding 10: `get_mut` read the weak flag before locking, so a clone downgraded and dropped on another
/// thread in between made it return `Some` (and leave the count locked) although a weak handle existed,
/// which then failed to upgrade while the item lived.
#[test]
fn get_mut_racing_a_downgrade_and_drop_of_a_clone_never_strands_the_weak_handle() {
    model(|| {
        Downgraded::install();
        let drops = Arc::new(AtomicUsize::new(0));
        let mut only = Downgraded::alloc_shared(Tracked {
            stamp: 1,
            drops: drops.clone(),
        })
        .ok()
        .unwrap();
        let clone = PoolRc::clone(&only);
        let weak_of_clone = thread::spawn(move || {
            let weak = PoolRc::downgrade(&clone);
            drop(clone);
            weak
        });
        let lent = PoolRc::get_mut(&mut only).is_some();
        let weak = weak_of_clone.join().unwrap();
        // `get_mut` cannot succeed here: until the clone is dropped it shares the item, and by then the
        // weak flag is set. And while `only` lives, its weak handle must upgrade.
        assert!(!lent, "get_mut lent `&mut` although a weak handle existed");
        let upgraded = weak
            .upgrade()
            .expect("the item lives, so its weak handle upgrades");
        assert_eq!(upgraded.stamp, 1);
        drop((upgraded, only));
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    });
}

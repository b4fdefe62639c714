//! Shared handles on many threads: counts that come back exactly, weak upgrades racing the last drop (the
//! live item or nothing, never another item), and a mixed stress whose items carry a stamp of their
//! creator and round, checked wherever a handle reaches them. Under Miri, a block reached by two owners
//! at once, or an item read while it is dropped or replaced, also shows up as a data race.
//!
//! Iteration counts are smaller under Miri; the logic is the same.

use std::sync::Barrier;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::thread;

use blockpool::{PoolBox, PoolRc, PoolWeak, StaticPool, memory_pool};

const THREADS: usize = 4;

/// How many items a test made and dropped: every item is dropped exactly once.
#[derive(Debug)]
pub struct Census {
    made: AtomicUsize,
    dropped: AtomicUsize,
}

impl Census {
    const fn new() -> Self {
        Self {
            made: AtomicUsize::new(0),
            dropped: AtomicUsize::new(0),
        }
    }

    #[track_caller]
    fn assert_balanced(&self, made: usize) {
        assert_eq!(self.made.load(Ordering::SeqCst), made, "items made");
        assert_eq!(self.dropped.load(Ordering::SeqCst), made, "items dropped");
    }
}

/// An item marked with who made it and when; `check` is derived from both, so a torn, stale or foreign
/// item does not verify.
#[derive(Debug)]
pub struct Stamped {
    pub owner: usize,
    pub round: usize,
    pub check: [usize; 4],
    census: &'static Census,
}

fn mix(owner: usize, round: usize) -> [usize; 4] {
    let m = owner
        .wrapping_mul(0x9E37_79B9)
        .wrapping_add(round)
        .wrapping_mul(31);
    [m, !m, m.rotate_left(13), owner ^ round]
}

impl Stamped {
    fn new(owner: usize, round: usize, census: &'static Census) -> Self {
        census.made.fetch_add(1, Ordering::SeqCst);
        Self {
            owner,
            round,
            check: mix(owner, round),
            census,
        }
    }

    /// Panics unless the item is intact and is the one of `owner` in `round`.
    #[track_caller]
    fn verify(&self, owner: usize, round: usize) {
        assert_eq!(
            (self.owner, self.round),
            (owner, round),
            "a handle reached another item"
        );
        assert_eq!(self.check, mix(owner, round), "a torn item");
    }

    /// Re-stamps the item (through `&mut`) for a new round.
    fn restamp(&mut self, round: usize) {
        self.round = round;
        self.check = mix(self.owner, round);
    }
}

impl Clone for Stamped {
    fn clone(&self) -> Self {
        Self::new(self.owner, self.round, self.census)
    }
}

impl Drop for Stamped {
    fn drop(&mut self) {
        self.census.dropped.fetch_add(1, Ordering::SeqCst);
    }
}

/// After every thread has finished: nothing in use, the metadata consistent, the counters adding up.
#[track_caller]
fn assert_all_free<P: StaticPool>() {
    let stats = P::stats();
    assert_eq!(stats.used, 0, "{stats}");
    assert_eq!(stats.allocs, stats.frees, "{stats}");
    assert_eq!(stats.failures, 0, "the pools are large enough: {stats}");
    assert!(stats.high_water <= stats.capacity, "{stats}");
    assert_eq!(P::validate(), Ok(()));
}

// ---------------------------------------------------------------------------------------------------------
// (a) Clones and drops of one block on many threads

#[memory_pool(type = Stamped, count = 1, refcount)]
pub struct ClonePool;

static CLONE_CENSUS: Census = Census::new();

#[test]
fn clones_and_drops_on_many_threads_leave_exactly_the_main_handle() {
    const ROUNDS: usize = if cfg!(miri) { 60 } else { 20_000 };
    /// Clones each thread holds at once, at most.
    const HOLD: usize = 6;

    let main = ClonePool::alloc_shared(Stamped::new(0, 7, &CLONE_CENSUS)).unwrap();
    let start = Barrier::new(THREADS);
    thread::scope(|s| {
        for t in 0..THREADS {
            // Each thread gets a handle of its own (`Send`) and clones from the main one too (`Sync`).
            let own = main.clone();
            let (main, start) = (&main, &start);
            s.spawn(move || {
                start.wait();
                let mut held = Vec::with_capacity(HOLD);
                for round in 0..ROUNDS {
                    let clone = if round % 2 == 0 {
                        own.clone()
                    } else {
                        PoolRc::try_clone(main).expect("far below the maximum")
                    };
                    assert!(PoolRc::ptr_eq(&clone, main));
                    clone.verify(0, 7);
                    let count = PoolRc::strong_count(&clone);
                    // `main`, `own` and `clone` are counted; at most every thread's `own` and `HOLD`.
                    assert!(
                        (3..=1 + THREADS * (HOLD + 2)).contains(&count),
                        "count {count}"
                    );
                    held.push(clone);
                    if held.len() > (round + t) % HOLD {
                        held.clear();
                    }
                }
                drop(held);
                drop(own);
            });
        }
    });

    assert_eq!(
        PoolRc::strong_count(&main),
        1,
        "every clone made on the threads is gone"
    );
    assert_eq!(ClonePool::stats().used, 1);
    assert_eq!(ClonePool::validate(), Ok(()));
    assert_eq!(CLONE_CENSUS.dropped.load(Ordering::SeqCst), 0);

    drop(main);
    CLONE_CENSUS.assert_balanced(1);
    assert_all_free::<ClonePool>();
}

// ---------------------------------------------------------------------------------------------------------
// (b) Weak upgrades racing the last drop and the reuse of the block

#[memory_pool(type = Stamped, count = 4, refcount)]
pub struct RacePool;

static RACE_CENSUS: Census = Census::new();

/// The weak handle of the current round's item, as `to_bits`.
static RACE_WEAK: AtomicU64 = AtomicU64::new(0);

/// Marks the items the dropping thread makes after dropping the round's item: upgrades must never reach
/// them.
const REUSED: usize = 1 << 20;

#[test]
fn upgrades_racing_the_last_drop_give_the_item_or_nothing() {
    const ROUNDS: usize = if cfg!(miri) { 25 } else { 3_000 };
    const UPGRADES: usize = if cfg!(miri) { 6 } else { 50 };
    /// Items the dropping thread makes right after the drop, likely in the block just freed.
    const REUSES: usize = 2;

    let barrier = Barrier::new(THREADS);
    let upgraded = AtomicUsize::new(0);
    let missed = AtomicUsize::new(0);
    thread::scope(|s| {
        // Thread 0 makes each round's item, publishes a weak handle, then drops the only strong handle
        // while the others upgrade, and at once reuses the freed block for items of its own.
        s.spawn(|| {
            for round in 0..ROUNDS {
                let item = RacePool::alloc_shared(Stamped::new(0, round, &RACE_CENSUS))
                    .expect("one block per round, plus the reuses");
                RACE_WEAK.store(PoolRc::downgrade(&item).to_bits(), Ordering::Release);
                barrier.wait();
                drop(item);
                let reuses: Vec<_> = (0..REUSES)
                    .map(|_| {
                        RacePool::alloc_shared(Stamped::new(0, REUSED + round, &RACE_CENSUS))
                            .expect("the upgraders hold at most the round's item")
                    })
                    .collect();
                for reuse in &reuses {
                    reuse.verify(0, REUSED + round);
                }
                drop(reuses);
                barrier.wait();
            }
        });
        for _ in 1..THREADS {
            s.spawn(|| {
                for round in 0..ROUNDS {
                    barrier.wait();
                    let weak = PoolWeak::<RacePool>::from_bits(RACE_WEAK.load(Ordering::Acquire));
                    let mut gone = false;
                    for _ in 0..UPGRADES {
                        match weak.upgrade() {
                            Some(item) => {
                                assert!(!gone, "an upgrade succeeded after one had failed");
                                item.verify(0, round);
                                let again = item.clone();
                                again.verify(0, round);
                                upgraded.fetch_add(1, Ordering::Relaxed);
                            }
                            None => {
                                gone = true;
                                missed.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                    barrier.wait();
                    assert!(
                        weak.upgrade().is_none(),
                        "round {round}: the item is gone once the round is over"
                    );
                }
            });
        }
    });

    assert_eq!(
        upgraded.load(Ordering::Relaxed) + missed.load(Ordering::Relaxed),
        ROUNDS * UPGRADES * (THREADS - 1),
        "every upgrade was counted"
    );
    RACE_CENSUS.assert_balanced(ROUNDS * (1 + REUSES));
    assert_all_free::<RacePool>();
    assert!(format!("{RacePool:?}").contains("in_use: {}"));
}

// ---------------------------------------------------------------------------------------------------------
// (c) Everything at once

/// Blocks one thread can hold at once in the stress: its item, a copy of it, and another thread's item.
const MIX_HOLD: usize = 3;

#[memory_pool(type = Stamped, count = 12, refcount)]
pub struct MixPool;

static MIX_CENSUS: Census = Census::new();

/// Per thread: the round (bits 48..64) and the weak handle bits (bits 0..48) of its current item.
static MIX_SLOTS: [AtomicU64; THREADS] = [const { AtomicU64::new(u64::MAX) }; THREADS];

/// The bits of `PoolWeak::to_bits` within a slot.
const WEAK_BITS: u64 = (1 << 48) - 1;

fn publish(owner: usize, round: usize, weak: PoolWeak<MixPool>) {
    MIX_SLOTS[owner].store(((round as u64) << 48) | weak.to_bits(), Ordering::Release);
}

/// The weak handle another thread published, and the round of its item.
fn published(owner: usize) -> Option<(usize, PoolWeak<MixPool>)> {
    let slot = MIX_SLOTS[owner].load(Ordering::Acquire);
    (slot != u64::MAX).then(|| ((slot >> 48) as usize, PoolWeak::from_bits(slot & WEAK_BITS)))
}

/// Generation steps one thread's round can cause: its item is detached (`into_box` of a downgraded item)
/// and freed, and two copies are freed.
const GENERATION_STEPS: usize = 4;

/// One thread's share of the stress; returns how many items it made itself.
fn mix_worker(t: usize, rounds: usize) -> usize {
    let mut made = 0;
    for round in 0..rounds {
        // A new item, by one of three ways.
        let item: PoolRc<MixPool> = match round % 3 {
            0 => MixPool::alloc_shared(Stamped::new(t, round, &MIX_CENSUS)).unwrap(),
            1 => MixPool::alloc_shared_with(|| Stamped::new(t, round, &MIX_CENSUS)).unwrap(),
            _ => {
                let mut boxed: PoolBox<MixPool> =
                    MixPool::alloc(Stamped::new(t, round, &MIX_CENSUS)).unwrap();
                boxed.restamp(round);
                PoolBox::into_shared(boxed)
            }
        };
        made += 1;
        item.verify(t, round);

        // Clones and a weak handle of its own: it lives, so the upgrade must succeed.
        let clone = item.clone();
        let weak = PoolRc::downgrade(&item);
        let up = weak.upgrade().expect("`item` keeps it alive");
        assert!(PoolRc::ptr_eq(&up, &item));
        up.verify(t, round);
        assert!(PoolRc::strong_count(&item) >= 3);
        drop(up);
        publish(t, round, weak);

        // Another thread's item: alive (then it must be exactly the published one) or gone.
        let other = (t + 1 + round % (THREADS - 1)) % THREADS;
        if let Some((other_round, other_weak)) = published(other) {
            if let Some(foreign) = other_weak.upgrade() {
                foreign.verify(other, other_round);
                // Copy-on-write of a shared foreign item: the copy is ours, the original unchanged.
                let mut mine = foreign.clone();
                if let Ok(copy) = PoolRc::make_mut(&mut mine) {
                    copy.restamp(other_round + 1);
                    made += usize::from(!PoolRc::ptr_eq(&mine, &foreign));
                }
                foreign.verify(other, other_round);
                if !PoolRc::ptr_eq(&mine, &foreign) {
                    mine.verify(other, other_round + 1);
                }
                drop(mine);
                foreign.verify(other, other_round);
            }
        }

        // Copy-on-write of our own shared item: the weak handle keeps naming the original.
        let mut writer = clone;
        let copy = PoolRc::make_mut(&mut writer).expect("room for a copy");
        copy.restamp(round + rounds);
        made += 1;
        assert!(!PoolRc::ptr_eq(&writer, &item));
        item.verify(t, round);
        writer.verify(t, round + rounds);
        assert!(weak.upgrade().is_some_and(|up| PoolRc::ptr_eq(&up, &item)));

        // Give back both, by different ways; other threads may hold the original for a while. Even the
        // copy, never downgraded, may be shared for a moment: an upgrade that read the stamp of an item
        // just before its block was freed and reused for the copy counts itself in, then lets go.
        match PoolRc::try_unwrap(writer) {
            Ok(value) => value.verify(t, round + rounds),
            Err(shared) => shared.verify(t, round + rounds),
        }
        match PoolRc::into_box(item) {
            Ok(mut boxed) => {
                assert!(
                    weak.upgrade().is_none(),
                    "an owned item has no shared handles"
                );
                boxed.restamp(round);
                boxed.verify(t, round);
            }
            Err(shared) => shared.verify(t, round),
        }
    }
    made
}

#[test]
fn mixed_stress_keeps_every_item_with_its_stamp() {
    const ROUNDS: usize = if cfg!(miri) { 40 } else { 1_000 };
    const _: () = assert!(THREADS * MIX_HOLD <= MixPool::CAPACITY);
    // A published weak handle may be read long after its item is gone (the slot of a thread that has
    // finished stays). Its block must not pass through 2^14 generations meanwhile, or the handle would
    // (as documented) upgrade to whatever item then has its stamp. Each thread and round moves the pool's
    // generations on by at most `GENERATION_STEPS`, so the whole test stays below one wrap of any block.
    const _: () = assert!(THREADS * ROUNDS * GENERATION_STEPS < 1 << 14);

    let made: usize = thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|t| s.spawn(move || mix_worker(t, ROUNDS)))
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    });

    assert!(
        made >= 2 * THREADS * ROUNDS,
        "an item and a copy per thread and round"
    );
    MIX_CENSUS.assert_balanced(made);
    for (owner, slot) in MIX_SLOTS.iter().enumerate() {
        let weak = PoolWeak::<MixPool>::from_bits(slot.load(Ordering::Acquire) & WEAK_BITS);
        assert!(
            weak.upgrade().is_none(),
            "thread {owner}'s last item is gone"
        );
    }
    assert_all_free::<MixPool>();
}

// ---------------------------------------------------------------------------------------------------------
// Finding 1 of the soundness review, natively and under Miri's schedules (the loom model
// `two_threads_cloning_a_handle_that_get_mut_locked_count_every_clone` checks every interleaving).

#[memory_pool(type = u64, count = 1, refcount)]
pub struct UnlockPool;

#[test]
fn clones_racing_on_a_handle_that_get_mut_locked_are_all_counted() {
    let rounds = if cfg!(miri) { 20 } else { 20_000 };
    for round in 0..rounds {
        let mut only = UnlockPool::alloc_shared(0).unwrap();
        *PoolRc::get_mut(&mut only).expect("the only handle") = round;
        let barrier = Barrier::new(2);
        let clones: Vec<PoolRc<UnlockPool>> = thread::scope(|s| {
            let racers: Vec<_> = (0..2)
                .map(|_| {
                    s.spawn(|| {
                        barrier.wait();
                        only.clone()
                    })
                })
                .collect();
            racers.into_iter().map(|r| r.join().unwrap()).collect()
        });
        assert_eq!(
            PoolRc::strong_count(&only),
            3,
            "round {round}: a clone was not counted"
        );
        drop(clones);
        assert_eq!(
            *only, round,
            "round {round}: the block was freed under a live handle"
        );
        assert_eq!(UnlockPool::stats().used, 1);
        drop(only);
        assert_eq!(UnlockPool::stats().used, 0);
    }
}

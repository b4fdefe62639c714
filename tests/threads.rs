//! Many threads on one pool: no block is ever handed to two owners, nothing is lost, and the counters add
//! up afterwards. Each block is stamped with its owner and round and re-checked before it is freed, so a
//! block handed out twice shows up as a foreign stamp (and, under Miri, as a data race).
//!
//! Iteration counts are smaller under Miri; the logic is the same.

use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::sync::{Barrier, mpsc};
use std::thread;

use blockpool::{FailureEvent, PoolBox, PoolError, RawPool, memory_pool};

const THREADS: usize = 4;
const ROUNDS: usize = if cfg!(miri) { 50 } else { 20_000 };
/// Blocks each thread holds at once in a round; `THREADS * HOLD` fits in `StampPool`.
const HOLD: usize = 8;

/// An owner's mark: every word says who holds the block and since which round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub owner: usize,
    pub round: usize,
    pub slot: usize,
    pub check: [usize; 5],
}

// SAFETY: integers are valid as all zeros.
unsafe impl bytemuck::Zeroable for Stamp {}

impl Stamp {
    fn new(owner: usize, round: usize, slot: usize) -> Self {
        let mix = owner
            .wrapping_mul(0x9E37_79B9)
            .wrapping_add(round)
            .wrapping_mul(31)
            .wrapping_add(slot);
        Self {
            owner,
            round,
            slot,
            check: [mix, !mix, mix.rotate_left(7), owner, round],
        }
    }
}

#[memory_pool(type = Stamp, count = 64)]
pub struct StampPool;

#[memory_pool(type = Stamp, count = 64)]
pub struct RawStampPool;

#[memory_pool(type = Stamp, count = 10, on_failure = count_contended_failure)]
pub struct ContendedPool;

#[memory_pool(type = Stamp, count = 4)]
pub struct DoubleFreeRacePool;

#[memory_pool(type = Stamp, count = 8)]
pub struct ChannelPool;

static CONTENDED_HOOK_CALLS: AtomicUsize = AtomicUsize::new(0);

fn count_contended_failure(event: &FailureEvent) {
    assert_eq!(
        *event,
        FailureEvent {
            pool: "ContendedPool",
            error: PoolError::Exhausted,
            holders: None,
        }
    );
    CONTENDED_HOOK_CALLS.fetch_add(1, Ordering::SeqCst);
}

/// Takes a block of `StampPool` for `stamp`, by one of the four typed ways, chosen by `way`.
fn take(way: usize, stamp: Stamp) -> PoolBox<StampPool> {
    match way % 4 {
        0 => StampPool::alloc(stamp).expect("the pool is large enough for every thread"),
        1 => StampPool::alloc_with(|| stamp).expect("room"),
        2 => StampPool::alloc_uninit().expect("room").write(stamp),
        _ => {
            let mut boxed = StampPool::alloc_zeroed().expect("room");
            assert_eq!(
                *boxed,
                Stamp {
                    owner: 0,
                    round: 0,
                    slot: 0,
                    check: [0; 5]
                }
            );
            *boxed = stamp;
            boxed
        }
    }
}

#[test]
fn threads_never_share_a_block() {
    thread::scope(|scope| {
        for owner in 0..THREADS {
            scope.spawn(move || {
                let mut held: Vec<PoolBox<StampPool>> = Vec::with_capacity(HOLD);
                for round in 0..ROUNDS {
                    for slot in 0..HOLD {
                        held.push(take(round + slot, Stamp::new(owner, round, slot)));
                    }
                    // Re-stamp in place, then check every block before giving it back.
                    for (slot, boxed) in held.iter_mut().enumerate() {
                        assert_eq!(
                            **boxed,
                            Stamp::new(owner, round, slot),
                            "block taken over by another owner"
                        );
                        boxed.check[4] = usize::MAX - round;
                    }
                    for (slot, boxed) in held.drain(..).enumerate() {
                        let mut expected = Stamp::new(owner, round, slot);
                        expected.check[4] = usize::MAX - round;
                        assert_eq!(*boxed, expected, "block taken over by another owner");
                    }
                }
            });
        }
    });
    let stats = StampPool::stats();
    let total = (THREADS * ROUNDS * HOLD) as u64;
    assert_eq!(stats.used, 0);
    assert_eq!(
        (stats.allocs, stats.frees, stats.failures),
        (total, total, 0)
    );
    assert!(
        stats.high_water >= HOLD && stats.high_water <= THREADS * HOLD,
        "high water {}",
        stats.high_water
    );
    assert_eq!(StampPool::validate(), Ok(()));
}

#[test]
fn threads_never_share_a_raw_block() {
    let raw: &(dyn RawPool + Sync) = &RawStampPool;
    thread::scope(|scope| {
        for owner in 0..THREADS {
            scope.spawn(move || {
                let mut held = Vec::with_capacity(HOLD);
                for round in 0..ROUNDS {
                    for slot in 0..HOLD {
                        let block = raw
                            .alloc_raw()
                            .expect("the pool is large enough for every thread")
                            .cast::<Stamp>();
                        // SAFETY: the block is ours and laid out for one `Stamp`.
                        unsafe { block.write(Stamp::new(owner, round, slot)) };
                        held.push(block);
                    }
                    for (slot, block) in held.drain(..).enumerate() {
                        // SAFETY: written above by this thread, which still owns the block.
                        let stamp = unsafe { block.read() };
                        assert_eq!(stamp, Stamp::new(owner, round, slot), "block taken over");
                        // SAFETY: taken with `alloc_raw` above, not used afterwards.
                        assert_eq!(unsafe { raw.free_raw(block.cast()) }, Ok(()));
                    }
                }
            });
        }
    });
    let stats = raw.stats();
    let total = (THREADS * ROUNDS * HOLD) as u64;
    assert_eq!(
        (stats.used, stats.allocs, stats.frees, stats.failures),
        (0, total, total, 0)
    );
    assert_eq!(RawStampPool::validate(), Ok(()));
}

#[test]
fn contention_beyond_capacity_counts_every_failure() {
    // Ten blocks, four threads that each want up to four: some allocations must fail, and the counts of
    // successes and failures seen by the threads must match the pool's counters and hook calls exactly.
    const WANT: usize = 4;
    let rounds = ROUNDS / 4;
    let outcomes: Vec<(u64, u64)> = thread::scope(|scope| {
        let workers: Vec<_> = (0..THREADS)
            .map(|owner| {
                scope.spawn(move || {
                    let (mut taken, mut refused) = (0u64, 0u64);
                    let mut held = Vec::with_capacity(WANT);
                    for round in 0..rounds {
                        for slot in 0..WANT {
                            match ContendedPool::alloc(Stamp::new(owner, round, slot)) {
                                Ok(boxed) => {
                                    taken += 1;
                                    held.push(boxed);
                                }
                                Err(failed) => {
                                    assert_eq!(failed.error(), PoolError::Exhausted);
                                    assert_eq!(failed.into_inner(), Stamp::new(owner, round, slot));
                                    refused += 1;
                                }
                            }
                        }
                        for boxed in held.drain(..) {
                            assert_eq!(
                                (boxed.owner, boxed.round),
                                (owner, round),
                                "block taken over"
                            );
                        }
                    }
                    (taken, refused)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().unwrap())
            .collect()
    });
    let taken: u64 = outcomes.iter().map(|(taken, _)| taken).sum();
    let refused: u64 = outcomes.iter().map(|(_, refused)| refused).sum();
    assert_eq!(taken + refused, (THREADS * rounds * WANT) as u64);
    let stats = ContendedPool::stats();
    assert_eq!(
        (stats.used, stats.allocs, stats.frees, stats.failures),
        (0, taken, taken, refused)
    );
    assert_eq!(CONTENDED_HOOK_CALLS.load(Ordering::SeqCst) as u64, refused);
    assert!(stats.high_water <= 10);
    assert_eq!(ContendedPool::validate(), Ok(()));
}

#[test]
fn racing_double_frees_free_exactly_once() {
    // Each round one block is taken, then two threads free it at the same moment: exactly one succeeds.
    let rounds = if cfg!(miri) { 20 } else { 2_000 };
    let raw: &(dyn RawPool + Sync) = &DoubleFreeRacePool;
    let shared = AtomicPtr::new(std::ptr::null_mut::<u8>());
    let start = Barrier::new(2);
    let done = Barrier::new(2);
    let results: Vec<(usize, usize)> = thread::scope(|scope| {
        let racers: Vec<_> = (0..2)
            .map(|racer| {
                let (shared, start, done) = (&shared, &start, &done);
                scope.spawn(move || {
                    let (mut freed, mut refused) = (0, 0);
                    for _ in 0..rounds {
                        if racer == 0 {
                            let block = raw.alloc_raw().expect("a free block");
                            shared.store(block.as_ptr(), Ordering::SeqCst);
                        }
                        start.wait();
                        let block = std::ptr::NonNull::new(shared.load(Ordering::SeqCst)).unwrap();
                        // SAFETY: the block was taken with `alloc_raw` and nobody uses it; of the two
                        // frees, the one that comes second finds it free and must be rejected.
                        match unsafe { raw.free_raw(block) } {
                            Ok(()) => freed += 1,
                            Err(PoolError::DoubleFree) => refused += 1,
                            Err(other) => panic!("unexpected {other:?}"),
                        }
                        done.wait();
                    }
                    (freed, refused)
                })
            })
            .collect();
        racers
            .into_iter()
            .map(|racer| racer.join().unwrap())
            .collect()
    });
    let freed: usize = results.iter().map(|(freed, _)| freed).sum();
    let refused: usize = results.iter().map(|(_, refused)| refused).sum();
    assert_eq!(
        (freed, refused),
        (rounds, rounds),
        "each block freed once and refused once"
    );
    let stats = raw.stats();
    assert_eq!(
        (stats.used, stats.allocs, stats.frees),
        (0, rounds as u64, rounds as u64)
    );
    assert_eq!(DoubleFreeRacePool::validate(), Ok(()));
}

#[test]
fn handles_travel_between_threads() {
    // A producer sends filled handles to a consumer, which checks and drops them: blocks are taken on one
    // thread and returned on another. At most 4 queued + 1 being sent + 1 being checked are in use.
    let messages = ROUNDS;
    let (sender, receiver) = mpsc::sync_channel::<PoolBox<ChannelPool>>(4);
    thread::scope(|scope| {
        scope.spawn(move || {
            for round in 0..messages {
                let boxed =
                    ChannelPool::alloc(Stamp::new(1, round, 0)).expect("never more than 6 in use");
                sender.send(boxed).unwrap();
            }
        });
        scope.spawn(move || {
            for round in 0..messages {
                let boxed = receiver.recv().unwrap();
                assert_eq!(*boxed, Stamp::new(1, round, 0));
            }
            assert!(receiver.recv().is_err(), "the producer is done");
        });
    });
    let stats = ChannelPool::stats();
    assert_eq!(
        (stats.used, stats.allocs, stats.frees, stats.failures),
        (0, messages as u64, messages as u64, 0)
    );
    assert!(stats.high_water <= 6, "high water {}", stats.high_water);
    assert_eq!(ChannelPool::validate(), Ok(()));
}

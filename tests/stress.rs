//! Stress: several threads hammer one shared pool with every kind of operation for a fixed number of
//! rounds. Each item is stamped with its owner and round, so a block handed out twice, or an upgrade that
//! reaches a newer item, is caught; at the end every block is free, `validate()` passes and the counters
//! add up.

use blockpool::{PoolBox, PoolRc, PoolWeak, RawPool, memory_pool};
use std::sync::{Arc, Barrier, Mutex};

#[memory_pool(count = 16, refcount = u16)]
#[derive(Clone, Debug)]
pub struct Stamped {
    owner: usize,
    round: usize,
    check: usize,
}

impl Stamped {
    fn new(owner: usize, round: usize) -> Self {
        Self {
            owner,
            round,
            check: owner ^ round ^ 0x5A5A,
        }
    }

    fn assert_stamp(&self, owner: usize, round: usize) {
        assert_eq!(
            (self.owner, self.round, self.check),
            (owner, round, owner ^ round ^ 0x5A5A),
            "a block was shared"
        );
    }
}

/// A weak handle published for other threads, with the owner and round its item must carry.
type Published = (PoolWeak<StampedPool>, usize, usize);

const ROUNDS: usize = if cfg!(miri) { 40 } else { 100_000 };

fn threads() -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, 8)
}

#[test]
fn threads_hammering_one_pool_lose_nothing_and_never_share_a_block() {
    let threads = threads();
    let start = Arc::new(Barrier::new(threads));
    // Weak handles published for other threads to upgrade, with the stamp they must find.
    let board: Arc<Mutex<Vec<Published>>> = Arc::default();
    let before = StampedPool::stats();
    let workers: Vec<_> = (0..threads)
        .map(|owner| {
            let start = start.clone();
            let board = board.clone();
            std::thread::spawn(move || {
                start.wait();
                let mut failures = 0u64;
                let mut kept: Vec<PoolRc<StampedPool>> = Vec::new();
                for round in 0..ROUNDS {
                    match round % 5 {
                        0 | 1 => match StampedPool::alloc(Stamped::new(owner, round)) {
                            Ok(mut boxed) => {
                                boxed.assert_stamp(owner, round);
                                boxed.round = round + 1;
                                boxed.check = owner ^ (round + 1) ^ 0x5A5A;
                                std::thread::yield_now();
                                boxed.assert_stamp(owner, round + 1);
                                if round % 7 == 0 {
                                    let shared = PoolBox::into_shared(boxed);
                                    board.lock().unwrap().push((
                                        PoolRc::downgrade(&shared),
                                        owner,
                                        round + 1,
                                    ));
                                    kept.push(shared);
                                }
                            }
                            Err(_) => failures += 1,
                        },
                        2 => {
                            if let Some(shared) = kept.pop() {
                                let clone = shared.clone();
                                assert!(PoolRc::strong_count(&clone) >= 2);
                                drop(shared);
                                clone.assert_stamp(clone.owner, clone.round);
                            }
                        }
                        3 => {
                            let target = board.lock().unwrap().pop();
                            if let Some((weak, their_owner, their_round)) = target {
                                if let Some(strong) = weak.upgrade() {
                                    strong.assert_stamp(their_owner, their_round);
                                }
                            }
                        }
                        _ => {
                            let raw: &dyn RawPool = &StampedPool;
                            match raw.alloc_raw() {
                                // SAFETY: a block we own, freed once.
                                Ok(block) => assert_eq!(unsafe { raw.free_raw(block) }, Ok(())),
                                Err(_) => failures += 1,
                            }
                            if kept.len() > 2 {
                                kept.remove(0);
                            }
                        }
                    }
                }
                failures
            })
        })
        .collect();
    let failures: u64 = workers
        .into_iter()
        .map(|worker| worker.join().unwrap())
        .sum();
    board.lock().unwrap().clear();
    let stats = StampedPool::stats();
    assert_eq!(stats.used, 0, "every block is back");
    assert_eq!(
        stats.allocs - before.allocs,
        stats.frees - before.frees,
        "allocs and frees add up"
    );
    assert_eq!(
        stats.failures - before.failures,
        failures,
        "every failure was counted once"
    );
    assert!(stats.high_water <= 16);
    assert_eq!(StampedPool::validate(), Ok(()));
}

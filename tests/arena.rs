//! Arenas declared in `pools!`: allocation and alignment, destructors at scope end, `Busy` for a second
//! scope, reset between scopes, high-water mark, exhaustion, strings and slices, panics, and options.
//!
//! Tests run in parallel, so each test has an arena of its own. That references cannot leave a scope is a
//! compile-fail test: `tests/ui/arena_reference_escapes.rs`.

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::sync::Barrier;
use std::sync::atomic::{AtomicUsize, Ordering};

use blockpool::{ArenaPool, ArenaStats, PoolError, pools};

static SMALL_FAILURES: AtomicUsize = AtomicUsize::new(0);

fn count_small_failure(event: &blockpool::FailureEvent) {
    assert_eq!(event.pool, "Small");
    assert_eq!(event.error, PoolError::Exhausted);
    SMALL_FAILURES.fetch_add(1, Ordering::Relaxed);
}

static WIPED_FAILURES: AtomicUsize = AtomicUsize::new(0);

fn count_wiped_failure(event: &blockpool::FailureEvent) {
    assert_eq!(event.pool, "Wiped");
    WIPED_FAILURES.fetch_add(1, Ordering::Relaxed);
}

pools! {
    map = ARENAS;
    pub Layouts(arena = 1024);
    pub Drops(arena = 1024);
    pub Nested(arena = 64);
    pub Contended(arena = 64);
    pub Reset(arena = 256);
    pub Water(arena = 512);
    pub Small(arena = 64, on_failure = count_small_failure);
    pub DropFull(arena = 64);
    pub Text(arena = 256);
    pub Panicky(arena = 256);
    pub Wiped(
        arena = 128,
        align = 64,
        zeroize,
        on_failure = count_wiped_failure,
        link_section = unsafe(".data.arena_wiped"),
    );
    pub Racy(arena = 128);
    pub Linked(arena = 256);
}

/// Records its id in a shared log when dropped.
#[derive(Debug)]
struct Noisy {
    id: u32,
    log: Rc<RefCell<Vec<u32>>>,
}

impl Drop for Noisy {
    fn drop(&mut self) {
        self.log.borrow_mut().push(self.id);
    }
}

#[repr(align(64))]
#[derive(Debug, PartialEq)]
struct Line([u8; 64]);

fn addr<T: ?Sized>(value: &T) -> usize {
    value as *const T as *const u8 as usize
}

#[test]
fn values_are_placed_with_their_alignment() {
    let result = Layouts::scope(|arena| {
        assert_eq!(arena.capacity(), 1024);
        assert_eq!(arena.used(), 0);
        let byte: &mut u8 = arena.alloc(1u8)?;
        assert_eq!(arena.used(), 1);
        // The buffer is 16-aligned: the u64 goes to offset 8.
        let word: &mut u64 = arena.alloc(2u64)?;
        assert_eq!(addr(word) % 8, 0);
        assert_eq!(arena.used(), 16);
        let line: &mut Line = arena.alloc(Line([3; 64]))?;
        assert_eq!(addr(line) % 64, 0);
        assert!(arena.used() >= 16 + 64);
        let after_line = arena.used();
        let half: &mut u16 = arena.alloc(4u16)?;
        assert_eq!(addr(half) % 2, 0);
        assert_eq!(arena.used(), after_line + 2);
        assert_eq!(arena.remaining(), arena.capacity() - arena.used());

        // Every reference is live at once, and each value is where it was put.
        *byte += 10;
        *word += 10;
        line.0[0] = 13;
        *half += 10;
        assert_eq!(
            (*byte, *word, line.0[0], line.0[1], *half),
            (11, 12, 13, 3, 14)
        );
        Ok(arena.used())
    });
    let used = result.unwrap();
    let stats = Layouts::stats();
    assert_eq!(stats.used, 0);
    assert_eq!(stats.high_water, used);
    assert_eq!(stats.scopes, 1);
}

#[test]
fn destructors_run_once_at_scope_end_newest_first() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let result = Drops::scope(|arena| {
        for id in 1..=3 {
            arena.alloc(Noisy {
                id,
                log: Rc::clone(&log),
            })?;
            arena.alloc(id)?; // no destructor, no record
        }
        let owned = arena.alloc(vec![1u8; 100])?; // a destructor that frees heap memory
        owned.push(2);
        assert!(
            log.borrow().is_empty(),
            "nothing is dropped before the scope ends"
        );
        assert_eq!(Rc::strong_count(&log), 4);
        Ok(owned.len())
    });
    assert_eq!(result, Ok(101));
    assert_eq!(*log.borrow(), [3, 2, 1]);
    assert_eq!(
        Rc::strong_count(&log),
        1,
        "each clone was dropped exactly once"
    );

    // An error from the body ends the scope the same way.
    log.borrow_mut().clear();
    let result: Result<(), PoolError> = Drops::scope(|arena| {
        arena.alloc(Noisy {
            id: 5,
            log: Rc::clone(&log),
        })?;
        Err(PoolError::Exhausted)
    });
    assert_eq!(result, Err(PoolError::Exhausted));
    assert_eq!(*log.borrow(), [5]);
    assert_eq!(Rc::strong_count(&log), 1);
    assert_eq!(Drops::stats().used, 0);
}

#[test]
fn a_nested_scope_is_busy() {
    let mut inner_ran = false;
    let result = Nested::scope(|arena| {
        let kept = arena.alloc(41u32)?;
        let inner = Nested::scope(|_| {
            inner_ran = true;
            Ok(())
        });
        assert_eq!(inner, Err(PoolError::Busy));
        *kept += 1;
        Ok(*kept)
    });
    assert_eq!(result, Ok(42));
    assert!(!inner_ran, "the refused scope's body must not run");
    let stats = Nested::stats();
    assert_eq!((stats.scopes, stats.failures), (1, 1));
    // The arena is free again.
    assert_eq!(Nested::scope(|arena| Ok(arena.used())), Ok(0));
    assert_eq!(Nested::stats().scopes, 2);
}

#[test]
fn a_scope_on_another_thread_is_busy_while_one_runs() {
    let barrier = Barrier::new(2);
    let refused = std::thread::scope(|s| {
        let holder = s.spawn(|| {
            Contended::scope(|arena| {
                let value = arena.alloc(7u64)?;
                barrier.wait(); // inside the scope
                barrier.wait(); // the other thread has tried
                Ok(*value)
            })
        });
        barrier.wait();
        let refused = Contended::scope(|_| Ok(()));
        barrier.wait();
        assert_eq!(holder.join().unwrap(), Ok(7));
        refused
    });
    assert_eq!(refused, Err(PoolError::Busy));
    assert_eq!(Contended::stats().failures, 1);
    // Once the holder's scope is over, a scope on this thread runs.
    assert_eq!(Contended::scope(|arena| Ok(arena.used())), Ok(0));
    assert_eq!(Contended::stats().scopes, 2);
}

#[test]
fn each_scope_starts_with_the_whole_buffer() {
    let first = Reset::scope(|arena| {
        let bytes = arena.alloc([1u8; 100])?;
        assert_eq!(arena.used(), 100);
        Ok(addr(bytes))
    })
    .unwrap();
    assert_eq!(Reset::stats().used, 0);
    let second = Reset::scope(|arena| {
        assert_eq!(arena.used(), 0);
        assert_eq!(arena.remaining(), 256);
        let bytes = arena.alloc([2u8; 100])?;
        assert_eq!(*bytes, [2; 100]);
        Ok(addr(bytes))
    })
    .unwrap();
    assert_eq!(first, second, "the second scope reuses the same bytes");
    // The whole buffer, twice over in total, in two scopes.
    for _ in 0..2 {
        Reset::scope(|arena| {
            arena.alloc([3u8; 256])?;
            assert_eq!(arena.remaining(), 0);
            Ok(())
        })
        .unwrap();
    }
    assert_eq!(Reset::stats().scopes, 4);
    assert_eq!(Reset::stats().failures, 0);
}

#[test]
fn the_high_water_mark_is_the_largest_scope() {
    let use_bytes = |n: usize| {
        Water::scope(|arena| {
            arena.alloc_slice(&vec![0u8; n])?;
            Ok(arena.used())
        })
    };
    assert_eq!(use_bytes(300), Ok(300));
    assert_eq!(Water::stats().high_water, 300);
    assert_eq!(use_bytes(100), Ok(100));
    assert_eq!(Water::stats().high_water, 300);
    assert_eq!(use_bytes(400), Ok(400));
    assert_eq!(
        Water::stats(),
        ArenaStats {
            capacity: 512,
            used: 0,
            high_water: 400,
            scopes: 3,
            failures: 0,
        }
    );
}

#[test]
fn a_full_arena_gives_the_value_back() {
    let result = Small::scope(|arena| {
        let first = arena.alloc([0u8; 48])?;
        let failed = arena.alloc([1u8; 32]).unwrap_err();
        assert_eq!(failed.error(), PoolError::Exhausted);
        assert_eq!(failed.into_inner(), [1; 32]);
        assert_eq!(arena.used(), 48, "a failed allocation takes nothing");
        // What is left still serves a value that fits exactly.
        let last = arena.alloc([2u8; 16])?;
        assert_eq!(arena.remaining(), 0);
        assert_eq!(arena.alloc(3u8).unwrap_err().into_inner(), 3);
        assert_eq!(arena.alloc_slice(&[4u8]), Err(PoolError::Exhausted));
        assert_eq!(arena.alloc_str("x"), Err(PoolError::Exhausted));
        first[0] = 9;
        Ok((first[0], last[15]))
    });
    assert_eq!(result, Ok((9, 2)));
    assert_eq!(Small::stats().failures, 4);
    assert_eq!(SMALL_FAILURES.load(Ordering::Relaxed), 4);
    assert_eq!(Small::stats().high_water, 64);
}

#[test]
fn a_value_that_needs_dropping_comes_back_whole_when_it_does_not_fit() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let mut largest_used = 0;
    let result = DropFull::scope(|arena| {
        let kept = arena.alloc(Noisy {
            id: 2,
            log: Rc::clone(&log),
        })?;
        largest_used = arena.used();
        assert!(largest_used < 64);

        // The rest of the 64 bytes cannot hold this value and its drop record.
        let big = Noisy {
            id: 1,
            log: Rc::clone(&log),
        };
        let failed = arena.alloc((big, [0u8; 8])).unwrap_err();
        assert_eq!(failed.error(), PoolError::Exhausted);
        assert_eq!(arena.used(), largest_used, "nothing is left reserved");
        let (big, _) = failed.into_inner();
        assert_eq!(big.id, 1);
        assert!(log.borrow().is_empty());
        drop(big);
        assert_eq!(*log.borrow(), [1]);
        Ok(kept.id)
    });
    assert_eq!(result, Ok(2));
    assert_eq!(*log.borrow(), [1, 2], "each value dropped exactly once");
    assert_eq!(Rc::strong_count(&log), 1);
    assert_eq!(DropFull::stats().failures, 1);
    // The high-water mark counts bytes that were handed out, not the room a failed allocation probed.
    assert_eq!(DropFull::stats().high_water, largest_used);
}

#[test]
fn strings_and_slices_are_copied_in() {
    let result = Text::scope(|arena| {
        let text = arena.alloc_str("héllo")?;
        assert_eq!(arena.used(), "héllo".len());
        text.make_ascii_uppercase();
        let numbers = arena.alloc_slice(&[1u32, 2, 3])?;
        assert_eq!(addr(numbers) % 4, 0);
        numbers[0] = 10;
        let empty = arena.alloc_slice::<u64>(&[])?;
        assert!(empty.is_empty());
        let nothing = arena.alloc_str("")?;
        assert_eq!(nothing, "");
        let pairs = arena.alloc_slice(&[(1u8, 2u16); 4])?;
        assert_eq!(pairs.len(), 4);
        assert_eq!(addr(pairs) % align_of::<(u8, u16)>(), 0);
        assert_eq!(arena.alloc_slice(&[0u8; 300]), Err(PoolError::Exhausted));
        Ok(format!("{text} {}", numbers.iter().sum::<u32>()))
    });
    assert_eq!(result.as_deref(), Ok("HéLLO 15"));
    assert_eq!(Text::stats().used, 0);
}

#[test]
fn a_panic_in_the_scope_drops_everything_and_releases_the_arena() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let caught = catch_unwind(AssertUnwindSafe(|| {
        Panicky::scope(|arena| -> Result<(), PoolError> {
            for id in [1, 2] {
                arena.alloc(Noisy {
                    id,
                    log: Rc::clone(&log),
                })?;
            }
            std::panic::panic_any("expected panic inside an arena scope");
        })
    }));
    assert!(caught.is_err());
    assert_eq!(*log.borrow(), [2, 1]);
    assert_eq!(Rc::strong_count(&log), 1);
    assert_eq!(Panicky::stats().used, 0);
    // Not `Busy`: the scope ended.
    let next = Panicky::scope(|arena| {
        assert_eq!(arena.used(), 0);
        Ok(*arena.alloc(5u8)?)
    });
    assert_eq!(next, Ok(5));
    assert_eq!(Panicky::stats().scopes, 2);
    assert_eq!(Panicky::stats().failures, 0);
}

/// What `zeroize` does (wipe the used bytes at scope end) cannot be seen through the safe API: every
/// allocation writes its value first. This checks that the options are applied and the arena works.
#[test]
fn an_arena_with_every_option_works() {
    let log = Rc::new(RefCell::new(Vec::new()));
    for round in 0..3 {
        let result = Wiped::scope(|arena| {
            let first = arena.alloc(round as u8)?;
            assert_eq!(addr(first) % 64, 0, "`align = 64` aligns the buffer");
            arena.alloc(Noisy {
                id: round,
                log: Rc::clone(&log),
            })?;
            let failed = arena.alloc([0u8; 128]).unwrap_err();
            Ok(failed.error())
        });
        assert_eq!(result, Ok(PoolError::Exhausted));
    }
    assert_eq!(*log.borrow(), [0, 1, 2]);
    assert_eq!(WIPED_FAILURES.load(Ordering::Relaxed), 3);
    let stats = Wiped::stats();
    assert_eq!((stats.capacity, stats.used, stats.scopes), (128, 0, 3));
    assert_eq!(stats.failures, 3);
    let debug = format!("{Wiped:?}");
    assert_eq!(
        debug,
        format!(
            "Wiped {{ capacity: 128, used: 0, high_water: {}, scopes: 3, failures: 3 }}",
            stats.high_water
        )
    );
    assert_eq!(Wiped::NAME, "Wiped");
    assert_eq!(<Wiped as ArenaPool>::NAME, "Wiped");
}

#[test]
fn threads_take_turns_and_every_refusal_is_counted() {
    let rounds = if cfg!(miri) { 20 } else { 2000 };
    let entered = AtomicUsize::new(0);
    let refused = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for t in 0..4u64 {
            let (entered, refused) = (&entered, &refused);
            s.spawn(move || {
                for round in 0..rounds {
                    let result = Racy::scope(|arena| {
                        assert_eq!(arena.used(), 0, "a scope sees a fresh arena");
                        let values = arena.alloc_slice(&[t; 8])?;
                        values[0] = round;
                        Ok(values.iter().skip(1).all(|&v| v == t))
                    });
                    match result {
                        Ok(intact) => {
                            assert!(intact, "another scope wrote into this one");
                            entered.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(PoolError::Busy) => {
                            refused.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(other) => panic!("unexpected {other:?}"),
                    }
                }
            });
        }
    });
    let (entered, refused) = (entered.into_inner(), refused.into_inner());
    assert_eq!(entered + refused, 4 * rounds as usize);
    let stats = Racy::stats();
    assert_eq!(stats.scopes, entered as u64);
    assert_eq!(stats.failures, refused as u64);
    assert_eq!(stats.used, 0);
    assert_eq!(stats.high_water, 64);
}

#[test]
fn the_map_lists_each_arena() {
    let wiped = ARENAS.pools.iter().find(|p| p.name == "Wiped").unwrap();
    assert_eq!(wiped.kind, blockpool::PoolKind::Arena);
    assert_eq!((wiped.block_size, wiped.count), (128, 1));
    assert!(wiped.bytes >= 128);
    assert_eq!(ARENAS.pools.len(), 13);
}

/// A node of a list built in the arena: it borrows the next node, so it goes in with `alloc_no_drop`.
struct Node<'a> {
    value: u32,
    next: Option<&'a Node<'a>>,
    log: Rc<RefCell<Vec<u32>>>,
}

impl Drop for Node<'_> {
    fn drop(&mut self) {
        self.log.borrow_mut().push(self.value);
    }
}

#[test]
fn values_that_borrow_each_other_go_in_without_destructors() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let sum = Linked::scope(|arena| {
        let mut head: Option<&Node<'_>> = None;
        for value in 1..=4 {
            let node = Node {
                value,
                next: head,
                log: Rc::clone(&log),
            };
            head = Some(arena.alloc_no_drop(node).map_err(PoolError::from)?);
        }
        let mut sum = 0;
        let mut at = head;
        while let Some(node) = at {
            sum += node.value;
            at = node.next;
        }
        Ok(sum)
    })
    .unwrap();
    assert_eq!(sum, 10);
    assert!(
        log.borrow().is_empty(),
        "alloc_no_drop never runs destructors"
    );
    assert_eq!(
        Rc::strong_count(&log),
        5,
        "the four clones were leaked, not dropped"
    );
    assert_eq!(
        Linked::stats().used,
        0,
        "the memory is reclaimed all the same"
    );
}

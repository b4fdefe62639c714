//! The probe for the O(1) proof (`scripts/o1-proof.sh`): fills pools to a given level, then performs
//! `PAIRS` allocations and frees through `#[inline(never)]` functions, one per pool and operation, whose
//! inclusive instruction counts callgrind reports. Instructions per operation = count / `PAIRS`.
//!
//! Pools: blockpool with 1024 and 65535 blocks of a 64-byte item, heapless `box_pool!`, atomic-pool, the
//! system allocator (`Box::new`), and the two baselines in `benches/common/` (a plain index free list and a
//! lock-free Treiber stack). Before measuring, every block of every pool is used and freed once, so the
//! first hand-out of a block (which updates the high-water mark) is not part of the count.
//!
//! `cargo run --release -p blockpool-bench --example o1_probe -- <level in percent>` (0 to 99). Run without valgrind it only
//! checks that it works.

#[path = "../common/mod.rs"]
mod common;

use std::hint::black_box;

use blockpool::{PoolBox, PoolBytes, memory_pool, pools};
use common::{Item, PlainFreeList, TreiberStack};
use heapless::box_pool;
use heapless::pool::boxed::BoxBlock;

/// Alloc/free pairs measured per pool at each level.
const PAIRS: u64 = 10_000;

#[memory_pool(type = Item, count = 1024)]
struct Pool1024;

#[memory_pool(type = Item, count = 65535)]
struct Pool65535;

/// The same pool with a wait queue nobody uses: what `wait` costs when no task waits.
#[memory_pool(type = Item, count = 1024, wait = 4)]
struct Wait1024;

/// The same pool remembering each block's allocation site.
#[memory_pool(type = Item, count = 1024, track_callers)]
struct Track1024;

/// The same pool with a trace hook that counts the events (what a hook costs beyond its own work).
#[memory_pool(type = Item, count = 1024, trace = count_event)]
struct Trace1024;

static EVENTS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn count_event(_: &blockpool::TraceEvent) {
    EVENTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

/// The same pool without bookkeeping.
#[memory_pool(type = Item, count = 1024, stats = false)]
struct NoStats1024;

// A fallback chain of two pools: served by its first member (`Chain1024`), and by its second while the
// first is full (`Spill`).
blockpool::pools! {
    map = CHAIN_MAP;
    ChainFirst(type = Item, count = 1024);
    ChainSecond(type = Item, count = 1024);
    Chain1024(chain = [ChainFirst, ChainSecond]);
    SpillFirst(type = Item, count = 16);
    SpillSecond(type = Item, count = 1024);
    Spill(chain = [SpillFirst, SpillSecond]);
}

pools! {
    /// A byte pool of one class: `alloc_bytes` and the drop of its buffer.
    Bytes1024(classes = [(64, 1024)]);
    /// The same byte pool with a wait queue nobody uses.
    WaitBytes1024(classes = [(64, 1024)], wait = 4);
    /// The same byte pool remembering each buffer's allocation site.
    TrackBytes1024(classes = [(64, 1024)], track_callers);
    /// The same byte pool with the counting trace hook.
    TraceBytes1024(classes = [(64, 1024)], trace = count_event);
}

box_pool!(Heapless1024: Item);
box_pool!(Heapless65535: Item);
/// atomic-pool's macro computes `(N + 31) / 32` in the caller's crate.
#[allow(clippy::manual_div_ceil)]
mod atomic {
    atomic_pool::pool!(pub Atomic1024: [super::Item; 1024]);
    atomic_pool::pool!(pub Atomic65535: [super::Item; 65535]);
}
use atomic::{Atomic1024, Atomic65535};

static TREIBER_1024: TreiberStack<Item, 1024> = TreiberStack::new();
static TREIBER_65535: TreiberStack<Item, 65535> = TreiberStack::new();

/// Defines the measured pair of functions for one pool: `$alloc` takes a block and moves the item in,
/// `$free` drops the handle. Never inlined, so each is one function in callgrind's output.
macro_rules! probes {
    ($alloc:ident, $free:ident, $handle:ty, |$seed:ident| $make:expr, |$h:ident| $drop:expr) => {
        #[inline(never)]
        fn $alloc($seed: u64) -> $handle {
            $make
        }

        #[inline(never)]
        fn $free($h: $handle) {
            $drop
        }
    };
}

probes!(
    blockpool_alloc_1024,
    blockpool_free_1024,
    PoolBox<Pool1024>,
    |seed| Pool1024::alloc(Item::new(seed)).unwrap(),
    |h| drop(h)
);
probes!(
    blockpool_alloc_65535,
    blockpool_free_65535,
    PoolBox<Pool65535>,
    |seed| Pool65535::alloc(Item::new(seed)).unwrap(),
    |h| drop(h)
);
probes!(
    wait_alloc_1024,
    wait_free_1024,
    PoolBox<Wait1024>,
    |seed| Wait1024::alloc(Item::new(seed)).unwrap(),
    |h| drop(h)
);
probes!(
    track_alloc_1024,
    track_free_1024,
    PoolBox<Track1024>,
    |seed| Track1024::alloc(Item::new(seed)).unwrap(),
    |h| drop(h)
);
probes!(
    trace_alloc_1024,
    trace_free_1024,
    PoolBox<Trace1024>,
    |seed| Trace1024::alloc(Item::new(seed)).unwrap(),
    |h| drop(h)
);
probes!(
    nostats_alloc_1024,
    nostats_free_1024,
    PoolBox<NoStats1024>,
    |seed| NoStats1024::alloc(Item::new(seed)).unwrap(),
    |h| drop(h)
);
probes!(
    chain_alloc_1024,
    chain_free_1024,
    PoolBox<Chain1024>,
    |seed| Chain1024::alloc(Item::new(seed)).unwrap(),
    |h| drop(h)
);
probes!(
    chain_second_alloc_1024,
    chain_second_free_1024,
    PoolBox<Spill>,
    |seed| Spill::alloc(Item::new(seed)).unwrap(),
    |h| drop(h)
);
probes!(
    bytes_alloc_1024,
    bytes_free_1024,
    PoolBytes<Bytes1024>,
    |seed| Bytes1024::alloc_bytes(black_box(seed as usize % 64 + 1)).unwrap(),
    |h| drop(h)
);
probes!(
    wait_bytes_alloc_1024,
    wait_bytes_free_1024,
    PoolBytes<WaitBytes1024>,
    |seed| WaitBytes1024::alloc_bytes(black_box(seed as usize % 64 + 1)).unwrap(),
    |h| drop(h)
);
probes!(
    track_bytes_alloc_1024,
    track_bytes_free_1024,
    PoolBytes<TrackBytes1024>,
    |seed| TrackBytes1024::alloc_bytes(black_box(seed as usize % 64 + 1)).unwrap(),
    |h| drop(h)
);
probes!(
    trace_bytes_alloc_1024,
    trace_bytes_free_1024,
    PoolBytes<TraceBytes1024>,
    |seed| TraceBytes1024::alloc_bytes(black_box(seed as usize % 64 + 1)).unwrap(),
    |h| drop(h)
);
probes!(
    heapless_alloc_1024,
    heapless_free_1024,
    heapless::pool::boxed::Box<Heapless1024>,
    |seed| Heapless1024.alloc(Item::new(seed)).unwrap(),
    |h| drop(h)
);
probes!(
    heapless_alloc_65535,
    heapless_free_65535,
    heapless::pool::boxed::Box<Heapless65535>,
    |seed| Heapless65535.alloc(Item::new(seed)).unwrap(),
    |h| drop(h)
);
probes!(
    atomic_pool_alloc_1024,
    atomic_pool_free_1024,
    atomic_pool::Box<Atomic1024>,
    |seed| atomic_pool::Box::new(Item::new(seed)).unwrap(),
    |h| drop(h)
);
probes!(
    atomic_pool_alloc_65535,
    atomic_pool_free_65535,
    atomic_pool::Box<Atomic65535>,
    |seed| atomic_pool::Box::new(Item::new(seed)).unwrap(),
    |h| drop(h)
);
probes!(
    treiber_alloc_1024,
    treiber_free_1024,
    u32,
    |seed| TREIBER_1024.alloc(Item::new(seed)).unwrap(),
    // SAFETY: every index passed here was allocated by `treiber_alloc_1024` and is freed once.
    |h| unsafe { TREIBER_1024.free(h) }
);
probes!(
    treiber_alloc_65535,
    treiber_free_65535,
    u32,
    |seed| TREIBER_65535.alloc(Item::new(seed)).unwrap(),
    // SAFETY: every index passed here was allocated by `treiber_alloc_65535` and is freed once.
    |h| unsafe { TREIBER_65535.free(h) }
);
probes!(
    system_alloc,
    system_free,
    Box<Item>,
    |seed| Box::new(Item::new(seed)),
    |h| drop(h)
);

/// The plain free list takes `&mut self`, so it is passed in rather than named.
#[inline(never)]
fn plain_alloc_1024(list: &mut PlainFreeList<Item, 1024>, seed: u64) -> u32 {
    list.alloc(Item::new(seed)).unwrap()
}

#[inline(never)]
fn plain_free_1024(list: &mut PlainFreeList<Item, 1024>, index: u32) {
    list.free(index);
}

#[inline(never)]
fn plain_alloc_65535(list: &mut PlainFreeList<Item, 65535>, seed: u64) -> u32 {
    list.alloc(Item::new(seed)).unwrap()
}

#[inline(never)]
fn plain_free_65535(list: &mut PlainFreeList<Item, 65535>, index: u32) {
    list.free(index);
}

/// Uses every block of a pool once (so no first-use path is measured), fills it to `level` percent of
/// `blocks`, then runs `PAIRS` measured alloc/free pairs, then empties the pool. `fill` and `unfill`
/// allocate and free outside the measured functions.
fn exercise<H>(
    blocks: usize,
    level: usize,
    mut fill: impl FnMut(u64) -> H,
    mut unfill: impl FnMut(H),
    mut alloc: impl FnMut(u64) -> H,
    mut free: impl FnMut(H),
) {
    let warm: Vec<H> = (0..blocks as u64).map(&mut fill).collect();
    warm.into_iter().for_each(&mut unfill);
    let held: Vec<H> = (0..(blocks * level / 100) as u64).map(&mut fill).collect();
    for seed in 0..PAIRS {
        let handle = alloc(black_box(seed));
        free(black_box(handle));
    }
    held.into_iter().for_each(unfill);
}

fn main() {
    let level: usize = std::env::args()
        .nth(1)
        .map(|arg| arg.parse().expect("a fill level in percent, 0 to 99"))
        .unwrap_or(50);
    assert!(level < 100, "the fill level is a percentage below 100");

    let boxes: &'static mut [BoxBlock<Item>] =
        Vec::from_iter((0..1024).map(|_| BoxBlock::new())).leak();
    for block in boxes {
        Heapless1024.manage(block);
    }
    let boxes: &'static mut [BoxBlock<Item>] =
        Vec::from_iter((0..65535).map(|_| BoxBlock::new())).leak();
    for block in boxes {
        Heapless65535.manage(block);
    }
    TREIBER_1024.link();
    TREIBER_65535.link();
    let mut plain_1024 = Box::new(PlainFreeList::<Item, 1024>::new());
    let mut plain_65535 = Box::new(PlainFreeList::<Item, 65535>::new());

    // Filling and emptying go through closures of their own, so only the measured pairs are counted.
    exercise(
        1024,
        level,
        |s| Wait1024::alloc(Item::new(s)).unwrap(),
        drop,
        wait_alloc_1024,
        wait_free_1024,
    );
    exercise(
        1024,
        level,
        |s| Track1024::alloc(Item::new(s)).unwrap(),
        drop,
        track_alloc_1024,
        track_free_1024,
    );
    // Read the sites, so that the compiler keeps the stores that record them (a program that never looks
    // at its holders would have them removed).
    black_box(
        Track1024::holders()
            .filter_map(|holder| holder.site)
            .count(),
    );
    exercise(
        1024,
        level,
        |s| Trace1024::alloc(Item::new(s)).unwrap(),
        drop,
        trace_alloc_1024,
        trace_free_1024,
    );
    exercise(
        1024,
        level,
        |s| NoStats1024::alloc(Item::new(s)).unwrap(),
        drop,
        nostats_alloc_1024,
        nostats_free_1024,
    );
    exercise(
        1024,
        level,
        |s| Pool1024::alloc(Item::new(s)).unwrap(),
        drop,
        blockpool_alloc_1024,
        blockpool_free_1024,
    );
    exercise(
        1024,
        level,
        |s| Chain1024::alloc(Item::new(s)).unwrap(),
        drop,
        chain_alloc_1024,
        chain_free_1024,
    );
    // The first member full all along: every measured allocation falls over to the second, and every free
    // checks the first member's range before the second's.
    let first_full: Vec<_> = (0..16)
        .map(|s| SpillFirst::alloc(Item::new(s)).unwrap())
        .collect();
    exercise(
        1024,
        level,
        |s| Spill::alloc(Item::new(s)).unwrap(),
        drop,
        chain_second_alloc_1024,
        chain_second_free_1024,
    );
    drop(first_full);
    assert_eq!(CHAIN_MAP.pools.len(), 6);
    exercise(
        65535,
        level,
        |s| Pool65535::alloc(Item::new(s)).unwrap(),
        drop,
        blockpool_alloc_65535,
        blockpool_free_65535,
    );
    exercise(
        1024,
        level,
        |s| Bytes1024::alloc_bytes(s as usize % 64 + 1).unwrap(),
        drop,
        bytes_alloc_1024,
        bytes_free_1024,
    );
    exercise(
        1024,
        level,
        |s| WaitBytes1024::alloc_bytes(s as usize % 64 + 1).unwrap(),
        drop,
        wait_bytes_alloc_1024,
        wait_bytes_free_1024,
    );
    exercise(
        1024,
        level,
        |s| TrackBytes1024::alloc_bytes(s as usize % 64 + 1).unwrap(),
        drop,
        track_bytes_alloc_1024,
        track_bytes_free_1024,
    );
    // As for `Track1024`: read the sites.
    black_box(
        TrackBytes1024::holders()
            .filter_map(|holder| holder.site)
            .count(),
    );
    exercise(
        1024,
        level,
        |s| TraceBytes1024::alloc_bytes(s as usize % 64 + 1).unwrap(),
        drop,
        trace_bytes_alloc_1024,
        trace_bytes_free_1024,
    );
    exercise(
        1024,
        level,
        |s| Heapless1024.alloc(Item::new(s)).unwrap(),
        drop,
        heapless_alloc_1024,
        heapless_free_1024,
    );
    exercise(
        65535,
        level,
        |s| Heapless65535.alloc(Item::new(s)).unwrap(),
        drop,
        heapless_alloc_65535,
        heapless_free_65535,
    );
    exercise(
        1024,
        level,
        |s| atomic_pool::Box::<Atomic1024>::new(Item::new(s)).unwrap(),
        drop,
        atomic_pool_alloc_1024,
        atomic_pool_free_1024,
    );
    exercise(
        65535,
        level,
        |s| atomic_pool::Box::<Atomic65535>::new(Item::new(s)).unwrap(),
        drop,
        atomic_pool_alloc_65535,
        atomic_pool_free_65535,
    );
    exercise(
        1024,
        level,
        |s| TREIBER_1024.alloc(Item::new(s)).unwrap(),
        // SAFETY: every index freed here was allocated by the closure above and is freed once.
        |index| unsafe { TREIBER_1024.free(index) },
        treiber_alloc_1024,
        treiber_free_1024,
    );
    exercise(
        65535,
        level,
        |s| TREIBER_65535.alloc(Item::new(s)).unwrap(),
        // SAFETY: every index freed here was allocated by the closure above and is freed once.
        |index| unsafe { TREIBER_65535.free(index) },
        treiber_alloc_65535,
        treiber_free_65535,
    );
    // The system allocator has no capacity: the level is that share of 1024 live 64-byte boxes.
    exercise(
        1024,
        level,
        |s| Box::new(Item::new(s)),
        drop,
        system_alloc,
        system_free,
    );

    plain(
        &mut plain_1024,
        1024,
        level,
        plain_alloc_1024,
        plain_free_1024,
    );
    plain(
        &mut plain_65535,
        65535,
        level,
        plain_alloc_65535,
        plain_free_65535,
    );

    println!("o1_probe: level {level}%, {PAIRS} measured alloc/free pairs per pool");
}

/// [`exercise`] for the plain free list, which every step borrows mutably.
fn plain<const N: usize>(
    list: &mut PlainFreeList<Item, N>,
    blocks: usize,
    level: usize,
    alloc: fn(&mut PlainFreeList<Item, N>, u64) -> u32,
    free: fn(&mut PlainFreeList<Item, N>, u32),
) {
    let warm: Vec<u32> = (0..blocks as u64)
        .map(|s| list.alloc(Item::new(s)).unwrap())
        .collect();
    for index in warm {
        list.free(index);
    }
    let held: Vec<u32> = (0..(blocks * level / 100) as u64)
        .map(|s| list.alloc(Item::new(s)).unwrap())
        .collect();
    for seed in 0..PAIRS {
        let index = alloc(list, black_box(seed));
        free(list, black_box(index));
    }
    for index in held {
        list.free(index);
    }
}

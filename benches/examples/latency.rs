//! Latency of single operations: times every allocation and every free, one by one, over a million
//! alloc/free pairs (after a warm-up of 100,000; the allocators take turns in 20 rounds), and prints the 50th, 99th and 99.99th percentiles and the
//! maximum for blockpool, heapless's `box_pool!`, the system allocator (`Box::new`) and the Treiber-stack
//! baseline of `benches/common/`. Each pool holds 1024 blocks of a 64-byte item and is kept half full, so
//! the operations run on a realistic pool, not an empty one.
//!
//! The clock is the time-stamp counter (`rdtsc` between `lfence`s) on x86-64 and `Instant` elsewhere.
//! Reading it costs time of its own: that cost is measured first (the median of back-to-back readings), printed,
//! and subtracted from every sample. Percentiles below a few nanoseconds are therefore at the resolution of
//! the method; the tail (p99.99, max) is what this tool is for, and on a shared or virtual machine the
//! maximum includes preemptions by the scheduler or the hypervisor that no allocator can avoid.
//!
//! `cargo run --release -p blockpool-bench --example latency` (`scripts/bench.sh` runs it for docs/benchmarks.md).
//! `LATENCY_PAIRS=N` changes the number of measured pairs.

#[path = "../common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::Instant;

use blockpool::memory_pool;
use common::{Item, TreiberStack};
use heapless::box_pool;
use heapless::pool::boxed::BoxBlock;

const BLOCKS: usize = 1024;
const WARM_UP: usize = 100_000;

#[memory_pool(type = Item, count = 1024)]
struct LatencyPool;

box_pool!(HeaplessLatency: Item);

static TREIBER: TreiberStack<Item, BLOCKS> = TreiberStack::new();

/// Reads the clock in ticks.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn ticks() -> u64 {
    use core::arch::x86_64::{_mm_lfence, _rdtsc};
    // SAFETY: `lfence` and `rdtsc` are in every x86-64 processor (SSE2 is part of the baseline) and have no
    // memory effects; the fences keep the read from moving across the measured operation.
    unsafe {
        _mm_lfence();
        let now = _rdtsc();
        _mm_lfence();
        now
    }
}

/// Reads the clock in ticks (nanoseconds since the first call, where there is no cycle counter).
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn ticks() -> u64 {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

/// Ticks per nanosecond, measured against `Instant` over 200 ms.
fn ticks_per_ns() -> f64 {
    let (wall, start) = (Instant::now(), ticks());
    while wall.elapsed().as_millis() < 200 {
        std::hint::spin_loop();
    }
    (ticks() - start) as f64 / wall.elapsed().as_nanos() as f64
}

/// The median cost of reading the clock, in ticks: subtracted from every sample.
fn timer_overhead() -> u64 {
    let mut samples: Vec<u64> = (0..200_000)
        .map(|_| {
            let start = ticks();
            ticks() - start
        })
        .collect();
    samples.sort_unstable();
    samples[samples.len() / 2]
}

/// The times of one operation, in ticks, already corrected for the timer.
struct Samples(Vec<u64>);

impl Samples {
    fn summary(mut self, per_ns: f64) -> [f64; 4] {
        self.0.sort_unstable();
        let at = |q: f64| {
            let index = ((self.0.len() as f64 * q).ceil() as usize).clamp(1, self.0.len()) - 1;
            self.0[index] as f64 / per_ns
        };
        [
            at(0.50),
            at(0.99),
            at(0.9999),
            *self.0.last().unwrap() as f64 / per_ns,
        ]
    }
}

/// One allocator under test: its handles, how to make and drop them, and the blocks it keeps allocated so
/// that its pool is half full while it is measured.
struct Subject<H, A, F> {
    name: &'static str,
    alloc: A,
    free: F,
    held: Vec<H>,
    allocs: Vec<u64>,
    frees: Vec<u64>,
}

/// What `main` needs of a [`Subject`], whatever its handle type.
trait Timed {
    /// Times `pairs` allocations and frees one by one, adding the samples to those of earlier rounds.
    fn round(&mut self, pairs: usize, overhead: u64);
    /// Frees what the subject held; returns its name and its alloc and free samples.
    fn finish(self: Box<Self>) -> (&'static str, Samples, Samples);
}

impl<H, A: FnMut(u64) -> H, F: FnMut(H)> Subject<H, A, F> {
    /// Half fills the pool, then warms up with `WARM_UP` untimed pairs.
    fn new(name: &'static str, mut alloc: A, mut free: F, pairs: usize) -> Self {
        let held: Vec<H> = (0..BLOCKS as u64 / 2).map(&mut alloc).collect();
        for seed in 0..WARM_UP as u64 {
            free(black_box(alloc(black_box(seed))));
        }
        Self {
            name,
            alloc,
            free,
            held,
            allocs: Vec::with_capacity(pairs),
            frees: Vec::with_capacity(pairs),
        }
    }
}

impl<H, A: FnMut(u64) -> H, F: FnMut(H)> Timed for Subject<H, A, F> {
    fn round(&mut self, pairs: usize, overhead: u64) {
        for seed in 0..pairs as u64 {
            let start = ticks();
            let handle = black_box((self.alloc)(black_box(seed)));
            let between = ticks();
            (self.free)(handle);
            let end = ticks();
            self.allocs.push((between - start).saturating_sub(overhead));
            self.frees.push((end - between).saturating_sub(overhead));
        }
    }

    fn finish(mut self: Box<Self>) -> (&'static str, Samples, Samples) {
        let held = std::mem::take(&mut self.held);
        held.into_iter().for_each(&mut self.free);
        (self.name, Samples(self.allocs), Samples(self.frees))
    }
}

/// Rounds per subject: the subjects take turns, so that a noisy moment of a shared machine falls on all.
const ROUNDS: usize = 20;

fn main() {
    let pairs: usize = std::env::var("LATENCY_PAIRS")
        .ok()
        .map(|n| n.parse().expect("LATENCY_PAIRS is a number"))
        .unwrap_or(1_000_000);
    let blocks: &'static mut [BoxBlock<Item>] =
        Vec::from_iter((0..BLOCKS).map(|_| BoxBlock::new())).leak();
    for block in blocks {
        HeaplessLatency.manage(block);
    }
    TREIBER.link();

    let per_ns = ticks_per_ns();
    let overhead = timer_overhead();
    let clock = if cfg!(target_arch = "x86_64") {
        "rdtsc between lfences"
    } else {
        "Instant"
    };

    let mut subjects: Vec<Box<dyn Timed>> = vec![
        Box::new(Subject::new(
            "blockpool `PoolBox`",
            |s| LatencyPool::alloc(Item::new(s)).unwrap(),
            drop,
            pairs,
        )),
        Box::new(Subject::new(
            "heapless `box_pool!`",
            |s| HeaplessLatency.alloc(Item::new(s)).unwrap(),
            drop,
            pairs,
        )),
        Box::new(Subject::new(
            "system `Box::new`",
            |s| Box::new(Item::new(s)),
            drop,
            pairs,
        )),
        Box::new(Subject::new(
            "Treiber baseline",
            |s| TREIBER.alloc(Item::new(s)).unwrap(),
            // SAFETY: every index freed here was allocated by the closure above and is freed once.
            |index| unsafe { TREIBER.free(index) },
            pairs,
        )),
    ];
    for _ in 0..ROUNDS {
        for subject in &mut subjects {
            subject.round(pairs.div_ceil(ROUNDS), overhead);
        }
    }
    let pairs = pairs.div_ceil(ROUNDS) * ROUNDS;

    println!(
        "{pairs} alloc/free pairs per allocator in {ROUNDS} interleaved rounds, after {WARM_UP} warm-up \
         pairs, pool half full; clock: {clock}, {per_ns:.3} ticks/ns; timer overhead {overhead} ticks ({:.1} ns), subtracted from \
         every sample\n",
        overhead as f64 / per_ns
    );
    println!("| allocator | operation | p50 (ns) | p99 (ns) | p99.99 (ns) | max (ns) |");
    println!("|---|---|--:|--:|--:|--:|");
    for subject in subjects {
        let (name, allocs, frees) = subject.finish();
        for (operation, samples) in [("alloc", allocs), ("free", frees)] {
            let [p50, p99, p9999, max] = samples.summary(per_ns);
            println!("| {name} | {operation} | {p50:.1} | {p99:.1} | {p9999:.1} | {max:.0} |");
        }
    }
}

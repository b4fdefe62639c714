//! blockpool side by side with heapless's pools, atomic-pool, slab, bumpalo, the system allocator and two
//! baselines written in `common/` (a plain index free list, and a lock-free Treiber stack of indices).
//!
//! Every pool holds 1024 blocks of a 64-byte item. Groups:
//! - `alloc_free`: allocate one item (which writes its 64 bytes), touch it, free it, on one thread;
//! - `fill_free`: allocate all 1024 blocks, then free them all (throughput counts blocks);
//! - `shared`: allocate a shared handle, clone it, drop both;
//! - `bytes`: byte buffers of six mixed sizes (24 to 1000 bytes), allocated zeroed and freed;
//! - `arena`: one arena scope holding 100 small allocations, against a `bumpalo` bump reset each round;
//! - `two_threads`: both cores allocate and free on the same pool at once, in lockstep, with the item
//!   aligned to a cache line (time per pair, per thread).
//!
//! `scripts/bench.sh` runs this with the latency tool and the instruction-count proof and writes
//! `docs/benchmarks.md` and its chart. Alone: `cargo bench -p blockpool-bench --bench pools` (HTML report in
//! `target/criterion/report/index.html`).

#[path = "common/mod.rs"]
mod common;

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use blockpool::{PoolBox, PoolRc, memory_pool, pools};
use common::{Item, PlainFreeList, TreiberStack};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use heapless::pool::arc::ArcBlock;
use heapless::pool::boxed::BoxBlock;
use heapless::{arc_pool, box_pool};

/// Blocks in every pool.
const BLOCKS: usize = 1024;

#[memory_pool(type = Item, count = 1024)]
struct BlockPool;

#[memory_pool(type = Item, count = 1024, refcount)]
struct SharedBlockPool;

pools! {
    /// Six classes wide enough for the mixed sizes below, with room to spare.
    BytePoolBench(classes = [(32, 64), (64, 64), (128, 64), (256, 64), (512, 64), (1024, 64)], align = 8);
    /// Scratch for the arena group.
    ArenaBench(arena = 4096);
}

box_pool!(HeaplessBoxPool: Item);
arc_pool!(HeaplessArcPool: Item);

/// atomic-pool's macro computes `(N + 31) / 32` in the caller's crate.
#[allow(clippy::manual_div_ceil)]
mod atomic {
    atomic_pool::pool!(pub AtomicPool: [super::Item; 1024]);
}
use atomic::AtomicPool;

static TREIBER: TreiberStack<Item, BLOCKS> = TreiberStack::new();

/// The request sizes of the byte-buffer group, in bytes.
const BYTE_SIZES: [usize; 6] = [24, 64, 100, 256, 600, 1000];

/// Gives heapless's pools their blocks (they start empty) and links the Treiber baseline. Once.
fn setup() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let boxes: &'static mut [BoxBlock<Item>] =
            Vec::from_iter((0..BLOCKS).map(|_| BoxBlock::new())).leak();
        for block in boxes {
            HeaplessBoxPool.manage(block);
        }
        let arcs: &'static mut [ArcBlock<Item>] =
            Vec::from_iter((0..BLOCKS).map(|_| ArcBlock::new())).leak();
        for block in arcs {
            HeaplessArcPool.manage(block);
        }
        TREIBER.link();
    });
}

fn alloc_free(c: &mut Criterion) {
    setup();
    let mut group = c.benchmark_group("alloc_free");
    group.throughput(Throughput::Elements(1));
    let mut seed = 0u64;

    group.bench_function("blockpool", |b| {
        b.iter(|| {
            seed += 1;
            let block = BlockPool::alloc(Item::new(seed)).unwrap();
            drop(black_box(block));
        })
    });
    group.bench_function("heapless", |b| {
        b.iter(|| {
            seed += 1;
            let block = HeaplessBoxPool.alloc(Item::new(seed)).unwrap();
            drop(black_box(block));
        })
    });
    group.bench_function("atomic-pool", |b| {
        b.iter(|| {
            seed += 1;
            let block = atomic_pool::Box::<AtomicPool>::new(Item::new(seed)).unwrap();
            drop(black_box(block));
        })
    });
    group.bench_function("system", |b| {
        b.iter(|| {
            seed += 1;
            let block = Box::new(Item::new(seed));
            drop(black_box(block));
        })
    });
    group.bench_function("slab", |b| {
        let mut slab = slab::Slab::<Item>::with_capacity(BLOCKS);
        b.iter(|| {
            seed += 1;
            let key = slab.insert(Item::new(seed));
            black_box(&mut slab[key]);
            black_box(slab.remove(key));
        })
    });
    group.bench_function("plain-free-list", |b| {
        let mut list = PlainFreeList::<Item, BLOCKS>::new();
        b.iter(|| {
            seed += 1;
            let index = list.alloc(Item::new(seed)).unwrap();
            black_box(list.get_mut(index));
            list.free(index);
        })
    });
    group.bench_function("treiber", |b| {
        b.iter(|| {
            seed += 1;
            let index = TREIBER.alloc(Item::new(seed)).unwrap();
            // SAFETY: `index` was just allocated here and is freed right after; nothing else reaches it.
            black_box(unsafe { TREIBER.get_mut(index) });
            // SAFETY: as above; freed once.
            unsafe { TREIBER.free(index) };
        })
    });
    group.finish();
}

fn fill_free(c: &mut Criterion) {
    setup();
    let mut group = c.benchmark_group("fill_free");
    group.throughput(Throughput::Elements(BLOCKS as u64));
    let mut seed = 0u64;

    group.bench_function("blockpool", |b| {
        let mut held: Vec<PoolBox<BlockPool>> = Vec::with_capacity(BLOCKS);
        b.iter(|| {
            for _ in 0..BLOCKS {
                seed += 1;
                held.push(BlockPool::alloc(Item::new(seed)).unwrap());
            }
            black_box(&mut held).clear();
        })
    });
    group.bench_function("heapless", |b| {
        let mut held = Vec::with_capacity(BLOCKS);
        b.iter(|| {
            for _ in 0..BLOCKS {
                seed += 1;
                held.push(HeaplessBoxPool.alloc(Item::new(seed)).unwrap());
            }
            black_box(&mut held).clear();
        })
    });
    group.bench_function("atomic-pool", |b| {
        let mut held = Vec::with_capacity(BLOCKS);
        b.iter(|| {
            for _ in 0..BLOCKS {
                seed += 1;
                held.push(atomic_pool::Box::<AtomicPool>::new(Item::new(seed)).unwrap());
            }
            black_box(&mut held).clear();
        })
    });
    group.bench_function("system", |b| {
        let mut held = Vec::with_capacity(BLOCKS);
        b.iter(|| {
            for _ in 0..BLOCKS {
                seed += 1;
                held.push(Box::new(Item::new(seed)));
            }
            black_box(&mut held).clear();
        })
    });
    group.bench_function("slab", |b| {
        let mut slab = slab::Slab::<Item>::with_capacity(BLOCKS);
        let mut keys = Vec::with_capacity(BLOCKS);
        b.iter(|| {
            for _ in 0..BLOCKS {
                seed += 1;
                keys.push(slab.insert(Item::new(seed)));
            }
            for key in black_box(&mut keys).drain(..) {
                black_box(slab.remove(key));
            }
        })
    });
    group.bench_function("plain-free-list", |b| {
        let mut list = PlainFreeList::<Item, BLOCKS>::new();
        let mut held = Vec::with_capacity(BLOCKS);
        b.iter(|| {
            for _ in 0..BLOCKS {
                seed += 1;
                held.push(list.alloc(Item::new(seed)).unwrap());
            }
            for index in black_box(&mut held).drain(..) {
                list.free(index);
            }
        })
    });
    group.bench_function("treiber", |b| {
        let mut held = Vec::with_capacity(BLOCKS);
        b.iter(|| {
            for _ in 0..BLOCKS {
                seed += 1;
                held.push(TREIBER.alloc(Item::new(seed)).unwrap());
            }
            for index in black_box(&mut held).drain(..) {
                // SAFETY: every index was allocated in this iteration and is freed once.
                unsafe { TREIBER.free(index) };
            }
        })
    });
    group.finish();
}

fn shared(c: &mut Criterion) {
    setup();
    let mut group = c.benchmark_group("shared");
    group.throughput(Throughput::Elements(1));
    let mut seed = 0u64;

    group.bench_function("blockpool", |b| {
        b.iter(|| {
            seed += 1;
            let first: PoolRc<SharedBlockPool> =
                SharedBlockPool::alloc_shared(Item::new(seed)).unwrap();
            let second = black_box(&first).clone();
            drop(black_box(first));
            drop(black_box(second));
        })
    });
    group.bench_function("heapless", |b| {
        b.iter(|| {
            seed += 1;
            let first = HeaplessArcPool.alloc(Item::new(seed)).unwrap();
            let second = black_box(&first).clone();
            drop(black_box(first));
            drop(black_box(second));
        })
    });
    group.bench_function("system", |b| {
        b.iter(|| {
            seed += 1;
            let first = Arc::new(Item::new(seed));
            let second = black_box(&first).clone();
            drop(black_box(first));
            drop(black_box(second));
        })
    });
    group.finish();
}

fn bytes(c: &mut Criterion) {
    let mut group = c.benchmark_group("bytes");
    group.throughput(Throughput::Elements(BYTE_SIZES.len() as u64));

    group.bench_function("blockpool", |b| {
        b.iter(|| {
            for len in BYTE_SIZES {
                let mut buffer = BytePoolBench::alloc_bytes(black_box(len)).unwrap();
                buffer[0] = 1;
                drop(black_box(buffer));
            }
        })
    });
    group.bench_function("system", |b| {
        b.iter(|| {
            for len in BYTE_SIZES {
                let mut buffer: Box<[u8]> = vec![0u8; black_box(len)].into_boxed_slice();
                buffer[0] = 1;
                drop(black_box(buffer));
            }
        })
    });
    group.finish();
}

fn arena(c: &mut Criterion) {
    // 100 small values per round, 16 bytes each.
    const ALLOCS: u64 = 100;
    let mut group = c.benchmark_group("arena");
    group.throughput(Throughput::Elements(ALLOCS));

    group.bench_function("blockpool", |b| {
        b.iter(|| {
            ArenaBench::scope(|arena| {
                for key in 0..ALLOCS {
                    black_box(arena.alloc((key, 1u32)).ok().unwrap());
                }
                Ok(())
            })
            .unwrap();
        })
    });
    group.bench_function("bumpalo", |b| {
        let mut bump = bumpalo::Bump::with_capacity(4096);
        b.iter(|| {
            bump.reset();
            for key in 0..ALLOCS {
                black_box(bump.alloc((key, 1u32)));
            }
        })
    });
    group.finish();
}

/// Pairs a thread runs before it checks that the other thread keeps up.
const CHUNK: u64 = 256;

/// Runs `work(n)` on this thread and on a second one at the same time, `iterations` operations each;
/// returns the longer of the two times, so the result is the time per operation on each thread while both
/// contend.
///
/// The threads run in lockstep, at most one chunk of `CHUNK` operations apart: on a machine with two cores
/// that also runs other work, one of the threads is often descheduled, and without the lockstep the other
/// would then run alone, uncontended, and the figure would measure the scheduler instead of the pool.
fn on_two_threads(iterations: u64, work: impl Fn(u64) + Sync) -> Duration {
    let start = Barrier::new(2);
    let done = [AtomicU64::new(0), AtomicU64::new(0)];
    let run = |me: usize| {
        start.wait();
        let begin = Instant::now();
        let mut left = iterations;
        let mut chunks = 0;
        while left > 0 {
            let n = left.min(CHUNK);
            work(n);
            left -= n;
            chunks += 1;
            done[me].store(chunks, Ordering::Release);
            while done[1 - me].load(Ordering::Acquire) + 1 < chunks {
                std::hint::spin_loop();
            }
        }
        begin.elapsed()
    };
    std::thread::scope(|scope| {
        let other = scope.spawn(|| run(1));
        let mine = run(0);
        mine.max(other.join().unwrap())
    })
}

/// The item of the two-thread group: the same 64 bytes, aligned to a cache line. With 8-byte alignment a
/// block's place in its cache lines depends on where the linker puts the pool, and two neighbouring blocks
/// (which the two threads take at the same time) can share a line; that false sharing would then decide
/// the result, differently for each pool and each build.
#[derive(Debug)]
#[repr(align(64))]
pub struct LineItem(#[allow(dead_code)] Item);

#[memory_pool(type = LineItem, count = 1024)]
struct LineBlockPool;

box_pool!(LineHeaplessPool: LineItem);

/// atomic-pool's macro computes `(N + 31) / 32` in the caller's crate.
#[allow(clippy::manual_div_ceil)]
mod line_atomic {
    atomic_pool::pool!(pub LineAtomicPool: [super::LineItem; 1024]);
}
use line_atomic::LineAtomicPool;

static LINE_TREIBER: TreiberStack<LineItem, BLOCKS> = TreiberStack::new();

fn two_threads(c: &mut Criterion) {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let boxes: &'static mut [BoxBlock<LineItem>] =
            Vec::from_iter((0..BLOCKS).map(|_| BoxBlock::new())).leak();
        for block in boxes {
            LineHeaplessPool.manage(block);
        }
        LINE_TREIBER.link();
    });
    let line = |seed| LineItem(Item::new(seed));
    let mut group = c.benchmark_group("two_threads");
    group.throughput(Throughput::Elements(1));

    group.bench_function(BenchmarkId::from_parameter("blockpool"), |b| {
        b.iter_custom(|n| {
            on_two_threads(n, |n| {
                for seed in 0..n {
                    drop(black_box(LineBlockPool::alloc(line(seed)).unwrap()));
                }
            })
        })
    });
    group.bench_function(BenchmarkId::from_parameter("heapless"), |b| {
        b.iter_custom(|n| {
            on_two_threads(n, |n| {
                for seed in 0..n {
                    drop(black_box(LineHeaplessPool.alloc(line(seed)).unwrap()));
                }
            })
        })
    });
    group.bench_function(BenchmarkId::from_parameter("atomic-pool"), |b| {
        b.iter_custom(|n| {
            on_two_threads(n, |n| {
                for seed in 0..n {
                    let block = atomic_pool::Box::<LineAtomicPool>::new(line(seed)).unwrap();
                    drop(black_box(block));
                }
            })
        })
    });
    // The system allocator keeps an arena per thread, so the two threads' blocks never share a line; it
    // gets the plain item (an over-aligned one would take glibc's slower `memalign` path).
    group.bench_function(BenchmarkId::from_parameter("system"), |b| {
        b.iter_custom(|n| {
            on_two_threads(n, |n| {
                for seed in 0..n {
                    drop(black_box(Box::new(Item::new(seed))));
                }
            })
        })
    });
    group.bench_function(BenchmarkId::from_parameter("treiber"), |b| {
        b.iter_custom(|n| {
            on_two_threads(n, |n| {
                for seed in 0..n {
                    let index = LINE_TREIBER.alloc(line(seed)).unwrap();
                    // SAFETY: `index` was just allocated on this thread and is freed once, right away.
                    unsafe { LINE_TREIBER.free(black_box(index)) };
                }
            })
        })
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = alloc_free, fill_free, shared, bytes, arena, two_threads
}
criterion_main!(benches);

//! `RawPool`, the untyped interface, through `&dyn RawPool`: name, layout, `alloc_raw`, and the misuse that
//! `free_raw` catches (double free, foreign pointers, interior pointers), each leaving the pool unchanged.
//!
//! One behaviour check, `check_raw_pool_behaviour`, is written against the trait alone and run on generated
//! pools and on `VecPool`, a backend of our own on the heap: any `RawPool` must pass it.

use std::alloc::Layout;
use std::collections::HashSet;
use std::ptr::NonNull;
use std::sync::Mutex;

use blockpool::{PoolError, PoolStats, RawPool, memory_pool};

/// 24 bytes, 8-aligned, no padding: the block is exactly the item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    pub header: u64,
    pub body: [u8; 16],
}

#[memory_pool(type = Frame, count = 4)]
pub struct BasicsPool;

#[memory_pool(type = Frame, count = 3)]
pub struct ErrorsPool;

#[memory_pool(type = Frame, count = 2)]
pub struct OtherPool;

#[memory_pool(type = Frame, count = 5)]
pub struct BehaviourPool;

#[memory_pool(type = Frame, count = 1)]
pub struct SingleBehaviourPool;

/// A block larger than its item (24 bytes in 64): the layout is the block's, and all of it is the user's.
#[memory_pool(type = Frame, count = 3, align = 64)]
pub struct OverAlignedBehaviourPool;

#[memory_pool(type = Frame, count = 2)]
pub struct MixedPool;

/// Checks what every `RawPool` must do, through the trait object alone. `pool` has `capacity` blocks, all
/// free, and is not used by anyone else during the check; it is left with all blocks free.
fn check_raw_pool_behaviour(pool: &dyn RawPool, capacity: usize) {
    let name = pool.name().to_owned();
    let layout = pool.layout();
    let size = layout.size();
    assert!(
        size >= 2,
        "{name}: the interior-pointer check needs blocks of 2 bytes or more"
    );
    assert!(layout.align().is_power_of_two());
    let start = pool.stats();
    assert_eq!(start.capacity, capacity, "{name}: capacity");
    assert_eq!(start.used, 0, "{name}: the check needs an idle pool");
    let expect = |used: usize, allocs: u64, frees: u64, failures: u64| {
        let stats = pool.stats();
        assert_eq!(
            stats,
            PoolStats {
                capacity,
                used,
                high_water: stats.high_water,
                allocs: start.allocs + allocs,
                frees: start.frees + frees,
                failures: start.failures + failures,
            },
            "{name}"
        );
        assert!(
            stats.high_water >= used && stats.high_water <= capacity,
            "{name}: high water {stats:?}"
        );
    };

    // Take every block: distinct, aligned, each `size` bytes that hold what is written to them.
    let mut blocks: Vec<NonNull<u8>> = Vec::new();
    for n in 0..capacity {
        let block = pool
            .alloc_raw()
            .unwrap_or_else(|error| panic!("{name}: block {n} of {capacity}: {error}"));
        assert_eq!(
            block.as_ptr().addr() % layout.align(),
            0,
            "{name}: misaligned block"
        );
        assert!(!blocks.contains(&block), "{name}: block handed out twice");
        // SAFETY: the block is ours, and the layout says it is `size` bytes.
        unsafe { block.as_ptr().write_bytes(stamp(n), size) };
        blocks.push(block);
        expect(n + 1, n as u64 + 1, 0, 0);
    }
    assert_eq!(pool.stats().high_water, capacity);
    for (n, block) in blocks.iter().enumerate() {
        // SAFETY: the block is ours, `size` bytes long, and was filled above.
        let bytes = unsafe { std::slice::from_raw_parts(block.as_ptr(), size) };
        assert!(
            bytes.iter().all(|&byte| byte == stamp(n)),
            "{name}: blocks {n} overlaps another"
        );
    }
    let mut by_address: Vec<usize> = blocks.iter().map(|block| block.as_ptr().addr()).collect();
    by_address.sort_unstable();
    assert!(
        by_address.windows(2).all(|pair| pair[1] - pair[0] >= size),
        "{name}: blocks overlap"
    );

    // Full.
    assert_eq!(pool.alloc_raw(), Err(PoolError::Exhausted), "{name}");
    let cap = capacity as u64;
    expect(capacity, cap, 0, 1);

    // Misuse, each rejected without changing anything.
    let full = pool.stats();
    let local = 0u64;
    let lowest = *blocks
        .iter()
        .min_by_key(|block| block.as_ptr().addr())
        .unwrap();
    let highest = *blocks
        .iter()
        .max_by_key(|block| block.as_ptr().addr())
        .unwrap();
    let misuse: [(&str, NonNull<u8>, PoolError); 5] = [
        (
            "a stack variable",
            NonNull::from(&local).cast(),
            PoolError::ForeignBlock,
        ),
        (
            "one past the last block",
            shifted(highest, size as isize),
            PoolError::ForeignBlock,
        ),
        (
            "just before the first block",
            shifted(lowest, -1),
            PoolError::ForeignBlock,
        ),
        (
            "the second byte of a block",
            shifted(blocks[0], 1),
            PoolError::NotBlockStart,
        ),
        (
            "the last byte of a block",
            shifted(highest, (size - 1) as isize),
            PoolError::NotBlockStart,
        ),
    ];
    for (what, pointer, error) in misuse {
        // SAFETY: none of these pointers is a block of the pool, so `free_raw` must reject them untouched.
        let result = unsafe { pool.free_raw(pointer) };
        assert_eq!(result, Err(error), "{name}: freeing {what}");
        assert_eq!(
            pool.stats(),
            full,
            "{name}: freeing {what} changed the pool"
        );
    }

    // Free one; freeing it again is a double free and changes nothing.
    let first = blocks[0];
    // SAFETY: `first` was taken with `alloc_raw` and is not used until it is handed out again.
    assert_eq!(unsafe { pool.free_raw(first) }, Ok(()), "{name}");
    expect(capacity - 1, cap, 1, 1);
    let one_free = pool.stats();
    // SAFETY: a second free of a free block must be rejected untouched.
    let result = unsafe { pool.free_raw(first) };
    assert_eq!(result, Err(PoolError::DoubleFree), "{name}");
    assert_eq!(
        pool.stats(),
        one_free,
        "{name}: a double free changed the pool"
    );

    // The only free block is the one just freed; after it the pool is full again.
    let again = pool.alloc_raw().expect("one block is free");
    assert_eq!(again, first, "{name}: the only free block");
    assert_eq!(pool.alloc_raw(), Err(PoolError::Exhausted), "{name}");
    expect(capacity, cap + 1, 1, 2);

    // Free everything; then every block is a double free.
    for block in &blocks {
        // SAFETY: every block was taken with `alloc_raw` (the first one twice, freed in between).
        assert_eq!(unsafe { pool.free_raw(*block) }, Ok(()), "{name}");
    }
    expect(0, cap + 1, cap + 1, 2);
    let idle = pool.stats();
    for block in &blocks {
        // SAFETY: every block is free now; `free_raw` must reject them untouched.
        let result = unsafe { pool.free_raw(*block) };
        assert_eq!(result, Err(PoolError::DoubleFree), "{name}");
    }
    assert_eq!(pool.stats(), idle, "{name}: double frees changed the pool");

    // After all that misuse, allocations still never share a block.
    let mut seen = HashSet::new();
    let mut again = Vec::new();
    while let Ok(block) = pool.alloc_raw() {
        assert!(
            seen.insert(block),
            "{name}: block handed out twice after misuse"
        );
        again.push(block);
    }
    assert_eq!(again.len(), capacity, "{name}: a block was lost");
    for block in again {
        // SAFETY: taken just above with `alloc_raw`, not used afterwards.
        assert_eq!(unsafe { pool.free_raw(block) }, Ok(()), "{name}");
    }
    expect(0, 2 * cap + 1, 2 * cap + 1, 3);
}

/// `block` moved by `bytes`, which may leave the block or the pool: it is only compared, never used.
fn shifted(block: NonNull<u8>, bytes: isize) -> NonNull<u8> {
    NonNull::new(block.as_ptr().wrapping_offset(bytes)).expect("not null")
}

/// The byte block `n` is filled with.
fn stamp(n: usize) -> u8 {
    (n % 251) as u8 + 1
}

#[test]
fn name_layout_and_alloc_through_dyn() {
    let raw: &dyn RawPool = &BasicsPool;
    assert_eq!(raw.name(), "BasicsPool");
    assert_eq!(raw.layout(), Layout::new::<Frame>());
    assert_eq!((raw.layout().size(), raw.layout().align()), (24, 8));
    assert_eq!(raw.stats(), BasicsPool::stats());

    let block = raw.alloc_raw().unwrap();
    assert_eq!(block.as_ptr().addr() % 8, 0);
    let frame = block.cast::<Frame>();
    // SAFETY: the block is ours and laid out for one `Frame`.
    unsafe {
        frame.write(Frame {
            header: 0xFEED,
            body: [3; 16],
        })
    };
    // SAFETY: written just above.
    assert_eq!(unsafe { frame.read() }.header, 0xFEED);
    assert_eq!(raw.stats().used, 1);
    assert_eq!(BasicsPool::validate(), Ok(()));
    // SAFETY: taken above with `alloc_raw`, not used afterwards.
    assert_eq!(unsafe { raw.free_raw(block) }, Ok(()));
    assert_eq!(raw.stats().used, 0);
    assert_eq!(BasicsPool::validate(), Ok(()));
}

#[test]
fn free_raw_rejects_misuse_and_leaves_the_pool_unchanged() {
    let raw: &dyn RawPool = &ErrorsPool;
    let a = raw.alloc_raw().unwrap();
    let b = raw.alloc_raw().unwrap();
    let size = raw.layout().size();
    let other = OtherPool.alloc_raw().unwrap();
    let local = [0u64; 3];

    // SAFETY: `b` was taken with `alloc_raw` and is not used afterwards.
    assert_eq!(unsafe { raw.free_raw(b) }, Ok(()));
    let before = raw.stats();
    assert_eq!((before.used, before.allocs, before.frees), (1, 2, 1));

    // The end of the storage: all blocks taken, the highest plus one block size.
    let (c, d) = (raw.alloc_raw().unwrap(), raw.alloc_raw().unwrap());
    let highest = [a, c, d]
        .into_iter()
        .max_by_key(|block| block.as_ptr().addr())
        .unwrap();
    let past_end: NonNull<u8> = shifted(highest, size as isize);
    // SAFETY: `c` and `d` were taken with `alloc_raw` and are not used afterwards.
    unsafe {
        assert_eq!(raw.free_raw(c), Ok(()));
        assert_eq!(raw.free_raw(d), Ok(()));
    }
    let before = raw.stats();
    assert_eq!((before.used, before.allocs, before.frees), (1, 4, 3));

    let cases: [(&str, NonNull<u8>, PoolError); 5] = [
        ("a freed block again", b, PoolError::DoubleFree),
        (
            "one past the end of the storage",
            past_end,
            PoolError::ForeignBlock,
        ),
        (
            "a stack variable",
            NonNull::from(&local).cast(),
            PoolError::ForeignBlock,
        ),
        ("inside a block", shifted(a, 1), PoolError::NotBlockStart),
        ("a block of another pool", other, PoolError::ForeignBlock),
    ];
    for (what, pointer, error) in cases {
        // SAFETY: none of these is an in-use block of `ErrorsPool`, so nothing is freed.
        let result = unsafe { raw.free_raw(pointer) };
        assert_eq!(result, Err(error), "freeing {what}");
        assert_eq!(raw.stats(), before, "freeing {what} changed the stats");
        assert_eq!(
            ErrorsPool::validate(),
            Ok(()),
            "freeing {what} corrupted the pool"
        );
    }
    assert_eq!(
        OtherPool::stats().used,
        1,
        "the other pool's block is still in use there"
    );

    // After the errors, two allocations never return the same block (nor `a`, still in use).
    let x = raw.alloc_raw().unwrap();
    let y = raw.alloc_raw().unwrap();
    assert_ne!(x, y);
    assert!(x != a && y != a);
    assert_eq!(raw.alloc_raw(), Err(PoolError::Exhausted));
    assert_eq!(ErrorsPool::validate(), Ok(()));
    // SAFETY: all taken with `alloc_raw`, not used afterwards.
    unsafe {
        for block in [a, x, y] {
            assert_eq!(raw.free_raw(block), Ok(()));
        }
        assert_eq!(OtherPool.free_raw(other), Ok(()));
    }
    let stats = raw.stats();
    assert_eq!(
        (stats.used, stats.allocs, stats.frees, stats.failures),
        (0, 6, 6, 1)
    );
    assert_eq!(ErrorsPool::validate(), Ok(()));
    assert_eq!(OtherPool::validate(), Ok(()));
}

#[test]
fn typed_and_raw_allocations_share_one_pool() {
    let raw: &dyn RawPool = &MixedPool;
    let typed = MixedPool::alloc(Frame {
        header: 1,
        body: [1; 16],
    })
    .unwrap();
    let block = raw.alloc_raw().unwrap();
    assert_ne!(blockpool::PoolBox::as_ptr(&typed).cast::<u8>(), block);
    assert_eq!(
        MixedPool::alloc(Frame {
            header: 2,
            body: [2; 16]
        })
        .unwrap_err()
        .error(),
        PoolError::Exhausted
    );
    assert_eq!(raw.alloc_raw(), Err(PoolError::Exhausted));
    drop(typed);
    // SAFETY: taken above with `alloc_raw`, not used afterwards.
    assert_eq!(unsafe { raw.free_raw(block) }, Ok(()));
    let stats = MixedPool::stats();
    assert_eq!(
        (stats.used, stats.allocs, stats.frees, stats.failures),
        (0, 2, 2, 2)
    );
    assert_eq!(MixedPool::validate(), Ok(()));
}

#[test]
fn generated_pools_pass_the_behaviour_check() {
    check_raw_pool_behaviour(&BehaviourPool, 5);
    assert_eq!(BehaviourPool::validate(), Ok(()));
    check_raw_pool_behaviour(&SingleBehaviourPool, 1);
    assert_eq!(SingleBehaviourPool::validate(), Ok(()));
    // Twice on one pool: nothing the first run did is left over.
    check_raw_pool_behaviour(&BehaviourPool, 5);
    assert_eq!(BehaviourPool::validate(), Ok(()));
}

#[test]
fn an_over_aligned_generated_pool_passes_the_behaviour_check() {
    assert_eq!(
        OverAlignedBehaviourPool.layout(),
        Layout::from_size_align(64, 64).unwrap()
    );
    check_raw_pool_behaviour(&OverAlignedBehaviourPool, 3);
    assert_eq!(OverAlignedBehaviourPool::validate(), Ok(()));
}

#[test]
fn a_heap_backend_passes_the_behaviour_check() {
    let pool = VecPool::new("heap", Layout::from_size_align(32, 16).unwrap(), 6);
    check_raw_pool_behaviour(&pool, 6);
    check_raw_pool_behaviour(&pool, 6);
    let single = VecPool::new("single", Layout::from_size_align(2, 2).unwrap(), 1);
    check_raw_pool_behaviour(&single, 1);
}

#[test]
fn pools_of_every_kind_behind_one_trait_object_type() {
    let heap = VecPool::new("heap", Layout::from_size_align(24, 8).unwrap(), 2);
    let pools: [&dyn RawPool; 2] = [&OtherPool, &heap];
    let names: Vec<&str> = pools.iter().map(|pool| pool.name()).collect();
    assert_eq!(names, ["OtherPool", "heap"]);
    for pool in pools {
        assert_eq!(pool.layout().size(), 24);
    }
}

/// A `RawPool` backend of our own: blocks in one heap allocation, in-use flags and counters under a mutex.
struct VecPool {
    name: &'static str,
    layout: Layout,
    /// The blocks, `layout.size()` bytes apart; allocated once, freed on drop.
    base: NonNull<u8>,
    capacity: usize,
    state: Mutex<VecPoolState>,
}

struct VecPoolState {
    in_use: Vec<bool>,
    stats: PoolStats,
}

// SAFETY: the blocks are handed to one owner at a time under the mutex; `base` is only read.
unsafe impl Sync for VecPool {}

impl VecPool {
    fn new(name: &'static str, layout: Layout, capacity: usize) -> Self {
        let layout = layout.pad_to_align();
        let all = Layout::from_size_align(layout.size() * capacity, layout.align()).unwrap();
        // SAFETY: `all` has a non-zero size (blocks are at least one byte, capacity at least one).
        let base = NonNull::new(unsafe { std::alloc::alloc_zeroed(all) }).expect("heap allocation");
        let stats = PoolStats {
            capacity,
            ..PoolStats::default()
        };
        Self {
            name,
            layout,
            base,
            capacity,
            state: Mutex::new(VecPoolState {
                in_use: vec![false; capacity],
                stats,
            }),
        }
    }

    fn block(&self, index: usize) -> NonNull<u8> {
        // SAFETY: `index < capacity`, so the offset stays inside the allocation.
        unsafe { self.base.add(index * self.layout.size()) }
    }
}

impl Drop for VecPool {
    fn drop(&mut self) {
        let all = Layout::from_size_align(self.layout.size() * self.capacity, self.layout.align())
            .unwrap();
        // SAFETY: `base` was allocated in `new` with this same layout.
        unsafe { std::alloc::dealloc(self.base.as_ptr(), all) };
    }
}

impl RawPool for VecPool {
    fn name(&self) -> &str {
        self.name
    }

    fn layout(&self) -> Layout {
        self.layout
    }

    fn alloc_raw(&self) -> Result<NonNull<u8>, PoolError> {
        let mut state = self.state.lock().unwrap();
        let Some(index) = state.in_use.iter().position(|&used| !used) else {
            state.stats.failures += 1;
            return Err(PoolError::Exhausted);
        };
        state.in_use[index] = true;
        state.stats.used += 1;
        state.stats.allocs += 1;
        state.stats.high_water = state.stats.high_water.max(state.stats.used);
        Ok(self.block(index))
    }

    unsafe fn free_raw(&self, block: NonNull<u8>) -> Result<(), PoolError> {
        let offset = block
            .as_ptr()
            .addr()
            .wrapping_sub(self.base.as_ptr().addr());
        if offset >= self.layout.size() * self.capacity {
            return Err(PoolError::ForeignBlock);
        }
        if offset % self.layout.size() != 0 {
            return Err(PoolError::NotBlockStart);
        }
        let mut state = self.state.lock().unwrap();
        let used = &mut state.in_use[offset / self.layout.size()];
        if !*used {
            return Err(PoolError::DoubleFree);
        }
        *used = false;
        state.stats.used -= 1;
        state.stats.frees += 1;
        Ok(())
    }

    fn stats(&self) -> PoolStats {
        self.state.lock().unwrap().stats
    }
}

// ---------------------------------------------------------------------------------------------------------
// `free_raw` never frees a block that a typed handle owns (finding 11 of the soundness review): a second
// `free_raw` of a block that `alloc` has taken meanwhile used to free the new owner's block.

#[memory_pool(type = Frame, count = 1)]
pub struct StaleRawPool;

#[test]
fn a_stale_free_raw_of_a_block_a_typed_handle_took_is_refused() {
    let raw: &dyn RawPool = &StaleRawPool;
    let block = raw.alloc_raw().unwrap();
    // SAFETY: the block came from `alloc_raw` and nothing refers into it.
    assert_eq!(unsafe { raw.free_raw(block) }, Ok(()));
    let owner = StaleRawPool::alloc(frame(7)).unwrap();
    assert_eq!(blockpool::PoolBox::as_ptr(&owner).cast::<u8>(), block);
    // The misuse is the point: the check must refuse it, so no reference is invalidated.
    // SAFETY: the block is a typed handle's; `free_raw` refuses it (F1) and changes nothing.
    let refused = unsafe { raw.free_raw(block) };
    assert_eq!(refused, Err(PoolError::DoubleFree));
    assert_eq!(StaleRawPool::stats().used, 1);
    assert!(
        StaleRawPool::alloc(frame(8)).is_err(),
        "the block was not freed under its owner"
    );
    assert_eq!(owner.header, 7);
    drop(owner);
    StaleRawPool::validate().unwrap();
}

#[memory_pool(type = Frame, count = 1)]
pub struct BoxedRawPool;

#[test]
fn free_raw_of_a_block_owned_by_a_pool_box_is_refused() {
    let boxed = BoxedRawPool::alloc(frame(3)).unwrap();
    let block = blockpool::PoolBox::into_raw(boxed);
    let raw: &dyn RawPool = &BoxedRawPool;
    // SAFETY: the block is a typed handle's; `free_raw` refuses it (F1) and changes nothing.
    let refused = unsafe { raw.free_raw(block.cast()) };
    assert_eq!(refused, Err(PoolError::DoubleFree));
    // SAFETY: `block` came from `into_raw` of this pool and no other handle was made from it.
    let boxed = unsafe { blockpool::PoolBox::<BoxedRawPool>::from_raw(block) };
    assert_eq!(boxed.header, 3);
    drop(boxed);
    <BoxedRawPool as blockpool::StaticPool>::assert_empty();
}

#[memory_pool(type = Frame, count = 2)]
pub struct RacingRawPool;

#[test]
fn racing_stale_frees_never_free_a_typed_owner() {
    // Thread A frees a raw block twice; thread B allocates typed items all along. B's items must never be
    // freed under it: each checks its contents before dropping.
    let rounds = if cfg!(miri) { 50 } else { 20_000 };
    std::thread::scope(|s| {
        s.spawn(|| {
            let raw: &dyn RawPool = &RacingRawPool;
            for _ in 0..rounds {
                if let Ok(block) = raw.alloc_raw() {
                    // SAFETY: from `alloc_raw`, nothing refers into it; the second free is the misuse the
                    // check must make harmless.
                    unsafe {
                        assert_eq!(raw.free_raw(block), Ok(()));
                        let _ = raw.free_raw(block);
                    }
                }
            }
        });
        s.spawn(|| {
            for round in 0..rounds {
                if let Ok(mut item) = RacingRawPool::alloc(frame(round as u8)) {
                    item.header = round as u64;
                    std::hint::spin_loop();
                    assert_eq!(item.header, round as u64);
                    // A freed block would be handed out again: a second item may not share our block.
                    if let Ok(other) = RacingRawPool::alloc(frame(0)) {
                        assert_ne!(
                            blockpool::PoolBox::as_ptr(&other),
                            blockpool::PoolBox::as_ptr(&item)
                        );
                    }
                }
            }
        });
    });
    <RacingRawPool as blockpool::StaticPool>::assert_empty();
    RacingRawPool::validate().unwrap();
}

/// A frame whose header and body say `n`.
fn frame(n: u8) -> Frame {
    Frame {
        header: u64::from(n),
        body: [n; 16],
    }
}

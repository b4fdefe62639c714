//! `pools!` blocks with typed pools: the entries behave like `#[memory_pool]` pools (options, attributes,
//! `refcount`, `zeroize`, hooks), and the block's `const` memory map and budget describe them exactly.

use std::sync::atomic::{AtomicUsize, Ordering};

use blockpool::{
    MemoryMap, PoolBox, PoolError, PoolInfo, PoolKind, PoolRc, PoolStats, RawPool, StaticPool,
    pools,
};

#[derive(Debug, PartialEq)]
pub struct Msg {
    pub id: u32,
    pub body: [u8; 60],
}

#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    pub seq: u32,
    pub data: [u8; 128],
}

const DEPTH: usize = 3;

static SECRET_FAILURES: AtomicUsize = AtomicUsize::new(0);

fn count_secret_failure(event: &blockpool::FailureEvent) {
    assert_eq!(event.pool, "Secrets");
    assert_eq!(event.error, PoolError::Exhausted);
    SECRET_FAILURES.fetch_add(1, Ordering::Relaxed);
}

pools! {
    budget = 16 KiB;
    /// Messages between tasks.
    pub MsgPool(type = Msg, count = 20);
    #[doc = "Frames shared between the radio and the logger."]
    #[allow(dead_code)]
    #[derive(PartialOrd, Ord)]
    pub FramePool(type = Frame, count = 4, refcount, zeroize);
    pub(crate) Words(type = u64, count = DEPTH * 2, align = 64, max_size = 8);
    Secrets(type = [u8; 16], count = 1, zeroize, on_failure = count_secret_failure);
    pub Bytes(classes = [(64, 4), (256, 2)]);
    pub Scratch(arena = 512);
    WipedFrames(type = Frame, count = 2, refcount = u8, zeroize);
}

/// The pool's exact static size, computed from the runtime's storage type (white-box: this names
/// `__private`, which only generated code should use).
mod exact {
    use blockpool::__private::{
        Align1, Align16, Align64, Align256, ArenaStorage, NoRefs, PoolStorage, counters,
    };

    pub const MSG: usize = size_of::<PoolStorage<super::Msg, Align1, NoRefs, 20>>();
    pub const FRAME: usize = size_of::<PoolStorage<super::Frame, Align1, counters::U16, 4>>();
    pub const WORDS: usize = size_of::<PoolStorage<u64, Align64, NoRefs, { super::DEPTH * 2 }>>();
    pub const SECRETS: usize = size_of::<PoolStorage<[u8; 16], Align1, NoRefs, 1>>();
    // Byte classes: each block aligned to its (power-of-two) size.
    pub const BYTES_64: usize = size_of::<PoolStorage<[u8; 64], Align64, NoRefs, 4>>();
    pub const BYTES_256: usize = size_of::<PoolStorage<[u8; 256], Align256, NoRefs, 2>>();
    pub const SCRATCH: usize = size_of::<ArenaStorage<Align16, 512>>();
    pub const WIPED: usize = size_of::<PoolStorage<super::Frame, Align1, counters::U8, 2>>();
}

/// A map used in `const` context: the block's map is a real constant.
const TOTAL: usize = MEMORY_MAP.total_bytes();
const _: () = assert!(TOTAL > 0 && TOTAL <= 16 * 1024);

fn entry(map: &MemoryMap, name: &str) -> Vec<PoolInfo> {
    map.pools
        .iter()
        .filter(|info| info.name == name)
        .copied()
        .collect()
}

#[test]
fn the_memory_map_lists_every_pool_in_declaration_order() {
    let names: Vec<_> = MEMORY_MAP.pools.iter().map(|info| info.name).collect();
    assert_eq!(
        names,
        [
            "MsgPool",
            "FramePool",
            "Words",
            "Secrets",
            "Bytes",
            "Bytes",
            "Scratch",
            "WipedFrames"
        ]
    );
    let kinds: Vec<_> = MEMORY_MAP.pools.iter().map(|info| info.kind).collect();
    assert_eq!(
        kinds,
        [
            PoolKind::Typed,
            PoolKind::Shared,
            PoolKind::Typed,
            PoolKind::Typed,
            PoolKind::Bytes,
            PoolKind::Bytes,
            PoolKind::Arena,
            PoolKind::Shared
        ]
    );
}

#[test]
fn the_memory_map_has_block_sizes_and_counts() {
    let rows: Vec<_> = MEMORY_MAP
        .pools
        .iter()
        .map(|info| (info.name, info.block_size, info.count))
        .collect();
    assert_eq!(
        rows,
        [
            ("MsgPool", size_of::<Msg>(), 20),
            ("FramePool", size_of::<Frame>(), 4),
            ("Words", 64, DEPTH * 2), // a u64 in a 64-aligned block
            ("Secrets", 16, 1),
            ("Bytes", 64, 4),
            ("Bytes", 256, 2),
            ("Scratch", 512, 1),
            ("WipedFrames", size_of::<Frame>(), 2),
        ]
    );
    assert_eq!(size_of::<Msg>(), 64);
    assert_eq!(size_of::<Frame>(), 132);
}

#[test]
fn the_memory_map_bytes_are_the_static_sizes() {
    let bytes: Vec<_> = MEMORY_MAP.pools.iter().map(|info| info.bytes).collect();
    assert_eq!(
        bytes,
        [
            exact::MSG,
            exact::FRAME,
            exact::WORDS,
            exact::SECRETS,
            exact::BYTES_64,
            exact::BYTES_256,
            exact::SCRATCH,
            exact::WIPED
        ]
    );
    // Independently of the runtime's types: every pool holds at least its blocks, and at most a little
    // metadata (4 bytes per block, counters, reference counts, padding to the alignment) beyond them. A byte
    // class is aligned to its block size, so its padding is less than one block.
    for info in MEMORY_MAP.pools {
        let blocks = info.block_size * info.count;
        let padding = if info.kind == PoolKind::Bytes {
            info.block_size
        } else {
            0
        };
        assert!(info.bytes >= blocks, "{info:?}");
        assert!(
            info.bytes <= blocks + 8 * info.count + 192 + padding,
            "{info:?}"
        );
    }
    let sum: usize = MEMORY_MAP.pools.iter().map(|info| info.bytes).sum();
    assert_eq!(MEMORY_MAP.total_bytes(), sum);
    assert_eq!(TOTAL, sum);
}

#[test]
fn the_memory_map_prints_a_table_with_every_pool() {
    let table = MEMORY_MAP.to_string();
    let lines: Vec<_> = table.lines().collect();
    // A header, one line per map entry, and the total.
    assert_eq!(lines.len(), MEMORY_MAP.pools.len() + 2, "{table}");
    assert!(lines[0].starts_with("pool"), "{table}");
    for (line, info) in lines[1..].iter().zip(MEMORY_MAP.pools) {
        let fields: Vec<_> = line.split_whitespace().collect();
        assert_eq!(
            fields,
            [
                info.name,
                info.kind.as_str(),
                &info.block_size.to_string(),
                &info.count.to_string(),
                &info.bytes.to_string()
            ],
            "{table}"
        );
    }
    let last: Vec<_> = lines.last().unwrap().split_whitespace().collect();
    assert_eq!(last, ["total", &TOTAL.to_string()], "{table}");
    for name in [
        "MsgPool",
        "FramePool",
        "Words",
        "Secrets",
        "Bytes",
        "Scratch",
        "WipedFrames",
    ] {
        assert!(table.contains(name), "{name} missing from\n{table}");
    }
}

#[test]
fn typed_entries_are_pools_like_memory_pool() {
    assert_eq!(<MsgPool as StaticPool>::CAPACITY, 20);
    assert_eq!(<MsgPool as StaticPool>::NAME, "MsgPool");
    let mut m: PoolBox<MsgPool> = MsgPool::alloc(Msg {
        id: 1,
        body: [0; 60],
    })
    .unwrap();
    m.id = 2;
    assert_eq!(m.id, 2);
    assert_eq!(MsgPool::stats().used, 1);
    assert_eq!(MsgPool::validate(), Ok(()));
    let debug = format!("{MsgPool:?}");
    assert!(debug.starts_with("MsgPool {"), "{debug}");
    drop(m);
    <MsgPool as blockpool::StaticPool>::assert_empty();
    assert_eq!(MsgPool::stats().frees, 1);
}

#[test]
fn const_expression_count_align_and_max_size_apply() {
    assert_eq!(<Words as StaticPool>::CAPACITY, DEPTH * 2);
    let words: Vec<_> = (0..DEPTH * 2)
        .map(|i| Words::alloc(i as u64).unwrap())
        .collect();
    for (i, word) in words.iter().enumerate() {
        assert_eq!(**word, i as u64);
        assert_eq!(PoolBox::as_ptr(word).as_ptr() as usize % 64, 0);
    }
    let failed = Words::alloc(99).unwrap_err();
    assert_eq!(failed.error(), PoolError::Exhausted);
    assert_eq!(failed.into_inner(), 99);
    drop(words);
    assert_eq!(Words::stats().used, 0);
    assert_eq!(Words::validate(), Ok(()));
}

#[test]
fn attributes_on_entries_are_kept() {
    // `#[derive(PartialOrd, Ord)]` was written on the entry; the macro adds the other derives.
    assert!(FramePool <= FramePool);
    assert_eq!(FramePool.cmp(&FramePool), std::cmp::Ordering::Equal);
    assert_eq!(FramePool, <FramePool as Default>::default());
}

#[test]
fn refcount_entries_hand_out_shared_handles() {
    let frame = Frame {
        seq: 7,
        data: [3; 128],
    };
    let first = FramePool::alloc_shared(frame.clone()).unwrap();
    let second = PoolRc::clone(&first);
    assert_eq!(PoolRc::strong_count(&first), 2);
    assert_eq!(*second, frame);
    assert_eq!(FramePool::stats().used, 1);
    drop(first);
    assert_eq!(PoolRc::strong_count(&second), 1);
    assert_eq!(FramePool::stats().used, 1);
    drop(second);
    <FramePool as blockpool::StaticPool>::assert_empty();
    assert_eq!(FramePool::validate(), Ok(()));
}

#[test]
fn zeroize_entries_wipe_freed_blocks_and_hooks_see_failures() {
    let secret = Secrets::alloc([0xA5; 16]).unwrap();
    let failed = Secrets::alloc([1; 16]).unwrap_err();
    assert_eq!(failed.into_inner(), [1; 16]);
    assert_eq!(SECRET_FAILURES.load(Ordering::Relaxed), 1);
    assert_eq!(Secrets::stats().failures, 1);
    drop(secret);

    let raw: &dyn RawPool = &Secrets;
    let block = raw.alloc_raw().unwrap();
    // SAFETY: the block is 16 bytes, aligned for `[u8; 16]`; it was wiped to zeros when it was freed.
    let bytes = unsafe { block.cast::<[u8; 16]>().read() };
    assert_eq!(bytes, [0; 16]);
    // SAFETY: the block came from `alloc_raw` of this pool and is not used afterwards.
    assert_eq!(unsafe { raw.free_raw(block) }, Ok(()));
    assert_eq!(Secrets::validate(), Ok(()));
}

#[test]
fn zeroize_on_a_shared_entry_wipes_too() {
    // `refcount = u8, zeroize`: blocks are wiped when the last handle goes.
    let frames: Vec<_> = (0..2)
        .map(|seq| {
            WipedFrames::alloc_shared(Frame {
                seq,
                data: [0xEE; 128],
            })
            .unwrap()
        })
        .collect();
    let extra = PoolRc::clone(&frames[0]);
    assert_eq!(PoolRc::strong_count(&extra), 2);
    drop(frames);
    assert_eq!(WipedFrames::stats().used, 1);
    drop(extra);
    assert_eq!(WipedFrames::stats().used, 0);
    let raw: &dyn RawPool = &WipedFrames;
    let blocks: Vec<_> = (0..2).map(|_| raw.alloc_raw().unwrap()).collect();
    for block in &blocks {
        // SAFETY: each block held a `Frame`, whose bytes were wiped to zeros when it was freed.
        let bytes = unsafe { block.cast::<[u8; 132]>().read() };
        assert_eq!(bytes, [0; 132]);
    }
    for block in blocks {
        // SAFETY: the block came from `alloc_raw` of this pool and is not used afterwards.
        assert_eq!(unsafe { raw.free_raw(block) }, Ok(()));
    }
    assert_eq!(WipedFrames::validate(), Ok(()));
}

#[test]
fn byte_pools_and_arenas_of_the_same_block_work() {
    let buf = Bytes::alloc_bytes(10).unwrap();
    assert_eq!(buf.block_size(), 64);
    let sum = Scratch::scope(|arena| Ok(arena.alloc_slice(&[1u16, 2, 3])?.iter().sum::<u16>()));
    assert_eq!(sum, Ok(6));
    assert_eq!(Bytes::stats().used, 1);
}

/// A second block in its own module, with its map renamed. The module already has a `MEMORY_MAP` of its
/// own, so a block that still generated one would not compile.
mod renamed {
    use blockpool::pools;

    #[allow(dead_code)]
    pub const MEMORY_MAP: u8 = 0;

    pools! {
        map = OTHER_MAP;
        budget = 1 MiB;
        pub Tiny(type = u8, count = 3);
        pub Small(classes = [(16, 1)], align = 16);
    }
}

#[test]
fn map_setting_renames_the_memory_map() {
    let names: Vec<_> = renamed::OTHER_MAP.pools.iter().map(|p| p.name).collect();
    assert_eq!(names, ["Tiny", "Small"]);
    assert_eq!(renamed::MEMORY_MAP, 0);
    assert_eq!(entry(&renamed::OTHER_MAP, "Tiny")[0].count, 3);
    assert_eq!(entry(&renamed::OTHER_MAP, "Small")[0].block_size, 16);
    assert_ne!(renamed::OTHER_MAP, MEMORY_MAP);
    let _t = renamed::Tiny::alloc(1).unwrap();
    assert_eq!(renamed::Tiny::stats().used, 1);
}

/// Budgets in every spelling, each fitting: plain bytes, `B`, suffix without a space, `MiB`.
mod budgets {
    pub mod plain {
        blockpool::pools! { budget = 65536; pub A(type = u32, count = 2); }
    }
    pub mod bytes {
        blockpool::pools! { budget = 4096 B; pub A(type = u32, count = 2); }
    }
    pub mod suffix {
        blockpool::pools! { budget = 4KiB; pub A(type = u32, count = 2); }
    }
    pub mod mebibytes {
        blockpool::pools! { budget = 1 MiB; pub A(type = u32, count = 2); }
    }
    pub mod none {
        blockpool::pools! { pub A(type = u32, count = 2); }
    }
}

#[test]
fn budgets_that_fit_compile_and_do_not_change_the_map() {
    let maps = [
        budgets::plain::MEMORY_MAP,
        budgets::bytes::MEMORY_MAP,
        budgets::suffix::MEMORY_MAP,
        budgets::mebibytes::MEMORY_MAP,
        budgets::none::MEMORY_MAP,
    ];
    for map in &maps {
        assert_eq!(map, &maps[0]);
        assert_eq!(map.pools.len(), 1);
        assert_eq!(map.pools[0].block_size, 4);
        assert!(map.total_bytes() <= 4096);
    }
}

#[test]
fn an_empty_block_has_an_empty_map() {
    mod empty {
        blockpool::pools! {}
    }
    assert!(empty::MEMORY_MAP.pools.is_empty());
    assert_eq!(empty::MEMORY_MAP.total_bytes(), 0);
    assert!(empty::MEMORY_MAP.to_string().contains("total"));
}

#[test]
fn stats_of_a_fresh_pool_are_zero() {
    assert_eq!(
        renamed::Small::stats(),
        PoolStats {
            capacity: 1,
            ..PoolStats::default()
        }
    );
}

mod conditional {
    use blockpool::pools;

    pools! {
        budget = 4 KiB;
        map = CONDITIONAL_MAP;
        pub Always(type = u32, count = 2);
        /// Compiled out: no type, no storage, no row in the map, nothing counted against the budget.
        #[cfg(any())]
        pub Never(classes = [(1024, 64)]);
        #[cfg(all())]
        pub Enabled(classes = [(64, 2)]);
        #[cfg(all(not(any()), all()))]
        pub Scratch(arena = 128);
    }

    #[test]
    fn entries_switched_off_by_cfg_vanish_from_the_map_and_the_budget() {
        let names: Vec<&str> = CONDITIONAL_MAP.pools.iter().map(|pool| pool.name).collect();
        assert_eq!(names, ["Always", "Enabled", "Scratch"]);
        // 64 KiB of `Never` would have broken the 4 KiB budget.
        assert!(CONDITIONAL_MAP.total_bytes() < 4096);
        assert_eq!(AlwaysPoolCheck::run(), 7);
        assert_eq!(Enabled::alloc_bytes(10).unwrap().len(), 10);
        assert_eq!(
            Scratch::scope(|arena| Ok(*arena.alloc(3u8).map_err(blockpool::PoolError::from)?)),
            Ok(3)
        );
    }

    struct AlwaysPoolCheck;
    impl AlwaysPoolCheck {
        fn run() -> u32 {
            *Always::alloc(7).unwrap()
        }
    }
}

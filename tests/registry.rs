//! The registry (feature `registry`, which the tests turn on through the runtime dev-dependency): every pool
//! of the program, each kind, from both macros and from several modules, listed with a stable id, found by
//! id and by name, with live counters and a `RawPool` to reach its blocks.
// The items exist to be registered; their fields are never read.
#![allow(dead_code)]

use blockpool::{EntryStats, PoolKind, memory_pool, pool_id, pools, registry};

mod radio {
    use blockpool::memory_pool;

    #[memory_pool(count = 8)]
    pub struct Frame {
        pub data: [u8; 64],
    }
}

mod log {
    use blockpool::memory_pool;

    /// Another pool named `FramePool`, in another module: a different id.
    #[memory_pool(type = Line, count = 2)]
    pub struct FramePool;

    pub struct Line(pub [u8; 16]);
}

#[memory_pool(count = 3, refcount)]
pub struct Report(u32);

pools! {
    pub Buffers(classes = [(32, 4), (128, 2)]);
    pub Scratch(arena = 256);
    pub Listed(type = u64, count = 5);
}

const HERE: &str = module_path!();

#[test]
fn ids_are_fnv1a_of_module_path_and_name() {
    // Reference values computed with FNV-1a-32 over the bytes of "a::b" and of the full path.
    assert_eq!(pool_id("a", "b"), 0xf3f5_741e);
    assert_eq!(pool_id("registry::radio", "FramePool"), 0x9433_24c0);
    const AT_COMPILE_TIME: u32 = pool_id("registry::radio", "FramePool");
    assert_eq!(AT_COMPILE_TIME, 0x9433_24c0);
}

#[test]
fn every_pool_of_every_kind_is_listed_once() {
    let expected = [
        ("registry::radio", "FramePool", PoolKind::Typed, 64, 8),
        ("registry::log", "FramePool", PoolKind::Typed, 16, 2),
        (HERE, "ReportPool", PoolKind::Shared, 4, 3),
        (HERE, "Buffers", PoolKind::Bytes, 128, 6),
        (HERE, "Scratch", PoolKind::Arena, 256, 1),
        (HERE, "Listed", PoolKind::Typed, 8, 5),
    ];
    for (module, name, kind, block_size, capacity) in expected {
        let matching: Vec<_> = registry()
            .iter()
            .filter(|entry| entry.module_path() == module && entry.name() == name)
            .collect();
        assert_eq!(matching.len(), 1, "{module}::{name} listed once");
        let entry = matching[0];
        assert_eq!(entry.kind(), kind, "{name}");
        assert_eq!(entry.block_size(), block_size, "{name}");
        assert_eq!(entry.capacity(), capacity, "{name}");
        assert_eq!(entry.id(), pool_id(module, name));
        assert_eq!(registry().by_id(entry.id()).map(|e| e.name()), Some(name));
    }
    // Ids differ between the two `FramePool`s, and the full name tells them apart.
    let radio = registry().by_name("registry::radio::FramePool").unwrap();
    let log = registry().by_name("registry::log::FramePool").unwrap();
    assert_ne!(radio.id(), log.id());
    assert_eq!(radio.block_size(), 64);
    assert!(registry().by_name("NoSuchPool").is_none());
    assert!(registry().by_id(0).is_none());
}

#[test]
fn entries_read_live_counters_and_reach_the_blocks() {
    let entry = registry().by_name("Listed").unwrap();
    let held = Listed::alloc(7).unwrap();
    assert_eq!(
        entry.stats(),
        EntryStats::Blocks(Listed::stats()),
        "the entry reads the pool's own counters"
    );
    let EntryStats::Blocks(stats) = entry.stats() else {
        panic!("a typed pool has block counters");
    };
    assert_eq!(stats.used, 1);
    // A debug shell's view: the pool as a `RawPool`, untyped.
    let raw = entry.raw().unwrap();
    assert_eq!(raw.layout().size(), 8);
    let block = raw.alloc_raw().unwrap();
    assert_eq!(Listed::stats().used, 2);
    // SAFETY: `block` came from `alloc_raw` of this pool and nothing refers into it.
    unsafe { raw.free_raw(block).unwrap() };
    drop(held);
    assert_eq!(Listed::stats().used, 0);
    // The dump is the pool's `Debug`.
    assert_eq!(format!("{:?}", entry.dump()), format!("{:?}", Listed));
    assert!(registry().by_name("Buffers").unwrap().raw().is_none());
    let arena = registry().by_name("Scratch").unwrap();
    assert!(matches!(arena.stats(), EntryStats::Arena(stats) if stats.capacity == 256));
}

#[test]
fn the_registry_prints_one_line_per_pool() {
    let text = registry().to_string();
    assert_eq!(text.lines().count(), registry().len());
    let line = registry()
        .by_name("registry::radio::FramePool")
        .unwrap()
        .to_string();
    assert!(
        line.starts_with("0x943324c0  registry::radio::FramePool  typed  64 B x 8  0/8 used"),
        "{line}"
    );
    assert!(text.contains(&line));
}

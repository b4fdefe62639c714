//! The README's memory-cost examples, computed: each row of the table between the `memory-cost` markers
//! must be what the compiler lays out (on 64-bit targets, which the README's numbers are for), and every
//! pool here must match the formula the README gives.

use blockpool::{MemoryMap, PoolBytes, PoolInfo, PoolKind, pools};

/// 64 bytes, alignment 4: the README's `Msg`.
pub struct Msg {
    pub id: u32,
    pub body: [u8; 60],
}

pools! {
    map = COSTS;
    pub Even(type = Msg, count = 20);
    pub Odd(type = Msg, count = 21);
    pub One(type = Msg, count = 1);
    pub Aligned(type = Msg, count = 4, align = 64);
    pub Shared8(type = Msg, count = 20, refcount = u8);
    pub Shared16(type = Msg, count = 21, refcount);
    pub Shared32(type = Msg, count = 20, refcount = u32);
    pub Bytes(classes = [(64, 4)]);
}

/// (declaration as the README shows it, pool name in the map, counter bytes per block, block alignment)
const CASES: &[(&str, &str, usize, usize)] = &[
    ("count = 20", "Even", 0, 4),
    ("count = 21", "Odd", 0, 4),
    ("count = 1", "One", 0, 4),
    ("count = 4, align = 64", "Aligned", 0, 64),
    ("count = 20, refcount = u8", "Shared8", 1, 4),
    ("count = 21, refcount", "Shared16", 2, 4),
    ("count = 20, refcount = u32", "Shared32", 4, 4),
];

fn bytes(map: &MemoryMap, name: &str) -> usize {
    map.pools.iter().find(|row| row.name == name).unwrap().bytes
}

const fn round_up(n: usize, to: usize) -> usize {
    n.div_ceil(to) * to
}

/// The README's formula: the free list (fixed part + 4 bytes a block, rounded up to the word), the
/// counters and generations of `refcount` pools, the blocks; all rounded up to the static's alignment (the
/// larger of the block alignment and the word).
fn formula(count: usize, counter: usize, block_align: usize) -> usize {
    let word = size_of::<usize>();
    // 32-bit hosts that run this (Miri on powerpc) use the tagged head: 20 bytes.
    let fixed = if word == 8 { 24 } else { 20 };
    let list = round_up(fixed + 4 * count, word);
    let shared = if counter == 0 {
        0
    } else {
        count * (counter + 4)
    };
    let blocks = count * round_up(size_of::<Msg>(), block_align);
    round_up(list + shared + blocks, block_align.max(word))
}

#[test]
fn every_pool_matches_the_formula() {
    for &(declaration, name, counter, align) in CASES {
        let count = COSTS
            .pools
            .iter()
            .find(|row| row.name == name)
            .unwrap()
            .count;
        assert_eq!(
            bytes(&COSTS, name),
            formula(count, counter, align),
            "{declaration}"
        );
    }
}

#[cfg(target_pointer_width = "64")]
#[test]
fn the_readme_examples_are_what_the_compiler_lays_out() {
    let readme = include_str!("../README.md");
    let table = readme
        .split("<!-- memory-cost:begin -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- memory-cost:end -->").next())
        .expect("README.md: the memory-cost markers");
    for &(declaration, name, _, _) in CASES {
        let row = format!(
            "| `#[memory_pool({declaration})]` | {} |",
            bytes(&COSTS, name)
        );
        assert!(table.contains(&row), "README.md should have the row\n{row}");
    }
}

#[test]
fn a_byte_buffer_handle_is_three_words() {
    // Pointer, length, and the size class (with the alignment asked for) in the third word.
    assert_eq!(size_of::<PoolBytes<Bytes>>(), 3 * size_of::<usize>());
}

#[test]
fn a_map_of_rows_built_by_hand_saturates_instead_of_overflowing() {
    static HUGE: [PoolInfo; 2] = [
        PoolInfo {
            name: "a",
            kind: PoolKind::Arena,
            block_size: usize::MAX,
            count: 1,
            bytes: usize::MAX,
        },
        PoolInfo {
            name: "b",
            kind: PoolKind::Arena,
            block_size: usize::MAX,
            count: 1,
            bytes: usize::MAX,
        },
    ];
    let map = MemoryMap::new(&HUGE);
    assert_eq!(map.total_bytes(), usize::MAX);
    assert!(map.to_string().ends_with(&usize::MAX.to_string()));
}

//! Byte pools as `allocator_api2::alloc::Allocator`s: collections that grow across size classes, boxes,
//! a collection that cannot grow because the pool is full, and a pool left empty when all is dropped.
//!
//! Tests run in parallel, so each test has a pool of its own.

use allocator_api2::alloc::{Allocator, Layout};
use allocator_api2::boxed::Box;
use allocator_api2::vec::Vec;

use blockpool::{BytePool, pools};

pools! {
    pub Growth(classes = [(64, 2), (256, 2), (1024, 2)]);
    pub Boxes(classes = [(16, 4), (256, 2)]);
    pub Tight(classes = [(64, 1), (256, 1)]);
    pub Mixed(classes = [(32, 8), (512, 2)]);
    pub Direct(classes = [(64, 2), (128, 1)]);
    pub InPlace(classes = [(64, 1), (256, 1)]);
    pub Natural(classes = [(64, 4), (96, 2), (1024, 1), (4096, 1)]);
    pub Shrinking(classes = [(16, 2), (64, 1), (4096, 1)]);
}

/// Blocks in use per class, smallest class first.
fn used<P: BytePool>() -> std::vec::Vec<usize> {
    (0..)
        .map_while(P::class_stats)
        .map(|(_, stats)| stats.used)
        .collect()
}

fn empty<P: BytePool>() {
    assert_eq!(P::stats().used, 0, "{} still has blocks in use", P::NAME);
    assert_eq!(P::validate(), Ok(()));
}

#[test]
fn a_vec_grows_through_every_class() {
    let mut v: Vec<u32, Growth> = Vec::new_in(Growth);
    assert_eq!(
        used::<Growth>(),
        [0, 0, 0],
        "an empty Vec allocates nothing"
    );
    let mut classes_seen = std::vec::Vec::new();
    for i in 0..256u32 {
        v.push(i);
        let class = match v.capacity() * size_of::<u32>() {
            0..=64 => 0,
            65..=256 => 1,
            _ => 2,
        };
        let mut expected = vec![0; 3];
        expected[class] = 1;
        assert_eq!(used::<Growth>(), expected, "len {}", v.len());
        if classes_seen.last() != Some(&class) {
            classes_seen.push(class);
        }
        assert_eq!(Growth::validate(), Ok(()));
    }
    assert_eq!(classes_seen, [0, 1, 2]);
    assert!(v.iter().copied().eq(0..256));
    assert_eq!(v.as_ptr() as usize % align_of::<u32>(), 0);

    // Shrinking moves it back to a small block.
    v.truncate(10);
    v.shrink_to_fit();
    assert_eq!(used::<Growth>(), [1, 0, 0]);
    assert!(v.iter().copied().eq(0..10));
    drop(v);
    empty::<Growth>();
    let stats = Growth::stats();
    assert_eq!(stats.allocs, stats.frees);
    assert_eq!(stats.failures, 0);
}

#[test]
fn a_vec_of_strings_keeps_its_items_through_growth() {
    let mut v: Vec<std::string::String, Growth2> = Vec::new_in(Growth2);
    let count = if cfg!(miri) { 20 } else { 40 };
    for i in 0..count {
        v.push(format!("item {i}"));
    }
    assert!(v.iter().enumerate().all(|(i, s)| *s == format!("item {i}")));
    let bytes = v.capacity() * size_of::<std::string::String>();
    assert!(Growth2::class_stats(0).unwrap().0 < bytes);
    drop(v);
    empty::<Growth2>();
}

pools! {
    map = SECOND_MAP;
    pub Growth2(classes = [(64, 2), (256, 2), (2048, 2)]);
}

#[repr(align(64))]
#[derive(Debug, PartialEq)]
struct Line([u8; 64]);

struct Counted<'a>(&'a std::cell::Cell<u32>);

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

#[test]
fn boxes_live_in_the_pool() {
    let a = Box::new_in(7u64, Boxes);
    let b = Box::new_in([1u8; 16], Boxes);
    assert_eq!(*a, 7);
    assert_eq!(*b, [1; 16]);
    assert_eq!(used::<Boxes>(), [2, 0]);

    // An over-aligned value is aligned, from a class with room for the padding.
    let line = Box::new_in(Line([9; 64]), Boxes);
    assert_eq!(&*line as *const Line as usize % 64, 0);
    assert_eq!(*line, Line([9; 64]));
    assert_eq!(used::<Boxes>(), [2, 1]);

    // A zero-sized value takes no block.
    let unit = Box::new_in((), Boxes);
    assert_eq!(used::<Boxes>(), [2, 1]);

    // Destructors run once, and the block comes back.
    let drops = std::cell::Cell::new(0);
    let counted = Box::new_in(Counted(&drops), Boxes);
    assert_eq!(used::<Boxes>(), [3, 1]);
    drop(counted);
    assert_eq!(drops.get(), 1);

    // A pool that cannot hold the value says so.
    assert!(Box::try_new_in([0u8; 512], Boxes).is_err());
    drop((a, b, line, unit));
    empty::<Boxes>();
}

#[test]
fn a_vec_that_cannot_grow_reports_an_error() {
    let blocker = Tight::alloc_bytes(200).unwrap();
    assert_eq!(used::<Tight>(), [0, 1]);
    let mut v: Vec<u8, Tight> = Vec::new_in(Tight);
    v.try_reserve(10).unwrap();
    v.extend_from_slice(b"kept");
    let before = (v.as_ptr(), v.capacity());

    // The 256 class is taken: no room to grow into.
    assert!(v.try_reserve_exact(100).is_err());
    assert!(v.try_reserve(100).is_err());
    // Beyond the largest class.
    assert!(v.try_reserve(10_000).is_err());
    assert_eq!((v.as_ptr(), v.capacity()), before, "the Vec is unchanged");
    assert_eq!(&v[..], b"kept");
    assert_eq!(used::<Tight>(), [1, 1]);
    assert!(Tight::stats().failures >= 3);
    assert_eq!(Tight::validate(), Ok(()));

    // Once the block is back, the same request succeeds.
    drop(blocker);
    v.try_reserve(100).unwrap();
    assert!(v.capacity() >= 104);
    assert_eq!(&v[..], b"kept");
    assert_eq!(used::<Tight>(), [0, 1]);
    drop(v);
    empty::<Tight>();
}

#[test]
fn collections_and_byte_buffers_share_the_classes() {
    let buffers: std::vec::Vec<_> = (0..7).map(|_| Mixed::alloc_bytes(32).unwrap()).collect();
    let mut v: Vec<u8, Mixed> = Vec::new_in(Mixed);
    v.push(1); // the last 32-byte block
    assert_eq!(used::<Mixed>(), [8, 0]);
    v.extend_from_slice(&[2; 40]); // grows into the 512 class
    assert_eq!(used::<Mixed>(), [7, 1]);
    let boxed = Box::new_in([3u8; 16], Mixed); // the 32-byte block the Vec left
    assert_eq!(used::<Mixed>(), [8, 1]);
    assert_eq!(*boxed, [3; 16]);
    assert_eq!(v[0], 1);
    drop((buffers, v, boxed));
    empty::<Mixed>();
}

#[test]
fn the_allocator_hands_out_whole_blocks() {
    let layout = Layout::from_size_align(10, 1).unwrap();
    let small = Direct.allocate(layout).unwrap();
    assert_eq!(small.len(), 64, "the slice covers the block");
    let wide = Layout::from_size_align(10, 64).unwrap();
    let aligned = Direct.allocate(wide).unwrap();
    assert_eq!(aligned.cast::<u8>().as_ptr() as usize % 64, 0);
    assert!(aligned.len() >= 10);
    assert_eq!(Direct::stats().used, 2);

    // Zero-sized requests take nothing and give back a dangling, aligned pointer.
    let zero = Layout::from_size_align(0, 16).unwrap();
    let nothing = Direct.allocate(zero).unwrap();
    assert_eq!(nothing.len(), 0);
    assert_eq!(nothing.cast::<u8>().as_ptr() as usize % 16, 0);
    assert_eq!(Direct::stats().used, 2);

    let too_big = Layout::from_size_align(129, 1).unwrap();
    assert!(Direct.allocate(too_big).is_err());

    // SAFETY: each pointer came from `allocate` of this pool with that layout and is not used again.
    unsafe {
        Direct.deallocate(small.cast(), layout);
        Direct.deallocate(aligned.cast(), wide);
        Direct.deallocate(nothing.cast(), zero);
    }
    empty::<Direct>();
}

#[test]
fn grow_and_shrink_stay_in_the_block_when_it_fits() {
    let small = Layout::from_size_align(10, 1).unwrap();
    let block = InPlace.allocate(small).unwrap();
    assert_eq!(block.len(), 64);
    let start = block.cast::<u8>();
    // SAFETY: the 64 bytes are ours.
    unsafe { start.write_bytes(0xAA, 64) };
    let allocs = InPlace::stats().allocs;

    // `grow_zeroed` in place zeroes from the old size to the end of the block, and keeps the rest.
    let bigger = Layout::from_size_align(60, 1).unwrap();
    // SAFETY: `start` is the block allocated with `small`; 60 >= 10.
    let zeroed = unsafe { InPlace.grow_zeroed(start, small, bigger) }.unwrap();
    assert_eq!(zeroed.cast::<u8>(), start);
    assert_eq!(zeroed.len(), 64);
    // SAFETY: the block's 64 bytes are ours and initialised.
    let bytes = unsafe { zeroed.as_ref() };
    assert!(bytes[..10].iter().all(|&b| b == 0xAA));
    assert!(bytes[10..].iter().all(|&b| b == 0));
    assert_eq!(InPlace::stats().allocs, allocs);

    // Growing within the block keeps it: same address, the whole block, no allocation.
    let whole = Layout::from_size_align(64, 1).unwrap();
    // SAFETY: the block is allocated with `bigger` now; 64 >= 60.
    let grown = unsafe { InPlace.grow(start, bigger, whole) }.unwrap();
    assert_eq!(grown.cast::<u8>(), start);
    assert_eq!(grown.len(), 64);
    assert_eq!(InPlace::stats().allocs, allocs);

    // Shrinking with every other class full stays in the block (it used to need a new block, and failed).
    let blocker = InPlace::alloc_bytes(200).unwrap();
    let tiny = Layout::from_size_align(4, 1).unwrap();
    // SAFETY: the block is allocated with `whole`; 4 <= 64.
    let shrunk = unsafe { InPlace.shrink(start, whole, tiny) }.unwrap();
    assert_eq!(shrunk.cast::<u8>(), start);
    assert_eq!(shrunk.len(), 64);
    assert_eq!(InPlace::stats().failures, 0);
    assert_eq!(InPlace::stats().allocs, allocs + 1);

    // SAFETY: the block is allocated with `tiny` now.
    unsafe { InPlace.deallocate(start, tiny) };
    drop(blocker);
    empty::<InPlace>();
}

#[test]
fn a_vec_uses_the_room_of_its_block_and_shrinks_in_place() {
    let mut v: Vec<u8, InPlace2> = Vec::new_in(InPlace2);
    v.push(1);
    let first = v.as_ptr();
    let allocs = InPlace2::stats().allocs;
    v.extend_from_slice(&[2; 60]);
    assert_eq!(v.as_ptr(), first, "the Vec grew within its block");
    assert_eq!(InPlace2::stats().allocs, allocs);
    // Both blocks taken: shrinking must not need a new one (it aborted through `handle_alloc_error`).
    let blocker = InPlace2::alloc_bytes(1).unwrap();
    v.truncate(5);
    v.shrink_to_fit();
    assert_eq!(v.as_ptr(), first);
    assert_eq!(&v[..], &[1, 2, 2, 2, 2]);
    drop((v, blocker));
    empty::<InPlace2>();
}

pools! {
    map = IN_PLACE_MAP;
    pub InPlace2(classes = [(64, 1), (256, 1)]);
}

#[test]
fn power_of_two_classes_are_naturally_aligned() {
    // Every block of a power-of-two class is aligned to its size; the 96 class to 32, the largest power
    // of two dividing 96.
    let blocks: std::vec::Vec<_> = (0..8).map(|_| Natural::alloc_bytes(1).unwrap()).collect();
    for buf in &blocks {
        let expected = match buf.block_size() {
            96 => 32,
            size => size,
        };
        assert_eq!(
            buf.as_ptr() as usize % expected,
            0,
            "a {} block",
            buf.block_size()
        );
    }
    assert_eq!(used::<Natural>(), [4, 2, 1, 1]);
    drop(blocks);

    // A request with `align <= block size` is served by the smallest class that fits, with no padding.
    for (size, align, block_size) in [
        (1024, 16, 1024),
        (4096, 16, 4096),
        (64, 64, 64),
        (1000, 1024, 1024),
        (10, 32, 64),
        (96, 32, 96),
    ] {
        let layout = Layout::from_size_align(size, align).unwrap();
        let block = Natural
            .allocate(layout)
            .unwrap_or_else(|_| panic!("{layout:?} failed"));
        assert_eq!(block.len(), block_size, "{layout:?}");
        assert_eq!(block.cast::<u8>().as_ptr() as usize % align, 0);
        // SAFETY: allocated just above with `layout`.
        unsafe { Natural.deallocate(block.cast(), layout) };
    }
    assert_eq!(Natural::stats().failures, 0);
    empty::<Natural>();
}

#[test]
fn shrinking_a_large_buffer_returns_the_large_block() {
    let mut v: Vec<u8, Shrinking> = Vec::with_capacity_in(4000, Shrinking);
    v.extend((0..4000).map(|i| i as u8));
    assert_eq!(used::<Shrinking>(), [0, 0, 1]);
    v.truncate(10);
    v.shrink_to_fit();
    assert_eq!(
        used::<Shrinking>(),
        [1, 0, 0],
        "moved to the smallest class that fits"
    );
    assert!(v.iter().copied().eq(0..10));
    // With the small classes full, shrinking stays where it is.
    let mut w: Vec<u8, Shrinking> = Vec::with_capacity_in(4000, Shrinking);
    w.extend_from_slice(&[7; 50]);
    let fillers = (
        Shrinking::alloc_bytes(16).unwrap(),
        Shrinking::alloc_bytes(64).unwrap(),
    );
    let at = w.as_ptr();
    w.shrink_to_fit();
    assert_eq!(w.as_ptr(), at);
    assert_eq!(used::<Shrinking>(), [2, 1, 1]);
    drop(fillers);
    assert_eq!(Shrinking::stats().failures, 0);

    // `GlobalAlloc::realloc` follows the same policy.
    drop(w);
    let layout = Layout::from_size_align(3000, 8).unwrap();
    // SAFETY: a non-zero layout.
    let big = unsafe { std::alloc::GlobalAlloc::alloc(&Shrinking, layout) };
    assert!(!big.is_null());
    // SAFETY: 3000 bytes are ours.
    unsafe { big.write_bytes(5, 3000) };
    assert_eq!(used::<Shrinking>(), [1, 0, 1]);
    // SAFETY: `big` came from this pool with `layout`; 40 is non-zero.
    let small = unsafe { std::alloc::GlobalAlloc::realloc(&Shrinking, big, layout, 40) };
    assert_eq!(used::<Shrinking>(), [1, 1, 0]);
    // SAFETY: 40 bytes were copied into the new block, which is ours until `dealloc`.
    let copied = unsafe { std::slice::from_raw_parts(small, 40) };
    assert!(copied.iter().all(|&b| b == 5));
    // SAFETY: `small` is the pool's block for 40 bytes.
    unsafe {
        std::alloc::GlobalAlloc::dealloc(&Shrinking, small, Layout::from_size_align(40, 8).unwrap())
    };
    drop(v);
    empty::<Shrinking>();
}

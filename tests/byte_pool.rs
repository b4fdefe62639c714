//! Byte pools declared in `pools!`: which class serves a request, fallback and exhaustion, the errors and
//! their numbers, alignment, zero-filling, `resize` / `grow` / `try_clone`, `Debug`, and `zeroize`.
//!
//! Tests run in parallel, so each test has a pool of its own.

use std::sync::atomic::{AtomicUsize, Ordering};

use blockpool::{BytePool, PoolBytes, PoolError, PoolStats, pools};

static FULL_FAILURES: AtomicUsize = AtomicUsize::new(0);

fn count_full_failure(event: &blockpool::FailureEvent) {
    assert_eq!(event.pool, "Full");
    FULL_FAILURES.fetch_add(1, Ordering::Relaxed);
}

pools! {
    map = BYTE_POOLS;
    pub Choice(classes = [(64, 4), (256, 2), (1024, 1)]);
    pub Fallback(classes = [(64, 2), (256, 2)]);
    pub Full(classes = [(32, 2), (64, 1)], on_failure = count_full_failure);
    pub Sizes(classes = [(64, 1), (1024, 1)]);
    pub Aligned(classes = [(64, 8), (256, 4), (1024, 4), (2048, 2)]);
    pub Wide(classes = [(64, 2), (128, 1)], align = 64);
    pub BadAlign(classes = [(64, 1)]);
    pub Reused(classes = [(64, 1)]);
    pub Resizable(classes = [(64, 2)]);
    pub Growing(classes = [(64, 2), (256, 2), (1024, 1)]);
    pub Stuck(classes = [(64, 1), (256, 1)]);
    pub Clones(classes = [(32, 2), (128, 2)]);
    pub Shown(classes = [(16, 1), (64, 1)]);
    pub Wiped(classes = [(64, 1)], zeroize, link_section = unsafe(".data.byte_pool_wiped"));
    pub Unwiped(classes = [(64, 1)]);
    pub WipedGrowth(classes = [(64, 1), (256, 1)], zeroize);
    pub Shared(classes = [(16, 64), (128, 16)]);
    // 72 and 392 are multiples of 8 but of no larger power of two: the blocks are only 8-aligned, so a
    // larger alignment is padding that the pool has to remember when a buffer moves.
    pub KeepsAlign(classes = [(72, 8), (392, 8)]);
    pub EmptyClones(classes = [(32, 2)], on_failure = count_empty_clone_failure);
    pub Padded(classes = [(72, 1), (1000, 1)]);
}

static EMPTY_CLONE_FAILURES: AtomicUsize = AtomicUsize::new(0);

fn count_empty_clone_failure(_: &blockpool::FailureEvent) {
    EMPTY_CLONE_FAILURES.fetch_add(1, Ordering::Relaxed);
}

/// The pool's free lists agree with its counters.
fn valid<P: BytePool>() {
    assert_eq!(P::validate(), Ok(()), "{} is corrupted", P::NAME);
}

/// Blocks in use per class, smallest class first.
fn used<P: BytePool>() -> Vec<usize> {
    (0..)
        .map_while(P::class_stats)
        .map(|(_, stats)| stats.used)
        .collect()
}

fn addr<P: BytePool>(buf: &PoolBytes<P>) -> usize {
    buf.as_ptr() as usize
}

#[test]
fn requests_go_to_the_smallest_class_that_fits() {
    for (len, block, class) in [
        (1, 64, 0),
        (63, 64, 0),
        (64, 64, 0),
        (65, 256, 1),
        (256, 256, 1),
        (257, 1024, 2),
        (1024, 1024, 2),
    ] {
        let buf = Choice::alloc_bytes(len).unwrap();
        assert_eq!(buf.len(), len);
        assert_eq!(buf.block_size(), block, "len {len}");
        assert_eq!(buf.capacity(), block, "len {len}");
        assert!(buf.iter().all(|&b| b == 0));
        let mut expected = vec![0; 3];
        expected[class] = 1;
        assert_eq!(used::<Choice>(), expected, "len {len}");
        valid::<Choice>();
        drop(buf);
        assert_eq!(used::<Choice>(), [0, 0, 0]);
        valid::<Choice>();
    }
    assert_eq!(Choice::max_len(), 1024);
    assert_eq!(Choice::class_stats(0).unwrap().0, 64);
    assert_eq!(Choice::class_stats(2).unwrap().0, 1024);
    assert_eq!(Choice::class_stats(3), None);
    let stats = Choice::stats();
    assert_eq!(stats.capacity, 4 + 2 + 1);
    assert_eq!(stats.allocs, 7);
    assert_eq!(stats.frees, 7);
    assert_eq!(stats.failures, 0);
}

#[test]
fn a_full_class_falls_back_to_the_next_larger_one() {
    let a = Fallback::alloc_bytes(10).unwrap();
    let b = Fallback::alloc_bytes(10).unwrap();
    assert_eq!((a.block_size(), b.block_size()), (64, 64));
    let c = Fallback::alloc_bytes(10).unwrap();
    assert_eq!(c.block_size(), 256);
    assert_eq!(c.len(), 10);
    assert_eq!(used::<Fallback>(), [2, 1]);
    valid::<Fallback>();

    // Once the small class has room again, small requests go back to it.
    drop(a);
    let d = Fallback::alloc_bytes(10).unwrap();
    assert_eq!(d.block_size(), 64);
    assert_eq!(used::<Fallback>(), [2, 1]);

    let e = Fallback::alloc_bytes(64).unwrap();
    assert_eq!(e.block_size(), 256);
    assert_eq!(used::<Fallback>(), [2, 2]);
    // Falling back is not a failure.
    assert_eq!(Fallback::stats().failures, 0);
    assert_eq!(Fallback::alloc_bytes(1).unwrap_err(), PoolError::Exhausted);
    assert_eq!(Fallback::stats().failures, 1);
    valid::<Fallback>();
    drop((b, c, d, e));
    assert_eq!(used::<Fallback>(), [0, 0]);
    valid::<Fallback>();
}

#[test]
fn when_every_class_is_full_requests_fail_until_a_block_comes_back() {
    let mut held: Vec<_> = (0..3).map(|_| Full::alloc_bytes(1).unwrap()).collect();
    let sizes: Vec<_> = held.iter().map(|b| b.block_size()).collect();
    assert_eq!(sizes, [32, 32, 64]);
    assert_eq!(
        Full::stats(),
        PoolStats {
            capacity: 3,
            used: 3,
            high_water: 3,
            allocs: 3,
            frees: 0,
            failures: 0,
        }
    );
    valid::<Full>();

    for len in [1, 32, 33, 64] {
        assert_eq!(
            Full::alloc_bytes(len).unwrap_err(),
            PoolError::Exhausted,
            "len {len}"
        );
    }
    // Larger than any block is another error, full or not.
    assert_eq!(
        Full::alloc_bytes(65).unwrap_err(),
        PoolError::TooLarge {
            requested: 65,
            capacity: 64
        }
    );
    assert_eq!(Full::stats().failures, 5);
    assert_eq!(FULL_FAILURES.load(Ordering::Relaxed), 5);
    assert_eq!(Full::stats().used, 3);
    valid::<Full>();

    // A freed small block serves small requests again; the large class is still full.
    drop(held.remove(0));
    valid::<Full>();
    assert_eq!(Full::alloc_bytes(33).unwrap_err(), PoolError::Exhausted);
    let again = Full::alloc_bytes(32).unwrap();
    assert_eq!(again.block_size(), 32);
    valid::<Full>();

    drop(held);
    drop(again);
    assert_eq!(Full::stats().used, 0);
    valid::<Full>();
    let all: Vec<_> = [64, 32, 32]
        .iter()
        .map(|&len| Full::alloc_bytes(len).unwrap())
        .collect();
    assert_eq!(Full::stats().used, 3);
    assert_eq!(Full::stats().high_water, 3);
    drop(all);
    valid::<Full>();
}

#[test]
fn zero_bytes_is_an_error() {
    assert_eq!(Sizes::alloc_bytes(0).unwrap_err(), PoolError::ZeroSize);
    assert_eq!(
        Sizes::alloc_bytes_aligned(0, 64).unwrap_err(),
        PoolError::ZeroSize
    );
    assert_eq!(Sizes::stats().used, 0);
    valid::<Sizes>();
}

#[test]
fn too_large_says_how_much_was_asked_and_what_fits() {
    assert_eq!(Sizes::max_len(), 1024);
    assert_eq!(
        Sizes::alloc_bytes(1025).unwrap_err(),
        PoolError::TooLarge {
            requested: 1025,
            capacity: 1024
        }
    );
    assert_eq!(
        Sizes::alloc_bytes(usize::MAX).unwrap_err(),
        PoolError::TooLarge {
            requested: usize::MAX,
            capacity: 1024
        }
    );
    // Power-of-two classes are aligned to their block size: an alignment up to it costs no padding.
    assert_eq!(
        Sizes::alloc_bytes_aligned(1025, 64).unwrap_err(),
        PoolError::TooLarge {
            requested: 1025,
            capacity: 1024
        }
    );
    let whole = Sizes::alloc_bytes_aligned(1024, 1024).unwrap();
    assert_eq!(addr(&whole) % 1024, 0);
    drop(whole);
    // Above it, the padding counts: a 2048-byte alignment leaves no room in a 1024-aligned 1024 block.
    assert_eq!(
        Sizes::alloc_bytes_aligned(1, 2048).unwrap_err(),
        PoolError::TooLarge {
            requested: 1,
            capacity: 0
        }
    );
    assert_eq!(Sizes::stats().used, 0);
    valid::<Sizes>();

    // A 64-byte alignment in blocks that are only 8-aligned (1000 is 8 times an odd number) may cost 56
    // bytes of padding.
    assert_eq!(
        Padded::alloc_bytes_aligned(969, 64).unwrap_err(),
        PoolError::TooLarge {
            requested: 969,
            capacity: 944
        }
    );
    // What the error says fits, fits.
    let buf = Padded::alloc_bytes_aligned(944, 64).unwrap();
    assert_eq!(buf.len(), 944);
    assert_eq!(addr(&buf) % 64, 0);
    assert!(buf.capacity() >= 944);
    valid::<Padded>();
}

#[test]
fn every_buffer_is_aligned() {
    // Default alignment: 8, for every class, as long as there are blocks.
    let mut held = Vec::new();
    for len in [1, 7, 8, 9, 64, 65, 200, 256, 1000, 2048]
        .iter()
        .cycle()
        .take(18)
    {
        let buf = Aligned::alloc_bytes(*len).unwrap();
        assert_eq!(addr(&buf) % 8, 0, "len {len}");
        assert_eq!(buf.capacity(), buf.block_size());
        held.push(buf);
        valid::<Aligned>();
    }
    assert_eq!(used::<Aligned>(), [8, 4, 4, 2]);
    drop(held);

    // Alignments up to the blocks' own cost nothing.
    for align in [1, 2, 4, 8] {
        let buf = Aligned::alloc_bytes_aligned(64, align).unwrap();
        assert_eq!(buf.block_size(), 64, "align {align}");
        assert_eq!(addr(&buf) % align, 0);
    }

    // Larger alignments: from a class whose blocks are aligned enough (a power-of-two class is aligned to
    // its size) or that has room for the padding.
    let mut held = Vec::new();
    for (len, align) in [
        (1, 64),
        (8, 64),
        (100, 64),
        (200, 64),
        (960, 64),
        (1, 512),
        (500, 512),
        (1500, 512),
    ] {
        let buf = Aligned::alloc_bytes_aligned(len, align).unwrap();
        assert_eq!(addr(&buf) % align, 0, "len {len}, align {align}");
        assert_eq!(buf.len(), len);
        assert!(buf.iter().all(|&b| b == 0));
        assert!(buf.capacity() >= len);
        // The buffer ends where its block ends; the padding before it is less than the alignment.
        assert!(buf.capacity() <= buf.block_size());
        assert!(buf.block_size() - buf.capacity() < align);
        assert!(buf.block_size() >= len + align - 8);
        held.push(buf);
        valid::<Aligned>();
    }
    drop(held);
    assert_eq!(used::<Aligned>(), [0, 0, 0, 0]);
    valid::<Aligned>();
}

#[test]
fn align_sets_the_alignment_of_the_blocks() {
    let a = Wide::alloc_bytes(1).unwrap();
    let b = Wide::alloc_bytes(64).unwrap();
    let c = Wide::alloc_bytes(65).unwrap();
    for buf in [&a, &b, &c] {
        assert_eq!(addr(buf) % 64, 0);
    }
    drop((a, b, c));
    // No padding needed for 64 in 64-aligned blocks: the smallest class serves it whole.
    let d = Wide::alloc_bytes_aligned(64, 64).unwrap();
    assert_eq!(d.block_size(), 64);
    assert_eq!(d.capacity(), 64);
    valid::<Wide>();
}

#[test]
fn an_alignment_that_is_not_a_power_of_two_is_an_error() {
    for align in [0, 3, 6, 96, usize::MAX] {
        assert_eq!(
            BadAlign::alloc_bytes_aligned(8, align).unwrap_err(),
            PoolError::BadAlignment { requested: align }
        );
    }
    assert_eq!(BadAlign::stats().used, 0);
    valid::<BadAlign>();
    assert!(BadAlign::alloc_bytes_aligned(8, 8).is_ok());
}

#[test]
fn buffers_are_zero_filled_even_after_garbage() {
    let mut first = Reused::alloc_bytes(64).unwrap();
    first.fill(0xFF);
    let block = addr(&first);
    drop(first);
    valid::<Reused>();

    let mut second = Reused::alloc_bytes(40).unwrap();
    assert_eq!(addr(&second), block, "the one block is used again");
    assert_eq!(&second[..], &[0; 40][..]);
    // The 24 bytes beyond the length still hold the garbage in memory; growing into them zeroes them.
    second.resize(64).unwrap();
    assert_eq!(&second[..], &[0; 64][..]);
    valid::<Reused>();
}

#[test]
fn resize_stays_within_the_block() {
    let mut buf = Resizable::alloc_bytes(10).unwrap();
    let block = addr(&buf);
    buf.copy_from_slice(&[9; 10]);
    buf.resize(64).unwrap();
    assert_eq!(buf.len(), 64);
    assert_eq!(&buf[..10], &[9; 10]);
    assert_eq!(&buf[10..], &[0; 54][..]);

    buf.fill(5);
    assert_eq!(
        buf.resize(65).unwrap_err(),
        PoolError::TooLarge {
            requested: 65,
            capacity: 64
        }
    );
    // Nothing changed.
    assert_eq!(buf.len(), 64);
    assert_eq!(&buf[..], &[5; 64][..]);

    // Shrinking keeps the prefix; growing again zeroes what was cut off.
    buf.resize(4).unwrap();
    assert_eq!(&buf[..], &[5; 4]);
    buf.resize(30).unwrap();
    assert_eq!(&buf[..4], &[5; 4]);
    assert_eq!(&buf[4..], &[0; 26]);
    buf.resize(0).unwrap();
    assert!(buf.is_empty());
    buf.resize(2).unwrap();
    assert_eq!(&buf[..], &[0, 0]);

    assert_eq!(addr(&buf), block, "resize never moves");
    assert_eq!(Resizable::stats().allocs, 1);
    valid::<Resizable>();
}

#[test]
fn grow_is_in_place_when_the_block_has_room_and_moves_otherwise() {
    let mut buf = Growing::alloc_bytes(100).unwrap();
    for (i, b) in buf.iter_mut().enumerate() {
        *b = i as u8;
    }
    let pattern: Vec<u8> = (0..100).map(|i| i as u8).collect();
    let block = addr(&buf);
    assert_eq!(buf.block_size(), 256);
    let (_, before) = Growing::class_stats(1).unwrap();

    // In place: same block, no allocation.
    let buf = buf.grow(200).unwrap();
    assert_eq!(addr(&buf), block);
    assert_eq!(buf.len(), 200);
    assert_eq!(&buf[..100], &pattern[..]);
    assert!(buf[100..].iter().all(|&b| b == 0));
    assert_eq!(Growing::class_stats(1).unwrap().1, before);
    valid::<Growing>();

    // Across classes: a 1024 block, the bytes copied, the 256 block freed.
    let buf = buf.grow(900).unwrap();
    assert_ne!(addr(&buf), block);
    assert_eq!(buf.block_size(), 1024);
    assert_eq!(buf.len(), 900);
    assert_eq!(&buf[..100], &pattern[..]);
    assert!(buf[100..].iter().all(|&b| b == 0));
    assert_eq!(used::<Growing>(), [0, 0, 1]);
    let (_, middle) = Growing::class_stats(1).unwrap();
    assert_eq!((middle.allocs, middle.frees), (1, 1));
    let (_, large) = Growing::class_stats(2).unwrap();
    assert_eq!((large.allocs, large.frees, large.used), (1, 0, 1));
    valid::<Growing>();

    // Growing to less than the length shrinks, in place.
    let big = addr(&buf);
    let buf = buf.grow(50).unwrap();
    assert_eq!(addr(&buf), big);
    assert_eq!(&buf[..], &pattern[..50]);
    drop(buf);
    assert_eq!(used::<Growing>(), [0, 0, 0]);
    valid::<Growing>();
}

#[test]
fn a_failed_grow_gives_the_buffer_back_intact() {
    let blocker = Stuck::alloc_bytes(200).unwrap();
    let mut buf = Stuck::alloc_bytes(10).unwrap();
    buf.copy_from_slice(b"0123456789");
    let block = addr(&buf);

    let failed = buf.grow(100).unwrap_err();
    assert_eq!(failed.error(), PoolError::Exhausted);
    let buf = failed.into_inner();
    assert_eq!(addr(&buf), block);
    assert_eq!(&buf[..], b"0123456789");
    assert_eq!(buf.capacity(), 64);
    assert_eq!(used::<Stuck>(), [1, 1]);
    valid::<Stuck>();

    let failed = buf.grow(300).unwrap_err();
    assert_eq!(
        failed.error(),
        PoolError::TooLarge {
            requested: 300,
            capacity: 256
        }
    );
    let buf = failed.into_inner();
    assert_eq!(addr(&buf), block);
    assert_eq!(&buf[..], b"0123456789");
    assert_eq!(used::<Stuck>(), [1, 1]);
    valid::<Stuck>();

    // With the large block back, the same grow works.
    drop(blocker);
    let buf = buf.grow(100).unwrap();
    assert_eq!(buf.block_size(), 256);
    assert_eq!(&buf[..10], b"0123456789");
    assert_eq!(used::<Stuck>(), [0, 1]);
    valid::<Stuck>();
}

#[test]
fn try_clone_copies_into_the_smallest_class_that_fits() {
    let mut original = Clones::alloc_bytes(20).unwrap();
    original.copy_from_slice(&[0x42; 20]);
    let filler = Clones::alloc_bytes(1).unwrap();
    // The small class is full now: the clone falls back to the large class.
    let copy = original.try_clone().unwrap();
    assert_eq!(copy, original);
    assert_eq!(copy.block_size(), 128);
    assert_ne!(addr(&copy), addr(&original));
    assert_eq!(used::<Clones>(), [2, 1]);

    // A clone of the clone goes back to the small class once it has room.
    drop(filler);
    let second = copy.try_clone().unwrap();
    assert_eq!(second.block_size(), 32);
    assert_eq!(&second[..], &[0x42; 20]);
    valid::<Clones>();

    // Clones are independent.
    let mut third = second.try_clone().unwrap();
    assert_eq!(third.block_size(), 128);
    third[0] = 0;
    assert_ne!(third, second);
    assert_eq!(second[0], 0x42);

    assert_eq!(used::<Clones>(), [2, 2]);
    assert_eq!(original.try_clone().unwrap_err(), PoolError::Exhausted);
    valid::<Clones>();
    drop((original, copy, second, third));
    assert_eq!(used::<Clones>(), [0, 0]);
    valid::<Clones>();
}

#[test]
fn debug_shows_the_buffer_and_the_pool() {
    let mut buf = Shown::alloc_bytes(3).unwrap();
    buf.copy_from_slice(&[1, 2, 3]);
    assert_eq!(
        format!("{buf:?}"),
        "PoolBytes { pool: \"Shown\", len: 3, capacity: 16, bytes: [1, 2, 3] }"
    );
    assert_eq!(
        format!("{Shown:?}"),
        "Shown { classes: [Class { block_size: 16, used: 1, capacity: 1, high_water: 1 }, \
         Class { block_size: 64, used: 0, capacity: 1, high_water: 0 }], failures: 0 }"
    );
    assert_eq!(buf.as_ref(), &[1, 2, 3]);
    assert_eq!(Shown::NAME, "Shown");
    assert_eq!(<Shown as BytePool>::NAME, "Shown");
}

/// Reads the whole block that the allocator interface hands out for 64 bytes, then gives it back. The
/// allocator interface does not zero-fill, so this shows what the block held.
fn block_contents<P: BytePool + allocator_api2::alloc::Allocator>(pool: &P) -> Vec<u8> {
    let layout = std::alloc::Layout::from_size_align(64, 8).unwrap();
    let block = pool.allocate(layout).unwrap();
    // SAFETY: the slice is the pool's 64-byte block, ours until `deallocate`; the static's bytes are
    // initialised (zero at start, then written by earlier buffers or wiped).
    let bytes = unsafe { block.as_ref() }.to_vec();
    // SAFETY: allocated just above from the same pool with the same layout, not used afterwards.
    unsafe { pool.deallocate(block.cast(), layout) };
    bytes
}

#[test]
fn zeroize_wipes_freed_blocks() {
    for secret_len in [64, 1] {
        let mut secret = Wiped::alloc_bytes(secret_len).unwrap();
        secret.resize(64).unwrap();
        secret.fill(0xAB);
        drop(secret);
        assert_eq!(block_contents(&Wiped), [0; 64]);
        valid::<Wiped>();
    }
}

#[test]
fn zeroize_wipes_the_block_that_grow_leaves() {
    let mut secret = WipedGrowth::alloc_bytes(64).unwrap();
    secret.fill(0xCD);
    let grown = secret.grow(200).unwrap();
    assert_eq!(grown.block_size(), 256, "moved to the larger class");
    assert!(
        grown[..64].iter().all(|&b| b == 0xCD),
        "the bytes came along"
    );
    // The 64-byte class has one block: the one `grow` left behind.
    assert_eq!(block_contents(&WipedGrowth), [0; 64]);
    drop(grown);
    valid::<WipedGrowth>();
}

#[test]
fn without_zeroize_freed_blocks_keep_their_bytes() {
    // The counterpart of `zeroize_wipes_freed_blocks`: shows that the check there can fail.
    let mut secret = Unwiped::alloc_bytes(64).unwrap();
    secret.fill(0xAB);
    drop(secret);
    assert_eq!(block_contents(&Unwiped), [0xAB; 64]);
    // `alloc_bytes` zero-fills anyway.
    assert_eq!(&Unwiped::alloc_bytes(64).unwrap()[..], &[0; 64][..]);
    valid::<Unwiped>();
}

#[test]
fn threads_share_a_byte_pool() {
    let rounds = if cfg!(miri) { 20 } else { 2000 };
    std::thread::scope(|s| {
        for t in 0..4u8 {
            s.spawn(move || {
                for round in 0..rounds {
                    let len = 1 + (round + usize::from(t) * 7) % 128;
                    let Ok(mut buf) = Shared::alloc_bytes(len) else {
                        continue;
                    };
                    assert!(buf.iter().all(|&b| b == 0));
                    buf.fill(t);
                    let buf = buf.grow(len + 16).unwrap_or_else(|e| e.into_inner());
                    assert!(buf[..len].iter().all(|&b| b == t));
                }
            });
        }
    });
    assert_eq!(Shared::stats().used, 0);
    valid::<Shared>();
}

#[test]
fn the_map_lists_each_class() {
    let choice: Vec<_> = BYTE_POOLS
        .pools
        .iter()
        .filter(|info| info.name == "Choice")
        .map(|info| (info.kind, info.block_size, info.count))
        .collect();
    use blockpool::PoolKind::Bytes;
    assert_eq!(choice, [(Bytes, 64, 4), (Bytes, 256, 2), (Bytes, 1024, 1)]);
}

#[test]
fn grow_and_try_clone_keep_the_alignment_asked_for() {
    let mut held = Vec::new();
    for round in 0..4 {
        let mut buf = KeepsAlign::alloc_bytes_aligned(8, 64).unwrap();
        assert_eq!(addr(&buf) % 64, 0, "round {round}: allocated");
        assert_eq!(buf.block_size(), 72);
        buf.fill(round);
        // Beyond the 72-byte block: moves to the 392 class, still 64-aligned.
        let grown = buf.grow(200).unwrap();
        assert_eq!(grown.block_size(), 392);
        assert_eq!(addr(&grown) % 64, 0, "round {round}: grown");
        assert!(grown[..8].iter().all(|&b| b == round));
        assert!(grown[8..].iter().all(|&b| b == 0));
        let clone = grown.try_clone().unwrap();
        assert_eq!(addr(&clone) % 64, 0, "round {round}: cloned");
        assert_eq!(clone, grown);
        // A clone of a small aligned buffer, within the small class.
        let small = KeepsAlign::alloc_bytes_aligned(3, 64).unwrap();
        let small_clone = small.try_clone().unwrap();
        assert_eq!(addr(&small_clone) % 64, 0, "round {round}: small clone");
        held.push((grown, clone, small, small_clone));
        valid::<KeepsAlign>();
    }
    assert_eq!(used::<KeepsAlign>(), [8, 8]);
    drop(held);
    assert_eq!(used::<KeepsAlign>(), [0, 0]);
    valid::<KeepsAlign>();
}

#[test]
fn an_empty_buffer_clones() {
    let mut buf = EmptyClones::alloc_bytes(10).unwrap();
    buf.resize(0).unwrap();
    let mut copy = buf.try_clone().unwrap();
    assert!(copy.is_empty());
    assert_eq!(EmptyClones::stats().failures, 0);
    assert_eq!(EMPTY_CLONE_FAILURES.load(Ordering::Relaxed), 0);
    // The clone is a buffer like any other: it has a block and can grow in it.
    assert_eq!(used::<EmptyClones>(), [2]);
    copy.resize(32).unwrap();
    assert!(copy.iter().all(|&b| b == 0));
    // With no block left, cloning an empty buffer fails like any allocation.
    let failed = buf.try_clone().unwrap_err();
    assert_eq!(failed, PoolError::Exhausted);
    assert_eq!(EMPTY_CLONE_FAILURES.load(Ordering::Relaxed), 1);
    drop((buf, copy));
    assert_eq!(used::<EmptyClones>(), [0]);
    valid::<EmptyClones>();
}

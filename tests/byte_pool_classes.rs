//! The byte-pool functions do not rely on how `pools!` orders its classes: these pools are written by hand
//! (an `unsafe impl`, keeping the trait's contract: distinct class statics, a list that never changes and
//! never panics), with class lists that `pools!` never generates (classes of mixed alignment in any order,
//! repeated classes, no class at all, more classes than a handle can number). Every request must either fail
//! cleanly or hand out a buffer that lies inside one block; nothing may panic, write outside a block or
//! leak.
//!
//! Each test has pools of its own (tests run in parallel), built from the runtime's sealed class storage.

use std::alloc::{GlobalAlloc, Layout};

use allocator_api2::alloc::Allocator;
use blockpool::__private::{Align1, Align8, Align64, ByteClass, NoRefs, PoolConfig, PoolStorage};
use blockpool::{BytePool, PoolBytes, PoolError};

type Class<const SIZE: usize, A, const N: usize> = PoolStorage<[u8; SIZE], A, NoRefs, N>;

/// A hand-written byte pool over a `static` list of classes.
macro_rules! hand_written_pool {
    ($name:ident, $classes:expr) => {
        #[derive(Clone, Copy, Debug)]
        struct $name;

        // SAFETY: the list names class statics of this file (distinct, none inside another's blocks), is the
        // same on every call and cannot panic: `BytePool`'s contract.
        unsafe impl BytePool for $name {
            const NAME: &'static str = stringify!($name);
            const __CONFIG: PoolConfig = PoolConfig::DEFAULT;
            fn __classes() -> &'static [&'static dyn ByteClass] {
                static CLASSES: &[&'static dyn ByteClass] = $classes;
                CLASSES
            }
            type __Waiters = blockpool::__private::NoWaiters;
            fn __waiters() -> &'static Self::__Waiters {
                &blockpool::__private::NoWaiters
            }
        }

        blockpool::__private::allocators!($name);
    };
}

/// The block of `class` that holds `address`, as (block start, block end), or `None`.
fn block_of(class: &dyn ByteClass, address: usize) -> Option<(usize, usize)> {
    let ptr = std::ptr::NonNull::new(address as *mut u8)?;
    let (_, start) = class.block_containing(ptr)?;
    let start = start.as_ptr() as usize;
    Some((start, start + class.block_size()))
}

/// `buf` lies inside one block of `P`, from its first to its last byte of capacity.
fn inside_one_block<P: BytePool>(buf: &PoolBytes<P>) {
    let start = buf.as_ptr() as usize;
    let block = P::__classes()
        .iter()
        .find_map(|class| block_of(*class, start))
        .expect("the buffer is in no class");
    assert!(buf.capacity() >= buf.len(), "capacity below length");
    assert!(
        start + buf.capacity() <= block.1,
        "the buffer runs past its block: {start:#x} + {} > {:#x}",
        buf.capacity(),
        block.1
    );
}

// A 64-aligned class first, then classes whose blocks are only 8- or 1-aligned: a 64-byte alignment costs no
// padding in the first, up to 56 bytes in the second and up to 63 in the third.
static WIDE_FIRST: Class<64, Align64, 1> = PoolStorage::new();
static NARROW_SECOND: Class<72, Align8, 8> = PoolStorage::new();
static TINY_THIRD: Class<8, Align8, 8> = PoolStorage::new();
static ODD_FOURTH: Class<129, Align1, 8> = PoolStorage::new();
hand_written_pool!(
    MixedAlign,
    &[&WIDE_FIRST, &TINY_THIRD, &NARROW_SECOND, &ODD_FOURTH]
);

#[test]
fn padding_is_counted_per_class() {
    // Takes the only 64-aligned block.
    let first = MixedAlign::alloc_bytes_aligned(64, 64).unwrap();
    assert_eq!(first.block_size(), 64);
    inside_one_block(&first);
    let mut held = Vec::new();
    // Further 64-aligned requests: never from the 8-byte class (it cannot absorb the padding), from the
    // 72-byte class only when the length leaves room for it, and otherwise from the 129-byte class.
    for len in [1, 8, 16, 17, 64, 65, 66] {
        match MixedAlign::alloc_bytes_aligned(len, 64) {
            Ok(buf) => {
                assert_eq!(buf.as_ptr() as usize % 64, 0, "len {len}");
                assert_eq!(buf.len(), len);
                assert_ne!(buf.block_size(), 8, "len {len}");
                if buf.block_size() == 72 {
                    assert!(len <= 16, "len {len} in a 72-byte block");
                }
                inside_one_block(&buf);
                held.push(buf);
            }
            Err(error) => assert!(
                matches!(error, PoolError::Exhausted | PoolError::TooLarge { .. }),
                "len {len}: {error:?}"
            ),
        }
    }
    // What `TooLarge` says fits, fits.
    let PoolError::TooLarge { capacity, .. } =
        MixedAlign::alloc_bytes_aligned(1000, 64).unwrap_err()
    else {
        panic!("not TooLarge");
    };
    assert_eq!(capacity, 129 - 63);
    assert_eq!(MixedAlign::max_len(), 129);
    drop((first, held));
    assert_eq!(MixedAlign::stats().used, 0);
    assert_eq!(MixedAlign::validate(), Ok(()));
}

#[test]
fn allocator_requests_stay_inside_their_blocks() {
    // The same shape of pool, used through both allocator interfaces.
    let wide = Layout::from_size_align(64, 64).unwrap();
    let first = MixedAlignToo.allocate(wide).unwrap();
    let mut held = Vec::new();
    for size in [1, 8, 16, 60, 66] {
        let layout = Layout::from_size_align(size, 64).unwrap();
        if let Ok(block) = MixedAlignToo.allocate(layout) {
            let start = block.cast::<u8>().as_ptr() as usize;
            assert_eq!(start % 64, 0);
            assert!(block.len() >= size);
            let (_, end) = MixedAlignToo::__classes()
                .iter()
                .find_map(|class| block_of(*class, start))
                .unwrap();
            assert!(
                start + block.len() <= end,
                "size {size} runs past its block"
            );
            held.push((block, layout));
        }
        // SAFETY: a non-zero layout; the pointer is freed with the same layout below or is null.
        let raw = unsafe { MixedAlignToo.alloc(layout) };
        if !raw.is_null() {
            assert_eq!(raw as usize % 64, 0);
            // SAFETY: allocated just above with this layout.
            unsafe { MixedAlignToo.dealloc(raw, layout) };
        }
    }
    for (block, layout) in held {
        // SAFETY: each block came from `allocate` of this pool with this layout.
        unsafe { MixedAlignToo.deallocate(block.cast(), layout) };
    }
    // SAFETY: as above.
    unsafe { MixedAlignToo.deallocate(first.cast(), wide) };
    assert_eq!(MixedAlignToo::stats().used, 0);
    assert_eq!(MixedAlignToo::validate(), Ok(()));
}

static WIDE_FIRST_TOO: Class<64, Align64, 1> = PoolStorage::new();
static NARROW_SECOND_TOO: Class<72, Align8, 8> = PoolStorage::new();
static TINY_THIRD_TOO: Class<8, Align8, 8> = PoolStorage::new();
hand_written_pool!(
    MixedAlignToo,
    &[&WIDE_FIRST_TOO, &TINY_THIRD_TOO, &NARROW_SECOND_TOO]
);

static LARGE_FIRST: Class<256, Align8, 2> = PoolStorage::new();
static SMALL_SECOND: Class<16, Align8, 2> = PoolStorage::new();
hand_written_pool!(
    Descending,
    &[&LARGE_FIRST, &SMALL_SECOND, &LARGE_FIRST, &SMALL_SECOND]
);

#[test]
fn classes_in_any_order_and_repeated() {
    // Requests go to the first class in the list that has room: here the large one, then the small one.
    let mut held = Vec::new();
    while let Ok(buf) = Descending::alloc_bytes(1) {
        inside_one_block(&buf);
        held.push(buf);
    }
    let sizes: Vec<_> = held.iter().map(|buf| buf.block_size()).collect();
    assert_eq!(sizes, [256, 256, 16, 16]);
    assert_eq!(
        Descending::alloc_bytes(1).unwrap_err(),
        PoolError::Exhausted
    );
    assert_eq!(Descending::max_len(), 256);
    assert!(matches!(
        Descending::alloc_bytes(257),
        Err(PoolError::TooLarge {
            requested: 257,
            capacity: 256
        })
    ));
    // Growing and cloning work whatever the order.
    drop(held.remove(0));
    let small = held.pop().unwrap();
    let grown = small.grow(100).unwrap();
    assert_eq!(grown.block_size(), 256);
    inside_one_block(&grown);
    assert!(grown.try_clone().is_err(), "every block is taken");
    drop((grown, held));
    assert_eq!(Descending::stats().used, 0);
    assert_eq!(Descending::validate(), Ok(()));
}

hand_written_pool!(NoClasses, &[]);

#[test]
fn a_pool_without_classes_fails_cleanly() {
    assert_eq!(NoClasses::max_len(), 0);
    assert!(matches!(
        NoClasses::alloc_bytes(1),
        Err(PoolError::TooLarge { capacity: 0, .. })
    ));
    assert_eq!(NoClasses::alloc_bytes(0).unwrap_err(), PoolError::ZeroSize);
    assert!(NoClasses.allocate(Layout::new::<u64>()).is_err());
    // SAFETY: a non-zero layout.
    assert!(unsafe { NoClasses.alloc(Layout::new::<u64>()) }.is_null());
    assert_eq!(NoClasses::stats(), blockpool::PoolStats::default());
}

// 256 copies of a class whose one block is taken, then a class with room: a handle numbers its class in one
// byte, so the runtime uses the first 256 classes only; a buffer from the 257th would be freed through the
// wrong class (and leak).
static TAKEN: Class<16, Align8, 1> = PoolStorage::new();
static BEYOND: Class<16, Align8, 1> = PoolStorage::new();
static MANY: [&dyn ByteClass; 257] = {
    let mut classes: [&dyn ByteClass; 257] = [&TAKEN; 257];
    classes[256] = &BEYOND;
    classes
};
hand_written_pool!(TooManyClasses, &MANY);

#[test]
fn classes_past_the_256th_are_not_used() {
    let held = TooManyClasses::alloc_bytes(1).unwrap();
    match TooManyClasses::alloc_bytes(1) {
        Ok(buf) => {
            drop(buf);
            assert_eq!(BEYOND.stats().used, 0, "the buffer's block leaked");
        }
        Err(error) => assert_eq!(error, PoolError::Exhausted),
    }
    drop(held);
    assert_eq!(TAKEN.stats().used, 0);
}

//! Building items in their blocks: `alloc_uninit` with `write` or with raw-pointer initialisation and
//! `assume_init`, `alloc_zeroed`, and a 64 KiB item built on a thread whose whole stack is smaller than the
//! item, which shows that it never passes through the stack.

use std::mem::MaybeUninit;
use std::ptr::NonNull;

use blockpool::{PoolBox, PoolError, memory_pool};

/// Larger than the stack of the threads that build it.
pub struct Big {
    pub data: [u8; BIG],
}

const BIG: usize = 65536;

/// Requested stack size of the threads that build a `Big`: a quarter of the item.
const SMALL_STACK: usize = 16 * 1024;

// SAFETY: a byte array is valid as all zeros.
unsafe impl bytemuck::Zeroable for Big {}

#[memory_pool(type = Big, count = 1)]
pub struct BigZeroedPool;

#[memory_pool(type = Big, count = 1)]
pub struct BigUninitPool;

/// An item with fields of several types and sizes (and no padding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
pub struct Record {
    pub id: u64,
    pub level: i32,
    pub flags: u16,
    pub tag: [u8; 2],
}

// SAFETY: integers and byte arrays are valid as all zeros.
unsafe impl bytemuck::Zeroable for Record {}

const SAMPLE: Record = Record {
    id: 0x0123_4567_89AB_CDEF,
    level: -5,
    flags: 0xBEEF,
    tag: *b"ok",
};

#[memory_pool(type = Record, count = 2)]
pub struct WritePool;

#[memory_pool(type = Record, count = 1)]
pub struct AssumeInitPool;

#[memory_pool(type = Record, count = 1)]
pub struct UninitDropPool;

#[memory_pool(type = Record, count = 1)]
pub struct MaybeUninitPool;

#[memory_pool(type = Record, count = 1)]
pub struct ZeroedPool;

/// The byte at `index` of a `Big` under test: not constant, so that a shifted or partial copy shows.
fn pattern(index: usize) -> u8 {
    (index % 251) as u8 ^ 0x5A
}

/// Runs `body` on a thread with a stack smaller than a `Big`.
fn on_small_stack(body: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .name("small-stack".into())
        .stack_size(SMALL_STACK)
        .spawn(body)
        .expect("spawn a thread with a small stack")
        .join()
        .expect("the small-stack thread did not panic");
}

#[test]
fn uninit_then_write() {
    let slot = WritePool::alloc_uninit().unwrap();
    assert_eq!(WritePool::stats().used, 1);
    let boxed = slot.write(SAMPLE);
    assert_eq!(*boxed, SAMPLE);
    assert_eq!(WritePool::stats().used, 1);
    assert_eq!(WritePool::validate(), Ok(()));

    // The second block, the same way; then the pool is full for `alloc_uninit` too.
    let other = WritePool::alloc_uninit()
        .unwrap()
        .write(Record { id: 2, ..SAMPLE });
    assert_eq!(other.id, 2);
    assert_eq!(WritePool::alloc_uninit().err(), Some(PoolError::Exhausted));
    drop((boxed, other));
    let stats = WritePool::stats();
    assert_eq!(
        (stats.used, stats.allocs, stats.frees, stats.failures),
        (0, 2, 2, 1)
    );
    assert_eq!(WritePool::validate(), Ok(()));
}

#[test]
fn uninit_then_raw_writes_then_assume_init() {
    let mut slot = AssumeInitPool::alloc_uninit().unwrap();
    let ptr = slot.as_mut_ptr();
    assert_eq!(
        ptr.cast_const(),
        slot.as_ptr(),
        "`as_mut_ptr` and the `MaybeUninit` are the same block"
    );
    // SAFETY: `ptr` is the block of `slot`, valid for writes of one `Record`; every field is written once
    // through a raw place, so no reference to uninitialised memory is made.
    unsafe {
        (&raw mut (*ptr).id).write(SAMPLE.id);
        (&raw mut (*ptr).level).write(SAMPLE.level);
        (&raw mut (*ptr).flags).write(SAMPLE.flags);
        (&raw mut (*ptr).tag).write(SAMPLE.tag);
    }
    // SAFETY: every field of the `Record` was written above.
    let boxed = unsafe { slot.assume_init() };
    assert_eq!(
        PoolBox::as_ptr(&boxed).as_ptr(),
        ptr,
        "the item stays where it was built"
    );
    assert_eq!(*boxed, SAMPLE);
    drop(boxed);
    let stats = AssumeInitPool::stats();
    assert_eq!((stats.used, stats.allocs, stats.frees), (0, 1, 1));
    assert_eq!(AssumeInitPool::validate(), Ok(()));
}

#[test]
fn uninit_through_maybe_uninit() {
    let mut slot = MaybeUninitPool::alloc_uninit().unwrap();
    let cell: &mut MaybeUninit<Record> = &mut slot;
    cell.write(SAMPLE);
    // SAFETY: `MaybeUninit::write` initialised the whole item.
    let boxed = unsafe { slot.assume_init() };
    assert_eq!(*boxed, SAMPLE);
}

#[test]
fn dropping_an_uninit_handle_returns_the_block() {
    let mut slot = UninitDropPool::alloc_uninit().unwrap();
    let block = NonNull::new(slot.as_mut_ptr()).unwrap();
    assert_eq!(
        UninitDropPool::alloc_uninit().err(),
        Some(PoolError::Exhausted)
    );
    drop(slot);
    let stats = UninitDropPool::stats();
    assert_eq!(
        (stats.used, stats.allocs, stats.frees, stats.failures),
        (0, 1, 1, 1)
    );
    assert_eq!(UninitDropPool::validate(), Ok(()));

    // The only block is free again.
    let boxed = UninitDropPool::alloc(SAMPLE).expect("the block came back");
    assert_eq!(PoolBox::as_ptr(&boxed), block);
}

#[test]
fn alloc_zeroed_zeroes_a_used_block() {
    // Leave non-zero bytes in the pool's only block first (it has no `zeroize`).
    let dirty = ZeroedPool::alloc(Record {
        id: u64::MAX,
        level: -1,
        flags: u16::MAX,
        tag: [0xFF; 2],
    })
    .unwrap();
    let block = PoolBox::as_ptr(&dirty);
    drop(dirty);

    let zeroed = ZeroedPool::alloc_zeroed().unwrap();
    assert_eq!(PoolBox::as_ptr(&zeroed), block, "the same block, reused");
    assert_eq!(
        *zeroed,
        Record {
            id: 0,
            level: 0,
            flags: 0,
            tag: [0; 2]
        }
    );
    assert_eq!(ZeroedPool::alloc_zeroed().err(), Some(PoolError::Exhausted));
    drop(zeroed);
    let stats = ZeroedPool::stats();
    assert_eq!(
        (stats.used, stats.allocs, stats.frees, stats.failures),
        (0, 2, 2, 1)
    );
    assert_eq!(ZeroedPool::validate(), Ok(()));
}

#[test]
fn a_64_kib_item_zeroed_and_filled_in_place_on_a_16_kib_stack() {
    assert!(size_of::<Big>() > SMALL_STACK);
    on_small_stack(|| {
        // Dirty the block first, in place, so that the zeroing below has something to do.
        let mut first = BigZeroedPool::alloc_zeroed().expect("the block is free");
        first.data.fill(0xFF);
        drop(first);

        let mut big = BigZeroedPool::alloc_zeroed().expect("the block is free again");
        assert!(
            big.data.iter().all(|&byte| byte == 0),
            "alloc_zeroed zeroes the whole item"
        );
        for (index, byte) in big.data.iter_mut().enumerate() {
            *byte = pattern(index);
        }
        assert!(
            big.data
                .iter()
                .enumerate()
                .all(|(index, &byte)| byte == pattern(index))
        );
        assert_eq!(BigZeroedPool::stats().used, 1);
    });
    let stats = BigZeroedPool::stats();
    assert_eq!((stats.used, stats.allocs, stats.frees), (0, 2, 2));
    assert_eq!(BigZeroedPool::validate(), Ok(()));
}

#[test]
fn a_64_kib_item_built_through_a_raw_pointer_on_a_16_kib_stack() {
    on_small_stack(|| {
        let mut slot = BigUninitPool::alloc_uninit().expect("the block is free");
        let item = slot.as_mut_ptr();
        // SAFETY: a raw place projection of the block; nothing is read and no reference is made.
        let data = unsafe { &raw mut (*item).data }.cast::<u8>();
        for index in 0..BIG {
            // SAFETY: `data` points at the `BIG` bytes of the item's array, which the slot owns.
            unsafe { data.add(index).write(pattern(index)) };
        }
        // SAFETY: every byte of the item's only field was written.
        let big = unsafe { slot.assume_init() };
        assert_eq!(PoolBox::as_ptr(&big).as_ptr(), item);
        assert!(
            big.data
                .iter()
                .enumerate()
                .all(|(index, &byte)| byte == pattern(index))
        );
    });
    let stats = BigUninitPool::stats();
    assert_eq!((stats.used, stats.allocs, stats.frees), (0, 1, 1));
    assert_eq!(BigUninitPool::validate(), Ok(()));
}

//! `zeroize`: a block is wiped when it goes back to the pool, whichever way it goes back (handle dropped,
//! `into_inner`, `free_raw`, an uninit handle dropped, a panicking destructor), so the next `alloc_raw`
//! hands out a block that reads as zeros, padding and alignment slack included. A pool without `zeroize`
//! is the contrast: its blocks keep their old bytes.
//!
//! Blocks are read as bytes through the raw pointer `alloc_raw` returns, `layout().size()` bytes long.
//! Pools of one block make "the next `alloc_raw` gets the block just freed" certain.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr::NonNull;

use blockpool::{PoolBox, RawPool, StaticPool, memory_pool};

/// Key material: no padding, every byte meaningful.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    pub key: [u8; 48],
}

const KEY: Secret = Secret { key: [0xA5; 48] };

#[memory_pool(type = Secret, count = 2, zeroize)]
pub struct FreshPool;

#[memory_pool(type = Secret, count = 1, zeroize)]
pub struct DropWipePool;

#[memory_pool(type = Secret, count = 1, zeroize)]
pub struct IntoInnerWipePool;

#[memory_pool(type = Secret, count = 1, zeroize)]
pub struct RawWipePool;

#[memory_pool(type = Secret, count = 1, zeroize)]
pub struct UninitWipePool;

#[memory_pool(type = Secret, count = 1)]
pub struct KeepsBytesPool;

/// Internal padding (after `tag`) and, with `align = 64`, slack after the item.
#[repr(C)]
pub struct Padded {
    pub tag: u8,
    pub value: u64,
}

#[memory_pool(type = Padded, count = 1, zeroize, align = 64)]
pub struct PaddedDropWipePool;

#[memory_pool(type = Padded, count = 1, zeroize, align = 64)]
pub struct PaddedRawWipePool;

/// A destructor that panics.
pub struct Fuse {
    pub bytes: [u8; 32],
}

impl Drop for Fuse {
    fn drop(&mut self) {
        panic!("Fuse's destructor panics");
    }
}

#[memory_pool(type = Fuse, count = 1, zeroize)]
pub struct PanicWipePool;

/// Reads the `len` bytes of a block taken with `alloc_raw`.
///
/// # Safety
/// `block` is a block handed out by `alloc_raw` and not yet freed, `len` its layout's size, and every byte
/// of it initialised.
unsafe fn read_block(block: NonNull<u8>, len: usize) -> Vec<u8> {
    // SAFETY: the caller promises the block is ours, `len` bytes long and initialised.
    unsafe { std::slice::from_raw_parts(block.as_ptr(), len) }.to_vec()
}

/// Takes the block with `alloc_raw`, checks that it reads as zeros, and gives it back.
#[track_caller]
fn assert_next_block_is_zero(pool: &dyn RawPool) {
    let size = pool.layout().size();
    let block = pool.alloc_raw().expect("a free block");
    // SAFETY: `block` was just taken; zeroize pools' blocks are all zero bytes, hence initialised.
    let bytes = unsafe { read_block(block, size) };
    assert!(
        bytes.iter().all(|&byte| byte == 0),
        "{}: block not wiped: {bytes:02x?}",
        pool.name()
    );
    // SAFETY: taken above with `alloc_raw`; `bytes` is a copy, nothing points into the block any more.
    assert_eq!(unsafe { pool.free_raw(block) }, Ok(()));
}

#[track_caller]
fn assert_idle<P: StaticPool>() {
    assert_eq!(P::stats().used, 0, "{}", P::NAME);
    assert_eq!(P::validate(), Ok(()));
}

#[test]
fn never_used_blocks_read_as_zeros() {
    let raw: &dyn RawPool = &FreshPool;
    let a = raw.alloc_raw().unwrap();
    let b = raw.alloc_raw().unwrap();
    let size = raw.layout().size();
    // SAFETY: both blocks were just taken and are zero-initialised (never-used blocks of a zeroize pool).
    let (first, second) = unsafe { (read_block(a, size), read_block(b, size)) };
    assert_eq!(first, [0; 48]);
    assert_eq!(second, [0; 48]);
    // SAFETY: taken above with `alloc_raw`, not used afterwards.
    unsafe {
        assert_eq!(raw.free_raw(a), Ok(()));
        assert_eq!(raw.free_raw(b), Ok(()));
    }
    assert_idle::<FreshPool>();
}

#[test]
fn dropping_a_handle_wipes_its_block() {
    let boxed = DropWipePool::alloc(KEY).unwrap();
    let block = PoolBox::as_ptr(&boxed).cast::<u8>();
    assert_eq!(boxed.key, [0xA5; 48]);
    drop(boxed);
    assert_idle::<DropWipePool>();
    let raw: &dyn RawPool = &DropWipePool;
    let again = raw.alloc_raw().unwrap();
    assert_eq!(again, block, "a one-block pool gives back the same block");
    // SAFETY: taken above with `alloc_raw`, not used afterwards.
    assert_eq!(unsafe { raw.free_raw(again) }, Ok(()));
    assert_next_block_is_zero(raw);
    assert_idle::<DropWipePool>();
}

#[test]
fn into_inner_returns_the_item_intact_and_wipes_the_block() {
    let boxed = IntoInnerWipePool::alloc(KEY).unwrap();
    let secret = PoolBox::into_inner(boxed);
    assert_eq!(
        secret, KEY,
        "the moved-out item is read before the block is wiped"
    );
    assert_next_block_is_zero(&IntoInnerWipePool);
    assert_idle::<IntoInnerWipePool>();
}

#[test]
fn free_raw_wipes_the_block() {
    let raw: &dyn RawPool = &RawWipePool;
    let size = raw.layout().size();
    let block = raw.alloc_raw().unwrap();
    // SAFETY: the block is ours and `size` bytes long.
    unsafe { block.as_ptr().write_bytes(0xFF, size) };
    // SAFETY: the block is ours and was just filled.
    assert_eq!(unsafe { read_block(block, size) }, vec![0xFF; size]);
    // SAFETY: taken above with `alloc_raw`, not used afterwards.
    assert_eq!(unsafe { raw.free_raw(block) }, Ok(()));
    assert_next_block_is_zero(raw);
    assert_idle::<RawWipePool>();
}

#[test]
fn dropping_an_uninit_handle_wipes_what_was_written() {
    let mut slot = UninitWipePool::alloc_uninit().unwrap();
    // SAFETY: the slot's block is valid for writes of one `Secret`.
    unsafe { (&raw mut (*slot.as_mut_ptr()).key).write([0x3C; 48]) };
    drop(slot);
    assert_next_block_is_zero(&UninitWipePool);
    assert_idle::<UninitWipePool>();
}

#[test]
fn padding_and_alignment_slack_are_wiped_when_a_handle_drops() {
    let raw: &dyn RawPool = &PaddedDropWipePool;
    assert_eq!(
        raw.layout().size(),
        64,
        "a 16-byte item in a 64-aligned block"
    );
    let boxed = PaddedDropWipePool::alloc(Padded {
        tag: 1,
        value: u64::MAX,
    })
    .unwrap();
    assert_eq!((boxed.tag, boxed.value), (1, u64::MAX));
    drop(boxed);
    // The whole 64-byte block reads as zeros: the item, the padding after `tag`, and the slack.
    assert_next_block_is_zero(raw);
    assert_idle::<PaddedDropWipePool>();
}

#[test]
fn padding_and_alignment_slack_are_wiped_by_free_raw() {
    let raw: &dyn RawPool = &PaddedRawWipePool;
    let size = raw.layout().size();
    assert_eq!(size, 64, "a 16-byte item in a 64-aligned block");
    // Every byte of the block, slack included, is dirtied through the pointer `alloc_raw` returned.
    let block = raw.alloc_raw().unwrap();
    // SAFETY: the block is ours, and `RawPool::layout` says every block is `size` bytes.
    unsafe { block.as_ptr().write_bytes(0xEE, size) };
    // SAFETY: taken above with `alloc_raw`, not used afterwards.
    assert_eq!(unsafe { raw.free_raw(block) }, Ok(()));
    assert_next_block_is_zero(raw);
    assert_idle::<PaddedRawWipePool>();
}

#[test]
fn a_panicking_destructor_still_wipes_the_block() {
    let boxed = PanicWipePool::alloc(Fuse { bytes: [0x77; 32] }).unwrap();
    let outcome = catch_unwind(AssertUnwindSafe(move || drop(boxed)));
    assert!(outcome.is_err());
    assert_idle::<PanicWipePool>();
    assert_next_block_is_zero(&PanicWipePool);
    assert_idle::<PanicWipePool>();
}

/// The contrast: without `zeroize`, freeing does not touch the block, so the old bytes are still there
/// when `alloc_raw` hands it out again. `alloc_raw` documents a block's contents as unspecified; this
/// asserts what is observable today, to show what `zeroize` changes.
#[test]
fn without_zeroize_old_bytes_remain() {
    let boxed = KeepsBytesPool::alloc(KEY).unwrap();
    let block = PoolBox::as_ptr(&boxed).cast::<u8>();
    drop(boxed);
    let raw: &dyn RawPool = &KeepsBytesPool;
    let again = raw.alloc_raw().unwrap();
    assert_eq!(again, block);
    // SAFETY: the block is ours; its 48 bytes were all written by `KEY` (a byte array, no padding), and
    // dropping a byte array leaves them as they are.
    let bytes = unsafe { read_block(again, raw.layout().size()) };
    assert_eq!(
        bytes, [0xA5; 48],
        "a pool without `zeroize` leaves the previous item's bytes"
    );
    // SAFETY: taken above with `alloc_raw`, not used afterwards.
    assert_eq!(unsafe { raw.free_raw(again) }, Ok(()));
    assert_idle::<KeepsBytesPool>();
}

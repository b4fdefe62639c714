//! `PoolBox`: the owning handle to one block.

use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use core::pin::Pin;
use core::ptr::NonNull;

use crate::block::{ReleaseOnDrop, release};
use crate::pool::StaticPool;
use crate::storage::Storage;

/// The owning handle to one block of pool `P`: like `Box<P::Item>`, but the memory is a block of a static
/// pool. Dropping it drops the item and returns the block.
///
/// One pointer wide, and `Option<PoolBox<P>>` is too. The block never moves while the handle lives, so
/// [`PoolBox::into_pin`] is free and the handle is [`stable_deref_trait::StableDeref`]. So when the item is
/// a word or an array of words (`[u8; N]`, `[u32; N]`, `[[i16; N]; M]`, ..), embedded-dma 0.2's blanket
/// impls make the handle a `ReadBuffer` and a `WriteBuffer` (the item's address, its length in words): a
/// HAL's DMA transfer can own it and hand it back.
///
/// ```
/// use blockpool::{memory_pool, PoolBox};
///
/// #[memory_pool(count = 4)]
/// pub struct Sample { pub channel: u8, pub value: i32 }
///
/// let mut s: PoolBox<SamplePool> = SamplePool::alloc(Sample { channel: 1, value: 0 }).unwrap();
/// s.value = 42; // DerefMut
/// assert_eq!(SamplePool::stats().used, 1);
/// drop(s);
/// assert_eq!(SamplePool::stats().used, 0);
/// ```
pub struct PoolBox<P: StaticPool> {
    block: NonNull<P::Item>,
    // Owns an item: drop check and variance as for `Box<P::Item>`.
    _owns: PhantomData<P::Item>,
}

// SAFETY: [S1] a `PoolBox` is the only way to the item in its block; sending the handle sends the item, so it
// is allowed exactly when the item may be sent. The pool storage it returns the block to is `Sync`.
unsafe impl<P: StaticPool> Send for PoolBox<P> where P::Item: Send {}
// SAFETY: [S1] a shared `PoolBox` gives only shared access to the item.
unsafe impl<P: StaticPool> Sync for PoolBox<P> where P::Item: Sync {}

impl<P: StaticPool> PoolBox<P> {
    /// Wraps a block that holds an initialised item.
    ///
    /// # Safety
    /// `block` is a block of `P` that holds an initialised item and belongs to no other handle.
    #[inline(always)]
    pub(crate) unsafe fn from_block(block: NonNull<P::Item>) -> Self {
        Self {
            block,
            _owns: PhantomData,
        }
    }

    /// Moves the item out and returns the block to the pool.
    pub fn into_inner(boxed: Self) -> P::Item {
        let block = Self::into_raw(boxed);
        // SAFETY: [S1, S3] the handle owned an initialised item in `block`; it was consumed without dropping the
        // item, so the item is read exactly once here, after which the block holds no live item.
        let value = unsafe { block.read() };
        release::<P>(P::__storage().index_of(block));
        value
    }

    /// Gives up the handle and returns a reference to the item that lives for the rest of the program.
    /// The block is never returned to the pool (it stays counted as used).
    pub fn leak(boxed: Self) -> &'static mut P::Item {
        let block = Self::into_raw(boxed);
        // SAFETY: [S1, P1] the item is initialised and nobody else can reach it (the handle is consumed and nothing
        // will ever free the block), and the block lives in a `static`.
        unsafe { &mut *block.as_ptr() }
    }

    /// Gives up the handle without dropping the item; [`PoolBox::from_raw`] takes it back.
    /// Until then the block stays in use.
    pub fn into_raw(boxed: Self) -> NonNull<P::Item> {
        let block = boxed.block;
        core::mem::forget(boxed);
        block
    }

    /// Rebuilds the handle that [`PoolBox::into_raw`] gave up.
    ///
    /// # Safety
    /// `block` was returned by `PoolBox::<P>::into_raw` (for this same pool `P`), and no other handle has
    /// been made from it since.
    pub unsafe fn from_raw(block: NonNull<P::Item>) -> Self {
        // SAFETY: [S3] the caller promises that `block` came from `into_raw` of this pool and is not owned by any
        // other handle, so it is a block of `P` holding an initialised item.
        unsafe { Self::from_block(block) }
    }

    /// Pins the item. Free: blocks never move, and the item is dropped before its block is reused.
    pub fn into_pin(boxed: Self) -> Pin<Self> {
        // SAFETY: [S1] the item stays at its block address until it is dropped in place by `PoolBox`'s `Drop`;
        // `Pin<PoolBox>` gives no way to move it out (`into_inner` needs the unpinned handle).
        unsafe { Pin::new_unchecked(boxed) }
    }

    /// The address of the item, which stays the same for the handle's life.
    pub fn as_ptr(boxed: &Self) -> NonNull<P::Item> {
        boxed.block
    }
}

impl<P: StaticPool> Drop for PoolBox<P> {
    #[inline]
    fn drop(&mut self) {
        let storage = P::__storage();
        let index = storage.index_of(self.block);
        // SAFETY: [P1, S3] the handle's block is a block of `P` (the invariant every constructor of `PoolBox`
        // upholds), so its index is below the pool's capacity. Stating it spares the free list its bounds
        // checks on this path.
        unsafe { core::hint::assert_unchecked(index < storage.capacity()) };
        // Returns the block even if the item's destructor panics.
        let _release = ReleaseOnDrop::<P> {
            index,
            _pool: PhantomData,
        };
        // SAFETY: [S1, S3] the handle owns an initialised item in its block, and this is the only place that drops
        // it; the block is not reachable after this.
        unsafe { self.block.drop_in_place() };
    }
}

impl<P: StaticPool> Deref for PoolBox<P> {
    type Target = P::Item;

    #[inline(always)]
    fn deref(&self) -> &P::Item {
        // SAFETY: [S1, S3] the block holds an initialised item that only this handle reaches; `&self` limits the
        // reference to shared access for the borrow's length.
        unsafe { self.block.as_ref() }
    }
}

impl<P: StaticPool> DerefMut for PoolBox<P> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut P::Item {
        // SAFETY: [S1, S3] as in `deref`, and `&mut self` makes the access unique.
        unsafe { self.block.as_mut() }
    }
}

impl<P: StaticPool> AsMut<P::Item> for PoolBox<P> {
    fn as_mut(&mut self) -> &mut P::Item {
        self
    }
}

// SAFETY: [P1] the item lives in a block of a `static` and never moves while the handle lives, so the address
// `deref` returns is stable across moves of the handle.
unsafe impl<P: StaticPool> stable_deref_trait::StableDeref for PoolBox<P> {}

crate::forward::forward_to_item!(PoolBox, StaticPool);

//! `PoolBoxUninit`: a block taken from a pool before its item exists, for building large items in place.

use core::mem::MaybeUninit;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;

use crate::block::Claim;
use crate::boxed::PoolBox;
use crate::pool::StaticPool;

/// A block of pool `P` that holds no item yet. Dereferences to `MaybeUninit<P::Item>`; [`write`] or
/// [`assume_init`] turn it into a [`PoolBox`]. Dropping it returns the block.
///
/// ```
/// use blockpool::memory_pool;
///
/// #[memory_pool(count = 2)]
/// pub struct Frame { pub bytes: [u8; 4096] }
///
/// let mut slot = FramePool::alloc_uninit().unwrap();
/// // Build the item in the block itself: no 4 KiB temporary on the stack.
/// // SAFETY: the pointer is the block's; taking a field's address reads nothing.
/// let bytes = unsafe { &raw mut (*slot.as_mut_ptr()).bytes };
/// // SAFETY: the field is in our block and has room for one `[u8; 4096]`.
/// unsafe { bytes.write_bytes(0xA5, 1) };
/// // SAFETY: every field of `Frame` is initialised.
/// let frame = unsafe { slot.assume_init() };
/// assert!(frame.bytes.iter().all(|&b| b == 0xA5));
/// ```
///
/// [`write`]: PoolBoxUninit::write
/// [`assume_init`]: PoolBoxUninit::assume_init
pub struct PoolBoxUninit<P: StaticPool> {
    claim: Claim<P>,
}

// SAFETY: [S1] the handle owns a block with no live item in it; moving it between threads moves nothing but the
// right to fill the block with a `P::Item`, which is allowed when that item may be sent.
unsafe impl<P: StaticPool> Send for PoolBoxUninit<P> where P::Item: Send {}
// SAFETY: [S1] shared access gives `&MaybeUninit<P::Item>` only.
unsafe impl<P: StaticPool> Sync for PoolBoxUninit<P> where P::Item: Sync {}

impl<P: StaticPool> PoolBoxUninit<P> {
    pub(crate) fn from_claim(claim: Claim<P>) -> Self {
        Self { claim }
    }

    /// A raw pointer to the block, for initialising fields in place (`&raw mut (*ptr).field`).
    pub fn as_mut_ptr(&mut self) -> *mut P::Item {
        self.claim.block().as_ptr()
    }

    /// Moves `value` into the block.
    pub fn write(self, value: P::Item) -> PoolBox<P> {
        let block = self.claim.block();
        // SAFETY: [S1, S2] the block is ours, aligned and large enough for one item, and holds no live item.
        unsafe { block.write(value) };
        // SAFETY: [S3] the block is now initialised.
        unsafe { self.assume_init() }
    }

    /// Fills the block with zero bytes, in place: the item never passes through the stack.
    pub fn zeroed(mut self) -> PoolBox<P>
    where
        P::Item: bytemuck::Zeroable,
    {
        let block = self.as_mut_ptr();
        // SAFETY: [S1, S2] the block is ours and large enough for one item.
        unsafe { block.write_bytes(0, 1) };
        // SAFETY: [S3] `Zeroable` promises that all-zero bytes are a valid item.
        unsafe { self.assume_init() }
    }

    /// Declares the item initialised.
    ///
    /// # Safety
    /// Every byte of the item that its type requires to be initialised has been written with a valid value,
    /// as for [`MaybeUninit::assume_init`].
    pub unsafe fn assume_init(self) -> PoolBox<P> {
        let block: NonNull<P::Item> = self.claim.block();
        let Self { claim } = self;
        claim.keep();
        // SAFETY: [S1, S3] the caller promises the item is initialised; the claim was consumed, so the block belongs
        // to the new handle alone.
        unsafe { PoolBox::from_block(block) }
    }
}

impl<P: StaticPool> Deref for PoolBoxUninit<P> {
    type Target = MaybeUninit<P::Item>;

    fn deref(&self) -> &MaybeUninit<P::Item> {
        // SAFETY: [S1, S2] the block is ours; `MaybeUninit` makes no claim about its contents.
        unsafe { self.claim.block().cast::<MaybeUninit<P::Item>>().as_ref() }
    }
}

impl<P: StaticPool> DerefMut for PoolBoxUninit<P> {
    fn deref_mut(&mut self) -> &mut MaybeUninit<P::Item> {
        // SAFETY: [S1] as in `deref`; `&mut self` makes the access unique.
        unsafe { self.claim.block().cast::<MaybeUninit<P::Item>>().as_mut() }
    }
}

//! `RawPool`: the untyped, object-safe face of a pool, for code written against C-style pool APIs and for
//! custom backends.

use core::alloc::Layout;
use core::ptr::NonNull;

use crate::block::{Claim, wipe};
use crate::error::PoolError;
use crate::pool::StaticPool;
use crate::stats::PoolStats;
use crate::storage::Storage;

/// A pool of raw, untyped blocks behind a vtable, like the function-pointer tables of C pool APIs.
///
/// Every generated pool value implements it (`let raw: &dyn RawPool = &MsgPool;`), and so can a backend of
/// your own. Unlike C's `void *` APIs, misuse is caught: freeing a pointer that is not one of the pool's
/// blocks gives [`PoolError::ForeignBlock`] or [`PoolError::NotBlockStart`], freeing a free block gives
/// [`PoolError::DoubleFree`], each in O(1) and without touching the pool.
///
/// ```
/// use blockpool::{memory_pool, PoolError, RawPool};
///
/// #[memory_pool(count = 2)]
/// pub struct Packet([u8; 32]);
///
/// let raw: &dyn RawPool = &PacketPool;
/// let block = raw.alloc_raw().unwrap();
/// assert_eq!(raw.layout().size(), 32);
/// // SAFETY: the block came from `alloc_raw` and nothing refers into it; the second free is checked.
/// unsafe {
///     assert_eq!(raw.free_raw(block), Ok(()));
///     assert_eq!(raw.free_raw(block), Err(PoolError::DoubleFree));
/// }
/// ```
pub trait RawPool {
    /// The pool's name.
    fn name(&self) -> &str;

    /// Size and alignment of every block.
    fn layout(&self) -> Layout;

    /// Takes a free block. Its contents are unspecified (all zeros in `zeroize` pools).
    ///
    /// # Errors
    /// [`PoolError::Exhausted`] when every block is in use.
    #[track_caller]
    fn alloc_raw(&self) -> Result<NonNull<u8>, PoolError>;

    /// Returns a block taken with [`RawPool::alloc_raw`]. Nothing is dropped.
    ///
    /// # Errors
    /// [`PoolError::ForeignBlock`] if `block` does not point into the pool, [`PoolError::NotBlockStart`] if
    /// it points inside a block, [`PoolError::DoubleFree`] if the block is not a raw allocation in use (it
    /// is free, or a typed handle such as `PoolBox` owns it), [`PoolError::RefInUse`] if shared handles
    /// hold it. The pool is unchanged then. These checks hold under concurrency: a block that a typed
    /// handle takes while a second `free_raw` of it runs is never freed. The one misuse they cannot see is
    /// a stale pointer to a block that `alloc_raw` has handed out again (to this or another caller): that
    /// frees the new raw allocation, as in every C pool API. So a second `free_raw` of one pointer is
    /// reported as `DoubleFree` only while no other caller of `alloc_raw` can have taken the block since
    /// (one thread, or callers that share no pool); otherwise it is this contract's stale pointer.
    ///
    /// # Safety
    /// If `block` is a block of this pool handed out by `alloc_raw` and not freed since, it is the pointer
    /// `alloc_raw` returned (or one derived from it, with its provenance: a `zeroize` pool wipes the block
    /// through it), and no reference into the block is used after this call. (A stale pointer to a block that `alloc_raw` handed out again is the
    /// caller's bug: it frees the current raw owner's block.)
    unsafe fn free_raw(&self, block: NonNull<u8>) -> Result<(), PoolError>;

    /// A snapshot of the pool's counters.
    fn stats(&self) -> PoolStats;
}

impl<P: StaticPool> RawPool for P {
    fn name(&self) -> &str {
        P::NAME
    }

    fn layout(&self) -> Layout {
        P::__storage().block_layout()
    }

    #[track_caller]
    fn alloc_raw(&self) -> Result<NonNull<u8>, PoolError> {
        let claim = Claim::<P>::take()?;
        let block = claim.block().cast::<u8>();
        // SAFETY: [S1, F1] the claim's block is ours, and is handed out raw right here.
        unsafe { P::__storage().mark_raw(claim.keep()) };
        Ok(block)
    }

    unsafe fn free_raw(&self, block: NonNull<u8>) -> Result<(), PoolError> {
        let storage = P::__storage();
        let index = storage.locate(block)?;
        // A block held by shared handles is theirs; freeing it raw is refused, as C pools answer
        // REF_IN_USE.
        if storage.ref_count(index).is_some_and(|count| count > 0) {
            return Err(PoolError::RefInUse);
        }
        // SAFETY: [F1] `free_raw`'s own contract: a raw block the caller gives up.
        let back = unsafe { storage.mark_free_checked(index) }?;
        // Claimed by that compare-and-swap: a freed block names no holder (T1), whether it goes back or
        // retires (review round 20: a retired block kept its raw holder's site for good), as in `give_up`.
        crate::sites::untrack::<P>(index);
        if P::__CONFIG.zeroize {
            // Before the retirement check: a retired block keeps no item's bytes either (Z1).
            wipe(block, storage.block_size(), storage.block_align());
        }
        if !back {
            return Ok(()); // retired for good (W2)
        }
        // SAFETY: [S1, F1] claimed by the compare-and-swap above, so no one else holds it.
        unsafe { storage.put_back(index) };
        crate::trace::trace::<P>(crate::trace::TraceKind::Free, Some(index));
        Ok(())
    }

    fn stats(&self) -> PoolStats {
        P::__storage().stats()
    }
}

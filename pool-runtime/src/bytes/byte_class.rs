//! One size class of a byte pool, seen through an object-safe trait so that a byte pool can list classes of
//! different block sizes and counts in one slice.

use core::ptr::NonNull;

use crate::align::Alignment;
use crate::block::wipe;
use crate::error::PoolError;
use crate::refcount::NoRefs;
use crate::stats::PoolStats;
use crate::storage::{PoolStorage, Storage};

/// One size class of a byte pool: blocks of one size, with their own free list.
///
/// Implemented by the storages of byte pools (`[u8; SIZE]` blocks, no reference counts) only: sealed, since
/// the byte pools trust its sizes and addresses.
pub trait ByteClass: Sync + sealed::Sealed {
    /// Size of each block in bytes.
    fn block_size(&self) -> usize;
    /// Alignment of every block.
    fn block_align(&self) -> usize;
    /// Number of blocks.
    fn capacity(&self) -> usize;
    /// Takes a free block: its index and address. O(1).
    fn take(&self) -> Option<(usize, NonNull<u8>)>;
    /// The index and start of the block that contains `ptr`, if any. O(1).
    fn block_containing(&self, ptr: NonNull<u8>) -> Option<(usize, NonNull<u8>)>;
    /// The start of block `index`, if the class has it. O(1).
    fn block_at(&self, index: usize) -> Option<NonNull<u8>>;
    /// Returns block `index`, which the caller holds, wiping it first when `zeroize` is set. O(1).
    ///
    /// # Safety
    /// The caller holds block `index` of this class (taken with `take` and not freed since) and gives it
    /// up: nothing uses the block afterwards (S1).
    unsafe fn free(&self, index: usize, zeroize: bool);
    /// Marks block `index`, just taken by the caller, as handed out raw (to C), so that
    /// [`ByteClass::claim_raw`] accepts it and nothing else does (F1).
    ///
    /// # Safety
    /// The caller took block `index` of this class with `take` and hands it out raw.
    #[cfg(feature = "c-api")]
    unsafe fn mark_raw(&self, index: usize);
    /// Takes back block `index` if it is a raw block in use (F1): it is then in use as a block just
    /// taken, held by the caller, who gives it back through the pool's free path (`release`, Q5);
    /// otherwise [`PoolError::DoubleFree`] and nothing changes. O(1).
    ///
    /// # Safety
    /// `index` is below `capacity()`. If block `index` is a raw block in use, its raw holder gives it up
    /// (C2), and the caller gives the block back (S1: else it is lost, never handed out twice).
    #[cfg(feature = "c-api")]
    unsafe fn claim_raw(&self, index: usize) -> Result<(), PoolError>;
    /// Whether block `index` is in use (false past the end). O(1); a snapshot, for the holders' lists.
    fn in_use(&self, index: usize) -> bool;
    /// Counts a failed allocation.
    fn record_failure(&self);
    /// A snapshot of the class's counters.
    fn stats(&self) -> PoolStats;
    /// Checks the class's free list. O(capacity).
    fn validate(&self) -> Result<(), PoolError>;
}

mod sealed {
    pub trait Sealed {}
}

impl<A: Alignment, const SIZE: usize, const N: usize> sealed::Sealed
    for PoolStorage<[u8; SIZE], A, NoRefs, N>
{
}

impl<A: Alignment, const SIZE: usize, const N: usize> ByteClass
    for PoolStorage<[u8; SIZE], A, NoRefs, N>
{
    fn block_size(&self) -> usize {
        Self::BLOCK_SIZE
    }

    fn block_align(&self) -> usize {
        Self::BLOCK_ALIGN
    }

    fn capacity(&self) -> usize {
        N
    }

    #[inline]
    fn take(&self) -> Option<(usize, NonNull<u8>)> {
        let index = Storage::take(self)?;
        Some((index, self.block(index).cast::<u8>()))
    }

    fn block_containing(&self, ptr: NonNull<u8>) -> Option<(usize, NonNull<u8>)> {
        let start = self.block(0).cast::<u8>();
        let offset = (ptr.as_ptr() as usize).wrapping_sub(start.as_ptr() as usize);
        if offset >= N * Self::BLOCK_SIZE {
            return None;
        }
        let index = offset / Self::BLOCK_SIZE;
        Some((index, self.block(index).cast::<u8>()))
    }

    fn block_at(&self, index: usize) -> Option<NonNull<u8>> {
        (index < N).then(|| self.block(index).cast::<u8>())
    }

    unsafe fn free(&self, index: usize, zeroize: bool) {
        // Byte classes have no reference counts, so no generation to run out (W2 never retires them).
        // SAFETY: [S1] the caller holds the block and gives it up (`free`'s contract).
        if !unsafe { self.mark_free(index) } {
            return;
        }
        if zeroize {
            wipe(
                self.block(index).cast::<u8>(),
                Self::BLOCK_SIZE,
                Self::BLOCK_ALIGN,
            );
        }
        // SAFETY: [S1] marked free just above, by its holder.
        unsafe { self.put_back(index) };
    }

    #[cfg(feature = "c-api")]
    unsafe fn mark_raw(&self, index: usize) {
        // SAFETY: [S1, F1] the caller took the block and hands it out raw (`mark_raw`'s contract).
        unsafe { Storage::mark_raw(self, index) };
    }

    #[cfg(feature = "c-api")]
    unsafe fn claim_raw(&self, index: usize) -> Result<(), PoolError> {
        // Only a raw block in use changes hands, by one compare-and-swap (F1, C2).
        crate::storage::sealed::Sealed::free_list(self).claim_raw(index)
    }

    fn in_use(&self, index: usize) -> bool {
        index < N && crate::free_list::in_use(Storage::state(self, index))
    }

    fn record_failure(&self) {
        Storage::record_failure(self);
    }

    fn stats(&self) -> PoolStats {
        Storage::stats(self)
    }

    fn validate(&self) -> Result<(), PoolError> {
        Storage::validate(self)
    }
}

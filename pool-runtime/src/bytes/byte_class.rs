//! One size class of a byte pool, seen through an object-safe trait so that a byte pool can list classes of
//! different block sizes and counts in one slice.

use core::ptr::NonNull;

use crate::align::Alignment;
use crate::block::wipe;
use crate::error::PoolError;
use crate::refcount::NoRefs;
use crate::stats::PoolStats;
use crate::storage::{PoolStorage, Storage};
use crate::wait::{ByteBlock, Waiters};

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
    /// Gives back block `index`, which the caller holds (wiped already if the pool wipes), unless the
    /// class is marked: a task of the byte pool waits for a block of this class (Q5). Returns whether the
    /// block went back; if not, it stays in use, the caller's, to be handed to a waiting task. O(1).
    ///
    /// # Safety
    /// As [`ByteClass::free`]; when it returns false, the caller hands the block to the pool's waiting
    /// task under the queue's lock (Q5), or gives it back through [`ByteClass::free`] there.
    unsafe fn free_unless_marked(&self, index: usize) -> bool;
    /// [`ByteClass::free_unless_marked`], and when the class is marked, `hand.hand_over` of the block:
    /// the free of a byte pool with waiters in one call, so that the caller's nothing-waiting path stays a
    /// tail call (Q5).
    ///
    /// # Safety
    /// As [`ByteClass::free_unless_marked`]: it never wipes, so in `zeroize` pools the caller wipes the
    /// block first; `hand` is the hand-over of this class's pool (its waiter queue and classes).
    unsafe fn free_or_hand_over(&'static self, index: usize, hand: &dyn sealed::HandOver);
    /// A byte pool's registration (Q5): takes a free block of this class, or marks the class's empty list
    /// as waited for (`N + 1`), if the class keeps room for the mark (classes of pools declared with
    /// `wait`; others only take). O(1).
    ///
    /// # Safety
    /// Called under the pool's queue lock, by a registration whose waiting slot's request fits this class.
    unsafe fn take_or_mark(&self) -> Option<usize>;
    /// Unmarks the class: no waiting task fits it any more (Q5). O(1).
    ///
    /// # Safety
    /// Called under the pool's queue lock, when no waiting slot's request fits this class.
    unsafe fn unmark(&self);
    /// Whether block `index` is in use (false past the end). O(1); a snapshot, for the holders' lists.
    fn in_use(&self, index: usize) -> bool;
    /// Counts a failed allocation.
    fn record_failure(&self);
    /// A snapshot of the class's counters.
    fn stats(&self) -> PoolStats;
    /// Checks the class's free list. O(capacity).
    fn validate(&self) -> Result<(), PoolError>;
}

pub(crate) mod sealed {
    use crate::wait::ByteBlock;

    pub trait Sealed {}

    /// Where a block freed into a marked class goes: its byte pool's waiting tasks (Q5). Implemented by
    /// the runtime only (`wait::bytes::Handing`).
    pub trait HandOver {
        /// Hands `block` to the task that has waited longest among those it fits, under the queue's lock;
        /// if none fits any more (the last was cancelled meanwhile), puts it back on its class there.
        ///
        /// # Safety
        /// The caller holds `block`, of one of this pool's classes, still in use and with nothing in use in
        /// it, and gives it up (S1, Q5).
        unsafe fn hand_over(&self, block: ByteBlock);
    }
}

/// Whether a byte class's free list keeps room for the mark of waiting tasks (Q5): what
/// `__blockpool_byte_pool!` checks of the classes of a byte pool with `wait`, at compile time.
#[doc(hidden)]
pub const fn class_marks<A: Alignment, const SIZE: usize, const N: usize, Q: Waiters>(
    _: *const PoolStorage<[u8; SIZE], A, NoRefs, N, true, Q>,
) -> bool {
    Q::MARKS
}

// `Q`: `NoWaiters`, or `MarkedClass` for the classes of byte pools declared with `wait` (their heads keep
// room for the mark, Q5).
impl<A: Alignment, const SIZE: usize, const N: usize, Q: Waiters> sealed::Sealed
    for PoolStorage<[u8; SIZE], A, NoRefs, N, true, Q>
{
}

impl<A: Alignment, const SIZE: usize, const N: usize, Q: Waiters> ByteClass
    for PoolStorage<[u8; SIZE], A, NoRefs, N, true, Q>
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

    unsafe fn free_unless_marked(&self, index: usize) -> bool {
        let list = crate::storage::sealed::Sealed::free_list(self);
        // No generations (no reference counts): marking free is the list's own.
        if list.free_unless_marked(index, true) {
            return true;
        }
        // Marked (Q5): the block stays the caller's, in use, for a waiting task.
        list.mark_taken(index, true);
        false
    }

    #[inline]
    unsafe fn free_or_hand_over(&'static self, index: usize, hand: &dyn sealed::HandOver) {
        // SAFETY: [S1, Q5] `free_or_hand_over`'s contract is `free_unless_marked`'s.
        if !unsafe { ByteClass::free_unless_marked(self, index) } {
            let block = ByteBlock { class: self, index };
            // SAFETY: [S1, Q5] not pushed: the block is still the caller's, in use, and `hand` is its
            // pool's (`free_or_hand_over`'s contract).
            unsafe { hand.hand_over(block) };
        }
    }

    unsafe fn take_or_mark(&self) -> Option<usize> {
        if Q::MARKS {
            crate::storage::sealed::Sealed::free_list(self).pop_or_mark(true)
        } else {
            // No room for the mark: a class declared without `wait` only takes (a byte pool that waits
            // on it would miss wake-ups, never share a block; `__blockpool_byte_pool!` refuses it).
            Storage::take(self)
        }
    }

    unsafe fn unmark(&self) {
        if Q::MARKS {
            crate::storage::sealed::Sealed::free_list(self).unmark();
        }
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

//! A pool's one `static`: the blocks, the free list, and (for shared pools) the reference counts.

use core::alloc::Layout;
use core::cell::UnsafeCell;
use core::mem::{MaybeUninit, align_of, size_of};
use core::ptr::NonNull;

use crate::align::Alignment;
use crate::error::PoolError;
use crate::free_list::FreeList;
use crate::refcount::RefSlot;
use crate::stats::PoolStats;

/// The bytes of one block: the item, then padding up to the block alignment `A`.
#[repr(C)]
struct Aligned<T, A> {
    _align: [A; 0],
    value: MaybeUninit<T>,
}

/// One block: room for one item, aligned to at least `A`. The whole block, padding included, is inside
/// the `UnsafeCell` and zero-initialised, so a raw user may write all `size_of::<Slot>()` bytes and a wipe
/// may clear them.
pub(crate) struct Slot<T, A> {
    cell: UnsafeCell<MaybeUninit<Aligned<T, A>>>,
}

impl<T, A: Alignment> Slot<T, A> {
    #[cfg(not(loom))]
    pub(crate) const fn new() -> Self {
        // Zeroed, not uninitialised: the storage then lives in `.bss`, and a zeroize pool's never-used
        // blocks read as zeros like its wiped ones.
        Self {
            cell: UnsafeCell::new(MaybeUninit::zeroed()),
        }
    }

    #[cfg(loom)]
    pub(crate) fn new() -> Self {
        Self {
            cell: UnsafeCell::new(MaybeUninit::zeroed()),
        }
    }
}

impl<T, A> Slot<T, A> {
    /// The block's address, writable by whoever holds the block.
    #[inline(always)]
    pub(crate) fn as_ptr(&self) -> NonNull<T> {
        // A pointer made from a shared reference to an `UnsafeCell` may be written through (this is what
        // `UnsafeCell::get` does); that is what makes a block writable by the handle that owns it.
        // The item is the first field of the `repr(C)` block, at offset 0.
        NonNull::from(&self.cell).cast::<T>()
    }
}

/// The storage and metadata of one pool of `N` blocks of `T`, aligned to `A`, with reference counters `R`.
///
/// Generated code declares one of these as a `static` per pool; it is zero-initialised, needs no init call,
/// and is only ever used through the pool's handles.
pub struct PoolStorage<T, A: Alignment, R: RefSlot, const N: usize> {
    list: FreeList<N>,
    refs: [R; N],
    slots: [Slot<T, A>; N],
}

// SAFETY: the storage is shared between threads, but each block's contents are reached only through the one
// handle that took the block from the free list (or, for shared handles, through shared references
// only), and those handles are `Send`/`Sync` only when the item is. Everything else (free list, counters,
// reference counts) is atomic.
unsafe impl<T, A: Alignment, R: RefSlot, const N: usize> Sync for PoolStorage<T, A, R, N> {}

impl<T, A: Alignment, R: RefSlot, const N: usize> PoolStorage<T, A, R, N> {
    /// Number of blocks.
    pub const CAPACITY: usize = N;
    /// Size of one block in bytes: the item rounded up to the block alignment.
    pub const BLOCK_SIZE: usize = size_of::<Slot<T, A>>();
    /// Alignment of every block.
    pub const BLOCK_ALIGN: usize = align_of::<Slot<T, A>>();

    /// A pool with every block free.
    #[cfg(not(loom))]
    pub const fn new() -> Self {
        const {
            assert!(
                size_of::<T>() != 0,
                "a blockpool pool cannot hold a zero-sized type"
            )
        };
        Self {
            list: FreeList::new(),
            refs: [const { R::ZERO }; N],
            slots: [const { Slot::new() }; N],
        }
    }

    /// A pool with every block free (loom's atomics have no `const` constructor).
    #[cfg(loom)]
    pub fn new() -> Self {
        Self {
            list: FreeList::new(),
            refs: core::array::from_fn(|_| R::new()),
            slots: core::array::from_fn(|_| Slot::new()),
        }
    }
}

#[cfg(not(loom))]
impl<T, A: Alignment, R: RefSlot, const N: usize> Default for PoolStorage<T, A, R, N> {
    fn default() -> Self {
        Self::new()
    }
}

/// What the handles need from a pool's storage, whatever its alignment and block count.
///
/// Implemented by [`PoolStorage`] only (sealed); generated pools name it as `StaticPool::__Storage`.
pub trait Storage: Sync + 'static + sealed::Sealed {
    /// The item type.
    type Item;
    /// The reference counter of each block (`NoRefs` for pools without `refcount`).
    type Refs: RefSlot;

    /// Number of blocks.
    fn capacity(&self) -> usize;
    /// Size of one block in bytes.
    fn block_size(&self) -> usize;
    /// Alignment of every block.
    fn block_align(&self) -> usize;
    /// Size and alignment of every block.
    fn block_layout(&self) -> Layout;
    /// Takes a free block. O(1).
    fn take(&self) -> Option<usize>;
    /// Marks a block that the caller holds as free (step one of returning it). O(1).
    fn mark_free(&self, index: usize);
    /// Marks a block named by an untrusted caller as free; `DoubleFree` if it is not in use. O(1).
    fn mark_free_checked(&self, index: usize) -> Result<(), PoolError>;
    /// Puts a block marked free back on the free list (step two). O(1).
    fn put_back(&self, index: usize);
    /// Counts a failed allocation.
    fn record_failure(&self);
    /// The block's state word (odd while in use; its generation).
    fn state(&self, index: usize) -> u16;
    /// The block's reference counter.
    fn refs(&self, index: usize) -> &Self::Refs;
    /// Notes that a weak handle exists for the item in block `index`.
    fn mark_weak_issued(&self, index: usize);
    /// Whether a weak handle was made for the item in block `index`.
    fn weak_issued(&self, index: usize) -> bool;
    /// Moves the item in block `index` to a new generation: earlier weak handles stop upgrading.
    fn renew_generation(&self, index: usize);
    /// A pointer to block `index`, valid for reads and writes of one item for the pool's lifetime.
    fn block(&self, index: usize) -> NonNull<Self::Item>;
    /// The index of a block pointer obtained from [`Storage::block`].
    fn index_of(&self, block: NonNull<Self::Item>) -> usize;
    /// The index of the block that starts at `ptr`, or why there is none. O(1).
    fn locate(&self, ptr: NonNull<u8>) -> Result<usize, PoolError>;
    /// A snapshot of the counters.
    fn stats(&self) -> PoolStats;
    /// Checks the free list against the block states. O(capacity).
    fn validate(&self) -> Result<(), PoolError>;
}

mod sealed {
    pub trait Sealed {}
}

impl<T: 'static, A: Alignment, R: RefSlot, const N: usize> sealed::Sealed
    for PoolStorage<T, A, R, N>
{
}

impl<T: 'static, A: Alignment, R: RefSlot, const N: usize> Storage for PoolStorage<T, A, R, N> {
    type Item = T;
    type Refs = R;

    #[inline(always)]
    fn capacity(&self) -> usize {
        N
    }

    #[inline(always)]
    fn block_size(&self) -> usize {
        Self::BLOCK_SIZE
    }

    #[inline(always)]
    fn block_align(&self) -> usize {
        Self::BLOCK_ALIGN
    }

    fn block_layout(&self) -> Layout {
        Layout::new::<Slot<T, A>>()
    }

    #[inline(always)]
    fn take(&self) -> Option<usize> {
        self.list.pop()
    }

    #[inline(always)]
    fn mark_free(&self, index: usize) {
        self.list.mark_free(index);
    }

    fn mark_free_checked(&self, index: usize) -> Result<(), PoolError> {
        self.list.mark_free_checked(index)
    }

    #[inline(always)]
    fn put_back(&self, index: usize) {
        self.list.push(index);
    }

    fn record_failure(&self) {
        self.list.record_failure();
    }

    #[inline(always)]
    fn state(&self, index: usize) -> u16 {
        self.list.state(index)
    }

    #[inline(always)]
    fn refs(&self, index: usize) -> &R {
        &self.refs[index]
    }

    fn mark_weak_issued(&self, index: usize) {
        self.list.mark_weak_issued(index);
    }

    fn weak_issued(&self, index: usize) -> bool {
        self.list.weak_issued(index)
    }

    fn renew_generation(&self, index: usize) {
        self.list.renew_generation(index);
    }

    #[inline(always)]
    fn block(&self, index: usize) -> NonNull<T> {
        self.slots[index].as_ptr()
    }

    #[inline(always)]
    fn index_of(&self, block: NonNull<T>) -> usize {
        let base = self.slots.as_ptr() as usize;
        (block.as_ptr() as usize - base) / Self::BLOCK_SIZE
    }

    fn locate(&self, ptr: NonNull<u8>) -> Result<usize, PoolError> {
        let base = self.slots.as_ptr() as usize;
        let offset = (ptr.as_ptr() as usize).wrapping_sub(base);
        if offset >= N * Self::BLOCK_SIZE {
            return Err(PoolError::ForeignBlock);
        }
        if offset % Self::BLOCK_SIZE != 0 {
            return Err(PoolError::NotBlockStart);
        }
        Ok(offset / Self::BLOCK_SIZE)
    }

    fn stats(&self) -> PoolStats {
        self.list.stats()
    }

    fn validate(&self) -> Result<(), PoolError> {
        self.list.validate()?;
        (0..N).try_for_each(|index| R::check(&self.refs[index], self.list.state(index)))
    }
}

//! `PoolRc`: shared, reference-counted handles to the blocks of pools declared with `refcount`.

use core::marker::PhantomData;
use core::ops::Deref;
use core::ptr::NonNull;

use crate::block::{Claim, ReleaseOnDrop, release};
use crate::boxed::PoolBox;
use crate::error::{AllocError, PoolError};
use crate::pool::StaticPool;
use crate::refcount::{Counter, RefSlot};
use crate::storage::Storage;
use crate::sync::Ordering;
use crate::weak::PoolWeak;

/// A pool whose blocks carry reference counters, so it can hand out [`PoolRc`] and [`PoolWeak`] handles.
///
/// Implemented by pools declared with the `refcount` option (`refcount`, or `refcount = u8 | u16 | u32` for
/// the counter's width; `u16` by default).
///
/// Safe to implement, and the runtime trusts nothing in an implementation: the counters come from the
/// pool's storage (a sealed type), which the bound on `__Storage` requires to have them.
#[diagnostic::on_unimplemented(
    message = "pool `{Self}` has no reference counts, so it cannot hand out shared handles",
    label = "this pool was declared without `refcount`",
    note = "add `refcount` to the pool's options, as in `#[memory_pool(count = 8, refcount)]` \
            (or `refcount = u8 | u16 | u32` to choose the counter's width)"
)]
pub trait SharedPool: StaticPool<__Storage: Storage<Refs: Counter>> {
    /// Moves `value` into a free block and returns the first shared handle to it (count 1). O(1).
    ///
    /// # Errors
    /// [`PoolError::Exhausted`] when every block is in use; the [`AllocError`] gives `value` back.
    #[track_caller]
    fn alloc_shared(value: Self::Item) -> Result<PoolRc<Self>, AllocError<Self::Item>> {
        Self::alloc(value).map(PoolBox::into_shared)
    }

    /// Takes a free block, then builds the item with `make` (the block goes back if `make` panics).
    ///
    /// # Errors
    /// [`PoolError::Exhausted`] when every block is in use; `make` is not called then.
    #[track_caller]
    fn alloc_shared_with<F: FnOnce() -> Self::Item>(make: F) -> Result<PoolRc<Self>, PoolError> {
        Self::alloc_with(make).map(PoolBox::into_shared)
    }
}

/// The reference counter type of shared pool `P`.
pub(crate) type CounterOf<P> = <<P as StaticPool>::__Storage as Storage>::Refs;

/// The reference counter of block `index` of shared pool `P`. Changed only by this module's handle
/// operations and by upgrades, as R1 and R2 say.
#[inline(always)]
pub(crate) fn counter<P: SharedPool>(index: usize) -> &'static CounterOf<P> {
    // SAFETY: [R1, R2] the callers are `PoolRc`'s operations and `PoolWeak::upgrade`.
    unsafe { P::__storage().refs(index) }
}

/// A shared handle to an item in a block of pool `P`, like `Arc<P::Item>`: cloning adds a reference, and
/// the last handle to go drops the item and frees the block.
///
/// One pointer wide. The count lives beside the block, in the counter chosen by the pool's `refcount`
/// option; it never wraps: past its maximum [`PoolRc::try_clone`] fails with [`PoolError::RefOverflow`].
///
/// ```
/// use blockpool::{memory_pool, PoolRc};
///
/// #[memory_pool(count = 8, refcount = u8)]
/// #[derive(Debug)]
/// pub struct Frame { pub seq: u32 }
///
/// let a: PoolRc<FramePool> = FramePool::alloc_shared(Frame { seq: 1 }).unwrap();
/// let b = a.clone();
/// assert_eq!(PoolRc::strong_count(&a), 2);
/// let a = PoolRc::try_unwrap(a).unwrap_err(); // still shared: the handle comes back
/// drop(b);
/// let frame: Frame = PoolRc::try_unwrap(a).ok().unwrap(); // the last one: the item, block freed
/// assert_eq!(frame.seq, 1);
/// assert_eq!(FramePool::stats().used, 0);
/// ```
///
/// The type accepts any pool so that naming `PoolRc<P>` for a pool without `refcount` gives one error, at
/// the `alloc_shared` that would make it, rather than one at every use; only shared pools can make one.
pub struct PoolRc<P: StaticPool> {
    block: NonNull<P::Item>,
    _shares: PhantomData<P::Item>,
}

// SAFETY: [R1, R3, W3] handles on several threads share the item (needs `Sync`), and whichever thread drops the last
// handle drops the item (needs `Send`); the counter and block state are atomic.
unsafe impl<P: StaticPool> Send for PoolRc<P> where P::Item: Send + Sync {}
// SAFETY: [R2] as for `Send`: `&PoolRc` can be cloned into a `PoolRc` on another thread.
unsafe impl<P: StaticPool> Sync for PoolRc<P> where P::Item: Send + Sync {}

impl<P: SharedPool> PoolRc<P> {
    /// Wraps a block whose counter already includes this handle.
    ///
    /// # Safety
    /// `block` is a block of `P` holding an initialised item, and its counter counts this new handle.
    #[inline(always)]
    pub(crate) unsafe fn from_block(block: NonNull<P::Item>) -> Self {
        Self {
            block,
            _shares: PhantomData,
        }
    }

    #[inline(always)]
    fn index(&self) -> usize {
        P::__storage().index_of(self.block)
    }

    #[inline(always)]
    fn counter(&self) -> &'static CounterOf<P> {
        counter::<P>(self.index())
    }

    /// Whether this is the only handle, and if so, locks out every weak upgrade by taking the count from 1
    /// to 0. A count of 0 under a live `PoolRc` means exactly that: one handle, locked. Only that handle
    /// can change the count again (upgrades never raise a zero count), which it does through
    /// [`PoolRc::unlock`] before anything that shares the item.
    #[inline]
    fn lock_unique(&self) -> bool {
        let counter = self.counter();
        counter.get(Ordering::Acquire) == 0 || counter.claim_unique()
    }

    /// Undoes [`PoolRc::lock_unique`]: a locked count of 0 becomes 1 again. Called with `&self`, so no
    /// mutable borrow from `get_mut` or `make_mut` is alive; but other threads may call it on the same
    /// handle at once (`PoolRc` is `Sync`), so it is one compare-and-swap (invariant R2 of
    /// `docs/safety.md`): of two racing unlocks one moves 0 to 1 and the other sees 1 and does nothing.
    #[inline]
    fn unlock(&self) {
        self.counter().unlock();
    }

    /// How many `PoolRc` handles share the item now.
    pub fn strong_count(this: &Self) -> usize {
        (this.counter().get(Ordering::Acquire) as usize).max(1)
    }

    /// Whether two handles share one block.
    pub fn ptr_eq(a: &Self, b: &Self) -> bool {
        a.block == b.block
    }

    /// The address of the item.
    pub fn as_ptr(this: &Self) -> NonNull<P::Item> {
        this.block
    }

    /// Another handle to the same item.
    ///
    /// # Errors
    /// [`PoolError::RefOverflow`] when the counter is at its maximum (255 for `refcount = u8`); the count
    /// is unchanged.
    pub fn try_clone(this: &Self) -> Result<Self, PoolError> {
        // SAFETY: [R1, R2] this handle is live and counted in its block's counter.
        unsafe { this.counter().clone_handle() }?;
        // SAFETY: [R1, R2] the item is live (we hold a count) and the counter now includes the new handle.
        Ok(unsafe { Self::from_block(this.block) })
    }

    /// Mutable access when this is the only handle and no weak handle was ever made for the item (weak
    /// handles are `Copy` and cannot be counted, so one may still exist). Otherwise `None`; see
    /// [`PoolRc::make_mut`], which also handles those cases.
    ///
    /// While the access lasts, the count is held at a locked zero, so not even a weak handle rebuilt with
    /// [`PoolWeak::from_bits`] or one from a much older generation can upgrade to the item.
    pub fn get_mut(this: &mut Self) -> Option<&mut P::Item> {
        if !this.lock_unique() {
            return None;
        }
        // Checked after locking: a clone downgraded and dropped on another thread just before the lock
        // set the flag before its release decrement, which the lock's acquire made visible. Once locked,
        // no new weak handle can be made (only this handle could, and it is borrowed mutably).
        if P::__storage().weak_issued(this.index()) {
            this.unlock();
            return None;
        }
        // SAFETY: [R1, R4] this is the only strong handle and the locked count makes every upgrade fail; new handles
        // could only come from clones of this one, which is borrowed mutably for the reference's life.
        Some(unsafe { this.block.as_mut() })
    }

    /// Mutable access, copy-on-write: when the item is shared, clones it into a new block of the same pool
    /// and points this handle there (the others keep the original). When this is the only handle, no copy
    /// is made, and any weak handles stop upgrading (like `Arc::make_mut`).
    ///
    /// # Errors
    /// [`PoolError::Exhausted`] when a copy is needed and the pool is full; nothing changes then.
    #[track_caller]
    pub fn make_mut(this: &mut Self) -> Result<&mut P::Item, PoolError>
    where
        P::Item: Clone,
    {
        let index = this.index();
        if this.lock_unique() {
            // The count stays at a locked 0 while `&mut` lives, so no weak handle can upgrade; those made so
            // far are detached for good.
            let storage = P::__storage();
            if storage.weak_issued(index) {
                // SAFETY: [R1, S4] the only handle, locked, borrowed mutably.
                unsafe { storage.renew_generation(index) };
            }
        } else {
            let claim = Claim::<P>::take()?;
            // If `clone` panics, dropping the claim gives the new block back.
            let copy = (**this).clone();
            let block = claim.block();
            // SAFETY: [S1, S2] the claimed block is ours alone and holds no live item.
            unsafe { block.write(copy) };
            // A locked 0, not 1 (R1, R4): `&mut` is lent below, so not even a weak handle rebuilt with
            // `from_bits` for this block's current generation may upgrade meanwhile.
            counter::<P>(claim.keep()).set(0, Ordering::Release);
            // SAFETY: [R1] the new block holds the copy and its locked count stands for this one handle; the
            // assignment drops our count on the original.
            *this = unsafe { Self::from_block(block) };
        }
        // SAFETY: [R1, R4] this handle is now the only one to its item, and no weak handle can upgrade to it:
        // either way its count is locked at 0.
        Ok(unsafe { this.block.as_mut() })
    }

    /// The item, if this is the only handle; the block is freed. Otherwise the handle comes back.
    ///
    /// # Errors
    /// The handle itself, when other handles share the item.
    pub fn try_unwrap(this: Self) -> Result<P::Item, Self> {
        if !this.lock_unique() {
            return Err(this);
        }
        let block = this.block;
        core::mem::forget(this);
        // SAFETY: [R1] the count went from 1 to 0 under us, so we hold the only reference; the item is read
        // once and the block is freed without dropping it again.
        let value = unsafe { block.read() };
        release::<P>(P::__storage().index_of(block));
        Ok(value)
    }

    /// Turns the only handle into an owning [`PoolBox`] (weak handles stop upgrading); with other handles
    /// around, the handle comes back.
    ///
    /// # Errors
    /// The handle itself, when other handles share the item.
    pub fn into_box(this: Self) -> Result<PoolBox<P>, Self> {
        if !this.lock_unique() {
            return Err(this);
        }
        let storage = P::__storage();
        let index = this.index();
        if storage.weak_issued(index) {
            // SAFETY: [R1, S4] the only handle, locked, and consumed here.
            unsafe { storage.renew_generation(index) };
        }
        let block = this.block;
        core::mem::forget(this);
        // SAFETY: [R1, R4, S3] the count is 0 (no shared handle, no upgrade can succeed) and the item is initialised, so
        // the block can be owned by a `PoolBox` alone.
        Ok(unsafe { PoolBox::from_raw(block) })
    }

    /// A weak handle to the item: `Copy`, 8 bytes, no count held; see [`PoolWeak`].
    pub fn downgrade(this: &Self) -> PoolWeak<P> {
        this.unlock();
        let storage = P::__storage();
        let index = this.index();
        // SAFETY: [R4] this handle holds a count on the item in the block.
        unsafe { storage.mark_weak_issued(index) };
        // Stable while we hold a count: the generation moves only when the block is freed or its unique
        // holder detaches the weak handles.
        PoolWeak::new(index, storage.generation(index))
    }
}

impl<P: StaticPool> PoolBox<P> {
    /// Turns the owning handle into the first shared handle (count 1). Only for pools with `refcount`.
    pub fn into_shared(boxed: Self) -> PoolRc<P>
    where
        P: SharedPool,
    {
        let block = PoolBox::into_raw(boxed);
        counter::<P>(P::__storage().index_of(block)).set(1, Ordering::Release);
        // SAFETY: [R1, S3] the block holds the item the box owned, and its counter now counts this one handle.
        unsafe { PoolRc::from_block(block) }
    }
}

impl<P: StaticPool> Clone for PoolRc<P> {
    /// Another handle to the same item.
    ///
    /// # Panics
    /// When the counter is at its maximum; [`PoolRc::try_clone`] returns the error instead.
    fn clone(&self) -> Self {
        let storage = P::__storage();
        // SAFETY: [R1, R2] this handle is live and counted in its block's counter.
        match unsafe { storage.refs(storage.index_of(self.block)).clone_handle() } {
            // The counter now includes the new handle (R1).
            Ok(()) => Self {
                block: self.block,
                _shares: PhantomData,
            },
            Err(_) => overflow::<P>(),
        }
    }
}

#[cold]
#[inline(never)]
fn overflow<P: StaticPool>() -> ! {
    panic!(
        "pool `{}`: reference count overflow: more than {} handles to one block (use PoolRc::try_clone to get an error instead)",
        P::NAME,
        <<P::__Storage as Storage>::Refs as RefSlot>::MAX_COUNT
    )
}

impl<P: StaticPool> Drop for PoolRc<P> {
    #[inline]
    fn drop(&mut self) {
        let storage = P::__storage();
        let index = storage.index_of(self.block);
        // SAFETY: [R1, R3] this handle is live, counted in its block's counter, and going away.
        if !unsafe { storage.refs(index).drop_handle() } {
            return;
        }
        let _release = ReleaseOnDrop::<P> {
            index,
            _pool: PhantomData,
        };
        // SAFETY: [R1, R3, W1] the count reached zero: this was the last handle, nobody else can reach the item, and
        // weak upgrades fail on a zero count.
        unsafe { self.block.drop_in_place() };
    }
}

impl<P: StaticPool> Deref for PoolRc<P> {
    type Target = P::Item;

    #[inline(always)]
    fn deref(&self) -> &P::Item {
        // SAFETY: [R1] while this handle lives the count is at least one, so the item is live, and shared
        // handles give only shared access.
        unsafe { self.block.as_ref() }
    }
}

// SAFETY: [P1] the item stays at its block address while any handle lives.
unsafe impl<P: StaticPool> stable_deref_trait::StableDeref for PoolRc<P> {}
// SAFETY: [R1] clones point at the same block.
unsafe impl<P: StaticPool> stable_deref_trait::CloneStableDeref for PoolRc<P> {}

crate::forward::forward_to_item!(PoolRc, StaticPool);

//! The trait every generated pool implements, and its allocation functions.

use core::ptr::NonNull;

use crate::block::{Claim, report_exhausted};
use crate::boxed::PoolBox;
use crate::error::{AllocError, FailureEvent, PoolError};
use crate::stats::PoolStats;
use crate::storage::Storage;
use crate::uninit::PoolBoxUninit;

/// Compile-time settings of a pool that the runtime acts on.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct PoolConfig {
    /// Wipe blocks with volatile zero writes when they are freed.
    pub zeroize: bool,
    /// Called on every failed allocation.
    pub on_failure: Option<fn(&FailureEvent)>,
    /// Called on every allocation, free and failure (`trace = path`).
    pub trace: Option<fn(&crate::trace::TraceEvent)>,
    /// The pool's stable id, for trace events: `pool_id(module_path!(), name)` (0 where unknown).
    pub id: u32,
}

/// The `on_failure` hook as a function pointer; generated code passes the user's path through this field
/// so that a wrong signature is reported at that path and no generated name can shadow it.
#[doc(hidden)]
pub struct FailureHook {
    /// The hook.
    pub hook: fn(&FailureEvent),
}

/// The `trace` hook as a function pointer, passed through as [`FailureHook`] is.
#[doc(hidden)]
pub struct TraceHook {
    /// The hook.
    pub hook: fn(&crate::trace::TraceEvent),
}

impl PoolConfig {
    /// No wiping, no hook.
    pub const DEFAULT: Self = Self {
        zeroize: false,
        on_failure: None,
        trace: None,
        id: 0,
    };
}

/// A pool of blocks in static memory, sized at compile time.
///
/// Implemented by the zero-sized pool types that `#[memory_pool]` and `pools!` generate; write generic code
/// against it (`fn log<P: StaticPool>()`). The items whose names start with `__` are for generated code
/// only and not covered by semver.
///
/// The generated pool types also have these functions as inherent associated functions, so
/// `MsgPool::alloc(..)` works without importing this trait.
///
/// # Safety
/// Implemented only by the macros (through the runtime's `__blockpool_static_pool!`, so that the user's
/// crate contains no `unsafe`). The runtime trusts an implementation for memory safety: `__storage` returns
/// the same `'static` storage on every call (invariant **P1** in `docs/safety.md`), and `Item`/`CAPACITY`
/// are those of that storage. Do not implement it by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a blockpool pool",
    label = "not a pool",
    note = "pools are declared with `#[memory_pool(count = N)]` or in a `pools! {{ .. }}` block"
)]
pub unsafe trait StaticPool: Sized + 'static {
    /// The type of the items the pool holds.
    type Item: 'static;
    /// How many blocks the pool has.
    const CAPACITY: usize;
    /// The pool's name, as written in its declaration.
    const NAME: &'static str;

    #[doc(hidden)]
    type __Storage: Storage<Item = Self::Item>;
    #[doc(hidden)]
    const __CONFIG: PoolConfig;
    #[doc(hidden)]
    fn __storage() -> &'static Self::__Storage;
    /// The allocation sites of pools declared with `track_callers`; `None` (and no code) for the others.
    #[doc(hidden)]
    #[inline(always)]
    fn __sites() -> Option<&'static dyn crate::sites::SiteTable> {
        None
    }

    /// Moves `value` into a free block. O(1), lock-free, callable from interrupt handlers.
    ///
    /// # Errors
    /// [`PoolError::Exhausted`] when every block is in use; the [`AllocError`] gives `value` back.
    #[inline]
    #[track_caller]
    fn alloc(value: Self::Item) -> Result<PoolBox<Self>, AllocError<Self::Item>> {
        // Small enough to be inlined into the caller (the failure path is at most one call to a cold function,
        // none in a pool with counts and no hook, whose shared pop counted the failure; `value` is never
        // passed by reference): the value is then written straight into the block instead
        // of being staged on the stack and copied, and the `Result` is not returned through memory.
        match Self::__storage().take_counting() {
            Some(index) => {
                let boxed = fill(index, value);
                // After the fill: a store between the pop and the fill makes the compiler build `value` on
                // the stack and copy it into the block (on Cortex-M3, 85 instructions per alloc + write +
                // free instead of 77; `docs/cycles.md`).
                crate::sites::track::<Self>(index);
                // After the block is in its handle: a hook that panics drops the handle, which frees it.
                crate::trace::trace::<Self>(crate::trace::TraceKind::Alloc, Some(index));
                Ok(boxed)
            }
            None => Err(AllocError::new(value, report_exhausted::<Self>())),
        }
    }

    /// Takes a free block, then builds the item with `make`. If `make` panics, the block goes back to the
    /// pool. O(1) apart from `make`.
    ///
    /// # Errors
    /// [`PoolError::Exhausted`] when every block is in use; `make` is not called then.
    #[inline]
    #[track_caller]
    fn alloc_with<F: FnOnce() -> Self::Item>(make: F) -> Result<PoolBox<Self>, PoolError> {
        let claim = Claim::<Self>::take()?;
        let value = make();
        Ok(claim_fill(claim, value))
    }

    /// Takes a free block without initialising it, so that a large item can be built in place and never
    /// passes through the stack.
    ///
    /// # Errors
    /// [`PoolError::Exhausted`] when every block is in use.
    #[inline]
    #[track_caller]
    fn alloc_uninit() -> Result<PoolBoxUninit<Self>, PoolError> {
        Claim::<Self>::take().map(PoolBoxUninit::from_claim)
    }

    /// Takes a free block and fills it with zero bytes in place, for items whose all-zero bit pattern is
    /// valid ([`Zeroable`](crate::Zeroable), see [`ZeroableItem`](crate::ZeroableItem)). The item never
    /// passes through the stack.
    ///
    /// # Errors
    /// [`PoolError::Exhausted`] when every block is in use.
    #[inline]
    #[track_caller]
    fn alloc_zeroed() -> Result<PoolBox<Self>, PoolError>
    where
        Self::Item: crate::ZeroableItem,
    {
        Self::alloc_uninit().map(PoolBoxUninit::zeroed)
    }

    /// A snapshot of the pool's counters.
    fn stats() -> PoolStats {
        Self::__storage().stats()
    }

    /// The blocks in use, lowest index first, each with the place it was allocated in pools declared with
    /// `track_callers` (`None` in the others). No heap; each step reads the block states of the pool as
    /// they are then, so run it while the pool is quiet for an exact picture (a panic handler, a test).
    fn holders() -> crate::sites::Holders<Self> {
        crate::sites::Holders::new()
    }

    /// The blocks in use grouped by allocation site, with `Display` for a one-line answer to "who holds
    /// the blocks?": `8/8 in use: 6 at src/radio.rs:41:17, 2 at src/log.rs:88:9`. O(capacity²), no heap.
    fn holder_sites() -> crate::sites::HolderSites<Self> {
        crate::sites::HolderSites::new()
    }

    /// Panics if a block is in use, with who holds the blocks (the allocation sites in pools declared
    /// with `track_callers`): `pool `MsgPool` has blocks in use: 2/8 in use: 2 at tests/x.rs:10:5`. For
    /// the end of a test; with the feature `registry`, `blockpool::assert_no_leaks()` checks every pool.
    #[track_caller]
    fn assert_empty() {
        crate::sites::assert_none_in_use(Self::NAME, Self::stats().used, Self::holder_sites());
    }

    /// Checks the free list and block metadata for consistency: every free block on the free list exactly
    /// once, the counters matching the block states, reference counts matching the states. O(capacity),
    /// for tests and debugging; meaningful while no other thread or interrupt uses the pool.
    ///
    /// # Errors
    /// [`PoolError::Corrupted`] when anything disagrees.
    fn validate() -> Result<(), PoolError> {
        Self::__storage().validate()
    }
}

/// Moves `value` into the claimed block and wraps it in a handle.
#[inline(always)]
fn claim_fill<P: StaticPool>(claim: Claim<P>, value: P::Item) -> PoolBox<P> {
    let block: NonNull<P::Item> = claim.block();
    // SAFETY: [S1, S2] the claim gives us the block alone; it is aligned and large enough for one item (the storage
    // is an array of slots of the item type) and holds no live item, so writing does not leak or alias.
    unsafe { block.write(value) };
    claim.keep();
    // SAFETY: [S1, S3] the block now holds an initialised item and is owned by nobody else.
    unsafe { PoolBox::from_block(block) }
}

/// Moves `value` into block `index`, just taken from the free list, and wraps it in a handle.
#[inline(always)]
fn fill<P: StaticPool>(index: usize, value: P::Item) -> PoolBox<P> {
    let block: NonNull<P::Item> = P::__storage().block(index);
    // Nothing here can panic (the list hands out indices below the capacity), so the block cannot be
    // lost before the handle owns it.
    // SAFETY: [S1, S2] the block was just taken from the free list, so it is ours alone; it is aligned and large
    // enough for one item and holds no live item, so writing does not leak or alias.
    unsafe { block.write(value) };
    // SAFETY: [S1, S3] the block now holds an initialised item and is owned by nobody else.
    unsafe { PoolBox::from_block(block) }
}

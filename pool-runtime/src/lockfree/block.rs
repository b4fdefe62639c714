//! Taking a block from a pool and giving it back: the steps every handle shares.

use core::marker::PhantomData;
use core::ptr::NonNull;

use crate::error::{FailureEvent, PoolError};
use crate::pool::StaticPool;
use crate::sites::HolderSummary;
use crate::storage::Storage;
use crate::sync::{AtomicU32, Ordering};

/// A block taken from the free list that holds no item yet. Dropping the claim gives the block back, so a
/// constructor that panics loses nothing.
pub(crate) struct Claim<P: StaticPool> {
    index: usize,
    _pool: PhantomData<P>,
}

impl<P: StaticPool> Claim<P> {
    /// Takes a free block (recording the caller as its site in pools with `track_callers`), or reports the
    /// failure to the pool's counters and hook.
    #[inline]
    #[track_caller]
    pub(crate) fn take() -> Result<Self, PoolError> {
        match P::__storage().take_counting() {
            Some(index) => {
                crate::sites::track::<P>(index);
                let claim = Self {
                    index,
                    _pool: PhantomData,
                };
                // After the claim holds the block: a hook that panics drops the claim, which frees it.
                crate::trace::trace::<P>(crate::trace::TraceKind::Alloc, Some(index));
                Ok(claim)
            }
            None => Err(report_exhausted::<P>()),
        }
    }

    /// Takes a free block without recording a site or calling the trace hook (the C API does both its own
    /// way), or reports the failure.
    #[cfg(feature = "c-api")]
    #[inline]
    pub(crate) fn take_quiet() -> Result<Self, PoolError> {
        match P::__storage().take_counting() {
            Some(index) => {
                crate::sites::untrack::<P>(index);
                Ok(Self {
                    index,
                    _pool: PhantomData,
                })
            }
            None => Err(report_exhausted::<P>()),
        }
    }

    /// The block's address; valid for writes of one item.
    #[inline(always)]
    pub(crate) fn block(&self) -> NonNull<P::Item> {
        P::__storage().block(self.index)
    }

    /// The block's index; the claim is consumed and the caller now answers for giving the block back.
    #[inline(always)]
    pub(crate) fn keep(self) -> usize {
        let index = self.index;
        core::mem::forget(self);
        index
    }
}

impl<P: StaticPool> Drop for Claim<P> {
    fn drop(&mut self) {
        release::<P>(self.index);
    }
}

/// Gives back, when dropped, a block whose item is being dropped: a panicking destructor then still
/// returns the block.
pub(crate) struct ReleaseOnDrop<P: StaticPool> {
    pub(crate) index: usize,
    pub(crate) _pool: PhantomData<P>,
}

impl<P: StaticPool> Drop for ReleaseOnDrop<P> {
    #[inline(always)]
    fn drop(&mut self) {
        release::<P>(self.index);
    }
}

/// Returns a block that holds no live item to the free list, wiping it first in `zeroize` pools; then calls
/// the pool's trace hook (`trace = path`), if any.
#[inline(always)]
pub(crate) fn release<P: StaticPool>(index: usize) {
    give_up::<P>(index);
    crate::trace::trace::<P>(crate::trace::TraceKind::Free, Some(index));
}

/// [`release`] without the trace: for a chain's member, whose operations through the chain are neither
/// traced nor tracked (the chain's own are).
#[inline(always)]
pub(crate) fn give_up<P: StaticPool>(index: usize) {
    // A freed block names no holder, even while it waits in a task's slot (review round 17, T1). Before
    // the free: the block's next holder records its site after taking it.
    crate::sites::untrack::<P>(index);
    let storage = P::__storage();
    if !P::__CONFIG.zeroize {
        // SAFETY: [S1] the caller holds block `index` with no live item in it and gives it up (`release`'s
        // contract, as below).
        unsafe { storage.free(index) };
        return;
    }
    // SAFETY: [S1] the caller holds block `index` with no live item in it and gives it up (`release`'s
    // contract, kept by every caller: a claim, a handle's drop, `into_inner`, `try_unwrap`).
    let reusable = unsafe { storage.mark_free(index) };
    // Wiped whether it goes back or retires: a retired block stays in RAM for good, and the item's bytes
    // must not stay with it (Z1).
    wipe(
        storage.block(index).cast::<u8>(),
        storage.block_size(),
        storage.block_align(),
    );
    if !reusable {
        // Retired for good (W2): the block's generations are used up. Never for pools without `refcount`.
        return;
    }
    // SAFETY: [S1] marked free just above by its holder, which gives it up.
    unsafe { storage.put_back(index) };
}

/// Counts a failed allocation and calls the pool's `on_failure` hook; returns the error for the caller.
/// The work is in [`failed`], shared by every pool; this passes it the pool's name and hook, from one
/// read-only record per pool.
#[inline(always)]
pub(crate) fn report_failure<P: StaticPool>(error: PoolError) -> PoolError {
    report::<P>(error, false)
}

/// [`report_failure`] of `Exhausted` after [`Storage::take_counting`] found no block, which counted the
/// failure already in pools with bookkeeping (`Storage::TAKE_COUNTS`): then only the hook is left to call,
/// and a pool without one has no failure path to speak of.
#[cold]
#[inline(always)]
pub(crate) fn report_exhausted<P: StaticPool>() -> PoolError {
    report::<P>(PoolError::Exhausted, <P::__Storage as Storage>::TAKE_COUNTS)
}

/// The failure path: counts the failure unless `counted`, calls the hook, traces.
#[inline(always)]
fn report<P: StaticPool>(error: PoolError, counted: bool) -> PoolError {
    let pool: &'static FailureSite = &const {
        FailureSite {
            name: P::NAME,
            hook: P::__CONFIG.on_failure,
        }
    };
    match P::__sites() {
        // `track_callers`: the hook is told who holds the blocks (a function of its own, so that the
        // other pools' failure path stays as it was).
        Some(_) => failed_holders(
            pool,
            P::__storage().failures(),
            &error,
            HolderSummary::typed::<P>(),
            counted,
        ),
        // Counted, and no hook: nothing to do.
        None if counted && P::__CONFIG.on_failure.is_none() => {}
        None => failed(pool, P::__storage().failures(), &error, counted),
    }
    // No site: the failure path is not `#[track_caller]` (review round 14).
    crate::trace::trace_at::<P>(crate::trace::TraceKind::Failure(error), None, None);
    error
}

/// What the failure path needs to know about a pool.
pub(crate) struct FailureSite {
    name: &'static str,
    hook: Option<fn(&FailureEvent)>,
}

#[cold]
#[inline(never)]
fn failed(pool: &FailureSite, failures: &AtomicU32, error: &PoolError, counted: bool) {
    if !counted {
        failures.fetch_add(1, Ordering::Relaxed);
    }
    if let Some(hook) = pool.hook {
        hook(&FailureEvent {
            pool: pool.name,
            error: *error,
            holders: None,
        });
    }
}

/// [`failed`] for pools with `track_callers`: the event names who holds the blocks.
#[cold]
#[inline(never)]
fn failed_holders(
    pool: &FailureSite,
    failures: &AtomicU32,
    error: &PoolError,
    holders: HolderSummary,
    counted: bool,
) {
    if !counted {
        failures.fetch_add(1, Ordering::Relaxed);
    }
    if let Some(hook) = pool.hook {
        hook(&FailureEvent {
            pool: pool.name,
            error: *error,
            holders: Some(holders),
        });
    }
}

/// Overwrites `len` bytes at `block` with zeros through volatile writes, which the compiler may not remove
/// as dead stores.
pub(crate) fn wipe(block: NonNull<u8>, len: usize, align: usize) {
    const WORD: usize = core::mem::size_of::<usize>();
    if align >= WORD && len % WORD == 0 {
        let words = block.cast::<usize>();
        for i in 0..len / WORD {
            // SAFETY: [S1, S2] the block is `len` bytes long, aligned to `align >= WORD`, writable (it belongs to the
            // caller, who is returning it) and holds no live item, so any bit pattern may be written.
            unsafe { words.add(i).write_volatile(0) };
        }
    } else {
        for i in 0..len {
            // SAFETY: [S1, S2] as above, byte by byte.
            unsafe { block.add(i).write_volatile(0) };
        }
    }
    core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
}

//! Per-block reference counters of shared pools, and the zero-sized stand-in of pools without them.

use crate::error::PoolError;
use crate::free_list::in_use;
use crate::sync::{AtomicU8, AtomicU16, AtomicU32, Ordering};

mod sealed {
    pub trait Sealed {}
}

/// The reference counter kept beside each block: [`NoRefs`] (nothing) or an atomic `u8`, `u16` or `u32`.
///
/// Sealed; chosen by the `refcount` option.
pub trait RefSlot: Sync + Send + Sized + 'static + sealed::Sealed {
    /// Whether this is a real counter (false for [`NoRefs`]).
    const COUNTS: bool;

    /// The per-block generation that weak handles check: a 32-bit atomic for counters, nothing (a
    /// zero-sized type) for [`NoRefs`], so pools without `refcount` pay no byte for it.
    type Generation: Generation;

    /// A counter at zero.
    #[cfg(not(loom))]
    const ZERO: Self;

    /// A counter at zero.
    #[cfg(loom)]
    fn new() -> Self;

    /// Checks the counter against the block's state word (used by `validate`): a free block has no
    /// references.
    fn check(&self, state: u16) -> Result<(), PoolError>;

    /// The count now, for dumps (`None` for [`NoRefs`]).
    fn current(&self) -> Option<u32>;

    /// The largest count (0 for [`NoRefs`]).
    const MAX_COUNT: u32;

    /// A shared handle's clone: turns a locked zero back into one, then adds one unless the counter is at
    /// its maximum. [`NoRefs`] always fails.
    ///
    /// # Safety
    /// The caller is a live `PoolRc` counted in this counter (R1, R2).
    unsafe fn clone_handle(&self) -> Result<(), PoolError>;

    /// A shared handle's drop: takes its count away; true when it was the last one (a locked zero counts
    /// as the last), and then everything other handles did happens before what the caller does next.
    /// [`NoRefs`] always says false, so the block is never freed.
    ///
    /// # Safety
    /// The caller is a live `PoolRc` counted in this counter (R1, R3), and is going away.
    unsafe fn drop_handle(&self) -> bool;
}

/// The reference "counter" of pools without `refcount`: takes no memory.
#[derive(Debug)]
pub struct NoRefs;

impl sealed::Sealed for NoRefs {}

impl RefSlot for NoRefs {
    const COUNTS: bool = false;
    type Generation = NoGeneration;

    #[cfg(not(loom))]
    const ZERO: Self = NoRefs;

    #[cfg(loom)]
    fn new() -> Self {
        NoRefs
    }

    fn check(&self, _state: u16) -> Result<(), PoolError> {
        Ok(())
    }

    fn current(&self) -> Option<u32> {
        None
    }

    const MAX_COUNT: u32 = 0;

    // No `PoolRc` of a pool without counters can exist (`PoolRc::from_block` needs `SharedPool`): these
    // answers are never used, and are the harmless ones (no new handle, no free).
    unsafe fn clone_handle(&self) -> Result<(), PoolError> {
        Err(PoolError::RefOverflow)
    }

    unsafe fn drop_handle(&self) -> bool {
        false
    }
}

/// The generation of a block's item, for weak handles (invariant W1 of `docs/safety.md`): it moves on
/// (wrapping after 2³² steps) every time the block's item is retired: when the block is freed, and when
/// `make_mut`/`into_box` detach the weak handles of a unique item. Sealed.
pub trait Generation: Sync + Send + 'static + sealed::Sealed {
    /// Generation 0.
    #[cfg(not(loom))]
    const ZERO: Self;

    /// Generation 0.
    #[cfg(loom)]
    fn new() -> Self;

    /// The generation now.
    fn get(&self, order: Ordering) -> u32;

    /// Moves to the next generation, stopping at `u32::MAX`; false once there: the block must never be
    /// reused (W2), so that no generation is ever handed out twice. Called only by the block's sole holder
    /// (with the count at zero or locked), so a load and a store cannot lose an update.
    fn advance(&self) -> bool;
}

/// The generation of pools without `refcount`: nothing, since they have no weak handles.
#[derive(Debug)]
pub struct NoGeneration;

impl sealed::Sealed for NoGeneration {}

impl Generation for NoGeneration {
    #[cfg(not(loom))]
    const ZERO: Self = NoGeneration;

    #[cfg(loom)]
    fn new() -> Self {
        NoGeneration
    }

    #[inline(always)]
    fn get(&self, _order: Ordering) -> u32 {
        0
    }

    #[inline(always)]
    fn advance(&self) -> bool {
        true
    }
}

impl Generation for AtomicU32 {
    #[cfg(not(loom))]
    const ZERO: Self = AtomicU32::new(0);

    #[cfg(loom)]
    fn new() -> Self {
        AtomicU32::new(0)
    }

    #[inline(always)]
    fn get(&self, order: Ordering) -> u32 {
        self.load(order)
    }

    #[inline(always)]
    fn advance(&self) -> bool {
        let next = self.load(Ordering::Relaxed).saturating_add(1);
        // Release: an upgrade that reads the new generation also sees the item's end.
        self.store(next, Ordering::Release);
        next != u32::MAX
    }
}

/// An atomic reference counter: what shared handles count with.
pub trait Counter: RefSlot {
    /// The largest count the counter holds.
    const MAX: u32;

    /// The count now.
    fn get(&self, order: Ordering) -> u32;
    /// Sets the count of a block that nobody else can see yet (a fresh or unique block).
    fn set(&self, count: u32, order: Ordering);
    /// Adds one unless the counter is at [`Counter::MAX`]; returns the previous count.
    fn increment(&self) -> Result<u32, PoolError>;
    /// Adds one unless the count is zero (the block is being freed or holds no shared item) or at the
    /// maximum; returns the previous count.
    fn increment_if_live(&self) -> Option<u32>;
    /// Subtracts one; returns the previous count.
    fn decrement(&self) -> u32;
    /// Turns a locked count of zero back into one; does nothing to any other count. One compare-and-swap,
    /// so that racing callers cannot both add the one.
    fn unlock(&self);
    /// Turns a count of exactly one into zero (the caller holds the only handle and takes the item over;
    /// zero also makes every weak upgrade fail). False if other handles exist.
    fn claim_unique(&self) -> bool;
}

macro_rules! counters {
    ($($atomic:ident: $int:ty),*) => {$(
        impl sealed::Sealed for $atomic {}

        impl RefSlot for $atomic {
            const COUNTS: bool = true;
            type Generation = AtomicU32;

            #[cfg(not(loom))]
            const ZERO: Self = $atomic::new(0);

            #[cfg(loom)]
            fn new() -> Self {
                $atomic::new(0)
            }

            fn check(&self, state: u16) -> Result<(), PoolError> {
                if !in_use(state) && self.load(Ordering::Acquire) != 0 {
                    return Err(PoolError::Corrupted);
                }
                Ok(())
            }

            fn current(&self) -> Option<u32> {
                Some(u32::from(self.load(Ordering::Acquire)))
            }

            const MAX_COUNT: u32 = <$int>::MAX as u32;

            #[inline]
            unsafe fn clone_handle(&self) -> Result<(), PoolError> {
                self.unlock();
                self.increment().map(drop)
            }

            #[inline]
            unsafe fn drop_handle(&self) -> bool {
                // A locked count of 0 means the caller is the only handle (see `PoolRc::lock_unique`).
                let last = Counter::get(self, Ordering::Relaxed) == 0 || self.decrement() == 1;
                if last {
                    // Everything the other handles did with the item happens before the caller's next
                    // steps: this acquire load reads the end of the release sequence of their decrements.
                    // (A load rather than a fence, which ThreadSanitizer cannot see, as in `std::sync::Arc`.)
                    Counter::get(self, Ordering::Acquire);
                }
                last
            }
        }

        impl Counter for $atomic {
            const MAX: u32 = <Self as RefSlot>::MAX_COUNT;

            #[inline(always)]
            fn get(&self, order: Ordering) -> u32 {
                u32::from(self.load(order))
            }

            #[inline(always)]
            fn set(&self, count: u32, order: Ordering) {
                self.store(count as $int, order);
            }

            #[inline]
            fn increment(&self) -> Result<u32, PoolError> {
                self.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |count| count.checked_add(1))
                    .map(u32::from)
                    .map_err(|_| PoolError::RefOverflow)
            }

            #[inline]
            fn increment_if_live(&self) -> Option<u32> {
                self.fetch_update(Ordering::Acquire, Ordering::Relaxed, |count| {
                    if count == 0 { None } else { count.checked_add(1) }
                })
                .ok()
                .map(u32::from)
            }

            #[inline(always)]
            fn decrement(&self) -> u32 {
                u32::from(self.fetch_sub(1, Ordering::Release))
            }

            #[inline]
            fn unlock(&self) {
                // Release: what the unique owner wrote through `get_mut`/`make_mut` happens before any
                // upgrade that acquires the count.
                let _ = self.compare_exchange(0, 1, Ordering::Release, Ordering::Relaxed);
            }

            #[inline]
            fn claim_unique(&self) -> bool {
                self.compare_exchange(1, 0, Ordering::Acquire, Ordering::Relaxed).is_ok()
            }
        }
    )*};
}

counters!(AtomicU8: u8, AtomicU16: u16, AtomicU32: u32);

/// The counter type of a chain (invariant L4 of `docs/safety.md`): the members' counter type when two
/// members have the same one, [`NoRefs`] otherwise, so a chain hands out shared handles only when every
/// member counts references with the same width. Sealed; written out for every pair.
pub trait JoinRefs<Other: RefSlot>: RefSlot {
    /// The joined counter type.
    type Out: RefSlot;
    /// A counter of the first member as the joined type.
    fn left(&self) -> &Self::Out;
    /// A counter of the other members as the joined type.
    fn right(other: &Other) -> &Self::Out;
}

macro_rules! join_same {
    ($($ty:ty),*) => {$(
        impl JoinRefs<$ty> for $ty {
            type Out = $ty;
            #[inline(always)]
            fn left(&self) -> &$ty {
                self
            }
            #[inline(always)]
            fn right(other: &$ty) -> &$ty {
                other
            }
        }
    )*};
}

macro_rules! join_different {
    ($($a:ty => $($b:ty),*;)*) => {$($(
        impl JoinRefs<$b> for $a {
            type Out = NoRefs;
            #[inline(always)]
            fn left(&self) -> &NoRefs {
                &NoRefs
            }
            #[inline(always)]
            fn right(_other: &$b) -> &NoRefs {
                &NoRefs
            }
        }
    )*)*};
}

join_same!(NoRefs, AtomicU8, AtomicU16, AtomicU32);
join_different! {
    NoRefs => AtomicU8, AtomicU16, AtomicU32;
    AtomicU8 => NoRefs, AtomicU16, AtomicU32;
    AtomicU16 => NoRefs, AtomicU8, AtomicU32;
    AtomicU32 => NoRefs, AtomicU8, AtomicU16;
}

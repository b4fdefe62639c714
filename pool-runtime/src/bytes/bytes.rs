//! Byte pools: several size classes of raw byte blocks, `PoolBytes` handles with resize / grow / clone, and
//! the allocator interfaces (`allocator_api2::alloc::Allocator`, `core::alloc::GlobalAlloc`) built on them.

use core::alloc::Layout;
use core::fmt;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use core::panic::Location;
use core::ptr::NonNull;

use crate::block::wipe;
use crate::byte_class::ByteClass;
use crate::error::{AllocError, FailureEvent, PoolError};
use crate::pool::PoolConfig;
use crate::sites::{ByteHolderSites, ByteHolders, HolderSummary, Site, SiteTable};
use crate::stats::PoolStats;
use crate::trace::{TraceKind, trace_bytes};
use crate::wait::ByteWaiters;

/// A pool of byte blocks in several size classes, declared in `pools!` with
/// `classes = [(block size, count), ...]`.
///
/// Requests go to the smallest class whose blocks fit and that has a free block (falling back to larger
/// classes when a class is exhausted). The items whose names start with `__` are for generated code only.
///
/// # Alignment
/// The blocks of a class are aligned to the largest power of two that divides their size, up to 4096
/// bytes, and never less than the pool's `align`: a power-of-two class of at most 4096 bytes is aligned to
/// its block size (a 64-byte class to 64, a 96-byte class to 32, an 8192-byte class to 4096). A request
/// whose alignment is at most that of a class's blocks costs no padding there, so any request with
/// `align <= block size <= 4096` is served by the smallest power-of-two class that fits. A larger alignment
/// is served with padding (at most `align - block alignment` bytes) from a class that has room for it.
///
/// # Allocator interfaces
/// A pool declared in `pools!` is an `allocator_api2::alloc::Allocator` (allocator-api2 0.4, and 0.2 with
/// the `allocator-api2-02` feature) and a `core::alloc::GlobalAlloc`. `grow` and `shrink` stay in the block
/// when it has room and the alignment allows. Shrinking (`shrink`, or `realloc` to a smaller size) moves
/// the data to a class of smaller blocks when one has room for the new size and a free block, so that the
/// large block goes back to the pool; otherwise it stays in place and never fails. A panic in the
/// `on_failure` hook aborts the process on these paths: nothing unwinds out of an allocator method.
///
/// # Safety
/// Implemented only by `pools!` (through the runtime's `__blockpool_byte_pool!`, so that the user's crate
/// contains no `unsafe`). The runtime trusts an implementation (invariants B1, B5, B7 of `docs/safety.md`):
/// `__classes` returns the same list of distinct class `static`s on every call, none inside another's
/// blocks, and runs no code that can panic; `__waiters` returns the same waiter queue on every call, used
/// by no other pool (Q5). Do not implement it by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a byte pool",
    note = "byte pools are declared in `pools! {{ .. }}` with `classes = [(block size, count), ..]`"
)]
pub unsafe trait BytePool: Sized + 'static {
    /// The pool's name, as declared.
    const NAME: &'static str;

    #[doc(hidden)]
    const __CONFIG: PoolConfig;
    #[doc(hidden)]
    fn __classes() -> &'static [&'static dyn ByteClass];
    #[doc(hidden)]
    type __Waiters: ByteWaiters;
    #[doc(hidden)]
    fn __waiters() -> &'static Self::__Waiters;
    /// The allocation sites of pools declared with `track_callers`, one table per class in the order of
    /// `__classes()`; `None` (and no code) for the others.
    #[doc(hidden)]
    #[inline(always)]
    fn __sites() -> Option<&'static [&'static dyn SiteTable]> {
        None
    }

    /// A zero-filled buffer of `len` bytes, in the smallest class that fits and has a free block.
    ///
    /// A panic in the pool's `on_failure` hook propagates to the caller (the pool is unchanged).
    ///
    /// # Errors
    /// [`PoolError::ZeroSize`] for 0; [`PoolError::TooLarge`] above the largest class;
    /// [`PoolError::Exhausted`] when every class that fits is full.
    #[inline]
    #[track_caller]
    fn alloc_bytes(len: usize) -> Result<PoolBytes<Self>, PoolError> {
        Self::alloc_bytes_aligned(len, 1)
    }

    /// Like [`BytePool::alloc_bytes`], with the buffer's start aligned to `align` (a power of two). An
    /// alignment up to the class's block alignment costs nothing; a larger one is served from a class
    /// large enough to absorb the padding. [`PoolBytes::grow`] and [`PoolBytes::try_clone`] keep the
    /// alignment.
    ///
    /// # Errors
    /// As [`BytePool::alloc_bytes`], and [`PoolError::BadAlignment`] if `align` is not a power of two.
    #[inline]
    #[track_caller]
    fn alloc_bytes_aligned(len: usize, align: usize) -> Result<PoolBytes<Self>, PoolError> {
        // Two functions, so that a pool without `track_callers` and `trace` keeps its code as it was.
        if observed::<Self>() {
            PoolBytes::new_at(len, align, caller::<Self>())
        } else {
            PoolBytes::new(len, align)
        }
    }

    /// The largest buffer the pool can hand out.
    fn max_len() -> usize {
        classes::<Self>()
            .iter()
            .map(|class| class.block_size())
            .max()
            .unwrap_or(0)
    }

    /// The counters of all classes added up (`high_water` is the sum of the classes' high-water marks).
    fn stats() -> PoolStats {
        Self::__classes()
            .iter()
            .fold(PoolStats::default(), |sum, class| {
                let s = class.stats();
                PoolStats {
                    capacity: sum.capacity + s.capacity,
                    used: sum.used + s.used,
                    high_water: sum.high_water + s.high_water,
                    allocs: sum.allocs + s.allocs,
                    frees: sum.frees + s.frees,
                    failures: sum.failures + s.failures,
                }
            })
    }

    /// The block size and counters of class `class` (0 is the smallest), if it exists.
    fn class_stats(class: usize) -> Option<(usize, PoolStats)> {
        Self::__classes()
            .get(class)
            .map(|c| (c.block_size(), c.stats()))
    }

    /// Checks every class's free list. O(total blocks), for tests.
    ///
    /// # Errors
    /// [`PoolError::Corrupted`] when anything disagrees.
    fn validate() -> Result<(), PoolError> {
        Self::__classes()
            .iter()
            .try_for_each(|class| class.validate())
    }

    /// The blocks in use, class by class, each with the place it was allocated in pools declared with
    /// `track_callers` (`None` in the others, and for blocks taken through the allocator interfaces, by
    /// `alloc_bytes_async` or from C). No heap; run it while the pool is quiet for an exact picture.
    fn holders() -> ByteHolders<Self> {
        ByteHolders::new()
    }

    /// The blocks in use grouped by allocation site, with `Display` for a one-line answer to "who holds
    /// the buffers?": `3/40 in use: 2 at src/net.rs:12:9, 1 at src/log.rs:30:5`. O(blocks²), no heap.
    fn holder_sites() -> ByteHolderSites<Self> {
        ByteHolderSites::new()
    }

    /// Panics if a buffer is in use, with who holds them (the allocation sites with `track_callers`). For
    /// the end of a test.
    #[track_caller]
    fn assert_empty() {
        crate::sites::assert_none_in_use(Self::NAME, Self::stats().used, Self::holder_sites());
    }
}

/// The most classes the runtime uses: a handle numbers its class in one byte. Classes past these in
/// `__classes()` are ignored (`pools!` allows 255).
const MAX_CLASSES: usize = 1 << u8::BITS;

/// The pool's classes as the runtime uses them: the first [`MAX_CLASSES`] of `__classes()`, in its order.
/// Nothing else about the list is trusted: classes may come in any order, repeat, or be missing.
pub(crate) fn classes<P: BytePool>() -> &'static [&'static dyn ByteClass] {
    let all = P::__classes();
    &all[..all.len().min(MAX_CLASSES)]
}

/// The most bytes aligned to `align` that every block of `class` has room for: a block starts at a multiple
/// of the class's (power-of-two) block alignment, so aligning it further skips at most
/// `align - block_align` bytes.
pub(crate) fn room_for(class: &dyn ByteClass, align: usize) -> usize {
    let padding = align.saturating_sub(class.block_align());
    class.block_size().saturating_sub(padding)
}

/// What to do when the failure hook panics.
#[derive(Clone, Copy)]
pub(crate) enum HookPanic {
    /// Unwind to the caller (`PoolBytes`'s own API, whose callers can handle a panic).
    Propagate,
    /// Abort: nothing may unwind out of `GlobalAlloc` or `Allocator` methods.
    Abort,
}

/// A block taken from a byte pool: which class, where the (aligned) data starts, how much room it has.
pub(crate) struct Taken {
    class: u8,
    data: NonNull<u8>,
    capacity: usize,
}

/// Where `len` bytes aligned to `align` (a power of two) start in a block of `class` (number
/// `class_number`) that starts at `block`, if the block has room for them.
#[inline(always)]
pub(crate) fn fit(
    class_number: u8,
    class: &dyn ByteClass,
    block: NonNull<u8>,
    len: usize,
    align: usize,
) -> Option<Taken> {
    // Bytes from the block's start up to the next multiple of `align` (a power of two).
    let offset = block.addr().get().wrapping_neg() & (align - 1);
    let capacity = class
        .block_size()
        .checked_sub(offset)
        .filter(|&capacity| capacity >= len && len > 0)?;
    Some(Taken {
        class: class_number,
        // SAFETY: [B2] `offset < offset + len <= block_size`, so the pointer stays inside the block (B2).
        data: unsafe { block.add(offset) },
        capacity,
    })
}

/// Takes a block of `class` (number `index`) for `len` bytes aligned to `align`, if one is free and has room.
fn take_from(index: usize, class: &dyn ByteClass, len: usize, align: usize) -> Option<Taken> {
    let class_number = u8::try_from(index).ok()?;
    let (block_index, block) = class.take()?;
    let Some(taken) = fit(class_number, class, block, len, align) else {
        // Not for a sealed class, whose blocks are aligned to `block_align` (so `room_for` bounds the
        // padding); the block goes back rather than trusting that. (Straight to its class: were this
        // reachable, a task waiting meanwhile would not see the block until the next free, Q5.)
        // SAFETY: [S1] taken from this class just above, and not handed out.
        unsafe { class.free(block_index, false) };
        return None;
    };
    Some(taken)
}

/// Why a byte pool had no block for a request, and the class the failure is counted in.
pub(crate) enum Miss {
    /// Every class that fits is full: the first of them.
    Exhausted(Option<&'static dyn ByteClass>),
    /// The request cannot be served at all.
    Refused(PoolError, Option<&'static dyn ByteClass>),
}

impl Miss {
    /// Counts the failure and calls the pool's hook; the error.
    pub(crate) fn fail<P: BytePool>(self, on_panic: HookPanic) -> PoolError {
        match self {
            Miss::Exhausted(class) => fail::<P>(class.as_ref(), PoolError::Exhausted, on_panic),
            Miss::Refused(error, class) => fail::<P>(class.as_ref(), error, on_panic),
        }
    }
}

/// Takes a block for `len` bytes aligned to `align`: from the first class in the list that has room for
/// them (for `pools!`, the smallest) and a free block, else the next that has room. O(number of classes).
/// A miss is not counted yet.
pub(crate) fn try_take<P: BytePool>(len: usize, align: usize) -> Result<Taken, Miss> {
    let classes = classes::<P>();
    if len == 0 {
        return Err(Miss::Refused(PoolError::ZeroSize, classes.first().copied()));
    }
    if !align.is_power_of_two() {
        let error = PoolError::BadAlignment { requested: align };
        return Err(Miss::Refused(error, classes.first().copied()));
    }
    let mut first_fit = None;
    for (index, class) in classes.iter().enumerate() {
        if len > room_for(*class, align) {
            continue;
        }
        first_fit.get_or_insert(*class);
        if let Some(taken) = take_from(index, *class, len, align) {
            return Ok(taken);
        }
    }
    if first_fit.is_some() {
        return Err(Miss::Exhausted(first_fit));
    }
    let largest = classes
        .iter()
        .copied()
        .max_by_key(|class| room_for(*class, align));
    let error = PoolError::TooLarge {
        requested: len,
        capacity: largest.map_or(0, |class| room_for(class, align)),
    };
    Err(Miss::Refused(error, largest))
}

/// Takes a block for `len` bytes aligned to `align`: from the first class in the list that has room for
/// them (for `pools!`, the smallest) and a free block, else the next that has room. O(number of classes).
/// A miss is counted and the pool's hook called. (As [`try_take`], written out again: the way the error
/// is built changes what the compiler makes of the hot path, which must not change for pools without
/// `wait`.)
fn take<P: BytePool>(len: usize, align: usize, on_panic: HookPanic) -> Result<Taken, PoolError> {
    let classes = classes::<P>();
    if len == 0 {
        return Err(fail::<P>(classes.first(), PoolError::ZeroSize, on_panic));
    }
    if !align.is_power_of_two() {
        let error = PoolError::BadAlignment { requested: align };
        return Err(fail::<P>(classes.first(), error, on_panic));
    }
    let mut first_fit = None;
    for (index, class) in classes.iter().enumerate() {
        if len > room_for(*class, align) {
            continue;
        }
        first_fit.get_or_insert(class);
        if let Some(taken) = take_from(index, *class, len, align) {
            return Ok(taken);
        }
    }
    if first_fit.is_some() {
        return Err(fail::<P>(first_fit, PoolError::Exhausted, on_panic));
    }
    let largest = classes.iter().max_by_key(|class| room_for(**class, align));
    let error = PoolError::TooLarge {
        requested: len,
        capacity: largest.map_or(0, |class| room_for(*class, align)),
    };
    Err(fail::<P>(largest, error, on_panic))
}

/// Takes a block for `len` bytes aligned to `align` from a class whose blocks are smaller than `below`:
/// the first such class in the list with room and a free block. A miss is not a failure (nothing is
/// counted, no hook): the caller keeps the block it has.
fn take_smaller<P: BytePool>(len: usize, align: usize, below: usize) -> Option<Taken> {
    classes::<P>()
        .iter()
        .enumerate()
        .filter(|(_, class)| class.block_size() < below && len <= room_for(**class, align))
        .find_map(|(index, class)| take_from(index, *class, len, align))
}

/// Counts the failure in `class` and calls the pool's hook.
#[cold]
#[inline(never)]
fn fail<P: BytePool>(
    class: Option<&&'static dyn ByteClass>,
    error: PoolError,
    on_panic: HookPanic,
) -> PoolError {
    if let Some(class) = class {
        class.record_failure();
    }
    if let Some(hook) = P::__CONFIG.on_failure {
        let event = FailureEvent {
            pool: P::NAME,
            error,
            holders: P::__sites().map(|_| HolderSummary::bytes::<P>()),
        };
        match on_panic {
            HookPanic::Propagate => hook(&event),
            HookPanic::Abort => call_hook_or_abort(hook, &event),
        }
    }
    trace_bytes::<P>(TraceKind::Failure(error), None, None, None, on_panic);
    error
}

/// Records where block `data` of class number `class`, just handed out, was allocated (pools with
/// `track_callers`; `None`: not known, as for the allocator interfaces) and calls the trace hook (pools
/// with `trace`); nothing, and no code, in the others. The caller has finished the allocation first.
#[inline(always)]
pub(crate) fn noted<P: BytePool>(
    class: u8,
    data: NonNull<u8>,
    site: Option<Site>,
    on_panic: HookPanic,
) {
    if !observed::<P>() {
        return;
    }
    let number = usize::from(class);
    let Some((index, _)) = classes::<P>()
        .get(number)
        .and_then(|class| class.block_containing(data))
    else {
        return;
    };
    let site = match P::__sites().and_then(|sites| sites.get(number)) {
        Some(sites) => {
            match site {
                Some(site) => sites.record(index, site),
                None => sites.clear(index),
            }
            site
        }
        // `trace` without `track_callers`: no site, as in typed pools.
        None => None,
    };
    trace_bytes::<P>(TraceKind::Alloc, Some(number), Some(index), site, on_panic);
}

/// Whether pool `P` records sites or calls a trace hook (a constant of the pool).
#[inline(always)]
fn observed<P: BytePool>() -> bool {
    P::__sites().is_some() || P::__CONFIG.trace.is_some()
}

/// The caller's location in pools with `track_callers`; `None` (and no code) in the others.
#[track_caller]
#[inline(always)]
fn caller<P: BytePool>() -> Option<Site> {
    // Read here: in a closure it would be the closure's own location.
    let caller = Location::caller();
    P::__sites().map(|_| caller)
}

/// Calls `hook` in a function that cannot unwind: a panic in the hook aborts the process (an `extern "C"`
/// function aborts on unwind since Rust 1.81), so it never unwinds out of an allocator method. Called
/// from Rust only; the ABI is chosen for that property, not for C.
#[allow(improper_ctypes_definitions)]
extern "C" fn call_hook_or_abort(hook: fn(&FailureEvent), event: &FailureEvent) {
    hook(event);
}

/// Where a pointer handed out by a byte pool lies.
struct Located {
    class: &'static dyn ByteClass,
    block_index: usize,
    /// Bytes from the pointer to the end of its block.
    room: usize,
}

/// The class and block that hold `data`, or `None` for a pointer from elsewhere.
fn locate<P: BytePool>(data: NonNull<u8>) -> Option<Located> {
    classes::<P>()
        .iter()
        .find_map(|class| locate_in(*class, data))
}

/// The block of `class` that holds `data`, if any.
fn locate_in(class: &'static dyn ByteClass, data: NonNull<u8>) -> Option<Located> {
    let (block_index, start) = class.block_containing(data)?;
    let into = data.addr().get().checked_sub(start.addr().get())?;
    let room = class.block_size().checked_sub(into)?;
    Some(Located {
        class,
        block_index,
        room,
    })
}

impl Located {
    /// Gives the block back (see [`release`]).
    ///
    /// # Safety
    /// As for [`release`]: the caller owns the allocation in this block and gives it up (S1).
    #[inline(always)]
    unsafe fn release<P: BytePool>(&self, on_panic: HookPanic) {
        // SAFETY: [S1, B7] passed on from the caller.
        unsafe { release::<P>(self.class, self.block_index, on_panic) };
    }
}

/// Gives back block `block_index` of `class`: wiped first in `zeroize` pools, then to the task that has
/// waited longest among those it fits (pools with `wait`, Q5) or to its class, then the trace hook is
/// called (pools with `trace`; `on_panic` says what its panic does). Every free of a byte pool comes here.
/// Without `wait` and `trace` this is exactly `ByteClass::free`.
///
/// # Safety
/// The caller holds the block (taken from `class`, one of `classes::<P>()`, not given back since) with
/// nothing in use in it, and gives it up (S1).
#[inline(always)]
unsafe fn release<P: BytePool>(
    class: &'static dyn ByteClass,
    block_index: usize,
    on_panic: HookPanic,
) {
    if let Some(sites) = P::__sites() {
        // A freed block names no holder, even while it waits in a task's slot (review round 17, T1).
        let number = number_of::<P>(class).map(usize::from);
        if let Some(table) = number.and_then(|number| sites.get(number)) {
            table.clear(block_index);
        }
    }
    if <P::__Waiters as ByteWaiters>::ENABLED {
        if P::__CONFIG.zeroize {
            if let Some(block) = class.block_at(block_index) {
                wipe(block, class.block_size(), class.block_align());
            }
        }
        // SAFETY: [S1, Q5] the caller gives the block, of one of the pool's classes, up; the hand-over is
        // this pool's.
        unsafe { class.free_or_hand_over(block_index, crate::wait::Handing::<P>::HAND) };
    } else {
        // SAFETY: [S1, B7] the caller holds the block and gives it up.
        unsafe { class.free(block_index, P::__CONFIG.zeroize) };
    }
    if P::__CONFIG.trace.is_some() {
        // After the free: a hook that panics leaves the pool as it would be without the hook.
        let number = number_of::<P>(class).map(usize::from);
        trace_bytes::<P>(TraceKind::Free, number, Some(block_index), None, on_panic);
    }
}

/// The number of `class` in `classes::<P>()`, found by address: O(classes), for a block handed to a
/// waiting task only.
pub(crate) fn number_of<P: BytePool>(class: &'static dyn ByteClass) -> Option<u8> {
    classes::<P>()
        .iter()
        .position(|listed| core::ptr::addr_eq(*listed, class))
        .and_then(|at| u8::try_from(at).ok())
}

/// Returns the block holding `data` to its class; pointers that no class holds are ignored.
///
/// # Safety
/// `data` is an allocation of this pool that the caller owns and gives up (S1).
unsafe fn give_back<P: BytePool>(data: NonNull<u8>) {
    if let Some(located) = locate::<P>(data) {
        // SAFETY: [S1, B7] the caller owns the allocation in this block and gives it up.
        unsafe { located.release::<P>(HookPanic::Abort) };
    }
}

/// `bp_alloc_bytes` (the C API): a block for `len` bytes from the first class with room and a free block,
/// marked raw (F1) so that only `bp_free` frees it. The block's own alignment is asked for (1), so the
/// pointer is the block's start, which `c_free` requires. A panic in the hook aborts.
#[cfg(feature = "c-api")]
pub(crate) fn c_take<P: BytePool>(len: usize) -> Result<NonNull<u8>, PoolError> {
    let taken = take::<P>(len, 1, HookPanic::Abort)?;
    let class = classes::<P>()[usize::from(taken.class)];
    if let Some((index, _)) = class.block_containing(taken.data) {
        // SAFETY: [S1, F1] `take` just took this block of `class` for us; it is handed out raw (to C) here.
        unsafe { class.mark_raw(index) };
    }
    noted::<P>(taken.class, taken.data, None, HookPanic::Abort);
    Ok(taken.data)
}

/// `bp_free` on a byte pool (the C API): frees `data` if it is the start of a raw block of one of the
/// pool's classes in use (F1, C1-C3), through `release` like every free of a byte pool (Q5: a task waiting
/// for a buffer gets it); `data` is only compared with block addresses, never dereferenced.
///
/// # Safety
/// C2: if `data` is the start of a raw block of this pool in use, the caller gives the block up.
#[cfg(feature = "c-api")]
pub(crate) unsafe fn c_free<P: BytePool>(data: NonNull<u8>) -> Result<(), PoolError> {
    for class in classes::<P>() {
        if let Some((index, start)) = class.block_containing(data) {
            if start != data {
                return Err(PoolError::NotBlockStart);
            }
            // SAFETY: [F1, C2] `claim_raw` takes block `index` only if it is a raw block in use, which the
            // caller gives up; it is then ours, and goes back just below.
            unsafe { class.claim_raw(index) }?;
            // SAFETY: [S1, Q5] claimed just above, from one of `classes::<P>()`, with nothing in use in it.
            unsafe { release::<P>(*class, index, HookPanic::Abort) };
            return Ok(());
        }
    }
    Err(PoolError::ForeignBlock)
}

/// A buffer of bytes in a block of byte pool `P`: dereferences to `[u8]` of its current length, which can
/// change within the block ([`resize`](PoolBytes::resize)) or move to a larger class
/// ([`grow`](PoolBytes::grow)). Dropping it returns the block.
///
/// Its bytes never move while the handle lives, so it is [`stable_deref_trait::StableDeref`], and with it
/// embedded-dma 0.2's `ReadBuffer` and `WriteBuffer` (`Word = u8`, its current length): a HAL's
/// DMA transfer can own it and hand it back. [`PoolBytes::into_writer`] fills it with `write!` or
/// `embedded_io::Write`; [`PoolBytes::into_reader`] reads it with `embedded_io::Read`.
pub struct PoolBytes<P: BytePool> {
    data: NonNull<u8>,
    len: usize,
    /// The class's number in `classes::<P>()`.
    class: u8,
    /// Log2 of the alignment asked for, kept when the buffer moves (fits in the padding after `class`).
    align_log2: u8,
    _pool: PhantomData<P>,
}

// SAFETY: [S1] the handle owns plain bytes in a block no one else can reach; the pool's free lists are atomic.
unsafe impl<P: BytePool> Send for PoolBytes<P> {}
// SAFETY: [S1] shared access gives `&[u8]` only.
unsafe impl<P: BytePool> Sync for PoolBytes<P> {}

impl<P: BytePool> PoolBytes<P> {
    /// A zero-filled buffer of `len` bytes aligned to `align`, in a pool without `track_callers` and
    /// `trace`. A panic in the `on_failure` hook propagates.
    fn new(len: usize, align: usize) -> Result<Self, PoolError> {
        let taken = take::<P>(len, align, HookPanic::Propagate)?;
        // SAFETY: [S1, B2] `take` fitted the block to `len` and `align`.
        Ok(unsafe { Self::zeroed_in(taken, len, align) })
    }

    /// [`PoolBytes::new`] for pools with `track_callers` or `trace`, allocated at `site` (if known). A
    /// panic in a hook propagates; a trace hook's drops the buffer, which frees the block.
    fn new_at(len: usize, align: usize, site: Option<Site>) -> Result<Self, PoolError> {
        let taken = take::<P>(len, align, HookPanic::Propagate)?;
        // SAFETY: [S1, B2] `take` fitted the block to `len` and `align`.
        let buffer = unsafe { Self::zeroed_in(taken, len, align) };
        buffer.noted(site);
        Ok(buffer)
    }

    /// [`noted`] for this buffer, just allocated (at `site`, if known) outside the allocator interfaces.
    #[inline(always)]
    pub(crate) fn noted(&self, site: Option<Site>) {
        noted::<P>(self.class, self.data, site, HookPanic::Propagate);
    }

    /// The buffer of `len` zero bytes in block `taken`, which the caller holds and gives to it, for a
    /// request aligned to `align`.
    ///
    /// # Safety
    /// `taken` came from [`fit`] (or `take`) with this `len` and `align`, so the block has room for `len`
    /// bytes (`capacity >= len`) and `align` is a power of two; the caller holds the block.
    #[inline]
    pub(crate) unsafe fn zeroed_in(taken: Taken, len: usize, align: usize) -> Self {
        // SAFETY: [S1, B2] the caller holds the block, and the `capacity >= len` bytes from `data` lie in it
        // (`zeroed_in`'s contract, B2).
        unsafe { taken.data.write_bytes(0, len) };
        Self {
            data: taken.data,
            len,
            class: taken.class,
            // The caller checked that `align` is a power of two, so this is at most `usize::BITS - 1`.
            align_log2: align.trailing_zeros() as u8,
            _pool: PhantomData,
        }
    }

    /// The alignment asked for when the buffer was allocated.
    fn align(&self) -> usize {
        1 << self.align_log2
    }

    /// Where the buffer lies: its class, block and room. `None` only if `__classes()` no longer lists the
    /// class (a hand-written `BytePool`); the buffer then keeps its bytes and leaks its block.
    fn located(&self) -> Option<Located> {
        let class = classes::<P>().get(usize::from(self.class))?;
        locate_in(*class, self.data)
    }

    /// How many bytes the block has room for, from the start of this buffer.
    pub fn capacity(&self) -> usize {
        self.located().map_or(self.len, |located| located.room)
    }

    /// The block size of the class the buffer lives in.
    pub fn block_size(&self) -> usize {
        self.located()
            .map_or(self.len, |located| located.class.block_size())
    }

    /// Shortens the buffer to `len` bytes; a longer `len` changes nothing. Never moves.
    pub(crate) fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    /// Changes the length within the block; new bytes are zero. Never moves (the C designs' "update").
    ///
    /// # Errors
    /// [`PoolError::TooLarge`] when `len` exceeds [`PoolBytes::capacity`]; nothing changes then.
    pub fn resize(&mut self, len: usize) -> Result<(), PoolError> {
        let capacity = self.capacity();
        if len > capacity {
            return Err(PoolError::TooLarge {
                requested: len,
                capacity,
            });
        }
        if len > self.len {
            // SAFETY: [S1, B3] `len <= capacity`, so the range lies in our block.
            unsafe { self.data.add(self.len).write_bytes(0, len - self.len) };
        }
        self.len = len;
        Ok(())
    }

    /// Makes room for `len` bytes: in place when the block is large enough, otherwise by moving to a larger
    /// class (copying the bytes and freeing the old block), aligned as the buffer was asked to be. New bytes
    /// are zero. A panic in the pool's `on_failure` hook propagates (and drops the buffer).
    ///
    /// # Errors
    /// When no larger block is free, or `len` exceeds the largest class: the error gives the original
    /// buffer back, unchanged.
    #[track_caller]
    pub fn grow(mut self, len: usize) -> Result<Self, AllocError<Self>> {
        if len <= self.capacity() {
            return match self.resize(len) {
                Ok(()) => Ok(self),
                Err(error) => Err(AllocError::new(self, error)),
            };
        }
        let bigger = if observed::<P>() {
            Self::new_at(len, self.align(), caller::<P>())
        } else {
            Self::new(len, self.align())
        };
        match bigger {
            Ok(mut bigger) => {
                // `len > capacity >= self.len`, so the new buffer is longer.
                bigger[..self.len].copy_from_slice(&self);
                // Freed here, while `bigger` is a local: a trace hook that panics on this free unwinds
                // through `bigger`'s drop, which frees it too (review round 17: after `Ok(bigger)` was
                // built, the unwind leaked it).
                drop(self);
                Ok(bigger)
            }
            Err(error) => Err(AllocError::new(self, error)),
        }
    }

    /// A new buffer with the same bytes and alignment, in the smallest class that fits. An empty buffer
    /// clones to an empty buffer, which takes a block like any other. A panic in the pool's `on_failure`
    /// hook propagates.
    ///
    /// # Errors
    /// [`PoolError::Exhausted`] when every class that fits is full.
    #[track_caller]
    pub fn try_clone(&self) -> Result<Self, PoolError> {
        let mut copy = if observed::<P>() {
            Self::new_at(self.len.max(1), self.align(), caller::<P>())
        } else {
            Self::new(self.len.max(1), self.align())
        }?;
        copy.len = self.len;
        copy.copy_from_slice(self);
        Ok(copy)
    }
}

impl<P: BytePool> Drop for PoolBytes<P> {
    fn drop(&mut self) {
        if let Some(located) = self.located() {
            // SAFETY: [S1, B7] the buffer owns its block, found through the class it recorded.
            unsafe { located.release::<P>(HookPanic::Propagate) };
        }
    }
}

impl<P: BytePool> Deref for PoolBytes<P> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        // SAFETY: [S1] the first `len` bytes of our block were written (zeroed or copied) and are ours alone.
        unsafe { core::slice::from_raw_parts(self.data.as_ptr(), self.len) }
    }
}

impl<P: BytePool> DerefMut for PoolBytes<P> {
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: [S1] as in `deref`; `&mut self` makes the access unique.
        unsafe { core::slice::from_raw_parts_mut(self.data.as_ptr(), self.len) }
    }
}

// SAFETY: [S1, B1, B8] `data` points into a block of a class `static` (B1) that the buffer owns from allocation to
// drop (S1), and no method changes `data` (B8): `resize` changes the length, `grow` consumes the buffer. So
// `deref` and `deref_mut` return the same address for the handle's life, wherever the handle is moved.
unsafe impl<P: BytePool> stable_deref_trait::StableDeref for PoolBytes<P> {}

impl<P: BytePool> AsRef<[u8]> for PoolBytes<P> {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl<P: BytePool> AsMut<[u8]> for PoolBytes<P> {
    fn as_mut(&mut self) -> &mut [u8] {
        self
    }
}

impl<P: BytePool> fmt::Debug for PoolBytes<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolBytes")
            .field("pool", &P::NAME)
            .field("len", &self.len)
            .field("capacity", &self.capacity())
            .field("bytes", &&**self)
            .finish()
    }
}

impl<P: BytePool> PartialEq for PoolBytes<P> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<P: BytePool> Eq for PoolBytes<P> {}

/// A dangling, `align`-aligned pointer for a zero-sized allocation.
fn dangling(align: usize) -> Result<NonNull<[u8]>, allocator_api2::alloc::AllocError> {
    let dangling = NonNull::new(core::ptr::without_provenance_mut::<u8>(align))
        .ok_or(allocator_api2::alloc::AllocError)?;
    Ok(NonNull::slice_from_raw_parts(dangling, 0))
}

/// `Allocator::allocate` for byte pool `P`: any layout that fits a class; the slice covers the whole room
/// of the block, so collections use it before asking to grow. A panic in the hook aborts.
pub fn allocate<P: BytePool>(
    layout: Layout,
) -> Result<NonNull<[u8]>, allocator_api2::alloc::AllocError> {
    if layout.size() == 0 {
        return dangling(layout.align());
    }
    let taken = take::<P>(layout.size(), layout.align(), HookPanic::Abort)
        .map_err(|_| allocator_api2::alloc::AllocError)?;
    noted::<P>(taken.class, taken.data, None, HookPanic::Abort);
    Ok(NonNull::slice_from_raw_parts(taken.data, taken.capacity))
}

/// `Allocator::deallocate` for byte pool `P`.
///
/// # Safety
/// `ptr` was returned by [`allocate`], [`grow`] or [`shrink`] of the same pool, `layout` fits it (as
/// `Allocator::deallocate` requires), and it is not used afterwards.
pub unsafe fn deallocate<P: BytePool>(ptr: NonNull<u8>, layout: Layout) {
    if layout.size() != 0 {
        // SAFETY: [S1] the caller of this allocator method hands `ptr` back (the trait's contract).
        unsafe { give_back::<P>(ptr) };
    }
}

/// Moves an allocation to a new block for `new_layout`: take, copy `keep` bytes, free the old block.
///
/// # Safety
/// `ptr` is a non-zero-sized allocation of this pool that holds at least `keep` bytes and is not used
/// afterwards if this succeeds.
unsafe fn move_to<P: BytePool>(
    ptr: NonNull<u8>,
    keep: usize,
    new_layout: Layout,
    zeroed: bool,
) -> Result<NonNull<[u8]>, allocator_api2::alloc::AllocError> {
    let taken = take::<P>(new_layout.size(), new_layout.align(), HookPanic::Abort)
        .map_err(|_| allocator_api2::alloc::AllocError)?;
    noted::<P>(taken.class, taken.data, None, HookPanic::Abort);
    let keep = keep.min(taken.capacity);
    // SAFETY: [S1, B3] the old allocation holds `keep` bytes the caller may read; the new block is ours, at least
    // `taken.capacity >= keep` bytes long, and distinct from the old one (the old one is not free).
    unsafe { core::ptr::copy_nonoverlapping(ptr.as_ptr(), taken.data.as_ptr(), keep) };
    if zeroed {
        // SAFETY: [S1, B3] `keep..capacity` lies in the new block, which is ours.
        unsafe { taken.data.add(keep).write_bytes(0, taken.capacity - keep) };
    }
    // SAFETY: [S1] the caller of this allocator method hands `ptr` back (the trait's contract).
    unsafe { give_back::<P>(ptr) };
    Ok(NonNull::slice_from_raw_parts(taken.data, taken.capacity))
}

/// `Allocator::grow` (and `grow_zeroed` with `zeroed`) for byte pool `P`: in place when the block has room
/// from `ptr` for the new size and `ptr` has the new alignment (the slice then covers the rest of the
/// block, zeroed from the old size on for `zeroed`), otherwise a new block, a copy and a free. A panic in
/// the hook aborts.
///
/// # Safety
/// As for `Allocator::grow`: `ptr` is currently allocated by this pool, `old_layout` fits it, and
/// `new_layout.size() >= old_layout.size()`.
pub unsafe fn grow<P: BytePool>(
    ptr: NonNull<u8>,
    old_layout: Layout,
    new_layout: Layout,
    zeroed: bool,
) -> Result<NonNull<[u8]>, allocator_api2::alloc::AllocError> {
    if old_layout.size() == 0 {
        // A dangling pointer (which may even look like an address in the pool): nothing to keep.
        let new = allocate::<P>(new_layout)?;
        if zeroed {
            // SAFETY: [S1, B3] the new block is ours and `new.len()` bytes long.
            unsafe { new.cast::<u8>().write_bytes(0, new.len()) };
        }
        return Ok(new);
    }
    let in_place = locate::<P>(ptr).filter(|located| {
        new_layout.size() <= located.room && ptr.addr().get() & (new_layout.align() - 1) == 0
    });
    if let Some(located) = in_place {
        if zeroed {
            let old = old_layout.size().min(located.room);
            // SAFETY: [B3] the allocation runs from `ptr` to the end of its block (`room` bytes, B3), and is
            // the caller's.
            unsafe { ptr.add(old).write_bytes(0, located.room - old) };
        }
        return Ok(NonNull::slice_from_raw_parts(ptr, located.room));
    }
    // SAFETY: [S1, B3] the caller's allocation holds `old_layout.size()` bytes and is handed back to us.
    unsafe { move_to::<P>(ptr, old_layout.size(), new_layout, zeroed) }
}

/// `Allocator::shrink` for byte pool `P`: moves to a class of smaller blocks when one has room for the new
/// size and a free block (so that the large block goes back to the pool), otherwise stays in place and
/// returns the rest of the block. Fails only when `ptr` lacks the new alignment and no block is free. A
/// panic in the hook aborts.
///
/// # Safety
/// As for `Allocator::shrink`: `ptr` is currently allocated by this pool, `old_layout` fits it, and
/// `new_layout.size() <= old_layout.size()`.
pub unsafe fn shrink<P: BytePool>(
    ptr: NonNull<u8>,
    old_layout: Layout,
    new_layout: Layout,
) -> Result<NonNull<[u8]>, allocator_api2::alloc::AllocError> {
    if old_layout.size() == 0 {
        // Then the new size is 0 too: nothing was allocated.
        return dangling(new_layout.align());
    }
    if new_layout.size() == 0 {
        // SAFETY: [S1] the caller of this allocator method hands `ptr` back (the trait's contract).
        unsafe { give_back::<P>(ptr) };
        return dangling(new_layout.align());
    }
    if ptr.addr().get() & (new_layout.align() - 1) != 0 {
        // SAFETY: [B3] the allocation holds `old_layout.size() >= new_layout.size()` bytes.
        return unsafe { move_to::<P>(ptr, new_layout.size(), new_layout, false) };
    }
    let Some(located) = locate::<P>(ptr) else {
        // Not a block of this pool's classes (a hand-written `BytePool` whose list changed): the
        // allocation is the caller's anyway, and the new size fits in it.
        return Ok(NonNull::slice_from_raw_parts(ptr, new_layout.size()));
    };
    let size = located.class.block_size();
    if let Some(taken) = take_smaller::<P>(new_layout.size(), new_layout.align(), size) {
        // SAFETY: [S1, B3] the old allocation holds `new_layout.size()` bytes; the new block is ours, at least that
        // long, and distinct from the old one.
        unsafe {
            core::ptr::copy_nonoverlapping(ptr.as_ptr(), taken.data.as_ptr(), new_layout.size())
        };
        noted::<P>(taken.class, taken.data, None, HookPanic::Abort);
        // SAFETY: [S1, B3] the caller hands the old allocation back (the allocator contract), moved above.
        unsafe { located.release::<P>(HookPanic::Abort) };
        return Ok(NonNull::slice_from_raw_parts(taken.data, taken.capacity));
    }
    Ok(NonNull::slice_from_raw_parts(ptr, located.room))
}

/// `GlobalAlloc::alloc` for byte pool `P`: null when no block fits. A panic in the hook aborts.
pub fn global_alloc<P: BytePool>(layout: Layout) -> *mut u8 {
    match take::<P>(layout.size().max(1), layout.align(), HookPanic::Abort) {
        Ok(taken) => {
            noted::<P>(taken.class, taken.data, None, HookPanic::Abort);
            taken.data.as_ptr()
        }
        Err(_) => core::ptr::null_mut(),
    }
}

/// `GlobalAlloc::realloc` for byte pool `P`: to a smaller size, moves to a class of smaller blocks when one
/// has room and a free block, otherwise stays; to a larger size, in place when the block has room,
/// otherwise a new block, a copy and a free. A panic in the hook aborts.
///
/// # Safety
/// As for `GlobalAlloc::realloc`: `ptr` came from [`global_alloc`] or [`global_realloc`] of this pool with
/// `layout`, and `new_size` is non-zero and does not overflow when rounded up to `layout.align()`.
pub unsafe fn global_realloc<P: BytePool>(
    ptr: *mut u8,
    layout: Layout,
    new_size: usize,
) -> *mut u8 {
    let Some(data) = NonNull::new(ptr) else {
        return core::ptr::null_mut();
    };
    let Some(located) = locate::<P>(data) else {
        return core::ptr::null_mut();
    };
    let old_size = layout.size().max(1);
    if new_size <= located.room {
        let smaller = if new_size < old_size {
            take_smaller::<P>(new_size, layout.align(), located.class.block_size())
        } else {
            None
        };
        if let Some(taken) = smaller {
            // SAFETY: [S1, B3] the old allocation holds `old_size > new_size` bytes; the new block is ours, at
            // least `new_size` long, and distinct from the old one.
            unsafe { core::ptr::copy_nonoverlapping(ptr, taken.data.as_ptr(), new_size) };
            noted::<P>(taken.class, taken.data, None, HookPanic::Abort);
            // SAFETY: [S1, B3] the caller hands the old allocation back (the allocator contract), moved above.
            unsafe { located.release::<P>(HookPanic::Abort) };
            return taken.data.as_ptr();
        }
        return ptr;
    }
    let Ok(taken) = take::<P>(new_size, layout.align(), HookPanic::Abort) else {
        return core::ptr::null_mut();
    };
    // SAFETY: [S1, B3] the old allocation holds `layout.size()` bytes (initialised or not) that we may copy as
    // `u8`s; the new block is ours and at least `new_size` long; the two blocks are distinct.
    unsafe { core::ptr::copy_nonoverlapping(ptr, taken.data.as_ptr(), old_size.min(new_size)) };
    noted::<P>(taken.class, taken.data, None, HookPanic::Abort);
    // SAFETY: [S1, B3] the caller hands the old allocation back (the allocator contract), moved above.
    unsafe { located.release::<P>(HookPanic::Abort) };
    taken.data.as_ptr()
}

/// `GlobalAlloc::dealloc` for byte pool `P`.
///
/// # Safety
/// `ptr` came from [`global_alloc`] or [`global_realloc`] of this pool and is not used afterwards.
pub unsafe fn global_dealloc<P: BytePool>(ptr: *mut u8, _layout: Layout) {
    if let Some(data) = NonNull::new(ptr) {
        // SAFETY: [S1] the caller of this allocator method hands `data` back (the trait's contract).
        unsafe { give_back::<P>(data) };
    }
}

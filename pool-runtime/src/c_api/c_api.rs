//! The C API (feature `c-api`): the functions C code calls to allocate from pools declared in Rust, the
//! status codes and statistics they return, and the pool object C sees as an opaque `bp_pool`.
//!
//! `include/blockpool.h` is generated from this file by cbindgen (`scripts/c-header.sh`); CI fails when the
//! committed header differs from what this file gives. Invariants C1-C4 of `docs/safety.md` are the
//! contract of every function here.

use core::ffi::{c_char, c_void};
use core::marker::PhantomData;
use core::ptr::NonNull;

use crate::block::{Claim, report_failure, wipe};
use crate::bytes::{BytePool, c_free, c_take};
use crate::error::PoolError;
use crate::pool::StaticPool;
use crate::stats::PoolStats;
use crate::storage::Storage;

/// A pool as C code sees it: an opaque `bp_pool` that every `bp_*` function takes.
///
/// A pool declared with `c_name = unsafe("msg_pool")` gets one in a `static` exported to C under that name
/// (`extern const bp_pool msg_pool;`); Rust code reaches the same object with `MsgPool::c_pool()`, to hand
/// it to C code that takes a `const bp_pool *`. It holds one reference to a table of the pool's functions,
/// built at compile time, and nothing else: the pool's blocks stay in the pool's own storage.
#[repr(C)]
pub struct CPool {
    ops: &'static Ops,
}

/// What a `bp_*` function calls for one pool, built by [`CPool::typed`] or [`CPool::bytes`].
struct Ops {
    /// `None` for `bp_alloc` (a block of the pool's one size), `Some(len)` for `bp_alloc_bytes`.
    alloc: fn(Option<usize>) -> Result<NonNull<u8>, CStatus>,
    /// Frees a block handed out by `alloc` (C1-C3).
    ///
    /// # Safety
    /// C2: if the address is that of a block this pool handed out raw and not freed since, the caller
    /// gives the block up.
    free: unsafe fn(NonNull<u8>) -> Result<(), PoolError>,
    stats: fn() -> PoolStats,
    validate: fn() -> Result<(), PoolError>,
    block_size: fn() -> usize,
}

/// The function table of typed pool `P`, as a constant so that `&TypedOps::<P>::OPS` is a `'static`
/// reference made at compile time.
struct TypedOps<P>(PhantomData<P>);

impl<P: StaticPool> TypedOps<P> {
    const OPS: Ops = Ops {
        alloc: typed_alloc::<P>,
        free: typed_free::<P>,
        stats: <P as StaticPool>::stats,
        validate: <P as StaticPool>::validate,
        block_size: typed_block_size::<P>,
    };
}

/// The function table of byte pool `P`.
struct BytesOps<P>(PhantomData<P>);

impl<P: BytePool> BytesOps<P> {
    const OPS: Ops = Ops {
        alloc: bytes_alloc::<P>,
        free: c_free::<P>,
        stats: <P as BytePool>::stats,
        validate: <P as BytePool>::validate,
        block_size: <P as BytePool>::max_len,
    };
}

impl CPool {
    /// The C face of typed pool `P`: `bp_alloc` hands out one block of the item's size and alignment,
    /// uninitialised (zeros in `zeroize` pools), as [`RawPool::alloc_raw`](crate::RawPool::alloc_raw) does.
    /// Called by the code `c_name` generates.
    pub const fn typed<P: StaticPool>() -> Self {
        Self {
            ops: &TypedOps::<P>::OPS,
        }
    }

    /// The C face of byte pool `P`: `bp_alloc_bytes` hands out a block of the smallest class that fits.
    /// Called by the code `c_name` generates.
    pub const fn bytes<P: BytePool>() -> Self {
        Self {
            ops: &BytesOps::<P>::OPS,
        }
    }
}

fn typed_block_size<P: StaticPool>() -> usize {
    P::__storage().block_size()
}

/// `bp_alloc` and `bp_alloc_bytes` on a typed pool: a raw block (F1), so that `bp_free` and
/// `RawPool::free_raw` can free it and nothing else can.
fn typed_alloc<P: StaticPool>(len: Option<usize>) -> Result<NonNull<u8>, CStatus> {
    if let Some(len) = len {
        let capacity = P::__storage().block_size();
        if len == 0 {
            return Err(report_failure::<P>(PoolError::ZeroSize).into());
        }
        if len > capacity {
            let error = PoolError::TooLarge {
                requested: len,
                capacity,
            };
            return Err(report_failure::<P>(error).into());
        }
    }
    let claim = Claim::<P>::take_quiet()?;
    let block = claim.block().cast::<u8>();
    let index = claim.keep();
    // SAFETY: [S1, F1] the claim's block is ours, and is handed out raw (to C) right here.
    unsafe { P::__storage().mark_raw(index) };
    // Traced once the block is C's, with no site (C has no `#[track_caller]`); a hook that panics here
    // aborts (`extern "C"`), with the pool consistent.
    crate::trace::trace_at::<P>(crate::trace::TraceKind::Alloc, Some(index), None);
    Ok(block)
}

/// `bp_free` on a typed pool: `RawPool::free_raw`'s checks, with the block wiped (`zeroize`) through the
/// pool's own pointer to it, so that `block` is only ever compared, never dereferenced (C1).
///
/// # Safety
/// C2: if `block` is the address of a raw block of this pool in use, the caller gives the block up.
unsafe fn typed_free<P: StaticPool>(block: NonNull<u8>) -> Result<(), PoolError> {
    let storage = P::__storage();
    let index = storage.locate(block)?;
    // A block held by shared handles is theirs (F1 checks this first too).
    if storage.ref_count(index).is_some_and(|count| count > 0) {
        return Err(PoolError::RefInUse);
    }
    // SAFETY: [F1, C2] the state word says whether block `index` is a raw block in use, and claims it if so;
    // the caller gives such a block up.
    let back = unsafe { storage.mark_free_checked(index) }?;
    // Claimed by that compare-and-swap: a freed block names no holder (T1), whether it goes back or retires
    // (review rounds 18 and 20: a block freed here kept its `alloc_raw` site, handed to a waiting task or
    // retired).
    crate::sites::untrack::<P>(index);
    if P::__CONFIG.zeroize {
        // Before the retirement check: a retired block keeps no item's bytes either (Z1).
        wipe(
            storage.block(index).cast::<u8>(),
            storage.block_size(),
            storage.block_align(),
        );
    }
    if !back {
        return Ok(()); // retired for good (W2)
    }
    // SAFETY: [S1, F1] claimed by the compare-and-swap above, so no one else holds it.
    unsafe { storage.put_back(index) };
    crate::trace::trace_at::<P>(crate::trace::TraceKind::Free, Some(index), None);
    Ok(())
}

fn bytes_alloc<P: BytePool>(len: Option<usize>) -> Result<NonNull<u8>, CStatus> {
    match len {
        None => Err(CStatus::BP_WRONG_KIND),
        Some(len) => c_take::<P>(len).map_err(CStatus::from),
    }
}

/// What a `bp_*` function returns: `BP_OK` (0), or why it failed. The pool is unchanged by every failure
/// (a failed allocation adds one to the pool's `failures` and calls its `on_failure` hook).
///
/// A C `enum` whose values are `int32_t`, so that its size is the same for every C compiler and option
/// (`-fshort-enums`).
#[repr(i32)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CStatus {
    /// Success.
    BP_OK = 0,
    /// Every block that fits is in use.
    BP_EXHAUSTED = 1,
    /// `bp_alloc_bytes` of 0 bytes.
    BP_ZERO_SIZE = 2,
    /// More bytes than the largest block of the pool holds.
    BP_TOO_LARGE = 3,
    /// The pointer is not in this pool's storage (another pool's block, the stack, ...).
    BP_FOREIGN_BLOCK = 4,
    /// The pointer is inside one of the pool's blocks, but not at its start.
    BP_NOT_BLOCK_START = 5,
    /// The block is not one that C (or `RawPool::alloc_raw`) holds: it is free already, or a Rust handle
    /// owns it.
    BP_DOUBLE_FREE = 6,
    /// The block is shared by Rust `PoolRc` handles: Rust frees it when the last handle goes.
    BP_REF_IN_USE = 7,
    /// The pool's metadata is inconsistent (`bp_validate`).
    BP_CORRUPTED = 8,
    /// A pointer argument that must not be NULL is NULL.
    BP_NULL_POINTER = 9,
    /// `bp_alloc` on a byte pool, whose blocks come in several sizes: use `bp_alloc_bytes`.
    BP_WRONG_KIND = 10,
    /// A reference count would overflow (not returned by today's functions).
    BP_REF_OVERFLOW = 11,
    /// The resource is in use by another scope (not returned by today's functions).
    BP_BUSY = 12,
    /// Every wait slot is taken (not returned by today's functions).
    BP_WAITERS_FULL = 13,
    /// An alignment that is not a power of two (not returned by today's functions).
    BP_BAD_ALIGNMENT = 14,
}

impl From<PoolError> for CStatus {
    fn from(error: PoolError) -> Self {
        match error {
            PoolError::Exhausted => Self::BP_EXHAUSTED,
            PoolError::ZeroSize => Self::BP_ZERO_SIZE,
            PoolError::TooLarge { .. } => Self::BP_TOO_LARGE,
            PoolError::ForeignBlock => Self::BP_FOREIGN_BLOCK,
            PoolError::NotBlockStart => Self::BP_NOT_BLOCK_START,
            PoolError::DoubleFree => Self::BP_DOUBLE_FREE,
            PoolError::RefInUse => Self::BP_REF_IN_USE,
            PoolError::RefOverflow => Self::BP_REF_OVERFLOW,
            PoolError::Busy => Self::BP_BUSY,
            PoolError::WaitersFull => Self::BP_WAITERS_FULL,
            PoolError::BadAlignment { .. } => Self::BP_BAD_ALIGNMENT,
            PoolError::Corrupted => Self::BP_CORRUPTED,
        }
    }
}

impl From<Result<(), PoolError>> for CStatus {
    fn from(result: Result<(), PoolError>) -> Self {
        result.map_or_else(Self::from, |()| Self::BP_OK)
    }
}

/// A pool's counters, as `bp_get_stats` writes them (Rust's `PoolStats`). For a byte pool, the sums over
/// its classes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CStats {
    /// How many blocks the pool has.
    pub capacity: usize,
    /// How many blocks are in use now.
    pub used: usize,
    /// The most blocks ever in use at once (0 for pools declared with `stats = false`).
    pub high_water: usize,
    /// Blocks taken since start-up (0 for `stats = false`; wraps at 2^32 on targets without 64-bit atomics).
    pub allocs: u64,
    /// Blocks returned since start-up (as `allocs`).
    pub frees: u64,
    /// Failed allocations since start-up (wraps at 2^32).
    pub failures: u64,
}

impl From<PoolStats> for CStats {
    fn from(stats: PoolStats) -> Self {
        Self {
            capacity: stats.capacity,
            used: stats.used,
            high_water: stats.high_water,
            allocs: stats.allocs,
            frees: stats.frees,
            failures: stats.failures,
        }
    }
}

/// The pool behind a pointer from C, or `None` for NULL.
///
/// # Safety
/// C4: `pool` is NULL or points to a `bp_pool` made by [`CPool::typed`] or [`CPool::bytes`] (an exported
/// pool, or `c_pool()`), which live for the whole program.
unsafe fn pool_ref(pool: *const CPool) -> Option<&'static Ops> {
    // SAFETY: [C4] NULL or a pointer to a `'static` `CPool`, which is never written (it is immutable).
    unsafe { pool.as_ref() }.map(|pool| pool.ops)
}

/// Takes a free block of `pool` and stores its address in `*block` (NULL on failure).
///
/// The block has the item's size and alignment, and its contents are unspecified (zeros in pools declared
/// with `zeroize`). It is a raw block: `bp_free` (or Rust's `RawPool::free_raw`) gives it back. O(1),
/// lock-free, callable from interrupt handlers.
///
/// Returns `BP_OK`, `BP_EXHAUSTED`, `BP_NULL_POINTER` (`pool` or `block` is NULL), or `BP_WRONG_KIND` for a
/// byte pool (use `bp_alloc_bytes`).
///
/// # Safety
/// `pool` is NULL or points to an exported pool (a `bp_pool` declared with `c_name`); `block` is NULL or
/// valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bp_alloc(pool: *const CPool, block: *mut *mut c_void) -> CStatus {
    // SAFETY: [C4] this function's contract.
    unsafe { alloc_into(pool, None, block) }
}

/// Takes a free block of at least `size` bytes from `pool` and stores its address in `*block` (NULL on
/// failure).
///
/// From a byte pool: a block of the smallest class that fits and has a free block, aligned to that
/// class's block alignment (the largest power of two dividing its block size, up to 4096, and at least the
/// pool's `align`). From a typed pool: one block, if `size` is at most its block size (`bp_block_size`).
///
/// Returns `BP_OK`, `BP_EXHAUSTED`, `BP_ZERO_SIZE`, `BP_TOO_LARGE` or `BP_NULL_POINTER`.
///
/// # Safety
/// As `bp_alloc`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bp_alloc_bytes(
    pool: *const CPool,
    size: usize,
    block: *mut *mut c_void,
) -> CStatus {
    // SAFETY: [C4] this function's contract.
    unsafe { alloc_into(pool, Some(size), block) }
}

/// `bp_alloc` and `bp_alloc_bytes`.
///
/// # Safety
/// As `bp_alloc`.
unsafe fn alloc_into(pool: *const CPool, len: Option<usize>, block: *mut *mut c_void) -> CStatus {
    if block.is_null() {
        return CStatus::BP_NULL_POINTER;
    }
    // SAFETY: [C4] the caller's contract.
    let (status, address) = match unsafe { pool_ref(pool) } {
        None => (CStatus::BP_NULL_POINTER, core::ptr::null_mut()),
        Some(ops) => match (ops.alloc)(len) {
            Ok(taken) => (CStatus::BP_OK, taken.as_ptr().cast::<c_void>()),
            Err(status) => (status, core::ptr::null_mut()),
        },
    };
    // SAFETY: [C4] not NULL (checked above), and valid for writing one pointer (the caller's contract).
    unsafe { block.write(address) };
    status
}

/// Gives back a block taken from `pool` with `bp_alloc` or `bp_alloc_bytes`.
///
/// Every pointer is checked, in O(1) for typed pools and O(classes) for byte pools, and a refused one
/// leaves the pool unchanged: `BP_NULL_POINTER` (NULL `pool` or `block`), `BP_FOREIGN_BLOCK` (not in this
/// pool: another pool's block, a stack address), `BP_NOT_BLOCK_START` (inside a block), `BP_DOUBLE_FREE`
/// (the block is free, or a Rust handle owns it), `BP_REF_IN_USE` (Rust `PoolRc` handles share it). What no
/// check can see is a pointer kept after its `bp_free` whose block was handed out again: that frees the new
/// holder's block, as in every C pool API.
///
/// # Safety
/// `pool` is NULL or points to an exported pool; nothing uses the block after it is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bp_free(pool: *const CPool, block: *mut c_void) -> CStatus {
    // SAFETY: [C4] the caller's contract.
    let Some(ops) = (unsafe { pool_ref(pool) }) else {
        return CStatus::BP_NULL_POINTER;
    };
    let Some(block) = NonNull::new(block.cast::<u8>()) else {
        return CStatus::BP_NULL_POINTER;
    };
    // SAFETY: [C1, C2] `free` only compares `block` with the pool's block addresses, and frees only a raw
    // block in use, which the caller gives up (this function's contract).
    unsafe { (ops.free)(block) }.into()
}

/// Writes `pool`'s counters to `*stats`. Returns `BP_OK` or `BP_NULL_POINTER`.
///
/// # Safety
/// `pool` is NULL or points to an exported pool; `stats` is NULL or valid for writing a `bp_stats`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bp_get_stats(pool: *const CPool, stats: *mut CStats) -> CStatus {
    // SAFETY: [C4] the caller's contract.
    let Some(ops) = (unsafe { pool_ref(pool) }) else {
        return CStatus::BP_NULL_POINTER;
    };
    if stats.is_null() {
        return CStatus::BP_NULL_POINTER;
    }
    // SAFETY: [C4] not NULL, and valid for writing a `bp_stats` (the caller's contract).
    unsafe { stats.write((ops.stats)().into()) };
    CStatus::BP_OK
}

/// Checks `pool`'s free list and block states (O(blocks); for tests, while nothing else uses the pool).
/// Returns `BP_OK`, `BP_CORRUPTED` or `BP_NULL_POINTER`.
///
/// # Safety
/// `pool` is NULL or points to an exported pool.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bp_validate(pool: *const CPool) -> CStatus {
    // SAFETY: [C4] the caller's contract.
    match unsafe { pool_ref(pool) } {
        None => CStatus::BP_NULL_POINTER,
        Some(ops) => (ops.validate)().into(),
    }
}

/// The most bytes one block of `pool` holds: a typed pool's block size (the item's size rounded up to its
/// alignment), a byte pool's largest class; 0 for NULL.
///
/// # Safety
/// `pool` is NULL or points to an exported pool.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bp_block_size(pool: *const CPool) -> usize {
    // SAFETY: [C4] the caller's contract.
    unsafe { pool_ref(pool) }.map_or(0, |ops| (ops.block_size)())
}

/// A constant, NUL-terminated English description of a status (`"BP_EXHAUSTED: every block that fits is
/// in use"`), and `"unknown bp_status"` for a value that is none.
#[unsafe(no_mangle)]
pub extern "C" fn bp_status_str(status: i32) -> *const c_char {
    let text: &'static core::ffi::CStr = match status {
        0 => c"BP_OK: success",
        1 => c"BP_EXHAUSTED: every block that fits is in use",
        2 => c"BP_ZERO_SIZE: a request for 0 bytes",
        3 => c"BP_TOO_LARGE: more bytes than the largest block holds",
        4 => c"BP_FOREIGN_BLOCK: the pointer is not in this pool",
        5 => c"BP_NOT_BLOCK_START: the pointer is inside a block, not at its start",
        6 => c"BP_DOUBLE_FREE: the block is free already, or owned by a Rust handle",
        7 => c"BP_REF_IN_USE: the block is shared by Rust handles",
        8 => c"BP_CORRUPTED: the pool's metadata is inconsistent",
        9 => c"BP_NULL_POINTER: a pointer argument is NULL",
        10 => c"BP_WRONG_KIND: bp_alloc on a byte pool (use bp_alloc_bytes)",
        11 => c"BP_REF_OVERFLOW: a reference count would overflow",
        12 => c"BP_BUSY: in use by another scope",
        13 => c"BP_WAITERS_FULL: every wait slot is taken",
        14 => c"BP_BAD_ALIGNMENT: the alignment is not a power of two",
        _ => c"unknown bp_status",
    };
    text.as_ptr()
}

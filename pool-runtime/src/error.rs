//! Errors: why a pool operation failed, and the value a failed allocation gives back.

use core::fmt;

use crate::sites::HolderSummary;

/// Why a pool operation failed.
///
/// Every fallible operation of blockpool returns one of these instead of panicking. The pool's blocks and
/// free list are left as they were before the call; what does change is bookkeeping: a failed allocation
/// adds one to the pool's `failures` counter and calls its `on_failure` hook, if it has one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PoolError {
    /// Every block of the pool is in use.
    Exhausted,
    /// A request for zero bytes.
    ZeroSize,
    /// A request larger than the biggest block the pool has.
    TooLarge {
        /// The number of bytes asked for.
        requested: usize,
        /// The largest number of bytes the pool can hand out.
        capacity: usize,
    },
    /// The pointer does not point into this pool's storage.
    ForeignBlock,
    /// The pointer points into this pool's storage, but not at the start of a block.
    NotBlockStart,
    /// The block is already free.
    DoubleFree,
    /// The block is held by shared handles (`RawPool::free_raw` of a block that `PoolRc`s share). The
    /// typed API never needs it: `PoolRc::try_unwrap` and `PoolRc::into_box` hand the handle back instead.
    RefInUse,
    /// A reference count would pass the maximum of its counter.
    RefOverflow,
    /// The resource is already in use by another scope.
    Busy,
    /// Every block is in use and every wait slot of the pool (`wait = W`) is taken by a waiting task:
    /// `alloc_async` gives the value back rather than spin or block.
    WaitersFull,
    /// The requested alignment is not a power of two.
    BadAlignment {
        /// The alignment asked for.
        requested: usize,
    },
    /// The pool's metadata is inconsistent (found by `validate`).
    Corrupted,
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Exhausted => f.write_str("every block of the pool is in use"),
            Self::ZeroSize => f.write_str("a zero-sized allocation was requested"),
            Self::TooLarge {
                requested,
                capacity,
            } => write!(
                f,
                "{requested} bytes were requested but the largest block holds {capacity} bytes"
            ),
            Self::ForeignBlock => f.write_str("the pointer does not belong to this pool"),
            Self::NotBlockStart => {
                f.write_str("the pointer is inside the pool but not at the start of a block")
            }
            Self::DoubleFree => f.write_str("the block is already free"),
            Self::RefInUse => f.write_str("the block is still shared by other handles"),
            Self::RefOverflow => f.write_str("the reference count would overflow its counter"),
            Self::Busy => f.write_str("the resource is already in use"),
            Self::WaitersFull => {
                f.write_str("every block is in use and every wait slot of the pool is taken")
            }
            Self::BadAlignment { requested } => {
                write!(f, "alignment {requested} is not a power of two")
            }
            Self::Corrupted => f.write_str("the pool's metadata is inconsistent"),
        }
    }
}

impl core::error::Error for PoolError {}

/// A failed allocation: the reason, and the value that could not be stored, handed back unharmed.
///
/// ```
/// # use blockpool::memory_pool;
/// #[memory_pool(count = 1)]
/// #[derive(Debug)]
/// pub struct Job(u32);
///
/// let _first = JobPool::alloc(Job(1)).unwrap();
/// let failed = JobPool::alloc(Job(2)).unwrap_err();
/// assert_eq!(failed.error(), blockpool::PoolError::Exhausted);
/// let job: Job = failed.into_inner(); // nothing is lost
/// assert_eq!(job.0, 2);
/// ```
pub struct AllocError<T> {
    value: T,
    error: PoolError,
}

impl<T> AllocError<T> {
    pub(crate) const fn new(value: T, error: PoolError) -> Self {
        Self { value, error }
    }

    /// Why the allocation failed.
    pub const fn error(&self) -> PoolError {
        self.error
    }

    /// The value that was to be stored.
    pub fn into_inner(self) -> T {
        self.value
    }

    /// The value and the reason, apart.
    pub fn into_parts(self) -> (T, PoolError) {
        (self.value, self.error)
    }
}

impl<T> fmt::Debug for AllocError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AllocError")
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Display for AllocError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "allocation failed: {}", self.error)
    }
}

impl<T> core::error::Error for AllocError<T> {}

impl<T> From<AllocError<T>> for PoolError {
    fn from(failed: AllocError<T>) -> Self {
        failed.error
    }
}

/// What an `on_failure` hook receives: which pool failed, why, and who holds its blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FailureEvent {
    /// The pool's name (`StaticPool::NAME`).
    pub pool: &'static str,
    /// Why the allocation failed.
    pub error: PoolError,
    /// Who holds the blocks, in typed and byte pools declared with `track_callers` (`None` in the others):
    /// `Display` writes `8/8 in use: 6 at src/radio.rs:41:17, 2 at src/log.rs:88:9`, reading the pool as
    /// it is when written (O(capacity²), no heap).
    pub holders: Option<HolderSummary>,
}

/// `pool `Frames`: every block of the pool is in use`, and with `track_callers`
/// `pool `Frames`: every block of the pool is in use; 8/8 in use: 8 at src/radio.rs:41:17`.
impl fmt::Display for FailureEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pool `{}`: {}", self.pool, self.error)?;
        match &self.holders {
            Some(holders) => write!(f, "; {holders}"),
            None => Ok(()),
        }
    }
}

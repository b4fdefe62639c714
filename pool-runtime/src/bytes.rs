//! Byte pools: several size classes of raw byte blocks, `PoolBytes` handles with resize / grow / clone, and
//! the allocator interfaces (`allocator_api2::alloc::Allocator`, `core::alloc::GlobalAlloc`) built on them.

use core::alloc::Layout;
use core::fmt;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;

use crate::byte_class::ByteClass;
use crate::error::{AllocError, FailureEvent, PoolError};
use crate::pool::PoolConfig;
use crate::stats::PoolStats;

/// A pool of byte blocks in several size classes, declared in `pools!` with
/// `classes = [(block size, count), ...]`.
///
/// Requests go to the smallest class whose blocks fit and that has a free block (falling back to larger
/// classes when a class is exhausted). The items whose names start with `__` are for generated code only.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a byte pool",
    note = "byte pools are declared in `pools! {{ .. }}` with `classes = [(block size, count), ..]`"
)]
pub trait BytePool: Sized + 'static {
    /// The pool's name, as declared.
    const NAME: &'static str;

    #[doc(hidden)]
    const __CONFIG: PoolConfig;
    #[doc(hidden)]
    fn __classes() -> &'static [&'static dyn ByteClass];

    /// A zero-filled buffer of `len` bytes, in the smallest class that fits and has a free block.
    ///
    /// # Errors
    /// [`PoolError::ZeroSize`] for 0; [`PoolError::TooLarge`] above the largest class;
    /// [`PoolError::Exhausted`] when every class that fits is full.
    fn alloc_bytes(len: usize) -> Result<PoolBytes<Self>, PoolError> {
        Self::alloc_bytes_aligned(len, 1)
    }

    /// Like [`BytePool::alloc_bytes`], with the buffer's start aligned to `align` (a power of two). An
    /// alignment above the blocks' own is served from a class large enough to absorb the padding.
    ///
    /// # Errors
    /// As [`BytePool::alloc_bytes`], and [`PoolError::BadAlignment`] if `align` is not a power of two.
    fn alloc_bytes_aligned(len: usize, align: usize) -> Result<PoolBytes<Self>, PoolError> {
        let taken = take::<Self>(len, align)?;
        // SAFETY: the block was just taken, so the `capacity` bytes from `data` are ours alone.
        unsafe { taken.data.write_bytes(0, len) };
        Ok(PoolBytes {
            data: taken.data,
            len,
            class: taken.class,
            _pool: PhantomData,
        })
    }

    /// The largest buffer the pool can hand out.
    fn max_len() -> usize {
        Self::__classes()
            .last()
            .map_or(0, |class| class.block_size())
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
}

/// A block taken from a byte pool: which class, where the (aligned) data starts, how much room it has.
struct Taken {
    class: u8,
    data: NonNull<u8>,
    capacity: usize,
}

/// Takes a block for `len` bytes aligned to `align`. O(number of classes).
fn take<P: BytePool>(len: usize, align: usize) -> Result<Taken, PoolError> {
    let classes = P::__classes();
    if len == 0 {
        return Err(fail::<P>(classes, 0, PoolError::ZeroSize));
    }
    if !align.is_power_of_two() {
        return Err(fail::<P>(
            classes,
            0,
            PoolError::BadAlignment { requested: align },
        ));
    }
    // Block addresses are multiples of the block alignment, so a larger alignment costs at most this much.
    let padding = classes
        .first()
        .map_or(0, |class| align.saturating_sub(class.block_align()));
    let needed = len.saturating_add(padding);
    let Some(first_fit) = classes
        .iter()
        .position(|class| class.block_size() >= needed)
    else {
        let capacity = P::max_len().saturating_sub(padding);
        let last = classes.len().saturating_sub(1);
        return Err(fail::<P>(
            classes,
            last,
            PoolError::TooLarge {
                requested: len,
                capacity,
            },
        ));
    };
    for (class_index, class) in classes.iter().enumerate().skip(first_fit) {
        if let Some((_, block)) = class.take() {
            let offset = block.as_ptr().align_offset(align);
            return Ok(Taken {
                class: class_index as u8,
                // SAFETY: the class was chosen so that `padding >= offset` plus `len` fits in the block.
                data: unsafe { block.add(offset) },
                capacity: class.block_size() - offset,
            });
        }
    }
    Err(fail::<P>(classes, first_fit, PoolError::Exhausted))
}

/// Counts the failure in `class` and calls the pool's hook.
#[cold]
#[inline(never)]
fn fail<P: BytePool>(classes: &[&dyn ByteClass], class: usize, error: PoolError) -> PoolError {
    if let Some(class) = classes.get(class) {
        class.record_failure();
    }
    if let Some(hook) = P::__CONFIG.on_failure {
        hook(&FailureEvent {
            pool: P::NAME,
            error,
        });
    }
    error
}

/// The class and block that hold `data`, or `None` for a pointer from elsewhere.
fn find<P: BytePool>(data: NonNull<u8>) -> Option<(&'static dyn ByteClass, usize, NonNull<u8>)> {
    P::__classes().iter().find_map(|class| {
        class
            .block_containing(data)
            .map(|(index, start)| (*class, index, start))
    })
}

/// Returns the block holding `data` to its class; pointers that no class holds are ignored.
fn give_back<P: BytePool>(data: NonNull<u8>) {
    if let Some((class, index, _)) = find::<P>(data) {
        class.free(index, P::__CONFIG.zeroize);
    }
}

/// A buffer of bytes in a block of byte pool `P`: dereferences to `[u8]` of its current length, which can
/// change within the block ([`resize`](PoolBytes::resize)) or move to a larger class
/// ([`grow`](PoolBytes::grow)). Dropping it returns the block.
pub struct PoolBytes<P: BytePool> {
    data: NonNull<u8>,
    len: usize,
    class: u8,
    _pool: PhantomData<P>,
}

// SAFETY: the handle owns plain bytes in a block no one else can reach; the pool's free lists are atomic.
unsafe impl<P: BytePool> Send for PoolBytes<P> {}
// SAFETY: shared access gives `&[u8]` only.
unsafe impl<P: BytePool> Sync for PoolBytes<P> {}

impl<P: BytePool> PoolBytes<P> {
    fn class(&self) -> &'static dyn ByteClass {
        P::__classes()[usize::from(self.class)]
    }

    /// How many bytes the block has room for, from the start of this buffer.
    pub fn capacity(&self) -> usize {
        let class = self.class();
        match class.block_containing(self.data) {
            Some((_, start)) => {
                class.block_size() - (self.data.as_ptr() as usize - start.as_ptr() as usize)
            }
            None => self.len,
        }
    }

    /// The block size of the class the buffer lives in.
    pub fn block_size(&self) -> usize {
        self.class().block_size()
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
            // SAFETY: `len <= capacity`, so the range lies in our block.
            unsafe { self.data.add(self.len).write_bytes(0, len - self.len) };
        }
        self.len = len;
        Ok(())
    }

    /// Makes room for `len` bytes: in place when the block is large enough, otherwise by moving to a larger
    /// class (copying the bytes and freeing the old block). New bytes are zero.
    ///
    /// # Errors
    /// When no larger block is free, or `len` exceeds the largest class: the error gives the original
    /// buffer back, unchanged.
    pub fn grow(mut self, len: usize) -> Result<Self, AllocError<Self>> {
        if len <= self.capacity() {
            return match self.resize(len) {
                Ok(()) => Ok(self),
                Err(error) => Err(AllocError::new(self, error)),
            };
        }
        match P::alloc_bytes(len) {
            Ok(mut bigger) => {
                bigger[..self.len].copy_from_slice(&self);
                Ok(bigger)
            }
            Err(error) => Err(AllocError::new(self, error)),
        }
    }

    /// A new buffer with the same bytes, in the smallest class that fits.
    ///
    /// # Errors
    /// As [`BytePool::alloc_bytes`].
    pub fn try_clone(&self) -> Result<Self, PoolError> {
        let mut copy = P::alloc_bytes(self.len)?;
        copy.copy_from_slice(self);
        Ok(copy)
    }
}

impl<P: BytePool> Drop for PoolBytes<P> {
    fn drop(&mut self) {
        let class = self.class();
        if let Some((index, _)) = class.block_containing(self.data) {
            class.free(index, P::__CONFIG.zeroize);
        }
    }
}

impl<P: BytePool> Deref for PoolBytes<P> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        // SAFETY: the first `len` bytes of our block were written (zeroed or copied) and are ours alone.
        unsafe { core::slice::from_raw_parts(self.data.as_ptr(), self.len) }
    }
}

impl<P: BytePool> DerefMut for PoolBytes<P> {
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `deref`; `&mut self` makes the access unique.
        unsafe { core::slice::from_raw_parts_mut(self.data.as_ptr(), self.len) }
    }
}

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

/// `Allocator::allocate` for byte pool `P`: any layout that fits a class; the slice covers the whole room
/// of the block, so collections use it before asking to grow.
pub fn allocate<P: BytePool>(
    layout: Layout,
) -> Result<NonNull<[u8]>, allocator_api2::alloc::AllocError> {
    if layout.size() == 0 {
        let dangling = NonNull::new(core::ptr::without_provenance_mut::<u8>(layout.align()))
            .ok_or(allocator_api2::alloc::AllocError)?;
        return Ok(NonNull::slice_from_raw_parts(dangling, 0));
    }
    let taken =
        take::<P>(layout.size(), layout.align()).map_err(|_| allocator_api2::alloc::AllocError)?;
    Ok(NonNull::slice_from_raw_parts(taken.data, taken.capacity))
}

/// `Allocator::deallocate` for byte pool `P`.
///
/// # Safety
/// `ptr` was returned by [`allocate`] (or [`global_alloc`]) of the same pool with a layout of the same
/// size, and is not used afterwards.
pub unsafe fn deallocate<P: BytePool>(ptr: NonNull<u8>, layout: Layout) {
    if layout.size() != 0 {
        give_back::<P>(ptr);
    }
}

/// `Allocator::grow` (and `grow_zeroed` with `zeroed`) for byte pool `P`: a new block, a copy, a free.
///
/// # Safety
/// As for `Allocator::grow`: `ptr` is a block allocated by [`allocate`] of this pool that `old_layout`
/// fits, and `new_layout.size() >= old_layout.size()`.
pub unsafe fn grow<P: BytePool>(
    ptr: NonNull<u8>,
    old_layout: Layout,
    new_layout: Layout,
    zeroed: bool,
) -> Result<NonNull<[u8]>, allocator_api2::alloc::AllocError> {
    let new = allocate::<P>(new_layout)?;
    let new_start = new.cast::<u8>();
    if zeroed {
        // SAFETY: the new block is ours and `new.len()` bytes long.
        unsafe { new_start.write_bytes(0, new.len()) };
    }
    // SAFETY: the old block holds `old_layout.size()` bytes the caller may read, the new block is ours and
    // at least `new_layout.size() >= old_layout.size()` bytes long, and the blocks are distinct.
    unsafe { core::ptr::copy_nonoverlapping(ptr.as_ptr(), new_start.as_ptr(), old_layout.size()) };
    // SAFETY: the caller hands the old block back; it is not used after this.
    unsafe { deallocate::<P>(ptr, old_layout) };
    Ok(new)
}

/// `Allocator::shrink` for byte pool `P`: a new block, a copy, a free.
///
/// # Safety
/// As for `Allocator::shrink`: `ptr` is a block allocated by [`allocate`] of this pool that `old_layout`
/// fits, and `new_layout.size() <= old_layout.size()`.
pub unsafe fn shrink<P: BytePool>(
    ptr: NonNull<u8>,
    old_layout: Layout,
    new_layout: Layout,
) -> Result<NonNull<[u8]>, allocator_api2::alloc::AllocError> {
    let new = allocate::<P>(new_layout)?;
    // SAFETY: the old block holds at least `new_layout.size()` readable bytes, the new block is ours and
    // that long, and the blocks are distinct.
    unsafe {
        core::ptr::copy_nonoverlapping(ptr.as_ptr(), new.cast::<u8>().as_ptr(), new_layout.size())
    };
    // SAFETY: the caller hands the old block back; it is not used after this.
    unsafe { deallocate::<P>(ptr, old_layout) };
    Ok(new)
}

/// `GlobalAlloc::alloc` for byte pool `P`: null when no block fits.
pub fn global_alloc<P: BytePool>(layout: Layout) -> *mut u8 {
    match take::<P>(layout.size().max(1), layout.align()) {
        Ok(taken) => taken.data.as_ptr(),
        Err(_) => core::ptr::null_mut(),
    }
}

/// `GlobalAlloc::realloc` for byte pool `P`: in place when the block has room, otherwise a new block, a
/// copy and a free.
///
/// # Safety
/// As for `GlobalAlloc::realloc`: `ptr` came from [`global_alloc`] of this pool with `layout`, and
/// `new_size` is non-zero and does not overflow when rounded up to `layout.align()`.
pub unsafe fn global_realloc<P: BytePool>(
    ptr: *mut u8,
    layout: Layout,
    new_size: usize,
) -> *mut u8 {
    let Some(data) = NonNull::new(ptr) else {
        return core::ptr::null_mut();
    };
    let Some((class, _, start)) = find::<P>(data) else {
        return core::ptr::null_mut();
    };
    let room = class.block_size() - (data.as_ptr() as usize - start.as_ptr() as usize);
    if new_size <= room {
        return ptr;
    }
    let Ok(taken) = take::<P>(new_size, layout.align()) else {
        return core::ptr::null_mut();
    };
    // SAFETY: the old allocation holds `layout.size()` initialised-or-not bytes that we may copy as
    // `u8`s; the new block is ours and larger; the two blocks are distinct.
    unsafe {
        core::ptr::copy_nonoverlapping(ptr, taken.data.as_ptr(), layout.size().min(new_size))
    };
    give_back::<P>(data);
    taken.data.as_ptr()
}

/// `GlobalAlloc::dealloc` for byte pool `P`.
///
/// # Safety
/// `ptr` came from [`global_alloc`] or [`global_realloc`] of this pool and is not used afterwards.
pub unsafe fn global_dealloc<P: BytePool>(ptr: *mut u8, _layout: Layout) {
    if let Some(data) = NonNull::new(ptr) {
        give_back::<P>(data);
    }
}

//! Arenas: a static byte buffer handed out by bumping an offset inside a scope, and reclaimed all at once
//! when the scope ends (running the destructors of what was allocated).

use core::alloc::Layout;
use core::cell::Cell;
use core::marker::PhantomData;
use core::ptr::NonNull;

use crate::align::Alignment;
use crate::block::wipe;
use crate::error::{AllocError, FailureEvent, PoolError};
use crate::pool::PoolConfig;
use crate::storage::Slot;
use crate::sync::{AtomicBool, AtomicU32, Ordering};

/// An arena declared in `pools!` with `arena = N` (bytes).
///
/// All use goes through [`ArenaPool::scope`]: allocation inside is a pointer bump, O(1), with the alignment
/// of each type; when the scope returns, every destructor runs and the whole buffer is free again.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an arena",
    note = "arenas are declared in `pools! {{ .. }}` with `arena = N` (bytes)"
)]
pub trait ArenaPool: Sized + 'static {
    /// The arena's name, as declared.
    const NAME: &'static str;

    #[doc(hidden)]
    const __CONFIG: PoolConfig;
    #[doc(hidden)]
    fn __storage() -> &'static dyn ArenaCore;
    /// The arena a scope continues in when this one is full (`fallback = Other` in `pools!`).
    #[doc(hidden)]
    const __FALLBACK: Option<ArenaFallback> = None;

    /// Runs `body` with the arena. Everything allocated inside is dropped and reclaimed when `body` returns
    /// (or panics); references to it cannot leave `body`.
    ///
    /// An arena declared with `fallback = Other` continues in `Other` when an allocation does not fit: the
    /// first such allocation enters `Other` for the rest of the scope (as a scope of `Other` would, A5), and
    /// both are reclaimed when the scope ends. If `Other` is in a scope of its own then, the allocation
    /// fails with `Exhausted`.
    ///
    /// # Errors
    /// [`PoolError::Busy`] when the arena is already in a scope (nested, on another thread, or in an
    /// interrupt that preempted one); otherwise whatever `body` returns.
    fn scope<R>(
        body: impl for<'a> FnOnce(&'a Arena<'a>) -> Result<R, PoolError>,
    ) -> Result<R, PoolError> {
        let core = Self::__storage();
        // SAFETY: [A4] on success this scope runs below, and `ScopeEnd`'s `Release` guard exits it.
        if !unsafe { core.enter() } {
            core.record_failure();
            if let Some(hook) = Self::__CONFIG.on_failure {
                hook(&FailureEvent {
                    pool: Self::NAME,
                    error: PoolError::Busy,
                    holders: None,
                });
            }
            return Err(PoolError::Busy);
        }
        let (base, capacity) = core.buffer();
        let arena = Arena {
            core,
            base,
            capacity,
            used: Cell::new(0),
            published: core.published_used(),
            name: Self::NAME,
            drops: Cell::new(None),
            hook: Self::__CONFIG.on_failure,
            fallback: Self::__FALLBACK,
            spill: Cell::new(None),
            _scope: PhantomData,
        };
        // An arena without `fallback` never spills: its scope's end is the one it had before fallbacks
        // existed (`FALLBACK` is a constant, so the spill's check is compiled out).
        if Self::__FALLBACK.is_some() {
            let _end = ScopeEnd::<true> {
                arena: &arena,
                zeroize: Self::__CONFIG.zeroize,
            };
            body(&arena)
        } else {
            let _end = ScopeEnd::<false> {
                arena: &arena,
                zeroize: Self::__CONFIG.zeroize,
            };
            body(&arena)
        }
    }

    /// Capacity, bytes in use by the current scope, high-water mark, scopes run and failures.
    fn stats() -> ArenaStats {
        Self::__storage().stats()
    }
}

/// The arena a scope continues in when its own is full: what `fallback = Other` declares. Made by
/// [`ArenaFallback::of`]; the runtime trusts nothing in it (the buffer comes from a sealed [`ArenaCore`],
/// entered and left as a scope would, A5).
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct ArenaFallback {
    storage: fn() -> &'static dyn ArenaCore,
    name: &'static str,
    zeroize: bool,
}

impl ArenaFallback {
    /// Arena `F` as a fallback.
    pub const fn of<F: ArenaPool>() -> Self {
        Self {
            storage: F::__storage,
            name: F::NAME,
            zeroize: F::__CONFIG.zeroize,
        }
    }

    /// The fallback arena's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

/// The fallback arena while a scope uses it: entered once, left at scope end (A5).
#[derive(Clone, Copy)]
struct Spill {
    core: &'static dyn ArenaCore,
    base: NonNull<u8>,
    capacity: usize,
    used: usize,
    zeroize: bool,
}

/// A snapshot of an arena's counters, in bytes and scopes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ArenaStats {
    /// Size of the buffer in bytes.
    pub capacity: usize,
    /// Bytes used by the scope running now (0 between scopes).
    pub used: usize,
    /// The most bytes any finished scope used (recorded when a scope ends, so that allocation touches no
    /// shared counter).
    pub high_water: usize,
    /// Scopes entered since start-up.
    pub scopes: u64,
    /// Failed allocations and refused (`Busy`) scopes since start-up.
    pub failures: u64,
}

/// The state of one arena behind an object-safe trait. Implemented by [`ArenaStorage`] only: sealed, since
/// arenas trust the buffer it reports.
pub trait ArenaCore: Sync + sealed::Sealed {
    /// Claims the arena for a scope; false if a scope is running.
    ///
    /// # Safety
    /// On `true` the caller runs the scope and calls [`ArenaCore::exit`] when it ends (A4).
    unsafe fn enter(&self) -> bool;
    /// Ends the scope that used `used` bytes: records the high-water mark and frees the arena for the next
    /// scope.
    ///
    /// # Safety
    /// The caller entered the scope with [`ArenaCore::enter`], and nothing the scope handed out is used
    /// after this (A4): a later scope reuses the buffer.
    unsafe fn exit(&self, used: usize);
    /// The buffer's start and length.
    fn buffer(&self) -> (NonNull<u8>, usize);
    /// Where the running scope publishes how many bytes it uses, for `stats()` from elsewhere.
    fn published_used(&self) -> &AtomicU32;
    /// Counts a failure.
    fn record_failure(&self);
    /// A snapshot of the counters.
    fn stats(&self) -> ArenaStats;
}

/// The static storage of an arena of `N` bytes aligned to `A`.
pub struct ArenaStorage<A: Alignment, const N: usize> {
    busy: AtomicBool,
    used: AtomicU32,
    high_water: AtomicU32,
    scopes: AtomicU32,
    failures: AtomicU32,
    buffer: Slot<[u8; N], A>,
}

// SAFETY: [A4] the buffer is only touched by the one scope that set `busy` (acquire) and cleared it (release)
// when done; everything else is atomic.
unsafe impl<A: Alignment, const N: usize> Sync for ArenaStorage<A, N> {}

impl<A: Alignment, const N: usize> ArenaStorage<A, N> {
    /// An arena with no scope running.
    #[cfg(not(loom))]
    pub const fn new() -> Self {
        const {
            assert!(
                N >= 1 && N <= u32::MAX as usize,
                "an arena holds 1 byte to 4 GiB"
            )
        };
        Self {
            busy: AtomicBool::new(false),
            used: AtomicU32::new(0),
            high_water: AtomicU32::new(0),
            scopes: AtomicU32::new(0),
            failures: AtomicU32::new(0),
            buffer: Slot::new(),
        }
    }

    /// An arena with no scope running (loom's atomics have no `const` constructor).
    #[cfg(loom)]
    pub fn new() -> Self {
        Self {
            busy: AtomicBool::new(false),
            used: AtomicU32::new(0),
            high_water: AtomicU32::new(0),
            scopes: AtomicU32::new(0),
            failures: AtomicU32::new(0),
            buffer: Slot::new(),
        }
    }
}

#[cfg(not(loom))]
impl<A: Alignment, const N: usize> Default for ArenaStorage<A, N> {
    fn default() -> Self {
        Self::new()
    }
}

mod sealed {
    pub trait Sealed {}
}

impl<A: Alignment, const N: usize> sealed::Sealed for ArenaStorage<A, N> {}

impl<A: Alignment, const N: usize> ArenaCore for ArenaStorage<A, N> {
    unsafe fn enter(&self) -> bool {
        let entered = self
            .busy
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_ok();
        if entered {
            self.scopes.fetch_add(1, Ordering::Relaxed);
        }
        entered
    }

    unsafe fn exit(&self, used: usize) {
        // Within a scope the offset only grows, so its final value is the scope's peak.
        self.high_water.fetch_max(used as u32, Ordering::Relaxed);
        self.used.store(0, Ordering::Relaxed);
        self.busy.store(false, Ordering::Release);
    }

    fn buffer(&self) -> (NonNull<u8>, usize) {
        (self.buffer.as_ptr().cast::<u8>(), N)
    }

    fn published_used(&self) -> &AtomicU32 {
        &self.used
    }

    fn record_failure(&self) {
        self.failures.fetch_add(1, Ordering::Relaxed);
    }

    fn stats(&self) -> ArenaStats {
        ArenaStats {
            capacity: N,
            used: self.used.load(Ordering::Relaxed) as usize,
            high_water: self.high_water.load(Ordering::Relaxed) as usize,
            scopes: u64::from(self.scopes.load(Ordering::Relaxed)),
            failures: u64::from(self.failures.load(Ordering::Relaxed)),
        }
    }
}

/// A value in the arena that needs dropping at the end of the scope; the records form a list, newest
/// first, stored in the arena itself.
struct DropRecord {
    drop: unsafe fn(NonNull<u8>),
    value: NonNull<u8>,
    next: Option<NonNull<DropRecord>>,
}

/// Drops the `T` at `value`.
///
/// # Safety
/// `value` points to a live `T` that is not used afterwards.
unsafe fn drop_as<T>(value: NonNull<u8>) {
    // SAFETY: [A1] the caller promises a live `T` that nobody uses afterwards.
    unsafe { value.cast::<T>().drop_in_place() };
}

/// The arena inside one [`ArenaPool::scope`]. Allocation bumps an offset; nothing is freed before the
/// scope ends. Not `Sync`: one scope, one thread.
pub struct Arena<'scope> {
    core: &'static dyn ArenaCore,
    // The buffer and the bump offset, kept here so that an allocation is a few instructions on local
    // state; the offset is also published for `stats()`.
    base: NonNull<u8>,
    capacity: usize,
    used: Cell<usize>,
    published: &'static AtomicU32,
    name: &'static str,
    drops: Cell<Option<NonNull<DropRecord>>>,
    hook: Option<fn(&FailureEvent)>,
    // `fallback = Other`, and `Other` once this scope entered it (A5).
    fallback: Option<ArenaFallback>,
    spill: Cell<Option<Spill>>,
    // Invariant in 'scope: references handed out live exactly as long as the scope.
    _scope: PhantomData<Cell<&'scope ()>>,
}

impl<'scope> Arena<'scope> {
    /// Moves `value` into the arena. O(1). Its destructor runs when the scope ends.
    ///
    /// `T: 'static`: destructors run newest first when the scope ends, so a value that could borrow another
    /// arena value could read it after it was dropped (invariant A2 of `docs/safety.md`). Values that borrow
    /// from the arena go in with [`Arena::alloc_no_drop`].
    ///
    /// # Errors
    /// [`PoolError::Exhausted`] when the rest of the buffer is too small; the error gives `value` back.
    pub fn alloc<T: 'static>(&self, value: T) -> Result<&'scope mut T, AllocError<T>> {
        self.alloc_inner(value, core::mem::needs_drop::<T>())
    }

    /// Moves `value` into the arena without ever running its destructor (its memory is still reclaimed
    /// when the scope ends), so `T` may borrow other arena values, as the nodes of a linked structure do.
    /// O(1). Leaking is safe; a value whose destructor matters goes in with [`Arena::alloc`].
    ///
    /// # Errors
    /// [`PoolError::Exhausted`] when the rest of the buffer is too small; the error gives `value` back.
    pub fn alloc_no_drop<T>(&self, value: T) -> Result<&'scope mut T, AllocError<T>> {
        self.alloc_inner(value, false)
    }

    /// Places `value`, with a drop record when `record_drop` (only ever for `T: 'static`, see A2).
    #[inline(always)]
    fn alloc_inner<T>(&self, value: T, record_drop: bool) -> Result<&'scope mut T, AllocError<T>> {
        // A value that needs dropping gets a record in the arena too; both must fit, in one buffer, before
        // anything is written or counted, so running out leaves nothing half done.
        match fit_both::<T>(
            self.base,
            self.capacity,
            self.used.get(),
            Layout::new::<T>(),
            record_drop,
        ) {
            Some((record, slot, end)) => {
                self.set_used(end);
                Ok(self.write(value, record, slot))
            }
            // Out of line, so that an arena without a fallback keeps the allocation it had before
            // fallbacks existed.
            None => self.alloc_elsewhere(value, record_drop),
        }
    }

    /// [`Arena::alloc_inner`] when this arena is full: in the fallback arena, or the failure.
    #[cold]
    #[inline(never)]
    fn alloc_elsewhere<T>(
        &self,
        value: T,
        record_drop: bool,
    ) -> Result<&'scope mut T, AllocError<T>> {
        match self.reserve_in_fallback::<T>(Layout::new::<T>(), record_drop) {
            Some((record, slot)) => Ok(self.write(value, record, slot)),
            None => Err(AllocError::new(value, self.fail(PoolError::Exhausted))),
        }
    }

    /// Moves `value` into `slot` and links its drop record, both just reserved.
    #[inline(always)]
    fn write<T>(
        &self,
        value: T,
        record: Option<NonNull<DropRecord>>,
        slot: NonNull<T>,
    ) -> &'scope mut T {
        // SAFETY: [A4, A5] the caller reserved room for a `T`, aligned, used by nothing else.
        unsafe { slot.write(value) };
        if let Some(record) = record {
            let entry = DropRecord {
                drop: drop_as::<T>,
                value: slot.cast(),
                next: self.drops.get(),
            };
            // SAFETY: [A1, A4, A5] the caller reserved an aligned `DropRecord` slot used by nothing else;
            // records are made only for `T: 'static` (A2).
            unsafe { record.write(entry) };
            self.drops.set(Some(record));
        }
        // SAFETY: [A2, A4, A5] the `T` is initialised; the reference lives for the scope, before whose end the
        // value is neither moved nor freed, and no other reference to it exists.
        unsafe { &mut *slot.as_ptr() }
    }

    /// Reserves room for `layout` (and a drop record before it when `record_drop`) in the fallback arena,
    /// which it enters the first time (A5). `None` if there is none or it has no room.
    fn reserve_in_fallback<T>(
        &self,
        layout: Layout,
        record_drop: bool,
    ) -> Option<(Option<NonNull<DropRecord>>, NonNull<T>)> {
        let mut spill = match self.spill.get() {
            Some(spill) => spill,
            None => {
                let fallback = self.fallback?;
                let core = (fallback.storage)();
                // SAFETY: [A5] on success this scope uses the fallback's buffer alone until its end, where
                // `Release` exits it.
                if !unsafe { core.enter() } {
                    return None;
                }
                let (base, capacity) = core.buffer();
                let spill = Spill {
                    core,
                    base,
                    capacity,
                    used: 0,
                    zeroize: fallback.zeroize,
                };
                self.spill.set(Some(spill));
                spill
            }
        };
        let (record, slot, end) =
            fit_both::<T>(spill.base, spill.capacity, spill.used, layout, record_drop)?;
        spill.used = end;
        self.spill.set(Some(spill));
        spill
            .core
            .published_used()
            .store(end as u32, Ordering::Relaxed);
        Some((record, slot))
    }

    /// Copies `items` into the arena. O(len) for the copy, O(1) for the allocation.
    ///
    /// # Errors
    /// [`PoolError::Exhausted`] when the rest of the buffer is too small.
    pub fn alloc_slice<T: Copy>(&self, items: &[T]) -> Result<&'scope mut [T], PoolError> {
        let layout = Layout::array::<T>(items.len()).map_err(|_| PoolError::TooLarge {
            requested: usize::MAX,
            capacity: self.capacity(),
        })?;
        let start = self.place::<T>(layout)?;
        // SAFETY: [A4] `place` reserved room for `items.len()` aligned `T`s; `T: Copy` needs no drop record.
        unsafe {
            core::ptr::copy_nonoverlapping(items.as_ptr(), start.as_ptr(), items.len());
            Ok(core::slice::from_raw_parts_mut(start.as_ptr(), items.len()))
        }
    }

    /// Copies `text` into the arena.
    ///
    /// # Errors
    /// [`PoolError::Exhausted`] when the rest of the buffer is too small.
    pub fn alloc_str(&self, text: &str) -> Result<&'scope mut str, PoolError> {
        let bytes = self.alloc_slice(text.as_bytes())?;
        // SAFETY: [local] the bytes were copied from a `str`, so they are UTF-8.
        Ok(unsafe { core::str::from_utf8_unchecked_mut(bytes) })
    }

    /// Bytes in use in this scope (in this arena and, once entered, its fallback).
    pub fn used(&self) -> usize {
        self.used.get() + self.spill.get().map_or(0, |spill| spill.used)
    }

    /// Size of the whole buffer (and of the fallback arena's, once this scope has entered it).
    pub fn capacity(&self) -> usize {
        self.capacity + self.spill.get().map_or(0, |spill| spill.capacity)
    }

    /// Bytes still free (before alignment padding).
    pub fn remaining(&self) -> usize {
        self.capacity() - self.used()
    }

    /// Reserves room for `layout`, aligned (in the fallback arena if this one is full).
    fn place<T>(&self, layout: Layout) -> Result<NonNull<T>, PoolError> {
        match fit::<T>(self.base, self.capacity, self.used.get(), layout) {
            Some((start, end)) => {
                self.set_used(end);
                Ok(start)
            }
            None => self.place_elsewhere(layout),
        }
    }

    /// [`Arena::place`] when this arena is full: in the fallback arena, or the failure.
    #[cold]
    #[inline(never)]
    fn place_elsewhere<T>(&self, layout: Layout) -> Result<NonNull<T>, PoolError> {
        match self.reserve_in_fallback::<T>(layout, false) {
            Some((_, start)) => Ok(start),
            None => Err(self.fail(PoolError::Exhausted)),
        }
    }

    #[inline(always)]
    fn set_used(&self, used: usize) {
        self.used.set(used);
        self.published.store(used as u32, Ordering::Relaxed);
    }

    #[cold]
    fn fail(&self, error: PoolError) -> PoolError {
        self.core.record_failure();
        if let Some(hook) = self.hook {
            hook(&FailureEvent {
                pool: self.name,
                error,
                holders: None,
            });
        }
        error
    }
}

/// Where `layout` would go in the buffer `base .. base + capacity` if placed at offset `from` or after:
/// its aligned address and the offset just past it, or `None` if it does not fit. Reserves nothing.
fn fit<T>(
    base: NonNull<u8>,
    capacity: usize,
    from: usize,
    layout: Layout,
) -> Option<(NonNull<T>, usize)> {
    if layout.size() == 0 {
        // Zero bytes need no room, whatever their alignment: a dangling pointer aligned for `T` (the
        // only callers pass `T`'s layout or an empty array of `T`) is a valid place for them.
        return Some((NonNull::dangling(), from));
    }
    let start = from.checked_add(
        base.as_ptr()
            .wrapping_add(from)
            .align_offset(layout.align()),
    )?;
    let end = start
        .checked_add(layout.size())
        .filter(|&end| end <= capacity)?;
    // SAFETY: [A4, A5] `start <= end <= capacity`: the address is inside the buffer, which the scope holds
    // (or one past its end for a zero-sized value).
    Some((unsafe { base.add(start) }.cast::<T>(), end))
}

/// [`fit`] for a drop record (when `record_drop`) followed by `layout`, both in one buffer.
#[inline(always)]
#[allow(clippy::type_complexity)]
fn fit_both<T>(
    base: NonNull<u8>,
    capacity: usize,
    from: usize,
    layout: Layout,
    record_drop: bool,
) -> Option<(Option<NonNull<DropRecord>>, NonNull<T>, usize)> {
    let (record, after_record) = if record_drop {
        let (record, end) = fit::<DropRecord>(base, capacity, from, Layout::new::<DropRecord>())?;
        (Some(record), end)
    } else {
        (None, from)
    };
    let (slot, end) = fit::<T>(base, capacity, after_record, layout)?;
    Some((record, slot, end))
}

/// Ends a scope even when its body panics: runs the destructors, newest first, wipes if asked, releases.
struct ScopeEnd<'a, 'scope, const FALLBACK: bool> {
    arena: &'a Arena<'scope>,
    zeroize: bool,
}

impl<const FALLBACK: bool> Drop for ScopeEnd<'_, '_, FALLBACK> {
    fn drop(&mut self) {
        // Wiped and released even if a destructor below panics (A3): the guard's own drop does both.
        let _release = Release::<FALLBACK> {
            arena: self.arena,
            zeroize: self.zeroize,
        };
        // Until the list stays empty. Only `'static` values have records (A2), and they cannot reach the
        // arena to allocate more while they drop; the loop is what keeps A3 true if that ever changes.
        while let Some(first) = self.arena.drops.take() {
            let mut next = Some(first);
            while let Some(record) = next {
                // SAFETY: [A1] records were written by `alloc_inner` and are read once here, newest first.
                let record = unsafe { record.read() };
                next = record.next;
                // Off the list before its drop runs: if that panics, the values still listed are leaked
                // (safe) and none is dropped twice.
                self.arena.drops.set(next);
                // SAFETY: [A1, A2] the record names a live value of the type its `drop` function was made for (A1);
                // the scope is over, so nothing uses the value afterwards, and the record is off the list.
                unsafe { (record.drop)(record.value) };
            }
        }
    }
}

/// Wipes (in `zeroize` arenas) and releases the arena when dropped, so that both happen even when a
/// destructor panics at scope end.
struct Release<'a, 'scope, const FALLBACK: bool> {
    arena: &'a Arena<'scope>,
    zeroize: bool,
}

impl<const FALLBACK: bool> Drop for Release<'_, '_, FALLBACK> {
    fn drop(&mut self) {
        // Only an arena with a fallback can have spilled (`reserve_in_fallback` needs `fallback`).
        if FALLBACK {
            if let Some(spill) = self.arena.spill.take() {
                if spill.zeroize {
                    wipe(spill.base, spill.used, 1);
                }
                // SAFETY: [A5] this scope entered the fallback arena when it first spilled; the references
                // it handed out from there are bound to the scope's lifetime too, and every destructor has
                // run.
                unsafe { spill.core.exit(spill.used) };
            }
        }
        if self.zeroize {
            wipe(self.arena.base, self.arena.used.get(), 1);
        }
        // SAFETY: [A4] this guard ends the scope that `scope` entered; the references it handed out are
        // bound to the scope's lifetime, which ends with the body.
        unsafe { self.arena.core.exit(self.arena.used.get()) };
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::align::Align16;

    static WIPED: ArenaStorage<Align16, 64> = ArenaStorage::new();
    static KEPT: ArenaStorage<Align16, 64> = ArenaStorage::new();
    static BOMBED: ArenaStorage<Align16, 64> = ArenaStorage::new();

    struct Bombed;
    impl ArenaPool for Bombed {
        const NAME: &'static str = "Bombed";
        const __CONFIG: PoolConfig = PoolConfig {
            zeroize: true,
            on_failure: None,
            ..PoolConfig::DEFAULT
        };
        fn __storage() -> &'static dyn ArenaCore {
            &BOMBED
        }
    }

    struct Wiped;
    impl ArenaPool for Wiped {
        const NAME: &'static str = "Wiped";
        const __CONFIG: PoolConfig = PoolConfig {
            zeroize: true,
            on_failure: None,
            ..PoolConfig::DEFAULT
        };
        fn __storage() -> &'static dyn ArenaCore {
            &WIPED
        }
    }

    struct Kept;
    impl ArenaPool for Kept {
        const NAME: &'static str = "Kept";
        const __CONFIG: PoolConfig = PoolConfig::DEFAULT;
        fn __storage() -> &'static dyn ArenaCore {
            &KEPT
        }
    }

    /// The arena's raw bytes, read between scopes (no scope can run: the tests hold no arena).
    fn raw_bytes(storage: &ArenaStorage<Align16, 64>) -> [u8; 64] {
        let (base, len) = storage.buffer();
        assert_eq!(len, 64);
        // SAFETY: [A4] no scope is running, so nothing else touches the buffer; its bytes are initialised
        // (zeroed at start, then written by the values of earlier scopes or wiped).
        unsafe { base.cast::<[u8; 64]>().read() }
    }

    #[test]
    fn a_zeroize_arena_is_wiped_when_its_scope_ends() {
        let used = Wiped::scope(|arena| {
            arena.alloc([0xA5u8; 40]).map_err(PoolError::from)?;
            arena.alloc_str("secret")?;
            Ok(arena.used())
        })
        .unwrap();
        assert_eq!(used, 46);
        assert_eq!(raw_bytes(&WIPED), [0; 64]);
    }

    #[test]
    fn a_zeroize_arena_is_wiped_even_when_a_destructor_panics_at_scope_end() {
        extern crate std;
        struct Bomb([u8; 8]);
        impl Drop for Bomb {
            fn drop(&mut self) {
                panic!("destructor of {:?} fails", self.0);
            }
        }
        let result = std::panic::catch_unwind(|| {
            Bombed::scope(|arena| {
                arena.alloc([0x5Au8; 24]).map_err(PoolError::from)?;
                arena.alloc(Bomb([0xA5; 8])).map_err(PoolError::from)?;
                Ok(())
            })
        });
        assert!(result.is_err(), "the destructor's panic reaches the caller");
        assert_eq!(
            raw_bytes(&BOMBED),
            [0; 64],
            "wiped although a destructor panicked"
        );
        assert_eq!(
            Bombed::stats().used,
            0,
            "and released: a new scope can start"
        );
        assert!(Bombed::scope(|_| Ok(())).is_ok());
    }

    #[test]
    fn zero_sized_values_need_no_room_whatever_their_alignment() {
        #[repr(align(4096))]
        struct Aligned;
        Kept::scope(|arena| {
            let before = arena.used();
            let value: &mut Aligned = arena.alloc(Aligned).map_err(PoolError::from)?;
            assert_eq!(core::ptr::from_mut(value) as usize % 4096, 0);
            let empty: &mut [Aligned; 0] = arena.alloc_no_drop([]).map_err(PoolError::from)?;
            assert!(empty.is_empty());
            assert_eq!(arena.used(), before);
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn an_arena_without_zeroize_keeps_its_bytes() {
        Kept::scope(|arena| {
            arena.alloc([0xA5u8; 40]).map_err(PoolError::from)?;
            Ok(())
        })
        .unwrap();
        assert_eq!(raw_bytes(&KEPT)[..40], [0xA5; 40]);
    }
}

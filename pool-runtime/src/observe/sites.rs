//! Allocation sites (`track_callers`): where each block in use was allocated, and the iterators over the
//! blocks in use that a panic handler, a shell command or a failure hook reads without a heap.

use core::fmt;
use core::marker::PhantomData;
use core::panic::Location;

use crate::free_list::in_use;
use crate::pool::StaticPool;
use crate::storage::Storage;
use crate::sync::{AtomicPtr, Ordering};

/// A source location, as `#[track_caller]` gives it: `file:line:column`.
pub type Site = &'static Location<'static>;

/// The allocation site of each block of a pool declared with `track_callers`: one word per block.
pub struct Sites<const N: usize> {
    /// Null, or a pointer from a `Site` (T1).
    sites: [AtomicPtr<Location<'static>>; N],
}

impl<const N: usize> Sites<N> {
    /// No site recorded.
    #[cfg(not(loom))]
    pub const fn new() -> Self {
        Self {
            sites: [const { AtomicPtr::new(core::ptr::null_mut()) }; N],
        }
    }
}

#[cfg(not(loom))]
impl<const N: usize> Default for Sites<N> {
    fn default() -> Self {
        Self::new()
    }
}

/// What the runtime asks of a pool's site table: [`Sites`] only. Sealed.
pub trait SiteTable: Sync + sealed::Sealed {
    /// Records that block `index` was allocated at `site`.
    fn record(&self, index: usize, site: Site);
    /// Where block `index` was last allocated, if recorded.
    fn site(&self, index: usize) -> Option<Site>;
    /// Forgets block `index`'s site: it was allocated where no site is known (`alloc_async`, a chain, C).
    fn clear(&self, index: usize);
}

mod sealed {
    pub trait Sealed {}
}

impl<const N: usize> sealed::Sealed for Sites<N> {}

impl<const N: usize> SiteTable for Sites<N> {
    #[inline]
    fn record(&self, index: usize, site: Site) {
        if let Some(slot) = self.sites.get(index) {
            // Relaxed: a reader racing this allocation may see the block's previous site (a diagnostic,
            // documented); the pointer itself is always a valid `Site` (T1).
            slot.store(core::ptr::from_ref(site).cast_mut(), Ordering::Relaxed);
        }
    }

    fn clear(&self, index: usize) {
        if let Some(slot) = self.sites.get(index) {
            slot.store(core::ptr::null_mut(), Ordering::Relaxed);
        }
    }

    fn site(&self, index: usize) -> Option<Site> {
        let site = self.sites.get(index)?.load(Ordering::Relaxed);
        // SAFETY: [T1] the slot holds null or a pointer `record` stored from a `&'static Location<'static>`,
        // which is valid and immutable for the whole program.
        unsafe { site.as_ref() }
    }
}

/// Records the caller's location as block `index`'s allocation site, in pools with `track_callers`; nothing
/// (and no code) in the others.
#[track_caller]
#[inline(always)]
pub(crate) fn track<P: StaticPool>(index: usize) {
    if let Some(sites) = P::__sites() {
        sites.record(index, Location::caller());
    }
}

/// Forgets block `index`'s site in pools with `track_callers` (a block taken where no site is known:
/// `alloc_async`, a chain, C); nothing in the others.
#[inline(always)]
pub(crate) fn untrack<P: StaticPool>(index: usize) {
    if let Some(sites) = P::__sites() {
        sites.clear(index);
    }
}

/// A block in use: its index and where it was allocated (`None` in pools without `track_callers`, and for
/// blocks taken by `alloc_async`, or from C).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Holder {
    /// The block's index in the pool.
    pub index: usize,
    /// Where it was allocated.
    pub site: Option<Site>,
}

/// The blocks in use of pool `P`, lowest index first: [`StaticPool::holders`]. None in pools declared with
/// `stats = false`, which keep no block states.
pub struct Holders<P> {
    next: usize,
    _pool: PhantomData<fn() -> P>,
}

impl<P: StaticPool> Holders<P> {
    pub(crate) fn new() -> Self {
        Self {
            next: 0,
            _pool: PhantomData,
        }
    }
}

impl<P: StaticPool> Iterator for Holders<P> {
    type Item = Holder;

    fn next(&mut self) -> Option<Holder> {
        let storage = P::__storage();
        while self.next < storage.capacity() {
            let index = self.next;
            self.next += 1;
            if in_use(storage.state(index)) {
                let site = P::__sites().and_then(|sites| sites.site(index));
                return Some(Holder { index, site });
            }
        }
        None
    }
}

/// The blocks in use of pool `P` grouped by allocation site, in the order each site first holds a block:
/// [`StaticPool::holder_sites`]. O(capacity²) in all, without a heap: for a panic handler or a shell, not
/// for a hot path. `Display` prints `3/8 in use: 2 at src/radio.rs:41:17, 1 at src/log.rs:88:9`.
pub struct HolderSites<P> {
    holders: Holders<P>,
}

impl<P: StaticPool> HolderSites<P> {
    pub(crate) fn new() -> Self {
        Self {
            holders: Holders::new(),
        }
    }
}

impl<P: StaticPool> Iterator for HolderSites<P> {
    /// A site (`None`: not recorded) and how many blocks in use it holds.
    type Item = (Option<Site>, usize);

    fn next(&mut self) -> Option<Self::Item> {
        for holder in self.holders.by_ref() {
            let site = holder.site;
            // Only the first block of each site starts a group.
            let seen = Holders::<P>::new()
                .take_while(|earlier| earlier.index < holder.index)
                .any(|earlier| same(earlier.site, site));
            if !seen {
                let count = Holders::<P>::new()
                    .filter(|other| same(other.site, site))
                    .count();
                return Some((site, count));
            }
        }
        None
    }
}

/// Whether two sites are the same place in the source.
fn same(a: Option<Site>, b: Option<Site>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        (None, None) => true,
        _ => false,
    }
}

impl<P: StaticPool> fmt::Display for HolderSites<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let used = P::stats().used;
        write!(f, "{used}/{} in use", P::CAPACITY)?;
        if !P::__storage().tracks_blocks() {
            // `stats = false`: no block states, so no holders to list (review round 13).
            return f.write_str(" (the pool keeps no block states: no holders to list)");
        }
        for (at, (site, count)) in HolderSites::<P>::new().enumerate() {
            f.write_str(if at == 0 { ": " } else { ", " })?;
            match site {
                Some(site) => write!(f, "{count} at {site}")?,
                None => write!(f, "{count} at an unrecorded site")?,
            }
        }
        Ok(())
    }
}

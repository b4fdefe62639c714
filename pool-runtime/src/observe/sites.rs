//! Allocation sites (`track_callers`): where each block in use was allocated, and the iterators over the
//! blocks in use that a panic handler, a shell command or a failure hook reads without a heap.

use core::fmt;
use core::marker::PhantomData;
use core::panic::Location;

use crate::bytes::BytePool;
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
        let holder = self.holders.by_ref().find(|holder| {
            // Only the first block of each site starts a group.
            !Holders::<P>::new()
                .take_while(|earlier| earlier.index < holder.index)
                .any(|earlier| same(earlier.site, holder.site))
        })?;
        let count = Holders::<P>::new()
            .filter(|other| same(other.site, holder.site))
            .count();
        Some((holder.site, count))
    }
}

/// The check of `assert_empty` (typed and byte pools): panics, naming pool `name` and who holds its
/// blocks, if `used` is not zero. The message is built only then.
#[track_caller]
pub(crate) fn assert_none_in_use(name: &str, used: usize, holders: impl fmt::Display) {
    if used != 0 {
        panic!("pool `{name}` has blocks in use: {holders}");
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
        write_groups(f, HolderSites::<P>::new())
    }
}

/// `: 2 at src/radio.rs:41:17, 1 at an unrecorded site` (nothing for no groups).
fn write_groups(
    f: &mut fmt::Formatter<'_>,
    groups: impl Iterator<Item = (Option<Site>, usize)>,
) -> fmt::Result {
    for (at, (site, count)) in groups.enumerate() {
        f.write_str(if at == 0 { ": " } else { ", " })?;
        match site {
            Some(site) => write!(f, "{count} at {site}")?,
            None => write!(f, "{count} at an unrecorded site")?,
        }
    }
    Ok(())
}

/// A block in use in a byte pool: its class, the class's block size, its index in the class and where it
/// was allocated (`None` in pools without `track_callers`, and for blocks taken through the allocator
/// interfaces, by `alloc_bytes_async` or from C).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteHolder {
    /// The class's number (0 is the smallest), as in `class_stats`.
    pub class: usize,
    /// The class's block size in bytes.
    pub block_size: usize,
    /// The block's index in its class.
    pub index: usize,
    /// Where it was allocated.
    pub site: Option<Site>,
}

/// The blocks in use of byte pool `P`, class by class, lowest index first: [`BytePool::holders`].
pub struct ByteHolders<P> {
    class: usize,
    next: usize,
    _pool: PhantomData<fn() -> P>,
}

impl<P: BytePool> ByteHolders<P> {
    pub(crate) fn new() -> Self {
        Self {
            class: 0,
            next: 0,
            _pool: PhantomData,
        }
    }
}

impl<P: BytePool> Iterator for ByteHolders<P> {
    type Item = ByteHolder;

    fn next(&mut self) -> Option<ByteHolder> {
        let classes = crate::bytes::classes::<P>();
        while let Some(class) = classes.get(self.class) {
            while self.next < class.capacity() {
                let index = self.next;
                self.next += 1;
                if class.in_use(index) {
                    let site = P::__sites()
                        .and_then(|sites| sites.get(self.class))
                        .and_then(|sites| sites.site(index));
                    return Some(ByteHolder {
                        class: self.class,
                        block_size: class.block_size(),
                        index,
                        site,
                    });
                }
            }
            self.class += 1;
            self.next = 0;
        }
        None
    }
}

/// The blocks in use of byte pool `P` grouped by allocation site: [`BytePool::holder_sites`], as
/// [`HolderSites`] is for typed pools. `Display` prints `3/40 in use: 2 at src/net.rs:12:9, 1 at ..`.
pub struct ByteHolderSites<P> {
    holders: ByteHolders<P>,
    /// How many blocks `holders` has yielded.
    seen: usize,
}

impl<P: BytePool> ByteHolderSites<P> {
    pub(crate) fn new() -> Self {
        Self {
            holders: ByteHolders::new(),
            seen: 0,
        }
    }
}

impl<P: BytePool> Iterator for ByteHolderSites<P> {
    /// A site (`None`: not recorded) and how many blocks in use it holds.
    type Item = (Option<Site>, usize);

    fn next(&mut self) -> Option<Self::Item> {
        for holder in self.holders.by_ref() {
            let earlier = self.seen;
            self.seen += 1;
            // Only the first block of each site starts a group.
            let seen = ByteHolders::<P>::new()
                .take(earlier)
                .any(|other| same(other.site, holder.site));
            if !seen {
                let count = ByteHolders::<P>::new()
                    .filter(|other| same(other.site, holder.site))
                    .count();
                return Some((holder.site, count));
            }
        }
        None
    }
}

impl<P: BytePool> fmt::Display for ByteHolderSites<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stats = P::stats();
        write!(f, "{}/{} in use", stats.used, stats.capacity)?;
        write_groups(f, ByteHolderSites::<P>::new())
    }
}

/// Who holds a pool's blocks, for an `on_failure` hook ([`FailureEvent::holders`](crate::FailureEvent))
/// and a registry entry: `Display` writes what the pool's `holder_sites()` writes, as the pool is when it
/// is written (`8/8 in use: 6 at src/radio.rs:41:17, 2 at src/log.rs:88:9`). No heap; O(capacity²).
#[derive(Clone, Copy)]
pub struct HolderSummary {
    write: fn(&mut fmt::Formatter<'_>) -> fmt::Result,
}

impl HolderSummary {
    /// The summary of typed pool `P`.
    pub(crate) fn typed<P: StaticPool>() -> Self {
        Self {
            write: |f| fmt::Display::fmt(&HolderSites::<P>::new(), f),
        }
    }

    /// The summary of byte pool `P`.
    pub(crate) fn bytes<P: BytePool>() -> Self {
        Self {
            write: |f| fmt::Display::fmt(&ByteHolderSites::<P>::new(), f),
        }
    }
}

impl fmt::Display for HolderSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.write)(f)
    }
}

impl fmt::Debug for HolderSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

/// Two summaries are equal when they write with the same function, which is one per pool; the same pool's
/// function instantiated in two codegen units may compare unequal (as function pointers can), never two
/// pools' equal.
impl PartialEq for HolderSummary {
    fn eq(&self, other: &Self) -> bool {
        core::ptr::fn_addr_eq(self.write, other.write)
    }
}

impl Eq for HolderSummary {}

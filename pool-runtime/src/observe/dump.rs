//! The `Debug` dump of a pool: its counters and which blocks are in use.

use core::fmt;

use crate::arena::ArenaPool;
use crate::bytes::BytePool;
use crate::free_list::in_use;
use crate::pool::StaticPool;
use crate::refcount::RefSlot;
use crate::stats::PoolStats;
use crate::storage::Storage;

/// Writes `Name { capacity, used, high_water, allocs, frees, failures, in_use }`, where `in_use` lists the
/// indices of the blocks in use, or maps each to its reference count in shared pools; pools declared with
/// `track_callers` add `held_at`, the blocks in use grouped by allocation site
/// (`["3 at src/radio.rs:41:17", ..]`). Pools declared with `stats = false` keep neither the counts nor the
/// marks: theirs is `Name { capacity, used, failures }`.
pub fn fmt_pool<P: StaticPool>(f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let stats = P::stats();
    let mut dump = f.debug_struct(P::NAME);
    dump.field("capacity", &stats.capacity)
        .field("used", &stats.used);
    if !P::__storage().tracks_blocks() {
        return dump.field("failures", &stats.failures).finish();
    }
    dump.field("high_water", &stats.high_water)
        .field("allocs", &stats.allocs)
        .field("frees", &stats.frees)
        .field("failures", &stats.failures)
        .field("in_use", &InUse::<P>(core::marker::PhantomData));
    if P::__sites().is_some() {
        dump.field("held_at", &HeldAt::<P>(core::marker::PhantomData));
    }
    dump.finish()
}

/// The blocks in use grouped by site, as a list of `"N at file:line:column"`.
struct HeldAt<P>(core::marker::PhantomData<P>);

impl<P: StaticPool> fmt::Debug for HeldAt<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(P::holder_sites().map(|(site, count)| Group(site, count)))
            .finish()
    }
}

struct InUse<P>(core::marker::PhantomData<P>);

impl<P: StaticPool> fmt::Debug for InUse<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let storage = P::__storage();
        let live = (0..storage.capacity()).filter(|&index| in_use(storage.state(index)));
        if <<P::__Storage as Storage>::Refs as RefSlot>::COUNTS {
            f.debug_map()
                .entries(live.map(|index| (index, storage.ref_count(index).unwrap_or(0))))
                .finish()
        } else {
            f.debug_list().entries(live).finish()
        }
    }
}

/// Writes `Name { classes: [{ block_size, used, capacity, high_water }..], failures }` for a byte pool;
/// pools declared with `track_callers` add `held_at`, as typed pools do.
pub fn fmt_byte_pool<P: BytePool>(f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let mut dump = f.debug_struct(P::NAME);
    dump.field("classes", &Classes::<P>(core::marker::PhantomData))
        .field("failures", &P::stats().failures);
    if P::__sites().is_some() {
        dump.field("held_at", &ByteHeldAt::<P>(core::marker::PhantomData));
    }
    dump.finish()
}

/// One class of a byte pool in its dump.
struct Class(usize, PoolStats);

impl fmt::Debug for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Class")
            .field("block_size", &self.0)
            .field("used", &self.1.used)
            .field("capacity", &self.1.capacity)
            .field("high_water", &self.1.high_water)
            .finish()
    }
}

/// A byte pool's classes in its dump.
struct Classes<P>(core::marker::PhantomData<P>);

impl<P: BytePool> fmt::Debug for Classes<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(
                (0..)
                    .map_while(P::class_stats)
                    .map(|(size, stats)| Class(size, stats)),
            )
            .finish()
    }
}

/// A group of blocks in use with one allocation site, as `"N at file:line:column"`.
struct Group(Option<crate::sites::Site>, usize);

impl fmt::Debug for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(site) => write!(f, "\"{} at {site}\"", self.1),
            None => write!(f, "\"{} at an unrecorded site\"", self.1),
        }
    }
}

/// A byte pool's buffers in use grouped by site, as a list of `"N at file:line:column"`.
struct ByteHeldAt<P>(core::marker::PhantomData<P>);

impl<P: BytePool> fmt::Debug for ByteHeldAt<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(P::holder_sites().map(|(site, count)| Group(site, count)))
            .finish()
    }
}

/// Writes `Name { capacity, used, high_water, scopes, failures }` for an arena.
pub fn fmt_arena<P: ArenaPool>(f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let stats = P::stats();
    f.debug_struct(P::NAME)
        .field("capacity", &stats.capacity)
        .field("used", &stats.used)
        .field("high_water", &stats.high_water)
        .field("scopes", &stats.scopes)
        .field("failures", &stats.failures)
        .finish()
}

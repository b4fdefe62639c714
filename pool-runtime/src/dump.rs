//! The `Debug` dump of a pool: its counters and which blocks are in use.

use core::fmt;

use crate::free_list::in_use;
use crate::pool::StaticPool;
use crate::refcount::RefSlot;
use crate::storage::Storage;

/// Writes `Name { capacity, used, high_water, allocs, frees, failures, in_use }`, where `in_use` lists the
/// indices of the blocks in use, or maps each to its reference count in shared pools.
pub fn fmt_pool<P: StaticPool>(f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let stats = P::stats();
    f.debug_struct(P::NAME)
        .field("capacity", &stats.capacity)
        .field("used", &stats.used)
        .field("high_water", &stats.high_water)
        .field("allocs", &stats.allocs)
        .field("frees", &stats.frees)
        .field("failures", &stats.failures)
        .field("in_use", &InUse::<P>(core::marker::PhantomData))
        .finish()
}

struct InUse<P>(core::marker::PhantomData<P>);

impl<P: StaticPool> fmt::Debug for InUse<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let storage = P::__storage();
        let live = (0..storage.capacity()).filter(|&index| in_use(storage.state(index)));
        if <<P::__Storage as Storage>::Refs as RefSlot>::COUNTS {
            f.debug_map()
                .entries(live.map(|index| (index, storage.refs(index).current().unwrap_or(0))))
                .finish()
        } else {
            f.debug_list().entries(live).finish()
        }
    }
}

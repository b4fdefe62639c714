//! `PoolWeak`: a 4-byte, `Copy` weak handle checked by generation.

use core::fmt;
use core::hash::{Hash, Hasher};
use core::marker::PhantomData;

use crate::free_list::stamp;
use crate::rc::{PoolRc, SharedPool};
use crate::refcount::Counter;
use crate::storage::Storage;

/// A weak handle to an item of a shared pool: a block index and the item's generation, 4 bytes, `Copy`,
/// holding no count. Store it in tables, messages or interrupt-shared statics ([`PoolWeak::to_bits`] fits
/// an `AtomicU32`).
///
/// [`upgrade`](PoolWeak::upgrade) gives a [`PoolRc`] while the item lives and `None` once the last strong
/// handle is gone, also after the block has been reused for a newer item: the generation in the block's
/// state word no longer matches. Because a weak handle holds no count, a structure whose items point at
/// each other through `PoolWeak` (parent ↔ child, a ring of nodes) cannot keep itself alive: use weak
/// handles for back-references to break reference cycles.
///
/// The generation has 14 bits: a weak handle kept while its block is freed and reused 16384 times may
/// upgrade to the item then in the block, which is always a valid item of the same type.
///
/// ```
/// use blockpool::{memory_pool, PoolRc};
///
/// #[memory_pool(count = 2, refcount)]
/// pub struct Node { pub value: u32 }
///
/// let strong = NodePool::alloc_shared(Node { value: 5 }).unwrap();
/// let weak = PoolRc::downgrade(&strong);
/// assert_eq!(weak.upgrade().map(|n| n.value), Some(5));
/// drop(strong);
/// assert!(weak.upgrade().is_none()); // freed
/// let _reuse = NodePool::alloc_shared(Node { value: 6 }).unwrap();
/// assert!(weak.upgrade().is_none()); // same block, newer item
/// ```
pub struct PoolWeak<P: SharedPool> {
    index: u16,
    stamp: u16,
    // Not `Send`/`Sync` by itself: see the impls below.
    _pool: PhantomData<*const P>,
}

// SAFETY: upgrading on another thread creates a `PoolRc` there, which shares the item across threads and
// may drop it there: allowed when the item is `Send + Sync`, exactly as for `PoolRc`.
unsafe impl<P: SharedPool> Send for PoolWeak<P> where P::Item: Send + Sync {}
// SAFETY: as for `Send`.
unsafe impl<P: SharedPool> Sync for PoolWeak<P> where P::Item: Send + Sync {}

impl<P: SharedPool> PoolWeak<P> {
    pub(crate) fn new(index: usize, state: u16) -> Self {
        Self {
            index: index as u16,
            stamp: stamp(state),
            _pool: PhantomData,
        }
    }

    /// A strong handle to the item, if it is still alive. Race-free against a concurrent drop of the
    /// last strong handle. `None` also when the counter is at its maximum.
    pub fn upgrade(&self) -> Option<PoolRc<P>> {
        let index = usize::from(self.index);
        if index >= P::CAPACITY {
            return None;
        }
        let storage = P::__storage();
        if stamp(storage.state(index)) != self.stamp {
            return None;
        }
        // A count above zero means the block holds a live shared item, maybe a newer one than ours; once
        // we hold a count it cannot be freed, so the second look at the generation is conclusive.
        crate::rc::counter::<P>(index).increment_if_live()?;
        // SAFETY: the increment succeeded, so the block holds a live item and the counter counts the new
        // handle.
        let strong = unsafe { PoolRc::from_block(storage.block(index)) };
        if stamp(storage.state(index)) != self.stamp {
            // A newer item: give our count back (possibly freeing that item, as its last handle would).
            drop(strong);
            return None;
        }
        Some(strong)
    }

    /// The index of the block.
    pub fn index(&self) -> usize {
        usize::from(self.index)
    }

    /// The generation of the item in its block.
    pub fn generation(&self) -> u16 {
        self.stamp >> 2
    }

    /// The handle as 32 bits, for an `AtomicU32` or a message.
    pub fn to_bits(self) -> u32 {
        (u32::from(self.index) << 16) | u32::from(self.stamp)
    }

    /// A handle from [`PoolWeak::to_bits`]. Any value is safe: one that names no live item never upgrades.
    pub fn from_bits(bits: u32) -> Self {
        Self {
            index: (bits >> 16) as u16,
            stamp: bits as u16,
            _pool: PhantomData,
        }
    }
}

impl<P: SharedPool> Clone for PoolWeak<P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P: SharedPool> Copy for PoolWeak<P> {}

impl<P: SharedPool> PartialEq for PoolWeak<P> {
    fn eq(&self, other: &Self) -> bool {
        self.index == other.index && self.stamp == other.stamp
    }
}

impl<P: SharedPool> Eq for PoolWeak<P> {}

impl<P: SharedPool> Hash for PoolWeak<P> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.to_bits().hash(state);
    }
}

impl<P: SharedPool> fmt::Debug for PoolWeak<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolWeak")
            .field("pool", &P::NAME)
            .field("index", &self.index)
            .field("generation", &self.generation())
            .finish()
    }
}

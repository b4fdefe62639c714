//! `PoolWeak`: an 8-byte, `Copy` weak handle checked by a 32-bit generation that never wraps.

use core::fmt;
use core::hash::{Hash, Hasher};
use core::marker::PhantomData;

use crate::rc::{PoolRc, SharedPool};
use crate::refcount::Counter;
use crate::storage::Storage;

/// A weak handle to an item of a shared pool: a block index and the item's 32-bit generation, 8 bytes,
/// `Copy`, holding no count. Store it in tables, messages or interrupt-shared statics
/// ([`PoolWeak::to_bits`] fits an `AtomicU64`).
///
/// [`upgrade`](PoolWeak::upgrade) gives a [`PoolRc`] while the item lives and `None` once the last strong
/// handle is gone, also after the block has been reused for a newer item: each block counts the items it
/// has held, and a weak handle remembers which one it was made for. The count never wraps: a block whose
/// count reaches 2³² − 1 is retired (kept out of the free list for good; it shows as in use), so a weak
/// handle upgrades to the item it was made from and to no other, however long it is kept.
///
/// Because a weak handle holds no count, a structure whose items point at each other through `PoolWeak`
/// (parent ↔ child, a ring of nodes) cannot keep itself alive: use weak handles for back-references to
/// break reference cycles.
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
    generation: u32,
    index: u16,
    // Not `Send`/`Sync` by itself: see the impls below.
    _pool: PhantomData<*const P>,
}

// SAFETY: [R1, W3] upgrading on another thread creates a `PoolRc` there, which shares the item across threads and
// may drop it there: allowed when the item is `Send + Sync`, exactly as for `PoolRc`.
unsafe impl<P: SharedPool> Send for PoolWeak<P> where P::Item: Send + Sync {}
// SAFETY: [W3] as for `Send`.
unsafe impl<P: SharedPool> Sync for PoolWeak<P> where P::Item: Send + Sync {}

impl<P: SharedPool> PoolWeak<P> {
    pub(crate) fn new(index: usize, generation: u32) -> Self {
        Self {
            generation,
            index: index as u16,
            _pool: PhantomData,
        }
    }

    /// A strong handle to the item, if it is still alive. Race-free against a concurrent drop of the
    /// last strong handle. `None` also when the counter is at its maximum, and while the count is locked:
    /// from a successful `PoolRc::get_mut` or `PoolRc::make_mut` of the only strong handle until that
    /// handle is next cloned, downgraded or dropped (the lock outlives the `&mut` borrow, since nothing
    /// runs when a borrow ends).
    pub fn upgrade(&self) -> Option<PoolRc<P>> {
        let index = usize::from(self.index);
        // The last generation is spent (W2): a handle made for an item in it never upgrades, so that
        // detaching the weak handles of such an item (which cannot move to a newer generation) still works.
        if index >= P::CAPACITY || self.generation == u32::MAX {
            return None;
        }
        let storage = P::__storage();
        if storage.generation(index) != self.generation {
            return None;
        }
        // A count above zero means the block holds a live shared item, maybe a newer one than ours (the
        // block was freed and reused since the look above); once we hold a count it cannot be freed, so
        // the second look at the generation is conclusive (W1).
        crate::rc::counter::<P>(index).increment_if_live()?;
        // SAFETY: [R1, R2, W1] the increment succeeded, so the block holds a live item and the counter counts the new
        // handle.
        let strong = unsafe { PoolRc::from_block(storage.block(index)) };
        if storage.generation(index) != self.generation {
            // A newer item: give our count back (possibly freeing that item, as its last handle would).
            // Only items that are `Send + Sync` can be freed by another thread between the two looks, so
            // only those can be reached here, and dropping one on this thread is allowed (W3).
            drop(strong);
            return None;
        }
        Some(strong)
    }

    /// The index of the block.
    pub fn index(&self) -> usize {
        usize::from(self.index)
    }

    /// The generation of the item in its block: how many items the block held before it.
    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// The handle as 64 bits (block index in bits 32..48, generation in bits 0..32), for an `AtomicU64` or
    /// a message.
    pub fn to_bits(self) -> u64 {
        (u64::from(self.index) << 32) | u64::from(self.generation)
    }

    /// A handle from [`PoolWeak::to_bits`]. Any value is safe: one that names no live item never upgrades.
    ///
    /// Only for items that are `Send + Sync`: the bits are a plain integer that any thread can hold, so a
    /// handle rebuilt from them may be on another thread than the item, which only such items allow (a
    /// weak handle to any other item is confined to its thread, and so are the bits it came from only if
    /// nothing rebuilds them elsewhere).
    pub fn from_bits(bits: u64) -> Self
    where
        P::Item: Send + Sync,
    {
        // Bits above the index name no block: `u16::MAX` is no pool's index (65535 blocks at most).
        let index = if bits >> 48 == 0 {
            (bits >> 32) as u16
        } else {
            u16::MAX
        };
        Self {
            generation: bits as u32,
            index,
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
        self.index == other.index && self.generation == other.generation
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

#[cfg(all(test, not(loom)))]
mod tests {
    use crate::__private::{Align8, PoolConfig, PoolStorage};
    use crate::sync::AtomicU8;
    use crate::{PoolBox, PoolError, PoolRc, SharedPool, StaticPool};

    /// A pool of one shared `u64` block (`Name`, its storage `STATIC`, its config, optionally a sites table).
    macro_rules! one_block_pool {
        ($pool:ident, $storage:ident, $config:expr $(, sites $sites:ident)?) => {
            pub struct $pool;
            crate::__blockpool_static_pool!(
                $pool,
                [] static $storage: PoolStorage<u64, Align8, AtomicU8, 1> = PoolStorage::new(),
                stringify!($pool),
                $config,
                $(static $sites: crate::__private::Sites<1>,)?
            );
        };
    }

    one_block_pool!(Spent, SPENT, PoolConfig::DEFAULT);
    impl SharedPool for Spent {}

    /// Review round 1: renewing at the last generation could not move the item to a newer one, so weak
    /// handles made in it kept upgrading after `into_box` / `make_mut` had detached them.
    #[test]
    fn weak_handles_of_the_last_generation_never_upgrade_and_the_block_retires() {
        let mut rc = Spent::alloc_shared(1).ok().unwrap();
        SPENT.set_generation(0, u32::MAX - 1);
        let before = PoolRc::downgrade(&rc);
        assert_eq!(before.generation(), u32::MAX - 1);
        assert_eq!(before.upgrade().map(|up| *up), Some(1));
        *PoolRc::make_mut(&mut rc).unwrap() = 2; // unique: renews to the last generation
        assert!(before.upgrade().is_none(), "detached by make_mut");

        let last = PoolRc::downgrade(&rc);
        assert_eq!(last.generation(), u32::MAX);
        assert!(
            last.upgrade().is_none(),
            "the last generation never upgrades"
        );
        let boxed: PoolBox<Spent> = PoolRc::into_box(rc).ok().unwrap(); // renews: stays at the last
        let rc = PoolBox::into_shared(boxed);
        assert!(last.upgrade().is_none(), "still detached after into_box");
        assert!(PoolRc::downgrade(&rc).upgrade().is_none());
        assert_eq!(*rc, 2);

        drop(rc);
        assert_eq!(Spent::stats().used, 1, "retired, not freed");
        assert_eq!(
            Spent::alloc_shared(3).map(|_| ()).map_err(|e| e.error()),
            Err(PoolError::Exhausted)
        );
        Spent::validate().unwrap();
    }

    const WIPED: PoolConfig = PoolConfig {
        zeroize: true,
        ..PoolConfig::DEFAULT
    };

    one_block_pool!(SecretDrop, SECRET_DROP, WIPED);
    impl SharedPool for SecretDrop {}

    one_block_pool!(SecretRaw, SECRET_RAW, WIPED);
    impl SharedPool for SecretRaw {}

    /// The one block of a pool of `u64`s, read through the pool's own pointer (the block is retired in
    /// these tests: nobody holds it, and it is never handed out again).
    fn block_contents<P: StaticPool<Item = u64>>() -> u64 {
        use crate::storage::Storage;
        // SAFETY: block 0 of the pool, a live `u64`-sized cell (S2) that no one writes any more.
        unsafe { P::__storage().block(0).read() }
    }

    /// Z1: a `zeroize` block that retired on its last drop (its generations ran out, W2) kept the item's
    /// bytes in RAM for good (session 6).
    #[test]
    fn retired_blocks_of_zeroize_pools_are_wiped_on_drop() {
        let rc = SecretDrop::alloc_shared(0x5EC2_E7AB_CDEF_0123)
            .ok()
            .unwrap();
        SECRET_DROP.set_generation(0, u32::MAX - 1);
        drop(rc);
        assert_eq!(SecretDrop::stats().used, 1, "retired, not freed");
        assert_eq!(block_contents::<SecretDrop>(), 0, "wiped all the same");
    }

    /// Z1 on the raw path (`free_raw`) and, with the feature, C's `bp_free`.
    #[test]
    fn retired_blocks_of_zeroize_pools_are_wiped_on_raw_free() {
        use crate::RawPool;
        let block = SecretRaw.alloc_raw().unwrap();
        // SAFETY: a raw block of `u64` size and alignment, just taken.
        unsafe { block.cast::<u64>().write(0x5EC2_E7AB_CDEF_0123) };
        SECRET_RAW.set_generation(0, u32::MAX - 1);
        // SAFETY: the raw block taken above, given up; nothing refers into it.
        assert_eq!(unsafe { SecretRaw.free_raw(block) }, Ok(()));
        assert_eq!(SecretRaw.stats().used, 1, "retired, not freed");
        assert_eq!(block_contents::<SecretRaw>(), 0, "wiped all the same");
    }

    one_block_pool!(SecretMember, SECRET_MEMBER, WIPED);
    one_block_pool!(PlainMember, PLAIN_MEMBER, PoolConfig::DEFAULT);
    type SecretLinks = crate::__private::Link<SecretMember, crate::__private::Last<PlainMember>>;
    pub struct SecretChain;
    crate::__blockpool_static_pool!(
        SecretChain,
        [] static SECRET_CHAIN: crate::__private::ChainStorage<SecretLinks> =
            crate::__private::ChainStorage::new(),
        "SecretChain",
        PoolConfig::DEFAULT,
    );

    /// Z1 on a chain's `free_raw` of its `zeroize` member's block (the chain itself has no `zeroize`; the
    /// member's `put_back`, which wipes, never runs for a retired block).
    #[test]
    fn retired_blocks_of_zeroize_chain_members_are_wiped_on_the_chains_raw_free() {
        use crate::RawPool;
        let block = SecretChain.alloc_raw().unwrap();
        // SAFETY: a raw block of `u64` size and alignment, just taken (from the first member).
        unsafe { block.cast::<u64>().write(0x5EC2_E7AB_CDEF_0123) };
        SECRET_MEMBER.set_generation(0, u32::MAX - 1);
        // SAFETY: the raw block taken above, given up; nothing refers into it.
        assert_eq!(unsafe { SecretChain.free_raw(block) }, Ok(()));
        assert_eq!(SecretMember.stats().used, 1, "retired, not freed");
        assert_eq!(block_contents::<SecretMember>(), 0, "wiped all the same");
    }

    one_block_pool!(Sited, SITED, PoolConfig::DEFAULT, sites SITED_SITES);

    /// T1 at a retirement through `free_raw` (review round 20): the retired block, in use for good, names
    /// no holder. `tests/track_callers.rs` checks the same with 2³² - 1 real allocations (ignored: 40 s).
    #[test]
    fn a_block_retired_by_a_raw_free_names_no_holder() {
        use crate::RawPool;
        let block = Sited.alloc_raw().unwrap();
        let holder = Sited::holders().next().expect("in use");
        assert!(holder.site.is_some(), "the raw allocation's site");
        SITED.set_generation(0, u32::MAX - 1);
        // SAFETY: the raw block taken above, given up; nothing refers into it.
        assert_eq!(unsafe { Sited.free_raw(block) }, Ok(()));
        assert!(Sited.alloc_raw().is_err(), "retired: empty for good");
        let holder = Sited::holders().next();
        let holder = holder.expect("a retired block stays in use");
        assert_eq!(holder.site, None, "and names no holder");
    }

    one_block_pool!(SitedMember, SITED_MEMBER, PoolConfig::DEFAULT, sites SITED_MEMBER_SITES);
    pub struct SitedChain;
    crate::__blockpool_static_pool!(
        SitedChain,
        [] static SITED_CHAIN: crate::__private::ChainStorage<
            crate::__private::Link<SitedMember, crate::__private::Last<PlainMember>>,
        > = crate::__private::ChainStorage::new(),
        "SitedChain",
        PoolConfig::DEFAULT,
    );

    /// T1 at a member's retirement through its chain's `free_raw` (review round 21). `tests/chain.rs`
    /// checks the same with 2³² - 1 real allocations (ignored: 40 s).
    #[test]
    fn a_member_block_retired_by_its_chains_raw_free_names_no_holder() {
        use crate::RawPool;
        let block = SitedMember.alloc_raw().unwrap();
        let holder = SitedMember::holders().next().expect("in use");
        assert!(holder.site.is_some(), "the raw allocation's site");
        SITED_MEMBER.set_generation(0, u32::MAX - 1);
        // SAFETY: a raw block of the chain's first member, taken above; nothing refers into it.
        assert_eq!(unsafe { SitedChain.free_raw(block) }, Ok(()));
        assert!(SitedMember.alloc_raw().is_err(), "retired: empty for good");
        let holder = SitedMember::holders().next();
        let holder = holder.expect("a retired block stays in use");
        assert_eq!(holder.site, None, "and names no holder");
    }

    one_block_pool!(SecretLast, SECRET_LAST, WIPED, sites SECRET_LAST_SITES);
    pub struct LastChain;
    crate::__blockpool_static_pool!(
        LastChain,
        [] static LAST_CHAIN: crate::__private::ChainStorage<
            crate::__private::Link<PlainMember, crate::__private::Last<SecretLast>>,
        > = crate::__private::ChainStorage::new(),
        "LastChain",
        PoolConfig::DEFAULT,
    );

    /// Z1 and T1 for the chain's last member (`Last::mark_free_checked`; the tests above retire a first
    /// member, review round 26): retired through the chain's `free_raw`, its block is wiped and names no
    /// holder.
    #[test]
    fn a_last_members_block_retired_by_its_chains_raw_free_is_wiped_and_names_no_holder() {
        use crate::RawPool;
        let block = SecretLast.alloc_raw().unwrap();
        // SAFETY: a raw block of `u64` size and alignment, just taken.
        unsafe { block.cast::<u64>().write(0x5EC2_E7AB_CDEF_0123) };
        let holder = SecretLast::holders().next().expect("in use");
        assert!(holder.site.is_some(), "the raw allocation's site");
        SECRET_LAST.set_generation(0, u32::MAX - 1);
        // SAFETY: a raw block of the chain's last member, taken above; nothing refers into it.
        assert_eq!(unsafe { LastChain.free_raw(block) }, Ok(()));
        assert!(SecretLast.alloc_raw().is_err(), "retired: empty for good");
        assert_eq!(block_contents::<SecretLast>(), 0, "wiped");
        let holder = SecretLast::holders().next();
        let holder = holder.expect("a retired block stays in use");
        assert_eq!(holder.site, None, "and names no holder");
    }

    #[cfg(feature = "c-api")]
    one_block_pool!(SecretC, SECRET_C, WIPED);

    /// Z1 on C's `bp_free`.
    #[cfg(feature = "c-api")]
    #[test]
    fn retired_blocks_of_zeroize_pools_are_wiped_on_bp_free() {
        use crate::c_api::{CPool, CStatus, bp_alloc, bp_free};
        static C_POOL: CPool = CPool::typed::<SecretC>();
        let mut block = core::ptr::null_mut();
        // SAFETY: a valid pool and a valid place for the block's address.
        assert_eq!(unsafe { bp_alloc(&C_POOL, &mut block) }, CStatus::BP_OK);
        // SAFETY: the raw block just taken, of `u64` size and alignment.
        unsafe { block.cast::<u64>().write(0x5EC2_E7AB_CDEF_0123) };
        SECRET_C.set_generation(0, u32::MAX - 1);
        // SAFETY: the raw block taken above, given up.
        assert_eq!(unsafe { bp_free(&C_POOL, block) }, CStatus::BP_OK);
        assert_eq!(block_contents::<SecretC>(), 0, "wiped all the same");
    }
}

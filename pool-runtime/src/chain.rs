//! Fallback chains: a pool made of other pools, tried in order, with one handle type (`PoolBox<Chain>`).
//!
//! A chain's storage holds no blocks. Its index space is its members' index spaces one after the other
//! (invariant L1 of `docs/safety.md`); a handle finds its member by comparing its address with each member's
//! block range (L2), so freeing costs O(chain length) range checks and never searches blocks.

use core::alloc::Layout;
use core::marker::PhantomData;
use core::ptr::NonNull;

use crate::block::{give_up, wipe};
use crate::error::PoolError;
use crate::free_list::FreeList;
use crate::pool::StaticPool;
use crate::refcount::{JoinRefs, RefSlot};
use crate::stats::PoolStats;
use crate::storage::{Storage, sealed::Sealed as _};
use crate::sync::{AtomicU32, Ordering};
use crate::wait::NoWaiters;

/// The counter type of pool `P`'s blocks.
type RefsOf<P> = <<P as StaticPool>::__Storage as Storage>::Refs;

mod sealed {
    pub trait Sealed {}
}

/// The last member of a chain.
pub struct Last<P>(PhantomData<fn() -> P>);

/// A member of a chain and the members after it.
pub struct Link<P, Rest>(PhantomData<fn() -> (P, Rest)>);

impl<P> sealed::Sealed for Last<P> {}
impl<P, Rest> sealed::Sealed for Link<P, Rest> {}

/// The members of a chain, in order: [`Link`]`<First, Link<.., Last<Final>>>`. Sealed; every function
/// takes a chain index (L1) and forwards to the member that holds it.
pub trait Members: sealed::Sealed + 'static {
    /// The item type of every member.
    type Item: 'static;
    /// The members' common counter type, or `NoRefs` (L4).
    type Refs: RefSlot;
    /// The sum of the members' capacities.
    const CAPACITY: usize;
    /// The members' smallest block size.
    const BLOCK_SIZE: usize;
    /// The members' smallest block alignment.
    const BLOCK_ALIGN: usize;
    /// How many members.
    const LEN: usize;

    /// Takes a block from the first member that has one.
    fn take() -> Option<usize>;
    /// Whether every member keeps block states.
    fn tracked() -> bool;
    /// The first member's free list (see L4: never used).
    fn first_list() -> &'static FreeList;
    /// The block at chain index `index`.
    fn block(index: usize) -> NonNull<Self::Item>;
    /// The chain index of a block (L2).
    fn index_of(block: NonNull<u8>) -> usize;
    /// The chain index of the block that starts at `ptr`, or why there is none.
    fn locate(ptr: NonNull<u8>) -> Result<usize, PoolError>;
    /// Whether `ptr` points into a block of a member.
    fn contains(ptr: NonNull<u8>) -> bool;
    /// The member's `release` (wipes in `zeroize` members).
    ///
    /// # Safety
    /// As `Storage::free`.
    unsafe fn free(index: usize);
    /// # Safety
    /// As `Storage::mark_free`.
    unsafe fn mark_free(index: usize) -> bool;
    /// # Safety
    /// As `Storage::mark_raw`.
    unsafe fn mark_raw(index: usize);
    /// # Safety
    /// As `Storage::mark_free_checked`.
    unsafe fn mark_free_checked(index: usize) -> Result<bool, PoolError>;
    /// # Safety
    /// As `Storage::pass_on`.
    unsafe fn pass_on(index: usize);
    /// Wipes the block in `zeroize` members, then the member's `put_back`.
    ///
    /// # Safety
    /// As `Storage::put_back`.
    unsafe fn put_back(index: usize);
    /// The block's state word.
    fn state(index: usize) -> u16;
    /// The block's reference count.
    fn ref_count(index: usize) -> Option<u32>;
    /// # Safety
    /// As `Storage::refs`.
    unsafe fn refs(index: usize) -> &'static Self::Refs;
    /// # Safety
    /// As `Storage::mark_weak_issued`.
    unsafe fn mark_weak_issued(index: usize);
    /// Whether a weak handle was made for the block's item.
    fn weak_issued(index: usize) -> bool;
    /// # Safety
    /// As `Storage::renew_generation`.
    unsafe fn renew_generation(index: usize);
    /// The block's generation.
    fn generation(index: usize) -> u32;
    /// The members' counters added up (`failures` is left at 0: the chain keeps its own, L5).
    fn stats() -> PoolStats;
    /// Each member's `validate`.
    fn validate() -> Result<(), PoolError>;
    /// Member `member`'s name and counters.
    fn member_stats(member: usize) -> Option<(&'static str, PoolStats)>;
}

/// Wipes member `P`'s block `index` if `P` has `zeroize`: a block that retired (W2) when the chain's
/// `free_raw` claimed it, so that the member's `put_back`, which wipes, never runs for it (Z1). The caller
/// holds the block (claimed by `mark_free_checked`).
fn wipe_retired<P: StaticPool>(index: usize) {
    if P::__CONFIG.zeroize {
        let storage = P::__storage();
        wipe(
            storage.block(index).cast(),
            storage.block_size(),
            storage.block_align(),
        );
    }
}

/// `a + b` for the sums of counters.
fn add(a: PoolStats, b: PoolStats) -> PoolStats {
    PoolStats {
        capacity: a.capacity.saturating_add(b.capacity),
        used: a.used.saturating_add(b.used),
        high_water: a.high_water.saturating_add(b.high_water),
        allocs: a.allocs.wrapping_add(b.allocs),
        frees: a.frees.wrapping_add(b.frees),
        failures: 0,
    }
}

/// The chain functions of one member `P`, given its index `index` within `P`, or of the rest of the chain.
macro_rules! forward {
    ($index:ident, $here:expr, $rest:expr) => {
        if $index < P::CAPACITY { $here } else { $rest }
    };
}

impl<P: StaticPool> Members for Last<P> {
    type Item = P::Item;
    type Refs = RefsOf<P>;
    const CAPACITY: usize = P::CAPACITY;
    const BLOCK_SIZE: usize = <P::__Storage as Storage>::BLOCK_SIZE;
    const BLOCK_ALIGN: usize = <P::__Storage as Storage>::BLOCK_ALIGN;
    const LEN: usize = 1;

    #[inline(always)]
    fn take() -> Option<usize> {
        let index = P::__storage().take()?;
        // Allocations through a chain record no site in the member (the chain's own options apply).
        crate::sites::untrack::<P>(index);
        Some(index)
    }
    fn tracked() -> bool {
        P::__storage().tracks_blocks()
    }
    fn first_list() -> &'static FreeList {
        P::__storage().free_list()
    }
    #[inline(always)]
    fn block(index: usize) -> NonNull<P::Item> {
        P::__storage().block(index)
    }
    #[inline(always)]
    fn index_of(block: NonNull<u8>) -> usize {
        // L2: the last member takes what the members before it did not (S3: it is one of its blocks).
        P::__storage().index_of(block.cast())
    }
    fn locate(ptr: NonNull<u8>) -> Result<usize, PoolError> {
        P::__storage().locate(ptr)
    }
    fn contains(ptr: NonNull<u8>) -> bool {
        P::__storage().contains(ptr)
    }
    #[inline(always)]
    unsafe fn free(index: usize) {
        // The member's own release, with its `zeroize` (L3), untraced: a chain's operations are traced as
        // the chain's; the caller's contract is `release`'s.
        give_up::<P>(index);
    }
    unsafe fn mark_free(index: usize) -> bool {
        // SAFETY: [L3] the caller's contract is the member's.
        unsafe { P::__storage().mark_free(index) }
    }
    unsafe fn mark_raw(index: usize) {
        // SAFETY: [L3] the caller's contract is the member's.
        unsafe { P::__storage().mark_raw(index) }
    }
    unsafe fn mark_free_checked(index: usize) -> Result<bool, PoolError> {
        // SAFETY: [L3] the caller's contract is the member's.
        let back = unsafe { P::__storage().mark_free_checked(index) }?;
        // Claimed: the member's site goes, whether the block goes back or retires (T1; review round 21).
        crate::sites::untrack::<P>(index);
        if !back {
            // Retired: the member's `put_back`, which wipes, never runs for it (Z1).
            wipe_retired::<P>(index);
        }
        Ok(back)
    }
    unsafe fn pass_on(index: usize) {
        // SAFETY: [L3] the caller's contract is the member's.
        unsafe { P::__storage().pass_on(index) }
    }
    unsafe fn put_back(index: usize) {
        let storage = P::__storage();
        if P::__CONFIG.zeroize {
            // L3: the caller holds the block (marked free, not yet back on the list).
            wipe(
                storage.block(index).cast(),
                storage.block_size(),
                storage.block_align(),
            );
        }
        // The member's site too (T1; review round 18: the chain's `free_raw` cleared only its own).
        crate::sites::untrack::<P>(index);
        // SAFETY: [L3] the caller's contract is the member's.
        unsafe { storage.put_back(index) }
    }
    fn state(index: usize) -> u16 {
        P::__storage().state(index)
    }
    fn ref_count(index: usize) -> Option<u32> {
        P::__storage().ref_count(index)
    }
    #[inline(always)]
    unsafe fn refs(index: usize) -> &'static RefsOf<P> {
        // SAFETY: [L3, L4] the caller's contract is the member's.
        unsafe { P::__storage().refs(index) }
    }
    unsafe fn mark_weak_issued(index: usize) {
        // SAFETY: [L3] the caller's contract is the member's.
        unsafe { P::__storage().mark_weak_issued(index) }
    }
    fn weak_issued(index: usize) -> bool {
        P::__storage().weak_issued(index)
    }
    unsafe fn renew_generation(index: usize) {
        // SAFETY: [L3] the caller's contract is the member's.
        unsafe { P::__storage().renew_generation(index) }
    }
    fn generation(index: usize) -> u32 {
        P::__storage().generation(index)
    }
    fn stats() -> PoolStats {
        PoolStats {
            failures: 0,
            ..P::stats()
        }
    }
    fn validate() -> Result<(), PoolError> {
        P::validate()
    }
    fn member_stats(member: usize) -> Option<(&'static str, PoolStats)> {
        (member == 0).then(|| (P::NAME, P::stats()))
    }
}

impl<P, Rest> Members for Link<P, Rest>
where
    P: StaticPool,
    Rest: Members<Item: SameItem<P::Item>>,
    RefsOf<P>: JoinRefs<Rest::Refs>,
{
    type Item = P::Item;
    type Refs = <RefsOf<P> as JoinRefs<Rest::Refs>>::Out;
    const CAPACITY: usize = P::CAPACITY + Rest::CAPACITY;
    const BLOCK_SIZE: usize = min(<P::__Storage as Storage>::BLOCK_SIZE, Rest::BLOCK_SIZE);
    const BLOCK_ALIGN: usize = min(<P::__Storage as Storage>::BLOCK_ALIGN, Rest::BLOCK_ALIGN);
    const LEN: usize = 1 + Rest::LEN;

    #[inline(always)]
    fn take() -> Option<usize> {
        match P::__storage().take() {
            Some(index) => {
                // As in `Last::take`: no site in the member.
                crate::sites::untrack::<P>(index);
                Some(index)
            }
            None => Rest::take().map(|index| index + P::CAPACITY),
        }
    }
    fn tracked() -> bool {
        P::__storage().tracks_blocks() && Rest::tracked()
    }
    fn first_list() -> &'static FreeList {
        P::__storage().free_list()
    }
    #[inline(always)]
    fn block(index: usize) -> NonNull<P::Item> {
        forward!(
            index,
            P::__storage().block(index),
            SameItem::cast(Rest::block(index - P::CAPACITY), token::Token(()))
        )
    }
    #[inline(always)]
    fn index_of(block: NonNull<u8>) -> usize {
        let storage = P::__storage();
        if storage.contains(block) {
            storage.index_of(block.cast())
        } else {
            P::CAPACITY + Rest::index_of(block)
        }
    }
    fn locate(ptr: NonNull<u8>) -> Result<usize, PoolError> {
        let storage = P::__storage();
        if storage.contains(ptr) {
            storage.locate(ptr)
        } else {
            Rest::locate(ptr).map(|index| P::CAPACITY + index)
        }
    }
    fn contains(ptr: NonNull<u8>) -> bool {
        P::__storage().contains(ptr) || Rest::contains(ptr)
    }
    #[inline(always)]
    unsafe fn free(index: usize) {
        if index < P::CAPACITY {
            // The member's own release, with its `zeroize` (L3), untraced: a chain's operations are traced
            // as the chain's; the caller's contract is `release`'s.
            give_up::<P>(index);
        } else {
            // SAFETY: [L3] the caller's contract is the rest's, for its block `index - P::CAPACITY`.
            unsafe { Rest::free(index - P::CAPACITY) }
        }
    }
    unsafe fn mark_free(index: usize) -> bool {
        if index < P::CAPACITY {
            // SAFETY: [L3] the caller's contract is the member's, for its block `index`.
            unsafe { P::__storage().mark_free(index) }
        } else {
            // SAFETY: [L3] the caller's contract is the rest's, for its block `index - P::CAPACITY`.
            unsafe { Rest::mark_free(index - P::CAPACITY) }
        }
    }
    unsafe fn mark_raw(index: usize) {
        if index < P::CAPACITY {
            // SAFETY: [L3] the caller's contract is the member's, for its block `index`.
            unsafe { P::__storage().mark_raw(index) }
        } else {
            // SAFETY: [L3] the caller's contract is the rest's, for its block `index - P::CAPACITY`.
            unsafe { Rest::mark_raw(index - P::CAPACITY) }
        }
    }
    unsafe fn mark_free_checked(index: usize) -> Result<bool, PoolError> {
        if index < P::CAPACITY {
            // SAFETY: [L3] the caller's contract is the member's, for its block `index`.
            let back = unsafe { P::__storage().mark_free_checked(index) }?;
            // Claimed: the member's site goes, whether the block goes back or retires (T1; round 21).
            crate::sites::untrack::<P>(index);
            if !back {
                // Retired: as in `Last::mark_free_checked` (Z1).
                wipe_retired::<P>(index);
            }
            Ok(back)
        } else {
            // SAFETY: [L3] the caller's contract is the rest's, for its block `index - P::CAPACITY`.
            unsafe { Rest::mark_free_checked(index - P::CAPACITY) }
        }
    }
    unsafe fn pass_on(index: usize) {
        if index < P::CAPACITY {
            // SAFETY: [L3] the caller's contract is the member's, for its block `index`.
            unsafe { P::__storage().pass_on(index) }
        } else {
            // SAFETY: [L3] the caller's contract is the rest's, for its block `index - P::CAPACITY`.
            unsafe { Rest::pass_on(index - P::CAPACITY) }
        }
    }
    unsafe fn put_back(index: usize) {
        if index < P::CAPACITY {
            // SAFETY: [L3] the caller's contract is the member's, for its block `index`.
            unsafe { Last::<P>::put_back(index) }
        } else {
            // SAFETY: [L3] the caller's contract is the rest's, for its block `index - P::CAPACITY`.
            unsafe { Rest::put_back(index - P::CAPACITY) }
        }
    }
    fn state(index: usize) -> u16 {
        forward!(
            index,
            P::__storage().state(index),
            Rest::state(index - P::CAPACITY)
        )
    }
    fn ref_count(index: usize) -> Option<u32> {
        forward!(
            index,
            P::__storage().ref_count(index),
            Rest::ref_count(index - P::CAPACITY)
        )
    }
    #[inline(always)]
    unsafe fn refs(index: usize) -> &'static Self::Refs {
        // The joined type is the member's counter type itself, or `NoRefs` (L4).
        if index < P::CAPACITY {
            // SAFETY: [L3, L4] the caller's contract is the member's, for its block `index`.
            JoinRefs::left(unsafe { P::__storage().refs(index) })
        } else {
            // SAFETY: [L3, L4] the caller's contract is the rest's, for its block `index - P::CAPACITY`.
            let counter = unsafe { Rest::refs(index - P::CAPACITY) };
            <RefsOf<P> as JoinRefs<Rest::Refs>>::right(counter)
        }
    }
    unsafe fn mark_weak_issued(index: usize) {
        if index < P::CAPACITY {
            // SAFETY: [L3] the caller's contract is the member's, for its block `index`.
            unsafe { P::__storage().mark_weak_issued(index) }
        } else {
            // SAFETY: [L3] the caller's contract is the rest's, for its block `index - P::CAPACITY`.
            unsafe { Rest::mark_weak_issued(index - P::CAPACITY) }
        }
    }
    fn weak_issued(index: usize) -> bool {
        forward!(
            index,
            P::__storage().weak_issued(index),
            Rest::weak_issued(index - P::CAPACITY)
        )
    }
    unsafe fn renew_generation(index: usize) {
        if index < P::CAPACITY {
            // SAFETY: [L3] the caller's contract is the member's, for its block `index`.
            unsafe { P::__storage().renew_generation(index) }
        } else {
            // SAFETY: [L3] the caller's contract is the rest's, for its block `index - P::CAPACITY`.
            unsafe { Rest::renew_generation(index - P::CAPACITY) }
        }
    }
    fn generation(index: usize) -> u32 {
        forward!(
            index,
            P::__storage().generation(index),
            Rest::generation(index - P::CAPACITY)
        )
    }
    fn stats() -> PoolStats {
        add(Last::<P>::stats(), Rest::stats())
    }
    fn validate() -> Result<(), PoolError> {
        P::validate()?;
        Rest::validate()
    }
    fn member_stats(member: usize) -> Option<(&'static str, PoolStats)> {
        match member {
            0 => Some((P::NAME, P::stats())),
            _ => Rest::member_stats(member - 1),
        }
    }
}

const fn min(a: usize, b: usize) -> usize {
    if a < b { a } else { b }
}

/// The storage of a chain of pools `M`: only the chain's failure counter (L1, L5). Declared by the
/// runtime's `__blockpool_static_pool!` as every pool's storage is.
pub struct ChainStorage<M> {
    failures: AtomicU32,
    _members: PhantomData<fn() -> M>,
}

impl<M: Members> ChainStorage<M> {
    /// Number of blocks of all members together (L4: at most `MAX_BLOCKS` for a chain with counters; the
    /// memory map of `pools!` reads this, so the check runs where the chain is declared).
    pub const CAPACITY: usize = {
        let () = Self::SHARED_FITS_WEAK_INDEX;
        M::CAPACITY
    };
    /// The members' smallest block size.
    pub const BLOCK_SIZE: usize = M::BLOCK_SIZE;
    /// How many pools the chain has.
    pub const LEN: usize = M::LEN;

    /// L4: a chain that hands out shared handles has at most `MAX_BLOCKS` blocks, since a weak handle
    /// keeps its block's index in 16 bits (and `u16::MAX` names no block). Evaluated by `CAPACITY` and
    /// again where shared handles reach the chain's counters, so a chain of more blocks does not compile.
    const SHARED_FITS_WEAK_INDEX: () = assert!(
        !<M::Refs as RefSlot>::COUNTS || M::CAPACITY <= crate::free_list::MAX_BLOCKS,
        "a chain whose members count references holds at most 65535 blocks in all (weak handles keep a \
         16-bit block index): shorten the chain or its members"
    );

    /// Member `member`'s name and counters; `None` past the last member.
    pub fn member_stats(member: usize) -> Option<(&'static str, PoolStats)> {
        M::member_stats(member)
    }
}

// Without a bound, so that a chain whose members break a rule is reported once, where the members are
// checked, and not again at the static's initialiser.
impl<M> ChainStorage<M> {
    /// A chain with no failures yet.
    #[cfg(not(loom))]
    pub const fn new() -> Self {
        Self {
            failures: AtomicU32::new(0),
            _members: PhantomData,
        }
    }

    /// A chain with no failures yet.
    #[cfg(loom)]
    pub fn new() -> Self {
        Self {
            failures: AtomicU32::new(0),
            _members: PhantomData,
        }
    }
}

#[cfg(not(loom))]
impl<M: Members> Default for ChainStorage<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: Members> crate::storage::sealed::Sealed for ChainStorage<M> {
    fn free_list(&self) -> &FreeList {
        // Only a waiting future calls this, and a chain has no waiter queue (L4).
        M::first_list()
    }

    fn tracked(&self) -> bool {
        M::tracked()
    }
}

impl<M: Members> Storage for ChainStorage<M> {
    type Item = M::Item;
    type Refs = M::Refs;
    type Waiters = NoWaiters;

    const BLOCK_SIZE: usize = M::BLOCK_SIZE;
    const BLOCK_ALIGN: usize = M::BLOCK_ALIGN;

    fn waiters(&self) -> &NoWaiters {
        &NoWaiters
    }
    fn capacity(&self) -> usize {
        M::CAPACITY
    }
    fn block_size(&self) -> usize {
        M::BLOCK_SIZE
    }
    fn block_align(&self) -> usize {
        M::BLOCK_ALIGN
    }
    fn block_layout(&self) -> Layout {
        // Every member's blocks are at least this large and this aligned.
        Layout::from_size_align(M::BLOCK_SIZE, M::BLOCK_ALIGN).unwrap_or(Layout::new::<u8>())
    }
    #[inline(always)]
    fn take(&self) -> Option<usize> {
        M::take()
    }
    unsafe fn mark_free(&self, index: usize) -> bool {
        // SAFETY: [L3] the caller's contract is the member's.
        unsafe { M::mark_free(index) }
    }
    unsafe fn mark_raw(&self, index: usize) {
        // SAFETY: [L3] the caller's contract is the member's.
        unsafe { M::mark_raw(index) }
    }
    unsafe fn mark_free_checked(&self, index: usize) -> Result<bool, PoolError> {
        // SAFETY: [L3] the caller's contract is the member's.
        unsafe { M::mark_free_checked(index) }
    }
    #[inline(always)]
    unsafe fn free(&self, index: usize) {
        // SAFETY: [L3] the caller's contract is the member's.
        unsafe { M::free(index) }
    }
    unsafe fn pass_on(&self, index: usize) {
        // SAFETY: [L3] the caller's contract is the member's.
        unsafe { M::pass_on(index) }
    }
    unsafe fn put_back(&self, index: usize) {
        // SAFETY: [L3] the caller's contract is the member's.
        unsafe { M::put_back(index) }
    }
    fn record_failure(&self) {
        self.failures.fetch_add(1, Ordering::Relaxed);
    }
    fn failures(&self) -> &AtomicU32 {
        &self.failures
    }
    fn state(&self, index: usize) -> u16 {
        M::state(index)
    }
    fn ref_count(&self, index: usize) -> Option<u32> {
        M::ref_count(index)
    }
    #[inline(always)]
    unsafe fn refs(&self, index: usize) -> &M::Refs {
        let () = const { Self::SHARED_FITS_WEAK_INDEX };
        // SAFETY: [L3, L4] the caller's contract is the member's.
        unsafe { M::refs(index) }
    }
    unsafe fn mark_weak_issued(&self, index: usize) {
        let () = const { Self::SHARED_FITS_WEAK_INDEX };
        // SAFETY: [L3] the caller's contract is the member's.
        unsafe { M::mark_weak_issued(index) }
    }
    fn weak_issued(&self, index: usize) -> bool {
        M::weak_issued(index)
    }
    unsafe fn renew_generation(&self, index: usize) {
        // SAFETY: [L3] the caller's contract is the member's.
        unsafe { M::renew_generation(index) }
    }
    fn generation(&self, index: usize) -> u32 {
        M::generation(index)
    }
    #[inline(always)]
    fn block(&self, index: usize) -> NonNull<M::Item> {
        M::block(index)
    }
    #[inline(always)]
    fn index_of(&self, block: NonNull<M::Item>) -> usize {
        M::index_of(block.cast())
    }
    fn locate(&self, ptr: NonNull<u8>) -> Result<usize, PoolError> {
        if M::contains(ptr) {
            M::locate(ptr)
        } else {
            Err(PoolError::ForeignBlock)
        }
    }
    fn contains(&self, ptr: NonNull<u8>) -> bool {
        M::contains(ptr)
    }
    fn tracks_blocks(&self) -> bool {
        M::tracked()
    }
    fn stats(&self) -> PoolStats {
        PoolStats {
            failures: u64::from(self.failures.load(Ordering::Relaxed)),
            ..M::stats()
        }
    }
    fn validate(&self) -> Result<(), PoolError> {
        M::validate()
    }
}

/// Holds when `Self`, the item type of a chain member, is `T`, the first member's: the item-type rule of
/// chains as a trait, so that breaking it is one readable error. Implemented only for `T: SameItem<T>`,
/// where `cast` is the identity; no other implementation can be written, since `cast` takes a token of a
/// private type (the list's `block` relies on it: L1).
#[diagnostic::on_unimplemented(
    message = "a chain's members must hold one item type: `{Self}` is not the first member's `{T}`",
    label = "a member of this chain holds `{Self}`, the first holds `{T}`",
    note = "every pool of a `chain = [..]` must be declared with the same `type = ..`"
)]
pub trait SameItem<T> {
    /// The pointer itself (`Self` is `T`).
    #[doc(hidden)]
    fn cast(block: NonNull<Self>, token: token::Token) -> NonNull<T>;
}

mod token {
    /// Only this crate can make or name one: what keeps [`super::SameItem`] to its one implementation.
    #[derive(Clone, Copy)]
    pub struct Token(pub(crate) ());
}

impl<T> SameItem<T> for T {
    #[inline(always)]
    fn cast(block: NonNull<T>, _token: token::Token) -> NonNull<T> {
        block
    }
}

/// Compiles when pool `M` holds the items of pool `First`: written by `pools!` at each chain member after
/// the first, so that the [`SameItem`] error points at that member.
pub const fn chain_member<First: StaticPool, M: StaticPool<Item: SameItem<First::Item>>>() {}

//! Shared handles, one behaviour per test: `PoolRc` (clone, `try_clone`, `try_unwrap`, `into_box`,
//! `get_mut`, `make_mut`), `PoolWeak` (upgrade, bits, equality) and `PoolBox::into_shared`, with the handle
//! counts, the pool's counters and its consistency checked after every step.
//!
//! Tests run on parallel threads, so each one has a pool of its own; pools of one block make "the next
//! allocation gets the block just freed" certain.

use std::cell::Cell;
use std::collections::HashSet;
use std::hash::{BuildHasher, RandomState};
use std::mem::size_of;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::sync::MutexGuard;
use std::sync::atomic::{AtomicUsize, Ordering};

use blockpool::{PoolBox, PoolError, PoolRc, PoolWeak, RawPool, StaticPool, memory_pool};
use static_assertions::{assert_impl_all, assert_not_impl_any};

/// A plain item: every trait the handles forward, no destructor.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Frame {
    pub seq: u32,
    pub payload: [u8; 12],
}

const fn frame(seq: u32) -> Frame {
    Frame {
        seq,
        payload: [seq as u8; 12],
    }
}

/// An item that counts its drops in a counter of the test's own, and whose `Clone` can be told to panic.
#[derive(Debug)]
pub struct Tracked {
    pub value: u32,
    pub panic_on_clone: bool,
    drops: &'static AtomicUsize,
}

impl Tracked {
    const fn new(value: u32, drops: &'static AtomicUsize) -> Self {
        Self {
            value,
            panic_on_clone: false,
            drops,
        }
    }
}

impl Clone for Tracked {
    fn clone(&self) -> Self {
        assert!(!self.panic_on_clone, "Tracked::clone refuses to copy");
        Self::new(self.value, self.drops)
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

/// Asserts how many blocks of `P` are in use, and that the pool's metadata (counts included) agree.
#[track_caller]
fn assert_used<P: StaticPool>(used: usize) {
    assert_eq!(P::stats().used, used, "blocks of `{}` in use", P::NAME);
    assert_eq!(P::validate(), Ok(()), "`{}` is consistent", P::NAME);
}

/// The text of a caught panic.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("<not a string>")
}

/// The bits of a weak handle to `generation` of block `index`, as `PoolWeak::to_bits` lays them out
/// (`index:16` in bits 32..48, `generation:32` below). Tests that use it first check it against real
/// handles.
fn weak_bits(index: usize, generation: u32) -> u64 {
    ((index as u64) << 32) | u64::from(generation)
}

// ---------------------------------------------------------------------------------------------------------
// Allocation, cloning and the last drop

#[memory_pool(type = Frame, count = 2, refcount)]
pub struct CountPool;

#[test]
fn clones_share_one_block_and_the_last_drop_frees_it() {
    let first = CountPool::alloc_shared(frame(1)).unwrap();
    assert_eq!(PoolRc::strong_count(&first), 1);
    assert_used::<CountPool>(1);

    let second = first.clone();
    assert!(PoolRc::ptr_eq(&first, &second));
    assert_eq!(PoolRc::as_ptr(&first), PoolRc::as_ptr(&second));
    assert_eq!(PoolRc::strong_count(&first), 2);
    assert_eq!(PoolRc::strong_count(&second), 2);
    assert_used::<CountPool>(1);

    let third = PoolRc::try_clone(&second).expect("far below the counter's maximum");
    assert!(PoolRc::ptr_eq(&first, &third));
    assert_eq!(PoolRc::strong_count(&first), 3);
    assert_eq!(third.seq, 1, "every handle derefs to the item");
    assert_used::<CountPool>(1);

    drop(first);
    assert_eq!(PoolRc::strong_count(&second), 2);
    assert_used::<CountPool>(1);
    drop(second);
    assert_eq!(PoolRc::strong_count(&third), 1);
    assert_used::<CountPool>(1);

    drop(third);
    assert_used::<CountPool>(0);
    let stats = CountPool::stats();
    assert_eq!((stats.allocs, stats.frees, stats.failures), (1, 1, 0));
}

#[memory_pool(type = Frame, count = 1, refcount)]
pub struct FullSharedPool;

#[test]
fn alloc_shared_on_a_full_pool_gives_the_value_back() {
    let only = FullSharedPool::alloc_shared(frame(1)).unwrap();
    let failed = FullSharedPool::alloc_shared(frame(2)).unwrap_err();
    assert_eq!(failed.error(), PoolError::Exhausted);
    assert_eq!(failed.into_inner(), frame(2), "nothing is lost");
    assert_eq!(PoolRc::strong_count(&only), 1);
    assert_eq!(FullSharedPool::stats().failures, 1);
    assert_used::<FullSharedPool>(1);

    drop(only);
    assert_used::<FullSharedPool>(0);
}

#[memory_pool(type = Frame, count = 1, refcount)]
pub struct SharedWithPool;

#[test]
fn alloc_shared_with_builds_the_item_and_a_panicking_builder_returns_the_block() {
    let built = SharedWithPool::alloc_shared_with(|| frame(3)).unwrap();
    assert_eq!(*built, frame(3));
    assert_eq!(PoolRc::strong_count(&built), 1);
    assert_used::<SharedWithPool>(1);

    let mut called = false;
    let full = SharedWithPool::alloc_shared_with(|| {
        called = true;
        frame(4)
    });
    assert_eq!(full.err(), Some(PoolError::Exhausted));
    assert!(!called, "no block, so the builder is not called");
    drop(built);
    assert_used::<SharedWithPool>(0);

    let outcome = catch_unwind(|| {
        SharedWithPool::alloc_shared_with(|| -> Frame { panic!("the builder fails") })
    });
    let payload = outcome.expect_err("the builder's panic reaches the caller");
    assert_eq!(panic_message(&*payload), "the builder fails");
    assert_used::<SharedWithPool>(0);
    let stats = SharedWithPool::stats();
    assert_eq!(
        (stats.allocs, stats.frees),
        (2, 2),
        "the claimed block went back"
    );

    let again = SharedWithPool::alloc_shared_with(|| frame(5)).expect("the block is free again");
    assert_eq!(again.seq, 5);
    drop(again);
    assert_used::<SharedWithPool>(0);
}

// ---------------------------------------------------------------------------------------------------------
// try_unwrap and into_box

static UNWRAP_DROPS: AtomicUsize = AtomicUsize::new(0);

#[memory_pool(type = Tracked, count = 1, refcount)]
pub struct UnwrapPool;

#[test]
fn try_unwrap_gives_the_handle_back_while_shared_and_the_item_when_unique() {
    let first = UnwrapPool::alloc_shared(Tracked::new(7, &UNWRAP_DROPS)).unwrap();
    let second = first.clone();

    let first = PoolRc::try_unwrap(first).expect_err("another handle shares the item");
    assert!(
        PoolRc::ptr_eq(&first, &second),
        "the same handle comes back"
    );
    assert_eq!(PoolRc::strong_count(&first), 2, "the count is unchanged");
    assert_eq!(UNWRAP_DROPS.load(Ordering::SeqCst), 0);
    assert_used::<UnwrapPool>(1);

    drop(second);
    let item = PoolRc::try_unwrap(first).expect("the only handle");
    assert_eq!(item.value, 7);
    assert_eq!(
        UNWRAP_DROPS.load(Ordering::SeqCst),
        0,
        "the item is moved out, not dropped"
    );
    assert_used::<UnwrapPool>(0);
    assert_eq!(UnwrapPool::stats().frees, 1);

    drop(item);
    assert_eq!(UNWRAP_DROPS.load(Ordering::SeqCst), 1);
    assert_used::<UnwrapPool>(0);
}

#[memory_pool(type = Frame, count = 2, refcount)]
pub struct IntoBoxPool;

#[test]
fn into_box_gives_the_handle_back_while_shared() {
    let first = IntoBoxPool::alloc_shared(frame(1)).unwrap();
    let second = first.clone();
    let first = PoolRc::into_box(first).expect_err("another handle shares the item");
    assert!(PoolRc::ptr_eq(&first, &second));
    assert_eq!(PoolRc::strong_count(&second), 2);
    assert_used::<IntoBoxPool>(1);
    drop((first, second));
    assert_used::<IntoBoxPool>(0);
}

#[memory_pool(type = Frame, count = 1, refcount)]
pub struct IntoBoxUniquePool;

#[test]
fn into_box_of_the_only_handle_owns_the_same_block_and_detaches_weak_handles() {
    let only = IntoBoxUniquePool::alloc_shared(frame(1)).unwrap();
    let address = PoolRc::as_ptr(&only);
    let weak = PoolRc::downgrade(&only);

    let mut boxed: PoolBox<IntoBoxUniquePool> = PoolRc::into_box(only).expect("the only handle");
    assert_eq!(PoolBox::as_ptr(&boxed), address, "no copy: the same block");
    assert_used::<IntoBoxUniquePool>(1);
    assert!(
        weak.upgrade().is_none(),
        "an owned block has no shared handles"
    );
    boxed.seq = 2;
    assert_eq!(IntoBoxUniquePool::stats().allocs, 1);

    // Back to shared: the old weak handle still names the item before `into_box`.
    let shared = PoolBox::into_shared(boxed);
    assert_eq!(PoolRc::as_ptr(&shared), address);
    assert_eq!(PoolRc::strong_count(&shared), 1);
    assert_eq!(shared.seq, 2);
    assert!(
        weak.upgrade().is_none(),
        "weak handles made before `into_box` stay detached"
    );
    assert_used::<IntoBoxUniquePool>(1);

    drop(shared);
    assert_used::<IntoBoxUniquePool>(0);
}

#[memory_pool(type = Frame, count = 2, refcount = u32)]
pub struct IntoSharedPool;

#[test]
fn into_shared_turns_a_box_into_the_first_shared_handle() {
    let mut boxed = IntoSharedPool::alloc(frame(1)).unwrap();
    boxed.seq = 10;
    let address = PoolBox::as_ptr(&boxed);
    assert_used::<IntoSharedPool>(1);

    let shared = PoolBox::into_shared(boxed);
    assert_eq!(PoolRc::strong_count(&shared), 1);
    assert_eq!(
        PoolRc::as_ptr(&shared),
        address,
        "the item stays in its block"
    );
    assert_eq!(shared.seq, 10);
    assert_used::<IntoSharedPool>(1);

    let other = shared.clone();
    assert_eq!(PoolRc::strong_count(&shared), 2);
    let weak = PoolRc::downgrade(&other);
    assert!(
        weak.upgrade()
            .is_some_and(|up| PoolRc::ptr_eq(&up, &shared))
    );
    drop(shared);
    drop(other);
    assert!(weak.upgrade().is_none());
    assert_used::<IntoSharedPool>(0);
    let stats = IntoSharedPool::stats();
    assert_eq!((stats.allocs, stats.frees), (1, 1));
}

// ---------------------------------------------------------------------------------------------------------
// get_mut and make_mut

#[memory_pool(type = Frame, count = 2, refcount)]
pub struct GetMutPool;

#[test]
fn get_mut_is_some_only_for_the_only_handle_of_an_item_never_downgraded() {
    let mut only = GetMutPool::alloc_shared(frame(1)).unwrap();
    PoolRc::get_mut(&mut only).expect("the only handle").seq = 2;
    assert_eq!(only.seq, 2, "the edit is in the shared item");

    let other = only.clone();
    assert!(PoolRc::get_mut(&mut only).is_none(), "shared");
    assert_eq!(PoolRc::strong_count(&only), 2);
    drop(other);
    assert!(
        PoolRc::get_mut(&mut only).is_some(),
        "the only handle again"
    );

    let weak = PoolRc::downgrade(&only);
    assert_eq!(PoolRc::strong_count(&only), 1);
    assert!(
        PoolRc::get_mut(&mut only).is_none(),
        "a weak handle may exist and upgrade"
    );
    assert!(weak.upgrade().is_some_and(|up| up.seq == 2));
    assert!(
        PoolRc::get_mut(&mut only).is_none(),
        "weak handles are `Copy`: once made, one may always remain"
    );
    assert_eq!(PoolRc::strong_count(&only), 1);
    assert_used::<GetMutPool>(1);

    drop(only);
    assert_used::<GetMutPool>(0);
}

static MAKE_MUT_UNIQUE_DROPS: AtomicUsize = AtomicUsize::new(0);

#[memory_pool(type = Tracked, count = 2, refcount)]
pub struct MakeMutUniquePool;

#[test]
fn make_mut_of_the_only_handle_edits_in_place() {
    let mut only =
        MakeMutUniquePool::alloc_shared(Tracked::new(1, &MAKE_MUT_UNIQUE_DROPS)).unwrap();
    let address = PoolRc::as_ptr(&only);

    PoolRc::make_mut(&mut only).expect("no copy needed").value = 2;
    assert_eq!(PoolRc::as_ptr(&only), address, "no copy: the same block");
    assert_eq!(only.value, 2);
    assert_eq!(PoolRc::strong_count(&only), 1);
    assert_eq!(
        MAKE_MUT_UNIQUE_DROPS.load(Ordering::SeqCst),
        0,
        "no copy made or dropped"
    );
    assert_used::<MakeMutUniquePool>(1);
    assert_eq!(MakeMutUniquePool::stats().allocs, 1);

    drop(only);
    assert_eq!(MAKE_MUT_UNIQUE_DROPS.load(Ordering::SeqCst), 1);
    assert_used::<MakeMutUniquePool>(0);
}

#[memory_pool(type = Frame, count = 2, refcount)]
pub struct MakeMutDetachPool;

#[test]
fn make_mut_of_the_only_handle_detaches_weak_handles() {
    let mut only = MakeMutDetachPool::alloc_shared(frame(1)).unwrap();
    let address = PoolRc::as_ptr(&only);
    let weak = PoolRc::downgrade(&only);
    assert!(weak.upgrade().is_some());
    assert!(PoolRc::get_mut(&mut only).is_none());

    PoolRc::make_mut(&mut only).expect("no copy needed").seq = 2;
    assert_eq!(PoolRc::as_ptr(&only), address, "edited in place");
    assert!(
        weak.upgrade().is_none(),
        "a weak handle made before `make_mut` no longer upgrades"
    );
    assert!(
        PoolRc::get_mut(&mut only).is_some(),
        "no weak handle names the item any more"
    );
    assert_eq!(PoolRc::strong_count(&only), 1);
    assert_used::<MakeMutDetachPool>(1);

    let fresh = PoolRc::downgrade(&only);
    assert_ne!(fresh, weak, "a new generation of the same block");
    assert_eq!(fresh.index(), weak.index());
    assert!(fresh.upgrade().is_some_and(|up| up.seq == 2));

    drop(only);
    assert!(fresh.upgrade().is_none());
    assert_used::<MakeMutDetachPool>(0);
}

static MAKE_MUT_COPY_DROPS: AtomicUsize = AtomicUsize::new(0);

#[memory_pool(type = Tracked, count = 3, refcount)]
pub struct MakeMutCopyPool;

#[test]
fn make_mut_of_a_shared_handle_copies_into_a_new_block() {
    let original = MakeMutCopyPool::alloc_shared(Tracked::new(1, &MAKE_MUT_COPY_DROPS)).unwrap();
    let mut writer = original.clone();
    let weak = PoolRc::downgrade(&original);
    let original_address = PoolRc::as_ptr(&original);
    assert_used::<MakeMutCopyPool>(1);

    PoolRc::make_mut(&mut writer)
        .expect("a free block for the copy")
        .value = 2;
    assert_ne!(PoolRc::as_ptr(&writer), original_address, "a new block");
    assert!(!PoolRc::ptr_eq(&writer, &original));
    assert_eq!(writer.value, 2);
    assert_eq!(original.value, 1, "the other handles see the original");
    assert_eq!(PoolRc::strong_count(&writer), 1);
    assert_eq!(PoolRc::strong_count(&original), 1);
    assert!(
        weak.upgrade().is_some_and(|up| up.value == 1),
        "weak handles keep naming the original"
    );
    assert_eq!(MAKE_MUT_COPY_DROPS.load(Ordering::SeqCst), 0);
    assert_used::<MakeMutCopyPool>(2);
    assert_eq!(MakeMutCopyPool::stats().allocs, 2);

    PoolRc::get_mut(&mut writer)
        .expect("the copy is unique, never downgraded")
        .value = 3;
    let copy_address = PoolRc::as_ptr(&writer);
    PoolRc::make_mut(&mut writer).expect("unique now").value = 4;
    assert_eq!(PoolRc::as_ptr(&writer), copy_address, "no second copy");
    assert_used::<MakeMutCopyPool>(2);

    drop(original);
    assert_eq!(
        MAKE_MUT_COPY_DROPS.load(Ordering::SeqCst),
        1,
        "the original, once"
    );
    assert!(weak.upgrade().is_none());
    assert_used::<MakeMutCopyPool>(1);
    drop(writer);
    assert_eq!(
        MAKE_MUT_COPY_DROPS.load(Ordering::SeqCst),
        2,
        "the copy, once"
    );
    assert_used::<MakeMutCopyPool>(0);
}

static MAKE_MUT_FULL_DROPS: AtomicUsize = AtomicUsize::new(0);

#[memory_pool(type = Tracked, count = 1, refcount)]
pub struct MakeMutFullPool;

#[test]
fn make_mut_of_a_shared_handle_in_a_full_pool_fails_and_changes_nothing() {
    let original = MakeMutFullPool::alloc_shared(Tracked::new(1, &MAKE_MUT_FULL_DROPS)).unwrap();
    let mut writer = original.clone();
    let address = PoolRc::as_ptr(&original);

    let error = PoolRc::make_mut(&mut writer).map(|_| ()).unwrap_err();
    assert_eq!(error, PoolError::Exhausted);
    assert_eq!(PoolRc::as_ptr(&writer), address, "the handle is unchanged");
    assert!(PoolRc::ptr_eq(&writer, &original));
    assert_eq!(PoolRc::strong_count(&original), 2);
    assert_eq!((original.value, writer.value), (1, 1));
    assert_eq!(
        MAKE_MUT_FULL_DROPS.load(Ordering::SeqCst),
        0,
        "no clone made"
    );
    assert_used::<MakeMutFullPool>(1);
    let stats = MakeMutFullPool::stats();
    assert_eq!((stats.allocs, stats.failures), (1, 1));

    drop(writer);
    assert_eq!(PoolRc::strong_count(&original), 1);
    drop(original);
    assert_eq!(
        MAKE_MUT_FULL_DROPS.load(Ordering::SeqCst),
        1,
        "nothing lost"
    );
    assert_used::<MakeMutFullPool>(0);
}

static MAKE_MUT_PANIC_DROPS: AtomicUsize = AtomicUsize::new(0);

#[memory_pool(type = Tracked, count = 2, refcount, zeroize)]
pub struct MakeMutPanicPool;

#[test]
fn a_panicking_clone_in_make_mut_leaves_the_pool_consistent() {
    let mut item = Tracked::new(1, &MAKE_MUT_PANIC_DROPS);
    item.panic_on_clone = true;
    let original = MakeMutPanicPool::alloc_shared(item).unwrap();
    let mut writer = original.clone();
    let address = PoolRc::as_ptr(&original);

    let outcome = catch_unwind(AssertUnwindSafe(|| {
        PoolRc::make_mut(&mut writer).map(|_| ())
    }));
    let payload = outcome.expect_err("the clone's panic reaches the caller");
    assert_eq!(panic_message(&*payload), "Tracked::clone refuses to copy");

    assert_used::<MakeMutPanicPool>(1);
    let stats = MakeMutPanicPool::stats();
    assert_eq!(
        (stats.allocs, stats.frees),
        (2, 1),
        "the block claimed for the copy went back"
    );
    assert_eq!(PoolRc::as_ptr(&writer), address, "the handle is unchanged");
    assert_eq!(PoolRc::strong_count(&original), 2);
    assert_eq!(writer.value, 1);
    assert_eq!(MAKE_MUT_PANIC_DROPS.load(Ordering::SeqCst), 0);

    drop(writer);
    drop(original);
    assert_eq!(MAKE_MUT_PANIC_DROPS.load(Ordering::SeqCst), 1);
    assert_used::<MakeMutPanicPool>(0);
}

// ---------------------------------------------------------------------------------------------------------
// Weak handles

#[memory_pool(type = Frame, count = 1, refcount)]
pub struct UpgradePool;

#[test]
fn upgrade_gives_the_item_while_it_lives_and_none_after_free_or_reuse() {
    let strong = UpgradePool::alloc_shared(frame(1)).unwrap();
    let weak = PoolRc::downgrade(&strong);
    assert_eq!(
        PoolRc::strong_count(&strong),
        1,
        "a weak handle holds no count"
    );

    let upgraded = weak.upgrade().expect("the item lives");
    assert!(PoolRc::ptr_eq(&upgraded, &strong));
    assert_eq!(PoolRc::strong_count(&strong), 2);
    drop(upgraded);
    assert_eq!(PoolRc::strong_count(&strong), 1);
    assert_used::<UpgradePool>(1);

    drop(strong);
    assert!(weak.upgrade().is_none(), "freed");
    assert_used::<UpgradePool>(0);

    // A pool of one block: the newer item is in the same block.
    let newer = UpgradePool::alloc_shared(frame(2)).unwrap();
    assert_eq!(weak.index(), 0);
    assert!(weak.upgrade().is_none(), "the block holds a newer item");
    assert_eq!(*newer, frame(2), "the newer item is untouched");
    assert_eq!(PoolRc::strong_count(&newer), 1, "and its count too");
    assert_used::<UpgradePool>(1);

    drop(newer);
    assert_used::<UpgradePool>(0);
}

#[memory_pool(type = Frame, count = 4, refcount)]
pub struct BitsPool;

#[test]
fn to_bits_and_from_bits_round_trip() {
    let first = BitsPool::alloc_shared(frame(1)).unwrap();
    let second = BitsPool::alloc_shared(frame(2)).unwrap();
    let (weak_first, weak_second) = (PoolRc::downgrade(&first), PoolRc::downgrade(&second));
    assert_eq!((weak_first.index(), weak_second.index()), (0, 1));
    assert_eq!((weak_first.generation(), weak_second.generation()), (0, 0));

    for (weak, strong) in [(weak_first, &first), (weak_second, &second)] {
        let back = PoolWeak::<BitsPool>::from_bits(weak.to_bits());
        assert_eq!(back, weak);
        assert_eq!(back.index(), weak.index());
        assert_eq!(back.generation(), weak.generation());
        let up = back.upgrade().expect("the item lives");
        assert!(PoolRc::ptr_eq(&up, strong));
    }
    assert_eq!(PoolRc::strong_count(&first), 1);
    assert_eq!(PoolRc::strong_count(&second), 1);

    // Free block 1 and reuse it: the generation moves on.
    drop(second);
    let third = BitsPool::alloc_shared(frame(3)).unwrap();
    let weak_third = PoolRc::downgrade(&third);
    assert_eq!(
        weak_third.index(),
        1,
        "the block just freed is handed out first"
    );
    assert_eq!(weak_third.generation(), 1);
    let back = PoolWeak::<BitsPool>::from_bits(weak_third.to_bits());
    assert!(back.upgrade().is_some_and(|up| up.seq == 3));
    assert!(
        PoolWeak::<BitsPool>::from_bits(weak_second.to_bits())
            .upgrade()
            .is_none()
    );
    assert_used::<BitsPool>(2);
    drop((first, third));
    assert_used::<BitsPool>(0);
}

#[memory_pool(type = Frame, count = 4, refcount)]
pub struct GarbageBitsPool;

#[test]
fn from_bits_of_garbage_never_upgrades() {
    let live = GarbageBitsPool::alloc_shared(frame(1)).unwrap(); // block 0
    let _owned = GarbageBitsPool::alloc(frame(2)).unwrap(); // block 1: in use, but not shared
    let weak = PoolRc::downgrade(&live);
    assert_eq!(weak.to_bits(), weak_bits(weak.index(), weak.generation()));
    let bits = weak.to_bits();
    let capacity = GarbageBitsPool::CAPACITY;

    let mut garbage = vec![
        u64::MAX,
        weak_bits(capacity, 0), // index past the capacity
        weak_bits(usize::from(u16::MAX), 0),
        weak_bits(0, 1),        // a later generation of the live block
        weak_bits(0, u32::MAX), // the generation before 0, and the retired one
        weak_bits(1, 0),        // a block in use by a `PoolBox`: no shared item
        weak_bits(2, 0),        // a block never used
        bits | (1 << 63),       // bits above the index
    ];
    // Every single-bit change of the real handle's index and generation.
    garbage.extend((0..48).map(|bit| bits ^ (1 << bit)));
    for bits in garbage {
        let forged = PoolWeak::<GarbageBitsPool>::from_bits(bits);
        assert!(
            forged.upgrade().is_none(),
            "from_bits({bits:#018x}) upgraded"
        );
    }
    assert_eq!(PoolRc::strong_count(&live), 1, "no count was leaked");
    assert!(weak.upgrade().is_some(), "the real handle still upgrades");
    assert_used::<GarbageBitsPool>(2);
}

#[memory_pool(type = Frame, count = 3, refcount)]
pub struct WeakEqPool;

#[test]
fn weak_handles_are_equal_and_hash_alike_exactly_when_they_name_the_same_item() {
    let a = WeakEqPool::alloc_shared(frame(1)).unwrap();
    let b = WeakEqPool::alloc_shared(frame(1)).unwrap();
    let weak_a = PoolRc::downgrade(&a);
    let weak_a_again = PoolRc::downgrade(&a.clone());
    let copied = weak_a; // `Copy`
    let weak_b = PoolRc::downgrade(&b);

    assert_eq!(weak_a, weak_a_again);
    assert_eq!(weak_a, copied);
    assert_ne!(weak_a, weak_b, "equal items in different blocks");

    let hasher = RandomState::new();
    assert_eq!(hasher.hash_one(weak_a), hasher.hash_one(weak_a_again));
    let set: HashSet<PoolWeak<WeakEqPool>> = [weak_a, weak_a_again, copied, weak_b].into();
    assert_eq!(set.len(), 2);

    // The same block, a newer item: not equal.
    drop(a);
    let reused = WeakEqPool::alloc_shared(frame(1)).unwrap();
    let weak_reused = PoolRc::downgrade(&reused);
    assert_eq!(weak_reused.index(), weak_a.index());
    assert_ne!(weak_reused, weak_a);
    assert!(!set.contains(&weak_reused));
    assert!(set.contains(&weak_b));

    let debug = format!("{weak_b:?}");
    assert!(debug.contains("WeakEqPool"), "{debug}");
    drop((b, reused));
    assert_used::<WeakEqPool>(0);
}

// ---------------------------------------------------------------------------------------------------------
// Counter overflow

#[memory_pool(type = Frame, count = 1, refcount = u8)]
pub struct TinyCountPool;

#[test]
fn a_u8_counter_stops_at_255_handles() {
    let first = TinyCountPool::alloc_shared(frame(1)).unwrap();
    let weak = PoolRc::downgrade(&first);
    let mut handles: Vec<PoolRc<TinyCountPool>> = (1..255).map(|_| first.clone()).collect();
    handles.push(first);
    assert_eq!(PoolRc::strong_count(&handles[0]), 255);

    assert_eq!(
        PoolRc::try_clone(&handles[0]).err(),
        Some(PoolError::RefOverflow)
    );
    assert_eq!(PoolRc::strong_count(&handles[0]), 255, "unchanged");
    assert!(
        weak.upgrade().is_none(),
        "an upgrade would pass the counter's maximum"
    );
    assert_eq!(PoolRc::strong_count(&handles[0]), 255);

    let outcome = catch_unwind(AssertUnwindSafe(|| handles[0].clone()));
    let payload = outcome.expect_err("`clone` at the maximum panics");
    let message = panic_message(&*payload);
    assert!(message.contains("TinyCountPool"), "{message}");
    assert!(message.contains("overflow"), "{message}");
    assert_eq!(PoolRc::strong_count(&handles[0]), 255, "unchanged");
    assert_used::<TinyCountPool>(1);

    handles.pop();
    assert_eq!(PoolRc::strong_count(&handles[0]), 254);
    let again = PoolRc::try_clone(&handles[0]).expect("room for one more");
    assert_eq!(PoolRc::strong_count(&again), 255);
    handles.push(again);

    handles.clear();
    assert!(weak.upgrade().is_none());
    assert_used::<TinyCountPool>(0);
}

// ---------------------------------------------------------------------------------------------------------
// Drops, wiping, dumps

static DROP_ONCE_DROPS: AtomicUsize = AtomicUsize::new(0);

#[memory_pool(type = Tracked, count = 2, refcount)]
pub struct DropOncePool;

#[test]
fn the_item_is_dropped_exactly_once_by_the_last_handle() {
    let first = DropOncePool::alloc_shared(Tracked::new(1, &DROP_ONCE_DROPS)).unwrap();
    let weak = PoolRc::downgrade(&first);
    let handles: Vec<_> = (0..5).map(|_| first.clone()).collect();
    let upgraded = weak.upgrade().unwrap();
    drop(handles);
    drop(first);
    assert_eq!(
        DROP_ONCE_DROPS.load(Ordering::SeqCst),
        0,
        "one handle is left"
    );
    assert_used::<DropOncePool>(1);

    drop(upgraded);
    assert_eq!(DROP_ONCE_DROPS.load(Ordering::SeqCst), 1);
    assert_used::<DropOncePool>(0);
    assert!(weak.upgrade().is_none());
    assert_eq!(DROP_ONCE_DROPS.load(Ordering::SeqCst), 1, "still once");
}

/// A destructor that panics.
pub struct Fuse(pub u32);

impl Drop for Fuse {
    fn drop(&mut self) {
        panic!("Fuse's destructor panics");
    }
}

#[memory_pool(type = Fuse, count = 1, refcount)]
pub struct FusePool;

#[test]
fn a_panicking_destructor_in_the_last_drop_still_frees_the_block() {
    let first = FusePool::alloc_shared(Fuse(1)).unwrap();
    let second = first.clone();
    drop(first);
    assert_used::<FusePool>(1);
    let outcome = catch_unwind(AssertUnwindSafe(|| drop(second)));
    assert!(
        outcome.is_err(),
        "the destructor's panic reaches the caller"
    );
    assert_used::<FusePool>(0);
}

/// Key material: no padding, every byte meaningful.
#[derive(Debug, Clone)]
pub struct Secret {
    pub key: [u8; 40],
}

#[memory_pool(type = Secret, count = 1, refcount, zeroize)]
pub struct SecretPool;

/// Takes the pool's one block through `RawPool` and whether every byte of it is zero, then returns it.
fn block_reads_as_zeros(pool: &dyn RawPool) -> bool {
    let block = pool.alloc_raw().expect("the block is free");
    let len = pool.layout().size();
    // SAFETY: `alloc_raw` hands out a block of `len` bytes for the caller alone; the pool's storage starts
    // zeroed and is only ever written whole (items or wiping), so every byte is initialised.
    let zeros = unsafe { std::slice::from_raw_parts(block.as_ptr(), len) }
        .iter()
        .all(|&byte| byte == 0);
    // SAFETY: the block came from `alloc_raw` of this pool and no reference into it remains.
    assert_eq!(unsafe { pool.free_raw(block) }, Ok(()));
    zeros
}

#[test]
fn a_zeroize_pool_wipes_the_block_when_the_last_shared_handle_goes() {
    let first = SecretPool::alloc_shared(Secret { key: [0xA5; 40] }).unwrap();
    let second = first.clone();
    drop(first);
    assert_eq!(second.key, [0xA5; 40], "not wiped while a handle remains");
    drop(second);
    assert_used::<SecretPool>(0);
    assert!(block_reads_as_zeros(&SecretPool));

    // The other ways out of a shared handle wipe too.
    let unwrapped = SecretPool::alloc_shared(Secret { key: [0x5A; 40] }).unwrap();
    let secret = PoolRc::try_unwrap(unwrapped).unwrap();
    assert_eq!(secret.key, [0x5A; 40], "the item is read before the wipe");
    assert!(block_reads_as_zeros(&SecretPool));

    let boxed = PoolRc::into_box(SecretPool::alloc_shared(Secret { key: [0x3C; 40] }).unwrap());
    drop(boxed.unwrap());
    assert!(block_reads_as_zeros(&SecretPool));
    assert_used::<SecretPool>(0);
}

#[memory_pool(type = Frame, count = 4, refcount)]
pub struct DumpPool;

#[test]
fn the_debug_dump_maps_each_block_in_use_to_its_count() {
    assert!(format!("{DumpPool:?}").contains("in_use: {}"));
    let a = DumpPool::alloc_shared(frame(1)).unwrap();
    let b = DumpPool::alloc_shared(frame(2)).unwrap();
    let a2 = a.clone();
    let a3 = a.clone();
    let dump = format!("{DumpPool:?}");
    assert!(dump.starts_with("DumpPool {"), "{dump}");
    assert!(dump.contains("used: 2"), "{dump}");
    assert!(dump.contains("in_use: {0: 3, 1: 1}"), "{dump}");

    drop((a, a2));
    let dump = format!("{DumpPool:?}");
    assert!(dump.contains("in_use: {0: 1, 1: 1}"), "{dump}");
    drop((a3, b));
    let dump = format!("{DumpPool:?}");
    assert!(dump.contains("in_use: {}"), "{dump}");
    assert!(dump.contains("frees: 2"), "{dump}");
    assert_used::<DumpPool>(0);
}

#[memory_pool(type = Frame, count = 2, refcount)]
pub struct ForwardPool;

#[test]
fn shared_handles_forward_debug_and_comparisons_to_the_item() {
    let a = ForwardPool::alloc_shared(frame(1)).unwrap();
    let b = ForwardPool::alloc_shared(frame(1)).unwrap();
    assert_eq!(format!("{a:?}"), format!("{:?}", frame(1)));
    assert_eq!(a, b, "equal items in different blocks");
    assert!(!PoolRc::ptr_eq(&a, &b));
    let as_ref: &Frame = a.as_ref();
    assert_eq!(as_ref, &frame(1));
    let hasher = RandomState::new();
    assert_eq!(hasher.hash_one(&a), hasher.hash_one(frame(1)));
}

// ---------------------------------------------------------------------------------------------------------
// Types: sizes and auto traits

#[memory_pool(type = Frame, count = 1, refcount)]
pub struct SizePool;

#[memory_pool(type = Frame, count = 1, refcount = u8)]
pub struct SizeU8Pool;

#[memory_pool(type = Frame, count = 1, refcount = u32)]
pub struct SizeU32Pool;

#[test]
fn handles_are_small() {
    // A 16-bit index and a 32-bit generation that never wraps.
    assert_eq!(size_of::<PoolWeak<SizePool>>(), 8);
    assert_eq!(size_of::<PoolWeak<SizeU8Pool>>(), 8);
    assert_eq!(size_of::<PoolWeak<SizeU32Pool>>(), 8);
    assert!(size_of::<PoolRc<SizePool>>() <= size_of::<usize>());
    assert!(size_of::<Option<PoolRc<SizePool>>>() <= size_of::<usize>());
    assert!(size_of::<PoolRc<SizeU32Pool>>() <= size_of::<usize>());
    assert!(size_of::<Option<PoolRc<SizeU8Pool>>>() <= size_of::<usize>());
}

/// `Send` and `Sync`.
#[memory_pool(type = u32, count = 1, refcount)]
pub struct SyncItemPool;

/// `Send`, not `Sync`.
#[memory_pool(type = Cell<u32>, count = 1, refcount)]
pub struct CellItemPool;

/// `Sync`, not `Send`.
#[memory_pool(type = MutexGuard<'static, u32>, count = 1, refcount)]
pub struct GuardItemPool;

/// Neither.
#[memory_pool(type = Rc<u32>, count = 1, refcount)]
pub struct RcItemPool;

assert_impl_all!(PoolRc<SyncItemPool>: Send, Sync, Clone);
assert_impl_all!(PoolWeak<SyncItemPool>: Send, Sync, Copy);
assert_not_impl_any!(PoolRc<CellItemPool>: Send, Sync);
assert_not_impl_any!(PoolWeak<CellItemPool>: Send, Sync);
assert_not_impl_any!(PoolRc<GuardItemPool>: Send, Sync);
assert_not_impl_any!(PoolWeak<GuardItemPool>: Send, Sync);
assert_not_impl_any!(PoolRc<RcItemPool>: Send, Sync);
assert_not_impl_any!(PoolWeak<RcItemPool>: Send, Sync);

#[test]
fn a_send_and_sync_item_can_be_shared_with_another_thread() {
    let here = SyncItemPool::alloc_shared(41).unwrap();
    let there = here.clone();
    let weak = PoolRc::downgrade(&here);
    let seen = std::thread::spawn(move || {
        let upgraded = weak.upgrade().expect("`here` keeps the item alive");
        *there + *upgraded - 41
    })
    .join()
    .unwrap();
    assert_eq!(seen, 41);
    assert_eq!(
        PoolRc::strong_count(&here),
        1,
        "the thread's handles are gone"
    );
    let cell = CellItemPool::alloc_shared(Cell::new(1)).unwrap();
    cell.set(2); // `Cell` items are shared on one thread only, and mutated through `&`.
    assert_eq!(cell.get(), 2);
}

// ---------------------------------------------------------------------------------------------------------
// Former soundness holes: `get_mut` trusted that no weak handle can exist for an item that was never
// downgraded, but `from_bits` (safe for any value) and the 14-bit generation wrapping made one.

#[memory_pool(type = Frame, count = 1, refcount)]
pub struct ForgedWeakPool;

#[test]
fn a_weak_handle_rebuilt_from_bits_cannot_upgrade_while_get_mut_lends_the_item() {
    let earlier = ForgedWeakPool::alloc_shared(frame(0)).unwrap();
    let earlier_weak = PoolRc::downgrade(&earlier);
    assert_eq!(
        earlier_weak.to_bits(),
        weak_bits(0, 0),
        "the layout `weak_bits` assumes"
    );
    drop(earlier);

    // Block 0 again, generation 1; this item is never downgraded.
    let mut only = ForgedWeakPool::alloc_shared(frame(1)).unwrap();
    let forged = PoolWeak::<ForgedWeakPool>::from_bits(weak_bits(0, 1));
    let exclusive = PoolRc::get_mut(&mut only).expect("the only handle, never downgraded");
    let second = forged.upgrade();
    let aliased = second.is_some();
    // Nothing is read or written through either while both exist: the test observes, it does not misuse.
    drop(second);
    exclusive.seq = 2;
    assert!(
        !aliased,
        "`get_mut` lent `&mut` to the item while a weak handle from `from_bits` upgraded to a second handle"
    );
    assert_eq!(only.seq, 2);
    drop(only);
    assert_used::<ForgedWeakPool>(0);
}

#[memory_pool(type = Frame, count = 1, refcount)]
pub struct ForgedMakeMutPool;

#[test]
fn a_weak_handle_rebuilt_from_bits_cannot_upgrade_while_make_mut_lends_the_item() {
    let earlier = ForgedMakeMutPool::alloc_shared(frame(0)).unwrap();
    let earlier_weak = PoolRc::downgrade(&earlier);
    assert_eq!(
        earlier_weak.to_bits(),
        weak_bits(0, 0),
        "the layout `weak_bits` assumes"
    );
    drop(earlier);

    let mut only = ForgedMakeMutPool::alloc_shared(frame(1)).unwrap();
    let forged = PoolWeak::<ForgedMakeMutPool>::from_bits(weak_bits(0, 1));
    let address = PoolRc::as_ptr(&only);
    let exclusive = PoolRc::make_mut(&mut only).expect("the only handle: no copy");
    let second = forged.upgrade();
    let aliased = second
        .as_ref()
        .is_some_and(|up| PoolRc::as_ptr(up) == address);
    drop(second);
    exclusive.seq = 2;
    assert!(
        !aliased,
        "`make_mut` lent `&mut` to the item while a weak handle from `from_bits` upgraded to a second handle"
    );
    drop(only);
    assert_used::<ForgedMakeMutPool>(0);
}

#[memory_pool(type = Frame, count = 1, refcount)]
pub struct WrappedWeakPool;

#[test]
#[cfg_attr(
    miri,
    ignore = "70000 alloc/free cycles take minutes under Miri; the same aliasing case runs there through \
              `a_weak_handle_rebuilt_from_bits_cannot_upgrade_while_get_mut_lends_the_item`"
)]
fn a_weak_handle_kept_through_many_reuses_of_its_block_never_upgrades_to_a_newer_item() {
    // More reuses than the 14 bits of generation of earlier versions (16384) and than 16 bits: the
    // block's items now carry 32-bit generations that never wrap (W2).
    const REUSES: u32 = 70_000;
    let first = WrappedWeakPool::alloc_shared(frame(1)).unwrap();
    let stale = PoolRc::downgrade(&first);
    drop(first);
    for seq in 1..REUSES {
        let item = WrappedWeakPool::alloc_shared(frame(seq)).unwrap();
        if seq % 16384 == 0 {
            assert!(stale.upgrade().is_none(), "upgraded to item {seq}");
        }
        drop(item);
    }
    let mut current = WrappedWeakPool::alloc_shared(frame(2)).unwrap();
    assert!(stale.upgrade().is_none());
    assert_used::<WrappedWeakPool>(1);

    let exclusive = PoolRc::get_mut(&mut current).expect("the only handle, never downgraded");
    let second = stale.upgrade();
    let aliased = second.is_some();
    drop(second);
    exclusive.seq = 3;
    assert!(
        !aliased,
        "`get_mut` lent `&mut` to the item while a weak handle of a much older item upgraded"
    );
    drop(current);
    assert_used::<WrappedWeakPool>(0);
}

// ---------------------------------------------------------------------------------------------------------
// Review round 1: `make_mut`'s copy path left the new block's count at 1, not locked at 0, so a weak handle
// rebuilt with `from_bits` for the copy's block and generation upgraded while `&mut` was lent out.

#[memory_pool(count = 2, refcount)]
#[derive(Clone, Debug)]
pub struct CopyLock(pub u64);

#[test]
fn a_weak_handle_rebuilt_for_the_copy_of_make_mut_cannot_upgrade_while_mut_is_lent() {
    let mut a = CopyLockPool::alloc_shared(CopyLock(1)).unwrap(); // block 0
    let b = a.clone(); // shared, so `make_mut` copies into block 1
    let copy_bits = weak_bits(1, 0);
    let m: &mut CopyLock = PoolRc::make_mut(&mut a).unwrap();
    let upgraded = PoolWeak::<CopyLockPool>::from_bits(copy_bits).upgrade();
    assert!(
        upgraded.is_none(),
        "a second handle to the item `make_mut` lends `&mut` to"
    );
    m.0 = 2;
    assert_eq!(a.0, 2);
    assert_eq!(b.0, 1);
    // Once the `&mut` is gone, a clone unlocks the count and weak handles work again.
    let c = a.clone();
    assert_eq!(PoolRc::strong_count(&a), 2);
    let weak = PoolRc::downgrade(&c);
    assert_eq!(weak.upgrade().map(|up| up.0), Some(2));
    drop((a, b, c));
    assert_used::<CopyLockPool>(0);
}

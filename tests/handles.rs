//! `PoolBox` as a type: the traits it forwards to its item, its size, its address stability, pinning, and
//! the auto traits (`Send`, `Sync`) it takes from the item.

use std::cell::Cell;
use std::collections::HashSet;
use std::fmt;
use std::hash::{BuildHasher, RandomState};
use std::marker::PhantomData;
use std::mem::size_of;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::MutexGuard;

use blockpool::{PoolBox, PoolBoxUninit, StaticPool, memory_pool};
use static_assertions::{assert_impl_all, assert_not_impl_any, assert_type_eq_all};

/// An item with every trait `PoolBox` forwards.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u16,
    pub minor: u16,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}.{}", self.major, self.minor)
    }
}

const fn version(major: u16, minor: u16) -> Version {
    Version { major, minor }
}

#[memory_pool(type = Version, count = 2)]
pub struct FormatPool;

#[memory_pool(type = Version, count = 3)]
pub struct ComparePool;

#[memory_pool(type = Version, count = 4)]
pub struct OrderPool;

#[memory_pool(type = Version, count = 3)]
pub struct HashPool;

#[memory_pool(type = Version, count = 1)]
pub struct PinnedPool;

#[memory_pool(type = Version, count = 2)]
pub struct MovePool;

#[memory_pool(type = Version, count = 1)]
pub struct AccessPool;

/// `Send + Sync`.
#[memory_pool(count = 1)]
pub struct Plain(pub u32);

/// `Send`, not `Sync`.
#[memory_pool(count = 1)]
pub struct Celled(pub Cell<u32>);

/// Neither `Send` nor `Sync`.
#[memory_pool(count = 1)]
pub struct Counted(pub Rc<u32>);

/// `Sync`, not `Send` (like a mutex guard).
#[memory_pool(count = 1)]
pub struct Guarded {
    pub byte: u8,
    _not_send: PhantomData<MutexGuard<'static, ()>>,
}

/// A big item, to show that the handle's size does not depend on the item's.
#[memory_pool(count = 1)]
pub struct Large(pub [u64; 512]);

assert_impl_all!(PoolBox<PlainPool>: Send, Sync);
assert_impl_all!(PoolBoxUninit<PlainPool>: Send, Sync);
assert_impl_all!(PoolBox<CelledPool>: Send);
assert_not_impl_any!(PoolBox<CelledPool>: Sync);
assert_impl_all!(PoolBoxUninit<CelledPool>: Send);
assert_not_impl_any!(PoolBoxUninit<CelledPool>: Sync);
assert_not_impl_any!(PoolBox<CountedPool>: Send, Sync);
assert_not_impl_any!(PoolBoxUninit<CountedPool>: Send, Sync);
assert_impl_all!(PoolBox<GuardedPool>: Sync);
assert_not_impl_any!(PoolBox<GuardedPool>: Send);
assert_impl_all!(PoolBoxUninit<GuardedPool>: Sync);
assert_not_impl_any!(PoolBoxUninit<GuardedPool>: Send);

// An owning handle: neither copied nor cloned (that would free the block twice).
assert_not_impl_any!(PoolBox<PlainPool>: Clone, Copy);
assert_not_impl_any!(PoolBoxUninit<PlainPool>: Clone, Copy);

// The item never moves while the handle lives.
assert_impl_all!(PoolBox<PlainPool>: stable_deref_trait::StableDeref);
assert_impl_all!(PoolBox<LargePool>: stable_deref_trait::StableDeref);

// The pool types themselves are zero-sized markers.
assert_impl_all!(PlainPool: StaticPool, Copy, Default, Send, Sync, fmt::Debug);
assert_type_eq_all!(<PlainPool as StaticPool>::Item, Plain);
assert_type_eq_all!(<FormatPool as StaticPool>::Item, Version);

#[test]
fn handles_are_one_pointer_wide() {
    assert!(size_of::<PoolBox<PlainPool>>() <= size_of::<usize>());
    assert!(size_of::<Option<PoolBox<PlainPool>>>() <= size_of::<usize>());
    assert!(size_of::<PoolBox<LargePool>>() <= size_of::<usize>());
    assert!(size_of::<Option<PoolBox<LargePool>>>() <= size_of::<usize>());
    assert!(size_of::<Pin<PoolBox<LargePool>>>() <= size_of::<usize>());
    assert_eq!(size_of::<PlainPool>(), 0);
    assert_eq!(size_of::<LargePool>(), 0);

    // An `Option` of a handle uses the niche and still works as an option.
    let mut slot: Option<PoolBox<LargePool>> = None;
    assert!(slot.is_none());
    slot = Some(LargePool::alloc(Large([7; 512])).unwrap());
    assert_eq!(slot.as_ref().map(|large| large.0[511]), Some(7));
    slot.take();
    <LargePool as blockpool::StaticPool>::assert_empty();
}

#[test]
fn debug_and_display_forward_to_the_item() {
    let a = FormatPool::alloc(version(1, 2)).unwrap();
    assert_eq!(format!("{a:?}"), format!("{:?}", version(1, 2)));
    assert_eq!(format!("{a:#?}"), format!("{:#?}", version(1, 2)));
    assert_eq!(format!("{a}"), "v1.2");
    assert_eq!(a.to_string(), version(1, 2).to_string());
}

#[test]
fn equality_forwards_to_the_item() {
    let a = ComparePool::alloc(version(1, 0)).unwrap();
    let b = ComparePool::alloc(version(1, 0)).unwrap();
    let c = ComparePool::alloc(version(2, 0)).unwrap();
    assert_ne!(PoolBox::as_ptr(&a), PoolBox::as_ptr(&b), "two blocks");
    assert_eq!(
        a, b,
        "equal items make equal handles, whatever their blocks"
    );
    assert_ne!(a, c);
    assert!(a == b && b != c);
}

#[test]
fn ordering_forwards_to_the_item() {
    let mut all: Vec<PoolBox<OrderPool>> =
        [version(3, 1), version(1, 9), version(3, 0), version(2, 5)]
            .into_iter()
            .map(|v| OrderPool::alloc(v).unwrap())
            .collect();
    assert!(all[1] < all[0]);
    assert_eq!(all[2].partial_cmp(&all[0]), Some(std::cmp::Ordering::Less));
    assert_eq!(all[0].cmp(&all[0]), std::cmp::Ordering::Equal);
    all.sort();
    let sorted: Vec<Version> = all.iter().map(|v| (**v).clone()).collect();
    assert_eq!(
        sorted,
        [version(1, 9), version(2, 5), version(3, 0), version(3, 1)]
    );
    assert_eq!(**all.iter().max().unwrap(), version(3, 1));
}

#[test]
fn hashing_forwards_to_the_item() {
    let state = RandomState::new();
    let a = HashPool::alloc(version(4, 2)).unwrap();
    assert_eq!(state.hash_one(&a), state.hash_one(version(4, 2)));
    assert_eq!(state.hash_one(&a), state.hash_one(&*a));

    // Usable as a set element: equal items are one element.
    let b = HashPool::alloc(version(4, 2)).unwrap();
    let c = HashPool::alloc(version(5, 0)).unwrap();
    let mut set = HashSet::new();
    assert!(set.insert(a));
    assert!(!set.insert(b), "an equal item is already in the set");
    assert!(set.insert(c));
    assert_eq!(set.len(), 2);
    drop(set);
    assert_eq!(
        HashPool::stats().used,
        0,
        "the set dropped every handle, the rejected one included"
    );
    assert_eq!(HashPool::validate(), Ok(()));
}

#[test]
fn into_pin_keeps_the_item_in_its_block() {
    let boxed = PinnedPool::alloc(version(0, 1)).unwrap();
    let at = PoolBox::as_ptr(&boxed);
    let mut pinned: Pin<PoolBox<PinnedPool>> = PoolBox::into_pin(boxed);
    assert_eq!(std::ptr::from_ref(&*pinned), at.as_ptr().cast_const());
    assert_eq!(*pinned, version(0, 1));
    // `Version` is `Unpin`, so a pinned handle still gives `&mut`.
    pinned.as_mut().get_mut().minor = 2;
    assert_eq!(pinned.minor, 2);
    assert_eq!(PinnedPool::stats().used, 1);
    drop(pinned);
    <PinnedPool as blockpool::StaticPool>::assert_empty();
}

#[test]
fn as_ptr_is_stable_across_moves() {
    let boxed = MovePool::alloc(version(7, 7)).unwrap();
    let at = PoolBox::as_ptr(&boxed);
    assert_eq!(std::ptr::from_ref(&*boxed), at.as_ptr().cast_const());

    // Into a vector, into a `Box`, into a struct, across a thread and back: the item stays where it is.
    let mut moved = vec![boxed];
    assert_eq!(PoolBox::as_ptr(&moved[0]), at);
    let boxed = Box::new(moved.pop().unwrap());
    assert_eq!(PoolBox::as_ptr(&boxed), at);
    struct Holder {
        handle: PoolBox<MovePool>,
    }
    let holder = Holder { handle: *boxed };
    assert_eq!(PoolBox::as_ptr(&holder.handle), at);
    let address = at.as_ptr().addr();
    let back = std::thread::spawn(move || {
        assert_eq!(PoolBox::as_ptr(&holder.handle).as_ptr().addr(), address);
        holder.handle
    })
    .join()
    .unwrap();
    assert_eq!(PoolBox::as_ptr(&back), at);
    assert_eq!(std::ptr::from_ref(&*back), at.as_ptr().cast_const());
    assert_eq!(*back, version(7, 7));

    // `as_ptr` agrees with the address the item is reached at through `Deref`, `AsRef` and `AsMut`.
    let mut back = back;
    assert_eq!(std::ptr::from_ref(back.as_ref()), at.as_ptr().cast_const());
    assert_eq!(std::ptr::from_mut(back.as_mut()), at.as_ptr());
}

#[test]
fn deref_as_ref_and_as_mut_reach_the_item() {
    let mut boxed = AccessPool::alloc(version(1, 1)).unwrap();
    boxed.major = 9; // DerefMut
    boxed.as_mut().minor = 8;
    assert_eq!(boxed.as_ref(), &version(9, 8));
    let item: &Version = &boxed;
    assert_eq!(item.major, 9);
    fn takes_stable<T: stable_deref_trait::StableDeref<Target = Version>>(handle: T) -> u16 {
        handle.minor
    }
    assert_eq!(takes_stable(boxed), 8);
    <AccessPool as blockpool::StaticPool>::assert_empty();
}

#[test]
fn the_auto_trait_pools_work() {
    // The pools whose items are not `Send` or `Sync` are still usable on one thread.
    let plain = PlainPool::alloc(Plain(1)).unwrap();
    let celled = CelledPool::alloc(Celled(Cell::new(2))).unwrap();
    celled.0.set(3);
    let counted = CountedPool::alloc(Counted(Rc::new(4))).unwrap();
    let clone = Rc::clone(&counted.0);
    assert_eq!(Rc::strong_count(&clone), 2);
    let guarded = GuardedPool::alloc(Guarded {
        byte: 5,
        _not_send: PhantomData,
    })
    .unwrap();
    assert_eq!(
        (plain.0, celled.0.get(), *counted.0, guarded.byte),
        (1, 3, 4, 5)
    );
    drop(counted);
    assert_eq!(
        Rc::strong_count(&clone),
        1,
        "the item's `Rc` was dropped with the handle"
    );
}

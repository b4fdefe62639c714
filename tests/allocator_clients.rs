//! Byte pools under real allocator clients: hashbrown's `HashMap`/`HashSet` (allocator-api2 **0.2**, the
//! `allocator-api2-02` feature) and allocator-api2 **0.4**'s `Vec`/`Box`, each under a random workload checked
//! against std's collections, and each brought to exhaustion, where it must report a clean `Err`.
//!
//! Each test has pools of its own (tests run in parallel). The random workloads stay within their pool, so
//! an infallible operation (`insert`, `push`) never meets a full pool; exhaustion is tested with the
//! fallible ones (`try_reserve`, `try_new_in`).

use std::collections::{HashMap as StdMap, HashSet as StdSet};

use allocator_api2::boxed::Box;
use allocator_api2::vec::Vec;
use blockpool::{BytePool, pools};
use hashbrown::{DefaultHashBuilder, HashMap, HashSet};
use proptest::prelude::*;

pools! {
    // Room for a map of up to 256 small entries while it resizes (the old and the new table at once).
    pub MapPool(classes = [(64, 16), (256, 16), (1024, 8), (4096, 4), (16384, 2)]);
    pub SetPool(classes = [(64, 16), (256, 16), (1024, 8), (4096, 4), (16384, 2)]);
    pub VecPool(classes = [(16, 32), (64, 16), (256, 8), (1024, 4), (4096, 2), (8192, 2), (16384, 2)]);
    pub BoxPool(classes = [(16, 64), (64, 16), (256, 4)]);
    pub FullMap(classes = [(64, 2), (256, 1), (1024, 1)]);
    pub FullSet(classes = [(64, 2), (512, 1)]);
    pub FullVec(classes = [(64, 1), (256, 1)]);
}

type PoolMap<P> = HashMap<u8, u64, DefaultHashBuilder, P>;

fn empty<P: BytePool>() {
    assert_eq!(P::stats().used, 0, "{} still has blocks in use", P::NAME);
    assert_eq!(P::validate(), Ok(()));
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: if cfg!(miri) { 4 } else { 128 },
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

#[derive(Clone, Debug)]
enum MapOp {
    Insert(u8, u64),
    Remove(u8),
    Reserve(u8),
    ShrinkToFit,
    Clear,
}

fn map_op() -> impl Strategy<Value = MapOp> {
    prop_oneof![
        6 => (any::<u8>(), any::<u64>()).prop_map(|(k, v)| MapOp::Insert(k, v)),
        3 => any::<u8>().prop_map(MapOp::Remove),
        1 => any::<u8>().prop_map(MapOp::Reserve),
        1 => Just(MapOp::ShrinkToFit),
        1 => Just(MapOp::Clear),
    ]
}

#[derive(Clone, Debug)]
enum VecOp {
    Push(u32),
    Pop,
    Insert(usize, u32),
    Truncate(usize),
    Reserve(usize),
    ShrinkToFit,
    Extend(u16),
}

fn vec_op() -> impl Strategy<Value = VecOp> {
    prop_oneof![
        6 => any::<u32>().prop_map(VecOp::Push),
        2 => Just(VecOp::Pop),
        2 => (any::<usize>(), any::<u32>()).prop_map(|(i, v)| VecOp::Insert(i, v)),
        1 => (0..1200usize).prop_map(VecOp::Truncate),
        1 => (0..600usize).prop_map(VecOp::Reserve),
        1 => Just(VecOp::ShrinkToFit),
        1 => (0..300u16).prop_map(VecOp::Extend),
    ]
}

/// The most `u32`s a `VecPool` vector holds: growth doubles the capacity, so it may ask for up to 12000
/// bytes, which a 16384-byte block holds (two of them: the old buffer and the new one while it moves).
const VEC_MAX: usize = 1500;

proptest! {
    #![proptest_config(config())]

    #[test]
    fn hashbrown_map_matches_std(ops in proptest::collection::vec(map_op(), 1..80)) {
        let mut map: PoolMap<MapPool> = HashMap::new_in(MapPool);
        let mut model = StdMap::new();
        for op in &ops {
            match *op {
                MapOp::Insert(k, v) => prop_assert_eq!(map.insert(k, v), model.insert(k, v)),
                MapOp::Remove(k) => prop_assert_eq!(map.remove(&k), model.remove(&k)),
                MapOp::Reserve(n) => map.try_reserve(usize::from(n)).unwrap(),
                MapOp::ShrinkToFit => map.shrink_to_fit(),
                MapOp::Clear => {
                    map.clear();
                    model.clear();
                }
            }
            prop_assert_eq!(map.len(), model.len());
            prop_assert!(model.iter().all(|(k, v)| map.get(k) == Some(v)));
            prop_assert_eq!(MapPool::validate(), Ok(()));
        }
        drop(map);
        empty::<MapPool>();
    }

    #[test]
    fn hashbrown_set_matches_std(keys in proptest::collection::vec((any::<u8>(), any::<bool>()), 1..120)) {
        let mut set: HashSet<u8, DefaultHashBuilder, SetPool> = HashSet::with_hasher_in(DefaultHashBuilder::default(), SetPool);
        let mut model = StdSet::new();
        for &(key, insert) in &keys {
            if insert {
                prop_assert_eq!(set.insert(key), model.insert(key));
            } else {
                prop_assert_eq!(set.remove(&key), model.remove(&key));
            }
            prop_assert_eq!(set.len(), model.len());
        }
        prop_assert!(model.iter().all(|k| set.contains(k)));
        let clone = set.clone();
        prop_assert_eq!(&clone, &set);
        drop((set, clone));
        empty::<SetPool>();
    }

    #[test]
    fn allocator_api2_vec_matches_std(ops in proptest::collection::vec(vec_op(), 1..80)) {
        let mut v: Vec<u32, VecPool> = Vec::new_in(VecPool);
        let mut model: std::vec::Vec<u32> = std::vec::Vec::new();
        for (step, op) in ops.iter().enumerate() {
            match *op {
                VecOp::Push(x) if model.len() < VEC_MAX => {
                    v.push(x);
                    model.push(x);
                }
                VecOp::Pop => prop_assert_eq!(v.pop(), model.pop()),
                VecOp::Insert(i, x) if model.len() < VEC_MAX => {
                    let i = i % (model.len() + 1);
                    v.insert(i, x);
                    model.insert(i, x);
                }
                VecOp::Truncate(n) => {
                    v.truncate(n);
                    model.truncate(n);
                }
                VecOp::Reserve(n) => {
                    let n = n.min(VEC_MAX - model.len());
                    v.try_reserve(n).unwrap();
                    prop_assert!(v.capacity() >= v.len() + n);
                }
                VecOp::ShrinkToFit => v.shrink_to_fit(),
                VecOp::Extend(n) => {
                    let n = usize::from(n).min(VEC_MAX - model.len());
                    let items = (0..n as u32).map(|i| i.wrapping_mul(2_654_435_761) ^ step as u32);
                    v.extend(items.clone());
                    model.extend(items);
                }
                _ => {}
            }
            prop_assert_eq!(&v[..], &model[..]);
            prop_assert!(v.capacity() >= v.len());
            prop_assert_eq!(v.as_ptr() as usize % align_of::<u32>(), 0);
            prop_assert_eq!(VecPool::validate(), Ok(()));
        }
        // A boxed slice from the Vec: shrinks to its length, in place or into a smaller class.
        let boxed = v.into_boxed_slice();
        prop_assert_eq!(&boxed[..], &model[..]);
        drop(boxed);
        empty::<VecPool>();
    }

    #[test]
    fn allocator_api2_boxes_match_std(values in proptest::collection::vec(any::<u64>(), 1..60)) {
        let boxes: std::vec::Vec<Box<u64, BoxPool>> = values.iter().map(|&v| Box::new_in(v, BoxPool)).collect();
        let large: std::vec::Vec<Box<[u64; 6], BoxPool>> =
            values.iter().take(16).map(|&v| Box::new_in([v; 6], BoxPool)).collect();
        prop_assert!(boxes.iter().zip(&values).all(|(b, v)| **b == *v));
        prop_assert!(large.iter().zip(&values).all(|(b, v)| **b == [*v; 6]));
        prop_assert_eq!(BoxPool::stats().used, boxes.len() + large.len());
        drop((boxes, large));
        empty::<BoxPool>();
    }
}

#[test]
fn a_full_hash_map_reports_try_reserve_errors() {
    let mut map: PoolMap<FullMap> = HashMap::new_in(FullMap);
    // Far beyond the largest class, and beyond any capacity at all.
    assert!(map.try_reserve(100_000).is_err());
    assert!(map.try_reserve(usize::MAX).is_err());
    // Fill the pool: grow only through `try_reserve`, so that `insert` never needs to allocate.
    let mut inserted = 0u8;
    while map.try_reserve(1).is_ok() {
        assert_eq!(map.insert(inserted, u64::from(inserted) * 3), None);
        inserted += 1;
    }
    assert!(inserted > 8, "the map held only {inserted} entries");
    assert_eq!(map.len(), usize::from(inserted));
    assert!((0..inserted).all(|k| map.get(&k) == Some(&(u64::from(k) * 3))));
    assert!(FullMap::stats().failures > 0);
    assert_eq!(FullMap::validate(), Ok(()));
    // The map still works (lookups, removals, updates in place), and gives everything back.
    assert_eq!(map.remove(&0), Some(0));
    *map.get_mut(&1).unwrap() = 9;
    assert_eq!(map.get(&1), Some(&9));
    assert_eq!(map.len(), usize::from(inserted) - 1);
    drop(map);
    empty::<FullMap>();
}

#[test]
fn a_full_hash_set_reports_try_reserve_errors() {
    let mut set: HashSet<u32, DefaultHashBuilder, FullSet> =
        HashSet::with_hasher_in(DefaultHashBuilder::default(), FullSet);
    let mut inserted = 0;
    while set.try_reserve(1).is_ok() {
        assert!(set.insert(inserted));
        inserted += 1;
    }
    assert!(inserted > 8, "the set held only {inserted} entries");
    assert!((0..inserted).all(|k| set.contains(&k)));
    assert_eq!(FullSet::validate(), Ok(()));
    drop(set);
    empty::<FullSet>();
}

#[test]
fn a_full_vec_and_box_report_errors() {
    let mut v: Vec<u8, FullVec> = Vec::new_in(FullVec);
    v.try_reserve(200).unwrap();
    v.extend_from_slice(&[1; 200]);
    assert!(v.try_reserve(100).is_err(), "no class holds 300 bytes");
    assert!(v.try_reserve_exact(usize::MAX / 2).is_err());
    let small = Box::try_new_in([2u8; 40], FullVec).unwrap();
    assert!(
        Box::try_new_in([3u8; 40], FullVec).is_err(),
        "the pool is full"
    );
    assert_eq!(&v[..], &[1; 200][..]);
    assert_eq!(*small, [2; 40]);
    assert_eq!(FullVec::validate(), Ok(()));
    drop((v, small));
    empty::<FullVec>();
}

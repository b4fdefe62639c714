//! Model-based property tests: random sequences of every pool operation, run against the real pools and
//! against a plain reference model; after every step the pool's `stats()` must match the model and
//! `validate()` must pass. The number of cases comes from `PROPTEST_CASES` (CI runs 10,000).

use blockpool::{PoolBox, PoolBytes, PoolError, PoolRc, PoolWeak, RawPool, memory_pool, pools};
use proptest::prelude::*;
use std::ptr::NonNull;

const CAPACITY: usize = 6;

/// The item: a value plus a copy of it, so that a torn or foreign write shows.
#[memory_pool(count = 6, refcount = u8, zeroize)]
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    value: u32,
    check: u32,
}

impl Item {
    fn new(value: u32) -> Self {
        Self {
            value,
            check: !value,
        }
    }

    fn is_intact(&self) -> bool {
        self.check == !self.value
    }
}

#[derive(Clone, Debug)]
enum Op {
    Alloc(u32),
    AllocWith(u32),
    DropBox(usize),
    AllocShared(u32),
    IntoShared(usize),
    Clone(usize),
    DropRc(usize),
    MakeMut(usize, u32),
    TryUnwrap(usize),
    IntoBox(usize),
    Downgrade(usize),
    Upgrade(usize),
    AllocRaw,
    FreeRaw(usize),
    FreeRawTwice(usize),
    FreeInterior(usize),
    FreeForeign,
    FreeOnePastEnd,
}

fn op() -> impl Strategy<Value = Op> {
    let slot = 0..8usize;
    prop_oneof![
        any::<u32>().prop_map(Op::Alloc),
        any::<u32>().prop_map(Op::AllocWith),
        slot.clone().prop_map(Op::DropBox),
        any::<u32>().prop_map(Op::AllocShared),
        slot.clone().prop_map(Op::IntoShared),
        slot.clone().prop_map(Op::Clone),
        slot.clone().prop_map(Op::DropRc),
        (slot.clone(), any::<u32>()).prop_map(|(i, v)| Op::MakeMut(i, v)),
        slot.clone().prop_map(Op::TryUnwrap),
        slot.clone().prop_map(Op::IntoBox),
        slot.clone().prop_map(Op::Downgrade),
        slot.clone().prop_map(Op::Upgrade),
        Just(Op::AllocRaw),
        slot.clone().prop_map(Op::FreeRaw),
        slot.clone().prop_map(Op::FreeRawTwice),
        slot.clone().prop_map(Op::FreeInterior),
        Just(Op::FreeForeign),
        Just(Op::FreeOnePastEnd),
    ]
}

/// What the model knows of one item: its value, how many strong handles share it, and whether weak
/// handles made before now may still reach it (`make_mut` and `into_box` detach them).
#[derive(Clone, Debug)]
struct ModelItem {
    value: u32,
    strong: usize,
    generation: usize,
}

/// The real handles, each with the model item it refers to.
#[derive(Default)]
struct World {
    items: Vec<Option<ModelItem>>,
    boxes: Vec<(PoolBox<ItemPool>, usize)>,
    rcs: Vec<(PoolRc<ItemPool>, usize)>,
    weaks: Vec<(PoolWeak<ItemPool>, usize, usize)>,
    raws: Vec<NonNull<u8>>,
    allocs: u64,
    frees: u64,
    failures: u64,
}

impl World {
    fn used(&self) -> usize {
        self.items.iter().flatten().count() + self.raws.len()
    }

    fn full(&self) -> bool {
        self.used() == CAPACITY
    }

    fn new_item(&mut self, value: u32, strong: usize) -> usize {
        self.allocs += 1;
        self.items.push(Some(ModelItem {
            value,
            strong,
            generation: 0,
        }));
        self.items.len() - 1
    }

    fn item(&mut self, id: usize) -> &mut ModelItem {
        self.items[id]
            .as_mut()
            .expect("handles refer to live items")
    }

    fn release_strong(&mut self, id: usize) {
        let item = self.item(id);
        item.strong -= 1;
        if item.strong == 0 {
            self.items[id] = None;
            self.frees += 1;
        }
    }

    fn fail(&mut self) {
        self.failures += 1;
    }
}

fn pick<T>(list: &[T], index: usize) -> Option<usize> {
    (!list.is_empty()).then(|| index % list.len())
}

/// Runs one operation on the pool and the model; panics where they disagree.
fn step(world: &mut World, op: &Op, base: usize) {
    let raw: &dyn RawPool = &ItemPool;
    let block_size = raw.layout().size();
    match *op {
        Op::Alloc(value) | Op::AllocWith(value) => {
            let result = match op {
                Op::Alloc(_) => ItemPool::alloc(Item::new(value)).map_err(|failed| {
                    assert_eq!(
                        failed.into_inner(),
                        Item::new(value),
                        "a failed alloc gives the value back"
                    );
                    PoolError::Exhausted
                }),
                _ => ItemPool::alloc_with(|| Item::new(value)),
            };
            match result {
                Ok(handle) => {
                    assert!(!world.full(), "alloc succeeded on a full pool");
                    let id = world.new_item(value, 0);
                    world.boxes.push((handle, id));
                }
                Err(error) => {
                    assert_eq!(error, PoolError::Exhausted);
                    assert!(world.full(), "alloc failed with free blocks");
                    world.fail();
                }
            }
        }
        Op::DropBox(i) => {
            if let Some(i) = pick(&world.boxes, i) {
                let (handle, id) = world.boxes.swap_remove(i);
                assert_eq!(handle.value, world.item(id).value);
                drop(handle);
                world.items[id] = None;
                world.frees += 1;
            }
        }
        Op::AllocShared(value) => match ItemPool::alloc_shared(Item::new(value)) {
            Ok(handle) => {
                assert!(!world.full());
                let id = world.new_item(value, 1);
                world.rcs.push((handle, id));
            }
            Err(failed) => {
                assert_eq!(failed.error(), PoolError::Exhausted);
                assert!(world.full());
                world.fail();
            }
        },
        Op::IntoShared(i) => {
            if let Some(i) = pick(&world.boxes, i) {
                let (handle, id) = world.boxes.swap_remove(i);
                world.item(id).strong = 1;
                world.rcs.push((PoolBox::into_shared(handle), id));
            }
        }
        Op::Clone(i) => {
            if let Some(i) = pick(&world.rcs, i) {
                let id = world.rcs[i].1;
                let clone = world.rcs[i].0.clone();
                world.item(id).strong += 1;
                assert_eq!(PoolRc::strong_count(&clone), world.item(id).strong);
                world.rcs.push((clone, id));
            }
        }
        Op::DropRc(i) => {
            if let Some(i) = pick(&world.rcs, i) {
                let (handle, id) = world.rcs.swap_remove(i);
                assert_eq!(handle.value, world.item(id).value);
                drop(handle);
                world.release_strong(id);
            }
        }
        Op::MakeMut(i, value) => {
            if let Some(i) = pick(&world.rcs, i) {
                let id = world.rcs[i].1;
                let shared = world.item(id).strong > 1;
                let full = world.full();
                match PoolRc::make_mut(&mut world.rcs[i].0) {
                    Ok(item) => {
                        *item = Item::new(value);
                        if shared {
                            assert!(!full, "make_mut copied into a full pool");
                            world.release_strong(id);
                            let copy = world.new_item(value, 1);
                            world.rcs[i].1 = copy;
                        } else {
                            let item = world.item(id);
                            item.value = value;
                            item.generation += 1;
                        }
                    }
                    Err(error) => {
                        assert_eq!(error, PoolError::Exhausted);
                        assert!(
                            shared && full,
                            "make_mut failed without needing a copy into a full pool"
                        );
                        world.fail();
                    }
                }
            }
        }
        Op::TryUnwrap(i) => {
            if let Some(i) = pick(&world.rcs, i) {
                let (handle, id) = world.rcs.swap_remove(i);
                match PoolRc::try_unwrap(handle) {
                    Ok(item) => {
                        assert_eq!(
                            world.item(id).strong,
                            1,
                            "try_unwrap succeeded while shared"
                        );
                        assert_eq!(item.value, world.item(id).value);
                        world.release_strong(id);
                    }
                    Err(handle) => {
                        assert!(
                            world.item(id).strong > 1,
                            "try_unwrap failed on the only handle"
                        );
                        world.rcs.push((handle, id));
                    }
                }
            }
        }
        Op::IntoBox(i) => {
            if let Some(i) = pick(&world.rcs, i) {
                let (handle, id) = world.rcs.swap_remove(i);
                match PoolRc::into_box(handle) {
                    Ok(boxed) => {
                        assert_eq!(world.item(id).strong, 1);
                        let item = world.item(id);
                        item.strong = 0;
                        item.generation += 1;
                        world.boxes.push((boxed, id));
                    }
                    Err(handle) => {
                        assert!(world.item(id).strong > 1);
                        world.rcs.push((handle, id));
                    }
                }
            }
        }
        Op::Downgrade(i) => {
            if let Some(i) = pick(&world.rcs, i) {
                let id = world.rcs[i].1;
                let generation = world.item(id).generation;
                world
                    .weaks
                    .push((PoolRc::downgrade(&world.rcs[i].0), id, generation));
            }
        }
        Op::Upgrade(i) => {
            if let Some(i) = pick(&world.weaks, i) {
                let (weak, id, generation) = world.weaks[i];
                let reachable = world.items[id]
                    .as_ref()
                    .is_some_and(|item| item.strong > 0 && item.generation == generation);
                match weak.upgrade() {
                    Some(strong) => {
                        assert!(
                            reachable,
                            "a weak handle upgraded to a freed or detached item"
                        );
                        assert_eq!(strong.value, world.item(id).value);
                        world.item(id).strong += 1;
                        world.rcs.push((strong, id));
                    }
                    None => assert!(!reachable, "a weak handle failed to upgrade to a live item"),
                }
            }
        }
        Op::AllocRaw => match raw.alloc_raw() {
            Ok(block) => {
                assert!(!world.full());
                let bytes = unsafe_read(block, block_size);
                assert!(
                    bytes.iter().all(|&b| b == 0),
                    "a zeroize pool handed out a dirty block"
                );
                world.allocs += 1;
                world.raws.push(block);
            }
            Err(error) => {
                assert_eq!(error, PoolError::Exhausted);
                assert!(world.full());
                world.fail();
            }
        },
        Op::FreeRaw(i) | Op::FreeRawTwice(i) => {
            if let Some(i) = pick(&world.raws, i) {
                let block = world.raws.swap_remove(i);
                // SAFETY: the block came from `alloc_raw` and nothing refers into it.
                assert_eq!(unsafe { raw.free_raw(block) }, Ok(()));
                world.frees += 1;
                if matches!(op, Op::FreeRawTwice(_)) {
                    // SAFETY: the block is free and not handed out again in between: a checked error.
                    assert_eq!(unsafe { raw.free_raw(block) }, Err(PoolError::DoubleFree));
                }
            }
        }
        Op::FreeInterior(i) => {
            if let Some(i) = pick(&world.raws, i) {
                // SAFETY: the pointer is inside one of our raw blocks: a checked error, nothing freed.
                let inside = unsafe { NonNull::new_unchecked(world.raws[i].as_ptr().add(1)) };
                // SAFETY: as above.
                let result = unsafe { raw.free_raw(inside) };
                assert_eq!(result, Err(PoolError::NotBlockStart));
            }
        }
        Op::FreeForeign => {
            let mut local = 0u64;
            // SAFETY: a pointer that is not the pool's: a checked error.
            let result = unsafe { raw.free_raw(NonNull::from(&mut local).cast()) };
            assert_eq!(result, Err(PoolError::ForeignBlock));
        }
        Op::FreeOnePastEnd => {
            let end = (base + CAPACITY * block_size) as *mut u8;
            // SAFETY: one past the pool's storage: a checked error.
            let result = unsafe { raw.free_raw(NonNull::new(end).unwrap()) };
            assert_eq!(result, Err(PoolError::ForeignBlock));
        }
    }
}

fn unsafe_read(block: NonNull<u8>, len: usize) -> Vec<u8> {
    // SAFETY: a raw block of `len` bytes that we hold; every byte of a zeroize pool's block is initialised.
    unsafe { std::slice::from_raw_parts(block.as_ptr(), len) }.to_vec()
}

/// The storage's first block: a fresh pool hands out block 0 first.
fn storage_base() -> usize {
    use std::sync::OnceLock;
    static BASE: OnceLock<usize> = OnceLock::new();
    *BASE.get_or_init(|| {
        let raw: &dyn RawPool = &ItemPool;
        let block = raw.alloc_raw().unwrap();
        // SAFETY: just allocated, not used.
        unsafe { raw.free_raw(block) }.unwrap();
        block.as_ptr() as usize
    })
}

fn run(ops: &[Op]) {
    let base = storage_base();
    let before = ItemPool::stats();
    let mut world = World::default();
    for op in ops {
        step(&mut world, op, base);
        let stats = ItemPool::stats();
        assert_eq!(stats.used, world.used(), "used after {op:?}");
        assert_eq!(
            stats.allocs - before.allocs,
            world.allocs,
            "allocs after {op:?}"
        );
        assert_eq!(
            stats.frees - before.frees,
            world.frees,
            "frees after {op:?}"
        );
        assert_eq!(
            stats.failures - before.failures,
            world.failures,
            "failures after {op:?}"
        );
        assert!(stats.high_water >= stats.used);
        assert_eq!(ItemPool::validate(), Ok(()), "validate after {op:?}");
        for (handle, id) in world.boxes.iter() {
            assert!(handle.is_intact());
            assert_eq!(handle.value, world.items[*id].as_ref().unwrap().value);
        }
        for (handle, _) in world.rcs.iter() {
            assert!(handle.is_intact());
        }
    }
    // Everything goes back.
    world.boxes.clear();
    world.rcs.clear();
    for block in world.raws.drain(..) {
        // SAFETY: raw blocks we hold.
        let result = unsafe { (&ItemPool as &dyn RawPool).free_raw(block) };
        assert_eq!(result, Ok(()));
    }
    <ItemPool as blockpool::StaticPool>::assert_empty();
    assert_eq!(ItemPool::validate(), Ok(()));
}

/// Cases from `PROPTEST_CASES` (default 256); no regression files, since CI runs from a clean checkout.
fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]
    #[test]
    fn typed_shared_and_raw_operations_match_the_model(ops in proptest::collection::vec(op(), 1..48)) {
        run(&ops);
    }
}

// ---- byte pools ----

pools! {
    map = MODEL_MAP;
    pub ModelBytes(classes = [(64, 3), (256, 2), (1024, 1)], align = 8);
}

const CLASSES: [(usize, usize); 3] = [(64, 3), (256, 2), (1024, 1)];

#[derive(Clone, Debug)]
enum ByteOp {
    Alloc(usize),
    Drop(usize),
    Resize(usize, usize),
    Grow(usize, usize),
    Clone(usize),
}

fn byte_op() -> impl Strategy<Value = ByteOp> {
    let len = prop_oneof![0..=70usize, 60..=300usize, 200..=1100usize];
    prop_oneof![
        len.clone().prop_map(ByteOp::Alloc),
        (0..8usize).prop_map(ByteOp::Drop),
        (0..8usize, len.clone()).prop_map(|(i, n)| ByteOp::Resize(i, n)),
        (0..8usize, len).prop_map(|(i, n)| ByteOp::Grow(i, n)),
        (0..8usize).prop_map(ByteOp::Clone),
    ]
}

/// Which class the pool must pick for `len` bytes given the classes' use, or the error.
fn expected_class(used: &[usize; 3], len: usize) -> Result<usize, PoolError> {
    if len == 0 {
        return Err(PoolError::ZeroSize);
    }
    if len > 1024 {
        return Err(PoolError::TooLarge {
            requested: len,
            capacity: 1024,
        });
    }
    (0..3)
        .find(|&c| CLASSES[c].0 >= len && used[c] < CLASSES[c].1)
        .ok_or(PoolError::Exhausted)
}

fn class_of(bytes: &PoolBytes<ModelBytes>) -> usize {
    CLASSES
        .iter()
        .position(|(size, _)| *size == bytes.block_size())
        .unwrap()
}

fn run_bytes(ops: &[ByteOp]) {
    let mut live: Vec<(PoolBytes<ModelBytes>, u8)> = Vec::new();
    let mut used = [0usize; 3];
    let mut fill = 1u8;
    for op in ops {
        match *op {
            ByteOp::Alloc(len) => {
                let expected = expected_class(&used, len);
                match ModelBytes::alloc_bytes(len) {
                    Ok(mut bytes) => {
                        assert_eq!(Ok(class_of(&bytes)), expected, "alloc_bytes({len})");
                        assert!(bytes.iter().all(|&b| b == 0), "not zero-filled");
                        assert_eq!(bytes.len(), len);
                        assert_eq!(bytes.as_ptr() as usize % 8, 0);
                        bytes.fill(fill);
                        used[class_of(&bytes)] += 1;
                        live.push((bytes, fill));
                        fill = fill.wrapping_add(1).max(1);
                    }
                    Err(error) => assert_eq!(Err(error), expected, "alloc_bytes({len})"),
                }
            }
            ByteOp::Drop(i) => {
                if let Some(i) = pick(&live, i) {
                    let (bytes, mark) = live.swap_remove(i);
                    assert!(bytes.iter().all(|&b| b == mark));
                    used[class_of(&bytes)] -= 1;
                }
            }
            ByteOp::Resize(i, len) => {
                if let Some(i) = pick(&live, i) {
                    let (bytes, mark) = &mut live[i];
                    let old = bytes.len();
                    match bytes.resize(len) {
                        Ok(()) => {
                            assert!(len <= bytes.capacity());
                            assert!(bytes[..old.min(len)].iter().all(|b| b == mark));
                            assert!(
                                bytes[old.min(len)..].iter().all(|&b| b == 0),
                                "new bytes are zero"
                            );
                            bytes.fill(*mark);
                        }
                        Err(error) => {
                            assert_eq!(
                                error,
                                PoolError::TooLarge {
                                    requested: len,
                                    capacity: bytes.capacity()
                                }
                            );
                            assert_eq!(bytes.len(), old, "a failed resize changes nothing");
                        }
                    }
                }
            }
            ByteOp::Grow(i, len) => {
                if let Some(i) = pick(&live, i) {
                    let (bytes, mark) = live.swap_remove(i);
                    let (old_len, old_class, capacity) =
                        (bytes.len(), class_of(&bytes), bytes.capacity());
                    let expected = if len <= capacity {
                        Ok(old_class)
                    } else {
                        expected_class(&used, len)
                    };
                    match bytes.grow(len) {
                        Ok(mut grown) => {
                            assert_eq!(Ok(class_of(&grown)), expected, "grow to {len}");
                            assert!(
                                grown[..old_len.min(len)].iter().all(|&b| b == mark),
                                "bytes copied"
                            );
                            grown.fill(mark);
                            used[old_class] -= 1;
                            used[class_of(&grown)] += 1;
                            live.push((grown, mark));
                        }
                        Err(failed) => {
                            let error = failed.error();
                            let original = failed.into_inner();
                            assert!(expected.is_err(), "grow to {len} failed with {error:?}");
                            assert_eq!(original.len(), old_len, "the original comes back intact");
                            assert!(original.iter().all(|&b| b == mark));
                            live.push((original, mark));
                        }
                    }
                }
            }
            ByteOp::Clone(i) => {
                if let Some(i) = pick(&live, i) {
                    // An empty buffer clones too, into a block like a 1-byte buffer's.
                    let expected = expected_class(&used, live[i].0.len().max(1));
                    match live[i].0.try_clone() {
                        Ok(copy) => {
                            assert_eq!(Ok(class_of(&copy)), expected);
                            assert_eq!(&*copy, &*live[i].0);
                            used[class_of(&copy)] += 1;
                            let mark = live[i].1;
                            live.push((copy, mark));
                        }
                        Err(error) => assert_eq!(Err(error), expected),
                    }
                }
            }
        }
        for (class, in_use) in used.iter().enumerate() {
            assert_eq!(
                ModelBytes::class_stats(class).unwrap().1.used,
                *in_use,
                "class {class} after {op:?}"
            );
        }
        assert_eq!(ModelBytes::validate(), Ok(()));
    }
    drop(live);
    assert_eq!(ModelBytes::stats().used, 0);
}

proptest! {
    #![proptest_config(config())]
    #[test]
    fn byte_pool_operations_match_the_model(ops in proptest::collection::vec(byte_op(), 1..40)) {
        run_bytes(&ops);
    }
}

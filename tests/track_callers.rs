//! `track_callers`: every block in use remembers where it was allocated, through every typed allocation
//! function; `holders()` and `holder_sites()` answer "who holds the blocks?" without a heap, and the pool's
//! `Debug` dump shows the sites.
// The items exist to be allocated; their fields are never read.
#![allow(dead_code)]

use std::panic::Location;

use blockpool::{PoolBox, PoolRc, RawPool, StaticPool, memory_pool, pools};

#[memory_pool(count = 4, track_callers)]
#[derive(Clone, Debug)]
pub struct Frame(u32);

/// The location of the line after the call to this function (the test's next statement).
#[track_caller]
fn here() -> &'static Location<'static> {
    Location::caller()
}

#[test]
fn each_block_remembers_the_line_that_allocated_it() {
    let (first, at_first) = (FramePool::alloc(Frame(1)).unwrap(), here());
    let (second, at_second) = (FramePool::alloc_with(|| Frame(2)).unwrap(), here());
    let holders: Vec<_> = FramePool::holders().collect();
    assert_eq!(holders.len(), 2);
    let site = |h: &blockpool::Holder| h.site.expect("tracked");
    assert_eq!(site(&holders[0]).line(), at_first.line());
    assert_eq!(site(&holders[0]).file(), file!());
    assert_eq!(site(&holders[1]).line(), at_second.line());
    drop(first);
    let holders: Vec<_> = FramePool::holders().collect();
    assert_eq!(holders.len(), 1, "a freed block is no longer a holder");
    drop(second);
    assert_eq!(FramePool::holders().count(), 0);
}

#[memory_pool(count = 8, track_callers)]
pub struct Msg(u8);

fn radio() -> PoolBox<MsgPool> {
    MsgPool::alloc(Msg(1)).unwrap()
}

fn log() -> PoolBox<MsgPool> {
    MsgPool::alloc_uninit().unwrap().write(Msg(2))
}

#[test]
fn holder_sites_group_the_blocks_by_line() {
    let held: Vec<_> = (0..3)
        .map(|_| radio())
        .chain((0..2).map(|_| log()))
        .collect();
    let sites: Vec<_> = MsgPool::holder_sites().collect();
    assert_eq!(sites.len(), 2);
    assert_eq!(sites[0].1, 3);
    assert_eq!(sites[1].1, 2);
    let text = MsgPool::holder_sites().to_string();
    let radio_line = sites[0].0.unwrap().line();
    let log_line = sites[1].0.unwrap().line();
    assert_eq!(
        text,
        format!(
            "5/8 in use: 3 at {file}:{radio_line}:5, 2 at {file}:{log_line}:5",
            file = file!()
        )
    );
    let dump = format!("{MsgPool:?}");
    assert!(
        dump.contains(&format!("{}:{radio_line}:5", file!())),
        "{dump}"
    );
    drop(held);
    assert_eq!(MsgPool::holder_sites().to_string(), "0/8 in use");
}

#[memory_pool(count = 1, track_callers)]
pub struct Raws(u32);

#[memory_pool(count = 2, refcount, track_callers)]
#[derive(Clone)]
pub struct Shared(u32);

#[test]
fn shared_and_raw_allocations_are_tracked_too() {
    let (rc, at) = (SharedPool::alloc_shared(Shared(1)).unwrap(), here());
    let mut copy: PoolRc<SharedPool> = rc.clone();
    let (_, at_copy) = (PoolRc::make_mut(&mut copy).unwrap(), here());
    let sites: Vec<_> = SharedPool::holders()
        .map(|h| h.site.unwrap().line())
        .collect();
    assert_eq!(sites, [at.line(), at_copy.line()]);
    drop((rc, copy));

    let (raw, at_raw) = (RawsPool.alloc_raw().unwrap(), here());
    let site = RawsPool::holders().next().and_then(|h| h.site).unwrap();
    assert_eq!(
        (site.file(), site.line()),
        (file!(), at_raw.line()),
        "{site}"
    );
    // SAFETY: `raw` came from `alloc_raw` and nothing refers into it.
    unsafe { RawsPool.free_raw(raw).unwrap() };
}

pools! {
    pub Tracked(type = u32, count = 2, track_callers);
    pub Plain(type = u32, count = 2);
}

#[test]
fn the_memory_map_counts_the_sites() {
    let rows = MEMORY_MAP.pools;
    assert_eq!(
        rows[0].bytes,
        rows[1].bytes + 2 * core::mem::size_of::<usize>(),
        "one pointer per block more for `track_callers`"
    );
}

#[test]
fn pools_entries_take_the_option_and_pools_without_it_record_nothing() {
    let (a, at) = (Tracked::alloc(1).unwrap(), here());
    assert_eq!(
        Tracked::holders().next().unwrap().site.unwrap().line(),
        at.line()
    );
    let b = Plain::alloc(2).unwrap();
    let holders: Vec<_> = <Plain as StaticPool>::holders().collect();
    assert_eq!(holders.len(), 1);
    assert_eq!(holders[0].site, None, "no sites without `track_callers`");
    assert_eq!(
        <Plain as StaticPool>::holder_sites().to_string(),
        "1/2 in use: 1 at an unrecorded site"
    );
    drop((a, b));
}

pub struct Item(u64);

#[memory_pool(type = Item, count = 2, track_callers)]
struct ItemPool;

#[test]
fn the_unit_struct_form_takes_the_option() {
    let (held, at) = (ItemPool::alloc(Item(1)).unwrap(), here());
    assert_eq!(
        ItemPool::holders().next().unwrap().site.map(|s| s.line()),
        Some(at.line())
    );
    drop(held);
}

#[memory_pool(count = 1, track_callers, wait = 1)]
pub struct Awaited(u32);

/// Review round 13, finding 1: a block taken by `alloc_async` showed its previous owner's site.
#[test]
fn alloc_async_leaves_no_stale_site() {
    let held = AwaitedPool::alloc(Awaited(1)).unwrap();
    assert!(AwaitedPool::holders().next().unwrap().site.is_some());
    drop(held);
    let got = futures::executor::block_on(AwaitedPool::alloc_async(Awaited(2))).unwrap();
    assert_eq!(AwaitedPool::holders().next().unwrap().site, None);
    drop(got);
}

pools! {
    map = CHAIN_MAP;
    pub Member(type = u32, count = 1, track_callers);
    pub Chained(chain = [Member]);
}

/// Review round 13, finding 3: a block allocated through a chain showed the member's previous site.
#[test]
fn allocations_through_a_chain_leave_no_stale_site_in_the_member() {
    let direct = Member::alloc(1).unwrap();
    assert!(Member::holders().next().unwrap().site.is_some());
    drop(direct);
    let chained = Chained::alloc(2).unwrap();
    assert_eq!(Member::holders().next().unwrap().site, None);
    drop(chained);
}

#[memory_pool(count = 4, stats = false)]
pub struct Unstated(u32);

/// Review round 13, finding 5: on a pool without block states the holders are unknown, and the leak
/// message says so instead of "0/4 in use".
#[test]
fn a_pool_without_block_states_says_it_has_no_holders_to_list() {
    let held = [
        UnstatedPool::alloc(Unstated(1)).unwrap(),
        UnstatedPool::alloc(Unstated(2)).unwrap(),
    ];
    assert_eq!(
        UnstatedPool::holder_sites().to_string(),
        "2/4 in use (the pool keeps no block states: no holders to list)"
    );
    let message = std::panic::catch_unwind(UnstatedPool::assert_empty)
        .expect_err("two blocks are in use")
        .downcast::<String>()
        .unwrap();
    assert!(message.contains("2/4 in use"), "{message}");
    drop(held);
    UnstatedPool::assert_empty();
}

// Review round 20: a block whose generations ran out at a raw free retired with its raw holder's site, so
// it was listed for good at a holder that no longer existed. 2³² - 1 allocations: about 40 s in release,
// so it is ignored by default (`cargo test --release --test track_callers -- --ignored`); the runtime's
// unit test of the same name (`pool-runtime/src/handles/weak.rs`) sets the generation instead and runs
// in every `cargo test`.
#[memory_pool(count = 1, refcount, track_callers)]
pub struct Retiring(#[allow(dead_code)] u8);

#[test]
#[ignore = "2^32 - 1 allocations: about 40 s in release"]
fn a_block_retired_by_a_raw_free_names_no_holder() {
    for _ in 0..u32::MAX {
        let raw = RetiringPool.alloc_raw().expect("not retired yet");
        // SAFETY: the block was just taken raw and nothing refers into it.
        assert_eq!(unsafe { RetiringPool.free_raw(raw) }, Ok(()));
    }
    assert!(
        RetiringPool.alloc_raw().is_err(),
        "retired: the pool is empty for good"
    );
    let holders: Vec<_> = RetiringPool::holders().collect();
    assert_eq!(holders.len(), 1, "a retired block stays in use");
    assert_eq!(holders[0].site, None, "and names no holder");
}

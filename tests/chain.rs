//! Fallback chains (`chain = [..]` in `pools!`): allocation falls over to the next member, every handle
//! frees into the member it came from, the chain's counters, hooks, raw interface and shared handles.
//!
//! Each test uses pools of its own, since tests run on parallel threads.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use blockpool::{
    FailureEvent, PoolBox, PoolError, PoolKind, PoolRc, RawPool, StaticPool, memory_pool, pools,
};

#[derive(Debug, PartialEq, Eq, Clone)]
pub struct Msg {
    pub id: u32,
    pub body: [u8; 12],
}

fn msg(id: u32) -> Msg {
    Msg {
        id,
        body: [id as u8; 12],
    }
}

/// A pool declared elsewhere, with `#[memory_pool]`, to be a chain member by path.
mod radio {
    use super::Msg;

    #[blockpool::memory_pool(type = Msg, count = 2, align = 16)]
    pub struct RadioFast;
}

static CHAIN_FAILURES: AtomicUsize = AtomicUsize::new(0);
static MEMBER_FAILURES: AtomicUsize = AtomicUsize::new(0);

fn chain_failed(event: &FailureEvent) {
    assert_eq!(event.pool, "Msgs");
    CHAIN_FAILURES.fetch_add(1, Ordering::Relaxed);
}

fn member_failed(_: &FailureEvent) {
    MEMBER_FAILURES.fetch_add(1, Ordering::Relaxed);
}

pools! {
    map = CHAIN_MAP;
    pub Fast(type = Msg, count = 2, align = 16, on_failure = member_failed);
    pub Slow(type = Msg, count = 3, zeroize);
    pub Msgs(chain = [Fast, Slow], on_failure = chain_failed);

    pub RadioSlow(type = Msg, count = 2, align = 16);
    pub Radio(chain = [radio::RadioFast, crate::RadioSlow], align = 16);

    pub SharedFast(type = Msg, count = 1, refcount = u8);
    pub SharedSlow(type = Msg, count = 2, refcount = u8);
    pub Shared(chain = [SharedFast, SharedSlow]);

    pub ThreadFast(type = Msg, count = 4);
    pub ThreadSlow(type = Msg, count = 8, refcount);
    pub Threaded(chain = [ThreadFast, ThreadSlow]);

    pub RawFast(type = [u8; 32], count = 1);
    pub RawSlow(type = [u8; 32], count = 1, zeroize);
    pub Raw(chain = [RawFast, RawSlow]);

    pub InnerA(type = Msg, count = 2);
    pub InnerB(type = Msg, count = 3);
    pub Inner(chain = [InnerA, InnerB]);
    pub OuterLast(type = Msg, count = 4);
    pub Outer(chain = [Inner, OuterLast]);
}

#[test]
fn allocation_falls_over_to_the_next_member_and_frees_return_where_they_came_from() {
    let a = Msgs::alloc(msg(1)).unwrap();
    let b = Msgs::alloc(msg(2)).unwrap();
    assert_eq!(Fast::stats().used, 2, "the first member serves first");
    assert_eq!(Slow::stats().used, 0);
    let c = Msgs::alloc(msg(3)).unwrap();
    assert_eq!(Slow::stats().used, 1, "then the second");
    let d = Msgs::alloc(msg(4)).unwrap();
    let e = Msgs::alloc(msg(5)).unwrap();
    let full = Msgs::alloc(msg(6)).unwrap_err();
    assert_eq!(full.error(), PoolError::Exhausted);
    assert_eq!(
        full.into_inner(),
        msg(6),
        "a failed allocation gives the value back"
    );
    assert_eq!(
        CHAIN_FAILURES.load(Ordering::Relaxed),
        1,
        "the chain's hook, once"
    );
    assert_eq!(
        MEMBER_FAILURES.load(Ordering::Relaxed),
        0,
        "a member passed over by the chain reports no failure of its own"
    );
    assert_eq!(Fast::stats().failures, 0);
    assert_eq!(Msgs::stats().failures, 1);
    assert_eq!(Msgs::stats().used, 5);
    assert_eq!(Msgs::stats().capacity, 5);
    assert_eq!(Msgs::CAPACITY, 5);
    assert_eq!(Msgs::MEMBERS, 2);
    Msgs::validate().unwrap();

    // Frees go back to the member that served the block, whichever order.
    assert_eq!(c.id, 3);
    drop(c);
    assert_eq!((Fast::stats().used, Slow::stats().used), (2, 2));
    drop(a);
    assert_eq!((Fast::stats().used, Slow::stats().used), (1, 2));
    let again = Msgs::alloc(msg(7)).unwrap();
    assert_eq!(
        Fast::stats().used,
        2,
        "the freed Fast block is taken first again"
    );
    let inner = PoolBox::into_inner(b);
    assert_eq!(inner, msg(2));
    drop((again, d, e));
    assert_eq!(Msgs::stats().used, 0);
    Msgs::validate().unwrap();
    assert_eq!(Msgs::member_stats(0).unwrap().0, "Fast");
    assert_eq!(Msgs::member_stats(1).unwrap().1.capacity, 3);
    assert!(Msgs::member_stats(2).is_none());
    // `Slow` has `zeroize`: its blocks were wiped when freed through the chain.
    let raw = Slow.alloc_raw().unwrap();
    // SAFETY: the block was just taken raw; 20 bytes are inside it.
    let bytes = unsafe { core::slice::from_raw_parts(raw.as_ptr(), 16) };
    assert!(bytes.iter().all(|&b| b == 0), "wiped: {bytes:?}");
    // SAFETY: the block came from `alloc_raw` and the slice above is no longer used.
    unsafe { Slow.free_raw(raw).unwrap() };
}

#[test]
fn a_chain_handle_is_one_pointer_wide_and_round_trips_through_raw() {
    assert_eq!(size_of::<PoolBox<Msgs>>(), size_of::<usize>());
    assert_eq!(size_of::<Option<PoolBox<Msgs>>>(), size_of::<usize>());
    assert_eq!(size_of::<PoolRc<Shared>>(), size_of::<usize>());
    let a = Radio::alloc(msg(1)).unwrap();
    let b = Radio::alloc(msg(2)).unwrap();
    let c = Radio::alloc(msg(3)).unwrap();
    assert_eq!(radio::RadioFast::stats().used, 2);
    assert_eq!(RadioSlow::stats().used, 1);
    assert_eq!(PoolBox::as_ptr(&a).as_ptr() as usize % 16, 0);
    let raw = PoolBox::into_raw(c);
    // SAFETY: from `into_raw` of the same chain, rebuilt once.
    let c = unsafe { PoolBox::<Radio>::from_raw(raw) };
    assert_eq!(c.id, 3);
    drop((a, b, c));
    assert_eq!(Radio::stats().used, 0);
    Radio::validate().unwrap();
}

#[test]
fn shared_handles_through_a_chain() {
    let a: PoolRc<Shared> = Shared::alloc_shared(msg(1)).unwrap();
    let b = Shared::alloc_shared(msg(2)).unwrap();
    let weak = PoolRc::downgrade(&b);
    let b2 = b.clone();
    assert_eq!(PoolRc::strong_count(&b), 2);
    assert_eq!(SharedSlow::stats().used, 1);
    drop(b);
    assert_eq!(weak.upgrade().unwrap().id, 2);
    drop(b2);
    assert!(weak.upgrade().is_none(), "the item is gone");
    assert_eq!(SharedSlow::stats().used, 0);
    let boxed = PoolBox::into_shared(Shared::alloc(msg(3)).unwrap());
    assert_eq!(PoolRc::strong_count(&boxed), 1);
    drop((a, boxed));
    assert_eq!(Shared::stats().used, 0);
    Shared::validate().unwrap();
}

#[test]
fn the_raw_interface_of_a_chain() {
    let raw: &dyn RawPool = &Raw;
    assert_eq!(raw.name(), "Raw");
    assert_eq!(raw.layout().size(), 32);
    let first = raw.alloc_raw().unwrap();
    let second = raw.alloc_raw().unwrap();
    assert_eq!(raw.alloc_raw(), Err(PoolError::Exhausted));
    // SAFETY: the blocks came from `alloc_raw`; the interior and foreign pointers are checked.
    unsafe {
        second.as_ptr().write_bytes(0xAB, 32);
        assert_eq!(raw.free_raw(first.add(1)), Err(PoolError::NotBlockStart));
        let foreign = core::ptr::NonNull::from(&0u64).cast::<u8>();
        assert_eq!(raw.free_raw(foreign), Err(PoolError::ForeignBlock));
        assert_eq!(raw.free_raw(second), Ok(()));
        assert_eq!(raw.free_raw(second), Err(PoolError::DoubleFree));
        assert_eq!(raw.free_raw(first), Ok(()));
    }
    assert_eq!(RawFast::stats().used + RawSlow::stats().used, 0);
    // The zeroize member wiped its block (written 0xAB above) on the raw free through the chain.
    let held = RawFast::alloc([1; 32]).unwrap();
    let slow = Raw::alloc_uninit().unwrap();
    // SAFETY: the block is the chain's uninitialised one; reading bytes of a wiped block is reading zeros.
    let bytes = unsafe { core::slice::from_raw_parts(slow.as_ptr().cast::<u8>(), 32) };
    assert!(bytes.iter().all(|&b| b == 0));
    drop((held, slow));
    Raw::validate().unwrap();
}

#[test]
fn chains_show_in_the_memory_map_and_the_debug_dump() {
    let row = CHAIN_MAP
        .pools
        .iter()
        .find(|row| row.name == "Msgs")
        .unwrap();
    assert_eq!(row.kind, PoolKind::Chain);
    assert_eq!(row.count, 5);
    assert_eq!(row.bytes, 4, "a chain's own static is its failure counter");
    assert!(CHAIN_MAP.to_string().contains("chain"));
    let dump = format!("{:?}", Outer);
    assert!(dump.starts_with("Outer { capacity: 9"), "{dump}");
}

#[test]
fn a_chain_of_chains() {
    let _ = Outer::alloc(msg(0)).unwrap();
    let held: Vec<_> = (0..9).map(|i| Outer::alloc(msg(i)).unwrap()).collect();
    assert!(Outer::alloc(msg(99)).is_err());
    assert_eq!(
        (
            InnerA::stats().used,
            InnerB::stats().used,
            OuterLast::stats().used
        ),
        (2, 3, 4)
    );
    assert_eq!(Outer::stats().failures, 1);
    assert_eq!(
        Inner::stats().failures,
        0,
        "the inner chain was passed over, not failed"
    );
    assert_eq!(<Outer as StaticPool>::CAPACITY, 9);
    drop(held);
    assert_eq!(Outer::stats().used, 0);
    Outer::validate().unwrap();
}

#[test]
fn frees_from_other_threads_through_the_chain() {
    const THREADS: usize = 3;
    let rounds = if cfg!(miri) { 20 } else { 2_000 };
    thread::scope(|s| {
        for t in 0..THREADS {
            s.spawn(move || {
                for round in 0..rounds {
                    let id = (t * 100_000 + round) as u32;
                    let Ok(a) = Threaded::alloc(msg(id)) else {
                        continue;
                    };
                    let b = Threaded::alloc(msg(id + 1));
                    // Freed on another thread.
                    let handle = thread::spawn(move || {
                        assert_eq!(a.id, id);
                        drop(a);
                    });
                    if let Ok(b) = b {
                        assert_eq!(b.id, id + 1);
                    }
                    handle.join().unwrap();
                }
            });
        }
    });
    assert_eq!(Threaded::stats().used, 0);
    Threaded::validate().unwrap();
    let stats = Threaded::stats();
    assert_eq!(stats.allocs, stats.frees);
}

#[test]
fn a_panicking_destructor_still_returns_the_block_to_its_member() {
    #[memory_pool(count = 1)]
    pub struct Bomb(u8);
    impl Drop for Bomb {
        fn drop(&mut self) {
            if self.0 == 1 {
                panic!("boom");
            }
        }
    }
    pools! {
        map = BOMB_MAP;
        pub BombSlow(type = Bomb, count = 1);
        pub Bombs(chain = [BombPool, BombSlow]);
    }
    let _first = Bombs::alloc(Bomb(0)).unwrap();
    let second = Bombs::alloc(Bomb(1)).unwrap();
    assert!(std::panic::catch_unwind(move || drop(second)).is_err());
    assert_eq!(BombSlow::stats().used, 0);
    assert_eq!(BOMB_MAP.pools.len(), 2);
}

mod arena_fallback {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use blockpool::{PoolError, pools};

    static DROPS: AtomicUsize = AtomicUsize::new(0);

    struct Counted(#[allow(dead_code)] [u8; 24]);
    impl Drop for Counted {
        fn drop(&mut self) {
            DROPS.fetch_add(1, Ordering::Relaxed);
        }
    }

    pools! {
        map = ARENA_MAP;
        pub Scratch(arena = 64, fallback = BigScratch);
        pub BigScratch(arena = 256, zeroize);
        pub Lone(arena = 64, fallback = LoneBig);
        pub LoneBig(arena = 128);
    }

    #[test]
    fn a_scope_continues_in_the_fallback_arena_and_both_are_reclaimed() {
        let (in_first, in_fallback) = Scratch::scope(|arena| {
            let small = arena.alloc_slice(&[1u8; 48])?;
            assert_eq!(
                BigScratch::stats().scopes,
                0,
                "not entered before it is needed"
            );
            let big = arena.alloc_slice(&[2u8; 100])?; // does not fit in the 16 bytes left
            assert_eq!(BigScratch::stats().scopes, 1, "entered once");
            assert_eq!(BigScratch::stats().used, 100);
            let counted = arena.alloc(Counted([3; 24])).map_err(PoolError::from)?;
            assert_eq!(counted.0[0], 3);
            assert!(arena.used() >= 148);
            assert_eq!(arena.capacity(), 64 + 256);
            // A scope of the fallback while this scope is in it: refused, as any nested scope.
            assert_eq!(BigScratch::scope(|_| Ok(())), Err(PoolError::Busy));
            assert_eq!(small[0] + big[0], 3);
            Ok((Scratch::stats().used, BigScratch::stats().used))
        })
        .unwrap();
        assert_eq!(in_first, 48);
        assert!(in_fallback > 100);
        assert_eq!(
            DROPS.load(Ordering::Relaxed),
            1,
            "the value in the fallback was dropped"
        );
        assert_eq!(Scratch::stats().used, 0);
        assert_eq!(
            BigScratch::stats().used,
            0,
            "the fallback is released at scope end"
        );
        assert!(BigScratch::stats().high_water > 100);
        assert_eq!(Scratch::stats().failures, 0);
        // Both can be entered again.
        BigScratch::scope(|arena| {
            assert_eq!(arena.used(), 0);
            Ok(())
        })
        .unwrap();
        Scratch::scope(|_| Ok(())).unwrap();
        // Nested scopes of the first arena are refused as before.
        Scratch::scope(|_| {
            assert_eq!(Scratch::scope(|_| Ok(())), Err(PoolError::Busy));
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn a_fallback_in_a_scope_of_its_own_is_not_taken() {
        LoneBig::scope(|_big| {
            let result = Lone::scope(|arena| {
                arena.alloc_slice(&[1u8; 40])?;
                arena.alloc_slice(&[1u8; 40]).map(|_| ())
            });
            assert_eq!(result, Err(PoolError::Exhausted));
            Ok(())
        })
        .unwrap();
        assert_eq!(Lone::stats().failures, 1);
        assert_eq!(LoneBig::stats().failures, 0);
        // Once free, the fallback serves.
        Lone::scope(|arena| {
            arena.alloc_slice(&[1u8; 40])?;
            arena.alloc_slice(&[1u8; 40])?;
            Ok(())
        })
        .unwrap();
        assert!(LoneBig::stats().high_water >= 40);
        assert_eq!(ARENA_MAP.pools.len(), 4);
    }
}

mod waiting {
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Context, Poll, Wake, Waker};

    use blockpool::pools;

    #[derive(Default)]
    struct Wakes(AtomicUsize);

    impl Wake for Wakes {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    pools! {
        map = WAIT_MAP;
        pub WaitFast(type = u32, count = 1, wait = 2);
        pub WaitSlow(type = u32, count = 1);
        pub Waits(chain = [WaitFast, WaitSlow]);
    }

    #[test]
    fn a_free_through_the_chain_hands_the_block_to_a_task_waiting_on_the_member() {
        let first = Waits::alloc(1).unwrap();
        let second = Waits::alloc(2).unwrap();
        assert!(Waits::alloc(3).is_err());
        let wakes = Arc::new(Wakes::default());
        let waker = Waker::from(wakes.clone());
        let mut waiting = WaitFast::alloc_async(4);
        let poll = |future: &mut blockpool::AllocAsync<WaitFast>| {
            Pin::new(future).poll(&mut Context::from_waker(&waker))
        };
        assert!(poll(&mut waiting).is_pending());
        drop(first); // the chain's free is `WaitFast`'s: the block goes to the waiting task
        assert_eq!(wakes.0.load(Ordering::SeqCst), 1);
        assert!(
            Waits::alloc(5).is_err(),
            "the handed block is not on the list"
        );
        let Poll::Ready(Ok(block)) = poll(&mut waiting) else {
            panic!("the block was handed over");
        };
        assert_eq!(*block, 4);
        assert_eq!(WaitFast::wait_stats().handoffs, 1);
        drop((block, second));
        assert_eq!(Waits::stats().used, 0);
        Waits::validate().unwrap();
        assert_eq!(WAIT_MAP.pools.len(), 3);
    }
}

/// The tests build with the runtime's `registry` feature on (a dev-dependency of the facade). Not under
/// Miri, which cannot read the linker-collected list.
#[test]
#[cfg_attr(miri, ignore)]
fn chains_are_in_the_registry() {
    let entry = blockpool::registry().by_name("chain::Msgs").unwrap();
    assert_eq!(entry.kind(), PoolKind::Chain);
    assert_eq!(entry.capacity(), 5);
    assert!(blockpool::registry().by_name("chain::Fast").is_some());
}

// Review round 18: a chain's `free_raw` of a block its member handed out raw cleared only the chain's site,
// so the member's waiting task got a block naming the freed holder.
blockpool::pools! {
    map = WAIT_SITE_MAP;
    pub WaitFast(type = u8, count = 1, wait = 1, track_callers);
    pub PlainSlow(type = u8, count = 1);
    pub WaitChained(chain = [WaitFast, PlainSlow]);
}

#[test]
fn a_chains_raw_free_clears_its_members_site() {
    use blockpool::RawPool;
    let raw = WaitFast.alloc_raw().unwrap();
    let mut waiting = WaitFast::alloc_async(7u8);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    assert!(std::pin::Pin::new(&mut waiting).poll(&mut cx).is_pending());
    // SAFETY: `raw` is a raw block of the chain (its first member's) in use, given up here.
    assert_eq!(unsafe { WaitChained.free_raw(raw) }, Ok(()));
    let holders: Vec<_> = WaitFast::holders().collect();
    assert_eq!(holders.len(), 1, "handed to `waiting`: in use");
    assert_eq!(holders[0].site, None, "the freed raw block names no holder");
    assert!(std::pin::Pin::new(&mut waiting).poll(&mut cx).is_ready());
}

// Review round 21: a member's raw block freed through its chain and retired there (W2) kept the member's
// site for good. 2³² - 1 allocations: ignored by default, as in tests/track_callers.rs (the runtime's unit
// test of the same name, in `pool-runtime/src/handles/weak.rs`, sets the generation and runs every time).
blockpool::pools! {
    map = RETIRE_MAP;
    pub RetiringFirst(type = u8, count = 1, refcount, track_callers);
    pub RetiringRest(type = u8, count = 1, refcount);
    pub RetiringChain(chain = [RetiringFirst, RetiringRest]);
}

#[test]
#[ignore = "2^32 - 1 allocations: about 40 s in release"]
fn a_member_block_retired_by_its_chains_raw_free_names_no_holder() {
    use blockpool::RawPool;
    for _ in 0..u32::MAX {
        let raw = RetiringFirst.alloc_raw().expect("not retired yet");
        // SAFETY: a raw block of the chain's first member, just taken; nothing refers into it.
        assert_eq!(unsafe { RetiringChain.free_raw(raw) }, Ok(()));
    }
    assert!(
        RetiringFirst.alloc_raw().is_err(),
        "retired: the member is empty for good"
    );
    let holders: Vec<_> = RetiringFirst::holders().collect();
    assert_eq!(holders.len(), 1, "a retired block stays in use");
    assert_eq!(holders[0].site, None, "and names no holder");
}

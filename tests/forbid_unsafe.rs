//! A crate that forbids `unsafe` declares and uses every kind of pool: the generated code contains no
//! `unsafe` token of its own (the `unsafe impl`s it needs come from the runtime's macros) and no
//! `#[allow(unsafe_code)]`, which `forbid` would reject.
#![forbid(unsafe_code)]

use allocator_api2::vec::Vec as ApiVec;
use blockpool::{BytePool, PoolRc, memory_pool, pools};

#[memory_pool(count = 2)]
pub struct Msg {
    pub id: u32,
}

#[memory_pool(count = 2, refcount = u8)]
pub struct Node {
    pub value: u32,
}

pools! {
    pub Typed(type = u64, count = 2, zeroize);
    pub Bytes(classes = [(64, 2), (256, 1)], zeroize);
    pub Scratch(arena = 256, zeroize);
    pub MoreTyped(type = u64, count = 1);
    pub AnyTyped(chain = [Typed, MoreTyped], align = 8);
    pub Small(arena = 8, fallback = Scratch);
    pub Observed(classes = [(32, 2)], track_callers, trace = hook, wait = 2);
}

fn hook(_: &blockpool::TraceEvent) {}

#[memory_pool(count = 2, track_callers, trace = hook, wait = 2)]
pub struct Watched(pub u8);

#[test]
fn sites_trace_hooks_and_waiting_need_no_unsafe_either() {
    let buffer = Observed::alloc_bytes(4).unwrap();
    assert!(Observed::holders().all(|holder| holder.site.is_some()));
    drop(buffer);
    let watched = WatchedPool::alloc(Watched(1)).unwrap();
    assert_eq!(WatchedPool::holders().count(), 1);
    drop(watched);
}

#[test]
fn every_kind_of_pool_works_in_a_crate_that_forbids_unsafe() {
    let msg = MsgPool::alloc(Msg { id: 7 }).unwrap();
    assert_eq!(msg.id, 7);

    let node = NodePool::alloc_shared(Node { value: 3 }).unwrap();
    let weak = PoolRc::downgrade(&node);
    assert_eq!(weak.upgrade().map(|n| n.value), Some(3));

    let word = Typed::alloc(9).unwrap();
    assert_eq!(*word, 9);

    let mut bytes = Bytes::alloc_bytes(10).unwrap();
    bytes[0] = 1;
    assert_eq!(Bytes::stats().used, 1);

    let mut vec = ApiVec::new_in(Bytes);
    vec.extend_from_slice(&[1u8, 2, 3]);
    assert_eq!(vec.as_slice(), &[1, 2, 3]);
    drop(vec);
    drop(bytes);
    assert_eq!(<Bytes as BytePool>::stats().used, 0);

    let sum = Scratch::scope(|arena| {
        let a = arena.alloc(40u32)?;
        let b = arena.alloc(2u32)?;
        Ok(*a + *b)
    })
    .unwrap();
    assert_eq!(sum, 42);

    drop(word);
    let words: [_; 3] = core::array::from_fn(|i| AnyTyped::alloc(i as u64).unwrap());
    assert_eq!(*words[2], 2);
    assert_eq!(MoreTyped::stats().used, 1);
    drop(words);
    let spilled = Small::scope(|arena| Ok(*arena.alloc(7u64)? + *arena.alloc(8u64)?)).unwrap();
    assert_eq!(spilled, 15);
}

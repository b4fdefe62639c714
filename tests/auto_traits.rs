//! `Send` and `Sync` of every handle, for items of each combination of the two. Each line is checked when
//! this file compiles (`static_assertions`): a handle that gave more than its item allows, or less, is a
//! compile error here. The readable compile-fail cases are in `tests/ui/*_not_send.rs`.

use std::cell::Cell;
use std::marker::PhantomData;
use std::rc::Rc;

use blockpool::{
    AllocAsync, Arena, PoolBox, PoolBoxUninit, PoolBytes, PoolRc, PoolWeak, memory_pool, pools,
};
use static_assertions::{assert_impl_all, assert_not_impl_any};

/// `Sync` but not `Send` (like a `MutexGuard`).
pub struct SyncOnly(#[allow(dead_code)] u8, PhantomData<*const ()>);
// SAFETY: it holds nothing; the point is only the marker.
unsafe impl Sync for SyncOnly {}

#[memory_pool(type = u32, count = 1, refcount)]
pub struct Both;
#[memory_pool(type = Cell<u32>, count = 1, refcount)]
pub struct SendOnly;
#[memory_pool(type = Rc<u32>, count = 1, refcount)]
pub struct Neither;
#[memory_pool(type = SyncOnly, count = 1, refcount)]
pub struct SyncOnlyPool;

pools! {
    pub Bytes(classes = [(64, 1)]);
    pub WaitBoth(type = u32, count = 1, wait = 1);
    pub WaitSendOnly(type = Cell<u32>, count = 1, wait = 1);
    pub WaitNeither(type = Rc<u32>, count = 1, wait = 1);
    pub WaitSyncOnly(type = SyncOnly, count = 1, wait = 1);
}

// `AllocAsync` holds the value until it is in a block: it sends and shares what the value allows.
assert_impl_all!(AllocAsync<WaitBoth>: Send, Sync);
assert_impl_all!(AllocAsync<WaitSendOnly>: Send);
assert_not_impl_any!(AllocAsync<WaitSendOnly>: Sync);
assert_not_impl_any!(AllocAsync<WaitNeither>: Send, Sync);
assert_impl_all!(AllocAsync<WaitSyncOnly>: Sync);
assert_not_impl_any!(AllocAsync<WaitSyncOnly>: Send);

// `PoolBox` is like `Box`: it sends and shares exactly what its item allows.
assert_impl_all!(PoolBox<Both>: Send, Sync);
assert_impl_all!(PoolBox<SendOnly>: Send);
assert_not_impl_any!(PoolBox<SendOnly>: Sync);
assert_not_impl_any!(PoolBox<Neither>: Send, Sync);
assert_impl_all!(PoolBox<SyncOnlyPool>: Sync);
assert_not_impl_any!(PoolBox<SyncOnlyPool>: Send);

// `PoolBoxUninit` likewise (it will hold such an item).
assert_impl_all!(PoolBoxUninit<Both>: Send, Sync);
assert_impl_all!(PoolBoxUninit<SendOnly>: Send);
assert_not_impl_any!(PoolBoxUninit<SendOnly>: Sync);
assert_not_impl_any!(PoolBoxUninit<Neither>: Send, Sync);
assert_not_impl_any!(PoolBoxUninit<SyncOnlyPool>: Send);

// `PoolRc` and `PoolWeak` are like `Arc` and `sync::Weak`: either needs an item that is `Send + Sync`
// (handles on two threads share the item, and the last one drops it wherever it is).
assert_impl_all!(PoolRc<Both>: Send, Sync);
assert_not_impl_any!(PoolRc<SendOnly>: Send, Sync);
assert_not_impl_any!(PoolRc<Neither>: Send, Sync);
assert_not_impl_any!(PoolRc<SyncOnlyPool>: Send, Sync);
assert_impl_all!(PoolWeak<Both>: Send, Sync);
assert_not_impl_any!(PoolWeak<SendOnly>: Send, Sync);
assert_not_impl_any!(PoolWeak<Neither>: Send, Sync);
assert_not_impl_any!(PoolWeak<SyncOnlyPool>: Send, Sync);

// Byte buffers hold plain bytes.
assert_impl_all!(PoolBytes<Bytes>: Send, Sync);

// An arena scope is one thread's: its references and bump offset are not shared.
assert_not_impl_any!(Arena<'static>: Send, Sync);

// The pool types are zero-sized names for a static: any thread may allocate from any pool, and the
// handles it gets carry the item's rules.
assert_impl_all!(Neither: Send, Sync);

#[test]
fn the_assertions_above_are_checked_when_this_file_compiles() {
    // Nothing to run: the `assert_*` items are compile-time checks. This test makes the file show up in
    // the test report.
    assert_eq!(Both::CAPACITY, 1);
}

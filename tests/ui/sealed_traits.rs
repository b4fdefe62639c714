// Findings 4 and 9 of the soundness review: the traits whose implementations the runtime trusts for
// memory safety cannot be implemented outside it. `StaticPool` and `BytePool` are `unsafe trait`s (the
// macros implement them through the runtime; review round 2 showed that a safe `BytePool` could list a
// class leaked into another class's block, or panic inside `GlobalAlloc`); the storage, size-class and
// arena traits are sealed. (`SharedPool` and `ArenaPool` are safe to implement: they only point at sealed
// storage.)

use std::alloc::Layout;
use std::ptr::NonNull;

use blockpool::__private::{Align4, Alignment, ArenaCore, ByteClass, NoRefs, PoolConfig, PoolStorage};
use blockpool::{ArenaStats, BytePool, PoolError, PoolStats, StaticPool};

pub struct Mine;

impl StaticPool for Mine {
    type Item = u32;
    const CAPACITY: usize = 1;
    const NAME: &'static str = "Mine";
    type __Storage = PoolStorage<u32, Align4, NoRefs, 1>;
    const __CONFIG: PoolConfig = PoolConfig::DEFAULT;
    fn __storage() -> &'static Self::__Storage {
        static STORAGE: PoolStorage<u32, Align4, NoRefs, 1> = PoolStorage::new();
        &STORAGE
    }
}

pub struct Bytes;

impl BytePool for Bytes {
    const NAME: &'static str = "Bytes";
    const __CONFIG: PoolConfig = PoolConfig::DEFAULT;
    fn __classes() -> &'static [&'static dyn ByteClass] {
        &[]
    }
    type __Waiters = blockpool::__private::NoWaiters;
    fn __waiters() -> &'static Self::__Waiters {
        &blockpool::__private::NoWaiters
    }
}

#[derive(Clone, Copy)]
pub struct Lying;

impl ByteClass for Lying {
    fn block_size(&self) -> usize { 1 << 20 }
    fn block_align(&self) -> usize { 1 }
    fn capacity(&self) -> usize { 1 }
    fn take(&self) -> Option<(usize, NonNull<u8>)> { None }
    fn block_containing(&self, _: NonNull<u8>) -> Option<(usize, NonNull<u8>)> { None }
    fn block_at(&self, _: usize) -> Option<NonNull<u8>> { None }
    unsafe fn free(&self, _: usize, _: bool) {}
    fn record_failure(&self) {}
    fn stats(&self) -> PoolStats { PoolStats::default() }
    fn validate(&self) -> Result<(), PoolError> { Ok(()) }
}

impl ArenaCore for Lying {
    unsafe fn enter(&self) -> bool { true }
    unsafe fn exit(&self, _: usize) {}
    fn buffer(&self) -> (NonNull<u8>, usize) { (NonNull::dangling(), usize::MAX) }
    fn published_used(&self) -> &std::sync::atomic::AtomicU32 { &USED }
    fn record_failure(&self) {}
    fn stats(&self) -> ArenaStats { ArenaStats::default() }
}

// A block alignment the runtime would trust for layout.
impl Alignment for Lying {
    const BYTES: usize = 1 << 20;
}

static USED: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

fn main() {
    let _ = Layout::new::<u8>();
}

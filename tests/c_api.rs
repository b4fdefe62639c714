//! The C API (`c_name`, `bp_*`) called from Rust, as C calls it: every function and status code, every bad
//! pointer, and blocks crossing between C and Rust. Runs under Miri (`scripts/miri.sh`); the same calls
//! from real C are `tests/c-api/` (`scripts/c-api.sh`).

use core::ffi::{CStr, c_void};
use core::ptr::{self, null, null_mut};

use blockpool::{PoolError, RawPool, memory_pool, pools};
use pool_runtime::c_api::{
    CPool, CStats, CStatus, bp_alloc, bp_alloc_bytes, bp_block_size, bp_free, bp_get_stats,
    bp_status_str, bp_validate,
};

#[memory_pool(count = 3, c_name = unsafe("test_msg_pool"))]
#[repr(C)]
pub struct Msg {
    pub id: u32,
    pub body: [u8; 60],
}

#[memory_pool(count = 2, zeroize, c_name = unsafe("test_secret_pool"))]
pub struct Secret(pub [u64; 4]);

#[memory_pool(count = 2, refcount, c_name = unsafe("test_shared_pool"))]
pub struct Shared(u32);

#[memory_pool(count = 1)]
pub struct Other(pub u32);

#[memory_pool(count = 2, stats = false, c_name = unsafe("test_lean_pool"))]
pub struct Lean(pub u32);

#[memory_pool(count = 1, wait = 1, c_name = unsafe("test_wait_pool"))]
pub struct Awaited(pub u32);

pools! {
    pub Bytes(classes = [(64, 2), (256, 1)], c_name = unsafe("test_byte_pool"));
    pub WaitBytes(classes = [(64, 1)], wait = 1, zeroize, c_name = unsafe("test_wait_bytes"));
    pub Typed(type = u16, count = 2, c_name = unsafe("test_typed_in_block"));
}

/// The tests share pools and check their counters: one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn alloc(pool: &CPool) -> Result<*mut c_void, CStatus> {
    let mut block = ptr::dangling_mut::<c_void>();
    // SAFETY: `pool` is a pool's C object; `block` is writable.
    let status = unsafe { bp_alloc(pool, &mut block) };
    if status == CStatus::BP_OK {
        assert!(!block.is_null());
        Ok(block)
    } else {
        assert!(block.is_null(), "a failed allocation stores NULL");
        Err(status)
    }
}

fn alloc_bytes(pool: &CPool, size: usize) -> Result<*mut c_void, CStatus> {
    let mut block = ptr::dangling_mut::<c_void>();
    // SAFETY: as in `alloc`.
    let status = unsafe { bp_alloc_bytes(pool, size, &mut block) };
    if status == CStatus::BP_OK {
        Ok(block)
    } else {
        assert!(block.is_null(), "a failed allocation stores NULL");
        Err(status)
    }
}

fn free(pool: &CPool, block: *mut c_void) -> CStatus {
    // SAFETY: `pool` is a pool's C object; a block the test holds is not used after a successful free.
    unsafe { bp_free(pool, block) }
}

fn stats(pool: &CPool) -> CStats {
    let mut stats = CStats::default();
    // SAFETY: `pool` is a pool's C object; `stats` is writable.
    assert_eq!(unsafe { bp_get_stats(pool, &mut stats) }, CStatus::BP_OK);
    stats
}

fn validate(pool: &CPool) -> CStatus {
    // SAFETY: `pool` is a pool's C object.
    unsafe { bp_validate(pool) }
}

#[test]
fn typed_blocks_have_the_items_size_and_alignment_and_run_out() {
    let _serial = serial();
    let pool = MsgPool::c_pool();
    // SAFETY: a pool's C object.
    assert_eq!(unsafe { bp_block_size(pool) }, size_of::<Msg>());
    let start = stats(pool);
    let blocks: Vec<_> = (0..3).map(|_| alloc(pool).unwrap()).collect();
    for block in &blocks {
        assert_eq!(block.addr() % align_of::<Msg>(), 0);
        // The block is the caller's: write a whole item.
        // SAFETY: a block of `Msg`'s size and alignment, held by this test.
        unsafe {
            block.cast::<Msg>().write(Msg {
                id: 7,
                body: [1; 60],
            })
        };
    }
    assert_eq!(alloc(pool), Err(CStatus::BP_EXHAUSTED));
    let s = stats(pool);
    assert_eq!(
        (s.capacity, s.used, s.high_water),
        (3, 3, 3),
        "high water: every block at once"
    );
    assert_eq!(
        (
            s.allocs - start.allocs,
            s.frees - start.frees,
            s.failures - start.failures
        ),
        (3, 0, 1)
    );
    assert_eq!(s.used, MsgPool::stats().used);
    for block in blocks {
        assert_eq!(free(pool, block), CStatus::BP_OK);
    }
    assert_eq!(validate(pool), CStatus::BP_OK);
    assert_eq!(stats(pool).used, 0);
}

#[test]
fn every_bad_pointer_gets_its_status_and_leaves_the_pool_intact() {
    let _serial = serial();
    let pool = Typed::c_pool();
    let block = alloc(pool).unwrap();
    let before = stats(pool);
    let mut on_stack = 0u16;
    let other = OtherPool::alloc(Other(1)).unwrap();
    let other_block = ptr::from_ref(&*other).cast_mut().cast::<c_void>();
    let cases: [(*mut c_void, CStatus); 5] = [
        (null_mut(), CStatus::BP_NULL_POINTER),
        (
            ptr::from_mut(&mut on_stack).cast(),
            CStatus::BP_FOREIGN_BLOCK,
        ),
        (other_block, CStatus::BP_FOREIGN_BLOCK),
        (block.wrapping_byte_add(1), CStatus::BP_NOT_BLOCK_START),
        (
            block.wrapping_byte_add(size_of::<u16>() * 2),
            CStatus::BP_FOREIGN_BLOCK, // past the last block, whichever of the two this is
        ),
    ];
    for (pointer, status) in cases {
        assert_eq!(free(pool, pointer), status, "{pointer:p}");
        assert_eq!(stats(pool), before);
        assert_eq!(validate(pool), CStatus::BP_OK);
    }
    // A block of another C pool, given to the wrong pool.
    let msg = alloc(MsgPool::c_pool()).unwrap();
    assert_eq!(free(pool, msg), CStatus::BP_FOREIGN_BLOCK);
    assert_eq!(free(MsgPool::c_pool(), msg), CStatus::BP_OK);
    // NULL pool, NULL out-parameters.
    // SAFETY: NULL is accepted for every pointer.
    unsafe {
        assert_eq!(bp_free(null(), block), CStatus::BP_NULL_POINTER);
        assert_eq!(bp_alloc(pool, null_mut()), CStatus::BP_NULL_POINTER);
        assert_eq!(
            bp_alloc_bytes(pool, 1, null_mut()),
            CStatus::BP_NULL_POINTER
        );
        let mut out = ptr::dangling_mut::<c_void>();
        assert_eq!(bp_alloc(null(), &mut out), CStatus::BP_NULL_POINTER);
        assert!(out.is_null());
        assert_eq!(bp_get_stats(pool, null_mut()), CStatus::BP_NULL_POINTER);
        assert_eq!(
            bp_get_stats(null(), &mut CStats::default()),
            CStatus::BP_NULL_POINTER
        );
        assert_eq!(bp_validate(null()), CStatus::BP_NULL_POINTER);
        assert_eq!(bp_block_size(null()), 0);
    }
    assert_eq!(stats(pool), before);
    assert_eq!(free(pool, block), CStatus::BP_OK);
    assert_eq!(free(pool, block), CStatus::BP_DOUBLE_FREE);
    assert_eq!(stats(pool).used, 0);
    assert_eq!(validate(pool), CStatus::BP_OK);
    drop(other);
}

#[test]
fn alloc_bytes_on_a_typed_pool_checks_the_size() {
    let _serial = serial();
    let pool = Typed::c_pool();
    let failures = stats(pool).failures;
    assert_eq!(alloc_bytes(pool, 0), Err(CStatus::BP_ZERO_SIZE));
    assert_eq!(alloc_bytes(pool, 3), Err(CStatus::BP_TOO_LARGE));
    assert_eq!(stats(pool).failures, failures + 2);
    let block = alloc_bytes(pool, 2).unwrap();
    assert_eq!(free(pool, block), CStatus::BP_OK);
}

/// C blocks are raw blocks: Rust's `RawPool` frees them, and C frees Rust's raw blocks; a block a Rust
/// handle owns is refused.
#[test]
fn blocks_cross_between_c_and_rust_as_raw_blocks() {
    let _serial = serial();
    let pool = MsgPool::c_pool();
    let from_c = alloc(pool).unwrap();
    let from_c = core::ptr::NonNull::new(from_c.cast::<u8>()).unwrap();
    // SAFETY: a raw block this test holds and gives up.
    assert_eq!(unsafe { MsgPool.free_raw(from_c) }, Ok(()));
    let from_rust = MsgPool.alloc_raw().unwrap();
    assert_eq!(free(pool, from_rust.as_ptr().cast()), CStatus::BP_OK);

    let boxed = MsgPool::alloc(Msg {
        id: 9,
        body: [9; 60],
    })
    .unwrap();
    let address = ptr::from_ref(&*boxed).cast_mut().cast::<c_void>();
    assert_eq!(free(pool, address), CStatus::BP_DOUBLE_FREE);
    assert_eq!(boxed.id, 9, "the handle's item is untouched");
    assert_eq!(validate(pool), CStatus::BP_OK);
    drop(boxed);
    assert_eq!(stats(pool).used, 0);
}

#[test]
fn shared_blocks_are_refused_and_c_blocks_of_shared_pools_are_raw() {
    let _serial = serial();
    let pool = SharedPool::c_pool();
    let rc = SharedPool::alloc_shared(Shared(5)).unwrap();
    let address = ptr::from_ref(&*rc).cast_mut().cast::<c_void>();
    assert_eq!(free(pool, address), CStatus::BP_REF_IN_USE);
    let block = alloc(pool).unwrap();
    assert_eq!(free(pool, block), CStatus::BP_OK);
    assert_eq!(free(pool, block), CStatus::BP_DOUBLE_FREE);
    assert_eq!(rc.0, 5);
    drop(rc);
    assert_eq!(validate(pool), CStatus::BP_OK);
}

/// `stats = false` keeps no block states for typed blocks, but still marks raw ones (F1): C's frees are
/// checked there too.
#[test]
fn pools_without_stats_still_check_c_frees() {
    let _serial = serial();
    let pool = LeanPool::c_pool();
    let boxed = LeanPool::alloc(Lean(3)).unwrap();
    let block = alloc(pool).unwrap();
    assert_eq!(alloc(pool), Err(CStatus::BP_EXHAUSTED));
    let address = ptr::from_ref(&*boxed).cast_mut().cast::<c_void>();
    assert_eq!(free(pool, address), CStatus::BP_DOUBLE_FREE);
    assert_eq!(free(pool, block), CStatus::BP_OK);
    assert_eq!(free(pool, block), CStatus::BP_DOUBLE_FREE);
    assert_eq!(boxed.0, 3);
    drop(boxed);
    let s = stats(pool);
    assert_eq!((s.capacity, s.used, s.failures), (2, 0, 1));
    assert_eq!(validate(pool), CStatus::BP_OK);
}

/// A block C frees goes to the task that waits for one (Q2), as any free's does.
#[test]
fn a_block_freed_from_c_goes_to_a_waiting_task() {
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::task::{Context, Poll, Wake, Waker};

    struct Flag(AtomicBool);
    impl Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
    let _serial = serial();
    let pool = AwaitedPool::c_pool();
    let flag = Arc::new(Flag(AtomicBool::new(false)));
    let waker = Waker::from(flag.clone());
    let block = alloc(pool).unwrap();
    let mut waiting = AwaitedPool::alloc_async(Awaited(8));
    let mut context = Context::from_waker(&waker);
    assert!(Pin::new(&mut waiting).poll(&mut context).is_pending());
    assert_eq!(free(pool, block), CStatus::BP_OK);
    assert!(flag.0.load(Ordering::SeqCst), "the free woke the task");
    let Poll::Ready(Ok(item)) = Pin::new(&mut waiting).poll(&mut context) else {
        panic!("the task did not get the block C freed");
    };
    assert_eq!(item.0, 8);
    assert_eq!(AwaitedPool::wait_stats().handoffs, 1);
    drop(item);
    assert_eq!(stats(pool).used, 0);
    assert_eq!(validate(pool), CStatus::BP_OK);
}

/// A byte block C frees goes to a task waiting for a buffer (Q5), wiped, and is then the task's: C cannot
/// free it again (C2), though its address is the one C freed.
#[test]
fn a_byte_block_freed_from_c_goes_to_a_waiting_task_and_is_no_longer_cs() {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll, Waker};

    let _serial = serial();
    let pool = WaitBytes::c_pool();
    let block = alloc_bytes(pool, 64).unwrap();
    // SAFETY: the block is this test's, 64 bytes long.
    unsafe { block.cast::<u8>().write_bytes(0xEE, 64) };
    let mut waiting = WaitBytes::alloc_bytes_async(10);
    let mut context = Context::from_waker(Waker::noop());
    assert!(Pin::new(&mut waiting).poll(&mut context).is_pending());
    assert_eq!(free(pool, block), CStatus::BP_OK);
    let Poll::Ready(Ok(buffer)) = Pin::new(&mut waiting).poll(&mut context) else {
        panic!("the task did not get the block C freed");
    };
    assert_eq!(buffer.as_ptr().cast::<c_void>(), block.cast_const());
    assert!(
        buffer.iter().all(|&byte| byte == 0),
        "wiped before it was handed on"
    );
    assert_eq!(
        free(pool, block),
        CStatus::BP_DOUBLE_FREE,
        "the task's buffer now"
    );
    assert_eq!(validate(pool), CStatus::BP_OK);
    assert_eq!(stats(pool).used, 1);
    drop(buffer);
    assert_eq!(stats(pool).used, 0);
    assert_eq!(validate(pool), CStatus::BP_OK);
}

#[test]
fn zeroize_pools_wipe_blocks_freed_from_c() {
    let _serial = serial();
    let pool = SecretPool::c_pool();
    let block = alloc(pool).unwrap();
    // SAFETY: a block of `Secret`'s size, held by this test.
    unsafe { block.cast::<[u64; 4]>().write([u64::MAX; 4]) };
    assert_eq!(free(pool, block), CStatus::BP_OK);
    // The free list is last in, first out: the same block comes back.
    let again = alloc(pool).unwrap();
    assert_eq!(again, block);
    // SAFETY: as above; the pool handed it out wiped.
    assert_eq!(unsafe { again.cast::<[u64; 4]>().read() }, [0; 4]);
    assert_eq!(free(pool, again), CStatus::BP_OK);
}

#[test]
fn byte_pools_serve_the_smallest_class_that_fits_and_check_every_pointer() {
    let _serial = serial();
    let pool = Bytes::c_pool();
    // SAFETY: a pool's C object.
    assert_eq!(unsafe { bp_block_size(pool) }, 256);
    assert_eq!(alloc(pool), Err(CStatus::BP_WRONG_KIND));
    assert_eq!(alloc_bytes(pool, 0), Err(CStatus::BP_ZERO_SIZE));
    assert_eq!(alloc_bytes(pool, 257), Err(CStatus::BP_TOO_LARGE));
    let large = alloc_bytes(pool, 100).unwrap();
    assert_eq!(large.addr() % 256, 0, "a 256-byte class is 256-aligned");
    let small = alloc_bytes(pool, 64).unwrap();
    assert_eq!(small.addr() % 64, 0);
    // SAFETY: the blocks are this test's, 256 and 64 bytes long.
    unsafe {
        large.cast::<u8>().write_bytes(0xAB, 256);
        small.cast::<u8>().write_bytes(0xCD, 64);
    }
    assert_eq!(alloc_bytes(pool, 100), Err(CStatus::BP_EXHAUSTED));
    let rust = Bytes::alloc_bytes(10).unwrap();
    let rust_address = rust.as_ptr().cast_mut().cast::<c_void>();
    assert_eq!(free(pool, rust_address), CStatus::BP_DOUBLE_FREE);
    assert_eq!(
        free(pool, small.wrapping_byte_add(8)),
        CStatus::BP_NOT_BLOCK_START
    );
    let mut on_stack = 0u8;
    assert_eq!(
        free(pool, ptr::from_mut(&mut on_stack).cast()),
        CStatus::BP_FOREIGN_BLOCK
    );
    assert_eq!(
        free(Typed::c_pool(), small),
        CStatus::BP_FOREIGN_BLOCK,
        "another pool's block"
    );
    assert_eq!(stats(pool).used, 3);
    assert_eq!(rust.len(), 10);
    drop(rust);
    assert_eq!(free(pool, small), CStatus::BP_OK);
    assert_eq!(free(pool, small), CStatus::BP_DOUBLE_FREE);
    assert_eq!(free(pool, large), CStatus::BP_OK);
    let s = stats(pool);
    assert_eq!((s.capacity, s.used, s.high_water), (3, 0, 3));
    assert_eq!(s.failures, 3, "zero size, too large, exhausted");
    assert_eq!(validate(pool), CStatus::BP_OK);
}

#[test]
#[cfg_attr(miri, ignore = "Miri does not support extern statics")]
fn the_exported_symbol_is_the_pools_c_object() {
    let _serial = serial();
    // `CPool` is opaque: C never reads it, so its Rust-only contents are no concern here.
    #[allow(improper_ctypes)]
    unsafe extern "C" {
        static test_msg_pool: CPool;
        static test_byte_pool: CPool;
    }
    // Only their addresses are taken (no `unsafe` needed): the statics are the ones `c_name` exported.
    let (msg, bytes) = (&raw const test_msg_pool, &raw const test_byte_pool);
    assert!(ptr::eq(msg, MsgPool::c_pool()));
    assert!(ptr::eq(bytes, Bytes::c_pool()));
}

#[test]
fn every_status_has_a_description() {
    let _serial = serial();
    for status in 0..=14 {
        // SAFETY: `bp_status_str` returns a NUL-terminated static string.
        let text = unsafe { CStr::from_ptr(bp_status_str(status)) }
            .to_str()
            .unwrap();
        assert!(text.starts_with("BP_"), "{text}");
    }
    for unknown in [-1, 15, i32::MAX, i32::MIN] {
        // SAFETY: as above.
        let text = unsafe { CStr::from_ptr(bp_status_str(unknown)) };
        assert_eq!(text, c"unknown bp_status");
    }
    assert_eq!(
        CStatus::from(PoolError::TooLarge {
            requested: 1,
            capacity: 0
        }),
        CStatus::BP_TOO_LARGE
    );
    assert_eq!(CStatus::BP_BAD_ALIGNMENT as i32, 14);
}

static C_EVENTS: std::sync::Mutex<Vec<blockpool::TraceEvent>> = std::sync::Mutex::new(Vec::new());

fn record_c_event(event: &blockpool::TraceEvent) {
    C_EVENTS.lock().unwrap().push(*event);
}

#[memory_pool(count = 1, track_callers, trace = record_c_event, c_name = unsafe("test_traced_pool"))]
pub struct Traced(#[allow(dead_code)] u32);

/// Review round 13, finding 4: a C allocation recorded the runtime's own location as its site, and a C
/// free was not traced. C blocks have no site; both are traced.
#[test]
fn c_blocks_have_no_site_and_are_traced_both_ways() {
    let pool = TracedPool::c_pool();
    let direct = TracedPool::alloc(Traced(1)).unwrap();
    assert!(TracedPool::holders().next().unwrap().site.is_some());
    drop(direct);
    let block = alloc(pool).unwrap();
    assert_eq!(TracedPool::holders().next().unwrap().site, None);
    assert_eq!(free(pool, block), CStatus::BP_OK);
    let kinds: Vec<_> = C_EVENTS
        .lock()
        .unwrap()
        .iter()
        .map(|e| (e.kind, e.site.is_some()))
        .collect();
    use blockpool::TraceKind::{Alloc, Free};
    assert_eq!(
        kinds,
        [(Alloc, true), (Free, false), (Alloc, false), (Free, false)]
    );
}

// Review round 18: `bp_free` of a block Rust took with `alloc_raw` handed it to a waiting task still naming
// the `alloc_raw` line as its holder's site.
#[blockpool::memory_pool(count = 1, wait = 1, track_callers, c_name = unsafe("test_c_api_wait_site"))]
pub struct WaitSite(#[allow(dead_code)] u8);

#[test]
fn bp_free_clears_the_site_of_a_block_it_hands_to_a_waiting_task() {
    use blockpool::RawPool;
    let raw = WaitSitePool.alloc_raw().unwrap();
    let mut waiting = WaitSitePool::alloc_async(WaitSite(2));
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    assert!(std::pin::Pin::new(&mut waiting).poll(&mut cx).is_pending());
    // SAFETY: `raw` is a raw block of this pool in use, given up here; nothing refers into it.
    let status = unsafe { bp_free(WaitSitePool::c_pool(), raw.as_ptr().cast()) };
    assert_eq!(status, CStatus::BP_OK);
    let holders: Vec<_> = WaitSitePool::holders().collect();
    assert_eq!(holders.len(), 1, "handed to `waiting`: in use");
    assert_eq!(holders[0].site, None, "the freed raw block names no holder");
    assert!(std::pin::Pin::new(&mut waiting).poll(&mut cx).is_ready());
}

//! Pools declared in Rust for the C test program (`test.c`), and a few Rust functions it calls to hand
//! blocks across the language boundary: C blocks freed by Rust's `RawPool`, Rust raw blocks freed by C,
//! and blocks that a Rust `PoolBox` or `PoolRc` owns, which C must be refused.

use core::ffi::c_void;
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

use blockpool::{FailureEvent, PoolBox, PoolRc, RawPool, memory_pool, pools};

/// A message, as C's `struct msg` in `test.c`.
#[memory_pool(count = 4, c_name = unsafe("msg_pool"), on_failure = count_failure)]
#[repr(C)]
pub struct Msg {
    /// Message id.
    pub id: u32,
    /// Payload.
    pub body: [u8; 60],
}

/// Wiped when freed.
#[memory_pool(count = 2, zeroize, c_name = unsafe("secret_pool"))]
#[repr(C, align(16))]
pub struct Secret(pub [u8; 32]);

/// Shared by `PoolRc` handles in Rust.
#[memory_pool(count = 2, refcount, c_name = unsafe("shared_pool"))]
pub struct Frame(pub u32);

pools! {
    /// Byte buffers in two size classes.
    pub Bytes(classes = [(64, 4), (256, 2)], c_name = unsafe("byte_pool"));
}

static FAILURES: AtomicU32 = AtomicU32::new(0);

fn count_failure(_: &FailureEvent) {
    FAILURES.fetch_add(1, Ordering::Relaxed);
}

/// How many times `msg_pool`'s `on_failure` hook ran.
#[unsafe(no_mangle)]
pub extern "C" fn rust_msg_failures() -> u32 {
    FAILURES.load(Ordering::Relaxed)
}

/// Frees a block of `msg_pool` with Rust's `RawPool::free_raw`: 0 on success, else the `PoolError`'s
/// position + 1 (never reached by the test, which only frees what it got from `bp_alloc`).
///
/// # Safety
/// `block` is a block C took from `msg_pool` with `bp_alloc`, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rust_free_raw_msg(block: *mut c_void) -> i32 {
    let Some(block) = NonNull::new(block.cast::<u8>()) else {
        return -1;
    };
    // SAFETY: the caller's contract: a raw block of the pool it gives up.
    match unsafe { MsgPool.free_raw(block) } {
        Ok(()) => 0,
        Err(_) => 1,
    }
}

/// A block of `msg_pool` taken by Rust's `RawPool::alloc_raw`, for C to free; NULL when none is free.
#[unsafe(no_mangle)]
pub extern "C" fn rust_alloc_raw_msg() -> *mut c_void {
    MsgPool
        .alloc_raw()
        .map_or(ptr::null_mut(), |block| block.as_ptr().cast())
}

static BOXED: Mutex<Option<PoolBox<MsgPool>>> = Mutex::new(None);
static SHARED: Mutex<Option<PoolRc<FramePool>>> = Mutex::new(None);

/// Puts a message with id `id` in a Rust `PoolBox` kept here, and returns its block's address.
#[unsafe(no_mangle)]
pub extern "C" fn rust_box_msg(id: u32) -> *const c_void {
    let Ok(boxed) = MsgPool::alloc(Msg { id, body: [0; 60] }) else {
        return ptr::null();
    };
    let address = ptr::from_ref(&*boxed).cast::<c_void>();
    *BOXED.lock().unwrap() = Some(boxed);
    address
}

/// The id of the kept `PoolBox`'s message (0 if none), then drops it.
#[unsafe(no_mangle)]
pub extern "C" fn rust_drop_box_msg() -> u32 {
    BOXED.lock().unwrap().take().map_or(0, |boxed| boxed.id)
}

/// Shares a frame with value `value` through two `PoolRc` handles kept here, and returns its address.
#[unsafe(no_mangle)]
pub extern "C" fn rust_share_frame(value: u32) -> *const c_void {
    let Ok(rc) = FramePool::alloc_shared(Frame(value)) else {
        return ptr::null();
    };
    let address = ptr::from_ref(&*rc).cast::<c_void>();
    *SHARED.lock().unwrap() = Some(rc);
    address
}

/// The kept frame's value (0 if none), then drops the handle.
#[unsafe(no_mangle)]
pub extern "C" fn rust_drop_frame() -> u32 {
    SHARED.lock().unwrap().take().map_or(0, |rc| rc.0)
}

static KEPT_BYTES: Mutex<Option<blockpool::PoolBytes<Bytes>>> = Mutex::new(None);

/// A `PoolBytes` of `Bytes` for `len` bytes kept here (C must be refused its block); returns its address.
#[unsafe(no_mangle)]
pub extern "C" fn rust_keep_bytes(len: usize) -> *const c_void {
    let Ok(bytes) = Bytes::alloc_bytes(len) else {
        return ptr::null();
    };
    let address = bytes.as_ptr().cast::<c_void>();
    *KEPT_BYTES.lock().unwrap() = Some(bytes);
    address
}

/// The kept `PoolBytes`'s length (0 if none), then drops it.
#[unsafe(no_mangle)]
pub extern "C" fn rust_drop_bytes() -> usize {
    KEPT_BYTES
        .lock()
        .unwrap()
        .take()
        .map_or(0, |bytes| bytes.len())
}

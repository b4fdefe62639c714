//! A byte pool's `on_failure` hook that panics: nothing may unwind out of `GlobalAlloc` or `Allocator`
//! methods, so on those paths the panic aborts the process. `PoolBytes`'s own API lets it propagate. The C
//! API's functions (`bp_alloc`, `bp_alloc_bytes`) abort too: nothing unwinds into C (C3).
//!
//! An abort ends the process, so each allocator case runs in a child: this test binary run again with that
//! one test selected and `CHILD` set. The child catches any unwind and exits with status 3 (what happened
//! before the fix); the parent wants it killed by `SIGABRT`, with the hook's message on stderr.

use std::alloc::{GlobalAlloc, Layout};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::Command;

use allocator_api2::alloc::Allocator;
use blockpool::{FailureEvent, TraceEvent, memory_pool, pools};
use pool_runtime::c_api::{bp_alloc, bp_alloc_bytes};

fn panicking_hook(event: &FailureEvent) {
    panic!("on_failure hook panicked: {event}");
}

fn panicking_trace(event: &TraceEvent) {
    panic!("trace hook panicked: {event}");
}

fn panicking_free_trace(event: &TraceEvent) {
    if event.kind == blockpool::TraceKind::Free {
        panic!("trace hook panicked on a free: {event}");
    }
}

pools! {
    pub Hooked(classes = [(64, 1), (256, 1)], on_failure = panicking_hook);
    pub HookedBytes(classes = [(64, 1)], on_failure = panicking_hook);
    pub HookedForC(classes = [(64, 1)], on_failure = panicking_hook, c_name = unsafe("hook_abort_bytes"));
    pub Traced(classes = [(64, 1)], trace = panicking_trace);
    pub TracedFree(classes = [(64, 1)], trace = panicking_free_trace);
}

#[memory_pool(count = 1, on_failure = panicking_hook, c_name = unsafe("hook_abort_typed"))]
pub struct Typed(pub u32);

const CHILD: &str = "BLOCKPOOL_HOOK_ABORT_CHILD";

/// In the child, runs `case`; in the parent, runs this test again as a child and checks that it aborted
/// in the `on_failure` hook.
fn aborts(test_name: &str, case: fn()) {
    aborts_in(test_name, "on_failure hook panicked", case);
}

/// [`aborts`], in the hook whose panic message starts with `hook`.
fn aborts_in(test_name: &str, hook: &str, case: fn()) {
    if std::env::var_os(CHILD).is_some() {
        let unwound = catch_unwind(AssertUnwindSafe(case)).is_err();
        println!("child: the hook's panic unwound out of the allocator: {unwound}");
        std::process::exit(if unwound { 3 } else { 0 });
    }
    let exe = std::env::current_exe().unwrap();
    let output = Command::new(exe)
        .args([test_name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let context = format!(
        "status {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(output.status.signal(), Some(6), "not SIGABRT: {context}");
    }
    #[cfg(not(unix))]
    assert!(
        !output.status.success() && output.status.code() != Some(3),
        "{context}"
    );
    assert!(stderr.contains(hook), "the hook did not run: {context}");
}

#[test]
#[cfg_attr(miri, ignore = "spawns a child process")]
fn allocator_allocate_aborts() {
    aborts("allocator_allocate_aborts", || {
        let _ = Hooked.allocate(Layout::from_size_align(1000, 1).unwrap());
    });
}

#[test]
#[cfg_attr(miri, ignore = "spawns a child process")]
fn allocator_grow_aborts() {
    aborts("allocator_grow_aborts", || {
        let old = Layout::from_size_align(64, 1).unwrap();
        let block = Hooked.allocate(old).unwrap();
        let new = Layout::from_size_align(1000, 1).unwrap();
        // SAFETY: `block` came from this pool with `old`; the new size is larger.
        let _ = unsafe { Hooked.grow(block.cast(), old, new) };
    });
}

#[test]
#[cfg_attr(miri, ignore = "spawns a child process")]
fn a_vec_that_cannot_reserve_aborts() {
    aborts("a_vec_that_cannot_reserve_aborts", || {
        let mut v: allocator_api2::vec::Vec<u8, Hooked> = allocator_api2::vec::Vec::new_in(Hooked);
        let _ = v.try_reserve(10_000);
    });
}

#[test]
#[cfg_attr(miri, ignore = "spawns a child process")]
fn global_alloc_aborts() {
    aborts("global_alloc_aborts", || {
        // SAFETY: a non-zero layout; the result is null (too large), so nothing to free.
        let _ = unsafe { Hooked.alloc(Layout::from_size_align(1000, 1).unwrap()) };
    });
}

#[test]
#[cfg_attr(miri, ignore = "spawns a child process")]
fn global_realloc_aborts() {
    aborts("global_realloc_aborts", || {
        let layout = Layout::from_size_align(64, 1).unwrap();
        // SAFETY: a non-zero layout.
        let ptr = unsafe { Hooked.alloc(layout) };
        assert!(!ptr.is_null());
        // SAFETY: `ptr` came from this pool with `layout`; the new size is non-zero.
        let _ = unsafe { Hooked.realloc(ptr, layout, 1000) };
    });
}

#[test]
#[cfg_attr(miri, ignore = "spawns a child process")]
fn c_api_bp_alloc_aborts() {
    aborts("c_api_bp_alloc_aborts", || {
        let mut block = core::ptr::null_mut();
        // SAFETY: a pool's C object and a writable out-parameter.
        unsafe {
            bp_alloc(TypedPool::c_pool(), &mut block);
            // The pool's one block is taken: this allocation fails and calls the hook.
            bp_alloc(TypedPool::c_pool(), &mut block);
        }
    });
}

#[test]
#[cfg_attr(miri, ignore = "spawns a child process")]
fn c_api_bp_alloc_bytes_aborts() {
    aborts("c_api_bp_alloc_bytes_aborts", || {
        let mut block = core::ptr::null_mut();
        // SAFETY: a pool's C object and a writable out-parameter; too large, so the hook runs.
        unsafe { bp_alloc_bytes(HookedForC::c_pool(), 1000, &mut block) };
    });
}

#[test]
fn alloc_bytes_lets_the_panic_propagate() {
    let _held = HookedBytes::alloc_bytes(64).unwrap();
    let panic = catch_unwind(|| HookedBytes::alloc_bytes(1)).unwrap_err();
    let message = panic.downcast_ref::<String>().unwrap();
    assert!(
        message.contains("every block of the pool is in use"),
        "{message}"
    );
    assert_eq!(HookedBytes::stats().failures, 1);
    assert_eq!(HookedBytes::validate(), Ok(()));
}

#[test]
#[cfg_attr(miri, ignore = "spawns a child process")]
fn a_trace_hook_in_allocator_allocate_aborts() {
    aborts_in(
        "a_trace_hook_in_allocator_allocate_aborts",
        "trace hook panicked",
        || {
            let _ = Traced.allocate(Layout::from_size_align(8, 1).unwrap());
        },
    );
}

#[test]
#[cfg_attr(miri, ignore = "spawns a child process")]
fn a_trace_hook_in_global_alloc_aborts() {
    aborts_in(
        "a_trace_hook_in_global_alloc_aborts",
        "trace hook panicked",
        || {
            // SAFETY: a non-zero layout; the process aborts before the pointer could be used.
            let _ = unsafe { Traced.alloc(Layout::from_size_align(8, 1).unwrap()) };
        },
    );
}

#[test]
#[cfg_attr(miri, ignore = "spawns a child process")]
fn a_trace_hook_in_allocator_deallocate_aborts() {
    aborts_in(
        "a_trace_hook_in_allocator_deallocate_aborts",
        "trace hook panicked on a free",
        || {
            let layout = Layout::from_size_align(8, 1).unwrap();
            let block = TracedFree.allocate(layout).unwrap();
            // SAFETY: `block` came from this pool with `layout`, and is not used afterwards.
            unsafe { TracedFree.deallocate(block.cast(), layout) };
        },
    );
}

//! Leak checks for tests: `StaticPool::assert_empty` for one pool, `blockpool::assert_no_leaks` (feature
//! `registry`) for every pool of the program, each naming who holds the blocks. One test in this file: the
//! program-wide check must not see another test's blocks.

use std::panic::{AssertUnwindSafe, catch_unwind};

use blockpool::{StaticPool, assert_no_leaks, leaks, memory_pool, pools};

#[memory_pool(count = 4, track_callers)]
pub struct Frame(#[allow(dead_code)] u32);

pools! {
    pub Buffers(classes = [(32, 2)]);
    pub Scratch(arena = 64);
}

/// The message of a panic `check` raises.
fn panic_message(check: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(check)).expect_err("the check panics");
    payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn leak_checks_name_the_pools_and_who_holds_their_blocks() {
    assert_no_leaks();
    FramePool::assert_empty();

    let frame = FramePool::alloc(Frame(1)).unwrap();
    let line = line!() - 1;
    let buffer = Buffers::alloc_bytes(10).unwrap();

    let one = panic_message(FramePool::assert_empty);
    assert_eq!(
        one,
        format!(
            "pool `FramePool` has blocks in use: 1/4 in use: 1 at {}:{line}:17",
            file!()
        )
    );
    assert_eq!(leaks().count(), 2);
    let all = panic_message(assert_no_leaks);
    assert!(all.starts_with("blocks still in use:"), "{all}");
    assert!(
        all.contains(&format!(
            "leaks::FramePool: 1/4 in use: 1 at {}:{line}:17",
            file!()
        )),
        "{all}"
    );
    assert!(all.contains("leaks::Buffers: 1/2 in use"), "{all}");
    Scratch::scope(|arena| {
        arena.alloc(7u64).map_err(|failed| failed.error())?;
        assert!(leaks().any(|entry| entry.name() == "Scratch"));
        Ok(())
    })
    .unwrap();

    drop((frame, buffer));
    assert_no_leaks();
    FramePool::assert_empty();
}

//! A byte pool as the global allocator of a whole program (this test binary, which has its own `main`:
//! `harness = false`). Every allocation, std's own included, comes from `Heap`, so each check compares the
//! pool's counters before, during and after a workload.
//!
//! The last line printed is `global_alloc: N passed, M failed`, which CI reads; any failure also makes the
//! process exit with status 1.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use blockpool::{PoolStats, pools};

pools! {
    // Generous: std's runtime allocates too (thread names, the stdout buffer, panic messages).
    pub Heap(classes = [
        (16, 2048),
        (64, 2048),
        (256, 1024),
        (1024, 256),
        (4096, 64),
        (16384, 16),
        (65536, 8),
    ]);
}

#[global_allocator]
static GLOBAL: Heap = Heap;

fn stats() -> PoolStats {
    Heap::stats()
}

/// Blocks in use in the class of `block_size`.
fn used_in(block_size: usize) -> usize {
    (0..)
        .map_while(Heap::class_stats)
        .find(|(size, _)| *size == block_size)
        .map(|(_, stats)| stats.used)
        .expect("no such class")
}

/// Fails the check with a message (which is only built, and so only allocates, on failure).
macro_rules! check {
    ($condition:expr, $($message:tt)+) => {
        if !$condition {
            return Err(format!($($message)+));
        }
    };
}

type Outcome = Result<(), String>;

/// A named check.
type Check = (&'static str, fn() -> Outcome);

fn vec_push_and_drop() -> Outcome {
    let before = stats();
    let count = if cfg!(miri) { 100 } else { 1000 };
    let mut v: Vec<u64> = Vec::new();
    check!(stats().used == before.used, "an empty Vec allocated");
    for i in 0..count {
        v.push(i);
    }
    let during = stats();
    check!(
        during.used == before.used + 1,
        "a Vec holds one block, but {} are in use (was {})",
        during.used,
        before.used
    );
    // Growing by doubling from 4 to 1024 items: 9 allocations, each but the last one freed by a realloc
    // that moved (or kept in place).
    check!(
        during.allocs > before.allocs,
        "no allocation counted: {during:?}"
    );
    check!(
        v.iter().copied().eq(0..count),
        "the Vec lost items while growing"
    );
    drop(v);
    let after = stats();
    check!(
        after.used == before.used,
        "dropping the Vec left {} blocks in use (was {})",
        after.used,
        before.used
    );
    check!(after.frees > during.frees, "no free counted");
    Ok(())
}

fn realloc_in_place_then_across_classes() -> Outcome {
    let mut v: Vec<u8> = Vec::with_capacity(9);
    let first = v.as_ptr();
    let small = used_in(16);
    let allocs = stats().allocs;
    v.extend_from_slice(&[1; 9]);
    // A realloc from 9 to 16 bytes: the 16-byte block has room, so it stays.
    v.reserve_exact(7);
    check!(v.capacity() == 16, "capacity {}", v.capacity());
    check!(v.as_ptr() == first, "growing within the block moved it");
    check!(stats().allocs == allocs, "growing in place allocated");
    v.extend_from_slice(&[1; 7]);
    // Beyond the block: a new block from a larger class, the bytes copied, the old block freed.
    v.extend_from_slice(&[2; 40]);
    check!(v.as_ptr() != first, "growing beyond the block did not move");
    check!(
        stats().allocs == allocs + 1,
        "one move is one allocation, not {}",
        stats().allocs - allocs
    );
    check!(
        used_in(16) == small - 1,
        "the 16-byte block was not freed: {} in use, was {small}",
        used_in(16)
    );
    check!(
        v[..16] == [1; 16] && v[16..] == [2; 40],
        "realloc lost bytes: {v:?}"
    );
    // Shrinking within the new block keeps it too.
    let moved = v.as_ptr();
    v.truncate(20);
    v.shrink_to_fit();
    check!(v.as_ptr() == moved, "shrinking moved the buffer");
    check!(
        v[..16] == [1; 16] && v[16..] == [2; 4],
        "shrinking lost bytes"
    );
    drop(v);
    check!(used_in(16) == small - 1, "unrelated blocks changed");
    Ok(())
}

fn large_buffers_use_the_large_classes() -> Outcome {
    let before = used_in(65536);
    let big = vec![7u8; 40_000];
    check!(
        used_in(65536) == before + 1,
        "a 40 kB buffer is not in the 64 KiB class"
    );
    check!(big.iter().all(|&b| b == 7), "the buffer lost its bytes");
    let zeroed = vec![0u64; 2000]; // alloc_zeroed: 16000 bytes in a 16 KiB block
    check!(zeroed.iter().all(|&w| w == 0), "alloc_zeroed was not zero");
    drop((big, zeroed));
    check!(used_in(65536) == before, "the 64 KiB block was not freed");
    Ok(())
}

fn string_growth() -> Outcome {
    let before = stats();
    let mut s = String::new();
    let count = if cfg!(miri) { 50 } else { 500 };
    for i in 0..count {
        s.push_str(&i.to_string());
        s.push(',');
    }
    check!(
        s.starts_with("0,1,2,3,") && s.ends_with(&format!("{},", count - 1)),
        "the String lost its text"
    );
    check!(stats().used == before.used + 1, "a String holds one block");
    let upper = s.to_uppercase();
    check!(upper == s, "digits and commas have no case");
    check!(
        stats().used == before.used + 2,
        "two Strings hold two blocks"
    );
    drop((s, upper));
    check!(stats().used == before.used, "Strings leaked blocks");
    Ok(())
}

fn btree_map_nodes() -> Outcome {
    let before = stats();
    let count = if cfg!(miri) { 100 } else { 2000 };
    let mut map = BTreeMap::new();
    for i in 0..count {
        map.insert(i, i * 2);
    }
    let during = stats();
    check!(
        during.used > before.used + count / 12,
        "{} entries in {} blocks: too few for B-tree nodes of at most 11",
        count,
        during.used - before.used
    );
    check!(
        map.iter().all(|(k, v)| *v == k * 2) && map.len() == count,
        "the map lost entries"
    );
    for i in (0..count).step_by(2) {
        map.remove(&i);
    }
    check!(map.len() == count / 2, "removal went wrong");
    check!(stats().used < during.used, "removing half freed no node");
    drop(map);
    check!(stats().used == before.used, "the map leaked nodes");
    Ok(())
}

fn boxes_and_threads() -> Outcome {
    let before = stats();
    let handle = std::thread::spawn(|| {
        let boxes: Vec<Box<[u32; 8]>> = (0..64).map(|i| Box::new([i; 8])).collect();
        boxes.iter().enumerate().all(|(i, b)| b[7] == i as u32)
    });
    let ok = handle
        .join()
        .map_err(|_| "the thread panicked".to_string())?;
    check!(ok, "boxes on another thread lost their values");
    // The thread and its boxes are gone; what std keeps for a finished thread, if anything, is freed by
    // now or is one small record.
    let after = stats();
    check!(
        after.used <= before.used + 2,
        "a finished thread left {} blocks in use (was {})",
        after.used,
        before.used
    );
    check!(
        after.allocs >= before.allocs + 64,
        "the boxes were not pool blocks"
    );
    Ok(())
}

fn the_pool_stays_consistent() -> Outcome {
    Heap::validate().map_err(|error| format!("validate: {error}"))?;
    check!(stats().failures == 0, "failed allocations: {:?}", stats());
    Ok(())
}

fn main() {
    let checks: [Check; 7] = [
        ("vec_push_and_drop", vec_push_and_drop),
        (
            "realloc_in_place_then_across_classes",
            realloc_in_place_then_across_classes,
        ),
        (
            "large_buffers_use_the_large_classes",
            large_buffers_use_the_large_classes,
        ),
        ("string_growth", string_growth),
        ("btree_map_nodes", btree_map_nodes),
        ("boxes_and_threads", boxes_and_threads),
        ("the_pool_stays_consistent", the_pool_stays_consistent),
    ];
    // Everything printed is collected first: printing allocates, which would disturb the counters.
    let mut results = Vec::with_capacity(checks.len());
    for (name, check) in checks {
        let outcome = match catch_unwind(AssertUnwindSafe(check)) {
            Ok(outcome) => outcome,
            Err(_) => Err("panicked".to_string()),
        };
        results.push((name, outcome));
    }
    let mut failed = 0;
    for (name, outcome) in &results {
        match outcome {
            Ok(()) => println!("test {name} ... ok"),
            Err(message) => {
                failed += 1;
                println!("test {name} ... FAILED: {message}");
            }
        }
    }
    let passed = results.len() - failed;
    println!("{Heap:?}");
    println!("global_alloc: {passed} passed, {failed} failed");
    if failed > 0 {
        std::process::exit(1);
    }
}

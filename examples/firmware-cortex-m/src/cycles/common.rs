//! What the three instruction-count programs share: the message, exit and panic handler of the code-size
//! programs, the marker that `scripts/cycles.sh` finds in QEMU's trace, and the order of the phases.

#[path = "../size/common.rs"]
mod size;

use core::hint::black_box;

pub use size::{Message, exit};

/// Blocks in each pool; a round of the split phases takes all of them, then gives all of them back.
pub const BLOCKS: usize = 4;

/// Pairs in the first pair phase; the second runs twice as many, so their difference is this many pairs.
const PAIRS: u32 = 1000;

/// Rounds in the first split phase (each `BLOCKS` allocations, then `BLOCKS` frees); the second runs twice
/// as many.
const ROUNDS: u32 = 250;

/// Marks the start and the end of every phase: `scripts/cycles.sh` counts the instructions from one
/// execution of its first instruction to the next. Nothing but [`measure`] calls it.
#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn cycles_marker() {
    cortex_m::asm::nop(); // a side effect, so that the calls are kept
}

/// One phase between two markers. Never inlined and called with opaque arguments, so that every phase runs
/// the same instructions around `phase`: only the number of rounds differs.
#[inline(never)]
fn measure(phase: fn(u32) -> bool, rounds: u32) -> bool {
    cycles_marker();
    let ok = phase(rounds);
    cycles_marker();
    ok
}

/// Runs the six phases and exits QEMU, with success if every allocation succeeded and every message read
/// back what was written:
///
/// 0. `pairs(1)`: warm-up; anything a pool does once, on first use, happens here;
/// 1. `pairs(PAIRS)`, 2. `pairs(2 * PAIRS)`: the instructions of `PAIRS` pairs are phase 2 minus phase 1;
/// 3. `rounds(1)`: warm-up;
/// 4. `rounds(ROUNDS)`, 5. `rounds(2 * ROUNDS)`: the same for `ROUNDS` rounds, counted inside the
///    `cycles_alloc_one` and `cycles_free_one` calls.
pub fn run(pairs: fn(u32) -> bool, rounds: fn(u32) -> bool) -> ! {
    let mut ok = true;
    for (phase, n) in [
        (pairs, 1),
        (pairs, PAIRS),
        (pairs, 2 * PAIRS),
        (rounds, 1),
        (rounds, ROUNDS),
        (rounds, 2 * ROUNDS),
    ] {
        ok &= measure(black_box(phase), black_box(n));
    }
    exit(ok)
}

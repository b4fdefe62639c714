//! A firmware image in two languages: the pools are declared in Rust, and a C driver (`c/frame_driver.c`,
//! compiled for the target by build.rs) allocates from them through blockpool's C API
//! (`include/blockpool.h`), in the SysTick interrupt handler.
//!
//! The C code captures 40 frames into `FramePool` blocks (`bp_alloc`), with scratch space from the byte
//! pool `Scratch` (`bp_alloc_bytes` and `bp_free` in the handler). The Rust main loop takes each frame and
//! frees it: every other one with `RawPool::free_raw` in Rust, the others by handing it back to the C
//! handler, which frees it there (`bp_free`). Halfway, the main loop pauses until the handler runs out of
//! blocks and drops frames. First, a C self-test passes every bad pointer to `bp_free`. The run ends with
//! the pools' statistics, as Rust and C each read them, and exits with success only if every block is back,
//! the pools validate, and the counts of C, Rust and the pools agree. `scripts/firmware.sh mixed-c`
//! compares the output with `expected/mixed-c.thumbv7m-none-eabi.run`.
#![no_std]
#![no_main]

use core::ptr::NonNull;

use blockpool::c_api::{CStats, CStatus, bp_get_stats, bp_validate};
use blockpool::{RawPool, memory_pool, pools};
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_rt::{entry, exception};
use cortex_m_semihosting::{debug, hprintln};

/// A frame the C driver captures (C's `struct frame`).
#[memory_pool(count = 4, c_name = unsafe("frame_pool"))]
#[repr(C)]
pub struct Frame {
    /// Capture number.
    pub seq: u32,
    /// Over `seq` and `data`, written by the C driver.
    pub checksum: u32,
    /// Payload.
    pub data: [u8; 24],
}

pools! {
    /// Scratch buffers the C driver takes in its interrupt handler.
    pub Scratch(classes = [(32, 4), (128, 2)], c_name = unsafe("scratch_pool"));
}

// The C driver (c/frame_driver.c).
unsafe extern "C" {
    safe fn frame_driver_start(frames: u32);
    safe fn frame_driver_isr();
    safe fn frame_driver_take() -> *mut Frame;
    fn frame_driver_free_in_isr(frame: *mut Frame) -> i32;
    safe fn frame_driver_idle() -> i32;
    safe fn frame_driver_self_test() -> u32;
    fn frame_driver_counts(
        captured: *mut u32,
        dropped: *mut u32,
        freed_in_isr: *mut u32,
        scratch: *mut u32,
        errors: *mut u32,
    );
}

/// Frames the C driver captures in all.
const FRAMES: u32 = 40;
/// After this many frames the main loop pauses until the driver drops some.
const PAUSE_AT: u32 = 20;
/// SysTick period in core clock cycles.
const TICK_CYCLES: u32 = 20_000;

#[exception]
fn SysTick() {
    frame_driver_isr();
}

#[entry]
fn main() -> ! {
    hprintln!(
        "blockpool mixed C and Rust firmware on a {} (QEMU {})",
        env!("FIRMWARE_CORE"),
        env!("FIRMWARE_MACHINE")
    );
    hprintln!(
        "-- C self-test: bad pointers to bp_free, bp_alloc on a byte pool: {} of 8 checks passed",
        frame_driver_self_test()
    );

    let mut core = cortex_m::Peripherals::take().expect("main runs once");
    frame_driver_start(FRAMES);
    core.SYST.set_clock_source(SystClkSource::Core);
    core.SYST.set_reload(TICK_CYCLES - 1);
    core.SYST.clear_current();
    core.SYST.enable_interrupt();
    core.SYST.enable_counter();

    hprintln!(
        "-- the C interrupt handler captures frames into Rust's FramePool; Rust and C free them"
    );
    let mut received = 0u32;
    let mut freed_in_rust = 0u32;
    let mut paused = false;
    loop {
        let (captured, dropped, ..) = counts();
        if captured + dropped >= FRAMES && received == captured {
            break;
        }
        if !paused && received == PAUSE_AT {
            paused = true;
            hprintln!("-- burst: the main loop pauses until the handler runs out of blocks");
            while counts().1 < 3 {
                cortex_m::asm::nop();
            }
            hprintln!("FramePool while paused: {}", FramePool::stats());
        }
        let Some(frame) = NonNull::new(frame_driver_take()) else {
            continue;
        };
        // SAFETY: the driver hands each captured frame to the main loop once, initialised, and nothing
        // else uses it until this loop frees it.
        let seq = unsafe { frame.as_ref() }.seq;
        if seq != received {
            fail("frames out of order");
        }
        received += 1;
        // SAFETY: as above; handed to the C handler, which frees it and never uses it again.
        if seq % 2 == 1 && unsafe { frame_driver_free_in_isr(frame.as_ptr()) } == 1 {
            continue;
        }
        // SAFETY: a raw block of `FramePool` (C took it with `bp_alloc`), not used after this.
        if unsafe { FramePool.free_raw(frame.cast()) }.is_err() {
            fail("Rust could not free a frame C allocated");
        }
        freed_in_rust += 1;
    }
    while frame_driver_idle() == 0 {
        cortex_m::asm::nop();
    }
    core.SYST.disable_interrupt();
    core.SYST.disable_counter();

    let (captured, dropped, freed_in_isr, scratch, errors) = counts();
    hprintln!("-- done");
    hprintln!(
        "C driver: {} frames captured in the handler, {} dropped (pool exhausted), {} freed in the handler; {} scratch buffers; {} errors",
        captured,
        dropped,
        freed_in_isr,
        scratch,
        errors
    );
    hprintln!(
        "Rust main loop: {} frames received, {} freed with RawPool::free_raw",
        received,
        freed_in_rust
    );
    let rust_view = FramePool::stats();
    hprintln!("FramePool (Rust's stats()): {}", rust_view);
    let c_view = c_stats(FramePool::c_pool());
    hprintln!(
        "frame_pool (C's bp_get_stats): {}/{} used, high water {}, {} allocs, {} frees, {} failures",
        c_view.used,
        c_view.capacity,
        c_view.high_water,
        c_view.allocs,
        c_view.frees,
        c_view.failures
    );
    hprintln!("Scratch: {}", Scratch::stats());

    let adds_up = errors == 0
        && captured + dropped == FRAMES
        && dropped > 0
        && received == captured
        && freed_in_rust + freed_in_isr == captured
        && rust_view.used == 0
        && rust_view.failures == u64::from(dropped)
        && rust_view.allocs == u64::from(captured) + 1 // and the self-test's block
        && c_view.used == 0
        && c_view.allocs == rust_view.allocs
        && c_view.failures == rust_view.failures
        && Scratch::stats().used == 0
        && Scratch::stats().allocs == u64::from(scratch)
        // SAFETY: pool objects of this program.
        && unsafe { bp_validate(FramePool::c_pool()) } == CStatus::BP_OK
        // SAFETY: as above.
        && unsafe { bp_validate(Scratch::c_pool()) } == CStatus::BP_OK;
    if !adds_up {
        fail("the counts do not add up");
    }
    hprintln!("every block is back and the counts add up");
    exit(debug::EXIT_SUCCESS)
}

/// The C driver's counters: captured, dropped, freed in the handler, scratch buffers, errors.
fn counts() -> (u32, u32, u32, u32, u32) {
    let (mut captured, mut dropped, mut freed, mut scratch, mut errors) = (0, 0, 0, 0, 0);
    // SAFETY: five valid `u32`s to write.
    unsafe {
        frame_driver_counts(
            &mut captured,
            &mut dropped,
            &mut freed,
            &mut scratch,
            &mut errors,
        )
    };
    (captured, dropped, freed, scratch, errors)
}

/// A pool's counters as C reads them.
fn c_stats(pool: &blockpool::c_api::CPool) -> CStats {
    let mut stats = CStats::default();
    // SAFETY: `pool` is a pool object of this program; `stats` is writable.
    if unsafe { bp_get_stats(pool, &mut stats) } != CStatus::BP_OK {
        fail("bp_get_stats");
    }
    stats
}

fn fail(what: &str) -> ! {
    hprintln!("FAILED: {}", what);
    exit(debug::EXIT_FAILURE)
}

fn exit(status: debug::ExitStatus) -> ! {
    debug::exit(status);
    // Only reached without a debugger or emulator that handles semihosting.
    loop {
        cortex_m::asm::wfi();
    }
}

/// Any panic fails the run: print it and exit QEMU with failure.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    hprintln!("panic: {}", info);
    exit(debug::EXIT_FAILURE)
}

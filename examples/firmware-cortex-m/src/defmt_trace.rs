//! A trace hook that logs with defmt: every allocation, free and failure of a typed pool and a byte pool,
//! both with `track_callers`, goes to `defmt::println!("{}", event)` (or `defmt::info!`, shown with `DEFMT_LOG=info`) (blockpool's `defmt` feature gives
//! `TraceEvent` its `defmt::Format`), and out over semihosting as defmt frames (defmt-semihosting).
//!
//!   cargo run --release --features defmt-trace --bin defmt-trace | defmt-print -e \
//!       target/thumbv7m-none-eabi/release/defmt-trace
//!
//! prints one line per event, e.g. `SamplePool#0 alloc at src/defmt_trace.rs:46`. The program checks the
//! number of events itself and exits with failure when it is wrong (CI runs it in QEMU).
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};

use blockpool::{PoolError, TraceEvent, TraceKind, memory_pool, pools};
use cortex_m_rt::entry;
use cortex_m_semihosting::debug;
use defmt_semihosting as _;

/// Allocations, frees and failures the hook saw.
static EVENTS: [AtomicU32; 3] = [const { AtomicU32::new(0) }; 3];

/// The hook: one defmt line per event, and a count. Small and callable from an interrupt handler.
fn log_event(event: &TraceEvent) {
    defmt::println!("{}", event);
    let slot = match event.kind {
        TraceKind::Alloc => 0,
        TraceKind::Free => 1,
        TraceKind::Failure(_) => 2,
    };
    EVENTS[slot].fetch_add(1, Ordering::Relaxed);
}

/// A reading from a sensor.
#[memory_pool(count = 2, track_callers, trace = log_event)]
pub struct Sample(pub u32);

pools! {
    /// Buffers for outgoing packets.
    pub Packets(classes = [(32, 2), (128, 1)], track_callers, trace = log_event);
}

#[entry]
fn main() -> ! {
    let first = SamplePool::alloc(Sample(1));
    let second = SamplePool::alloc(Sample(2));
    let third = SamplePool::alloc(Sample(3)).map_err(|e| e.error());
    let packet = Packets::alloc_bytes(100);
    drop((first, second, packet));
    let counts = EVENTS.each_ref().map(|count| count.load(Ordering::Relaxed));
    defmt::println!("allocs, frees, failures: {}", counts);
    let ok = matches!(third, Err(PoolError::Exhausted)) && counts == [3, 3, 1];
    debug::exit(if ok {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    loop {
        cortex_m::asm::wfi();
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}

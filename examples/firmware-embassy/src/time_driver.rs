//! embassy-time's clock: a time driver on SysTick, which every Cortex-M core has and QEMU emulates.
//!
//! SysTick interrupts once a millisecond and counts ticks (embassy-time's `tick-hz-1_000`); the handler
//! wakes the tasks whose timers are due, from the executor's integrated timer queue
//! (`embassy_time_queue_utils::Queue`). A tick per millisecond is an interrupt per millisecond, even with
//! nothing to wake: simple, and plenty for a demonstration (a driver for a real chip would program a
//! compare register for the next timer instead). Under QEMU's `-icount` the ticks fall on the same
//! instructions on every run.

use core::cell::RefCell;
use core::task::Waker;

use cortex_m::peripheral::SYST;
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_rt::exception;
use critical_section::Mutex;
use embassy_time_driver::Driver;
use embassy_time_queue_utils::Queue;

/// Core clock cycles per tick: one millisecond of the LM3S6965's clock in QEMU, 12.5 MHz (its reset clock
/// settings: 200 MHz divided by 16). Under `-icount shift=4` an instruction takes 16 ns, so a tick is 62,500
/// instructions.
const TICK_CYCLES: u32 = 12_500;
const _: () = assert!(
    embassy_time_driver::TICK_HZ == 1_000,
    "one tick per millisecond"
);

/// What the SysTick handler and the tasks share, in a critical section (the Cortex-M3 has no 64-bit
/// atomics for the tick count).
struct Clock {
    /// Ticks since `start`; 64 bits never wrap (embassy-time's contract).
    ticks: u64,
    /// The tasks waiting for a tick, each with its deadline.
    queue: Queue,
    /// The earliest deadline in `queue` (`u64::MAX`: none), so that most ticks only count.
    next: u64,
}

struct SysTickDriver {
    clock: Mutex<RefCell<Clock>>,
}

impl Driver for SysTickDriver {
    fn now(&self) -> u64 {
        critical_section::with(|cs| self.clock.borrow_ref(cs).ticks)
    }

    fn schedule_wake(&self, at: u64, waker: &Waker) {
        critical_section::with(|cs| {
            let mut clock = self.clock.borrow_ref_mut(cs);
            let Clock { ticks, queue, next } = &mut *clock;
            if queue.schedule_wake(at, waker) {
                // Wakes the task at once if `at` has passed, and finds the earliest deadline.
                *next = queue.next_expiration(*ticks);
            }
        });
    }
}

embassy_time_driver::time_driver_impl!(static DRIVER: SysTickDriver = SysTickDriver {
    clock: Mutex::new(RefCell::new(Clock {
        ticks: 0,
        queue: Queue::new(),
        next: u64::MAX,
    })),
});

/// Starts the clock: SysTick counts core cycles and interrupts once a tick.
pub fn start(mut syst: SYST) {
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(TICK_CYCLES - 1);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();
}

#[exception]
fn SysTick() {
    critical_section::with(|cs| {
        let mut clock = DRIVER.clock.borrow_ref_mut(cs);
        let Clock { ticks, queue, next } = &mut *clock;
        *ticks += 1;
        if *ticks >= *next {
            // Wakes every task whose deadline has come (an embassy waker only queues its task and sends
            // an event: it calls back into nothing here).
            *next = queue.next_expiration(*ticks);
        }
    });
}

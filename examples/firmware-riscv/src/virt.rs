//! The three devices of QEMU's `virt` machine that the firmware uses: the ns16550 UART for its output, the
//! CLINT's machine timer for its interrupt, and the SiFive test finisher that ends the run with a status
//! (QEMU's exit status). Addresses as in `memory/virt.x`.

use core::fmt;
use core::ptr;

use riscv::interrupt::Interrupt;

/// Transmit holding register of the UART (write a byte to send it).
const UART_THR: *mut u8 = 0x1000_0000 as *mut u8;
/// Line status register of the UART.
const UART_LSR: *const u8 = 0x1000_0005 as *const u8;
/// LSR bit: the transmit holding register is empty.
const LSR_THR_EMPTY: u8 = 1 << 5;

/// The CLINT's `mtime` (64 bits, 10 MHz on `virt`).
const MTIME: usize = 0x0200_bff8;
/// The CLINT's `mtimecmp` of hart 0: the machine timer interrupt is pending while `mtime >= mtimecmp`.
const MTIMECMP: usize = 0x0200_4000;

/// The SiFive test finisher: a write of `FINISHER_PASS` ends QEMU with status 0, one of
/// `code << 16 | FINISHER_FAIL` with status `code`.
const FINISHER: *mut u32 = 0x0010_0000 as *mut u32;
const FINISHER_PASS: u32 = 0x5555;
const FINISHER_FAIL: u32 = 0x3333;

/// The UART, as a `fmt::Write`. Only the main loop and the panic handler print; the interrupt never does.
pub struct Uart;

impl fmt::Write for Uart {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        for byte in text.bytes() {
            // SAFETY: on `virt`, UART_LSR and UART_THR are registers of the ns16550 (MMIO, byte-wide, always
            // mapped); reading LSR and writing THR has no effect on memory Rust knows about.
            unsafe {
                while ptr::read_volatile(UART_LSR) & LSR_THR_EMPTY == 0 {}
                ptr::write_volatile(UART_THR, byte);
            }
        }
        Ok(())
    }
}

/// Prints a line on the UART.
#[macro_export]
macro_rules! println {
    ($($arg:tt)*) => {{
        use ::core::fmt::Write as _;
        // The UART's `write_str` never fails.
        let _ = ::core::writeln!($crate::virt::Uart, $($arg)*);
    }};
}

/// Ends the QEMU run: status 0 if `ok`, else 1.
pub fn exit(ok: bool) -> ! {
    let command = if ok {
        FINISHER_PASS
    } else {
        1 << 16 | FINISHER_FAIL
    };
    // SAFETY: FINISHER is the test device's register on `virt` (MMIO, always mapped); the write stops
    // the machine and touches no memory Rust knows about.
    unsafe { ptr::write_volatile(FINISHER, command) };
    // Only reached on a machine without the finisher.
    loop {
        riscv::asm::wfi();
    }
}

/// Reads a 64-bit CLINT register as two 32-bit halves, high half again until it did not change.
fn read_u64(address: usize) -> u64 {
    let (low, high) = (address as *const u32, (address + 4) as *const u32);
    loop {
        // SAFETY: `address` is MTIME or MTIMECMP, registers of the CLINT (MMIO, word-aligned, always mapped).
        let (before, low, after) = unsafe {
            (
                ptr::read_volatile(high),
                ptr::read_volatile(low),
                ptr::read_volatile(high),
            )
        };
        if before == after {
            return u64::from(after) << 32 | u64::from(low);
        }
    }
}

/// Sets `mtimecmp` without passing through a smaller value on the way (which could raise a spurious
/// interrupt): low half to all ones first, then the high half, then the low half.
fn set_deadline(deadline: u64) {
    let (low, high) = (MTIMECMP as *mut u32, (MTIMECMP + 4) as *mut u32);
    // SAFETY: MTIMECMP is the CLINT's compare register of hart 0 (MMIO, word-aligned, always mapped);
    // writing it only moves the timer interrupt.
    unsafe {
        ptr::write_volatile(low, u32::MAX);
        ptr::write_volatile(high, (deadline >> 32) as u32);
        ptr::write_volatile(low, deadline as u32);
    }
}

/// Starts the machine timer interrupt, every `period` ticks of `mtime`, and enables interrupts.
pub fn start_timer(period: u32) {
    set_deadline(read_u64(MTIME) + u64::from(period));
    // SAFETY: the handler only touches the pools and the statics it shares with `main` through atomics
    // and critical sections, so it may run from here on.
    unsafe {
        riscv::interrupt::enable_interrupt(Interrupt::MachineTimer);
        riscv::interrupt::enable();
    }
}

/// Called by the handler: the next interrupt `period` ticks after the last deadline, which also clears
/// the pending one. (From the deadline, not from now, so that ticks stay evenly spaced.)
pub fn next_tick(period: u32) {
    set_deadline(read_u64(MTIMECMP) + u64::from(period));
}

/// Stops the machine timer interrupt.
pub fn stop_timer() {
    riscv::interrupt::disable_interrupt(Interrupt::MachineTimer);
}

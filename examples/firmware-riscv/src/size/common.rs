//! What the code-size programs share: the item they store, the exit and the panic handler. Kept free of
//! formatting and of the UART, so that the difference between the programs is the pool and nothing else.

/// The item each program stores: 64 bytes, like a small message.
pub struct Message {
    pub id: u32,
    pub body: [u8; 60],
}

impl Message {
    /// A message the optimiser cannot see through.
    pub fn new() -> Self {
        let id = core::hint::black_box(7);
        Self {
            id,
            body: [id as u8; 60],
        }
    }

    /// Reads the message back, so that storing it cannot be optimised away.
    pub fn check(&self) -> bool {
        let this = core::hint::black_box(self);
        this.body[59] == this.id as u8
    }
}

/// Ends the QEMU run with success if `ok`, through the `virt` machine's test finisher (see `src/virt.rs`).
pub fn exit(ok: bool) -> ! {
    let finisher = 0x0010_0000 as *mut u32;
    let command = if ok { 0x5555 } else { 1 << 16 | 0x3333 };
    // SAFETY: the test finisher's register on `virt` (MMIO, always mapped); the write stops the machine and
    // touches no memory Rust knows about.
    unsafe { finisher.write_volatile(command) };
    loop {
        riscv::asm::wfi();
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    exit(false)
}

//! What the three code-size programs share: the item they store, the exit and the panic handler. Kept
//! free of formatting, so that the difference between the programs is the pool and nothing else. The
//! instruction-count programs (`src/cycles/`) use it too.

use cortex_m_semihosting::debug;

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

/// Ends the QEMU run with success if `ok`.
pub fn exit(ok: bool) -> ! {
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
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    exit(false)
}

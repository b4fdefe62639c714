//! What the code-size programs share: the item they store, the number of pools, the exit and the panic
//! handler. Kept free of formatting, so that the difference between the programs is the pools and nothing
//! else. The instruction-count programs (`src/cycles/`) use it too.

use cortex_m_semihosting::debug;

/// Calls `$each!(Name)` for each pool the program declares: one, or 2, 4 or 8 with the features
/// `pools-2`, `pools-4`, `pools-8` (each program gives every pool its own alloc, check and free).
macro_rules! each_pool {
    ($each:ident) => {
        $each!(P0);
        #[cfg(feature = "pools-2")]
        $each!(P1);
        #[cfg(feature = "pools-4")]
        $each!(P2);
        #[cfg(feature = "pools-4")]
        $each!(P3);
        #[cfg(feature = "pools-8")]
        $each!(P4);
        #[cfg(feature = "pools-8")]
        $each!(P5);
        #[cfg(feature = "pools-8")]
        $each!(P6);
        #[cfg(feature = "pools-8")]
        $each!(P7);
    };
}

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

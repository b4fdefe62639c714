//! What the code-size programs share: the item they store, the number of pools, the exit and the panic
//! handler. Kept free of formatting, so that the difference between the programs is the pools and nothing
//! else. The instruction-count programs (`src/cycles/`) use it too.

use cortex_m_semihosting::debug;

/// Calls `$each!(Name, number)` for each pool the program declares: one, or 2, 4 or 8 with the features
/// `pools-2`, `pools-4`, `pools-8` (each program gives every pool its own alloc, check and free, on a
/// message of its own, so that the compiler cannot fold the pools' code into one copy in one program and
/// not in another).
#[allow(unused_macros)] // The instruction-count programs share this file and do not use it.
macro_rules! each_pool {
    ($each:ident) => {
        $each!(P0, 0);
        #[cfg(feature = "pools-2")]
        $each!(P1, 1);
        #[cfg(feature = "pools-4")]
        $each!(P2, 2);
        #[cfg(feature = "pools-4")]
        $each!(P3, 3);
        #[cfg(feature = "pools-8")]
        $each!(P4, 4);
        #[cfg(feature = "pools-8")]
        $each!(P5, 5);
        #[cfg(feature = "pools-8")]
        $each!(P6, 6);
        #[cfg(feature = "pools-8")]
        $each!(P7, 7);
    };
}

/// The item each program stores: 64 bytes, like a small message.
pub struct Message {
    pub id: u32,
    pub body: [u8; 60],
}

impl Message {
    /// A message the optimiser cannot see through.
    #[allow(dead_code)] // The code-size programs use `with_id`, the instruction-count ones this.
    pub fn new() -> Self {
        Self::with_id(7)
    }

    /// A message the optimiser cannot see through, built from `id`.
    pub fn with_id(id: u32) -> Self {
        let id = core::hint::black_box(id);
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

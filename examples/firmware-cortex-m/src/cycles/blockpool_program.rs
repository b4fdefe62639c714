//! The program the blockpool rows of `scripts/cycles.sh` run, for the pool options its caller names: the
//! phases of `common::run`, with a message allocated into a block instead of built on the stack.

/// Declares `MessagePool` (`#[memory_pool(type = Message, <options>)]`), the measured functions and the
/// entry point that runs them.
///
/// `blockpool_program!(@read { .. } <options>)` also runs the statements in braces once, before the
/// phases: a read of what the pool records (a pool's sites, which the compiler drops if nothing reads them).
macro_rules! blockpool_program {
    (@read { $($read:tt)* } $($option:tt)*) => {
        #[memory_pool(type = Message, $($option)*)]
        struct MessagePool;

        /// `n` times: allocate a message into a block, read it back, free the block; alloc and free inlined, as in
        /// a user's code.
        #[unsafe(no_mangle)]
        #[inline(never)]
        fn cycles_pairs(n: u32) -> bool {
            let mut ok = true;
            for _ in 0..n {
                match MessagePool::alloc(Message::new()) {
                    Ok(message) => ok &= message.check(), // dropping the handle frees the block
                    Err(_) => ok = false,
                }
            }
            ok
        }

        /// One allocation, not inlined, so that its instructions can be told apart from the caller's.
        #[unsafe(no_mangle)]
        #[inline(never)]
        fn cycles_alloc_one() -> Option<PoolBox<MessagePool>> {
            MessagePool::alloc(Message::new()).ok()
        }

        /// One free, not inlined.
        #[unsafe(no_mangle)]
        #[inline(never)]
        fn cycles_free_one(message: PoolBox<MessagePool>) {
            drop(message);
        }

        /// `n` times: allocate every block of the pool, read each message back and free it.
        #[unsafe(no_mangle)]
        #[inline(never)]
        fn cycles_rounds(n: u32) -> bool {
            let mut ok = true;
            for _ in 0..n {
                let messages: [Option<PoolBox<MessagePool>>; BLOCKS] =
                    core::array::from_fn(|_| cycles_alloc_one());
                for message in messages {
                    match message {
                        Some(message) => {
                            ok &= message.check();
                            cycles_free_one(message);
                        }
                        None => ok = false,
                    }
                }
            }
            ok
        }

        #[entry]
        fn main() -> ! {
            $($read)*
            run(cycles_pairs, cycles_rounds)
        }
    };
    ($($option:tt)*) => {
        blockpool_program!(@read {} $($option)*);
    };
}

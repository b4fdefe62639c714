// The program of the blockpool rows of `scripts/code-size.sh`, included by `blockpool.rs`,
// `blockpool_nostats.rs`, `blockpool_track.rs` and `blockpool_wait.rs` after each defines `declare_pool!()`, its `MessagePool` with its options, and
// `read_pool!()`, what the program reads of the pool afterwards (nothing but in `blockpool_track.rs`): in
// each pool, allocate a message into a block, read it, free the block.

macro_rules! program {
    ($pool:ident, $number:literal) => {
        #[allow(non_snake_case)]
        mod $pool {
            use super::Message;

            declare_pool!();

            pub fn run() -> bool {
                let ok = match MessagePool::alloc(Message::with_id($number)) {
                    Ok(message) => message.check(), // dropping the handle frees the block
                    Err(_) => false,
                };
                read_pool!();
                ok
            }
        }
    };
}

each_pool!(program);

#[entry]
fn main() -> ! {
    let mut ok = true;
    macro_rules! run {
        ($pool:ident, $number:literal) => {
            ok &= $pool::run();
        };
    }
    each_pool!(run);
    exit(ok)
}

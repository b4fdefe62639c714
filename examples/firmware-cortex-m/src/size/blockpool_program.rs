// The program of the blockpool rows of `scripts/code-size.sh`, included by `blockpool.rs` and
// `blockpool_nostats.rs` after each defines `declare_pool!()`, its `MessagePool` with its options: in each
// pool, allocate a message into a block, read it, free the block.

macro_rules! program {
    ($pool:ident, $number:literal) => {
        #[allow(non_snake_case)]
        mod $pool {
            use super::Message;

            declare_pool!();

            pub fn run() -> bool {
                match MessagePool::alloc(Message::with_id($number)) {
                    Ok(message) => message.check(), // dropping the handle frees the block
                    Err(_) => false,
                }
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

// A crate on edition 2018 with a `panic!` of its own in scope: the checks of `max_size` and `align` still
// fail the build (before review round 27 they expanded to this `panic!`, which did nothing).
use blockpool::memory_pool;

#[allow(unused_macros)]
macro_rules! panic {
    ($($tokens:tt)*) => {
        ()
    };
}

#[memory_pool(count = 2, max_size = 1)]
pub struct TooBig(pub u64);

#[memory_pool(count = 2, align = 1)]
pub struct UnderAligned(pub u64);

fn main() {}

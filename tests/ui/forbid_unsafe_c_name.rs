// `c_name` exports a symbol, an unsafe act the user writes out; in a crate that forbids `unsafe` it is
// rejected at the `unsafe` the user wrote, as a hand-written `#[unsafe(export_name)]` would be.
#![forbid(unsafe_code)]

use blockpool::memory_pool;

#[memory_pool(count = 4, c_name = unsafe("msg_pool"))]
pub struct Msg {
    pub id: u32,
}

fn main() {}

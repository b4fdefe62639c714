// `link_section` is an unsafe act the user writes out; in a crate that forbids `unsafe` it is rejected at
// the `unsafe` the user wrote, as a hand-written `#[unsafe(link_section)]` would be.
#![forbid(unsafe_code)]

use blockpool::memory_pool;

#[memory_pool(count = 4, link_section = unsafe(".data.dma"))]
pub struct Msg {
    pub id: u32,
}

fn main() {}

// DMA may write any bit pattern into a `WriteBuffer`, so a block whose item is not made of plain words
// (a `bool` that could become 2, a struct with padding) is not one: embedded-dma's blanket impl needs its
// `Word` trait, which only integer words have.
use blockpool::{memory_pool, pools, PoolBox};
use embedded_dma::WriteBuffer;

pools! {
    pub Flags(type = [bool; 4], count = 1);
}

#[memory_pool(count = 1)]
pub struct Header {
    pub kind: u8,
    pub len: u32,
}

/// A HAL's receive: takes any DMA-writable buffer of bytes.
fn start_receive<B: WriteBuffer<Word = u8>>(buffer: B) -> B {
    buffer
}

fn main() {
    let flags: PoolBox<Flags> = Flags::alloc([false; 4]).unwrap();
    let _ = start_receive(flags);
    let header = HeaderPool::alloc(Header { kind: 1, len: 0 }).unwrap();
    let _ = start_receive(header);
}

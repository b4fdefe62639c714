//! Pool handles as embedded-dma 0.2 buffers: `PoolBox` of words and arrays of words, `PoolBytes` and
//! `PoolRc` satisfy `ReadBuffer` / `WriteBuffer` through embedded-dma's blanket impls (they are
//! `StableDeref + 'static`), with the item's address and its length in words; items that are not words are
//! not DMA buffers. A transfer here is what a HAL does with the buffer: it takes the handle, asks it for
//! `(ptr, len)` once, lets the "hardware" write through the pointer (here a function or another thread),
//! and hands the handle back.
//!
//! Tests run in parallel, so each test has a pool of its own.

use std::thread;

use blockpool::{PoolBox, PoolBytes, PoolRc, memory_pool, pools};
use embedded_dma::{ReadBuffer, WriteBuffer};
use static_assertions::{assert_impl_all, assert_not_impl_any};

pools! {
    pub Frames(type = [u8; 16], count = 1);
    pub Received(type = [u8; 16], count = 1);
    pub Moved(type = [u8; 16], count = 1);
    pub Forgotten(type = [u8; 16], count = 1);
    pub Samples(type = [u32; 8], count = 1);
    pub ReceivedSamples(type = [u32; 8], count = 1);
    pub Wide(type = [i64; 3], count = 1);
    pub Register(type = u16, count = 1);
    pub Rows(type = [[u8; 4]; 3], count = 1);
    pub SharedFrames(type = [u8; 8], count = 1, refcount = u8);
    pub Bytes(classes = [(32, 1)]);
    pub MovedBytes(classes = [(128, 1)]);
    pub Threaded(type = [u32; 64], count = 1);
    pub Flags(type = [bool; 4], count = 1);
}

/// Not a word array: padding bytes, and a `bool` that DMA could set to 2.
#[memory_pool(count = 1)]
pub struct Header {
    pub kind: u8,
    pub len: u32,
    pub valid: bool,
}

assert_impl_all!(PoolBox<Frames>: ReadBuffer<Word = u8>, WriteBuffer<Word = u8>);
assert_impl_all!(PoolBox<Samples>: ReadBuffer<Word = u32>, WriteBuffer<Word = u32>);
assert_impl_all!(PoolBox<Wide>: ReadBuffer<Word = i64>, WriteBuffer<Word = i64>);
assert_impl_all!(PoolBox<Register>: ReadBuffer<Word = u16>, WriteBuffer<Word = u16>);
assert_impl_all!(PoolBox<Rows>: ReadBuffer<Word = u8>, WriteBuffer<Word = u8>);
assert_impl_all!(PoolBytes<Bytes>: ReadBuffer<Word = u8>, WriteBuffer<Word = u8>);
// A shared handle gives no `&mut`: DMA may read it (send one frame twice), never write it.
assert_impl_all!(PoolRc<SharedFrames>: ReadBuffer<Word = u8>);
assert_not_impl_any!(PoolRc<SharedFrames>: WriteBuffer);
// Items whose bytes are not all valid words are not DMA buffers either way.
assert_not_impl_any!(PoolBox<Flags>: ReadBuffer, WriteBuffer);
assert_not_impl_any!(PoolBox<HeaderPool>: ReadBuffer, WriteBuffer);
// `StableDeref` is what embedded-dma's blanket impls need.
assert_impl_all!(PoolBytes<Bytes>: stable_deref_trait::StableDeref);

/// A HAL's receive: takes the buffer, asks for `(ptr, len)` once, and the "peripheral" writes word `i`
/// as `word(i)` through the pointer; then the buffer comes back.
fn receive<B, W>(mut buffer: B, word: impl Fn(usize) -> W) -> (B, usize)
where
    B: WriteBuffer<Word = W>,
{
    // SAFETY: the buffer is ours until we return it, and no `&mut self` method is called on it meanwhile.
    let (ptr, len) = unsafe { buffer.write_buffer() };
    for i in 0..len {
        // SAFETY: `write_buffer` promises `len` writable words at `ptr`, valid for any bit pattern.
        unsafe { ptr.add(i).write_volatile(word(i)) };
    }
    (buffer, len)
}

/// A HAL's transmit: the "peripheral" reads every word of the buffer.
fn transmit<B, W: Copy>(buffer: B) -> (B, Vec<W>)
where
    B: ReadBuffer<Word = W>,
{
    // SAFETY: as in `receive`, for reading.
    let (ptr, len) = unsafe { buffer.read_buffer() };
    // SAFETY: `read_buffer` promises `len` readable, initialised words at `ptr`.
    let sent = (0..len)
        .map(|i| unsafe { ptr.add(i).read_volatile() })
        .collect();
    (buffer, sent)
}

#[test]
fn pool_box_of_bytes_is_the_item_address_and_length() {
    let mut frame = Frames::alloc([0; 16]).unwrap();
    let item = PoolBox::as_ptr(&frame).cast::<u8>().as_ptr();
    // SAFETY: nothing uses the pointers; only their values are compared.
    let (write_ptr, write_len) = unsafe { frame.write_buffer() };
    // SAFETY: as above.
    let (read_ptr, read_len) = unsafe { frame.read_buffer() };
    assert_eq!((write_ptr, write_len), (item, 16));
    assert_eq!((read_ptr, read_len), (item.cast_const(), 16));
}

#[test]
fn pool_box_of_words_counts_words_not_bytes() {
    let mut samples = Samples::alloc([0; 8]).unwrap();
    let item = PoolBox::as_ptr(&samples).cast::<u32>().as_ptr();
    // SAFETY: only the values are compared.
    assert_eq!(unsafe { samples.write_buffer() }, (item, 8));

    let mut wide = Wide::alloc([0; 3]).unwrap();
    let item = PoolBox::as_ptr(&wide).cast::<i64>().as_ptr();
    // SAFETY: only the values are compared.
    assert_eq!(unsafe { wide.write_buffer() }, (item, 3));

    let mut register = Register::alloc(0).unwrap();
    let item = PoolBox::as_ptr(&register).as_ptr();
    // SAFETY: only the values are compared.
    assert_eq!(unsafe { register.write_buffer() }, (item, 1));

    // An array of arrays is one run of words.
    let mut rows = Rows::alloc([[0; 4]; 3]).unwrap();
    let item = PoolBox::as_ptr(&rows).cast::<u8>().as_ptr();
    // SAFETY: only the values are compared.
    assert_eq!(unsafe { rows.write_buffer() }, (item, 12));
}

#[test]
fn received_words_land_in_the_block_and_the_block_comes_back() {
    let frame = Received::alloc([0; 16]).unwrap();
    let (frame, len) = receive(frame, |i| b"blockpool: DMA!\n"[i]);
    assert_eq!(len, 16);
    assert_eq!(&*frame, b"blockpool: DMA!\n");

    let samples = ReceivedSamples::alloc([0; 8]).unwrap();
    let (samples, _) = receive(samples, |i| 0x0100_0000 * i as u32 + 7);
    assert_eq!(samples[7], 0x0700_0007);
    let (samples, sent) = transmit(samples);
    assert_eq!(sent, samples.to_vec());

    drop((frame, samples));
    assert_eq!(Received::stats().used, 0);
    assert_eq!(ReceivedSamples::stats().used, 0);
}

#[test]
fn pool_bytes_is_its_data_and_current_length() {
    let mut buf = Bytes::alloc_bytes(20).unwrap();
    let data = buf.as_mut_ptr();
    // SAFETY: only the values are compared.
    assert_eq!(unsafe { buf.write_buffer() }, (data, 20));
    buf.resize(32).unwrap();
    // SAFETY: only the values are compared.
    assert_eq!(unsafe { buf.read_buffer() }, (data.cast_const(), 32));

    let (buf, len) = receive(buf, |i| i as u8);
    assert_eq!(len, 32);
    assert!(buf.iter().enumerate().all(|(i, &b)| b == i as u8));
    let (buf, sent) = transmit(buf);
    assert_eq!(sent, buf.to_vec());
    drop(buf);
    assert_eq!(Bytes::stats().used, 0);
}

#[test]
fn a_moved_handle_gives_the_same_buffer() {
    // embedded-dma's contract: `write_buffer` returns the same value on every call while no other
    // `&mut self` method runs, wherever the handle has moved (into a transfer, a queue, a box).
    let mut frame = Moved::alloc([0; 16]).unwrap();
    // SAFETY: only the values are compared.
    let first = unsafe { frame.write_buffer() };
    let mut queue = std::collections::VecDeque::from([frame]);
    let mut moved = queue.pop_front().unwrap();
    // SAFETY: only the values are compared.
    assert_eq!(unsafe { moved.write_buffer() }, first);

    let mut buf = MovedBytes::alloc_bytes(100).unwrap();
    // SAFETY: only the values are compared.
    let first = unsafe { buf.write_buffer() };
    let mut moved = Box::new(buf);
    // SAFETY: only the values are compared.
    assert_eq!(unsafe { moved.write_buffer() }, first);
}

#[test]
fn a_shared_frame_is_read_by_two_transfers() {
    let frame = SharedFrames::alloc_shared(*b"PING\r\n\0\0").unwrap();
    let (first, sent_first) = transmit(frame.clone());
    let (second, sent_second) = transmit(frame);
    assert_eq!(sent_first, b"PING\r\n\0\0");
    assert_eq!(sent_first, sent_second);
    drop((first, second));
    assert_eq!(SharedFrames::stats().used, 0);
}

/// A transfer as a HAL keeps it: the buffer inside, the hardware elsewhere.
struct Transfer<B> {
    buffer: B,
    hardware: thread::JoinHandle<()>,
}

impl<B> Transfer<B> {
    fn wait(self) -> B {
        self.hardware.join().unwrap();
        self.buffer
    }
}

/// Starts a transfer whose "hardware" is another thread writing words `0, 1, 2, ...` through the pointer.
fn start_receive<B: WriteBuffer<Word = u32>>(mut buffer: B) -> Transfer<B> {
    // SAFETY: the transfer owns the buffer until `wait` returns it, after the writer thread has finished.
    let (ptr, len) = unsafe { buffer.write_buffer() };
    let address = ptr as usize; // raw pointers are not `Send`; the "hardware" gets the address
    let hardware = thread::spawn(move || {
        let ptr = address as *mut u32;
        for i in 0..len {
            // SAFETY: the transfer keeps the buffer, and its `len` words at `ptr`, until this thread ends.
            unsafe { ptr.add(i).write_volatile(i as u32) };
        }
    });
    Transfer { buffer, hardware }
}

#[test]
fn a_transfer_on_another_thread_fills_the_block() {
    let samples = Threaded::alloc([u32::MAX; 64]).unwrap();
    let transfer = start_receive(samples);
    assert_eq!(Threaded::stats().used, 1);
    let samples = transfer.wait();
    assert!(samples.iter().enumerate().all(|(i, &w)| w == i as u32));
    drop(samples);
    assert_eq!(Threaded::stats().used, 0);
    assert_eq!(Threaded::validate(), Ok(()));
}

#[test]
fn a_forgotten_handle_keeps_its_block() {
    // What makes `'static + StableDeref` enough for DMA: a transfer that is forgotten (`mem::forget`)
    // forgets the handle inside it, which never gives its block back, so the hardware can go on writing
    // into memory that no one else will be given.
    let mut frame = Forgotten::alloc([0; 16]).unwrap();
    // SAFETY: only the value is kept.
    let (ptr, _) = unsafe { frame.write_buffer() };
    std::mem::forget(frame);
    assert_eq!(Forgotten::stats().used, 1);
    assert!(Forgotten::alloc([0; 16]).is_err());
    // SAFETY: the block is leaked with its item, so it stays valid and ours ("the hardware's") for good.
    unsafe { ptr.write_volatile(0xA5) };
}

//! One received radio frame shared by several consumers: a logger, a checksum task and a forwarder each
//! hold a `PoolRc` to the same block; the last one to finish frees it. A routing table remembers frames by
//! `PoolWeak`, which does not keep them alive and notices when a block has been reused.
//!
//! Run with `cargo run --example shared_frames`.

use blockpool::{PoolRc, PoolWeak, memory_pool};

/// A received frame. `refcount = u8`: at most 255 handles per frame, one byte of count per block.
#[memory_pool(count = 4, refcount = u8)]
#[derive(Clone, Debug)]
pub struct Frame {
    pub seq: u32,
    pub len: usize,
    pub data: [u8; 64],
}

fn receive(seq: u32, payload: &[u8]) -> PoolRc<FramePool> {
    let mut data = [0; 64];
    data[..payload.len()].copy_from_slice(payload);
    FramePool::alloc_shared(Frame {
        seq,
        len: payload.len(),
        data,
    })
    .expect("a free frame buffer")
}

fn report(stage: &str, frame: &PoolRc<FramePool>) {
    println!(
        "{stage:<28} frame #{} refs {} | pool {}",
        frame.seq,
        PoolRc::strong_count(frame),
        FramePool::stats()
    );
}

fn main() {
    let frame = receive(7, b"hello, shared world");
    report("received", &frame);

    // Three consumers get their own handle to the same block: no copy.
    let for_logger = frame.clone();
    let for_checksum = frame.clone();
    let for_forwarder = frame.clone();
    drop(frame);
    report("handed to 3 consumers", &for_logger);
    let last_seen: PoolWeak<FramePool> = PoolRc::downgrade(&for_logger);

    println!(
        "  logger: {:?}",
        core::str::from_utf8(&for_logger.data[..for_logger.len]).unwrap_or("<binary>")
    );
    drop(for_logger);
    report("logger done", &for_checksum);

    let checksum: u32 = for_checksum.data[..for_checksum.len]
        .iter()
        .map(|&b| u32::from(b))
        .sum();
    println!("  checksum: {checksum}");
    drop(for_checksum);
    report("checksum done", &for_forwarder);

    // The forwarder rewrites the header while an archiver still holds the original: `make_mut` copies
    // the frame into a new block of the same pool (copy-on-write), and the archiver's view is unchanged.
    let archived = for_forwarder.clone();
    let mut outgoing = for_forwarder;
    PoolRc::make_mut(&mut outgoing)
        .expect("a free block for the copy")
        .seq += 1000;
    report("forwarder copied on write", &outgoing);
    report("archiver keeps the original", &archived);
    println!(
        "  weak handle to the original upgrades: {}",
        last_seen.upgrade().is_some()
    );
    drop(archived);
    println!(
        "  after the archiver is done it upgrades: {}",
        last_seen.upgrade().is_some()
    );

    // Now the forwarder's copy is the only handle: `make_mut` edits in place, no copy.
    PoolRc::make_mut(&mut outgoing).expect("no copy needed").len -= 1;
    report("forwarder edited in place", &outgoing);

    let sent: Frame = PoolRc::try_unwrap(outgoing).expect("the last handle");
    println!(
        "  forwarded frame #{} ({} bytes); block freed",
        sent.seq, sent.len
    );

    let reuse = receive(8, b"next");
    println!(
        "  weak handle to frame #7 after new frames arrived upgrades: {}",
        last_seen.upgrade().is_some()
    );
    drop(reuse);

    let stats = FramePool::stats();
    println!("final: {stats}");
    println!("dump:  {FramePool:?}");
    assert_eq!(stats.used, 0);
    assert_eq!(FramePool::validate(), Ok(()));
}

//! A firmware-style receive path built on one `pools!` block.
//!
//! The "radio interrupt" takes a buffer for each frame (20 to 1400 bytes) from a byte pool with three size
//! classes, lets the radio write the frame into it, and queues a descriptor (a typed pool) for the main
//! loop. The main loop parses the header with an arena as scratch, strips the header in place (`resize`),
//! reassembles two fragments into one buffer (`grow`, which moves to a larger class) and delivers the
//! payload. A burst while the main loop is busy fills the small class, so frames fall back to larger
//! classes, and then the pool, so frames are dropped with a typed error; once the main loop has caught up,
//! the retransmitted frames fit again.
//!
//! Run with `cargo run --example packet_buffers`.

use core::sync::atomic::{AtomicU32, Ordering};

use blockpool::{Arena, FailureEvent, PoolBox, PoolBytes, PoolError, pools};
use heapless::{Deque, Vec};

/// A received frame on its way to the main loop: what the radio reported about it, and the frame itself.
pub struct Descriptor {
    /// Link-layer sequence number.
    pub seq: u16,
    /// Signal strength, as the radio measured it.
    pub rssi: i8,
    /// Filled in by the parser from the header's options.
    pub flow: u8,
    /// Filled in by the parser from the header's options.
    pub priority: u8,
    /// The frame; after parsing, only its payload.
    pub frame: PoolBytes<RxBuffers>,
}

pools! {
    budget = 10 KiB;
    /// Receive buffers. Most traffic is small (acknowledgements, sensor reports); a few frames are near
    /// the 1400-byte MTU, and reassembled datagrams can be larger.
    pub RxBuffers(classes = [(128, 8), (512, 4), (1536, 3)], on_failure = count_drop);
    /// One descriptor per frame waiting for the main loop (more than there are receive buffers, so a frame
    /// that got a buffer always gets a descriptor).
    pub Descriptors(type = Descriptor, count = 16);
    /// Scratch for the header parser, reclaimed after every frame.
    pub ParseScratch(arena = 256);
}

/// Frames the `on_failure` hook has seen dropped.
static DROPS: AtomicU32 = AtomicU32::new(0);

/// Called by `RxBuffers` on every failed allocation, in interrupt context: count, nothing more.
fn count_drop(_event: &FailureEvent) {
    DROPS.fetch_add(1, Ordering::Relaxed);
}

// Frame layout: kind (1 byte), header length (1), sequence number (2, big-endian), then options as
// type-length-value triples, then the payload.
const FIXED_HEADER: usize = 4;
const KIND_DATA: u8 = 0;
const KIND_FIRST_FRAGMENT: u8 = 1;
const KIND_LAST_FRAGMENT: u8 = 2;
const OPTION_FLOW: u8 = 1;
const OPTION_PRIORITY: u8 = 2;
const OPTION_TIMESTAMP: u8 = 3;

/// A deterministic xorshift32 generator, so that every run sees the same traffic.
struct Traffic(u32);

impl Traffic {
    fn next(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }

    /// A value in `low..=high`.
    fn between(&mut self, low: usize, high: usize) -> usize {
        low + self.next() as usize % (high - low + 1)
    }

    /// A frame length of 20 to 1400 bytes: mostly small frames, some medium, a few near the MTU.
    fn frame_len(&mut self) -> usize {
        match self.next() % 100 {
            0..60 => self.between(20, 128),
            60..85 => self.between(129, 512),
            _ => self.between(513, 1400),
        }
    }
}

/// What the radio puts into the buffer (by DMA on real hardware): a header whose options depend on the
/// sequence number, then a payload pattern.
fn write_frame(frame: &mut [u8], seq: u16, kind: u8) {
    let [seq_high, seq_low] = seq.to_be_bytes();
    let options: [&[u8]; 3] = [
        &[OPTION_FLOW, 1, (seq % 4) as u8],
        &[OPTION_PRIORITY, 1, (seq % 3) as u8],
        &[OPTION_TIMESTAMP, 4, 0, 0, seq_high, seq_low],
    ];
    // 4 + 3 + 3 + 6 = 16 bytes at most, and a frame has at least 20.
    let mut header: Vec<u8, 16> = Vec::new();
    for part in [&[kind, 0, seq_high, seq_low][..]]
        .into_iter()
        .chain(options.into_iter().take(usize::from(seq % 4)))
    {
        header
            .extend_from_slice(part)
            .expect("16 bytes hold every header");
    }
    header[1] = header.len() as u8;
    let (head, payload) = frame.split_at_mut(header.len());
    head.copy_from_slice(&header);
    for (i, byte) in payload.iter_mut().enumerate() {
        *byte = (i as u8).wrapping_mul(31).wrapping_add(seq as u8);
    }
}

/// The smallest class of `RxBuffers` that holds `len` bytes.
fn smallest_fit(len: usize) -> usize {
    (0..)
        .map_while(RxBuffers::class_stats)
        .map(|(block_size, _)| block_size)
        .find(|&block_size| block_size >= len)
        .unwrap_or(0)
}

/// The radio's receive interrupt: a buffer for `len` bytes, the frame written into it, a descriptor
/// queued. Returns false when the frame had to be dropped.
fn on_radio_interrupt(
    seq: u16,
    kind: u8,
    len: usize,
    queue: &mut Deque<PoolBox<Descriptors>, 16>,
) -> bool {
    let mut frame = match RxBuffers::alloc_bytes(len) {
        Ok(frame) => frame,
        Err(error) => {
            // The sender will retransmit; the hook has counted the drop.
            println!("rx   #{seq:<3} {len:>4} B   dropped, {error:?}: {error}");
            return false;
        }
    };
    write_frame(&mut frame, seq, kind);
    let block = frame.block_size();
    let fits = smallest_fit(len);
    if block == fits {
        println!("rx   #{seq:<3} {len:>4} B   in a {block:>4}-byte block");
    } else {
        println!(
            "rx   #{seq:<3} {len:>4} B   in a {block:>4}-byte block (the {fits}-byte class is full)"
        );
    }
    let rssi = -40 - (seq % 50) as i8;
    // `Descriptors` has more blocks than `RxBuffers`, and the queue as many slots as `Descriptors`: neither
    // can be full while this frame holds a buffer. Were it otherwise, dropping the value handed back would
    // free the buffer.
    let descriptor = Descriptor {
        seq,
        rssi,
        flow: 0,
        priority: 0,
        frame,
    };
    match Descriptors::alloc(descriptor) {
        Ok(descriptor) => queue.push_back(descriptor).is_ok(),
        Err(failed) => {
            println!("rx   #{seq:<3} no descriptor: {}", failed.error());
            false
        }
    }
}

/// Why the main loop could not use a frame.
#[derive(Debug)]
enum RxError {
    /// A pool or the arena ran out.
    Pool(PoolError),
    /// The header does not parse.
    Malformed,
}

impl core::fmt::Display for RxError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Pool(error) => write!(f, "{error}"),
            Self::Malformed => f.write_str("malformed header"),
        }
    }
}

impl From<PoolError> for RxError {
    fn from(error: PoolError) -> Self {
        Self::Pool(error)
    }
}

/// One header option, copied into the parser's scratch arena; the options form a list, newest first.
struct TlvOption<'a> {
    kind: u8,
    value: &'a [u8],
    next: Option<&'a TlvOption<'a>>,
}

/// What the main loop learns from a header, beyond what it stores in the descriptor.
struct Header {
    kind: u8,
    length: usize,
    options: usize,
}

/// Parses the header of the descriptor's frame into `arena`, then strips it in place. The options are
/// copied into the arena first because stripping overwrites the header bytes.
fn parse_and_strip<'a>(
    arena: &'a Arena<'a>,
    descriptor: &mut Descriptor,
) -> Result<Header, RxError> {
    let frame = &mut descriptor.frame;
    let &[kind, length, ..] = &frame[..] else {
        return Err(RxError::Malformed);
    };
    let length = usize::from(length);
    let mut rest = frame.get(FIXED_HEADER..length).ok_or(RxError::Malformed)?;
    let mut options: Option<&TlvOption<'_>> = None;
    let mut count = 0;
    while let [kind, len, tail @ ..] = rest {
        let (value, tail) = tail
            .split_at_checked(usize::from(*len))
            .ok_or(RxError::Malformed)?;
        let option = TlvOption {
            kind: *kind,
            value: arena.alloc_slice(value)?,
            next: options,
        };
        options = Some(arena.alloc_no_drop(option).map_err(PoolError::from)?);
        count += 1;
        rest = tail;
    }

    // Strip the header: move the payload to the front and shorten the buffer. `resize` never moves the
    // block, and a shorter length always fits.
    let total = frame.len();
    frame.copy_within(length.., 0);
    frame.resize(total - length)?;

    // The header bytes are gone now; the options live on in the scratch until the scope ends.
    let first_byte_of = |wanted: u8| {
        core::iter::successors(options, |option| option.next)
            .find(|option| option.kind == wanted)
            .and_then(|option| option.value.first().copied())
    };
    descriptor.flow = first_byte_of(OPTION_FLOW).unwrap_or(0);
    descriptor.priority = first_byte_of(OPTION_PRIORITY).unwrap_or(0);
    Ok(Header {
        kind,
        length,
        options: count,
    })
}

/// The main loop's work: parse every queued frame, reassemble fragments, deliver.
fn main_loop(
    queue: &mut Deque<PoolBox<Descriptors>, 16>,
    first_fragment: &mut Option<PoolBox<Descriptors>>,
) {
    while let Some(mut descriptor) = queue.pop_front() {
        let seq = descriptor.seq;
        let total = descriptor.frame.len();
        let parsed = ParseScratch::scope(|arena| {
            let header = parse_and_strip(arena, &mut descriptor);
            Ok(header.map(|header| (header, arena.used())))
        });
        // The scope fails on its own only when the arena is busy; the parser's errors come back inside.
        let (header, scratch) = match parsed.map_err(RxError::from).and_then(|inner| inner) {
            Ok(parsed) => parsed,
            Err(error) => {
                println!("main #{seq:<3} dropped: {error}");
                continue;
            }
        };
        let options = match header.options {
            0 => "no options".to_string(),
            1 => "1 option".to_string(),
            n => format!("{n} options"),
        };
        println!(
            "main #{seq:<3} {:>2} B header, {options:<10} ({scratch:>3} B of scratch); resize {total} -> {} B in place",
            header.length,
            descriptor.frame.len(),
        );
        match header.kind {
            KIND_FIRST_FRAGMENT => *first_fragment = Some(descriptor),
            KIND_LAST_FRAGMENT => match first_fragment.take() {
                Some(first) => match reassemble(first, descriptor) {
                    Ok(datagram) => deliver(&datagram),
                    Err(error) => println!("main #{seq:<3} reassembly failed: {error}"),
                },
                None => println!("main #{seq:<3} last fragment without a first one: dropped"),
            },
            _ => deliver(&descriptor),
        }
        // The descriptor (or the reassembled datagram) is dropped here: its buffer and its descriptor block
        // go back to their pools.
    }
}

/// Joins two fragments: the first one's buffer grows to hold both (moving to a larger class if its block
/// is too small), the second one's bytes are copied in, and its buffer is freed.
fn reassemble(
    first: PoolBox<Descriptors>,
    last: PoolBox<Descriptors>,
) -> Result<PoolBox<Descriptors>, PoolError> {
    let Descriptor {
        seq,
        rssi,
        flow,
        priority,
        frame,
    } = PoolBox::into_inner(first);
    let (head, tail) = (frame.len(), last.frame.len());
    let old_block = frame.block_size();
    let mut joined = frame.grow(head + tail).map_err(|failed| failed.error())?;
    joined[head..].copy_from_slice(&last.frame);
    drop(last);
    println!(
        "main      reassembly: grow {head} -> {} B, copied from a {old_block}-byte block into a {}-byte one",
        joined.len(),
        joined.block_size(),
    );
    Descriptors::alloc(Descriptor {
        seq,
        rssi,
        flow,
        priority,
        frame: joined,
    })
    .map_err(PoolError::from)
}

/// Hands a payload to the application (here: a checksum).
fn deliver(descriptor: &Descriptor) {
    let checksum = descriptor
        .frame
        .iter()
        .fold(0u16, |sum, &byte| sum.rotate_left(1) ^ u16::from(byte));
    println!(
        "app  #{:<3} {:>4} B payload, flow {} priority {}, rssi {} dBm, checksum {checksum:#06x}",
        descriptor.seq,
        descriptor.frame.len(),
        descriptor.flow,
        descriptor.priority,
        descriptor.rssi,
    );
}

fn main() {
    println!("{MEMORY_MAP}");

    let mut traffic = Traffic(0x2545_F491);
    let mut queue: Deque<PoolBox<Descriptors>, 16> = Deque::new();
    let mut first_fragment = None;
    let mut seq: u16 = 0;
    let mut next_seq = || {
        seq += 1;
        seq
    };

    println!("\n-- steady traffic: the main loop runs after every frame");
    for _ in 0..5 {
        on_radio_interrupt(next_seq(), KIND_DATA, traffic.frame_len(), &mut queue);
        main_loop(&mut queue, &mut first_fragment);
    }

    println!("\n-- a datagram too large for one frame arrives in two fragments");
    let first_len = traffic.between(300, 500);
    let last_len = traffic.between(600, 1000);
    on_radio_interrupt(next_seq(), KIND_FIRST_FRAGMENT, first_len, &mut queue);
    on_radio_interrupt(next_seq(), KIND_LAST_FRAGMENT, last_len, &mut queue);
    main_loop(&mut queue, &mut first_fragment);

    println!("\n-- burst: 18 frames arrive while the main loop is busy elsewhere");
    let mut dropped: Vec<(u16, usize), 18> = Vec::new();
    for _ in 0..18 {
        let (seq, len) = (next_seq(), traffic.frame_len());
        if !on_radio_interrupt(seq, KIND_DATA, len, &mut queue) {
            // As many slots as frames in the burst: this cannot fail.
            let _ = dropped.push((seq, len));
        }
    }
    print!("     at the peak:");
    for (block_size, stats) in (0..).map_while(RxBuffers::class_stats) {
        print!(
            " {block_size}-byte class {}/{} used;",
            stats.used, stats.capacity
        );
    }
    println!(" {} failures", RxBuffers::stats().failures);

    println!("\n-- the main loop catches up");
    main_loop(&mut queue, &mut first_fragment);

    println!(
        "\n-- the senders retransmit the {} dropped frames",
        dropped.len()
    );
    for &(seq, len) in &dropped {
        let received = on_radio_interrupt(seq, KIND_DATA, len, &mut queue);
        assert!(received, "every block is free again");
    }
    main_loop(&mut queue, &mut first_fragment);

    println!("\n-- statistics");
    for (block_size, stats) in (0..).map_while(RxBuffers::class_stats) {
        println!("RxBuffers {block_size:>4}-byte class: {stats}");
    }
    println!("Descriptors:                {}", Descriptors::stats());
    let scratch = ParseScratch::stats();
    println!(
        "ParseScratch:               high water {} of {} B over {} scopes, {} failures",
        scratch.high_water, scratch.capacity, scratch.scopes, scratch.failures
    );
    println!(
        "frames dropped (counted by the on_failure hook): {}",
        DROPS.load(Ordering::Relaxed)
    );

    assert_eq!(RxBuffers::stats().used, 0, "every receive buffer is back");
    assert_eq!(Descriptors::stats().used, 0, "every descriptor is back");
    assert_eq!(RxBuffers::validate(), Ok(()));
    assert_eq!(Descriptors::validate(), Ok(()));
}

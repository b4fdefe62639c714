//! blockpool on a RISC-V core, run in QEMU's `virt` machine: RV32IMAC (atomic instructions) or RV32IMC (none;
//! blockpool's atomics are then portable-atomic's, each read-modify-write a critical section).
//!
//! 1. Interrupt to main loop, as the Cortex-M firmware does it: the machine timer interrupt captures a
//!    sensor message into a block of `Messages` on every tick and queues the handle; the main loop sums each
//!    message, files a report in `Reports` (`refcount`), shares it with a short history (`PoolRc::clone`)
//!    and drops the message, which frees its block. Steady (the main loop keeps up with 12 messages), burst
//!    (the main loop pauses until the interrupt's allocations have been refused 3 times, each refusal
//!    handing the message back), recovery (the queue drained, 4 more messages).
//! 2. A byte pool with two size classes: resize in place, grow into the larger class keeping the bytes,
//!    fall back to the larger class when the smaller one is full, `Exhausted` and `TooLarge`.
//! 3. An arena: a scope's values and their destructors, a nested scope refused with `Busy`, a request
//!    larger than the arena refused with `Exhausted`.
//!
//! It prints over the UART and exits QEMU (the test finisher) with success only if every block is back,
//! every pool validates and the counters agree with what the program counted; any failed check, panic or
//! exception exits with failure. `scripts/firmware.sh` at the repository root compares the output with
//! `expected/<target>.run`.
#![no_std]
#![no_main]

mod virt;

use core::cell::{Cell, RefCell};
use core::sync::atomic::{AtomicU32, Ordering};

use blockpool::{PoolBox, PoolBytes, PoolError, PoolRc, pools};
use critical_section::Mutex;
use heapless::{Deque, Vec};
use riscv::interrupt::Interrupt;

/// One sensor reading, captured by the timer interrupt.
pub struct Message {
    seq: u32,
    samples: [u16; 8],
}

impl Message {
    /// The reading of tick `seq`: made up, but the same on every run.
    fn capture(seq: u32) -> Self {
        let mut samples = [0; 8];
        for (i, sample) in (0..).zip(samples.iter_mut()) {
            *sample = ((seq * 37 + i * 11) % 1024) as u16;
        }
        Self { seq, samples }
    }
}

/// What the main loop made of a message.
pub struct Report {
    seq: u32,
    sum: u32,
}

pools! {
    budget = 1 KiB;
    /// Messages from the interrupt to the main loop.
    pub Messages(type = Message, count = 4);
    /// Reports, shared by the main loop and its history.
    pub Reports(type = Report, count = 4, refcount = u8);
    /// Byte buffers: four of 32 bytes, two of 128.
    pub Buffers(classes = [(32, 4), (128, 2)]);
    /// Scratch for one computation at a time.
    pub Scratch(arena = 128);
}

/// How blockpool's atomics are made on this core.
const ATOMICS: &str = if cfg!(target_has_atomic = "ptr") {
    "atomics: the A extension's instructions (compare-and-swap as an LR/SC loop)"
} else {
    "atomics: no A extension; portable-atomic makes each read-modify-write a critical section"
};

/// Queue slots: more than the pool's blocks, so the pool runs out first.
const QUEUE_DEPTH: usize = 8;
const _: () = assert!(QUEUE_DEPTH > Messages::CAPACITY);
/// Messages in the steady phase.
const STEADY: u32 = 12;
/// Refused allocations that end the burst.
const REFUSALS: u32 = 3;
/// Messages after the queue is drained.
const RECOVERY: u32 = 4;
/// Reports the history keeps.
const HISTORY: usize = 2;
/// Timer period in ticks of `mtime` (10 MHz): 200 µs, which `-icount shift=4` (16 ns per instruction)
/// makes 12,500 instructions.
const TICK: u32 = 2_000;

// What the interrupt and the main loop share. The counters have one writer each, so a load and a store
// suffice: no compare-and-swap, which the RV32IMC does not have.

/// Handles from the interrupt to the main loop.
static QUEUE: Mutex<RefCell<Deque<PoolBox<Messages>, QUEUE_DEPTH>>> =
    Mutex::new(RefCell::new(Deque::new()));
/// The handler produces messages until it has produced this many in all. Written by `main`.
static QUOTA: AtomicU32 = AtomicU32::new(0);
/// The handler stops trying after this many refused allocations in all. Written by `main`.
static REFUSAL_LIMIT: AtomicU32 = AtomicU32::new(u32::MAX);
/// Messages allocated and queued by the handler. Written by the handler.
static PRODUCED: AtomicU32 = AtomicU32::new(0);
/// Allocations the pool refused to the handler. Written by the handler.
static REFUSED: AtomicU32 = AtomicU32::new(0);
/// Why the last allocation was refused. Written by the handler.
static LAST_REFUSAL: Mutex<Cell<Option<PoolError>>> = Mutex::new(Cell::new(None));

#[riscv_rt::core_interrupt(Interrupt::MachineTimer)]
fn machine_timer() {
    virt::next_tick(TICK);
    let produced = PRODUCED.load(Ordering::Relaxed);
    let refused = REFUSED.load(Ordering::Relaxed);
    if produced >= QUOTA.load(Ordering::Acquire) || refused >= REFUSAL_LIMIT.load(Ordering::Acquire)
    {
        return;
    }
    match Messages::alloc(Message::capture(produced)) {
        Ok(message) => {
            // The queue holds more handles than the pool has blocks, so it cannot be full here.
            let queued = critical_section::with(|cs| QUEUE.borrow_ref_mut(cs).push_back(message));
            if queued.is_err() {
                panic!("no room in the message queue");
            }
            PRODUCED.store(produced + 1, Ordering::Release);
        }
        Err(refused_alloc) => {
            // The message comes back whole with the error; here it is checked, then dropped.
            let (message, error) = refused_alloc.into_parts();
            if message.seq != produced || message.samples != Message::capture(produced).samples {
                panic!("the refused allocation gave back another message");
            }
            critical_section::with(|cs| LAST_REFUSAL.borrow(cs).set(Some(error)));
            REFUSED.store(refused + 1, Ordering::Release);
        }
    }
}

/// The main loop's side: the reports it keeps.
struct MainLoop {
    history: [Option<PoolRc<Reports>>; HISTORY],
    processed: u32,
}

impl MainLoop {
    /// Processes messages as the interrupt queues them until `total` have been processed in all.
    fn process_until(&mut self, total: u32) {
        while self.processed < total {
            match critical_section::with(|cs| QUEUE.borrow_ref_mut(cs).pop_front()) {
                Some(message) => self.process(message),
                None => riscv::asm::wfi(),
            }
        }
    }

    fn process(&mut self, message: PoolBox<Messages>) {
        let sum = message.samples.iter().copied().map(u32::from).sum();
        let report = match Reports::alloc_shared(Report {
            seq: message.seq,
            sum,
        }) {
            Ok(report) => report,
            Err(failed) => fail(format_args!("no block for a report: {}", failed.error())),
        };
        let in_flight = Messages::stats().used;
        drop(message); // its block goes back to the pool

        // The history takes a second handle to the report; the report it replaces loses its last handle
        // and its block goes back to `Reports`.
        self.history[self.processed as usize % HISTORY] = Some(report.clone());
        println!(
            "message {:>2}: sum {:>4}, report shared by {} handles, Messages {}/{} used",
            report.seq,
            report.sum,
            PoolRc::strong_count(&report),
            in_flight,
            Messages::CAPACITY
        );
        self.processed += 1;
    }
}

/// Sleeps until an interrupt has made `done()` true. The timer keeps running, so a wake-up that slips in
/// between the check and the `wfi` costs one tick, not a hang.
fn wait_until(done: impl Fn() -> bool) {
    while !done() {
        riscv::asm::wfi();
    }
}

#[riscv_rt::entry]
fn main() -> ! {
    println!(
        "blockpool firmware on an {} (QEMU virt)",
        env!("FIRMWARE_CORE")
    );
    println!("{}", ATOMICS);
    println!("{}", MEMORY_MAP);

    let mut main_loop = MainLoop {
        history: [const { None }; HISTORY],
        processed: 0,
    };
    virt::start_timer(TICK);

    println!("-- steady: the main loop keeps up");
    QUOTA.store(STEADY, Ordering::Release);
    main_loop.process_until(STEADY);

    println!("-- burst: the main loop pauses until the interrupt runs out of blocks");
    REFUSAL_LIMIT.store(REFUSALS, Ordering::Release);
    QUOTA.store(u32::MAX, Ordering::Release);
    wait_until(|| REFUSED.load(Ordering::Acquire) >= REFUSALS);
    let refusal = critical_section::with(|cs| LAST_REFUSAL.borrow(cs).get());
    println!("Messages: {}", Messages::stats());
    match refusal {
        Some(error) => println!(
            "{} allocations refused, each message handed back: {}",
            REFUSALS, error
        ),
        None => fail(format_args!("the burst saw no refusal")),
    }

    println!("-- recovery: the main loop drains the queue, allocation works again");
    let queued = PRODUCED.load(Ordering::Acquire);
    main_loop.process_until(queued);
    QUOTA.store(queued + RECOVERY, Ordering::Release);
    REFUSAL_LIMIT.store(u32::MAX, Ordering::Release);
    main_loop.process_until(queued + RECOVERY);

    virt::stop_timer();
    let MainLoop { history, processed } = main_loop;
    drop(history);
    let still_queued = critical_section::with(|cs| QUEUE.borrow_ref(cs).len());

    println!("-- byte pool: resize in place, grow into the larger class, fall back, run out");
    if let Err(error) = byte_pool() {
        fail(format_args!("byte pool: {error}"));
    }

    println!("-- arena: a scope's values and destructors, a nested scope, a request too large");
    if let Err(error) = arena() {
        fail(format_args!("arena: {error}"));
    }

    check(processed, still_queued);
    println!("-- done");
    println!("Messages: {}", Messages::stats());
    println!("Reports: {}", Reports::stats());
    println!("Buffers: {}", Buffers::stats());
    let scratch = Scratch::stats();
    println!(
        "Scratch: {} scopes, high water {}/{} bytes, {} failures",
        scratch.scopes, scratch.high_water, scratch.capacity, scratch.failures
    );
    println!("every block is back and the counts add up");
    virt::exit(true)
}

/// Fails the run with `what` unless `holds`.
fn ensure(holds: bool, what: &str) {
    if !holds {
        fail(format_args!("check failed: {what}"));
    }
}

/// The byte pool's part. Every buffer is dropped by the time it returns.
fn byte_pool() -> Result<(), PoolError> {
    let mut frame = Buffers::alloc_bytes(20)?;
    for (i, byte) in (0u8..).zip(frame.iter_mut()) {
        *byte = i * 7;
    }
    frame.resize(32)?; // up to the block size, in place; the new bytes are zero
    let frame = frame.grow(100).map_err(|failed| failed.error())?;
    ensure(
        frame.block_size() == 128,
        "grow moved to the 128-byte class",
    );
    ensure(
        (0u8..).zip(&frame[..20]).all(|(i, &byte)| byte == i * 7),
        "grow kept the bytes",
    );
    ensure(
        frame[20..].iter().all(|&byte| byte == 0),
        "new bytes are zero",
    );
    println!(
        "20 B in a 32-byte block, resized to 32 in place, grown to {} B in a {}-byte block, bytes kept",
        frame.len(),
        frame.block_size()
    );

    // Four small buffers fill the 32-byte class; the fifth falls back to a 128-byte block.
    let mut small: Vec<PoolBytes<Buffers>, 4> = Vec::new();
    while small.len() < small.capacity() {
        let buffer = Buffers::alloc_bytes(16)?;
        ensure(buffer.block_size() == 32, "16 B go into the 32-byte class");
        if small.push(buffer).is_err() {
            unreachable!("the loop stops at the vector's capacity");
        }
    }
    let fallback = Buffers::alloc_bytes(16)?;
    ensure(fallback.block_size() == 128, "the full class falls back");
    println!("16 B in a 128-byte block: the 32-byte class is full");
    let exhausted = Buffers::alloc_bytes(16);
    ensure(
        matches!(exhausted, Err(PoolError::Exhausted)),
        "every class full: Exhausted",
    );
    let too_large = Buffers::alloc_bytes(200);
    ensure(
        matches!(too_large, Err(PoolError::TooLarge { .. })),
        "200 B: TooLarge",
    );
    if let (Err(exhausted), Err(too_large)) = (exhausted, too_large) {
        println!("16 B more: {exhausted}; 200 B: {too_large}");
    }
    for (block_size, stats) in (0..).map_while(Buffers::class_stats) {
        println!("  {block_size:>3}-byte class: {stats}");
    }
    drop((frame, small, fallback));
    let stats = Buffers::stats();
    ensure(stats.used == 0, "every buffer is back");
    ensure(
        stats.allocs == 7 && stats.frees == 7 && stats.failures == 2,
        "Buffers: 7 allocs, 7 frees, 2 failures (Exhausted, TooLarge)",
    );
    Buffers::validate()
}

/// Destructors run by arena scopes.
static DROPPED: AtomicU32 = AtomicU32::new(0);

/// A value with a destructor, for the arena.
struct Token(u32);

impl Drop for Token {
    fn drop(&mut self) {
        // Only the main loop drops tokens: a load and a store are enough.
        DROPPED.store(DROPPED.load(Ordering::Relaxed) + self.0, Ordering::Relaxed);
    }
}

/// The arena's part.
fn arena() -> Result<(), PoolError> {
    let (sum, used, nested) = Scratch::scope(|arena| {
        let values = arena.alloc_slice(&[3u32, 5, 7, 11])?;
        let label = arena.alloc_str("primes")?;
        let token = arena.alloc(Token(1)).map_err(|failed| failed.error())?;
        token.0 += 1; // the arena hands out `&mut`
        let nested = Scratch::scope(|_| Ok(()));
        let sum: u32 = values.iter().sum();
        println!("{label}: sum {sum}");
        Ok((sum, arena.used(), nested))
    })?;
    ensure(sum == 26, "the arena's values");
    ensure(
        DROPPED.load(Ordering::Relaxed) == 2,
        "the scope ran the destructor",
    );
    ensure(matches!(nested, Err(PoolError::Busy)), "nested scope: Busy");
    println!("{used} B used, the destructor ran at the end of the scope; a nested scope: Busy");

    let too_large = Scratch::scope(|arena| arena.alloc_slice(&[0u8; 200]).map(|_| ()));
    ensure(
        matches!(too_large, Err(PoolError::Exhausted)),
        "200 B in 128: Exhausted",
    );
    if let Err(error) = too_large {
        println!(
            "200 B in the {}-byte arena: {error:?}",
            Scratch::stats().capacity
        );
    }
    let stats = Scratch::stats();
    ensure(stats.used == 0, "no scope is running");
    ensure(
        stats.scopes == 2 && stats.failures == 2,
        "Scratch: 2 scopes, 2 failures",
    );
    Ok(())
}

/// Fails the run unless every block is back, the pools validate and their counters agree with the
/// interrupt's and the main loop's.
fn check(processed: u32, still_queued: usize) {
    let produced = u64::from(PRODUCED.load(Ordering::Acquire));
    let refused = u64::from(REFUSED.load(Ordering::Acquire));
    let messages = Messages::stats();
    let reports = Reports::stats();
    let checks = [
        (still_queued == 0, "the queue is empty"),
        (messages.used == 0, "every message block is back"),
        (reports.used == 0, "every report block is back"),
        (messages.allocs == produced, "Messages: allocs = produced"),
        (
            messages.frees == messages.allocs,
            "Messages: frees = allocs",
        ),
        (messages.failures == refused, "Messages: failures = refused"),
        (refused == u64::from(REFUSALS), "the burst ran the pool out"),
        (
            messages.high_water == Messages::CAPACITY,
            "the burst used every block",
        ),
        (
            u64::from(processed) == produced,
            "every message was processed",
        ),
        (
            reports.allocs == u64::from(processed),
            "Reports: allocs = processed",
        ),
        (reports.frees == reports.allocs, "Reports: frees = allocs"),
        (reports.failures == 0, "Reports: no failures"),
        (Messages::validate().is_ok(), "Messages validates"),
        (Reports::validate().is_ok(), "Reports validates"),
        (Buffers::validate().is_ok(), "Buffers validates"),
        (Buffers::stats().used == 0, "every buffer is back"),
        (Scratch::stats().used == 0, "no arena scope is running"),
    ];
    for (holds, what) in checks {
        if !holds {
            println!("Messages: {}", messages);
            println!("Reports: {}", reports);
            println!("produced {}, refused {}", produced, refused);
            println!("processed {}", processed);
            fail(format_args!("check failed: {what}"));
        }
    }
}

fn fail(why: core::fmt::Arguments<'_>) -> ! {
    println!("FAILED: {}", why);
    virt::exit(false)
}

/// Any exception (an illegal instruction, such as an atomic one on the RV32IMC hart, or a bad address)
/// fails the run at once, instead of hanging in riscv-rt's default loop until the script's timeout.
#[unsafe(export_name = "ExceptionHandler")]
extern "C" fn exception_handler(_trap_frame: &riscv_rt::TrapFrame) -> ! {
    println!(
        "exception: mcause {:#x} at {:#010x}",
        riscv::register::mcause::read().bits(),
        riscv::register::mepc::read()
    );
    virt::exit(false)
}

/// So does an interrupt other than the machine timer's.
#[unsafe(export_name = "DefaultHandler")]
extern "C" fn default_handler() -> ! {
    println!(
        "unexpected interrupt: mcause {:#x}",
        riscv::register::mcause::read().bits()
    );
    virt::exit(false)
}

/// Any panic fails the run: print it and exit QEMU with failure.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    println!("panic: {}", info);
    virt::exit(false)
}

//! blockpool on a Cortex-M core, run in QEMU.
//!
//! The SysTick interrupt captures a sensor message into a block of the `Messages` pool on every tick and
//! queues the handle (a `PoolBox`, one pointer) on a lock-free single-producer/single-consumer queue. The
//! main loop takes each message, sums it, files a report of it in the `Reports` pool, shares the report
//! with a short history (`PoolRc::clone`: `Reports` has `refcount`) and drops the message, which frees its
//! block. The run has three phases, each ending at a count rather than at a time:
//!
//! 1. steady: the main loop keeps up with 12 messages;
//! 2. burst: the main loop pauses; the interrupt fills the pool and its next 3 allocations are refused
//!    with `PoolError::Exhausted` (nothing is written anywhere, the message is handed back);
//! 3. recovery: the main loop drains the queue and 4 more messages go through;
//! 4. dma: a simulated DMA channel (`Dma`, with a HAL's API over embedded-dma's `WriteBuffer`) receives a
//!    UART line into a `PoolBox<RxFrames>` and then into a `PoolBytes<Buffers>`; the SysTick handler plays
//!    the hardware, writing through the pointer the buffer gave. A `PoolBytesWriter` formats the summary.
//!
//! At the end it prints the pools' statistics and exits with success only if every block is back, the
//! pools validate, and the pools' counters agree with what the interrupt and the main loop counted.
//! `scripts/firmware.sh` at the repository root compares the output with `expected/<target>.run`.
#![no_std]
#![no_main]

use core::cell::{Cell, RefCell};
use core::fmt::Write as _;
use core::future::Future as _;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicUsize, Ordering};

use blockpool::{PoolBox, PoolError, PoolRc, pools};
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_rt::{entry, exception};
use cortex_m_semihosting::{debug, hprintln};
use critical_section::Mutex;
use embedded_dma::WriteBuffer;
use heapless::spsc::{Consumer, Producer, Queue};

/// One sensor reading, captured by the SysTick handler.
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
    /// Messages from the interrupt to the main loop. Each block remembers where it was allocated, and
    /// every allocation, free and failure goes through `trace_message`.
    pub Messages(type = Message, count = 4, track_callers, trace = trace_message);
    /// Reports, shared by the main loop and its history.
    pub Reports(type = Report, count = 4, refcount = u8);
    /// Frames the DMA channel receives into: an array of bytes is a DMA buffer.
    pub RxFrames(type = [u8; 16], count = 2);
    /// Byte buffers: a DMA receive and a formatted line.
    pub Buffers(classes = [(32, 2)]);
    /// Work slots a task waits for: one block, up to two waiting tasks.
    pub Slots(type = u32, count = 1, wait = 2);
}

/// What `trace_message` counted: allocations, frees, failures. A hook may run in the interrupt handler
/// (allocations) and in the main loop (frees), so its counts sit in a critical section.
static TRACED: Mutex<core::cell::Cell<[u32; 3]>> = Mutex::new(core::cell::Cell::new([0; 3]));

/// The trace hook of `Messages`: counts each kind of event. On a real board it could log them instead,
/// e.g. `defmt::info!("{}", event)` with blockpool's `defmt` feature.
fn trace_message(event: &blockpool::TraceEvent) {
    let slot = match event.kind {
        blockpool::TraceKind::Alloc => 0,
        blockpool::TraceKind::Free => 1,
        blockpool::TraceKind::Failure(_) => 2,
    };
    critical_section::with(|cs| {
        let cell = TRACED.borrow(cs);
        let mut counts = cell.get();
        counts[slot] += 1;
        cell.set(counts);
    });
}

/// Queue slots: its capacity (`QUEUE_DEPTH - 1`) is above the pool's, so the pool runs out first.
const QUEUE_DEPTH: usize = 8;
const _: () = assert!(QUEUE_DEPTH - 1 > Messages::CAPACITY);
/// Messages in the steady phase.
const STEADY: u32 = 12;
/// Refused allocations that end the burst.
const REFUSALS: u32 = 3;
/// Messages after the queue is drained.
const RECOVERY: u32 = 4;
/// Reports the history keeps.
const HISTORY: usize = 2;
/// SysTick period in core clock cycles.
const TICK_CYCLES: u32 = 20_000;

// What the interrupt and the main loop share. The counters have one writer each, so a load and a store
// suffice: no compare-and-swap, which the Cortex-M0 does not have.

/// The producer end of the queue, handed to the SysTick handler by `main`.
static PRODUCER: Mutex<RefCell<Option<Producer<'static, PoolBox<Messages>>>>> =
    Mutex::new(RefCell::new(None));
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

/// A `Slots` block the main loop hands to the SysTick handler, which frees it there.
static TO_FREE: Mutex<RefCell<Option<PoolBox<Slots>>>> = Mutex::new(RefCell::new(None));
/// Set by the waker of the task waiting for a `Slots` block.
static WOKEN: AtomicBool = AtomicBool::new(false);

#[exception]
fn SysTick() {
    dma_tick();
    // A free from the interrupt handler: the block goes to the waiting task, whose waker runs here.
    drop(critical_section::with(|cs| {
        TO_FREE.borrow_ref_mut(cs).take()
    }));
    let produced = PRODUCED.load(Ordering::Relaxed);
    let refused = REFUSED.load(Ordering::Relaxed);
    if produced >= QUOTA.load(Ordering::Acquire) || refused >= REFUSAL_LIMIT.load(Ordering::Acquire)
    {
        return;
    }
    match Messages::alloc(Message::capture(produced)) {
        Ok(message) => {
            // The queue holds more handles than the pool has blocks, so it cannot be full here.
            let queued = critical_section::with(|cs| match PRODUCER.borrow_ref_mut(cs).as_mut() {
                Some(producer) => producer.enqueue(message).is_ok(),
                None => false,
            });
            if !queued {
                panic!("no room in the message queue");
            }
            PRODUCED.store(produced + 1, Ordering::Release);
        }
        Err(refused_alloc) => {
            // The message comes back with the error; here it is dropped, counted and reported.
            let (_message, error) = refused_alloc.into_parts();
            critical_section::with(|cs| LAST_REFUSAL.borrow(cs).set(Some(error)));
            REFUSED.store(refused + 1, Ordering::Release);
        }
    }
}

/// The main loop's side: the consumer end of the queue and the reports it keeps.
struct MainLoop {
    messages: Consumer<'static, PoolBox<Messages>>,
    history: [Option<PoolRc<Reports>>; HISTORY],
    processed: u32,
}

impl MainLoop {
    /// Processes messages as the interrupt queues them until `total` have been processed in all.
    fn process_until(&mut self, total: u32) {
        while self.processed < total {
            match self.messages.dequeue() {
                Some(message) => self.process(message),
                None => cortex_m::asm::wfi(),
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
        hprintln!(
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

// A simulated DMA channel from a UART's receive register to memory. The "hardware" is `dma_tick`, run by
// the SysTick handler: while the channel is busy it moves `DMA_BURST` bytes of the line the UART receives
// per tick to the address it was given, as a DMA controller would, and goes idle when the buffer is full.
// Its registers are atomics that `main` writes while the channel is idle and the handler while it is busy.

/// What the UART receives, over and over: an NMEA sentence from a GPS module.
const UART_LINE: &[u8] =
    b"$GPGGA,092750.000,5321.6802,N,00630.3372,W,1,8,1.03,61.7,M,55.2,M,,*76\r\n";
/// Bytes the channel moves per tick.
const DMA_BURST: usize = 4;

/// Where the channel writes: the buffer's address (its register), set by `start_transfer`.
static DMA_ADDRESS: AtomicPtr<u8> = AtomicPtr::new(core::ptr::null_mut());
/// How many bytes the transfer moves in all.
static DMA_LENGTH: AtomicUsize = AtomicUsize::new(0);
/// How many it has moved.
static DMA_MOVED: AtomicUsize = AtomicUsize::new(0);
/// Ticks in which it moved bytes, this transfer.
static DMA_TICKS: AtomicU32 = AtomicU32::new(0);
/// Set by `start_transfer` (`Release`: the registers above), cleared by the channel when it is done
/// (`Release`: the bytes it wrote) or by dropping the transfer.
static DMA_BUSY: AtomicBool = AtomicBool::new(false);
/// The next byte of `UART_LINE` the UART delivers. Written by the handler only.
static UART_POSITION: AtomicUsize = AtomicUsize::new(0);

/// One tick of the DMA channel (called by the SysTick handler).
fn dma_tick() {
    if !DMA_BUSY.load(Ordering::Acquire) {
        return;
    }
    let address = DMA_ADDRESS.load(Ordering::Relaxed);
    let length = DMA_LENGTH.load(Ordering::Relaxed);
    let moved = DMA_MOVED.load(Ordering::Relaxed);
    let burst = DMA_BURST.min(length.saturating_sub(moved));
    let mut position = UART_POSITION.load(Ordering::Relaxed);
    for offset in moved..moved + burst {
        let byte = UART_LINE[position % UART_LINE.len()];
        position += 1;
        // SAFETY: [local] `start_transfer` set `address` and `length` from the buffer's `write_buffer`, and
        // the transfer owns the buffer until the channel is idle (`wait`, or `Drop` clearing `DMA_BUSY`,
        // neither of which can run in the middle of this handler on a single core): so `length` bytes from
        // `address` are valid, any value is a valid `u8`, and nothing else reads or writes them meanwhile.
        unsafe { address.add(offset).write_volatile(byte) };
    }
    UART_POSITION.store(position, Ordering::Relaxed);
    DMA_MOVED.store(moved + burst, Ordering::Relaxed);
    DMA_TICKS.store(DMA_TICKS.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
    if moved + burst >= length {
        DMA_BUSY.store(false, Ordering::Release);
    }
}

/// The DMA channel, with the API of a HAL's: a transfer takes the channel and a buffer, and `wait` gives
/// both back. There is one, made by `main`.
pub struct Dma {
    _one: (),
}

impl Dma {
    /// Starts receiving into `buffer`: the channel is given the buffer's address and length once, as a HAL
    /// programs a DMA controller. Any buffer DMA may write bytes into will do: a `PoolBox` of a byte array,
    /// a `PoolBytes`, a `&'static mut [u8]`.
    pub fn start_transfer<B: WriteBuffer<Word = u8>>(self, mut buffer: B) -> Transfer<B> {
        // SAFETY: [local] embedded-dma's contract: the transfer owns `buffer` and calls no `&mut self` method
        // on it until the channel is idle (`wait`), nor drops it before stopping the channel (`Drop`). If
        // the transfer is forgotten, so is the buffer, whose memory stays valid: `WriteBuffer` is for
        // `'static` buffers only (a forgotten `PoolBox` never frees its block).
        let (address, length) = unsafe { buffer.write_buffer() };
        DMA_ADDRESS.store(address, Ordering::Relaxed);
        DMA_LENGTH.store(length, Ordering::Relaxed);
        DMA_MOVED.store(0, Ordering::Relaxed);
        DMA_TICKS.store(0, Ordering::Relaxed);
        DMA_BUSY.store(true, Ordering::Release);
        let _ = self;
        Transfer {
            buffer: Some(buffer),
        }
    }
}

/// A transfer in progress: it holds the buffer while the channel writes into it.
pub struct Transfer<B> {
    /// `None` only after `wait` took it.
    buffer: Option<B>,
}

impl<B> Transfer<B> {
    /// Sleeps until the channel is done, then gives the buffer, now filled, and the channel back.
    pub fn wait(mut self) -> (B, Dma) {
        wait_until(|| !DMA_BUSY.load(Ordering::Acquire));
        let buffer = self
            .buffer
            .take()
            .expect("a transfer holds its buffer until `wait`");
        (buffer, Dma { _one: () })
    }
}

impl<B> Drop for Transfer<B> {
    /// Dropped without `wait`: stops the channel before the buffer goes (it may go back to its pool).
    fn drop(&mut self) {
        DMA_BUSY.store(false, Ordering::Release);
    }
}

/// Sleeps until an interrupt has made `done()` true. The tick keeps running, so a wake-up that slips in
/// between the check and the `wfi` costs one tick, not a hang.
fn wait_until(done: impl Fn() -> bool) {
    while !done() {
        cortex_m::asm::wfi();
    }
}

#[entry]
fn main() -> ! {
    hprintln!(
        "blockpool firmware on a {} (QEMU {})",
        env!("FIRMWARE_CORE"),
        env!("FIRMWARE_MACHINE")
    );
    hprintln!("{}", MEMORY_MAP);

    let queue: &'static mut Queue<PoolBox<Messages>, QUEUE_DEPTH> =
        cortex_m::singleton!(: Queue<PoolBox<Messages>, QUEUE_DEPTH> = Queue::new())
            .expect("main runs once");
    let (producer, consumer) = queue.split();
    critical_section::with(|cs| PRODUCER.borrow(cs).replace(Some(producer)));
    let mut main_loop = MainLoop {
        messages: consumer,
        history: [const { None }; HISTORY],
        processed: 0,
    };

    let mut core = cortex_m::Peripherals::take().expect("main runs once");
    core.SYST.set_clock_source(SystClkSource::Core);
    core.SYST.set_reload(TICK_CYCLES - 1);
    core.SYST.clear_current();
    core.SYST.enable_interrupt();
    core.SYST.enable_counter();

    hprintln!("-- steady: the main loop keeps up");
    QUOTA.store(STEADY, Ordering::Release);
    main_loop.process_until(STEADY);

    hprintln!("-- burst: the main loop pauses until the interrupt runs out of blocks");
    REFUSAL_LIMIT.store(REFUSALS, Ordering::Release);
    QUOTA.store(u32::MAX, Ordering::Release);
    wait_until(|| REFUSED.load(Ordering::Acquire) >= REFUSALS);
    let refusal = critical_section::with(|cs| LAST_REFUSAL.borrow(cs).get());
    hprintln!("Messages: {}", Messages::stats());
    // Who holds the blocks when the pool runs dry: the interrupt handler's allocation, every one.
    hprintln!("who holds them: {}", Messages::holder_sites());
    match refusal {
        Some(error) => hprintln!("{} allocations refused: {}", REFUSALS, error),
        None => fail(format_args!("the burst saw no refusal")),
    }

    hprintln!("-- recovery: the main loop drains the queue, allocation works again");
    let queued = PRODUCED.load(Ordering::Acquire);
    main_loop.process_until(queued);
    QUOTA.store(queued + RECOVERY, Ordering::Release);
    REFUSAL_LIMIT.store(u32::MAX, Ordering::Release);
    main_loop.process_until(queued + RECOVERY);

    hprintln!("-- dma: a DMA channel receives a UART line into pool blocks, driven by SysTick");
    receive_by_dma(Dma { _one: () });

    hprintln!("-- wait: a task waits for a block that the interrupt handler frees");
    wait_for_a_block();

    core.SYST.disable_interrupt();
    core.SYST.disable_counter();
    let MainLoop {
        messages,
        history,
        processed,
    } = main_loop;
    drop(history);
    check(processed, messages.len());
    hprintln!("-- done");
    hprintln!("Messages: {}", Messages::stats());
    let [allocs, frees, failures] = critical_section::with(|cs| TRACED.borrow(cs).get());
    hprintln!(
        "Messages traced: {} allocs, {} frees, {} failures",
        allocs,
        frees,
        failures
    );
    let stats = Messages::stats();
    if (u64::from(allocs), u64::from(frees), u64::from(failures))
        != (stats.allocs, stats.frees, stats.failures)
    {
        fail(format_args!(
            "the trace hook's counts differ from the pool's"
        ));
    }
    hprintln!("Reports: {}", Reports::stats());
    hprintln!("RxFrames: {}", RxFrames::stats());
    hprintln!("Buffers: {}", Buffers::stats());
    hprintln!("Slots: {}", Slots::stats());
    print_registry();
    hprintln!("every block is back and the counts add up");
    exit(debug::EXIT_SUCCESS)
}

/// Lists every pool of the program, gathered by the linker (`blockpool::registry()`, feature `registry`):
/// stable id, where it is declared, kind, block size and count, and its counters now. A debug shell would
/// look one up by id or name and dump it.
#[cfg(feature = "registry")]
fn print_registry() {
    let pools = blockpool::registry();
    hprintln!("-- registry: {} pools", pools.len());
    for entry in pools {
        hprintln!("{}", entry);
    }
    let Some(messages) = pools.by_id(blockpool::pool_id(module_path!(), "Messages")) else {
        fail(format_args!("Messages is not in the registry"));
    };
    hprintln!("by id {:#010x}: {:?}", messages.id(), messages.dump());
}

#[cfg(not(feature = "registry"))]
fn print_registry() {}

/// Phase 4: two DMA receives into pool blocks, a `PoolBox` and a `PoolBytes`, each checked against what
/// the UART sent, and a summary formatted into a third block with `write!`.
fn receive_by_dma(dma: Dma) {
    let frame = match RxFrames::alloc([0; 16]) {
        Ok(frame) => frame,
        Err(failed) => fail(format_args!("no block for a frame: {}", failed.error())),
    };
    let (frame, dma) = dma.start_transfer(frame).wait();
    let frame_ticks = DMA_TICKS.load(Ordering::Relaxed);
    let bytes = match Buffers::alloc_bytes(24) {
        Ok(bytes) => bytes,
        Err(error) => fail(format_args!("no byte buffer: {error}")),
    };
    let (bytes, _dma) = dma.start_transfer(bytes).wait();
    let bytes_ticks = DMA_TICKS.load(Ordering::Relaxed);

    let sent = &UART_LINE[..frame.len() + bytes.len()];
    if *frame != sent[..frame.len()] || *bytes != sent[frame.len()..] {
        fail(format_args!("the blocks do not hold what the UART sent"));
    }
    hprintln!(
        "PoolBox<RxFrames>: {:>2} bytes in {} ticks: {}",
        frame.len(),
        frame_ticks,
        text(&frame[..])
    );
    hprintln!(
        "PoolBytes<Buffers>: {:>2} bytes in {} ticks: {}",
        bytes.len(),
        bytes_ticks,
        text(&bytes)
    );

    let mut summary = match Buffers::alloc_bytes(32) {
        Ok(summary) => summary.into_writer(),
        Err(error) => fail(format_args!("no byte buffer: {error}")),
    };
    let total = frame.len() + bytes.len();
    if write!(summary, "{total} bytes by DMA, in place").is_err() {
        fail(format_args!("the summary does not fit its buffer"));
    }
    let summary = summary.into_bytes();
    hprintln!("PoolBytesWriter: {}", text(&summary));
    hprintln!(
        "RxFrames: {}/{} used, Buffers: {}/{} used",
        RxFrames::stats().used,
        RxFrames::CAPACITY,
        Buffers::stats().used,
        Buffers::stats().capacity
    );
}

/// Phase 5: the only `Slots` block is in use; a task (here a future polled by hand) waits for one, the
/// SysTick handler frees the block, and the free hands it to the task and wakes it.
fn wait_for_a_block() {
    let held = match Slots::alloc(1) {
        Ok(held) => held,
        Err(failed) => fail(format_args!("no Slots block: {}", failed.error())),
    };
    let waker = flag_waker();
    let mut context = core::task::Context::from_waker(&waker);
    let mut waiting = Slots::alloc_async(2);
    if core::pin::Pin::new(&mut waiting)
        .poll(&mut context)
        .is_ready()
    {
        fail(format_args!(
            "the only block is in use: the task should wait"
        ));
    }
    hprintln!(
        "task waiting: {} waiting, Slots {}/{} used",
        Slots::wait_stats().waiting,
        Slots::stats().used,
        Slots::CAPACITY
    );
    critical_section::with(|cs| TO_FREE.borrow_ref_mut(cs).replace(held));
    wait_until(|| WOKEN.load(Ordering::Acquire));
    let block = match core::pin::Pin::new(&mut waiting).poll(&mut context) {
        core::task::Poll::Ready(Ok(block)) => block,
        _ => fail(format_args!("woken, but the block was not handed over")),
    };
    let waits = Slots::wait_stats();
    hprintln!(
        "woken by the interrupt's free: block holds {}, {} wait, {} hand-off",
        *block,
        waits.waits,
        waits.handoffs
    );
    drop(block);
}

/// A waker that sets [`WOKEN`] (an executor's waker would schedule the task).
fn flag_waker() -> core::task::Waker {
    use core::task::{RawWaker, RawWakerVTable, Waker};
    fn clone(_: *const ()) -> RawWaker {
        RawWaker::new(core::ptr::null(), &VTABLE)
    }
    fn wake(_: *const ()) {
        WOKEN.store(true, Ordering::Release);
    }
    fn drop(_: *const ()) {}
    static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake, drop);
    // SAFETY: [local] the vtable's functions ignore the data pointer and are safe to call from any context
    // any number of times, which is all `RawWaker`'s contract asks.
    unsafe { Waker::from_raw(RawWaker::new(core::ptr::null(), &VTABLE)) }
}

/// The bytes as text (the UART line is ASCII).
fn text(bytes: &[u8]) -> &str {
    core::str::from_utf8(bytes).unwrap_or("(not UTF-8)")
}

/// Fails the run unless every block is back, the pools validate and their counters agree with the
/// interrupt's and the main loop's.
fn check(processed: u32, still_queued: usize) {
    let produced = u64::from(PRODUCED.load(Ordering::Acquire));
    let refused = u64::from(REFUSED.load(Ordering::Acquire));
    let messages = Messages::stats();
    let reports = Reports::stats();
    let frames = RxFrames::stats();
    let buffers = Buffers::stats();
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
        (
            frames.used == 0 && frames.allocs == 1,
            "RxFrames: the one DMA frame is back",
        ),
        (
            buffers.used == 0 && buffers.allocs == 2,
            "Buffers: the DMA buffer and the summary are back",
        ),
        (RxFrames::validate().is_ok(), "RxFrames validates"),
        (Buffers::validate().is_ok(), "Buffers validates"),
        (
            Slots::stats().used == 0 && Slots::wait_stats().waiting == 0,
            "Slots: the block is back and nobody waits",
        ),
        (
            Slots::wait_stats().handoffs == 1,
            "Slots: the interrupt's free handed its block to the waiting task",
        ),
        (Slots::validate().is_ok(), "Slots validates"),
    ];
    for (holds, what) in checks {
        if !holds {
            hprintln!("Messages: {}", messages);
            hprintln!("Reports: {}", reports);
            hprintln!("produced {}, refused {}", produced, refused);
            hprintln!("processed {}", processed);
            fail(format_args!("check failed: {what}"));
        }
    }
}

fn fail(why: core::fmt::Arguments<'_>) -> ! {
    hprintln!("FAILED: {}", why);
    exit(debug::EXIT_FAILURE)
}

/// Ends the QEMU run with `status` (semihosting `SYS_EXIT`).
fn exit(status: debug::ExitStatus) -> ! {
    debug::exit(status);
    // Only reached without a debugger or emulator that handles semihosting.
    loop {
        cortex_m::asm::wfi();
    }
}

/// Any panic fails the run: print it and exit QEMU with failure.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    hprintln!("panic: {}", info);
    exit(debug::EXIT_FAILURE)
}

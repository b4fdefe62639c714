//! blockpool with embassy on a Cortex-M3, run in QEMU: async tasks await blocks of a `wait` pool.
//!
//! `FramePool` has 2 blocks and 4 wait slots. A task that finds every block in use awaits one with
//! `FramePool::alloc_async(frame).await`; a free, in a task or in an interrupt handler, hands its block
//! straight to the task that has waited longest and wakes it. The run has three phases:
//!
//! 1. timeout: `main` holds both blocks and a waiter gives up after 5 ms (`embassy_time::with_timeout`):
//!    its slot is given up and no block is lost;
//! 2. stop: waiters A and B wait; an interrupt handler frees a block, which goes to A, and in the same
//!    handler stops A (a `select` with a signal), so A's future is dropped holding the block: the block
//!    goes on to B;
//! 3. producers: 3 producer tasks send 4 frames each to a consumer task through a channel, taking turns
//!    for the 2 blocks; the consumer checks each frame and frees it at once, after 1 ms, or by handing it
//!    to an interrupt handler, which frees it there.
//!
//! 4. buffers: a byte pool (`Buffers`, a 32-byte and a 128-byte block, 2 wait slots): a task awaits 100
//!    bytes, a younger one 16; a free of the 32-byte block goes to the younger (100 bytes do not fit it),
//!    and the 128-byte block, freed by the interrupt handler, to the older.
//!
//! At the end it prints the pool's statistics and wait counts, and exits with success only if every block
//! is back, the pool validates and the counts agree with what the tasks and the handler counted (any panic
//! or failed check exits with failure). Time is embassy-time on SysTick (`time_driver`); under QEMU's
//! `-icount` the output is the same on every run, and `scripts/firmware.sh` at the repository root
//! compares it with `expected/thumbv7m-none-eabi.run`.
#![no_std]
#![no_main]

mod time_driver;

use core::cell::RefCell;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use blockpool::{PoolBox, PoolBytes, memory_pool, pools};
use cortex_m::peripheral::NVIC;
use cortex_m_semihosting::{debug, hprintln};
use critical_section::Mutex;
use embassy_executor::Spawner;
use embassy_futures::select::{Either, select};
use embassy_futures::yield_now;
use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;
use embassy_sync::channel::Channel;
use embassy_sync::signal::Signal;
use embassy_time::{Duration, Instant, Timer, with_timeout};
use lm3s6965::{Interrupt, interrupt};

/// A frame: who made it, its number, and bytes that say both, so that the consumer can tell a frame
/// that was overwritten or handed to two tasks.
#[memory_pool(count = 2, wait = 4)]
pub struct Frame {
    from: u32,
    seq: u32,
    data: [u8; 32],
}

impl Frame {
    fn new(from: u32, seq: u32) -> Self {
        let mut data = [0; 32];
        for (i, byte) in (0..).zip(data.iter_mut()) {
            *byte = Self::byte(from, seq, i);
        }
        Self { from, seq, data }
    }

    fn byte(from: u32, seq: u32, i: u32) -> u8 {
        (from * 71 + seq * 13 + i) as u8
    }

    fn is_intact(&self) -> bool {
        (0..)
            .zip(self.data.iter())
            .all(|(i, &byte)| byte == Self::byte(self.from, self.seq, i))
    }
}

pools! {
    /// Phase 4: byte buffers of two sizes, one block each; up to 2 tasks wait for a buffer.
    pub Buffers(classes = [(32, 1), (128, 1)], wait = 2);
}

/// How long the waiter of phase 1 waits.
const TIMEOUT: Duration = Duration::from_millis(5);
/// Producer tasks in phase 3: more than the pool has blocks.
const PRODUCERS: u32 = 3;
const _: () = assert!(PRODUCERS as usize > FramePool::CAPACITY);
/// Frames each producer sends.
const FRAMES_EACH: u32 = 4;
/// How long the consumer keeps the frames it frees late.
const HOLD: Duration = Duration::from_millis(1);

/// Blocks allocated (from the free list or handed over) to this program, counted by its tasks.
static ALLOCATED: AtomicU32 = AtomicU32::new(0);

/// Allocates a frame while a block is free (`main`'s own frames).
fn alloc_now(from: u32, seq: u32) -> PoolBox<FramePool> {
    match FramePool::alloc(Frame::new(from, seq)) {
        Ok(frame) => {
            ALLOCATED.fetch_add(1, Ordering::Relaxed);
            frame
        }
        Err(refused) => fail(format_args!("no free block: {}", refused.error())),
    }
}

/// Awaits a block for a frame.
async fn alloc_frame(from: u32, seq: u32) -> PoolBox<FramePool> {
    match FramePool::alloc_async(Frame::new(from, seq)).await {
        Ok(frame) => {
            ALLOCATED.fetch_add(1, Ordering::Relaxed);
            frame
        }
        Err(refused) => fail(format_args!("no block awaited: {}", refused.error())),
    }
}

// The interrupt handler's side: an unused interrupt of the LM3S6965 (GPIO port A), pended by software,
// stands in for a peripheral's (a DMA transfer done with a buffer, say) that gives back a block.

/// The frame the interrupt handler frees next, put there by a task before it pends the interrupt.
static TO_FREE: Mutex<RefCell<Option<PoolBox<FramePool>>>> = Mutex::new(RefCell::new(None));
/// The byte buffer the interrupt handler frees next (phase 4).
static BUFFER_TO_FREE: Mutex<RefCell<Option<PoolBytes<Buffers>>>> = Mutex::new(RefCell::new(None));
/// Set by a task: the handler also stops waiter A (phase 2).
static STOP_REQUESTED: AtomicBool = AtomicBool::new(false);
/// Frames the handler freed, and how many of those went straight to a waiting task.
static ISR_FREES: AtomicU32 = AtomicU32::new(0);
static ISR_HANDOFFS: AtomicU32 = AtomicU32::new(0);
/// What stops waiter A.
static STOP: Signal<CriticalSectionRawMutex, ()> = Signal::new();

#[interrupt]
fn GPIOA() {
    let frame = critical_section::with(|cs| TO_FREE.borrow_ref_mut(cs).take());
    if let Some(frame) = frame {
        let handoffs = FramePool::wait_stats().handoffs;
        // Hands the block to the task that has waited longest, if one waits, and wakes it.
        drop(frame);
        ISR_FREES.fetch_add(1, Ordering::Relaxed);
        if FramePool::wait_stats().handoffs != handoffs {
            ISR_HANDOFFS.fetch_add(1, Ordering::Relaxed);
        }
    }
    if STOP_REQUESTED.swap(false, Ordering::Relaxed) {
        STOP.signal(());
    }
    // Hands the buffer's block to the task that has waited longest among those whose request it fits.
    drop(critical_section::with(|cs| {
        BUFFER_TO_FREE.borrow_ref_mut(cs).take()
    }));
}

/// Has the interrupt handler free `frame` (and stop waiter A if `stop`); returns once it has run.
fn free_in_interrupt(frame: PoolBox<FramePool>, stop: bool) {
    STOP_REQUESTED.store(stop, Ordering::Relaxed);
    // The critical section also keeps the store above before the pend below.
    let busy = critical_section::with(|cs| TO_FREE.borrow_ref_mut(cs).replace(frame).is_some());
    if busy {
        fail(format_args!(
            "the interrupt handler has a frame to free already"
        ));
    }
    NVIC::pend(Interrupt::GPIOA);
    // The interrupt is unmasked and thread mode runs at the lowest priority: it is taken here.
    cortex_m::asm::dsb();
    cortex_m::asm::isb();
    if critical_section::with(|cs| TO_FREE.borrow_ref(cs).is_some()) {
        fail(format_args!("the interrupt handler did not run"));
    }
}

/// Yields to the other tasks until `done()`.
async fn until(done: impl Fn() -> bool) {
    while !done() {
        yield_now().await;
    }
}

fn waiting() -> usize {
    FramePool::wait_stats().waiting
}

fn used() -> usize {
    FramePool::stats().used
}

#[embassy_executor::main]
async fn main(spawner: Spawner) {
    let core = cortex_m::Peripherals::take().unwrap_or_else(|| fail(format_args!("taken twice")));
    time_driver::start(core.SYST);
    // SAFETY: [local] unmasking an interrupt can break a critical section that relies on it being
    // masked; nothing here does (critical sections mask every interrupt), and `GPIOA` touches only its
    // statics, the pool and the signal, all safe to use from an interrupt.
    unsafe { NVIC::unmask(Interrupt::GPIOA) };

    hprintln!("blockpool with embassy on a Cortex-M3 (QEMU lm3s6965evb)");
    let waits = FramePool::wait_stats();
    hprintln!(
        "FramePool: {} blocks for {}-byte frames, {} wait slots",
        FramePool::CAPACITY,
        core::mem::size_of::<Frame>(),
        waits.slots
    );

    timeout().await;
    stop_a_waiter_holding_a_block(spawner).await;
    producers_and_consumer(spawner).await;
    buffers(spawner).await;
    finish()
}

/// Phase 1: every block is held and a waiter gives up.
async fn timeout() {
    hprintln!(
        "-- timeout: main holds both blocks, a waiter gives up after {} ms",
        TIMEOUT.as_millis()
    );
    let held = [alloc_now(0, 0), alloc_now(0, 1)];
    let start = Instant::now();
    let result = with_timeout(TIMEOUT, alloc_frame(1, 0)).await;
    if result.is_ok() {
        fail(format_args!("a block while main holds both"));
    }
    if start.elapsed() < TIMEOUT {
        fail(format_args!("the waiter gave up early"));
    }
    let waits = FramePool::wait_stats();
    hprintln!(
        "waiter: no block after {} ms, cancelled; {} waiting, {} wait so far, {}/{} blocks used",
        TIMEOUT.as_millis(),
        waits.waiting,
        waits.waits,
        used(),
        FramePool::CAPACITY
    );
    drop(held);
    hprintln!("main frees both: {}/{} used", used(), FramePool::CAPACITY);
}

/// Phase 2: a waiter is stopped after a free handed it a block and before it ran again.
async fn stop_a_waiter_holding_a_block(spawner: Spawner) {
    hprintln!("-- stop: a free hands a block to waiter A, which is stopped before it runs");
    let [first, second] = [alloc_now(0, 2), alloc_now(0, 3)];
    spawner.spawn(waiter_a().unwrap_or_else(|_| fail(format_args!("spawn A"))));
    until(|| waiting() == 1).await;
    spawner.spawn(waiter_b().unwrap_or_else(|_| fail(format_args!("spawn B"))));
    until(|| waiting() == 2).await;
    let before = FramePool::wait_stats();
    hprintln!("A and B wait, A first; main holds both blocks");
    // One interrupt frees a block (to A, the longest waiting) and stops A.
    free_in_interrupt(first, true);
    until(|| B_DONE.load(Ordering::Acquire)).await;
    let after = FramePool::wait_stats();
    if after.handoffs - before.handoffs != 2 {
        fail(format_args!("the free was not handed to A and then to B"));
    }
    hprintln!(
        "one free, {} hand-offs: A's block went on to B; {} waiting, {}/{} used",
        after.handoffs - before.handoffs,
        after.waiting,
        used(),
        FramePool::CAPACITY
    );
    drop(second);
    hprintln!(
        "main frees its other block: {}/{} used",
        used(),
        FramePool::CAPACITY
    );
}

/// Set by waiter B once it has had its block and freed it.
static B_DONE: AtomicBool = AtomicBool::new(false);

#[embassy_executor::task]
async fn waiter_a() {
    match select(STOP.wait(), FramePool::alloc_async(Frame::new(2, 0))).await {
        // `select` polls the signal first: A stops even though a block is waiting for it.
        Either::First(()) => {
            hprintln!("A: stopped; its future is dropped with the block it was handed")
        }
        Either::Second(_) => fail(format_args!("A got a block: the stop came first")),
    }
}

#[embassy_executor::task]
async fn waiter_b() {
    let frame = alloc_frame(3, 0).await;
    if !frame.is_intact() || (frame.from, frame.seq) != (3, 0) {
        fail(format_args!("B's frame is not what B wrote"));
    }
    hprintln!("B: got the block A was handed, its frame intact");
    drop(frame);
    B_DONE.store(true, Ordering::Release);
}

/// Frames from the producers to the consumer. Never full: only 2 frames exist at a time.
static FRAMES: Channel<CriticalSectionRawMutex, PoolBox<FramePool>, 2> = Channel::new();
/// Set by the consumer once it has checked and freed every frame.
static CONSUMED: Signal<CriticalSectionRawMutex, u32> = Signal::new();

/// Phase 3: more producers than blocks; the consumer and the interrupt handler free the frames.
async fn producers_and_consumer(spawner: Spawner) {
    hprintln!(
        "-- producers: {} tasks send {} frames each through {} blocks; the consumer frees them",
        PRODUCERS,
        FRAMES_EACH,
        FramePool::CAPACITY
    );
    spawner.spawn(consumer().unwrap_or_else(|_| fail(format_args!("spawn the consumer"))));
    for id in 0..PRODUCERS {
        spawner.spawn(producer(id).unwrap_or_else(|_| fail(format_args!("spawn a producer"))));
    }
    let consumed = CONSUMED.wait().await;
    hprintln!(
        "{} frames checked; the interrupt handler freed {}, {} of them straight to a waiting task",
        consumed,
        ISR_FREES.load(Ordering::Relaxed),
        ISR_HANDOFFS.load(Ordering::Relaxed)
    );
}

/// Phase 4: two tasks await byte buffers of different sizes; each freed block goes to the oldest task it
/// fits.
async fn buffers(spawner: Spawner) {
    hprintln!("-- buffers: a byte pool of a 32-byte and a 128-byte block, 2 wait slots");
    let small = Buffers::alloc_bytes(32).unwrap_or_else(|e| fail(format_args!("small: {e}")));
    let large = Buffers::alloc_bytes(128).unwrap_or_else(|e| fail(format_args!("large: {e}")));
    let buffer_waiting = || Buffers::wait_stats().waiting;
    spawner.spawn(buffer_task(100).unwrap_or_else(|_| fail(format_args!("spawn a buffer task"))));
    until(|| buffer_waiting() == 1).await;
    spawner.spawn(buffer_task(16).unwrap_or_else(|_| fail(format_args!("spawn a buffer task"))));
    until(|| buffer_waiting() == 2).await;
    hprintln!(
        "tasks for 100 and for 16 bytes wait, the 100-byte one first; main holds both blocks"
    );
    drop(small);
    until(|| BUFFER_TASKS_DONE.load(Ordering::Acquire) == 1).await;
    hprintln!(
        "main freed the 32-byte block: {} still waiting",
        buffer_waiting()
    );
    critical_section::with(|cs| BUFFER_TO_FREE.borrow_ref_mut(cs).replace(large));
    NVIC::pend(Interrupt::GPIOA);
    until(|| BUFFER_TASKS_DONE.load(Ordering::Acquire) == 2).await;
    let stats = Buffers::stats();
    let waits = Buffers::wait_stats();
    hprintln!(
        "Buffers: {}/{} used, {} waits, {} hand-offs",
        stats.used,
        stats.capacity,
        waits.waits,
        waits.handoffs
    );
    if stats.used != 0 || waits.handoffs != 2 || Buffers::validate().is_err() {
        fail(format_args!("the buffers did not come back as they should"));
    }
}

/// Buffer tasks that have had their buffer and freed it.
static BUFFER_TASKS_DONE: AtomicU32 = AtomicU32::new(0);

#[embassy_executor::task(pool_size = 2)]
async fn buffer_task(len: usize) {
    let buffer = Buffers::alloc_bytes_async(len)
        .await
        .unwrap_or_else(|e| fail(format_args!("no buffer awaited: {e}")));
    hprintln!(
        "task for {} bytes: got a {}-byte block, zero-filled: {}",
        len,
        buffer.block_size(),
        buffer.iter().all(|&byte| byte == 0)
    );
    drop(buffer);
    BUFFER_TASKS_DONE.fetch_add(1, Ordering::Release);
}

#[embassy_executor::task(pool_size = PRODUCERS as usize)]
async fn producer(id: u32) {
    for seq in 0..FRAMES_EACH {
        let frame = alloc_frame(id, seq).await;
        FRAMES.send(frame).await;
    }
}

/// Checks each frame and frees it in one of three ways, in turn. The blocks go to the producers in the
/// order they started waiting; the frames arrive in the order the producers then run, which is embassy's
/// (the tasks woken since its last pass run newest first).
#[embassy_executor::task]
async fn consumer() {
    let mut next_seq = [0; PRODUCERS as usize];
    for n in 0..PRODUCERS * FRAMES_EACH {
        let frame = FRAMES.receive().await;
        let (from, seq) = (frame.from, frame.seq);
        if !frame.is_intact() || next_seq.get(from as usize) != Some(&seq) {
            fail(format_args!(
                "frame {n} (producer {from} #{seq}) is not what was sent"
            ));
        }
        next_seq[from as usize] += 1;
        let waiting = waiting();
        let handoffs = FramePool::wait_stats().handoffs;
        let how = match n % 3 {
            0 => {
                drop(frame);
                "freed at once"
            }
            1 => {
                Timer::after(HOLD).await;
                drop(frame);
                "freed after 1 ms"
            }
            _ => {
                free_in_interrupt(frame, false);
                "freed by the interrupt handler"
            }
        };
        let to = if FramePool::wait_stats().handoffs != handoffs {
            "to a waiting producer"
        } else {
            "to the pool"
        };
        hprintln!(
            "frame {:>2}: producer {} #{}, {} waiting; {} {}",
            n,
            from,
            seq,
            waiting,
            how,
            to
        );
    }
    CONSUMED.signal(PRODUCERS * FRAMES_EACH);
}

/// Prints the pool's counts and exits with success if they add up, with failure otherwise.
fn finish() -> ! {
    let stats = FramePool::stats();
    let waits = FramePool::wait_stats();
    let allocated = ALLOCATED.load(Ordering::Relaxed);
    hprintln!("-- done");
    hprintln!("FramePool: {}", stats);
    hprintln!(
        "FramePool waits: {} slots, {} waiting, {} waits, {} hand-offs",
        waits.slots,
        waits.waiting,
        waits.waits,
        waits.handoffs
    );
    hprintln!(
        "{} blocks allocated: {} from the free list, {} by hand-off; the other hand-off went to A, which passed it on",
        allocated,
        stats.allocs,
        waits.handoffs - 1
    );
    // Every wait ends in a hand-off the waiter took, a cancel with nothing handed (phase 1's waiter), or a
    // cancel holding a handed block (A): so waits = hand-offs + 1. A hand-off takes no block from the list
    // and puts none back: allocated = allocs + hand-offs - 1 (A's hand-off allocated nothing of ours).
    let checks = [
        (stats.used == 0, "every block is back"),
        (FramePool::validate().is_ok(), "FramePool validates"),
        (waits.waiting == 0, "nobody waits"),
        (stats.frees == stats.allocs, "frees = allocs"),
        (stats.failures == 0, "no failures"),
        (
            stats.high_water == FramePool::CAPACITY,
            "every block was used",
        ),
        (waits.waits == waits.handoffs + 1, "waits = hand-offs + 1"),
        (
            u64::from(allocated) == stats.allocs + u64::from(waits.handoffs) - 1,
            "allocated = allocs + hand-offs - 1",
        ),
        (
            allocated == 4 + 1 + PRODUCERS * FRAMES_EACH,
            "allocated = main's 4 + B's 1 + the producers'",
        ),
        (
            ISR_FREES.load(Ordering::Relaxed) == 1 + PRODUCERS * FRAMES_EACH / 3,
            "the interrupt handler freed A's block and every third frame",
        ),
        (
            ISR_HANDOFFS.load(Ordering::Relaxed) > 0,
            "the interrupt handler handed blocks over",
        ),
    ];
    for (holds, what) in checks {
        if !holds {
            fail(format_args!("check failed: {what}"));
        }
    }
    hprintln!("every block is back and the counts add up");
    exit(debug::EXIT_SUCCESS)
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

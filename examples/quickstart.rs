//! A firmware-style walk through blockpool: an "interrupt" produces sensor messages into a pool faster than
//! the main loop handles them, the pool runs out, the failure hook reports it, the main loop catches up and
//! allocation recovers. Handles travel through a `heapless` single-producer/single-consumer queue, as they
//! would between an interrupt handler and `main` on a microcontroller.
//!
//! Run with `cargo run --example quickstart`.

use blockpool::{FailureEvent, PoolBox, PoolError, memory_pool};
use core::sync::atomic::{AtomicU32, Ordering};
use heapless::spsc::Queue;

/// One reading from a sensor, as an interrupt handler would capture it.
#[memory_pool(count = 4, on_failure = count_failure)]
#[derive(Debug)]
pub struct Reading {
    pub channel: u8,
    pub sequence: u32,
    pub samples: [i16; 16],
}

static DROPPED: AtomicU32 = AtomicU32::new(0);

/// Called by the pool on every failed allocation (from "interrupt" context: keep it short).
fn count_failure(event: &FailureEvent) {
    DROPPED.fetch_add(1, Ordering::Relaxed);
    println!("  [hook] {event}");
}

/// The "interrupt handler": captures one reading into a pool block and queues the handle.
fn on_adc_interrupt(sequence: u32, queue: &mut heapless::spsc::Producer<'_, PoolBox<ReadingPool>>) {
    let reading = Reading {
        channel: (sequence % 3) as u8,
        sequence,
        samples: [sequence as i16; 16],
    };
    match ReadingPool::alloc(reading) {
        Ok(handle) => {
            // The queue is larger than the pool, so it cannot be full while a block was free.
            if let Err(handle) = queue.enqueue(handle) {
                drop(handle);
            }
            println!(
                "irq  #{sequence:<2} captured      (pool {} / {} used)",
                ReadingPool::stats().used,
                ReadingPool::CAPACITY
            );
        }
        Err(failed) => {
            // Nothing is lost silently: the error says why and gives the reading back.
            let (lost, error): (Reading, PoolError) = failed.into_parts();
            println!("irq  #{:<2} dropped: {error}", lost.sequence);
        }
    }
}

/// The main loop's work on one reading; the block is returned when the handle is dropped.
fn process(reading: PoolBox<ReadingPool>) {
    let sum: i32 = reading.samples.iter().map(|&s| i32::from(s)).sum();
    println!(
        "main handled #{:<2} channel {} sum {sum}",
        reading.sequence, reading.channel
    );
}

fn main() {
    let mut queue: Queue<PoolBox<ReadingPool>, 8> = Queue::new();
    let (mut producer, mut consumer) = queue.split();
    let mut sequence = 0;

    println!("-- burst: 6 interrupts before main gets to run (pool holds 4)");
    for _ in 0..6 {
        on_adc_interrupt(sequence, &mut producer);
        sequence += 1;
    }

    println!("-- main loop catches up");
    while let Some(reading) = consumer.dequeue() {
        process(reading);
    }

    println!("-- steady state: main keeps up, every interrupt gets a block");
    for _ in 0..6 {
        on_adc_interrupt(sequence, &mut producer);
        sequence += 1;
        if let Some(reading) = consumer.dequeue() {
            process(reading);
        }
    }

    let stats = ReadingPool::stats();
    println!("-- final stats: {stats}");
    println!(
        "   dropped by the hook's count: {}",
        DROPPED.load(Ordering::Relaxed)
    );
    println!("   pool dump: {:?}", ReadingPool);
    assert_eq!(stats.used, 0, "every block is back");
    assert_eq!(ReadingPool::validate(), Ok(()));
}

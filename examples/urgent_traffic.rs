//! Reserved blocks for urgent traffic under load, with fallback chains.
//!
//! A telemetry link queues ordinary messages (sensor samples) and urgent ones (alarms). Blocks come from
//! three pools of one item type: `Fast` (a few blocks, in fast RAM on a real chip), `Bulk` (many blocks) and
//! `Reserved` (a handful kept for alarms). Ordinary traffic allocates from the chain `Ordinary = [Fast,
//! Bulk]`, so it can never take a reserved block; alarms allocate from `Urgent = [Fast, Bulk, Reserved]`,
//! so they use the ordinary pools while those have room and the reserve when the link is flooded. Both
//! chains hand out the same kind of handle to whichever block served them (`PoolBox<Ordinary>`,
//! `PoolBox<Urgent>`, one pointer each), and dropping a handle returns the block to its own pool.
//!
//! The run: the producer floods the link with samples faster than the consumer sends them, raising an alarm
//! every few ticks. Samples start being dropped once `Fast` and `Bulk` are full; no alarm is ever dropped.
//!
//! Run with `cargo run --example urgent_traffic`.

use std::collections::VecDeque;

use blockpool::{PoolBox, PoolError, pools};

/// One message on the link.
pub struct Message {
    /// What kind of message it is.
    pub kind: Kind,
    /// Its sequence number.
    pub seq: u32,
    /// The payload.
    pub payload: [u8; 56],
}

/// Ordinary or urgent.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// A sensor sample: may be dropped under load.
    Sample,
    /// An alarm: must get through.
    Alarm,
}

pools! {
    map = LINK_MAP;
    pub Fast(type = Message, count = 4);
    pub Bulk(type = Message, count = 12);
    pub Reserved(type = Message, count = 3);
    /// Ordinary traffic: never touches `Reserved`.
    pub Ordinary(chain = [Fast, Bulk]);
    /// Alarms: the ordinary pools first, then the reserve.
    pub Urgent(chain = [Fast, Bulk, Reserved]);
}

/// A queued message, from either chain.
enum Queued {
    Sample(PoolBox<Ordinary>),
    Alarm(PoolBox<Urgent>),
}

fn main() -> Result<(), PoolError> {
    println!("{LINK_MAP}\n");
    let mut queue: VecDeque<Queued> = VecDeque::new();
    let (mut samples_dropped, mut alarms_sent, mut samples_sent) = (0u32, 0u32, 0u32);
    let mut alarms_in_reserve = 0u32;
    for tick in 0..60u32 {
        // The producer: three samples a tick, and an alarm every fifth tick.
        for i in 0..3 {
            let seq = tick * 3 + i;
            let sample = Message {
                kind: Kind::Sample,
                seq,
                payload: [seq as u8; 56],
            };
            match Ordinary::alloc(sample) {
                Ok(block) => queue.push_back(Queued::Sample(block)),
                Err(failed) => {
                    assert_eq!(failed.error(), PoolError::Exhausted);
                    samples_dropped += 1; // the sample comes back in `failed`; a real link would count it
                }
            }
        }
        if tick % 5 == 0 {
            let in_reserve_before = Reserved::stats().used;
            let alarm = Message {
                kind: Kind::Alarm,
                seq: tick,
                payload: [0xA1; 56],
            };
            // Never fails while the reserve has a block: every alarm below is queued.
            let block = Urgent::alloc(alarm).map_err(|failed| failed.error())?;
            if Reserved::stats().used > in_reserve_before {
                alarms_in_reserve += 1;
            }
            // Alarms jump the queue.
            queue.push_front(Queued::Alarm(block));
        }
        // The consumer: two messages a tick (slower than the producer).
        for _ in 0..2 {
            match queue.pop_front() {
                Some(Queued::Alarm(alarm)) => {
                    assert_eq!(alarm.kind, Kind::Alarm);
                    alarms_sent += 1;
                }
                Some(Queued::Sample(sample)) => {
                    assert_eq!(sample.payload[0], sample.seq as u8);
                    samples_sent += 1;
                }
                None => {}
            }
        }
        if tick % 20 == 19 {
            println!(
                "tick {tick:2}: Fast {}/{} Bulk {}/{} Reserved {}/{} | queued {}",
                Fast::stats().used,
                Fast::CAPACITY,
                Bulk::stats().used,
                Bulk::CAPACITY,
                Reserved::stats().used,
                Reserved::CAPACITY,
                queue.len()
            );
        }
    }
    drop(queue);

    println!();
    println!("samples: {samples_sent} sent, {samples_dropped} dropped under load");
    println!(
        "alarms:  {alarms_sent} sent, 0 dropped ({alarms_in_reserve} of them in reserved blocks)"
    );
    println!("Ordinary: {}", Ordinary::stats());
    println!("Urgent:   {}", Urgent::stats());
    assert!(samples_dropped > 0, "the link was flooded");
    assert!(alarms_in_reserve > 0, "alarms needed the reserve");
    assert_eq!(alarms_sent, 12, "every alarm got through");
    assert_eq!(Ordinary::stats().failures, u64::from(samples_dropped));
    assert_eq!(Urgent::stats().failures, 0);
    assert_eq!(
        Fast::stats().used + Bulk::stats().used + Reserved::stats().used,
        0
    );
    Ordinary::validate()?;
    Urgent::validate()?;
    Ok(())
}

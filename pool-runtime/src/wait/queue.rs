//! The waiter queue of a pool declared with `wait = W`: `W` slots, each empty, holding a waiting task's
//! waker and request, or holding a block handed to that task. One protocol serves typed pools (one free
//! list, every waiter takes any block) and byte pools (several classes, a waiter takes a block of a class
//! its request fits). The protocol is in `docs/safety.md` (Q1 to Q5).

#[cfg(not(loom))]
use core::cell::RefCell;
use core::task::Waker;

use super::sealed::{Blocks, SealedKind};
use crate::byte_class::ByteClass;

/// What a queue hands out and what its tasks ask for: [`Typed`] or [`Bytes`]. Sealed.
pub trait QueueKind: SealedKind + 'static {}

/// The queue of a typed pool: blocks are indexes into its one free list; every waiting task takes any.
#[derive(Debug)]
pub enum Typed {}

/// The queue of a byte pool: blocks are (class, index) pairs; a waiting task takes a block of a class its
/// length and alignment fit in.
#[derive(Debug)]
pub enum Bytes {}

/// A block of a byte pool: its class (one of the pool's) and its index in the class.
#[derive(Clone, Copy)]
pub struct ByteBlock {
    pub(crate) class: &'static dyn ByteClass,
    pub(crate) index: usize,
}

/// What a task waiting on a byte pool asks for: `len` bytes aligned to `align` (a power of two).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteRequest {
    pub(crate) len: usize,
    pub(crate) align: usize,
}

impl SealedKind for Typed {
    type Block = usize;
    type Request = ();
}
impl QueueKind for Typed {}

impl SealedKind for Bytes {
    type Block = ByteBlock;
    type Request = ByteRequest;
}
impl QueueKind for Bytes {}

/// One waiter slot.
pub(crate) enum Slot<K: QueueKind> {
    /// Free for a new waiter.
    Empty,
    /// A task waits here for a block that fits `request`; `ticket` orders the waiters (the smallest has
    /// waited longest).
    Waiting {
        ticket: u64,
        waker: Option<Waker>,
        request: K::Request,
    },
    /// A free handed this block to the task of this slot, which now holds it (S1) until it takes it or is
    /// dropped.
    Handed(K::Block),
}

/// What the lock protects.
pub(crate) struct Queue<const W: usize, K: QueueKind> {
    slots: [Slot<K>; W],
    /// 64 bits: at a registration every nanosecond it would take 584 years to wrap, so the oldest waiter
    /// is always the smallest ticket.
    next_ticket: u64,
    waits: u32,
    handoffs: u32,
}

/// Counts of a waiting pool, as returned by `WaitPool::wait_stats`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct WaitStats {
    /// The wait slots (`wait = W`).
    pub slots: usize,
    /// Tasks waiting now.
    pub waiting: usize,
    /// Times a task had to wait since start-up (wrapping at 2³²).
    pub waits: u32,
    /// Blocks a free handed straight to a waiting task since start-up (wrapping at 2³²). Handing over the
    /// block being freed takes nothing from the free list and puts nothing back, so it counts in neither
    /// `allocs` nor `frees` of `stats()`. A block pushed just before a task registers (on another core or
    /// thread) is taken by that registration itself: a free and an allocation, no hand-off.
    pub handoffs: u32,
}

/// The lock around the queue: a critical section (the `critical-section` crate) normally, loom's mutex in
/// the model checker.
#[cfg(not(loom))]
struct Lock<T>(critical_section::Mutex<RefCell<T>>);

#[cfg(not(loom))]
impl<T> Lock<T> {
    const fn new(value: T) -> Self {
        Self(critical_section::Mutex::new(RefCell::new(value)))
    }

    /// Runs `f` on the value inside a critical section. `f` never calls code of the caller's (wakers are
    /// cloned before and woken or dropped after), so the `RefCell` is never borrowed twice.
    fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        critical_section::with(|cs| f(&mut self.0.borrow_ref_mut(cs)))
    }
}

#[cfg(loom)]
struct Lock<T>(loom::sync::Mutex<T>);

#[cfg(loom)]
impl<T> Lock<T> {
    fn new(value: T) -> Self {
        Self(loom::sync::Mutex::new(value))
    }

    fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        f(&mut self.0.lock().unwrap())
    }
}

/// The waiter queue of one pool: `W` slots, for a typed pool ([`Typed`]) or a byte pool ([`Bytes`]).
///
/// A free finds out whether tasks wait from its free list's head (a typed pool's) or its block's class (a
/// byte pool's), which registrations mark while tasks wait (Q1, Q5): the queue itself is only read under
/// its lock.
pub struct WaitQueue<const W: usize, K: QueueKind = Typed> {
    queue: Lock<Queue<W, K>>,
}

/// What a registration found.
pub enum Registered<B> {
    /// Every slot is taken; the waker comes back to be dropped outside the lock.
    Full(Waker),
    /// A block was free after all (taken when registering, Q1, Q5); the waker comes back to be dropped
    /// outside the lock.
    Block(B, Waker),
    /// Waiting in this slot.
    Slot(usize),
}

/// What a waiting task's poll found.
pub enum Polled<B> {
    /// A free handed this block to the task; the fresh waker, to drop outside the lock.
    Block(B, Waker),
    /// Still waiting; the waker that was replaced, to drop outside the lock.
    Waiting(Option<Waker>),
}

impl<const W: usize, K: QueueKind> WaitQueue<W, K> {
    /// No waiter.
    #[cfg(not(loom))]
    pub const fn new() -> Self {
        const {
            assert!(
                W >= 1 && W <= 255,
                "a blockpool pool has 1 to 255 wait slots"
            )
        };
        Self {
            queue: Lock::new(Queue {
                slots: [const { Slot::Empty }; W],
                next_ticket: 0,
                waits: 0,
                handoffs: 0,
            }),
        }
    }

    /// No waiter.
    #[cfg(loom)]
    pub fn new() -> Self {
        Self {
            queue: Lock::new(Queue {
                slots: core::array::from_fn(|_| Slot::Empty),
                next_ticket: 0,
                waits: 0,
                handoffs: 0,
            }),
        }
    }

    /// Hands `block` (held by the caller) to the longest-waiting task it fits, then (byte pools:
    /// `B::SERVES_OTHERS`) blocks from `blocks` to the waiting tasks, longest waiting first, until each has a
    /// block or none fits; a `block` nobody takes goes back to `blocks`. If no task waits then, unmarks
    /// `blocks` (Q1). Wakes the tasks after leaving the critical section.
    ///
    /// Reached through [`Blocks::hand_over`], which passes the blocks in registers to an out-of-line copy
    /// for each kind.
    ///
    /// # Safety
    /// `blocks` are this queue's pool's; the caller holds `block`, if any, with no item in it and gives it
    /// up (S1).
    #[inline(always)]
    pub(crate) unsafe fn hand_over<B: Blocks<K>>(&self, blocks: B, block: Option<K::Block>) {
        let mut wake: [Option<Waker>; W] = [const { None }; W];
        let mut woken = 0;
        self.queue.with(|queue| {
            if let Some(block) = block {
                match queue.oldest_waiting(None, |request| blocks.fits(request, block)) {
                    Some((_, slot)) => {
                        // SAFETY: [S1, Q2] the caller's block goes to this slot's task, just below.
                        unsafe { blocks.handed(block) };
                        wake[woken] = self.hand(queue, slot, block);
                        woken += 1;
                    }
                    // Inside the critical section, so that a task registering now sees this block (Q1):
                    // nobody waits, so the head is not marked and a plain push is right.
                    // SAFETY: [S1] `hand_over`'s contract: the caller's block, given up.
                    None => unsafe { blocks.put(block) },
                }
            }
            // Typed pools skip this: their list is empty while a task waits (Q1, `SERVES_OTHERS`).
            if B::SERVES_OTHERS {
                let mut after = None;
                while let Some((ticket, slot)) = queue.oldest_waiting(after, |_| true) {
                    after = Some(ticket);
                    let Slot::Waiting { request, .. } = queue.slots[slot] else {
                        continue;
                    };
                    // Each waiting slot is served at most once, so there are at most `W` wakers.
                    if woken == W {
                        break;
                    }
                    if let Some(taken) = blocks.take(request) {
                        wake[woken] = self.hand(queue, slot, taken);
                        woken += 1;
                    }
                }
            }
            // SAFETY: [Q1, Q5] under the lock, with every waiting slot's request.
            unsafe { queue.settle(blocks) };
        });
        for waker in wake.into_iter().flatten() {
            wake_or_abort(waker);
        }
    }

    /// Puts `block` in waiting `slot` (its task holds it now) and returns the slot's waker.
    fn hand(&self, queue: &mut Queue<W, K>, slot: usize, block: K::Block) -> Option<Waker> {
        queue.handoffs = queue.handoffs.wrapping_add(1);
        match core::mem::replace(&mut queue.slots[slot], Slot::Handed(block)) {
            Slot::Waiting { waker, .. } => waker,
            _ => None,
        }
    }

    /// Registers a task that found no block for `request`, then tries `blocks` once more in one operation
    /// per list that takes a block or marks the list as waited for (Q1, Q5).
    pub(crate) fn register(
        &self,
        blocks: impl Blocks<K>,
        request: K::Request,
        waker: Waker,
    ) -> Registered<K::Block> {
        self.queue.with(|queue| {
            let Some(slot) = queue
                .slots
                .iter()
                .position(|slot| matches!(slot, Slot::Empty))
            else {
                return Registered::Full(waker);
            };
            queue.slots[slot] = Slot::Waiting {
                ticket: queue.next_ticket,
                waker: None,
                request,
            };
            queue.next_ticket = queue.next_ticket.wrapping_add(1);
            // SAFETY: [Q1, Q5] under the lock, with this slot waiting for `request`.
            if let Some(block) = unsafe { blocks.take_or_mark(request) } {
                queue.slots[slot] = Slot::Empty;
                // A byte pool's registration may have marked classes before the one it took from.
                // SAFETY: [Q1, Q5] under the lock, with every waiting slot's request.
                unsafe { queue.settle(blocks) };
                return Registered::Block(block, waker);
            }
            queue.waits = queue.waits.wrapping_add(1);
            if let Slot::Waiting {
                waker: slot_waker, ..
            } = &mut queue.slots[slot]
            {
                *slot_waker = Some(waker);
            }
            Registered::Slot(slot)
        })
    }

    /// A waiting task's poll: its block if one was handed to it, else stores its new waker. Every waker
    /// comes back out of the lock, to be dropped after the block is in its handle (Q4).
    pub(crate) fn poll(&self, slot: usize, waker: &Waker) -> Polled<K::Block> {
        // Cloned before the lock: a waker's clone is the executor's code (Q4).
        let fresh = waker.clone();
        self.queue.with(move |queue| match &mut queue.slots[slot] {
            Slot::Handed(block) => {
                let block = *block;
                queue.slots[slot] = Slot::Empty;
                Polled::Block(block, fresh)
            }
            Slot::Waiting { waker, .. } => Polled::Waiting(waker.replace(fresh)),
            // Not reachable: only the slot's task empties it, and then it forgets the slot.
            Slot::Empty => Polled::Waiting(Some(fresh)),
        })
    }

    /// A waiting task goes away: empties its slot and returns the block handed to it, if any, which the
    /// caller then gives back (Q3); if it was the last waiting task, unmarks `blocks` (Q1). The waker comes
    /// back to be dropped outside the lock.
    pub(crate) fn cancel(
        &self,
        blocks: impl Blocks<K>,
        slot: usize,
    ) -> (Option<K::Block>, Option<Waker>) {
        self.queue.with(
            |queue| match core::mem::replace(&mut queue.slots[slot], Slot::Empty) {
                Slot::Handed(block) => (Some(block), None),
                Slot::Waiting { waker, .. } => {
                    // SAFETY: [Q1, Q5] under the lock, with every waiting slot's request.
                    unsafe { queue.settle(blocks) };
                    (None, waker)
                }
                Slot::Empty => (None, None),
            },
        )
    }

    /// The counts.
    pub(crate) fn stats(&self) -> WaitStats {
        self.queue.with(|queue| WaitStats {
            slots: W,
            waiting: queue
                .slots
                .iter()
                .filter(|slot| matches!(slot, Slot::Waiting { .. }))
                .count(),
            waits: queue.waits,
            handoffs: queue.handoffs,
        })
    }
}

#[cfg(not(loom))]
impl<const W: usize, K: QueueKind> Default for WaitQueue<W, K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const W: usize, K: QueueKind> Queue<W, K> {
    /// After a hand-off, a cancel or a registration that took a block: unmarks the lists of `blocks` that
    /// no waiting task can take from any more (Q1: a typed pool's head is marked exactly while a slot
    /// waits; Q5: a class exactly while a waiting request fits it). O(W), times the classes for bytes.
    ///
    /// # Safety
    /// Called under the queue's lock (`&mut` to the queue is only lent inside it).
    unsafe fn settle(&mut self, blocks: impl Blocks<K>) {
        let waiting = self.slots.iter().filter_map(|slot| match slot {
            Slot::Waiting { request, .. } => Some(*request),
            _ => None,
        });
        // SAFETY: [Q1, Q5] the caller's contract: under the lock, with every waiting slot's request.
        unsafe { blocks.settle(waiting) };
    }

    /// The waiting slot with the oldest (smallest) ticket newer than `after`, among those whose request
    /// `wanted` accepts: its ticket and number. O(W).
    fn oldest_waiting(
        &self,
        after: Option<u64>,
        mut wanted: impl FnMut(K::Request) -> bool,
    ) -> Option<(u64, usize)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(at, slot)| match slot {
                Slot::Waiting {
                    ticket, request, ..
                } if after.is_none_or(|after| *ticket > after) && wanted(*request) => {
                    Some((*ticket, at))
                }
                _ => None,
            })
            .min_by_key(|&(ticket, _)| ticket)
    }
}

/// Wakes a task whose slot now holds a block. A waker that panics would leave the tasks after it in this
/// free's hand-over unwoken, holding blocks they would never take, so a panic aborts instead (an
/// `extern "C"` function aborts when unwound out of, since Rust 1.81); called from Rust only.
#[allow(improper_ctypes_definitions)]
extern "C" fn wake_or_abort(waker: Waker) {
    waker.wake();
}

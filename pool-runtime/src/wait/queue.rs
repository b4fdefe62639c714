//! The waiter queue of a pool declared with `wait = W`: `W` slots, each empty, holding a waiting task's
//! waker, or holding a block handed to that task. The protocol is in `docs/safety.md` (Q1 to Q4).

#[cfg(not(loom))]
use core::cell::RefCell;
use core::task::Waker;

use crate::free_list::FreeList;
use crate::sync::{AtomicU32, Ordering, fence};

/// One waiter slot.
pub(crate) enum Slot {
    /// Free for a new waiter.
    Empty,
    /// A task waits here; `ticket` orders the waiters (the smallest has waited longest).
    Waiting { ticket: u64, waker: Option<Waker> },
    /// A free handed this block to the task of this slot, which now holds it (S1) until it takes it or is
    /// dropped.
    Handed(usize),
}

/// What the lock protects.
pub(crate) struct Queue<const W: usize> {
    slots: [Slot; W],
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
    /// `allocs` nor `frees` of `stats()`; a block the free had already pushed when it saw the waiter (a task
    /// registering on another core or thread meanwhile) is popped again, so it counts as a free, an
    /// allocation and a hand-off.
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

/// The waiter queue of one pool: `W` slots.
pub struct WaitQueue<const W: usize> {
    /// How many slots hold a waiting task: what every free of the pool reads first (Q1).
    waiting: AtomicU32,
    queue: Lock<Queue<W>>,
}

/// What a registration found.
pub enum Registered {
    /// Every slot is taken; the waker comes back to be dropped outside the lock.
    Full(Waker),
    /// The block was free after all (taken after registering, Q1); the waker comes back to be dropped
    /// outside the lock.
    Block(usize, Waker),
    /// Waiting in this slot.
    Slot(usize),
}

/// What a waiting task's poll found.
pub enum Polled {
    /// A free handed this block to the task; the fresh waker, to drop outside the lock.
    Block(usize, Waker),
    /// Still waiting; the waker that was replaced, to drop outside the lock.
    Waiting(Option<Waker>),
}

impl<const W: usize> WaitQueue<W> {
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
            waiting: AtomicU32::new(0),
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
            waiting: AtomicU32::new(0),
            queue: Lock::new(Queue {
                slots: core::array::from_fn(|_| Slot::Empty),
                next_ticket: 0,
                waits: 0,
                handoffs: 0,
            }),
        }
    }

    /// Gives back block `index`, held by the caller with no live item in it: to the task that has waited
    /// longest if one waits, else to the free list (Q2). The fast path, nobody waiting, is one load and a
    /// branch before the push, and a fence, a load and a branch after it. Shared by every call site on
    /// bare metal, as `FreeList::free` is.
    #[cfg_attr(target_os = "none", inline(never))]
    #[cfg_attr(not(target_os = "none"), inline)]
    pub(crate) fn give(&self, list: &FreeList, index: usize, stats: bool) {
        // Relaxed: this look only decides whether to hand the block over directly (Q2); a waiter it misses
        // is found by the look after the push, which is what keeps wake-ups from being lost (Q1).
        if self.waiting.load(Ordering::Relaxed) != 0 {
            self.hand_over(list, Some(index), stats);
            return;
        }
        list.free_inline(index, stats);
        // Q1: a task that registered while the block went onto the list either took it (its pop after
        // registering saw the push) or is seen here (this load after the push sees its registration).
        fence(Ordering::SeqCst);
        if self.waiting.load(Ordering::Relaxed) != 0 {
            self.hand_over(list, None, stats);
        }
    }

    /// Hands `block` (held by the caller) and then blocks from the free list to waiting tasks, longest
    /// waiting first, until no task waits or no block is left; a `block` nobody takes goes onto the list.
    /// Wakes the tasks after leaving the critical section.
    #[cold]
    #[inline(never)]
    fn hand_over(&self, list: &FreeList, mut block: Option<usize>, stats: bool) {
        let mut wake: [Option<Waker>; W] = [const { None }; W];
        self.queue.with(|queue| {
            for waker in &mut wake {
                let Some(slot) = queue.oldest_waiting() else {
                    break;
                };
                let index = match block.take() {
                    Some(index) => {
                        // A block freed raw was marked free; the task it goes to holds it now.
                        list.mark_taken(index, stats);
                        index
                    }
                    None => match list.pop(stats) {
                        Some(index) => index,
                        None => break,
                    },
                };
                if let Slot::Waiting {
                    waker: slot_waker, ..
                } = core::mem::replace(&mut queue.slots[slot], Slot::Handed(index))
                {
                    *waker = slot_waker;
                }
                queue.handoffs = queue.handoffs.wrapping_add(1);
                self.waiting.fetch_sub(1, Ordering::SeqCst);
            }
            // Inside the critical section, so that a task registering now sees this block (Q1).
            if let Some(index) = block {
                list.free(index, stats);
            }
        });
        for waker in wake.into_iter().flatten() {
            wake_or_abort(waker);
        }
    }

    /// Registers a task that found no free block, then tries the list once more (Q1).
    pub(crate) fn register(&self, list: &FreeList, stats: bool, waker: Waker) -> Registered {
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
            };
            queue.next_ticket = queue.next_ticket.wrapping_add(1);
            self.waiting.fetch_add(1, Ordering::SeqCst);
            fence(Ordering::SeqCst);
            if let Some(index) = list.pop(stats) {
                queue.slots[slot] = Slot::Empty;
                self.waiting.fetch_sub(1, Ordering::SeqCst);
                return Registered::Block(index, waker);
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
    pub(crate) fn poll(&self, slot: usize, waker: &Waker) -> Polled {
        // Cloned before the lock: a waker's clone is the executor's code (Q4).
        let fresh = waker.clone();
        self.queue.with(move |queue| match &mut queue.slots[slot] {
            Slot::Handed(index) => {
                let index = *index;
                queue.slots[slot] = Slot::Empty;
                Polled::Block(index, fresh)
            }
            Slot::Waiting { waker, .. } => Polled::Waiting(waker.replace(fresh)),
            // Not reachable: only the slot's task empties it, and then it forgets the slot.
            Slot::Empty => Polled::Waiting(Some(fresh)),
        })
    }

    /// A waiting task goes away: empties its slot and returns the block handed to it, if any, which the
    /// caller then gives back (Q3). The waker comes back to be dropped outside the lock.
    pub(crate) fn cancel(&self, slot: usize) -> (Option<usize>, Option<Waker>) {
        self.queue.with(
            |queue| match core::mem::replace(&mut queue.slots[slot], Slot::Empty) {
                Slot::Handed(index) => (Some(index), None),
                Slot::Waiting { waker, .. } => {
                    self.waiting.fetch_sub(1, Ordering::SeqCst);
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
impl<const W: usize> Default for WaitQueue<W> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const W: usize> Queue<W> {
    /// The waiting slot with the oldest (smallest) ticket.
    fn oldest_waiting(&self) -> Option<usize> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(at, slot)| match slot {
                Slot::Waiting { ticket, .. } => Some((*ticket, at)),
                _ => None,
            })
            .min_by_key(|&(ticket, _)| ticket)
            .map(|(_, at)| at)
    }
}

/// Wakes a task whose slot now holds a block. A waker that panics would leave the tasks after it in this
/// free's hand-over unwoken, holding blocks they would never take, so a panic aborts instead (an
/// `extern "C"` function aborts when unwound out of, since Rust 1.81); called from Rust only.
#[allow(improper_ctypes_definitions)]
extern "C" fn wake_or_abort(waker: Waker) {
    waker.wake();
}

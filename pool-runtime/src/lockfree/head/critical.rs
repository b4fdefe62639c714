//! The head on cores without compare-and-swap (ARMv6-M, RISC-V without the A extension), with the feature
//! `portable-atomic-critical-section`: each pop and each push is one critical section.
//!
//! The load of the top index, the read (pop) or write (push) of a link, the store of the new top and the
//! count of the operation all happen inside one `critical_section::with`, so no other list operation can
//! come between the load and the store: the word needs no tag and there is no ABA at all. The critical
//! section also orders memory (its contract: acquire on entry, release on exit, on one location shared by
//! all critical sections), so what is inside can be plain: a pop sees the link and the contents that the
//! pusher wrote before its critical section ended. The head's own fields are `Cell`s behind the critical
//! section's `Mutex`; the link is the free list's atomic, loaded or stored once per operation.

use core::cell::Cell;

use critical_section::Mutex;

use super::Counts;
use crate::free_list::{BlockMeta, code_link};
use crate::sync::Ordering;

pub(crate) struct Head {
    fields: Mutex<Fields>,
}

/// The head's fields, reached only inside a critical section (plain loads and stores: nothing here needs
/// an atomic of its own).
struct Fields {
    /// The index of the top block; `N` when the list is empty, `N + 1` when it is empty and tasks wait
    /// (pools with waiters, Q1).
    top: Cell<u32>,
    allocs: Cell<u32>,
    frees: Cell<u32>,
}

/// `counter + 1`, wrapping.
#[inline(always)]
fn count(counter: &Cell<u32>) {
    counter.set(counter.get().wrapping_add(1));
}

impl Head {
    pub(crate) const fn new(_blocks: usize) -> Self {
        Self {
            fields: Mutex::new(Fields {
                top: Cell::new(0),
                allocs: Cell::new(0),
                frees: Cell::new(0),
            }),
        }
    }

    /// Takes the top block off the list: its index (below `meta.len()`), or `None` when the list is empty.
    /// Counts the allocation if `counted`.
    #[inline(always)]
    pub(crate) fn pop(&self, meta: &[BlockMeta], counted: bool) -> Option<usize> {
        critical_section::with(|cs| {
            let fields = self.fields.borrow(cs);
            let top = fields.top.get() as usize;
            if top >= meta.len() {
                return None;
            }
            let next = code_link(top, usize::from(meta[top].next.load(Ordering::Relaxed)));
            fields.top.set(next as u32);
            if counted {
                count(&fields.allocs);
            }
            Some(top)
        })
    }

    /// Puts block `index` (not on the list) on top of it. Counts the free if `counted`.
    #[inline(always)]
    pub(crate) fn push(&self, meta: &[BlockMeta], index: usize, counted: bool) {
        critical_section::with(|cs| {
            let fields = self.fields.borrow(cs);
            let top = fields.top.get() as usize;
            meta[index]
                .next
                .store(code_link(index, top) as u16, Ordering::Relaxed);
            fields.top.set(index as u32);
            if counted {
                count(&fields.frees);
            }
        });
    }

    /// [`Head::push`] for pools with waiters (Q1): pushes only onto an unmarked head (top `<= N`), checked
    /// inside the same critical section, and returns whether it did.
    #[inline(always)]
    pub(crate) fn push_unless_marked(
        &self,
        meta: &[BlockMeta],
        index: usize,
        counted: bool,
    ) -> bool {
        critical_section::with(|cs| {
            let fields = self.fields.borrow(cs);
            let top = fields.top.get() as usize;
            if top > meta.len() {
                return false;
            }
            meta[index]
                .next
                .store(code_link(index, top) as u16, Ordering::Relaxed);
            fields.top.set(index as u32);
            if counted {
                count(&fields.frees);
            }
            true
        })
    }

    /// A registration's one operation on the head (Q1), in one critical section: pops the top block if
    /// there is one, else marks the empty head (`N` becomes `N + 1`; `N + 1` stays).
    #[inline]
    pub(crate) fn pop_or_mark(&self, meta: &[BlockMeta], counted: bool) -> Option<usize> {
        critical_section::with(|cs| {
            let fields = self.fields.borrow(cs);
            let (top, n) = (fields.top.get() as usize, meta.len());
            if top >= n {
                fields.top.set(n as u32 + 1);
                return None;
            }
            let next = code_link(top, usize::from(meta[top].next.load(Ordering::Relaxed)));
            fields.top.set(next as u32);
            if counted {
                count(&fields.allocs);
            }
            Some(top)
        })
    }

    /// The last waiting task left (Q1, under the queue's lock): a marked head (`N + 1`) becomes `N`.
    #[inline]
    pub(crate) fn unmark(&self, meta: &[BlockMeta]) {
        critical_section::with(|cs| {
            let fields = self.fields.borrow(cs);
            if fields.top.get() as usize > meta.len() {
                fields.top.set(meta.len() as u32);
            }
        });
    }

    /// The index of the top block; `N` (or `N + 1`, marked, Q1) when the list is empty.
    pub(crate) fn top(&self) -> usize {
        critical_section::with(|cs| self.fields.borrow(cs).top.get() as usize)
    }

    pub(crate) fn counts(&self) -> Counts {
        let (allocs, frees) = critical_section::with(|cs| {
            let fields = self.fields.borrow(cs);
            (fields.allocs.get(), fields.frees.get())
        });
        Counts {
            used: allocs.wrapping_sub(frees) as usize,
            allocs: u64::from(allocs),
            frees: u64::from(frees),
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::{BlockMeta, Head};

    // The host's critical section is the `critical-section` crate's `std` one (a dev-dependency).
    crate::head::list_and_counts_test!();
}

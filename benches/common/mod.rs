//! What every benchmark program shares: the 64-byte item, and the two baselines written here rather than
//! taken from a crate, so that the comparison shows what the hardware allows and not one crate's choices.
//!
//! - [`PlainFreeList`]: an index free list with no atomics. The floor for a pool used from one context
//!   only (not interrupt-safe, not thread-safe): one load and two stores per operation.
//! - [`TreiberStack`]: a lock-free stack of indices, the floor for a pool that threads and interrupt
//!   handlers may use at once. The head is one `AtomicU64` holding a 32-bit index and a 32-bit ABA tag; the
//!   links live in a side table of `AtomicU32`, never in the blocks, so popping never reads a block that
//!   another thread may be writing. blockpool's free list is this design plus 16-bit links, block states
//!   for double-free checks and weak handles, and statistics.
//!
//! Included with `#[path]` by `benches/pools.rs`, `benches/examples/latency.rs` and `benches/examples/o1_probe.rs`.
#![allow(dead_code)]

use std::cell::UnsafeCell;
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// The item every pool holds: 64 bytes, a common message or buffer-descriptor size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Item(pub [u64; 8]);

const _: () = assert!(size_of::<Item>() == 64);

impl Item {
    /// An item whose eight words depend on `seed`, so writing it cannot be folded away.
    #[inline(always)]
    pub fn new(seed: u64) -> Self {
        Self([seed; 8])
    }
}

/// `N` blocks of `T` with an index free list that uses no atomics; `&mut self` for every operation.
pub struct PlainFreeList<T, const N: usize> {
    /// Index of the first free block; `N` when none is free.
    head: u32,
    /// `next[i]`: the free block after block `i`.
    next: Box<[u32; N]>,
    blocks: Box<[MaybeUninit<T>; N]>,
}

impl<T, const N: usize> Default for PlainFreeList<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, const N: usize> PlainFreeList<T, N> {
    /// Every block free, linked in index order.
    pub fn new() -> Self {
        let next: Vec<u32> = (1..=N as u32).collect();
        let blocks: Vec<MaybeUninit<T>> = (0..N).map(|_| MaybeUninit::uninit()).collect();
        Self {
            head: 0,
            next: next.into_boxed_slice().try_into().expect("N links"),
            blocks: match blocks.into_boxed_slice().try_into() {
                Ok(blocks) => blocks,
                Err(_) => unreachable!("N blocks"),
            },
        }
    }

    /// Moves `value` into a free block and returns the block's index, or gives `value` back.
    #[inline]
    pub fn alloc(&mut self, value: T) -> Result<u32, T> {
        let index = self.head;
        if index as usize >= N {
            return Err(value);
        }
        self.head = self.next[index as usize];
        self.blocks[index as usize].write(value);
        Ok(index)
    }

    /// The item in block `index`, which the caller allocated.
    #[inline]
    pub fn get_mut(&mut self, index: u32) -> &mut T {
        // SAFETY: `index` came from `alloc` and was not freed since, so its block holds an initialised item.
        unsafe { self.blocks[index as usize].assume_init_mut() }
    }

    /// Drops the item in block `index` and puts the block back.
    #[inline]
    pub fn free(&mut self, index: u32) {
        // SAFETY: `index` came from `alloc` and was not freed since, so its block holds an initialised item,
        // dropped exactly once here.
        unsafe { self.blocks[index as usize].assume_init_drop() };
        self.next[index as usize] = self.head;
        self.head = index;
    }
}

/// `N` blocks of `T` with a lock-free Treiber stack of indices: `head = tag:32 | index:32`, links in a side
/// table. Lives in a `static` like a blockpool pool (so its addresses are constants); [`TreiberStack::link`]
/// must run once before use. Safe to share between threads.
pub struct TreiberStack<T, const N: usize> {
    head: AtomicU64,
    next: [AtomicU32; N],
    blocks: [UnsafeCell<MaybeUninit<T>>; N],
}

// SAFETY: a block's contents are reached only by the one caller that popped its index, until it pushes the
// index back (the release/acquire pair on `head` orders the two owners' accesses); everything else is atomic.
unsafe impl<T: Send, const N: usize> Sync for TreiberStack<T, N> {}

/// The index part of a head word; `N` (or more) means the stack is empty.
#[inline(always)]
const fn index(word: u64) -> u32 {
    word as u32
}

/// A head word with index `index` and the tag after the one in `word`.
#[inline(always)]
const fn retag(word: u64, index: u32) -> u64 {
    ((word >> 32).wrapping_add(1) << 32) | index as u64
}

impl<T, const N: usize> Default for TreiberStack<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, const N: usize> TreiberStack<T, N> {
    /// All zeros: unusable until [`TreiberStack::link`] has run.
    pub const fn new() -> Self {
        Self {
            head: AtomicU64::new(0),
            next: [const { AtomicU32::new(0) }; N],
            blocks: [const { UnsafeCell::new(MaybeUninit::uninit()) }; N],
        }
    }

    /// Links every block, in index order, as free. Call once, before any other use.
    pub fn link(&self) {
        for (i, next) in self.next.iter().enumerate() {
            next.store(i as u32 + 1, Ordering::Relaxed);
        }
        self.head.store(0, Ordering::Release);
    }

    /// Takes a free block's index. Lock-free.
    #[inline]
    pub fn pop(&self) -> Option<u32> {
        let mut current = self.head.load(Ordering::Acquire);
        loop {
            let top = index(current);
            if top as usize >= N {
                return None;
            }
            // A stale link is harmless: the tag has changed too, so the exchange fails.
            let next = self.next[top as usize].load(Ordering::Relaxed);
            match self.head.compare_exchange_weak(
                current,
                retag(current, next),
                Ordering::Acquire,
                Ordering::Acquire,
            ) {
                Ok(_) => return Some(top),
                Err(actual) => current = actual,
            }
        }
    }

    /// Puts block `block` back. Lock-free.
    #[inline]
    pub fn push(&self, block: u32) {
        let mut current = self.head.load(Ordering::Relaxed);
        loop {
            self.next[block as usize].store(index(current), Ordering::Relaxed);
            match self.head.compare_exchange_weak(
                current,
                retag(current, block),
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
    }

    /// Moves `value` into a free block and returns its index, or gives `value` back.
    #[inline]
    pub fn alloc(&self, value: T) -> Result<u32, T> {
        match self.pop() {
            Some(block) => {
                // SAFETY: the block was just popped, so only this caller reaches it, and it holds no item.
                unsafe { (*self.blocks[block as usize].get()).write(value) };
                Ok(block)
            }
            None => Err(value),
        }
    }

    /// The item in block `block`.
    ///
    /// # Safety
    /// The caller allocated `block`, has not freed it, and holds no other reference to its item.
    #[inline]
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn get_mut(&self, block: u32) -> &mut T {
        // SAFETY: per the contract, the block holds an initialised item that only the caller reaches.
        unsafe { (*self.blocks[block as usize].get()).assume_init_mut() }
    }

    /// Drops the item in block `block` and puts the block back.
    ///
    /// # Safety
    /// The caller allocated `block` and has not freed it.
    #[inline]
    pub unsafe fn free(&self, block: u32) {
        // SAFETY: per the contract, the block holds an initialised item that only the caller reaches; it is
        // dropped once, before the block is published again by `push`.
        unsafe { (*self.blocks[block as usize].get()).assume_init_drop() };
        self.push(block);
    }
}

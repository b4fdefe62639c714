//! Static, typed memory pools for firmware, declared with one attribute.
//!
//! Firmware cannot call `malloc`: it needs fixed pools of blocks in static RAM, sized at compile time,
//! with allocation that is O(1), never fragments, is safe from interrupt handlers and fails
//! deterministically. blockpool generates such a pool from one line, hands out typed, owning handles
//! instead of `void *`, and turns the misuses that C pool APIs report as status codes at run time (double
//! free, foreign pointer, use after free, size mismatch) into compile errors or typed errors.
//!
//! # Quick start
//! In `Cargo.toml` (on Cortex-M0/M0+ add the feature `portable-atomic-critical-section`, see
//! [Crate features](#crate-features)):
//!
//! ```toml
//! [dependencies]
//! blockpool = "0.1"
//! ```
//!
//! It needs Rust 1.85 or newer (edition 2024); CI builds it with 1.85.
//!
//! ```
//! use blockpool::{memory_pool, PoolBox, PoolError};
//!
//! #[memory_pool(count = 20)] // generates `pub struct MsgPool;` and its static storage
//! #[derive(Debug)]
//! pub struct Msg {
//!     pub id: u32,
//!     pub body: [u8; 60],
//! }
//!
//! fn main() -> Result<(), PoolError> {
//!     let mut m: PoolBox<MsgPool> = MsgPool::alloc(Msg { id: 1, body: [0; 60] })?;
//!     m.id = 2; // the handle dereferences to the item
//!     assert_eq!(MsgPool::stats().used, 1);
//!     drop(m); // the block goes back to the pool
//!     assert_eq!(MsgPool::stats().used, 0);
//!     Ok(())
//! }
//! ```
//!
//! # Map of the crate
//! **Declaring pools**
//! - [`#[memory_pool]`](macro@memory_pool): one pool of one item type, declared on the type (`Msg` →
//!   `MsgPool`) or on a unit struct with `type = T`; its options are in the [table below](#pool-options).
//! - [`pools!`]: several pools at once, with a compile-time RAM `budget` and a `const` [`MemoryMap`].
//!   Settings `budget`, `crate`, `map`; entries are typed pools (the options of `#[memory_pool]`), byte
//!   pools (`classes = [(size, count), ..]`), arenas (`arena = bytes`, optionally `fallback = Other`) and
//!   fallback chains of typed pools (`chain = [First, Second]`); see [its syntax](pools!#syntax).
//!
//! **Pool kinds** (each pool is a zero-sized type implementing one of these traits; the macros also give it
//! the same functions as inherent associated functions, so no trait import is needed)
//! - [`StaticPool`]: a typed pool. `alloc`, `alloc_with`, `alloc_uninit`, `alloc_zeroed` (items that are
//!   [`Zeroable`]), `stats`, `validate`.
//! - A fallback chain (`pools!` entry with `chain = [..]`) is a [`StaticPool`] too: its allocations take a
//!   block from the first member that has one, its [`PoolBox`] (one handle type, one pointer wide) frees
//!   into the member it came from; `member_stats` gives each member's counters.
//! - [`SharedPool`]: a typed pool declared with `refcount`: `alloc_shared`, `alloc_shared_with`.
//! - [`WaitPool`]: a typed pool declared with `wait = W`: `alloc_async` (the future [`AllocAsync`]) waits for
//!   a block, a free hands its block to the task that has waited longest; `wait_stats` ([`WaitStats`]).
//! - [`RawPool`]: the untyped, object-safe interface of every typed pool (`&dyn RawPool`), like the
//!   function-pointer tables of C pool APIs, with foreign-pointer and double-free detection.
//! - [`BytePool`]: byte buffers in size classes (`pools!` entry with `classes`): `alloc_bytes`,
//!   `alloc_bytes_aligned`, `class_stats`; also a `GlobalAlloc` and an allocator-api2 `Allocator`.
//! - [`ArenaPool`]: a bump arena (`pools!` entry with `arena`): `scope` lends an [`Arena`] whose
//!   allocations all go back when the scope ends.
//!
//! **Handles**
//! - [`PoolBox<P>`]: owns one item, like `Box`; one pointer wide; dropping it returns the block.
//! - [`PoolBoxUninit<P>`]: a block with no item yet, for building a large item in place.
//! - [`PoolRc<P>`]: a shared handle, like `Arc`, for pools with `refcount`; one pointer wide.
//! - [`PoolWeak<P>`]: a weak handle (8 bytes, `Copy`) that upgrades to its item and to no other.
//! - [`PoolBytes<P>`]: a byte buffer from a [`BytePool`]: `Deref<Target = [u8]>`, `resize`, `grow`,
//!   `try_clone`; [`PoolBytesWriter`] fills one with `write!` or `embedded_io::Write` (full: [`BufferFull`]),
//!   [`PoolBytesReader`] reads one with `embedded_io::Read`.
//! - DMA: [`PoolBox<P>`] of a word or an array of words (`[u8; N]`, `[u32; N]`, ..) and [`PoolBytes<P>`]
//!   are embedded-dma 0.2 `ReadBuffer` + `WriteBuffer`, a [`PoolRc<P>`] of one is a `ReadBuffer`, through
//!   embedded-dma's own impls for `StableDeref` handles: a HAL's transfer takes the handle and gives it back.
//! - [`Arena`]: the arena of one [`ArenaPool::scope`]: `alloc`, `alloc_no_drop`, `alloc_slice`,
//!   `alloc_str`; references cannot outlive the scope.
//!
//! **Errors and reports**
//! - [`PoolError`]: why an operation failed; [`AllocError<T>`]: a failed allocation that gives the value
//!   back (`?` converts it to `PoolError`); [`FailureEvent`]: what an `on_failure` hook receives.
//! - [`PoolStats`], [`ArenaStats`]: counters of one pool; [`MemoryMap`], [`PoolInfo`], [`PoolKind`]: the
//!   memory map of a `pools!` block. [`MAX_BLOCKS`]: the largest `count`.
//! - [`Zeroable`]: bytemuck's marker for items whose all-zero bytes are valid, with its derive;
//!   [`ZeroableItem`] is the bound of `alloc_zeroed` that names the fix when it is missing.
//!
//! # Pool options
//! The options of [`#[memory_pool]`](macro@memory_pool), in any order; a typed pool in [`pools!`] takes
//! the same ones except `name` and `crate`, with `type` required.
//!
#![doc = include_str!("memory_pool_options.md")]
//!
//! Every mistake in the options is a compile error on the offending tokens, all of them reported at once.
//!
//! # What a pool is
//! Each pool is backed by one `static` that holds its blocks and metadata. The static is zero-initialised,
//! so it lives in `.bss` and needs no init call. Allocation and free are O(1) and lock-free (one critical
//! section each on cores without compare-and-swap) and safe from ABA, so they can be called from any
//! thread and from interrupt handlers at once; what each target class does is in the README's
//! *Guarantees* and in `docs/aba.md`. Per block the pool keeps 4 bytes of metadata beyond the item (with
//! `refcount`, 5 to 8 more: the 1- to 4-byte counter and the 4-byte generation weak handles check).
//!
//! # Crate features
//! - `portable-atomic-critical-section`: for targets without compare-and-swap (Cortex-M0/M0+, RISC-V
//!   without the A extension): every atomic comes from the `portable-atomic` crate, whose compare-and-swap
//!   becomes a `critical-section` section; the application links an implementation (on a single-core
//!   Cortex-M, cortex-m's `critical-section-single-core` feature).
//! - `portable-atomic`: `portable-atomic`'s atomics, with whichever of its features the application
//!   enables on its own `portable-atomic` dependency, e.g. `unsafe-assume-single-core` (compare-and-swap
//!   with interrupts disabled, for single-core chips whose code runs in privileged mode).
//! - `defmt`: `defmt::Format` for [`PoolStats`], [`PoolError`], [`FailureEvent`], [`ArenaStats`],
//!   [`MemoryMap`], [`PoolInfo`], [`PoolKind`] and [`BufferFull`].
//! - `allocator-api2-02`: byte pools also implement allocator-api2 0.2's `Allocator` (besides 0.4's), the
//!   version `hashbrown::HashMap::new_in` takes.
//! - `embedded-io`: embedded-io **0.7**'s `Write` and `WriteReady` for [`PoolBytesWriter`], `Read`,
//!   `BufRead` and `ReadReady` for [`PoolBytesReader`]: the version embassy's crates moved to in late 2025
//!   (esp-hal 1.1 offers both). `embedded-io-06`: the same for embedded-io **0.6**, the version of earlier
//!   embassy and esp-hal releases and of the drivers written for them. Both can be on at once.
//! - `embedded-dma`: nothing to switch on for DMA (the impls are embedded-dma's own, see the handles above);
//!   this feature only makes blockpool's build check that they apply.
#![no_std]
#![deny(missing_docs)]

/// `registry()` and `Registry`, with the feature `registry` (on `blockpool`, or on `pool-runtime` through
/// another crate of the program). Without it the module is empty, which the glob does not mind.
#[allow(unused_imports)]
pub use pool_runtime::__registry::*;
pub use pool_runtime::{
    AllocAsync, AllocBytesAsync, AllocError, Arena, ArenaPool, ArenaStats, BufferFull, BytePool,
    FailureEvent, MAX_BLOCKS, MemoryMap, PoolBox, PoolBoxUninit, PoolBytes, PoolBytesReader,
    PoolBytesWriter, PoolError, PoolInfo, PoolKind, PoolRc, PoolStats, PoolWeak, RawPool,
    SharedPool, StaticPool, WaitBytePool, WaitPool, WaitStats, ZeroableItem,
};
pub use pool_runtime::{
    ByteHolder, ByteHolderSites, ByteHolders, EntryStats, Holder, HolderSites, HolderSummary,
    Holders, PoolEntry, Site, TraceEvent, TraceKind, pool_id,
};

/// bytemuck's marker trait for types whose all-zero bytes are a valid value, and its derive: what
/// `alloc_zeroed` needs. The derive is bytemuck's, so it is told where the trait is:
///
/// ```
/// use blockpool::{memory_pool, PoolError, Zeroable};
///
/// #[memory_pool(count = 2)]
/// #[derive(Zeroable)]
/// #[bytemuck(crate = "blockpool")] // the derive's path to the trait (no bytemuck dependency needed)
/// pub struct Frame {
///     pub len: u16,
///     pub gain: f32,
///     pub valid: bool,
///     pub data: [u8; 4096],
///     pub next: Option<core::num::NonZeroU32>,
/// }
///
/// fn main() -> Result<(), PoolError> {
///     let frame = FramePool::alloc_zeroed()?; // 4 KiB zero-filled in place, never on the stack
///     assert!(frame.len == 0 && !frame.valid && frame.next.is_none());
///     Ok(())
/// }
/// ```
///
/// A crate that depends on bytemuck itself (with its `derive` feature) can write
/// `#[derive(bytemuck::Zeroable)]` instead; it is the same trait.
#[doc(inline)]
pub use bytemuck::Zeroable;

#[cfg(feature = "c-api")]
pub use pool_runtime::c_api;

/// Declares a static pool of blocks.
///
/// # Two forms
/// On a struct, enum or union, the attribute generates the pool of that type beside it, named after it
/// (`Msg` → `MsgPool`, or `name = ...`), with the item's visibility:
///
/// ```
/// # use blockpool::memory_pool;
/// #[memory_pool(count = 8)]
/// pub struct Msg { pub id: u32 }
///
/// let m = MsgPool::alloc(Msg { id: 7 }).unwrap();
/// assert_eq!(m.id, 7);
/// ```
///
/// On a unit struct with `type = T`, the struct itself becomes the pool of `T`, which lets one item type
/// have several pools:
///
/// ```
/// # use blockpool::memory_pool;
/// # pub struct Msg { pub id: u32 }
/// #[memory_pool(type = Msg, count = 4, align = 64)]
/// pub struct Urgent;
///
/// let m = Urgent::alloc(Msg { id: 1 }).unwrap();
/// assert_eq!(blockpool::PoolBox::as_ptr(&m).as_ptr() as usize % 64, 0);
/// ```
///
/// # Options
#[doc = include_str!("memory_pool_options.md")]
///
/// Every mistake in the options is a compile error on the offending tokens, and all of them are reported
/// at once. Checks that need the item's type (size, alignment) are const assertions whose message names
/// the pool and the limit.
///
/// # Generated associated functions
/// On every pool, as inherent functions (no trait import needed) and through [`StaticPool`]:
/// - `alloc(value)` → [`PoolBox`] or an [`AllocError`] that gives the value back;
/// - `alloc_with(|| value)`, which takes the block first and then builds the value;
/// - `alloc_uninit()` → [`PoolBoxUninit`], to build a large item in place;
/// - `alloc_zeroed()`, for items that are [`Zeroable`] (the bound is [`ZeroableItem`]);
/// - `stats()` → [`PoolStats`], `validate()`, and the constants `CAPACITY` and `NAME`.
///
/// On pools with `refcount`, also `alloc_shared(value)` and `alloc_shared_with(|| value)` → [`PoolRc`]
/// (see [`SharedPool`]); on other pools they are a compile error that says to add `refcount`:
///
/// ```
/// use blockpool::{memory_pool, PoolError, PoolRc};
///
/// #[memory_pool(count = 4, refcount = u8)]
/// pub struct Frame { pub seq: u32 }
///
/// fn main() -> Result<(), PoolError> {
///     let a: PoolRc<FramePool> = FramePool::alloc_shared(Frame { seq: 1 })?;
///     let b = a.clone(); // a second reference to the same block
///     let weak = PoolRc::downgrade(&a);
///     drop((a, b)); // the last reference frees the block
///     assert!(weak.upgrade().is_none());
///     Ok(())
/// }
/// ```
///
/// The pool also implements [`RawPool`] (untyped access) and `Debug`, which dumps its state.
pub use pool_macros::memory_pool;

/// The README's examples, compiled and run as doc tests so that they cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// The migration guide's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../docs/migrating-from-c.md")]
struct MigrationGuideDoctests;

/// Declares several pools together: typed pools, byte pools with size classes, and arenas, with a
/// compile-time RAM budget and a `const` memory map.
///
/// ```
/// use blockpool::{pools, PoolError};
///
/// pub struct Msg { pub id: u32, pub body: [u8; 60] }
/// #[derive(Clone)]
/// pub struct Frame { pub seq: u32, pub data: [u8; 128] }
///
/// pools! {
///     budget = 16 KiB;                                          // compile error if the total exceeds it
///     pub MsgPool(type = Msg, count = 20);                      // the options of #[memory_pool]
///     pub FramePool(type = Frame, count = 8, refcount, zeroize);
///     pub Bytes(classes = [(64, 32), (256, 8), (1024, 2)], align = 8);   // (block size, count) per class
///     pub Scratch(arena = 4096);                                // a bump arena
/// }
///
/// # fn main() -> Result<(), PoolError> {
/// let mut buf = Bytes::alloc_bytes(100)?;      // a 256-byte block, len 100, zero-filled
/// buf.copy_from_slice(&[7; 100]);
/// buf.resize(200)?;                            // within the block: no move
/// let buf = buf.grow(900)?;                    // moves to the 1024 class, copies, frees the old block
/// let copy = buf.try_clone()?;                 // a new block with the same bytes
/// assert_eq!(copy[..100], [7; 100]);
///
/// let total = Scratch::scope(|arena| {
///     let numbers = arena.alloc_slice(&[1u32, 2, 3])?;
///     numbers[0] = 10;
///     Ok(numbers.iter().sum::<u32>())
/// })?;
/// assert_eq!(total, 15);
///
/// println!("{MEMORY_MAP}");                    // name, kind, block size, count, bytes of each pool
/// # Ok(())
/// # }
/// ```
///
/// # Syntax
/// Settings, each at most once: `budget = N B|KiB|MiB;`, `crate = path;` (for crates that re-export
/// blockpool), `map = NAME;` (the memory map's name, default `MEMORY_MAP`). Entries:
/// `#[attributes] vis Name(options);` (doc comments and attributes are kept on the pool type; an entry
/// under a `#[cfg]` that is off generates nothing and is left out of the memory map and the budget), where
/// the options are
/// - those of [`memory_pool`] except `name` and `crate`, with `type` required: a typed pool;
/// - `classes = [(block size, count), ..]` with `align` (default 8), `on_failure`, `zeroize`,
///   `link_section`, `c_name`: a [`BytePool`] (sizes ascending, each a multiple of `align`);
/// - `arena = bytes` with `align` (default 16), `on_failure`, `zeroize`, `link_section`, `fallback = Other`
///   (the arena a scope continues in when this one is full): an [`ArenaPool`];
/// - `chain = [First, Second, ..]` with `align` (the block alignment every member must have) and
///   `on_failure`: a fallback chain, a [`StaticPool`] whose allocations take a block from the first member
///   that has one and whose handles free into the member they came from (members are paths to typed pools
///   of one item type, declared here or anywhere else).
///
/// A byte pool hands out [`PoolBytes`]; an arena lends an [`Arena`] for one [`ArenaPool::scope`]. The map
/// is a [`MemoryMap`] of [`PoolInfo`] rows, one per typed pool, per byte-pool class and per arena.
pub use pool_macros::pools;

/// Items used by the code the macros generate. Not covered by semver; do not use directly.
#[doc(hidden)]
pub mod __private {
    pub use pool_runtime::__private::*;
}

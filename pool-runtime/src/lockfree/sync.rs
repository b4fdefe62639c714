//! The atomics every other module uses, chosen in one place.
//!
//! `core`'s atomics by default; `portable-atomic`'s (which can run on critical sections) for targets without
//! compare-and-swap such as Cortex-M0; loom's under `cfg(loom)` so its model checker can explore the
//! interleavings of the free list and the reference counts.

#[cfg(all(loom, target_has_atomic = "64"))]
pub use loom::sync::atomic::AtomicU64;
#[cfg(loom)]
pub use loom::sync::atomic::{AtomicBool, AtomicPtr, AtomicU8, AtomicU16, AtomicU32, Ordering};

#[cfg(all(not(loom), feature = "portable-atomic", target_has_atomic = "64"))]
pub use portable_atomic::AtomicU64;
#[cfg(all(not(loom), feature = "portable-atomic"))]
pub use portable_atomic::{AtomicBool, AtomicPtr, AtomicU8, AtomicU16, AtomicU32, Ordering};

#[cfg(all(not(loom), not(feature = "portable-atomic"), target_has_atomic = "64"))]
pub use core::sync::atomic::AtomicU64;
#[cfg(all(not(loom), not(feature = "portable-atomic")))]
pub use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU8, AtomicU16, AtomicU32, Ordering};

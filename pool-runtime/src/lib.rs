//! Runtime of [blockpool](https://docs.rs/blockpool): static block storage, the lock-free free list, the
//! handles and the errors that the `#[memory_pool]` and `pools!` macros build on.
//!
//! This crate is an implementation detail: depend on `blockpool`, which re-exports everything here that is
//! meant for users. It is `#![no_std]`, never allocates, and holds all of blockpool's `unsafe` code.
//!
//! # How a pool is laid out
//! One `static` per pool holds, side by side: the blocks (each item rounded up to the block alignment), a
//! 4-byte entry per block for the free list (a 16-bit link and a 16-bit word of state flags), optional
//! per-block reference counters and 32-bit generations (pools with `refcount` only), and a few counters.
//! The all-zero bit pattern is a valid, fully free pool,
//! so the static lives in `.bss` and needs no initialisation call.
#![no_std]
#![deny(missing_docs, unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

mod align;
mod arena;
mod block;
mod boxed;
mod byte_class;
mod bytes;
mod bytes_io;
#[cfg(feature = "defmt")]
mod defmt_impls;
#[cfg(feature = "embedded-dma")]
mod dma;
mod dump;
mod error;
mod forward;
mod free_list;
mod head;
mod impls;
mod map;
mod pool;
mod raw;
mod rc;
mod refcount;
mod stats;
mod storage;
mod sync;
mod uninit;
mod wait;
mod weak;
mod zeroable;

pub use arena::{Arena, ArenaPool, ArenaStats};
pub use boxed::PoolBox;
pub use bytes::{BytePool, PoolBytes};
pub use bytes_io::{BufferFull, PoolBytesReader, PoolBytesWriter};
pub use error::{AllocError, FailureEvent, PoolError};
pub use free_list::MAX_BLOCKS;
pub use map::{MemoryMap, PoolInfo, PoolKind};
pub use pool::StaticPool;
pub use raw::RawPool;
pub use rc::{PoolRc, SharedPool};
pub use stats::PoolStats;
pub use uninit::PoolBoxUninit;
pub use wait::{AllocAsync, WaitPool, WaitStats};
pub use weak::PoolWeak;
pub use zeroable::ZeroableItem;

/// bytemuck's marker for types whose all-zero bytes are a valid value: what `alloc_zeroed` needs.
#[doc(inline)]
pub use bytemuck::Zeroable;

/// Items used by the code the macros generate. Not covered by semver; do not use directly.
#[doc(hidden)]
pub mod __private {
    pub use crate::ZeroableItem;
    pub use crate::align::*;
    pub use crate::arena::{ArenaCore, ArenaStorage};
    pub use crate::byte_class::ByteClass;
    pub use crate::bytes::{
        allocate, deallocate, global_alloc, global_dealloc, global_realloc, grow, shrink,
    };
    pub use crate::dump::{fmt_arena, fmt_byte_pool, fmt_pool};
    pub use crate::map::{budget_report, concat_rows, rows_len, total_bytes, total_bytes_u64};
    pub use crate::pool::{FailureHook, PoolConfig};
    pub use crate::refcount::{Counter, NoRefs, RefSlot};
    pub use crate::storage::{PoolStorage, Storage};
    pub use crate::wait::{NoWaiters, WaitQueue, WaitSlots, Waiters};
    pub use crate::{
        __blockpool_allocators as allocators, __blockpool_byte_pool as byte_pool,
        __blockpool_static_pool as static_pool,
    };
    pub use allocator_api2;
    #[cfg(feature = "allocator-api2-02")]
    pub use allocator_api2_02;
    pub use bytemuck::Zeroable;

    /// Reference counter types selected by `refcount = u8 | u16 | u32`.
    pub mod counters {
        pub use crate::sync::{AtomicU8 as U8, AtomicU16 as U16, AtomicU32 as U32};
    }
}

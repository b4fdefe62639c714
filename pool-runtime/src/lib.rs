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

// The modules keep flat paths (`crate::free_list`, `crate::rc`, ..); their files are grouped by concept:
// `lockfree/` (the free list, its head per target, the storage and the block steps every handle shares),
// `handles/` (owning, shared, weak and uninitialised handles, reference counts), `bytes/` (byte pools, their
// size classes, byte-stream and DMA traits), `arena/`, `wait/` (waiting for a block), `observe/` (counters,
// debug dumps, the memory map, defmt).
#[path = "lockfree/align.rs"]
mod align;
#[path = "arena/arena.rs"]
mod arena;
#[path = "lockfree/block.rs"]
mod block;
#[path = "handles/boxed.rs"]
mod boxed;
#[path = "bytes/byte_class.rs"]
mod byte_class;
#[path = "bytes/bytes.rs"]
mod bytes;
#[path = "bytes/bytes_io.rs"]
mod bytes_io;
/// The C API (feature `c-api`): `bp_alloc`, `bp_free` and the other functions of `include/blockpool.h`, the
/// status codes and counters they return, and [`CPool`](c_api::CPool), the pool object C code sees.
#[cfg(feature = "c-api")]
#[path = "c_api/c_api.rs"]
pub mod c_api;
mod chain;
#[cfg(feature = "defmt")]
#[path = "observe/defmt_impls.rs"]
mod defmt_impls;
#[cfg(feature = "embedded-dma")]
#[path = "bytes/dma.rs"]
mod dma;
#[path = "observe/dump.rs"]
mod dump;
mod error;
#[path = "handles/forward.rs"]
mod forward;
#[path = "lockfree/free_list.rs"]
mod free_list;
#[path = "lockfree/head.rs"]
mod head;
mod impls;
#[path = "observe/map.rs"]
mod map;
mod pool;
mod raw;
#[path = "handles/rc.rs"]
mod rc;
#[path = "handles/refcount.rs"]
mod refcount;
#[path = "observe/registry.rs"]
mod registry;
#[path = "observe/sites.rs"]
mod sites;
#[path = "observe/stats.rs"]
mod stats;
#[path = "lockfree/storage.rs"]
mod storage;
#[path = "lockfree/sync.rs"]
mod sync;
#[path = "observe/trace.rs"]
mod trace;
#[path = "handles/uninit.rs"]
mod uninit;
mod wait;
#[path = "handles/weak.rs"]
mod weak;
mod zeroable;

/// What `c_name` generates when the `c-api` feature is off: a compile error that says to switch it on.
#[cfg(not(feature = "c-api"))]
mod c_api_disabled {
    /// Never implemented: the bound that makes `c_name` without the feature an error that says so.
    #[diagnostic::on_unimplemented(
        message = "`c_name` needs blockpool's `c-api` feature",
        label = "this pool is exported to C",
        note = "enable it in Cargo.toml: `blockpool = {{ version = \"0.1\", features = [\"c-api\"] }}`"
    )]
    pub trait CApiFeature {}

    /// Stands in for the C API's pool object when the feature is off.
    pub struct CPool(());

    impl CPool {
        /// A compile error: the `c-api` feature is off.
        pub const fn typed<P: CApiFeature>() -> Self {
            Self(())
        }

        /// A compile error: the `c-api` feature is off.
        pub const fn bytes<P: CApiFeature>() -> Self {
            Self(())
        }
    }
}

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
pub use registry::{EntryStats, PoolEntry, pool_id};
#[cfg(feature = "registry")]
pub use registry::{Registry, assert_no_leaks, leaks, registry};

/// What the feature `registry` adds, for the facade to re-export whichever crate turned the feature on.
#[doc(hidden)]
pub mod __registry {
    #[cfg(feature = "registry")]
    pub use crate::registry::{Registry, assert_no_leaks, leaks, registry};
}
pub use sites::{
    ByteHolder, ByteHolderSites, ByteHolders, Holder, HolderSites, HolderSummary, Holders, Site,
};
pub use stats::PoolStats;
pub use trace::{TraceEvent, TraceKind};
pub use uninit::PoolBoxUninit;
pub use wait::{AllocAsync, AllocBytesAsync, WaitBytePool, WaitPool, WaitStats};
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
    pub use crate::arena::{ArenaCore, ArenaFallback, ArenaStorage};
    pub use crate::byte_class::{ByteClass, class_marks};
    pub use crate::bytes::{
        allocate, deallocate, global_alloc, global_dealloc, global_realloc, grow, shrink,
    };
    #[cfg(feature = "c-api")]
    pub use crate::c_api::CPool;
    #[cfg(not(feature = "c-api"))]
    pub use crate::c_api_disabled::CPool;
    pub use crate::chain::{ChainStorage, Last, Link, Members, SameItem, chain_member};
    pub use crate::dump::{fmt_arena, fmt_byte_pool, fmt_pool};
    pub use crate::map::{budget_report, concat_rows, rows_len, total_bytes, total_bytes_u64};
    pub use crate::pool::{FailureHook, PoolConfig, TraceHook};
    pub use crate::refcount::{Counter, JoinRefs, NoRefs, RefSlot};
    #[cfg(feature = "registry")]
    pub use crate::registry::POOLS;
    pub use crate::registry::PoolEntry;
    pub use crate::sites::{SiteTable, Sites};
    pub use crate::storage::{PoolStorage, Storage};
    pub use crate::wait::{
        ByteWaitSlots, ByteWaiters, Bytes, MarkedClass, NoWaiters, QueueKind, Typed, WaitQueue,
        WaitSlots, Waiters,
    };
    pub use crate::{
        __blockpool_allocators as allocators, __blockpool_byte_pool as byte_pool,
        __blockpool_register as register, __blockpool_static_pool as static_pool,
    };
    pub use allocator_api2;
    #[cfg(feature = "allocator-api2-02")]
    pub use allocator_api2_02;
    pub use bytemuck::Zeroable;
    #[cfg(feature = "registry")]
    pub use linkme;

    /// Reference counter types selected by `refcount = u8 | u16 | u32`.
    pub mod counters {
        pub use crate::sync::{AtomicU8 as U8, AtomicU16 as U16, AtomicU32 as U32};
    }
}

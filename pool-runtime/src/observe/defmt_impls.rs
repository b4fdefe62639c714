//! `defmt::Format` for the types firmware logs: statistics, errors and the memory map (feature `defmt`).
//!
//! The texts match the `Display` impls, with the literal parts interned by defmt: a log line costs a
//! string index and the numbers, not the formatted text.

use defmt::{Format, Formatter, write};

use crate::{
    ArenaStats, BufferFull, FailureEvent, MemoryMap, PoolError, PoolInfo, PoolKind, PoolStats,
    TraceEvent, TraceKind,
};

impl Format for PoolStats {
    fn format(&self, f: Formatter<'_>) {
        write!(
            f,
            "{=usize}/{=usize} used, high water {=usize}, {=u64} allocs, {=u64} frees, {=u64} failures",
            self.used, self.capacity, self.high_water, self.allocs, self.frees, self.failures
        );
    }
}

impl Format for ArenaStats {
    fn format(&self, f: Formatter<'_>) {
        write!(
            f,
            "{=usize}/{=usize} bytes used, high water {=usize}, {=u64} scopes, {=u64} failures",
            self.used, self.capacity, self.high_water, self.scopes, self.failures
        );
    }
}

impl Format for PoolError {
    fn format(&self, f: Formatter<'_>) {
        match *self {
            Self::Exhausted => write!(f, "every block of the pool is in use"),
            Self::ZeroSize => write!(f, "a zero-sized allocation was requested"),
            Self::TooLarge {
                requested,
                capacity,
            } => write!(
                f,
                "{=usize} bytes were requested but the largest block holds {=usize} bytes",
                requested, capacity
            ),
            Self::ForeignBlock => write!(f, "the pointer does not belong to this pool"),
            Self::NotBlockStart => {
                write!(
                    f,
                    "the pointer is inside the pool but not at the start of a block"
                )
            }
            Self::DoubleFree => write!(f, "the block is already free"),
            Self::RefInUse => write!(f, "the block is still shared by other handles"),
            Self::RefOverflow => write!(f, "the reference count would overflow its counter"),
            Self::Busy => write!(f, "the resource is already in use"),
            Self::WaitersFull => write!(f, "every block is in use and every wait slot is taken"),
            Self::BadAlignment { requested } => {
                write!(f, "alignment {=usize} is not a power of two", requested)
            }
            Self::Corrupted => write!(f, "the pool's metadata is inconsistent"),
        }
    }
}

impl Format for BufferFull {
    fn format(&self, f: Formatter<'_>) {
        write!(f, "the buffer is full");
    }
}

impl Format for FailureEvent {
    fn format(&self, f: Formatter<'_>) {
        write!(f, "pool `{=str}`: {}", self.pool, self.error);
    }
}

/// `FramePool#3 alloc at src/radio.rs:41`, as `Display` writes it (the column left out).
impl Format for TraceEvent {
    fn format(&self, f: Formatter<'_>) {
        write!(f, "{=str}", self.pool);
        if let Some(class) = self.class {
            write!(f, "#{=usize}", class);
            if let Some(index) = self.index {
                write!(f, ".{=usize}", index);
            }
        } else if let Some(index) = self.index {
            write!(f, "#{=usize}", index);
        }
        match self.kind {
            TraceKind::Alloc => write!(f, " alloc"),
            TraceKind::Free => write!(f, " free"),
            TraceKind::Failure(error) => write!(f, " failure: {}", error),
        }
        if let Some(site) = self.site {
            write!(f, " at {=str}:{=u32}", site.file(), site.line());
        }
    }
}

impl Format for TraceKind {
    fn format(&self, f: Formatter<'_>) {
        match self {
            Self::Alloc => write!(f, "alloc"),
            Self::Free => write!(f, "free"),
            Self::Failure(error) => write!(f, "failure: {}", error),
        }
    }
}

impl Format for PoolKind {
    fn format(&self, f: Formatter<'_>) {
        match self {
            Self::Typed => write!(f, "typed"),
            Self::Shared => write!(f, "shared"),
            Self::Bytes => write!(f, "bytes"),
            Self::Arena => write!(f, "arena"),
            Self::Chain => write!(f, "chain"),
        }
    }
}

impl Format for PoolInfo {
    fn format(&self, f: Formatter<'_>) {
        write!(
            f,
            "{=str} ({}, {=usize} x {=usize} B): {=usize} bytes",
            self.name, self.kind, self.count, self.block_size, self.bytes
        );
    }
}

impl Format for MemoryMap {
    fn format(&self, f: Formatter<'_>) {
        write!(
            f,
            "{=usize} bytes in {=usize} pools: {=[?]}",
            self.total_bytes(),
            self.pools.len(),
            self.pools
        );
    }
}

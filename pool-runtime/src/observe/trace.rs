//! Trace hooks (`trace = path`): a function called on every allocation, free and failure of a pool.

use core::fmt;
use core::panic::Location;

use crate::bytes::{BytePool, HookPanic};
use crate::error::PoolError;
use crate::pool::StaticPool;
use crate::sites::Site;

/// What happened to a pool, as a [`TraceEvent`] says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceKind {
    /// A block was handed out.
    Alloc,
    /// A block came back.
    Free,
    /// An allocation failed.
    Failure(PoolError),
}

/// What a `trace = path` hook receives: which pool (name and stable id), what happened, to which block, and
/// where the allocation was made in pools declared with `track_callers` too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceEvent {
    /// The pool's name.
    pub pool: &'static str,
    /// The pool's stable id ([`pool_id`](crate::pool_id) of its module path and name).
    pub id: u32,
    /// What happened.
    pub kind: TraceKind,
    /// The byte pool's class the block is in (0 is the smallest, as in `class_stats`); `None` for typed
    /// pools and for failures.
    pub class: Option<usize>,
    /// The block's index: in the pool, or in its class for byte pools (`None` for a failure).
    pub index: Option<usize>,
    /// Where the allocation was made, in pools with `track_callers` (`None` otherwise, and for frees).
    pub site: Option<Site>,
}

/// `FramePool#3 alloc at src/radio.rs:41:17`, `FramePool#3 free`, `FramePool failure: exhausted`; for byte
/// pools the class comes first: `Buffers#1.3 alloc` (block 3 of class 1).
impl fmt::Display for TraceEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.pool)?;
        if let Some(class) = self.class {
            write!(f, "#{class}")?;
            if let Some(index) = self.index {
                write!(f, ".{index}")?;
            }
        } else if let Some(index) = self.index {
            write!(f, "#{index}")?;
        }
        match self.kind {
            TraceKind::Alloc => f.write_str(" alloc")?,
            TraceKind::Free => f.write_str(" free")?,
            TraceKind::Failure(error) => write!(f, " failure: {error}")?,
        }
        match self.site {
            Some(site) => write!(f, " at {site}"),
            None => Ok(()),
        }
    }
}

/// Calls pool `P`'s trace hook, if it has one (nothing, and no code, otherwise). The caller has finished
/// the operation first, so a hook that panics leaves the pool as it would be without the hook.
#[track_caller]
#[inline(always)]
pub(crate) fn trace<P: StaticPool>(kind: TraceKind, index: Option<usize>) {
    if P::__CONFIG.trace.is_some() {
        // Read here: in a closure it would be the closure's own location.
        let caller = Location::caller();
        let site = match kind {
            TraceKind::Free => None,
            _ => P::__sites().map(|_| caller),
        };
        trace_at::<P>(kind, index, site);
    }
}

/// [`trace`] with the site given.
#[inline(always)]
pub(crate) fn trace_at<P: StaticPool>(kind: TraceKind, index: Option<usize>, site: Option<Site>) {
    if let Some(hook) = P::__CONFIG.trace {
        hook(&TraceEvent {
            pool: P::NAME,
            id: P::__CONFIG.id,
            kind,
            class: None,
            index,
            site,
        });
    }
}

/// Calls byte pool `P`'s trace hook, if it has one (nothing, and no code, otherwise), for block `index` of
/// class `class` (`None`s for a failure). A panic in the hook aborts with `HookPanic::Abort` (the allocator
/// interfaces and C), and propagates otherwise; the caller has finished the operation first.
#[inline(always)]
pub(crate) fn trace_bytes<P: BytePool>(
    kind: TraceKind,
    class: Option<usize>,
    index: Option<usize>,
    site: Option<Site>,
    on_panic: HookPanic,
) {
    if let Some(hook) = P::__CONFIG.trace {
        let event = TraceEvent {
            pool: P::NAME,
            id: P::__CONFIG.id,
            kind,
            class,
            index,
            site,
        };
        match on_panic {
            HookPanic::Propagate => hook(&event),
            HookPanic::Abort => call_or_abort(hook, &event),
        }
    }
}

/// Calls `hook` in a function that cannot unwind: a panic in the hook aborts the process (an `extern "C"`
/// function aborts on unwind since Rust 1.81). Called from Rust only; the ABI is chosen for that property.
#[allow(improper_ctypes_definitions)]
extern "C" fn call_or_abort(hook: fn(&TraceEvent), event: &TraceEvent) {
    hook(event);
}

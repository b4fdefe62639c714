//! A `#![no_std]` crate that declares pools and uses them, built for `thumbv7em-none-eabihf` to prove that
//! blockpool and the code `#[memory_pool]` generates need nothing but `core`.
#![no_std]
#![deny(warnings, missing_docs)]

use core::sync::atomic::{AtomicU32, Ordering};

use blockpool::{FailureEvent, PoolBox, PoolError, PoolRc, PoolStats, RawPool, memory_pool, pools};

// A budget above 4 GiB on a 32-bit target: compared in `u64`, it is not truncated (it once read as
// `4097 MiB mod 4 GiB` = 1 MiB and failed this small block; the literal was also out of `usize` range).
pools! {
    budget = 4097 MiB;
    map = BIG_BUDGET_MAP;
    /// Byte buffers, with a budget far above what they use.
    pub Buffers(classes = [(64, 2)]);
}

/// A radio frame, pooled in blocks aligned for DMA.
#[memory_pool(count = 8, align = 32, max_size = 96)]
pub struct Frame {
    /// How many bytes of `data` are valid.
    pub len: u16,
    /// The payload.
    pub data: [u8; 64],
}

/// Failed allocations seen by [`count_failure`].
pub static FAILURES: AtomicU32 = AtomicU32::new(0);

fn count_failure(_event: &FailureEvent) {
    FAILURES.fetch_add(1, Ordering::Relaxed);
}

/// Key material: wiped on free, and failures are counted.
#[memory_pool(type = [u8; 16], count = 2, zeroize, on_failure = count_failure)]
pub struct Keys;

/// A sample shared between tasks by reference counting.
#[memory_pool(count = 4, refcount = u8)]
#[derive(Clone, Copy)]
pub struct Sample(pub i32);

/// What [`exercise`] saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Report {
    /// The frame pool's counters once everything is freed again.
    pub frames: PoolStats,
    /// `len` of the frame, read back through its handle.
    pub frame_len: u16,
    /// Why allocating from the full key pool failed.
    pub full_keys: Option<PoolError>,
    /// How many handles shared the sample at once.
    pub sample_handles: usize,
}

/// Allocates from every pool, frees everything again and reports what it saw.
///
/// # Errors
/// The first pool error: `Exhausted` if the pools are already in use elsewhere, `Corrupted` if validation
/// finds a pool's metadata inconsistent.
pub fn exercise() -> Result<Report, PoolError> {
    let mut frame: PoolBox<FramePool> = FramePool::alloc(Frame {
        len: 0,
        data: [0; 64],
    })?;
    frame.data[..3].copy_from_slice(b"abc");
    frame.len = 3;

    let key = Keys::alloc([0x5A; 16])?;
    let raw: &dyn RawPool = &Keys;
    let block = raw.alloc_raw()?;
    // Both blocks of `Keys` are in use: this allocation fails and calls the hook.
    let full_keys = Keys::alloc([0; 16]).err().map(|failed| failed.error());
    // SAFETY: `block` came from `alloc_raw` on this pool and is not used after this call.
    unsafe { raw.free_raw(block)? };
    drop(key);

    let first: PoolRc<SamplePool> = SamplePool::alloc_shared(Sample(-7))?;
    let second = first.clone();
    let sample_handles = PoolRc::strong_count(&second);
    drop((first, second));

    let frame_len = frame.len;
    drop(frame);
    FramePool::validate()?;
    Keys::validate()?;
    SamplePool::validate()?;
    Ok(Report {
        frames: FramePool::stats(),
        frame_len,
        full_keys,
        sample_handles,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same code, run on the host: `cargo test --manifest-path tests/no-std/Cargo.toml`.
    #[test]
    fn exercise_reports_what_happened() {
        let report = exercise().unwrap();
        assert_eq!(report.frame_len, 3);
        assert_eq!(report.full_keys, Some(PoolError::Exhausted));
        assert_eq!(FAILURES.load(Ordering::Relaxed), 1);
        assert_eq!(Keys::stats().failures, 1);
        assert_eq!(report.sample_handles, 2);
        assert_eq!(report.frames.capacity, 8);
        assert_eq!(report.frames.used, 0);
        assert_eq!(report.frames.high_water, 1);
        assert_eq!((report.frames.allocs, report.frames.frees), (1, 1));
        assert_eq!(SamplePool::stats().used, 0);
        assert_eq!(Keys::stats().used, 0);
    }
}

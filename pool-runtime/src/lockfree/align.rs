//! Marker types that give a pool's blocks a chosen alignment.
//!
//! `#[repr(align(N))]` needs a literal, so each supported power of two has its own zero-sized marker; a
//! block is `[Marker; 0]` followed by the item, which gives it the marker's alignment at no size cost.

/// A zero-sized type whose only job is its alignment.
///
/// Implemented by `Align1` to `Align65536`; sealed.
pub trait Alignment: sealed::Sealed + Copy + 'static {
    /// The alignment in bytes.
    const BYTES: usize;
}

mod sealed {
    pub trait Sealed {}
}

macro_rules! alignments {
    ($($name:ident = $bytes:literal),* $(,)?) => {$(
        #[doc = concat!("Aligns a block to ", stringify!($bytes), " bytes.")]
        #[derive(Clone, Copy, Debug)]
        #[repr(align($bytes))]
        pub struct $name;
        impl sealed::Sealed for $name {}
        impl Alignment for $name {
            const BYTES: usize = $bytes;
        }
    )*};
}

alignments! {
    Align1 = 1, Align2 = 2, Align4 = 4, Align8 = 8, Align16 = 16, Align32 = 32, Align64 = 64,
    Align128 = 128, Align256 = 256, Align512 = 512, Align1024 = 1024, Align2048 = 2048,
    Align4096 = 4096, Align8192 = 8192, Align16384 = 16384, Align32768 = 32768, Align65536 = 65536,
}

/// The largest alignment a pool's blocks can be given.
pub const MAX_ALIGN: usize = 65536;

//! Hygiene of `pools!`: every kind of entry with every option it accepts, and every block setting, compile
//! without a single warning in a crate that has no prelude, that defines its own `Result`, `Option`, `Some`,
//! `None`, `Ok`, `Err`, `Box`, `Default`, `Clone`, `Copy`, `Debug` and `core`, that shadows the standard
//! macros and (in one module) the primitive types, and that reaches blockpool through a re-export. Some
//! pools are never used: dead-code lints must stay quiet about what the macro generates for them.
//!
//! If generated code named anything without an absolute path, it would find the decoys below (or nothing,
//! as there is no prelude) and this file would not compile. See `tests/hygiene.rs` for `#[memory_pool]`.
#![no_implicit_prelude]
#![deny(warnings, unused, clippy::all)]

// Decoys for the standard macros: `macro_rules!` are in scope textually for everything below, including
// the output of `pools!`, so an unqualified `assert!(..)` or `panic!(..)` there would expand to an error.
#[allow(unused_macros)]
macro_rules! assert {
    ($($tokens:tt)*) => {
        ::core::compile_error!("generated code used an unqualified `assert!`")
    };
}
#[allow(unused_macros)]
macro_rules! concat {
    ($($tokens:tt)*) => {
        ::core::compile_error!("generated code used an unqualified `concat!`")
    };
}
#[allow(unused_macros)]
macro_rules! panic {
    ($($tokens:tt)*) => {
        ::core::compile_error!("generated code used an unqualified `panic!`")
    };
}
#[allow(unused_macros)]
macro_rules! write {
    ($($tokens:tt)*) => {
        ::core::compile_error!("generated code used an unqualified `write!`")
    };
}
#[allow(unused_macros)]
macro_rules! format_args {
    ($($tokens:tt)*) => {
        ::core::compile_error!("generated code used an unqualified `format_args!`")
    };
}
#[allow(unused_macros)]
macro_rules! stringify {
    ($($tokens:tt)*) => {
        ::core::compile_error!("generated code used an unqualified `stringify!`")
    };
}

// Decoys for the built-in derives: an unqualified `#[derive(Clone)]` in generated code would be ambiguous
// between the built-in and these glob imports.
#[allow(unused_imports)] // only wrong generated code would use them
mod derive_decoys {
    pub use ::core::clone::Clone as PartialEq;
    pub use ::core::cmp::Ord as Debug;
    pub use ::core::cmp::PartialOrd as Default;
    pub use ::core::default::Default as Eq;
    pub use ::core::fmt::Debug as Clone;
    pub use ::core::hash::Hash as Copy;
    pub use ::core::marker::Copy as Hash;
}
#[allow(unused_imports)] // only wrong generated code would use them
use derive_decoys::*;

/// Decoys for the names of the prelude and for the `core` crate, kept live by
/// `decoys_are_what_this_crate_sees`.
mod decoys {
    pub mod core {
        /// A relative `core::mem::size_of` would find this module, which has no `mem`.
        pub fn is_a_decoy() -> bool {
            true
        }
    }
    pub struct Result;
    pub struct Option;
    pub struct Some;
    pub struct None;
    pub struct Ok;
    pub struct Err;
    pub struct Box;
    pub trait Default {}
    pub trait Clone {}
    pub trait Copy {}
    pub trait Debug {}
}
use decoys::{Box, Clone, Copy, Debug, Default, Err, None, Ok, Option, Result, Some, core};

impl Clone for Reading {}
impl Copy for Reading {}
impl Debug for Reading {}
impl Default for Reading {}

pub struct Reading {
    pub channel: u8,
    pub value: i32,
}

/// Constants as option values: `count` and `max_size` are const expressions.
const DEPTH: usize = 2;
const READING_LIMIT: usize = 16;

fn count_failure(event: &::blockpool::FailureEvent) {
    FAILURES.fetch_add(1, ::core::sync::atomic::Ordering::Relaxed);
    let _ = event.pool;
}
static FAILURES: ::core::sync::atomic::AtomicUsize = ::core::sync::atomic::AtomicUsize::new(0);

::blockpool::pools! {
    budget = 64 KiB;
    crate = ::blockpool;
    map = HYGIENE_MAP;

    /// A typed pool with every option a `pools!` entry accepts.
    #[allow(missing_docs)]
    pub Readings(
        type = Reading,
        count = DEPTH * 2,
        align = 32,
        max_size = READING_LIMIT + 16,
        on_failure = count_failure,
        zeroize,
        refcount = u8,
        link_section = unsafe(".data.blockpool_pools_hygiene"),
    );
    /// A byte pool with every option.
    pub Bytes(
        classes = [(32, 4), (128, 2)],
        align = 16,
        on_failure = count_failure,
        zeroize,
        link_section = unsafe(".data.blockpool_pools_hygiene"),
    );
    /// An arena with every option.
    pub Scratch(
        arena = 256,
        align = 32,
        on_failure = self::count_failure,
        zeroize,
        link_section = unsafe(".data.blockpool_pools_hygiene"),
    );

    /// A second pool of `Reading`, and a chain of both with every option a chain accepts.
    pub MoreReadings(type = Reading, count = 2, align = 32, refcount = u8);
    pub AllReadings(chain = [Readings, self::MoreReadings], align = 32, on_failure = count_failure);
    /// An arena with a fallback.
    pub SmallScratch(arena = 32, fallback = Scratch);

    // Private and never used, of every kind.
    IdleTyped(type = u32, count = 1);
    IdleBytes(classes = [(8, 1)]);
    IdleArena(arena = 8);
    IdleChain(chain = [IdleTyped]);
    IdleFallback(arena = 8, fallback = IdleArena);
}

/// A block with only entries and default settings, never used.
mod defaults {
    ::blockpool::pools! {
        Unused(type = u16, count = 1);
        pub(crate) UnusedBytes(classes = [(16, 1)]);
        pub(super) UnusedArena(arena = 16);
    }
}

/// A crate that re-exports blockpool under another name, and a block that finds it through `crate = ...`.
mod reexport {
    pub use ::blockpool as bp;

    bp::pools! {
        crate = crate::reexport::bp;
        budget = 1 MiB;
        pub Events(type = u16, count = 2, refcount);
        pub Packets(classes = [(64, 2)]);
        pub Frames(arena = 64);
        pub EventChain(chain = [Events]);
    }
}

/// Even the primitive types can be shadowed.
mod primitive_decoys {
    #![allow(non_camel_case_types)] // the point is to reuse these names
    pub struct usize;
    pub struct str;
    pub struct bool;
    pub struct u8;
    pub struct u16;
    pub struct u32;

    ::blockpool::pools! {
        map = PRIMITIVE_MAP;
        budget = 16384 B;
        pub Words(type = [::core::primitive::u32; 2], count = 2, max_size = 8, zeroize);
        pub Bytes(classes = [(8, 2), (64, 1)], zeroize);
        pub Scratch(arena = 64, zeroize);
        pub MoreWords(type = [::core::primitive::u32; 2], count = 1);
        pub AllWords(chain = [Words, MoreWords]);
        pub Spill(arena = 16, fallback = Scratch);
    }

    /// Keeps the decoys alive under `deny(unused)`.
    pub const DECOYS: ::core::primitive::usize =
        ::core::mem::size_of::<(usize, str, bool, u8, u16, u32)>();
}

#[test]
fn decoys_are_what_this_crate_sees() {
    ::std::assert!(core::is_a_decoy());
    ::std::assert_eq!(
        ::core::mem::size_of::<(Result, Option, Some, None, Ok, Err, Box)>(),
        0
    );
    fn takes_decoys<T: Clone + Copy + Debug + Default>(_: &T) -> bool {
        true
    }
    ::std::assert!(takes_decoys(&Reading {
        channel: 0,
        value: 0
    }));
    ::std::assert_eq!(primitive_decoys::DECOYS, 0);
}

#[test]
fn the_typed_entry_works() {
    ::std::assert_eq!(<Readings as ::blockpool::StaticPool>::CAPACITY, DEPTH * 2);
    let first = Readings::alloc_shared(Reading {
        channel: 1,
        value: -1,
    })
    .unwrap();
    let again = ::core::clone::Clone::clone(&first);
    ::std::assert_eq!(::blockpool::PoolRc::strong_count(&again), 2);
    ::std::assert_eq!(first.channel, 1);
    ::std::assert_eq!(again.value, -1);
    let boxed = Readings::alloc(Reading {
        channel: 2,
        value: 2,
    })
    .unwrap();
    ::std::assert_eq!(
        ::blockpool::PoolBox::as_ptr(&boxed).as_ptr() as usize % 32,
        0
    );
    ::std::assert_eq!(Readings::stats().used, 2);
    ::std::assert_eq!(Readings::validate(), ::core::result::Result::Ok(()));
    ::std::assert!(::std::format!("{Readings:?}").starts_with("Readings {"));
}

#[test]
fn the_byte_pool_entry_works() {
    let mut buf = Bytes::alloc_bytes(20).unwrap();
    buf.copy_from_slice(&[1; 20]);
    ::std::assert_eq!(buf.block_size(), 32);
    ::std::assert_eq!(buf.as_ptr() as usize % 16, 0);
    let buf = buf.grow(100).unwrap();
    ::std::assert_eq!(buf.block_size(), 128);
    ::std::assert_eq!(
        Bytes::alloc_bytes(1000).unwrap_err(),
        ::blockpool::PoolError::TooLarge {
            requested: 1000,
            capacity: 128
        }
    );
    ::std::assert!(FAILURES.load(::core::sync::atomic::Ordering::Relaxed) >= 1);
    ::std::assert_eq!(<Bytes as ::blockpool::BytePool>::max_len(), 128);
    ::std::assert_eq!(Bytes::validate(), ::core::result::Result::Ok(()));
    ::std::assert!(::std::format!("{Bytes:?}").starts_with("Bytes {"));
}

#[test]
fn the_arena_entry_works() {
    let sum = Scratch::scope(|arena| {
        let first = arena.alloc(1u8)?;
        ::std::assert_eq!(first as *const u8 as usize % 32, 0);
        let numbers = arena.alloc_slice(&[1u32, 2, 3])?;
        let sum: u32 = ::core::iter::Iterator::sum(numbers.iter());
        ::core::result::Result::Ok(sum + <u32 as ::core::convert::From<u8>>::from(*first))
    });
    ::std::assert_eq!(sum, ::core::result::Result::Ok(7));
    ::std::assert_eq!(Scratch::stats().scopes, 1);
    ::std::assert!(::std::format!("{Scratch:?}").starts_with("Scratch {"));
}

#[test]
fn the_maps_list_every_entry() {
    let names: ::std::vec::Vec<_> = ::core::iter::Iterator::collect(::core::iter::Iterator::map(
        HYGIENE_MAP.pools.iter(),
        |p| p.name,
    ));
    ::std::assert_eq!(
        names,
        [
            "Readings",
            "Bytes",
            "Bytes",
            "Scratch",
            "MoreReadings",
            "AllReadings",
            "SmallScratch",
            "IdleTyped",
            "IdleBytes",
            "IdleArena",
            "IdleChain",
            "IdleFallback"
        ]
    );
    ::std::assert_eq!(defaults::MEMORY_MAP.pools.len(), 3);
    ::std::assert_eq!(reexport::MEMORY_MAP.pools.len(), 4);
    ::std::assert_eq!(primitive_decoys::PRIMITIVE_MAP.pools.len(), 7);
}

#[test]
fn blocks_through_a_reexport_and_among_primitive_decoys() {
    use reexport::bp;
    let event = reexport::Events::alloc_shared(7).unwrap();
    ::std::assert_eq!(bp::PoolRc::strong_count(&event), 1);
    let packet = reexport::Packets::alloc_bytes(10).unwrap();
    ::std::assert_eq!(packet.len(), 10);
    ::std::assert_eq!(
        reexport::Frames::scope(|arena| ::core::result::Result::Ok(*arena.alloc(3u16)?)),
        ::core::result::Result::Ok(3)
    );

    let words = primitive_decoys::Words::alloc([1, 2]).unwrap();
    ::std::assert_eq!(*words, [1, 2]);
    let bytes = primitive_decoys::Bytes::alloc_bytes(8).unwrap();
    ::std::assert_eq!(bytes.block_size(), 8);
    ::std::assert_eq!(
        primitive_decoys::Scratch::scope(|arena| ::core::result::Result::Ok(
            arena.alloc_str("ok")?.len()
        )),
        ::core::result::Result::Ok(2)
    );
}

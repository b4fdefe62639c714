//! Hygiene: the code `#[memory_pool]` generates compiles, without a single warning, in a crate that has no
//! prelude, that defines its own `Result`, `Option`, `Some`, `None`, `Ok`, `Err`, `Box`, `Default`,
//! `Clone`, `Copy`, `Debug` and `core`, that shadows the standard macros, the built-in derives and (in one
//! module) the primitive types, and that reaches blockpool through a re-export. Every option of the
//! attribute is used at least once, on private pools and items too, and most generated functions are never
//! called (dead-code lints must stay quiet about them).
//!
//! If generated code named anything without an absolute path, it would find the decoys below (or nothing,
//! as there is no prelude) and this file would not compile.
#![no_implicit_prelude]
#![deny(warnings, unused, clippy::all)]

// Decoys for the standard macros. `macro_rules!` are in scope textually for everything below them,
// including the output of `#[memory_pool]`, so an unqualified `assert!(..)` or `concat!(..)` there would
// expand to this error. Generated code must write `::core::assert!` and the like.
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
macro_rules! unreachable {
    ($($tokens:tt)*) => {
        ::core::compile_error!("generated code used an unqualified `unreachable!`")
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
#[allow(unused_macros)]
macro_rules! matches {
    ($($tokens:tt)*) => {
        ::core::compile_error!("generated code used an unqualified `matches!`")
    };
}

// Decoys for the built-in derives, which resolve even without a prelude. A glob import of other derive
// macros under their names makes an unqualified `#[derive(Clone)]` in generated code an ambiguity error
// (glob import against the built-in). In the type namespace these glob imports are shadowed by the
// explicit decoy traits below, except `PartialEq`, `Eq` and `Hash`, which name the wrong traits here.
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

/// Decoys for the names of the standard library prelude and for the `core` crate. They are all used by
/// `decoys_are_what_this_crate_sees` so that they stay live under `deny(unused)`.
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

// The decoy traits are in use (and so live under `deny(unused)`); an unqualified `Clone` or `Debug` in
// generated code would name one of these traits, which have no methods, and fail to compile.
impl Clone for Reading {}
impl Copy for Reading {}
impl Debug for Reading {}
impl Default for Reading {}

/// Constants used as option values: `count` and `max_size` are const expressions.
const DEPTH: usize = 3;
const FRAME_LIMIT: usize = 64;

fn count_failure(event: &::blockpool::FailureEvent) {
    if event.pool == "Guarded" && event.error == ::blockpool::PoolError::Exhausted {
        GUARDED_FAILURES.fetch_add(1, ::core::sync::atomic::Ordering::Relaxed);
    }
}
static GUARDED_FAILURES: ::core::sync::atomic::AtomicUsize =
    ::core::sync::atomic::AtomicUsize::new(0);

// Form 1, private item and private pool, literal `count`, default name `ReadingPool`.
#[::blockpool::memory_pool(count = 4)]
#[derive(::core::fmt::Debug, ::core::cmp::PartialEq)]
struct Reading {
    channel: u8,
    value: i32,
}

// Form 1 with every option that applies to it: const-expression `count` and `max_size`, `name`, `align`,
// `on_failure`, `zeroize`, `link_section` and `crate`.
#[::blockpool::memory_pool(
    count = DEPTH * 2,
    name = FramePool,
    align = 32,
    max_size = FRAME_LIMIT + 8,
    on_failure = count_failure,
    zeroize,
    link_section = unsafe(".data.blockpool_hygiene"),
    crate = ::blockpool,
)]
pub struct Frame {
    pub len: u8,
    pub bytes: [u8; FRAME_LIMIT],
}

// Form 2, private: the unit struct is the pool; literal `max_size`, a hook, and a pool of an array type.
#[::blockpool::memory_pool(type = [u8; 16], count = 1, max_size = 16, zeroize, on_failure = count_failure)]
struct Guarded;

// Form 2, private, with user derives that do not conflict with the generated `Debug`.
#[::blockpool::memory_pool(type = Reading, count = 2, align = 64)]
#[derive(::core::clone::Clone, ::core::marker::Copy, ::core::default::Default)]
struct AlignedReadings;

// A pool that nothing ever uses, item and all; only its declaration must compile warning-free.
#[::blockpool::memory_pool(count = 1)]
struct NeverUsed {
    _reserved: u64,
}

/// A crate that re-exports blockpool under another name, and pools that find it through `crate = ...`.
mod reexport {
    pub use ::blockpool as bp;

    #[crate::reexport::bp::memory_pool(count = 2, crate = crate::reexport::bp)]
    pub struct Event {
        pub code: u16,
    }

    #[crate::reexport::bp::memory_pool(
        type = Event,
        count = 1 + 1,
        max_size = ::core::mem::size_of::<u64>(),
        align = 8,
        zeroize,
        link_section = unsafe(".data.blockpool_hygiene"),
        crate = crate::reexport::bp,
    )]
    pub struct SpareEvents;

    // A shared pool (`refcount` alone: 16-bit counters) through the re-export.
    #[bp::memory_pool(type = Event, count = 2, refcount, crate = bp)]
    pub struct SharedEvents;

    // A private pool in a private module, through the re-export, never used.
    #[bp::memory_pool(type = u32, count = 3, crate = bp)]
    struct Idle;
}

#[test]
fn decoys_are_what_this_crate_sees() {
    ::std::assert!(core::is_a_decoy());
    ::std::assert_eq!(
        ::core::mem::size_of::<(Result, Option, Some, None, Ok, Err, Box)>(),
        0
    );
    let reading = Reading {
        channel: 0,
        value: 0,
    };
    fn takes_decoys<T: Clone + Copy + Debug + Default>(_: &T) -> bool {
        true
    }
    ::std::assert!(takes_decoys(&reading));
}

#[test]
fn form_one_pool_type_derives() {
    fn derives<
        T: ::core::clone::Clone
            + ::core::marker::Copy
            + ::core::default::Default
            + ::core::cmp::Eq
            + ::core::hash::Hash
            + ::core::fmt::Debug,
    >(
        pool: T,
    ) -> (T, T) {
        (pool, ::core::default::Default::default())
    }
    let (a, b) = derives(ReadingPool);
    ::std::assert_eq!(a, b);
    ::std::assert_eq!(::core::mem::size_of::<ReadingPool>(), 0);
}

#[test]
fn form_one_private_pool() {
    let first = ReadingPool::alloc(Reading {
        channel: 1,
        value: -5,
    })
    .unwrap();
    ::std::assert_eq!(
        *first,
        Reading {
            channel: 1,
            value: -5
        }
    );
    let stats = ReadingPool::stats();
    ::std::assert_eq!(stats.capacity, 4);
    ::std::assert_eq!(stats.used, 1);
    ::std::assert_eq!(ReadingPool::validate(), ::core::result::Result::Ok(()));

    let dump = ::std::format!("{:?}", ReadingPool);
    ::std::assert!(dump.starts_with("ReadingPool {"), "{dump}");
    ::std::assert!(dump.contains("capacity: 4"), "{dump}");
    ::std::assert!(dump.contains("in_use: [0]"), "{dump}");

    ::core::mem::drop(first);
    ::std::assert_eq!(ReadingPool::stats().used, 0);
    ::std::assert_eq!(ReadingPool::stats().frees, 1);
}

#[test]
fn every_option_pool() {
    ::std::assert_eq!(<FramePool as ::blockpool::StaticPool>::CAPACITY, DEPTH * 2);
    ::std::assert_eq!(<FramePool as ::blockpool::StaticPool>::NAME, "FramePool");
    let frame = FramePool::alloc_with(|| Frame {
        len: 3,
        bytes: [7; FRAME_LIMIT],
    })
    .unwrap();
    ::std::assert_eq!(
        ::blockpool::PoolBox::as_ptr(&frame).as_ptr() as usize % 32,
        0
    );
    ::std::assert_eq!(frame.len, 3);
    ::std::assert_eq!(FramePool::stats().used, 1);
    ::std::assert_eq!(FramePool::stats().high_water, 1);
    ::std::assert_eq!(FramePool::validate(), ::core::result::Result::Ok(()));
    ::std::assert!(::std::format!("{FramePool:?}").contains("used: 1"));
    ::core::mem::drop(frame);
    ::std::assert_eq!(FramePool::stats().used, 0);
}

#[test]
fn form_two_zeroize_and_failure_hook() {
    let raw: &dyn ::blockpool::RawPool = &Guarded;
    ::std::assert_eq!(raw.layout().size(), 16);

    let secret = Guarded::alloc([0xA5; 16]).unwrap();
    let failed = Guarded::alloc([1; 16]).unwrap_err();
    ::std::assert_eq!(failed.error(), ::blockpool::PoolError::Exhausted);
    ::std::assert_eq!(failed.into_inner(), [1; 16]);
    ::std::assert_eq!(
        GUARDED_FAILURES.load(::core::sync::atomic::Ordering::Relaxed),
        1
    );
    ::std::assert_eq!(Guarded::stats().failures, 1);
    ::core::mem::drop(secret);

    // The only block was wiped when it was freed.
    let block = raw.alloc_raw().unwrap();
    // SAFETY: the block is 16 bytes, aligned for `[u8; 16]`, and zeroize pools hand out initialised zeros.
    let bytes = unsafe { block.cast::<[u8; 16]>().read() };
    ::std::assert_eq!(bytes, [0; 16]);
    // SAFETY: the block came from `alloc_raw` on this pool and is not used after this call.
    let freed = unsafe { raw.free_raw(block) };
    ::std::assert_eq!(freed, ::core::result::Result::Ok(()));
    ::std::assert_eq!(Guarded::validate(), ::core::result::Result::Ok(()));
}

#[test]
fn form_two_with_user_derives() {
    let pool = <AlignedReadings as ::core::default::Default>::default();
    let copy = pool;
    let a = AlignedReadings::alloc(Reading {
        channel: 2,
        value: 9,
    })
    .unwrap();
    ::std::assert_eq!(::blockpool::PoolBox::as_ptr(&a).as_ptr() as usize % 64, 0);
    ::std::assert!(::std::format!("{copy:?}").starts_with("AlignedReadings {"));
    ::std::assert_eq!(AlignedReadings::stats().used, 1);
}

#[test]
fn pools_through_a_reexport() {
    use reexport::bp;
    let event = reexport::EventPool::alloc(reexport::Event { code: 42 }).unwrap();
    ::std::assert_eq!(event.code, 42);
    ::std::assert_eq!(reexport::EventPool::stats().used, 1);

    let spare = reexport::SpareEvents::alloc_uninit()
        .unwrap()
        .write(reexport::Event { code: 7 });
    ::std::assert_eq!(spare.code, 7);
    ::std::assert_eq!(<reexport::SpareEvents as bp::StaticPool>::CAPACITY, 2);
    ::std::assert_eq!(
        reexport::SpareEvents::validate(),
        ::core::result::Result::Ok(())
    );
    ::std::assert!(::std::format!("{:?}", reexport::SpareEvents).contains("in_use: [0]"));

    let shared = reexport::SharedEvents::alloc_shared(reexport::Event { code: 9 }).unwrap();
    let again = ::core::clone::Clone::clone(&shared);
    ::std::assert_eq!(bp::PoolRc::strong_count(&shared), 2);
    ::std::assert_eq!(again.code, 9);
    ::std::assert!(::std::format!("{:?}", reexport::SharedEvents).contains("in_use: {0: 2}"));
    ::core::mem::drop((shared, again));
    ::std::assert_eq!(reexport::SharedEvents::stats().used, 0);
}

/// Even the primitive types can be shadowed; generated code names them `::core::primitive::usize` etc.
mod primitive_decoys {
    #![allow(non_camel_case_types)] // the point is to reuse these names
    pub struct usize;
    pub struct str;
    pub struct bool;
    pub struct u8;
    pub struct u16;
    pub struct u32;

    #[::blockpool::memory_pool(
        type = [::core::primitive::u8; 4],
        count = 1 + 1,
        max_size = 8,
        align = 4,
        zeroize,
        on_failure = self::ignore,
    )]
    pub struct Bytes;

    fn ignore(_: &::blockpool::FailureEvent) {}

    #[::blockpool::memory_pool(count = 3, refcount = u8)]
    pub struct Word(pub ::core::primitive::u32);

    /// Keeps the decoys alive under `deny(unused)`.
    pub const DECOYS: ::core::primitive::usize =
        ::core::mem::size_of::<(usize, str, bool, u8, u16, u32)>();
}

#[test]
fn pools_among_primitive_decoys() {
    use primitive_decoys::{Bytes, Word, WordPool};
    ::std::assert_eq!(primitive_decoys::DECOYS, 0);
    let bytes = Bytes::alloc([1, 2, 3, 4]).unwrap();
    let word = WordPool::alloc_shared(Word(0xDEAD_BEEF)).unwrap();
    ::std::assert_eq!(*bytes, [1, 2, 3, 4]);
    ::std::assert_eq!(word.0, 0xDEAD_BEEF);
    ::std::assert_eq!(<Bytes as ::blockpool::StaticPool>::NAME, "Bytes");
    ::std::assert_eq!(::blockpool::PoolRc::strong_count(&word), 1);
    ::std::assert_eq!(WordPool::stats().capacity, 3);
    ::std::assert_eq!(Bytes::validate(), ::core::result::Result::Ok(()));
}

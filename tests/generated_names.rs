//! Names the generated code uses cannot collide with names the user writes (issue: generated code that
//! every valid program accepts). Item types, hooks, modules and constants here are named like every
//! identifier the macros introduce (`F`, `T`, `HOOK`, `Option`, `Result`, `core`, `blockpool`,
//! `__private`, the hidden constant prefixes), in a crate with no prelude that forbids `unsafe`, with two
//! `pools!` blocks per module whose map and entry names would collide if hidden names were built by
//! concatenation, and with entries that a `#[cfg_attr(.., cfg(..))]` removes.
#![no_implicit_prelude]
#![forbid(unsafe_code)]
#![deny(warnings)]

mod names {
    #![allow(non_camel_case_types, non_upper_case_globals, dead_code)]

    use ::blockpool::{FailureEvent, memory_pool, pools};

    /// An item type named like the closure parameter of `alloc_with`.
    #[derive(Clone, Copy)]
    pub struct F(pub u32);
    /// And like a generic parameter.
    #[derive(Clone, Copy)]
    pub struct T(pub u32);

    /// A hook named like the helper constant earlier versions wrapped it in (that made a cycle, E0391).
    pub const HOOK: fn(&FailureEvent) = |_| {};
    /// A constant named like the generated ones.
    pub const __BLOCKPOOL_COUNT: usize = 99;
    pub const __BLOCKPOOL_ROWS_A_B_C: u8 = 0;
    pub const __BLOCKPOOL_ALL_ROWS: u8 = 0;
    pub const __blockpool_hook: u8 = 0;
    pub type __BlockpoolF = u8;
    pub mod __private {}
    pub mod core {}
    pub mod blockpool {}
    pub type Option = u8;
    pub type Result = u8;

    #[memory_pool(type = F, count = 2, on_failure = HOOK)]
    pub struct FPool;

    #[memory_pool(count = 2, refcount, on_failure = HOOK)]
    pub struct Tee(pub T);

    // `map = A_B` with entry `C` and `map = A` with entry `B_C`: once `__BLOCKPOOL_ROWS_A_B_C` twice.
    pools! {
        map = A_B;
        pub C(type = F, count = 1, on_failure = HOOK);
    }
    pools! {
        map = A;
        pub B_C(type = T, count = 1);
        // Removed by `cfg_attr`: the struct and everything generated for it go together.
        #[cfg_attr(all(), cfg(any()))]
        pub Gone(type = u8, count = 1);
        // Kept by `cfg_attr`.
        #[cfg_attr(any(), cfg(any()))]
        pub Kept(classes = [(64, 1)]);
        // Removed by a nested `cfg_attr`.
        #[cfg_attr(all(), cfg_attr(all(), cfg(any())))]
        pub GoneToo(arena = 64);
    }
}

use ::std::assert_eq;
use ::std::iter::Iterator;
use names::{A, A_B, B_C, C, F, FPool, Kept, T, Tee, TeePool};

#[test]
fn pools_named_like_generated_items_work() {
    let f = FPool::alloc_with(|| F(1)).ok().unwrap();
    assert_eq!(f.0, 1);
    let t = TeePool::alloc_shared_with(|| Tee(T(2))).ok().unwrap();
    assert_eq!((t.0).0, 2);
    let c = C::alloc_with(|| F(3)).ok().unwrap();
    assert_eq!(c.0, 3);
    let b = B_C::alloc(T(4)).ok().unwrap();
    assert_eq!(b.0, 4);
    assert_eq!(Kept::alloc_bytes(8).ok().unwrap().len(), 8);
}

#[test]
fn each_map_lists_only_its_own_pools_that_exist() {
    let names = |map: ::blockpool::MemoryMap| {
        map.pools
            .iter()
            .map(|pool| pool.name)
            .collect::<::std::vec::Vec<_>>()
    };
    assert_eq!(names(A_B), ["C"]);
    assert_eq!(names(A), ["B_C", "Kept"]);
}

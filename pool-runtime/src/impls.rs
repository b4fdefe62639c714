//! The `unsafe impl`s of generated pools, written out here so that the code the macros expand into a user's
//! crate contains no `unsafe` token (a crate with `#![forbid(unsafe_code)]` can declare every kind of pool,
//! and a `crate = path` override cannot swap what an `unsafe impl` calls: these expand with `$crate`).
//!
//! Every macro here is sound whatever it is given, because it is exported and anyone can call it: the only
//! inputs are a pool type, the declaration of the pool's `static` (whose type must be a sealed runtime
//! storage) and plain data.

/// Declares the pool's storage, `static $storage: $storage_ty = $init;` (after the attributes in brackets,
/// which keep their spans: a `link_section` stays the caller's own `unsafe`), and `unsafe impl StaticPool
/// for $pool` on it.
///
/// Sound for any arguments: the macro declares the `static` itself, with exactly the storage's type, and
/// checks without any coercion that the name it returns is a `static` of that type (a `#[cfg]` among the
/// attributes could remove the declaration), so `__storage` returns that one `static` on every call (invariant P1 of `docs/safety.md`; an earlier version
/// took the name of a `static` declared elsewhere, whose type could dereference to a storage and return a
/// different one on each call). `$storage_ty` must be a sealed `Storage`, so `$init` can only be a fresh
/// storage; `Item` and `CAPACITY` are read from the storage's type; the name and config are plain data the
/// runtime does not trust.
#[doc(hidden)]
#[macro_export]
macro_rules! __blockpool_static_pool {
    (
        $pool:ty,
        [$($attrs:tt)*] static $storage:ident: $storage_ty:ty = $init:expr,
        $name:expr,
        $config:expr
        $(, static $sites:ident: $sites_ty:ty)? $(,)?
    ) => {
        $($attrs)*
        static $storage: $storage_ty = $init;

        $(static $sites: $sites_ty = <$sites_ty>::new();)?

        #[automatically_derived]
        // SAFETY: [P1] `$storage` is the `static` declared just above, of the sealed storage type itself.
        unsafe impl $crate::StaticPool for $pool {
            type Item = <$storage_ty as $crate::__private::Storage>::Item;
            const CAPACITY: ::core::primitive::usize = <$storage_ty>::CAPACITY;
            const NAME: &'static ::core::primitive::str = $name;
            type __Storage = $storage_ty;
            const __CONFIG: $crate::__private::PoolConfig = $config;
            #[inline(always)]
            fn __storage() -> &'static Self::__Storage {
                // The name is a `static` of exactly the storage type (P1): a raw pointer never coerces, so
                // this does not compile if `$storage` is something else (review round 3 removed the
                // declaration above with a `#[cfg]` in the attributes and let a `Deref` static stand in).
                let _: *const $storage_ty = &raw const $storage;
                &$storage
            }
            $(
                #[inline(always)]
                fn __sites() -> ::core::option::Option<&'static dyn $crate::__private::SiteTable> {
                    ::core::option::Option::Some(&$sites)
                }
            )?
        }
    };
}

/// Declares a byte pool's size classes, one `static` each (after its attributes in brackets, which keep their
/// spans), the `static` list of them, and `unsafe impl BytePool for $pool` returning that list.
///
/// Sound for any arguments: every class is a `static` this macro declares, of a sealed class type (a
/// `PoolStorage` of byte blocks), so the classes are disjoint and none lies inside another's blocks (B1), and
/// `__classes` runs no user code (B5) and returns the same list on every call (B7). Review round 2 showed
/// why `BytePool` cannot be a safe trait: a hand-written list could name a class whose storage was leaked
/// into a block of another listed class, and `__classes` could panic inside `GlobalAlloc`.
#[doc(hidden)]
#[macro_export]
macro_rules! __blockpool_byte_pool {
    (
        $pool:ty,
        static $classes:ident = [$([$($attrs:tt)*] static $class:ident: $class_ty:ty),+ $(,)?],
        $name:expr,
        $config:expr
        $(, static $waiters:ident: $waiters_ty:ty)?
        $(, sites: [$(static $sites:ident: $sites_ty:ty),+ $(,)?])? $(,)?
    ) => {
        $(
            $($attrs)*
            static $class: $class_ty = <$class_ty>::new();
        )+

        static $classes: &[&'static dyn $crate::__private::ByteClass] = &[$(&$class),+];

        $(static $waiters: $waiters_ty = <$waiters_ty>::new();)?

        $crate::__blockpool_byte_pool!(@marks [$($class),+] $($waiters)?);

        $($(static $sites: $sites_ty = <$sites_ty>::new();)+)?

        #[automatically_derived]
        // SAFETY: [B1, B5, B7, Q5] the list names only the class statics declared just above, of sealed
        // types, and the waiter queue is the static declared above, of a sealed type. (The site tables,
        // of a sealed type too, are not trusted: T1.)
        unsafe impl $crate::BytePool for $pool {
            const NAME: &'static ::core::primitive::str = $name;
            const __CONFIG: $crate::__private::PoolConfig = $config;
            #[inline(always)]
            fn __classes() -> &'static [&'static dyn $crate::__private::ByteClass] {
                // Each name is a `static` of exactly its class type (B1; see `__blockpool_static_pool!`).
                $(let _: *const $class_ty = &raw const $class;)+
                $classes
            }
            type __Waiters = $crate::__blockpool_byte_pool!(@waiters_ty $($waiters_ty)?);
            #[inline(always)]
            fn __waiters() -> &'static Self::__Waiters {
                $crate::__blockpool_byte_pool!(@waiters $($waiters)?)
            }
            $(
                #[inline(always)]
                fn __sites() -> ::core::option::Option<
                    &'static [&'static dyn $crate::__private::SiteTable],
                > {
                    static SITES: &[&'static dyn $crate::__private::SiteTable] = &[$(&$sites),+];
                    ::core::option::Option::Some(SITES)
                }
            )?
        }
    };
    // With a queue, every class must keep room for the mark of waiting tasks (Q5): else a free into it
    // could miss a waiting task.
    (@marks [$($class:ident),+]) => {};
    (@marks [$($class:ident),+] $waiters:ident) => {
        const _: () = {
            $(::core::assert!(
                $crate::__private::class_marks(&raw const $class),
                "a byte pool with `wait` needs classes that keep room for the mark (`MarkedClass`)"
            );)+
        };
    };
    (@waiters_ty) => { $crate::__private::NoWaiters };
    (@waiters_ty $waiters_ty:ty) => { $waiters_ty };
    (@waiters) => { &$crate::__private::NoWaiters };
    (@waiters $waiters:ident) => { &$waiters };
}

/// `unsafe impl Allocator` (allocator-api2 0.4, and 0.2 when this crate's `allocator-api2-02` feature is on)
/// and `unsafe impl GlobalAlloc` for byte pool `$pool`, forwarding to the runtime's functions, which uphold
/// the traits' contracts for any `BytePool` (an `unsafe trait` whose implementations come from
/// `__blockpool_byte_pool!`).
#[doc(hidden)]
#[macro_export]
macro_rules! __blockpool_allocators {
    ($pool:ty) => {
        $crate::__blockpool_allocator_api!($pool, $crate::__private::allocator_api2);
        $crate::__blockpool_allocator_api2_02!($pool);

        #[automatically_derived]
        // SAFETY: [B1-B5] every method forwards to the runtime function of the same contract (docs/safety.md, B1-B3).
        unsafe impl ::core::alloc::GlobalAlloc for $pool {
            #[inline]
            unsafe fn alloc(&self, layout: ::core::alloc::Layout) -> *mut ::core::primitive::u8 {
                $crate::__private::global_alloc::<Self>(layout)
            }

            #[inline]
            unsafe fn dealloc(
                &self,
                ptr: *mut ::core::primitive::u8,
                layout: ::core::alloc::Layout,
            ) {
                // SAFETY: [B1-B5] the caller upholds `GlobalAlloc::dealloc`'s contract, which is `global_dealloc`'s.
                unsafe { $crate::__private::global_dealloc::<Self>(ptr, layout) }
            }

            #[inline]
            unsafe fn realloc(
                &self,
                ptr: *mut ::core::primitive::u8,
                layout: ::core::alloc::Layout,
                new_size: ::core::primitive::usize,
            ) -> *mut ::core::primitive::u8 {
                // SAFETY: [B1-B5] the caller upholds `GlobalAlloc::realloc`'s contract, which is `global_realloc`'s.
                unsafe { $crate::__private::global_realloc::<Self>(ptr, layout, new_size) }
            }
        }
    };
}

/// `unsafe impl Allocator` of the allocator-api2 crate at `$api` (0.4 or 0.2: the trait and its contract are
/// the same) for byte pool `$pool`, forwarding to the runtime's functions.
#[doc(hidden)]
#[macro_export]
macro_rules! __blockpool_allocator_api {
    ($pool:ty, $($api:tt)+) => {
        #[automatically_derived]
        // SAFETY: [B1-B5] every method forwards to the runtime function of the same contract.
        unsafe impl $($api)+::alloc::Allocator for $pool {
            #[inline]
            fn allocate(
                &self,
                layout: ::core::alloc::Layout,
            ) -> ::core::result::Result<
                ::core::ptr::NonNull<[::core::primitive::u8]>,
                $($api)+::alloc::AllocError,
            > {
                $crate::__private::allocate::<Self>(layout).map_err(|_| $($api)+::alloc::AllocError)
            }

            #[inline]
            unsafe fn deallocate(
                &self,
                ptr: ::core::ptr::NonNull<::core::primitive::u8>,
                layout: ::core::alloc::Layout,
            ) {
                // SAFETY: [B1-B5] the caller upholds `Allocator::deallocate`'s contract, which is `deallocate`'s.
                unsafe { $crate::__private::deallocate::<Self>(ptr, layout) }
            }

            #[inline]
            unsafe fn grow(
                &self,
                ptr: ::core::ptr::NonNull<::core::primitive::u8>,
                old_layout: ::core::alloc::Layout,
                new_layout: ::core::alloc::Layout,
            ) -> ::core::result::Result<
                ::core::ptr::NonNull<[::core::primitive::u8]>,
                $($api)+::alloc::AllocError,
            > {
                // SAFETY: [B1-B5] the caller upholds `Allocator::grow`'s contract, which is `grow`'s.
                unsafe { $crate::__private::grow::<Self>(ptr, old_layout, new_layout, false) }
                    .map_err(|_| $($api)+::alloc::AllocError)
            }

            #[inline]
            unsafe fn grow_zeroed(
                &self,
                ptr: ::core::ptr::NonNull<::core::primitive::u8>,
                old_layout: ::core::alloc::Layout,
                new_layout: ::core::alloc::Layout,
            ) -> ::core::result::Result<
                ::core::ptr::NonNull<[::core::primitive::u8]>,
                $($api)+::alloc::AllocError,
            > {
                // SAFETY: [B1-B5] the caller upholds `Allocator::grow_zeroed`'s contract, which is `grow`'s.
                unsafe { $crate::__private::grow::<Self>(ptr, old_layout, new_layout, true) }
                    .map_err(|_| $($api)+::alloc::AllocError)
            }

            #[inline]
            unsafe fn shrink(
                &self,
                ptr: ::core::ptr::NonNull<::core::primitive::u8>,
                old_layout: ::core::alloc::Layout,
                new_layout: ::core::alloc::Layout,
            ) -> ::core::result::Result<
                ::core::ptr::NonNull<[::core::primitive::u8]>,
                $($api)+::alloc::AllocError,
            > {
                // SAFETY: [B1-B5] the caller upholds `Allocator::shrink`'s contract, which is `shrink`'s.
                unsafe { $crate::__private::shrink::<Self>(ptr, old_layout, new_layout) }
                    .map_err(|_| $($api)+::alloc::AllocError)
            }
        }
    };
}

/// allocator-api2 0.2's `unsafe impl Allocator` for byte pool `$pool`. Defined twice, under this crate's
/// `allocator-api2-02` feature and without it (then it expands to nothing): a `#[cfg]` written inside
/// `__blockpool_allocators!`'s expansion would test the features of the crate that declares the pool.
#[cfg(feature = "allocator-api2-02")]
#[doc(hidden)]
#[macro_export]
macro_rules! __blockpool_allocator_api2_02 {
    ($pool:ty) => {
        $crate::__blockpool_allocator_api!($pool, $crate::__private::allocator_api2_02);
    };
}

/// Without the `allocator-api2-02` feature: no 0.2 `Allocator` impl.
#[cfg(not(feature = "allocator-api2-02"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __blockpool_allocator_api2_02 {
    ($pool:ty) => {};
}

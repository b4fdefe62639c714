//! The code a `pools!` block generates: each entry's pool struct and pool, the memory map, and the budget
//! assertion.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::{
    align_marker, c_export, config, link_section, plain_name, pool, pool_struct, static_name,
    storage_type,
};
use crate::validate::block::{ArenaSpec, BlockSpec, BytesSpec, ChainSpec, EntryKind};
use crate::validate::{Count, PoolSpec};

/// Everything the block generates.
pub(crate) fn block(spec: &BlockSpec) -> TokenStream {
    let mut out = TokenStream::new();
    for entry in &spec.entries {
        let doc = match &entry.kind {
            EntryKind::Typed(_) => "A static pool of typed blocks, declared in `pools!`.",
            EntryKind::Bytes(_) => "A static byte pool with size classes, declared in `pools!`.",
            EntryKind::Arena(_) => "A static arena, declared in `pools!`.",
            EntryKind::Chain(_) => {
                "A fallback chain of pools, declared in `pools!`: an allocation takes a block from the \
                 first member that has one."
            }
        };
        out.extend(pool_struct(
            &entry.attrs,
            &entry.vis,
            entry.kind.name(),
            doc,
        ));
        let cfgs = &entry.cfgs;
        let generated = match &entry.kind {
            EntryKind::Typed(pool_spec) => pool(pool_spec),
            EntryKind::Bytes(bytes_spec) => {
                let generated = byte_pool(&spec.krate, bytes_spec);
                quote!(#(#cfgs)* #generated)
            }
            EntryKind::Arena(arena_spec) => {
                let generated = arena(&spec.krate, arena_spec);
                quote!(#(#cfgs)* #generated)
            }
            EntryKind::Chain(chain_spec) => {
                let generated = chain(&spec.krate, chain_spec);
                quote!(#(#cfgs)* #generated)
            }
        };
        out.extend(generated);
    }
    out.extend(memory_map(spec));
    out
}

fn byte_pool(krate: &syn::Path, spec: &BytesSpec) -> TokenStream {
    let private = quote!(#krate::__private);
    let name = &spec.name;
    let name_str = plain_name(name);
    let link_section = link_section(spec.link_section.as_ref());
    let c_export = c_export(name, krate, spec.c_name.as_ref(), quote!(bytes));
    let config = config(krate, spec.zeroize, spec.on_failure.as_ref()).with_trace(
        krate,
        spec.trace.as_ref(),
        name,
    );
    let class_statics: Vec<_> = spec
        .classes
        .iter()
        .map(|(size, _)| static_name(name, &format!("_{size}")))
        .collect();
    let class_types = spec
        .classes
        .iter()
        .map(|(size, count)| byte_class_type(krate, spec, *size, *count));
    let classes_static = static_name(name, "_CLASSES");
    let entry_static = static_name(name, "_ENTRY");
    let largest = spec
        .classes
        .iter()
        .map(|(size, _)| *size)
        .max()
        .unwrap_or(0);
    let blocks: usize = spec.classes.iter().map(|(_, count)| *count).sum();
    let waiters = spec.wait.map(|slots| {
        let slots = slots as usize;
        let waiters_static = static_name(name, "_WAITERS");
        quote!(, static #waiters_static: #private::WaitQueue<#slots, #private::Bytes>)
    });
    // `track_callers`: one site table per class, in the classes' order.
    let sites = spec.track_callers.then(|| {
        let statics = spec
            .classes
            .iter()
            .map(|(size, _)| static_name(name, &format!("_{size}_SITES")));
        let types = spec
            .classes
            .iter()
            .map(|(_, count)| quote!(#private::Sites<#count>));
        quote!(, sites: [#(static #statics: #types),*])
    });
    let wait_fns = match spec.wait {
        Some(_) => quote! {
            #[automatically_derived]
            impl #krate::WaitBytePool for #name {}

            #[allow(dead_code)]
            impl #name {
                /// A zero-filled buffer of `len` bytes, waiting for a block if every class that fits is full
                /// (a future; see `WaitBytePool::alloc_bytes_async`). Only for byte pools declared with `wait`.
                #[inline]
                pub fn alloc_bytes_async(
                    len: ::core::primitive::usize,
                ) -> #krate::AllocBytesAsync<Self> {
                    <Self as #krate::WaitBytePool>::alloc_bytes_async(len)
                }

                /// `alloc_bytes_async` with the buffer's start aligned to `align` (a power of two).
                #[inline]
                pub fn alloc_bytes_aligned_async(
                    len: ::core::primitive::usize,
                    align: ::core::primitive::usize,
                ) -> #krate::AllocBytesAsync<Self> {
                    <Self as #krate::WaitBytePool>::alloc_bytes_aligned_async(len, align)
                }

                /// The waiter queue's counts. Only for byte pools declared with `wait`.
                pub fn wait_stats() -> #krate::WaitStats {
                    <Self as #krate::WaitBytePool>::wait_stats()
                }
            }
        },
        None => quote! {
            #[allow(dead_code)]
            impl #name {
                /// Only for byte pools declared with `wait`: on this pool, a compile error that says so.
                #[inline]
                pub fn alloc_bytes_async<__BlockpoolWait>(
                    _len: ::core::primitive::usize,
                ) -> __BlockpoolWait
                where
                    for<'__blockpool> Self: #krate::WaitBytePool,
                {
                    ::core::unreachable!("a byte pool without `wait` is never a `WaitBytePool`")
                }
            }
        },
    };
    quote! {
        const _: () = {
            // The classes, their list and the `unsafe impl BytePool` come from the runtime's macro, so that
            // this crate needs no `unsafe` and the list can only name these classes.
            #private::byte_pool!(
                #name,
                static #classes_static = [
                    #([#[allow(non_upper_case_globals)] #link_section] static #class_statics: #class_types),*
                ],
                #name_str,
                #config
                #waiters
                #sites
            );

            #wait_fns

            // The pool's entry in `blockpool::registry()` (feature `registry`; nothing without it).
            #private::register!(
                #entry_static,
                #private::PoolEntry::bytes::<#name>(::core::module_path!(), #largest, #blocks)
            );

            #[automatically_derived]
            impl ::core::fmt::Debug for #name {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    #private::fmt_byte_pool::<Self>(f)
                }
            }

            #[allow(dead_code)]
            impl #name {
                /// The pool's name, as declared.
                pub const NAME: &'static ::core::primitive::str = #name_str;

                /// A zero-filled buffer of `len` bytes from the smallest class that fits and has a free block.
                #[inline]
                #[track_caller]
                pub fn alloc_bytes(
                    len: ::core::primitive::usize,
                ) -> ::core::result::Result<#krate::PoolBytes<Self>, #krate::PoolError> {
                    <Self as #krate::BytePool>::alloc_bytes(len)
                }

                /// Like `alloc_bytes`, with the buffer's start aligned to `align` (a power of two).
                #[inline]
                #[track_caller]
                pub fn alloc_bytes_aligned(
                    len: ::core::primitive::usize,
                    align: ::core::primitive::usize,
                ) -> ::core::result::Result<#krate::PoolBytes<Self>, #krate::PoolError> {
                    <Self as #krate::BytePool>::alloc_bytes_aligned(len, align)
                }

                /// The largest buffer the pool can hand out.
                pub fn max_len() -> ::core::primitive::usize {
                    <Self as #krate::BytePool>::max_len()
                }

                /// The counters of all classes added up.
                pub fn stats() -> #krate::PoolStats {
                    <Self as #krate::BytePool>::stats()
                }

                /// The block size and counters of one class (0 is the smallest).
                pub fn class_stats(
                    class: ::core::primitive::usize,
                ) -> ::core::option::Option<(::core::primitive::usize, #krate::PoolStats)> {
                    <Self as #krate::BytePool>::class_stats(class)
                }

                /// Checks every class's free list (O(total blocks); for tests).
                pub fn validate() -> ::core::result::Result<(), #krate::PoolError> {
                    <Self as #krate::BytePool>::validate()
                }

                /// The buffers in use, class by class, with their allocation sites (`track_callers`).
                pub fn holders() -> #krate::ByteHolders<Self> {
                    <Self as #krate::BytePool>::holders()
                }

                /// The buffers in use grouped by allocation site; `Display` gives a one-line summary.
                pub fn holder_sites() -> #krate::ByteHolderSites<Self> {
                    <Self as #krate::BytePool>::holder_sites()
                }

                /// Panics if a buffer is in use, saying who holds them. For the end of a test.
                #[track_caller]
                pub fn assert_empty() {
                    <Self as #krate::BytePool>::assert_empty()
                }
            }

            // The allocator traits' `unsafe impl`s come from the runtime, so that this crate needs no `unsafe`.
            #private::allocators!(#name);

            #c_export
        };
    }
}

/// The largest alignment a byte class gets from its block size alone (documented on `BytePool`).
const NATURAL_ALIGN_MAX: u64 = 4096;

/// The alignment of a byte class's blocks: the largest power of two that divides the block size, up to
/// [`NATURAL_ALIGN_MAX`], and at least the pool's `align`. Every block then starts at a multiple of it (the
/// blocks are `size` bytes apart from an aligned start), at the cost of padding the class's storage by less
/// than that alignment, which the memory map counts.
fn byte_class_align(pool_align: u64, size: usize) -> u64 {
    let natural = u64::try_from(size)
        .ok()
        .filter(|size| *size != 0)
        .map_or(1, |size| 1 << size.trailing_zeros());
    pool_align.max(natural.min(NATURAL_ALIGN_MAX))
}

fn byte_class_type(krate: &syn::Path, spec: &BytesSpec, size: usize, count: usize) -> TokenStream {
    let align = align_marker(krate, byte_class_align(spec.align, size), spec.name.span());
    if spec.wait.is_some() {
        // Its free list's head keeps room for the mark of waiting tasks (Q5 in docs/safety.md).
        quote!(#krate::__private::PoolStorage<[::core::primitive::u8; #size], #align, #krate::__private::NoRefs, #count, true, #krate::__private::MarkedClass>)
    } else {
        quote!(#krate::__private::PoolStorage<[::core::primitive::u8; #size], #align, #krate::__private::NoRefs, #count>)
    }
}

fn arena_type(krate: &syn::Path, spec: &ArenaSpec) -> TokenStream {
    let align = align_marker(krate, spec.align, spec.name.span());
    let size = spec.size;
    quote!(#krate::__private::ArenaStorage<#align, #size>)
}

fn arena(krate: &syn::Path, spec: &ArenaSpec) -> TokenStream {
    let private = quote!(#krate::__private);
    let name = &spec.name;
    let name_str = plain_name(name);
    let storage = static_name(name, "");
    let entry_static = static_name(name, "_ENTRY");
    let size = spec.size;
    let storage_ty = arena_type(krate, spec);
    let link_section = link_section(spec.link_section.as_ref());
    let config = config(krate, spec.zeroize, spec.on_failure.as_ref());
    let fallback = spec.fallback.as_ref().map(|fallback| {
        quote_spanned! {fallback.span()=>
            const __FALLBACK: ::core::option::Option<#private::ArenaFallback> =
                ::core::option::Option::Some(#private::ArenaFallback::of::<#fallback>());
        }
    });
    quote! {
        const _: () = {
            #[allow(non_upper_case_globals)]
            #link_section
            static #storage: #storage_ty = #private::ArenaStorage::new();

            #[automatically_derived]
            impl #krate::ArenaPool for #name {
                const NAME: &'static ::core::primitive::str = #name_str;
                const __CONFIG: #private::PoolConfig = #config;
                #fallback
                #[inline(always)]
                fn __storage() -> &'static dyn #private::ArenaCore {
                    &#storage
                }
            }

            #[automatically_derived]
            impl ::core::fmt::Debug for #name {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    #private::fmt_arena::<Self>(f)
                }
            }

            #[allow(dead_code)]
            impl #name {
                /// The arena's name, as declared.
                pub const NAME: &'static ::core::primitive::str = #name_str;

                /// Runs `body` with the arena; everything allocated inside is dropped and reclaimed when it
                /// returns. Fails with `PoolError::Busy` if the arena is already in a scope.
                #[inline]
                pub fn scope<__BlockpoolR>(
                    body: impl for<'a> ::core::ops::FnOnce(
                        &'a #krate::Arena<'a>,
                    ) -> ::core::result::Result<__BlockpoolR, #krate::PoolError>,
                ) -> ::core::result::Result<__BlockpoolR, #krate::PoolError> {
                    <Self as #krate::ArenaPool>::scope(body)
                }

                /// Capacity, bytes in use, high-water mark, scopes run and failures.
                pub fn stats() -> #krate::ArenaStats {
                    <Self as #krate::ArenaPool>::stats()
                }
            }

            // The arena's entry in `blockpool::registry()` (feature `registry`; nothing without it).
            #private::register!(
                #entry_static,
                #private::PoolEntry::arena::<#name>(::core::module_path!(), #size)
            );
        };
    }
}

/// The `const` memory map of the block and, with `budget`, the assertion that it fits.
fn memory_map(spec: &BlockSpec) -> TokenStream {
    let krate = &spec.krate;
    let private = quote!(#krate::__private);
    let map = &spec.map;
    let mut row_consts = Vec::new();
    let mut parts = Vec::new();
    for (index, entry) in spec.entries.iter().enumerate() {
        let mut rows = Vec::new();
        match &entry.kind {
            EntryKind::Typed(pool_spec) => rows.push(typed_row(pool_spec)),
            EntryKind::Bytes(bytes_spec) => {
                let name = plain_name(&bytes_spec.name);
                // The waiter queue of `wait = W`, a static of its own, counts in the first class's row
                // (review round 10: the map and the budget left it out).
                let mut queue = bytes_spec.wait.map(|slots| {
                    let slots = slots as usize;
                    quote!(+ ::core::mem::size_of::<#private::WaitQueue<#slots, #private::Bytes>>())
                });
                for (size, count) in &bytes_spec.classes {
                    let ty = byte_class_type(krate, bytes_spec, *size, *count);
                    let queue = queue.take();
                    // The class's sites of `track_callers`, a static of their own, count in its row.
                    let sites = bytes_spec
                        .track_callers
                        .then(|| quote!(+ ::core::mem::size_of::<#private::Sites<#count>>()));
                    rows.push(quote! {
                        #krate::PoolInfo {
                            name: #name,
                            kind: #krate::PoolKind::Bytes,
                            block_size: <#ty>::BLOCK_SIZE,
                            count: #count,
                            bytes: ::core::mem::size_of::<#ty>() #queue #sites,
                        }
                    });
                }
            }
            EntryKind::Arena(arena_spec) => {
                let ty = arena_type(krate, arena_spec);
                let name = plain_name(&arena_spec.name);
                let size = arena_spec.size;
                rows.push(quote! {
                    #krate::PoolInfo {
                        name: #name,
                        kind: #krate::PoolKind::Arena,
                        block_size: #size,
                        count: 1,
                        bytes: ::core::mem::size_of::<#ty>(),
                    }
                });
            }
            EntryKind::Chain(chain_spec) => {
                let ty = chain_type(krate, chain_spec);
                let pool = &chain_spec.name;
                let name = plain_name(&chain_spec.name);
                rows.push(quote! {
                    #krate::PoolInfo {
                        name: #name,
                        kind: #krate::PoolKind::Chain,
                        block_size: <<#pool as #krate::StaticPool>::__Storage as #private::Storage>::BLOCK_SIZE,
                        count: <#pool as #krate::StaticPool>::CAPACITY,
                        bytes: ::core::mem::size_of::<#ty>(),
                    }
                });
            }
        }
        // One const per entry, empty when the entry's `#[cfg]` is off, so that the map and the budget
        // count exactly the pools that exist. The consts live inside the map's own initialiser block, so
        // their names are private to it: two `pools!` blocks in one module cannot collide, whatever
        // their map and entry names.
        let rows_const = format_ident!("__BLOCKPOOL_ROWS_{}", index);
        let cfgs = &entry.cfgs;
        let predicates = entry.cfgs.iter().map(|attr| match &attr.meta {
            syn::Meta::List(list) => list.tokens.clone(),
            other => quote!(#other),
        });
        row_consts.push(quote! {
            #(#cfgs)*
            const #rows_const: &[#krate::PoolInfo] = &[#(#rows),*];
        });
        if !entry.cfgs.is_empty() {
            row_consts.push(quote! {
                #[cfg(not(all(#(#predicates),*)))]
                const #rows_const: &[#krate::PoolInfo] = &[];
            });
        }
        parts.push(rows_const);
    }
    let budget = spec.budget.as_ref().map(|budget| {
        let bytes = budget.bytes;
        let written = &budget.text;
        // In `u64` on every target: a budget or a total above `usize::MAX` of a 32-bit target is still
        // compared and reported exactly.
        quote_spanned! {budget.tokens.span()=>
            const _: () = if #private::total_bytes_u64(#map.pools) > #bytes {
                ::core::panic!("{}", #private::budget_report(#map.pools, #bytes, #written).as_str())
            };
        }
    });
    quote! {
        /// The static memory of every pool of this `pools!` block, for printing at boot.
        #[allow(dead_code)]
        pub const #map: #krate::MemoryMap = {
            #(#row_consts)*
            const __BLOCKPOOL_ALL_ROWS: [#krate::PoolInfo; #private::rows_len(&[#(#parts),*])] =
                #private::concat_rows(&[#(#parts),*]);
            #krate::MemoryMap::new(&__BLOCKPOOL_ALL_ROWS)
        };
        #budget
    }
}

fn typed_row(spec: &PoolSpec) -> TokenStream {
    let krate = &spec.krate;
    let count = match &spec.count {
        Count::Literal(n) => quote!(#n),
        // Braced: a const expression in a generic argument (`PoolStorage<.., { DEPTH * 2 }>`) needs them.
        Count::Expr(expr) => quote!({ #expr }),
    };
    let ty = storage_type(spec, &count);
    let name = plain_name(&spec.name);
    let kind = if spec.refcount.is_some() {
        quote!(Shared)
    } else {
        quote!(Typed)
    };
    // The sites of `track_callers`, a static of their own, count in the pool's row.
    let sites = spec
        .track_callers
        .then(|| quote!(+ ::core::mem::size_of::<#krate::__private::Sites<#count>>()));
    quote! {
        #krate::PoolInfo {
            name: #name,
            kind: #krate::PoolKind::#kind,
            block_size: <#ty>::BLOCK_SIZE,
            count: #count,
            bytes: ::core::mem::size_of::<#ty>() #sites,
        }
    }
}

/// The storage type of a chain: `ChainStorage<Link<First, Link<.., Last<Final>>>>`.
fn chain_type(krate: &syn::Path, spec: &ChainSpec) -> TokenStream {
    let list = chain_members(krate, spec);
    quote!(#krate::__private::ChainStorage<#list>)
}

/// The member list of a chain: `Link<First, Link<.., Last<Final>>>`.
fn chain_members(krate: &syn::Path, spec: &ChainSpec) -> TokenStream {
    let private = quote!(#krate::__private);
    let mut members = spec.members.iter().rev();
    let last = members.next();
    let mut list = quote!(#private::Last<#last>);
    for member in members {
        list = quote!(#private::Link<#member, #list>);
    }
    list
}

/// A chain: its storage (the chain's failure counter) through the runtime's `static_pool!`, the checks that
/// name a member (its item type, its alignment), `Debug`, and the inherent functions of a typed pool.
fn chain(krate: &syn::Path, spec: &ChainSpec) -> TokenStream {
    let private = quote!(#krate::__private);
    let name = &spec.name;
    let name_str = plain_name(name);
    let storage = static_name(name, "");
    let storage_ty = chain_type(krate, spec);
    let members_ty = chain_members(krate, spec);
    let entry_static = static_name(name, "_ENTRY");
    let config = config(krate, false, spec.on_failure.as_ref());
    let first = &spec.members[0];
    // Each member's item type against the first member's, at the member (the runtime trait's message).
    let item_checks = spec.members.iter().skip(1).map(|member| {
        quote_spanned! {member.span()=>
            const _: () = #private::chain_member::<#first, #member>();
        }
    });
    let mut align_checks = Vec::new();
    if let Some(bytes) = spec.align {
        for member in &spec.members {
            let member_str = member
                .segments
                .last()
                .map(|segment| plain_name(&segment.ident))
                .unwrap_or_default();
            let message = format!(
                "chain `{name_str}`: the blocks of member `{member_str}` are aligned to fewer than the \
                 `align = {bytes}` bytes the chain promises; give `{member_str}` `align = {bytes}` or \
                 lower the chain's `align`"
            );
            let bytes = bytes as usize;
            let assert = super::assert_at(
                member,
                |span| quote_spanned!(span=> <<#member as #krate::StaticPool>::__Storage as #private::Storage>::BLOCK_ALIGN >= #bytes),
                &message,
            );
            align_checks.push(quote!(const _: () = #assert;));
        }
    }
    let item_ty = quote!(<#first as #krate::StaticPool>::Item);
    let len = spec.members.len();
    let member_arms = spec.members.iter().enumerate().map(|(index, member)| {
        quote! {
            #index => ::core::option::Option::Some((
                <#member as #krate::StaticPool>::NAME,
                <#member as #krate::StaticPool>::stats(),
            )),
        }
    });
    quote! {
        const _: () = {
            #(#item_checks)*
            #(#align_checks)*

            #private::static_pool!(
                #name,
                [#[allow(non_upper_case_globals)]]
                static #storage: #storage_ty = <#storage_ty>::new(),
                #name_str,
                #config,
            );

            // Shared handles when every member counts references with the same width (L4); the
            // higher-ranked bound keeps a chain of other members from being a compile error here.
            #[automatically_derived]
            impl #krate::SharedPool for #name
            where
                for<'__blockpool> #members_ty: #private::Members<Refs: #private::Counter>,
            {
            }

            // The chain's entry in `blockpool::registry()` (feature `registry`; nothing without it).
            #private::register!(
                #entry_static,
                #private::PoolEntry::chain::<#name>(&#name, ::core::module_path!())
            );

            #[automatically_derived]
            impl ::core::fmt::Debug for #name {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    #private::fmt_pool::<Self>(f)
                }
            }

            #[allow(dead_code)]
            impl #name {
                /// How many blocks the chain's members have together.
                pub const CAPACITY: ::core::primitive::usize = <Self as #krate::StaticPool>::CAPACITY;
                /// The chain's name, as declared.
                pub const NAME: &'static ::core::primitive::str = #name_str;
                /// How many pools the chain has.
                pub const MEMBERS: ::core::primitive::usize = #len;

                /// Moves the item into a free block of the first member that has one. Fails with
                /// `PoolError::Exhausted` when every member is full; the error gives the value back.
                #[inline]
                pub fn alloc(
                    value: #item_ty,
                ) -> ::core::result::Result<#krate::PoolBox<Self>, #krate::AllocError<#item_ty>> {
                    <Self as #krate::StaticPool>::alloc(value)
                }

                /// Takes a free block of the first member that has one, then builds the item with `make`.
                #[inline]
                pub fn alloc_with<__BlockpoolF: ::core::ops::FnOnce() -> #item_ty>(
                    make: __BlockpoolF,
                ) -> ::core::result::Result<#krate::PoolBox<Self>, #krate::PoolError> {
                    <Self as #krate::StaticPool>::alloc_with(make)
                }

                /// Takes a free block without initialising it, to build a large item in place.
                #[inline]
                pub fn alloc_uninit() -> ::core::result::Result<#krate::PoolBoxUninit<Self>, #krate::PoolError> {
                    <Self as #krate::StaticPool>::alloc_uninit()
                }

                /// Takes a free block and zero-fills the item in place (for items that are `blockpool::Zeroable`).
                #[inline]
                pub fn alloc_zeroed() -> ::core::result::Result<#krate::PoolBox<Self>, #krate::PoolError>
                where
                    for<'__blockpool> #item_ty: #private::ZeroableItem,
                {
                    <Self as #krate::StaticPool>::alloc_zeroed()
                }

                /// The first shared handle to the item, in the first member that has a free block. Only for
                /// chains whose members all have `refcount` of the same width.
                #[inline]
                pub fn alloc_shared(
                    value: #item_ty,
                ) -> ::core::result::Result<#krate::PoolRc<Self>, #krate::AllocError<#item_ty>>
                where
                    for<'__blockpool> Self: #krate::SharedPool,
                {
                    <Self as #krate::SharedPool>::alloc_shared(value)
                }

                /// Counters of all members added up (`high_water`: the sum of the members' own, an upper
                /// bound), with the chain's own `failures` (allocations that every member refused).
                pub fn stats() -> #krate::PoolStats {
                    <Self as #krate::StaticPool>::stats()
                }

                /// Member `member`'s name and counters, in chain order; `None` past the last one.
                pub fn member_stats(
                    member: ::core::primitive::usize,
                ) -> ::core::option::Option<(&'static ::core::primitive::str, #krate::PoolStats)> {
                    match member {
                        #(#member_arms)*
                        _ => ::core::option::Option::None,
                    }
                }

                /// Checks every member's free list and metadata (O(capacity); for tests).
                pub fn validate() -> ::core::result::Result<(), #krate::PoolError> {
                    <Self as #krate::StaticPool>::validate()
                }
            }
        };
    }
}

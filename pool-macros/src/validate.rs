//! What the options mean: every check that needs no type information, with an error on the offending
//! tokens for each problem. Checks that need types (sizes, alignments, const expressions) are emitted as
//! const assertions by `expand`.

pub(crate) mod block;

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::{Attribute, Expr, ExprLit, Ident, Item, ItemStruct, Lit, LitStr, Path, Type, Visibility};

use crate::diagnostics::Errors;
use crate::options::{Opt, RawOptions};
use crate::parse::Target;

/// The largest block count: block indices are 16-bit.
pub(crate) const MAX_COUNT: u64 = 65535;
/// The largest block alignment the runtime has a marker type for.
pub(crate) const MAX_ALIGN: u64 = 65536;

/// How many blocks: a literal already checked, or a const expression checked by a const assertion.
pub(crate) enum Count {
    Literal(usize),
    Expr(Expr),
}

/// The width of a shared pool's reference counters.
#[derive(Clone, Copy)]
pub(crate) enum RefWidth {
    U8,
    U16,
    U32,
}

/// A size limit: a literal, or a const expression.
pub(crate) struct MaxSize {
    pub(crate) key: Ident,
    pub(crate) value: Expr,
}

/// Everything the generated pool needs, checked.
pub(crate) struct PoolSpec {
    pub(crate) name: Ident,
    pub(crate) item_ty: Type,
    pub(crate) count: Count,
    pub(crate) count_tokens: TokenStream,
    pub(crate) align: Option<(u64, Ident)>,
    pub(crate) max_size: Option<MaxSize>,
    pub(crate) on_failure: Option<Path>,
    pub(crate) zeroize: bool,
    /// `track_callers`: every block in use remembers where it was allocated.
    pub(crate) track_callers: bool,
    /// `trace = path`: called on every allocation, free and failure.
    pub(crate) trace: Option<Path>,
    pub(crate) refcount: Option<RefWidth>,
    /// The `stats` option: false when the pool keeps no counts and no block states.
    pub(crate) stats: bool,
    /// `wait = W`: how many tasks may wait for a block at once.
    pub(crate) wait: Option<u64>,
    pub(crate) link_section: Option<LinkSection>,
    /// `c_name = unsafe("name")`: exported to C under that symbol.
    pub(crate) c_name: Option<LinkSection>,
    pub(crate) krate: Path,
    /// `#[cfg]` attributes of the declaration, repeated on every generated item.
    pub(crate) cfgs: Vec<Attribute>,
}

/// How the pool type comes to exist.
pub(crate) enum Declaration {
    /// Form 1: the user's item is emitted unchanged and the pool struct is generated beside it.
    Beside { item: Item, vis: Visibility },
    /// Form 2: the user's unit struct is the pool.
    Is(ItemStruct),
}

/// The checked attribute: how to declare the pool, and (when every check passed) what to generate.
pub(crate) struct Checked {
    pub(crate) declaration: Option<(Declaration, Ident)>,
    pub(crate) spec: Option<PoolSpec>,
}

/// Checks `#[memory_pool(...)]` on `target`.
pub(crate) fn attribute(options: RawOptions, target: Target, errors: &mut Errors) -> Checked {
    let (declaration, item_ty, cfgs) = match target {
        Target::Unsupported { kind, anchor, .. } => {
            errors.at(
                anchor,
                format_args!(
                    "#[memory_pool] cannot be placed on {kind}: put it on the struct, enum or union the pool \
                     holds, or on a unit struct with `type = ItemType` to make that struct the pool"
                ),
            );
            return Checked {
                declaration: None,
                spec: None,
            };
        }
        Target::ItemType(item) => {
            let (ident, vis, generics, attrs) = match &item {
                Item::Struct(s) => (&s.ident, &s.vis, &s.generics, &s.attrs),
                Item::Enum(e) => (&e.ident, &e.vis, &e.generics, &e.attrs),
                Item::Union(u) => (&u.ident, &u.vis, &u.generics, &u.attrs),
                _ => {
                    unreachable!("parse::target sorts only structs, enums and unions into ItemType")
                }
            };
            if !generics.params.is_empty() || generics.where_clause.is_some() {
                errors.at(
                    generics,
                    format_args!(
                        "a pool cannot hold a generic type: its storage is one static sized for one concrete \
                         type; pool a concrete instance instead, e.g. `#[memory_pool(type = {ident}<u32>, \
                         count = N)]` on a unit struct"
                    ),
                );
            }
            if let Some(ty) = &options.ty {
                errors.at(
                    &ty.key,
                    format_args!(
                        "`type` is only for a unit struct that becomes the pool; here the pool holds `{ident}` \
                         itself: remove `type`"
                    ),
                );
            }
            let name = match &options.name {
                Some(name) => pool_name(name, errors),
                None => Some(Ident::new(
                    &format!("{}Pool", syn::ext::IdentExt::unraw(ident)),
                    ident.span(),
                )),
            };
            let item_ty: Type = syn::parse_quote!(#ident);
            let cfgs = cfg_attrs(attrs);
            let vis = vis.clone();
            (
                name.map(|name| (Declaration::Beside { item, vis }, name)),
                Some(item_ty),
                cfgs,
            )
        }
        Target::PoolStruct(strukt) => {
            if !strukt.generics.params.is_empty() || strukt.generics.where_clause.is_some() {
                errors.at(
                    &strukt.generics,
                    "a pool type cannot be generic: each pool is one static; declare one pool per item type",
                );
            }
            if let Some(name) = &options.name {
                errors.at(
                    &name.key,
                    format_args!(
                        "`name` is only for a pool generated beside its item type; this unit struct is the pool \
                         `{}` itself: remove `name`",
                        strukt.ident
                    ),
                );
            }
            reject_derived_pool_traits(&strukt.attrs, errors);
            let item_ty = match &options.ty {
                Some(ty) => Some(ty.value.clone()),
                None if options.incomplete => None,
                None => {
                    errors.at(
                        &strukt.ident,
                        format_args!(
                            "missing `type`: #[memory_pool] on a unit struct makes `{}` the pool and needs the \
                             type of its items, as in `#[memory_pool(type = Message, count = 8)]`",
                            strukt.ident
                        ),
                    );
                    None
                }
            };
            let cfgs = cfg_attrs(&strukt.attrs);
            let name = strukt.ident.clone();
            (Some((Declaration::Is(strukt), name)), item_ty, cfgs)
        }
    };

    let settings = declaration
        .as_ref()
        .and_then(|(_, name)| settings(&options, name, Span::call_site(), errors));
    let no_fallback = match &declaration {
        Some((Declaration::Beside { item, .. }, _)) => match item {
            Item::Struct(s) => is_generic(&s.generics),
            Item::Enum(e) => is_generic(&e.generics),
            Item::Union(u) => is_generic(&u.generics),
            _ => true,
        },
        // A derived `Debug` would conflict with the generated one.
        Some((Declaration::Is(strukt), _)) => {
            is_generic(&strukt.generics) || derives_debug(&strukt.attrs)
        }
        None => true,
    };
    let spec = match (&declaration, item_ty, settings) {
        (Some((_, name)), Some(item_ty), Some(settings)) if errors.is_empty() => {
            Some(settings.into_spec(name.clone(), item_ty, cfgs))
        }
        // The errors are reported; a plain pool of one block still gets generated, so that code using the
        // pool reports nothing but the real mistakes (rather than "no function `alloc`" at every call).
        (Some((_, name)), Some(item_ty), _)
            if !no_fallback && !item_ty.to_token_stream().is_empty() =>
        {
            Some(fallback_spec(&options, name.clone(), item_ty, cfgs))
        }
        _ => None,
    };
    Checked { declaration, spec }
}

/// Where blockpool is: the `crate = ..` option, or `::blockpool`.
fn crate_path(options: &RawOptions) -> Path {
    options
        .krate
        .as_ref()
        .map_or_else(|| syn::parse_quote!(::blockpool), |k| k.value.clone())
}

fn is_generic(generics: &syn::Generics) -> bool {
    !generics.params.is_empty() || generics.where_clause.is_some()
}

/// The pool generated next to errors: one block, no options but a `refcount` (so that shared-handle code
/// still resolves) and the `crate` path.
fn fallback_spec(
    options: &RawOptions,
    name: Ident,
    item_ty: Type,
    cfgs: Vec<Attribute>,
) -> PoolSpec {
    PoolSpec {
        name,
        item_ty,
        count: Count::Literal(1),
        count_tokens: quote::quote!(1),
        align: None,
        max_size: None,
        on_failure: None,
        zeroize: false,
        track_callers: false,
        trace: None,
        refcount: options.refcount.as_ref().map(|_| RefWidth::U16),
        stats: true,
        wait: None,
        link_section: None,
        c_name: None,
        krate: crate_path(options),
        cfgs,
    }
}

/// The options every pool has, checked.
pub(crate) struct Settings {
    count: Count,
    count_tokens: TokenStream,
    align: Option<(u64, Ident)>,
    max_size: Option<MaxSize>,
    on_failure: Option<Path>,
    zeroize: bool,
    track_callers: bool,
    trace: Option<Path>,
    refcount: Option<RefWidth>,
    stats: bool,
    wait: Option<u64>,
    link_section: Option<LinkSection>,
    c_name: Option<LinkSection>,
    krate: Path,
}

impl Settings {
    pub(crate) fn into_spec(self, name: Ident, item_ty: Type, cfgs: Vec<Attribute>) -> PoolSpec {
        PoolSpec {
            name,
            item_ty,
            count: self.count,
            count_tokens: self.count_tokens,
            align: self.align,
            max_size: self.max_size,
            on_failure: self.on_failure,
            zeroize: self.zeroize,
            track_callers: self.track_callers,
            trace: self.trace,
            refcount: self.refcount,
            stats: self.stats,
            wait: self.wait,
            link_section: self.link_section,
            c_name: self.c_name,
            krate: self.krate,
            cfgs,
        }
    }
}

/// Checks the options shared by every kind of pool; `None` if any is wrong (each problem is in `errors`).
pub(crate) fn settings(
    options: &RawOptions,
    pool: &Ident,
    anchor: Span,
    errors: &mut Errors,
) -> Option<Settings> {
    let before = errors.len();
    let count = match &options.count {
        Some(count) => check_count(count, errors),
        None if options.incomplete => None,
        None => {
            errors.push(syn::Error::new(
                anchor,
                format_args!(
                    "missing `count`: how many blocks pool `{pool}` has (1 to {MAX_COUNT}), as in `count = 16`"
                ),
            ));
            None
        }
    };
    let align = options
        .align
        .as_ref()
        .and_then(|align| check_align(align, errors));
    let max_size = options
        .max_size
        .as_ref()
        .and_then(|max| check_max_size(max, errors));
    let on_failure = check_on_failure(options, errors);
    let trace = check_trace(options, errors);
    let link_section = check_link_section(options, errors);
    let c_name = check_c_name(options, errors);
    let refcount = options
        .refcount
        .as_ref()
        .and_then(|refcount| check_refcount(refcount, errors));
    let stats = check_stats(options, errors);
    let wait = options
        .wait
        .as_ref()
        .and_then(|wait| check_wait(wait, errors));
    // A pool with waiters marks its free list's head with the top index `count + 1` (Q1 in
    // docs/safety.md), which must fit the 16-bit index.
    if let (Some(Count::Literal(n)), Some(_), Some(opt)) = (&count, wait, &options.count) {
        if *n as u64 == MAX_COUNT {
            errors.at(
                &opt.value,
                format_args!(
                    "a pool with `wait` holds 1 to {} blocks (its free list marks waiting tasks with the index \
                     `count + 1`, and block indices are 16-bit); found {n}",
                    MAX_COUNT - 1
                ),
            );
        }
    }
    let krate = crate_path(options);
    if errors.len() > before {
        return None;
    }
    let count_tokens = options
        .count
        .as_ref()
        .map(|c| c.value.to_token_stream())
        .unwrap_or_default();
    Some(Settings {
        count: count?,
        count_tokens,
        align,
        max_size,
        on_failure,
        zeroize: options.zeroize.is_some(),
        track_callers: options.track_callers.is_some(),
        trace,
        refcount,
        stats: stats.unwrap_or(true),
        wait,
        link_section,
        c_name,
        krate,
    })
}

/// `wait = W`: an integer literal, 1 to 255.
pub(crate) fn check_wait(wait: &Opt<Expr>, errors: &mut Errors) -> Option<u64> {
    let parsed = match &wait.value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => int.base10_parse::<u64>().ok(),
        _ => None,
    };
    match parsed {
        Some(slots @ 1..=255) => Some(slots),
        _ => {
            errors.at(
                &wait.value,
                "`wait` takes how many tasks may wait for a block at once: an integer literal from 1 to 255, \
                 as in `wait = 4`",
            );
            None
        }
    }
}

/// `stats = true | false`; `false` cannot go with `refcount`, whose weak handles need the block states.
fn check_stats(options: &RawOptions, errors: &mut Errors) -> Option<bool> {
    let stats = options.stats.as_ref()?;
    let value = match &stats.value {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(flag),
            ..
        }) => flag.value,
        other => {
            errors.at(
                other,
                "`stats` takes `true` (the default: counts, high-water mark, block states) or `false` \
                 (none of them: the fastest alloc and free), as in `stats = false`",
            );
            return None;
        }
    };
    if !value {
        if let Some(track) = &options.track_callers {
            errors.at(
                &stats.value,
                format_args!(
                    "`stats = false` cannot go with `{}`: the blocks in use are found by their states, \
                     which `stats = false` drops; remove one of them",
                    track.key
                ),
            );
            return None;
        }
        if let Some(refcount) = &options.refcount {
            errors.at(
                &stats.value,
                format_args!(
                    "`stats = false` cannot go with `{}`: shared pools keep block states for their weak \
                     handles; remove one of them",
                    refcount.key
                ),
            );
            return None;
        }
    }
    Some(value)
}

/// `on_failure = path`: the path, or an error if it is not one.
/// `trace = path`: the path, or an error if it is not one.
pub(super) fn check_trace(options: &RawOptions, errors: &mut Errors) -> Option<Path> {
    options.trace.as_ref().and_then(|hook| match &hook.value {
        Expr::Path(path) if path.qself.is_none() => Some(path.path.clone()),
        other => {
            errors.at(
                other,
                "`trace` takes the path of a function `fn(&blockpool::TraceEvent)`",
            );
            None
        }
    })
}

fn check_on_failure(options: &RawOptions, errors: &mut Errors) -> Option<Path> {
    options
        .on_failure
        .as_ref()
        .and_then(|hook| match &hook.value {
            Expr::Path(path) if path.qself.is_none() => Some(path.path.clone()),
            other => {
                errors.at(
                    other,
                    "`on_failure` takes the path of a function `fn(&blockpool::FailureEvent)`",
                );
                None
            }
        })
}

/// A checked `link_section = unsafe("name")`: the user's `unsafe` keyword and the section name.
pub(crate) struct LinkSection {
    pub(crate) unsafe_token: Ident,
    pub(crate) name: LitStr,
}

/// `link_section = unsafe("name")`: the name, or an error if the `unsafe` is missing or the name is not a
/// non-empty string literal.
pub(crate) fn check_link_section(options: &RawOptions, errors: &mut Errors) -> Option<LinkSection> {
    let section = options.link_section.as_ref()?;
    let name = match &section.value.name {
        Expr::Lit(ExprLit {
            lit: Lit::Str(name),
            ..
        }) if !name.value().is_empty() => Some(name.clone()),
        other => {
            errors.at(other, "`link_section` takes a non-empty string literal inside `unsafe(..)`, such as `link_section = unsafe(\".dma_ram\")`");
            None
        }
    };
    let Some(unsafe_token) = section.value.unsafe_token.clone() else {
        let written = section.value.name.to_token_stream().to_string();
        errors.at(
            &section.value.name,
            format_args!(
                "`link_section` must be written `link_section = unsafe({written})`: placing a static in a \
                 linker section is unsafe (a section such as `.init_array` runs its bytes as code, another may \
                 overlap other data), so the `unsafe` says that you checked the section"
            ),
        );
        return None;
    };
    Some(LinkSection {
        unsafe_token,
        name: name?,
    })
}

/// `c_name = unsafe("name")`: the symbol, or an error if the `unsafe` is missing or the name is not a C
/// identifier. Names starting with `bp_` are the C API's own.
pub(crate) fn check_c_name(options: &RawOptions, errors: &mut Errors) -> Option<LinkSection> {
    let c_name = options.c_name.as_ref()?;
    let name = match &c_name.value.name {
        Expr::Lit(ExprLit {
            lit: Lit::Str(name),
            ..
        }) if is_c_identifier(&name.value()) && !name.value().starts_with("bp_") => {
            Some(name.clone())
        }
        Expr::Lit(ExprLit {
            lit: Lit::Str(name),
            ..
        }) if name.value().starts_with("bp_") => {
            errors.at(
                name,
                "`c_name` names starting with `bp_` are reserved for the C API's functions (`bp_alloc`, ..): \
                 choose another name, such as `c_name = unsafe(\"msg_pool\")`",
            );
            None
        }
        other => {
            errors.at(
                other,
                "`c_name` takes a C identifier (a letter or `_`, then letters, digits and `_`) as a string \
                 literal inside `unsafe(..)`, such as `c_name = unsafe(\"msg_pool\")`",
            );
            None
        }
    };
    let Some(unsafe_token) = c_name.value.unsafe_token.clone() else {
        let written = c_name.value.name.to_token_stream().to_string();
        errors.at(
            &c_name.value.name,
            format_args!(
                "`c_name` must be written `c_name = unsafe({written})`: exporting a symbol is unsafe (two \
                 symbols of one name in a program are undefined behaviour), so the `unsafe` says that you \
                 checked that no other symbol has this name"
            ),
        );
        return None;
    };
    Some(LinkSection {
        unsafe_token,
        name: name?,
    })
}

/// A C identifier: a letter or `_`, then letters, digits or `_` (ASCII).
fn is_c_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn check_count(count: &Opt<Expr>, errors: &mut Errors) -> Option<Count> {
    let range = format!("`count` must be between 1 and {MAX_COUNT} (block indices are 16-bit)");
    match &count.value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => {
            if !matches!(int.suffix(), "" | "usize") {
                errors.at(
                    int,
                    "`count` is a `usize`: write the number without a type suffix",
                );
                return None;
            }
            match int.base10_parse::<u64>() {
                Ok(n) if (1..=MAX_COUNT).contains(&n) => Some(Count::Literal(n as usize)),
                Ok(n) => {
                    errors.at(int, format_args!("{range}; found {n}"));
                    None
                }
                Err(_) => {
                    errors.at(
                        int,
                        format_args!("{range}; found a number too large to represent"),
                    );
                    None
                }
            }
        }
        Expr::Lit(other) => {
            errors.at(other, "`count` takes an integer or a const expression of type `usize`, such as `count = 16`");
            None
        }
        Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            ..
        }) => {
            errors.at(
                &count.value,
                format_args!("{range}; found a negative number"),
            );
            None
        }
        expr => Some(Count::Expr(expr.clone())),
    }
}

fn check_refcount(refcount: &Opt<Option<Expr>>, errors: &mut Errors) -> Option<RefWidth> {
    let Some(width) = &refcount.value else {
        return Some(RefWidth::U16);
    };
    let written = width.to_token_stream().to_string().replace(' ', "");
    match written.as_str() {
        "u8" => Some(RefWidth::U8),
        "u16" => Some(RefWidth::U16),
        "u32" => Some(RefWidth::U32),
        _ => {
            errors.at(
                width,
                format_args!(
                    "`refcount` counts with `u8`, `u16` or `u32` (write `refcount` alone for `u16`); found `{written}`"
                ),
            );
            None
        }
    }
}

fn check_align(align: &Opt<Expr>, errors: &mut Errors) -> Option<(u64, Ident)> {
    let Expr::Lit(ExprLit {
        lit: Lit::Int(int), ..
    }) = &align.value
    else {
        errors.at(
            &align.value,
            "`align` takes an integer literal, a power of two such as `align = 64`",
        );
        return None;
    };
    match int.base10_parse::<u64>() {
        Ok(n) if n.is_power_of_two() && n <= MAX_ALIGN => Some((n, align.key.clone())),
        Ok(n) if n.is_power_of_two() => {
            errors.at(
                int,
                format_args!("`align` can be at most {MAX_ALIGN}; found {n}"),
            );
            None
        }
        _ => {
            errors.at(
                int,
                format_args!(
                    "`align` must be a power of two (1, 2, 4, 8, ... {MAX_ALIGN}); found {int}"
                ),
            );
            None
        }
    }
}

fn check_max_size(max: &Opt<Expr>, errors: &mut Errors) -> Option<MaxSize> {
    match &max.value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) if int.base10_parse::<usize>().is_err() => {
            errors.at(
                int,
                "`max_size` must be a number of bytes that fits in a `usize`",
            );
            None
        }
        Expr::Lit(ExprLit {
            lit: Lit::Int(_), ..
        }) => Some(MaxSize {
            key: max.key.clone(),
            value: max.value.clone(),
        }),
        Expr::Lit(other) => {
            errors.at(other, "`max_size` takes a number of bytes: an integer or a const expression of type `usize`");
            None
        }
        _ => Some(MaxSize {
            key: max.key.clone(),
            value: max.value.clone(),
        }),
    }
}

fn pool_name(name: &Opt<Expr>, errors: &mut Errors) -> Option<Ident> {
    match &name.value {
        Expr::Path(path) if path.qself.is_none() && path.attrs.is_empty() => {
            match path.path.get_ident() {
                Some(ident) => Some(ident.clone()),
                None => {
                    errors.at(
                        &path.path,
                        "`name` takes a plain identifier, such as `name = RxPool`",
                    );
                    None
                }
            }
        }
        other => {
            errors.at(
                other,
                "`name` takes a plain identifier, such as `name = RxPool`",
            );
            None
        }
    }
}

/// The conditions under which the item exists, as plain `#[cfg(..)]` attributes for everything the macro
/// generates beside it: each `#[cfg]`, and each `#[cfg_attr(pred, ..)]` that contains a `cfg` (directly or
/// in a nested `cfg_attr`), translated to the equivalent `#[cfg(any(not(pred), all(..)))]`. A function-like
/// macro such as `pools!` sees the attributes unexpanded, so without this a `cfg_attr` that removes the
/// pool struct would leave its impls behind.
pub(crate) fn cfg_attrs(attrs: &[Attribute]) -> Vec<Attribute> {
    attrs
        .iter()
        .filter_map(|attr| {
            if attr.path().is_ident("cfg") {
                return Some(attr.clone());
            }
            let predicate = cfg_attr_condition(&attr.meta)?;
            Some(syn::parse_quote!(#[cfg(#predicate)]))
        })
        .collect()
}

/// For `cfg_attr(pred, attrs..)`, the condition under which its `cfg`s keep the item, if it has any.
fn cfg_attr_condition(meta: &syn::Meta) -> Option<TokenStream> {
    let syn::Meta::List(list) = meta else {
        return None;
    };
    if !list.path.is_ident("cfg_attr") {
        return None;
    }
    let args = list
        .parse_args_with(syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated)
        .ok()?;
    let mut args = args.into_iter();
    let predicate = args.next()?;
    let kept: Vec<TokenStream> = args
        .filter_map(|inner| match &inner {
            syn::Meta::List(cfg) if cfg.path.is_ident("cfg") => Some(cfg.tokens.clone()),
            other => cfg_attr_condition(other),
        })
        .collect();
    if kept.is_empty() {
        return None;
    }
    Some(quote::quote!(any(not(#predicate), all(#(#kept),*))))
}

/// The generated code implements `Debug`, `Clone`, `Copy` and `Default` for pools it declares; on a pool
/// struct the user wrote, `Debug` is generated (it dumps the pool), so a derived one would conflict.
fn derives_debug(attrs: &[Attribute]) -> bool {
    let mut errors = Errors::default();
    reject_derived_pool_traits(attrs, &mut errors);
    !errors.is_empty()
}

fn reject_derived_pool_traits(attrs: &[Attribute], errors: &mut Errors) {
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("derive")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.segments.last().is_some_and(|last| last.ident == "Debug") {
                errors.at(
                    &meta.path,
                    "blockpool implements `Debug` for pool types (it prints the pool's state): remove `Debug` \
                     from this derive",
                );
            }
            Ok(())
        });
    }
}

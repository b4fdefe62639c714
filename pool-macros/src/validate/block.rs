//! What a `pools!` block means: one pool kind per entry (typed, byte pool, arena), each with only the
//! options that apply to it, unique names, well-formed size classes.

use proc_macro2::Span;
use syn::{Attribute, Expr, ExprLit, Ident, Lit, Path, Visibility};

use super::{
    MAX_COUNT, PoolSpec, check_align, check_c_name, check_link_section, check_on_failure,
    check_trace, check_wait, settings,
};
use crate::diagnostics::Errors;
use crate::options::{Opt, RawOptions};
use crate::parse::block::{Block, Budget};

/// The most size classes a byte pool can have: handles store the class in one byte.
const MAX_CLASSES: usize = 255;
/// Byte pools' block alignment unless `align` says otherwise.
pub(crate) const DEFAULT_BYTES_ALIGN: u64 = 8;
/// Arenas' buffer alignment unless `align` says otherwise (allocations align themselves).
pub(crate) const DEFAULT_ARENA_ALIGN: u64 = 16;

/// A checked `pools!` block.
pub(crate) struct BlockSpec {
    pub(crate) krate: Path,
    pub(crate) budget: Option<Budget>,
    pub(crate) map: Ident,
    pub(crate) entries: Vec<EntrySpec>,
}

/// A checked entry: the pool struct's attributes and visibility, and what kind of pool it is.
pub(crate) struct EntrySpec {
    pub(crate) attrs: Vec<Attribute>,
    /// The `#[cfg]` attributes among `attrs`, repeated on everything the entry generates.
    pub(crate) cfgs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) kind: EntryKind,
}

pub(crate) enum EntryKind {
    Typed(Box<PoolSpec>),
    Bytes(BytesSpec),
    Arena(ArenaSpec),
    Chain(ChainSpec),
}

impl EntryKind {
    pub(crate) fn name(&self) -> &Ident {
        match self {
            Self::Typed(spec) => &spec.name,
            Self::Bytes(spec) => &spec.name,
            Self::Arena(spec) => &spec.name,
            Self::Chain(spec) => &spec.name,
        }
    }
}

/// A byte pool: `classes = [(block size, count), ..]`.
pub(crate) struct BytesSpec {
    pub(crate) name: Ident,
    pub(crate) classes: Vec<(usize, usize)>,
    pub(crate) align: u64,
    pub(crate) on_failure: Option<Path>,
    pub(crate) zeroize: bool,
    pub(crate) link_section: Option<super::LinkSection>,
    /// `c_name = unsafe("name")`: exported to C under that symbol.
    pub(crate) c_name: Option<super::LinkSection>,
    /// `wait = W`: how many tasks may wait for a buffer at once.
    pub(crate) wait: Option<u64>,
    /// `track_callers`: every buffer in use remembers where it was allocated.
    pub(crate) track_callers: bool,
    /// `trace = path`: called on every allocation, free and failure.
    pub(crate) trace: Option<Path>,
}

/// An arena: `arena = bytes`.
pub(crate) struct ArenaSpec {
    pub(crate) name: Ident,
    pub(crate) size: usize,
    pub(crate) align: u64,
    pub(crate) on_failure: Option<Path>,
    pub(crate) zeroize: bool,
    pub(crate) link_section: Option<super::LinkSection>,
    /// `fallback = Other`: the arena a scope continues in when this one is full.
    pub(crate) fallback: Option<Path>,
}

/// A fallback chain: `chain = [First, Second, ..]`.
pub(crate) struct ChainSpec {
    pub(crate) name: Ident,
    /// The member pools, in the order they are tried.
    pub(crate) members: Vec<Path>,
    /// `align = N`: the block alignment the chain promises (every member's blocks must have it).
    pub(crate) align: Option<u64>,
    pub(crate) on_failure: Option<Path>,
}

/// Checks the block; `None` if anything is wrong (every problem is in `errors`).
pub(crate) fn block(block: Block, errors: &mut Errors) -> Option<BlockSpec> {
    let before = errors.len();
    let krate: Path = block
        .krate
        .unwrap_or_else(|| syn::parse_quote!(::blockpool));
    let mut names: Vec<Ident> = Vec::new();
    let mut entries = Vec::new();
    for entry in block.entries {
        if let Some(first) = names.iter().find(|seen| **seen == entry.name) {
            errors.at(
                &entry.name,
                format_args!(
                    "duplicate pool name `{first}`: an entry above already declares it; each entry declares a \
                     type of its name, so every pool needs its own"
                ),
            );
        }
        names.push(entry.name.clone());
        let kind = match (&entry.options.classes, &entry.options.arena) {
            _ if entry.options.chain.is_some() => {
                chain_spec(&entry.name, &entry.options, errors).map(EntryKind::Chain)
            }
            (Some(classes), Some(arena)) => {
                errors.at(
                    &arena.key,
                    "an entry is a byte pool (`classes`) or an arena (`arena`), not both",
                );
                let _ = classes;
                None
            }
            (Some(classes), None) => {
                reject_fallback(&entry.options, errors);
                bytes(&entry.name, classes, &entry.options, errors).map(EntryKind::Bytes)
            }
            (None, Some(arena)) => {
                arena_spec(&entry.name, arena, &entry.options, errors).map(EntryKind::Arena)
            }
            (None, None) => {
                reject_fallback(&entry.options, errors);
                typed(&entry.name, &entry.options, &krate, errors)
                    .map(|spec| EntryKind::Typed(Box::new(spec)))
            }
        };
        if let Some(mut kind) = kind {
            let cfgs = super::cfg_attrs(&entry.attrs);
            if let EntryKind::Typed(spec) = &mut kind {
                spec.cfgs = cfgs.clone();
            }
            entries.push(EntrySpec {
                cfgs,
                attrs: entry.attrs,
                vis: entry.vis,
                kind,
            });
        }
    }
    check_chain_cycles(&entries, errors);
    if errors.len() > before {
        return None;
    }
    let map = block
        .map
        .unwrap_or_else(|| Ident::new("MEMORY_MAP", Span::call_site()));
    Some(BlockSpec {
        krate,
        budget: block.budget,
        map,
        entries,
    })
}

fn typed(
    name: &Ident,
    options: &RawOptions,
    krate: &Path,
    errors: &mut Errors,
) -> Option<PoolSpec> {
    let item_ty = match &options.ty {
        Some(ty) => Some(ty.value.clone()),
        None if options.incomplete => None,
        None => {
            errors.at(
                name,
                format_args!(
                    "missing `type`: pool `{name}` needs the type of its items, as in `{name}(type = Message, count = 8);` \
                     (or `classes = [..]` for a byte pool, `arena = N` for an arena)"
                ),
            );
            None
        }
    };
    let settings = settings(options, name, name.span(), errors)?;
    let mut spec = settings.into_spec(name.clone(), item_ty?, Vec::new());
    spec.krate = krate.clone();
    Some(spec)
}

/// Rejects options that a byte pool or an arena has no use for (`bytes`: a byte pool, which takes `wait`,
/// `trace` and `track_callers`).
fn reject(options: &RawOptions, what: &str, bytes: bool, errors: &mut Errors) {
    let mut refuse = |key: Option<&Ident>| {
        if let Some(key) = key {
            errors.at(
                key,
                format_args!("`{key}` does not apply to {what}: remove it"),
            );
        }
    };
    refuse(options.ty.as_ref().map(|o| &o.key));
    refuse(options.count.as_ref().map(|o| &o.key));
    refuse(options.max_size.as_ref().map(|o| &o.key));
    refuse(options.refcount.as_ref().map(|o| &o.key));
    refuse(options.stats.as_ref().map(|o| &o.key));
    if bytes {
        return;
    }
    refuse(options.wait.as_ref().map(|o| &o.key));
    if let Some(trace) = &options.trace {
        errors.at(
            &trace.key,
            "`trace` is for typed and byte pools: an arena's allocations end together with its scope, so \
             there is nothing to trace per allocation; remove it",
        );
    }
    if let Some(track) = &options.track_callers {
        errors.at(
            &track.key,
            "`track_callers` is for typed and byte pools: an arena's allocations end together with its \
             scope, so no block outlives the code that made it; remove it",
        );
    }
}

/// `fallback = Other` is for arenas only.
fn reject_fallback(options: &RawOptions, errors: &mut Errors) {
    if let Some(fallback) = &options.fallback {
        errors.at(
            &fallback.key,
            "`fallback` applies to arenas only (`arena = N, fallback = Other`); for typed pools, declare a \
             chain: `Both(chain = [First, Second])`",
        );
    }
}

fn bytes(
    name: &Ident,
    classes: &Opt<Expr>,
    options: &RawOptions,
    errors: &mut Errors,
) -> Option<BytesSpec> {
    let before = errors.len();
    reject(
        options,
        "a byte pool (its blocks are sized by `classes`)",
        true,
        errors,
    );
    let align = match &options.align {
        Some(align) => check_align(align, errors).map_or(DEFAULT_BYTES_ALIGN, |(bytes, _)| bytes),
        None => DEFAULT_BYTES_ALIGN,
    };
    let classes = size_classes(classes, align, options.wait.is_some(), errors);
    let on_failure = check_on_failure(options, errors);
    let link_section = check_link_section(options, errors);
    let c_name = check_c_name(options, errors);
    let wait = options
        .wait
        .as_ref()
        .and_then(|wait| check_wait(wait, errors));
    let trace = check_trace(options, errors);
    if errors.len() > before {
        return None;
    }
    Some(BytesSpec {
        wait,
        track_callers: options.track_callers.is_some(),
        trace,
        name: name.clone(),
        classes: classes?,
        align,
        on_failure,
        zeroize: options.zeroize.is_some(),
        link_section,
        c_name,
    })
}

/// `[(64, 32), (256, 8)]`: sizes ascending, each a multiple of `align`, counts 1..=65535 (65534 in a pool
/// with `wait`, whose classes mark waiting tasks with the index `count + 1`).
fn size_classes(
    classes: &Opt<Expr>,
    align: u64,
    wait: bool,
    errors: &mut Errors,
) -> Option<Vec<(usize, usize)>> {
    let shape = "`classes` takes a list of (block size, count) pairs, such as `classes = [(64, 32), (256, 8)]`";
    let Expr::Array(list) = &classes.value else {
        errors.at(&classes.value, shape);
        return None;
    };
    if list.elems.is_empty() {
        errors.at(
            &classes.value,
            "`classes` needs at least one (block size, count) pair",
        );
        return None;
    }
    if list.elems.len() > MAX_CLASSES {
        errors.at(
            &classes.value,
            format_args!("a byte pool has at most {MAX_CLASSES} classes"),
        );
        return None;
    }
    let before = errors.len();
    let mut parsed = Vec::new();
    let mut previous: Option<u64> = None;
    for pair in &list.elems {
        let Expr::Tuple(tuple) = pair else {
            errors.at(pair, shape);
            continue;
        };
        let [size, count] = [tuple.elems.get(0), tuple.elems.get(1)];
        let (Some(size), Some(count), 2) = (size, count, tuple.elems.len()) else {
            errors.at(pair, shape);
            continue;
        };
        let size_value = int(size, "a class's block size", errors);
        let count_value = int(count, "a class's count", errors);
        if let Some(size_value) = size_value {
            if size_value == 0 {
                errors.at(size, "a class's block size must be at least 1 byte");
            } else if size_value % align != 0 {
                errors.at(
                    size,
                    format_args!(
                        "block size {size_value} is not a multiple of the pool's alignment {align}; use a multiple \
                         of {align} or set `align`"
                    ),
                );
            } else if size_value > u64::from(u32::MAX) {
                errors.at(size, "a class's block size can be at most 4 GiB - 1");
            }
            match previous {
                Some(previous) if size_value == previous => errors.at(
                    size,
                    format_args!(
                        "block size {size_value} is listed twice: give each class its own block size (one class \
                         with the counts added up)"
                    ),
                ),
                Some(previous) if size_value < previous => errors.at(
                    size,
                    format_args!(
                        "classes must be listed by ascending block size: {size_value} comes after {previous}"
                    ),
                ),
                _ => {}
            }
            previous = Some(size_value);
        }
        if let Some(count_value) = count_value {
            if count_value == 0 || count_value > MAX_COUNT {
                errors.at(
                    count,
                    format_args!(
                        "a class's count must be between 1 and {MAX_COUNT}; found {count_value}"
                    ),
                );
            } else if wait && count_value == MAX_COUNT {
                errors.at(
                    count,
                    format_args!(
                        "in a byte pool with `wait`, a class's count must be between 1 and {} (its free list \
                         marks waiting tasks with the index `count + 1`, and block indices are 16-bit); found \
                         {count_value}",
                        MAX_COUNT - 1
                    ),
                );
            }
        }
        if let (Some(size), Some(count)) = (size_value, count_value) {
            parsed.push((size as usize, count as usize));
        }
    }
    (errors.len() == before).then_some(parsed)
}

fn int(expr: &Expr, what: &str, errors: &mut Errors) -> Option<u64> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => match int.base10_parse::<u64>() {
            Ok(value) => Some(value),
            Err(_) => {
                errors.at(
                    int,
                    format_args!("{what} must be a whole number that fits in 64 bits"),
                );
                None
            }
        },
        other => {
            errors.at(other, format_args!("{what} must be an integer literal"));
            None
        }
    }
}

fn arena_spec(
    name: &Ident,
    arena: &Opt<Expr>,
    options: &RawOptions,
    errors: &mut Errors,
) -> Option<ArenaSpec> {
    let before = errors.len();
    reject(
        options,
        "an arena (its size is `arena = N` bytes)",
        false,
        errors,
    );
    if let Some(c_name) = &options.c_name {
        errors.at(
            &c_name.key,
            "`c_name` does not apply to an arena (C code allocates from typed and byte pools): remove it",
        );
    }
    let size = int(&arena.value, "an arena's size in bytes", errors);
    if let Some(size) = size.filter(|&size| size == 0 || size > u64::from(u32::MAX)) {
        errors.at(
            &arena.value,
            format_args!("an arena holds 1 byte to 4 GiB - 1; found {size}"),
        );
    }
    let align = match &options.align {
        Some(align) => check_align(align, errors).map_or(DEFAULT_ARENA_ALIGN, |(bytes, _)| bytes),
        None => DEFAULT_ARENA_ALIGN,
    };
    let on_failure = check_on_failure(options, errors);
    let link_section = check_link_section(options, errors);
    let fallback = options
        .fallback
        .as_ref()
        .and_then(|fallback| match &fallback.value {
            Expr::Path(path) if path.qself.is_none() => {
                if path.path.is_ident(name) {
                    errors.at(
                        path,
                        format_args!(
                            "arena `{name}` cannot fall back to itself: name another arena"
                        ),
                    );
                }
                Some(path.path.clone())
            }
            other => {
                errors.at(
                    other,
                    "`fallback` takes the path of another arena, as in `fallback = BigScratch`",
                );
                None
            }
        });
    if errors.len() > before {
        return None;
    }
    Some(ArenaSpec {
        fallback,
        name: name.clone(),
        size: size? as usize,
        align,
        on_failure,
        zeroize: options.zeroize.is_some(),
        link_section,
    })
}

/// `chain = [First, Second, ..]`, with `align` and `on_failure` only.
fn chain_spec(name: &Ident, options: &RawOptions, errors: &mut Errors) -> Option<ChainSpec> {
    let before = errors.len();
    let chain = options.chain.as_ref()?;
    let mut refuse = |key: Option<&Ident>| {
        if let Some(key) = key {
            errors.at(
                key,
                format_args!(
                    "`{key}` does not apply to a chain (its blocks are its members'; it takes `align` and \
                     `on_failure`): remove it"
                ),
            );
        }
    };
    refuse(options.ty.as_ref().map(|o| &o.key));
    refuse(options.count.as_ref().map(|o| &o.key));
    refuse(options.max_size.as_ref().map(|o| &o.key));
    refuse(options.refcount.as_ref().map(|o| &o.key));
    refuse(options.stats.as_ref().map(|o| &o.key));
    refuse(options.wait.as_ref().map(|o| &o.key));
    refuse(options.zeroize.as_ref().map(|o| &o.key));
    refuse(options.link_section.as_ref().map(|o| &o.key));
    refuse(options.c_name.as_ref().map(|o| &o.key));
    refuse(options.classes.as_ref().map(|o| &o.key));
    refuse(options.arena.as_ref().map(|o| &o.key));
    refuse(options.fallback.as_ref().map(|o| &o.key));
    // Review round 14: a chain records no sites and calls no trace hook (nor do its members for it).
    refuse(options.trace.as_ref().map(|o| &o.key));
    refuse(options.track_callers.as_ref().map(|o| &o.key));
    let mut members = Vec::new();
    match &chain.value {
        Expr::Array(array) if !array.elems.is_empty() => {
            for element in &array.elems {
                match element {
                    Expr::Path(path) if path.qself.is_none() => {
                        if path.path.is_ident(name) {
                            errors.at(
                                path,
                                format_args!(
                                    "chain `{name}` cannot contain itself: list the pools it falls back to"
                                ),
                            );
                        }
                        members.push(path.path.clone());
                    }
                    other => errors.at(
                        other,
                        "a chain member is the path of a pool, as in `chain = [Fast, crate::radio::SlowPool]`",
                    ),
                }
            }
        }
        other => errors.at(
            other,
            "`chain` takes a list of one or more pools, tried in order, as in `chain = [Fast, Slow]`",
        ),
    }
    let align = options
        .align
        .as_ref()
        .and_then(|align| check_align(align, errors).map(|(bytes, _)| bytes));
    let on_failure = check_on_failure(options, errors);
    if errors.len() > before {
        return None;
    }
    Some(ChainSpec {
        name: name.clone(),
        members,
        align,
        on_failure,
    })
}

/// A chain that reaches itself through other chains of the block (`A = [B]`, `B = [A]`): an error on the
/// member that closes the loop. (Direct self-reference is reported by `chain_spec`; a loop through pools
/// declared elsewhere is the compiler's cycle error.)
fn check_chain_cycles(entries: &[EntrySpec], errors: &mut Errors) {
    let chains: Vec<&ChainSpec> = entries
        .iter()
        .filter_map(|entry| match &entry.kind {
            EntryKind::Chain(spec) => Some(spec),
            _ => None,
        })
        .collect();
    let find = |path: &Path| chains.iter().position(|c| path.is_ident(&c.name));
    for (start, chain) in chains.iter().enumerate() {
        for member in &chain.members {
            // Depth-first from the member; the chains form a graph of at most `chains.len()` nodes.
            let mut stack: Vec<usize> = find(member).into_iter().collect();
            let mut seen = vec![false; chains.len()];
            let mut cycle = false;
            while let Some(node) = stack.pop() {
                if node == start {
                    cycle = true;
                    break;
                }
                if std::mem::replace(&mut seen[node], true) {
                    continue;
                }
                stack.extend(chains[node].members.iter().filter_map(&find));
            }
            if cycle && !member.is_ident(&chain.name) {
                errors.at(
                    member,
                    format_args!(
                        "chain `{}` contains itself through `{}`: a chain cannot fall back to itself",
                        chain.name,
                        member.segments.last().map(|s| s.ident.to_string()).unwrap_or_default()
                    ),
                );
            }
        }
    }
}

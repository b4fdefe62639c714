//! The syntax of pool options, `key = value` or `key`, as written in `#[memory_pool(...)]` and in the entries
//! of `pools! { ... }`. Only the shape is read here; what the values mean is checked in `validate`.

use proc_macro2::TokenStream;
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::{Expr, Ident, Path, Token, Type};

use crate::diagnostics::{Errors, did_you_mean};

/// An option's key, as written (for spans), and its value.
pub(crate) struct Opt<T> {
    pub(crate) key: Ident,
    pub(crate) value: T,
}

/// `link_section = unsafe("name")` as written: the `unsafe` keyword if present, and the name expression.
pub(crate) struct LinkSectionValue {
    pub(crate) unsafe_token: Option<Ident>,
    pub(crate) name: Expr,
}

/// The options of one pool, each as written; `None` where absent.
#[derive(Default)]
pub(crate) struct RawOptions {
    pub(crate) count: Option<Opt<Expr>>,
    pub(crate) ty: Option<Opt<Type>>,
    pub(crate) name: Option<Opt<Expr>>,
    pub(crate) align: Option<Opt<Expr>>,
    pub(crate) max_size: Option<Opt<Expr>>,
    pub(crate) on_failure: Option<Opt<Expr>>,
    /// `trace = path`: a hook called on every allocation, free and failure.
    pub(crate) trace: Option<Opt<Expr>>,
    pub(crate) zeroize: Option<Opt<()>>,
    /// `track_callers`: each block in use remembers where it was allocated.
    pub(crate) track_callers: Option<Opt<()>>,
    /// `stats = false` (or `stats = true`, the default).
    pub(crate) stats: Option<Opt<Expr>>,
    /// `wait = W`: up to `W` tasks may wait for a block.
    pub(crate) wait: Option<Opt<Expr>>,
    pub(crate) link_section: Option<Opt<LinkSectionValue>>,
    /// `c_name = unsafe("name")`: the pool is exported to C under that symbol (same shape as `link_section`).
    pub(crate) c_name: Option<Opt<LinkSectionValue>>,
    pub(crate) krate: Option<Opt<Path>>,
    /// `refcount` alone (`None`) or `refcount = width`.
    pub(crate) refcount: Option<Opt<Option<Expr>>>,
    /// `classes = [(block size, count), ..]`: a byte pool (`pools!` only).
    pub(crate) classes: Option<Opt<Expr>>,
    /// `arena = bytes`: an arena (`pools!` only).
    pub(crate) arena: Option<Opt<Expr>>,
    /// `chain = [First, Second, ..]`: a fallback chain of other pools (`pools!` only).
    pub(crate) chain: Option<Opt<Expr>>,
    /// `fallback = Other`: the arena a scope continues in when this one is full (`pools!` arenas only).
    pub(crate) fallback: Option<Opt<Expr>>,
    /// A syntax error stopped the reading: the options after it are unknown, so `validate` reports none
    /// of them missing.
    pub(crate) incomplete: bool,
}

/// Where the options are written; each place accepts its own keys.
#[derive(Clone, Copy)]
pub(crate) enum Context {
    /// `#[memory_pool(...)]`.
    Attribute,
    /// An entry `Name(...)` of `pools! { ... }`.
    Entry,
}

impl Context {
    fn keys(self) -> &'static [&'static str] {
        match self {
            Self::Attribute => ATTRIBUTE_KEYS,
            Self::Entry => ENTRY_KEYS,
        }
    }
}

/// The keys of `pools!` entries, in the order the error messages list them.
const ENTRY_KEYS: &[&str] = &[
    "type",
    "count",
    "align",
    "max_size",
    "on_failure",
    "trace",
    "zeroize",
    "refcount",
    "stats",
    "track_callers",
    "wait",
    "link_section",
    "c_name",
    "classes",
    "arena",
    "fallback",
    "chain",
];

/// The keys of `#[memory_pool]`, in the order the error messages list them.
const ATTRIBUTE_KEYS: &[&str] = &[
    "count",
    "type",
    "name",
    "align",
    "max_size",
    "on_failure",
    "trace",
    "zeroize",
    "refcount",
    "stats",
    "track_callers",
    "wait",
    "link_section",
    "c_name",
    "crate",
];

/// Reads a comma-separated option list. Every problem is recorded in `errors` and reading goes on where it
/// can, so that one compile reports them all.
pub(crate) fn parse(tokens: TokenStream, context: Context, errors: &mut Errors) -> RawOptions {
    let mut options = RawOptions::default();
    let parser = syn::meta::parser(|meta| parse_one(&mut options, meta, context, errors));
    if let Err(error) = parser.parse2(tokens) {
        errors.push(error);
        options.incomplete = true;
    }
    options
}

fn parse_one(
    options: &mut RawOptions,
    meta: ParseNestedMeta<'_>,
    context: Context,
    errors: &mut Errors,
) -> syn::Result<()> {
    let key = match meta.path.get_ident() {
        Some(key) if context.keys().contains(&key.to_string().as_str()) => key.clone(),
        _ => {
            errors.at(&meta.path, unknown_key_message(&meta.path, context));
            return skip_value(&meta);
        }
    };
    match key.to_string().as_str() {
        "classes" => {
            if let Some(value) = value_expr(&meta, &key, "classes = [(64, 32), (256, 8)]", errors)?
            {
                set(&mut options.classes, key, value, errors);
            }
        }
        "arena" => {
            if let Some(value) = value_expr(&meta, &key, "arena = 4096", errors)? {
                set(&mut options.arena, key, value, errors);
            }
        }
        "fallback" => {
            if let Some(value) = value_expr(&meta, &key, "fallback = BigScratch", errors)? {
                set(&mut options.fallback, key, value, errors);
            }
        }
        "chain" => {
            if let Some(value) = value_expr(&meta, &key, "chain = [Fast, Slow]", errors)? {
                set(&mut options.chain, key, value, errors);
            }
        }
        "count" => {
            // Without a value, `count` is still recorded (as empty) so that `validate` does not also
            // report it missing.
            let value = value_expr(&meta, &key, "count = 16", errors)?;
            let value = value.unwrap_or_else(|| Expr::Verbatim(TokenStream::new()));
            set(&mut options.count, key, value, errors);
        }
        "type" => {
            let value = if has_value(&meta) {
                let value = meta.value()?.parse::<Type>().map_err(|error| {
                    syn::Error::new(
                        error.span(),
                        "`type` takes a type, such as `type = Message`",
                    )
                })?;
                Some(value)
            } else {
                None
            };
            match value {
                Some(value) => set(&mut options.ty, key, value, errors),
                None => {
                    errors.at(&key, "`type` needs a value, as in `type = ItemType`");
                    skip_value(&meta)?;
                    // Recorded (as empty) so that `validate` does not also report `type` missing.
                    set(
                        &mut options.ty,
                        key,
                        Type::Verbatim(TokenStream::new()),
                        errors,
                    );
                }
            }
        }
        "name" => {
            if let Some(value) = value_expr(&meta, &key, "name = MyPool", errors)? {
                set(&mut options.name, key, value, errors);
            }
        }
        "align" => {
            if let Some(value) = value_expr(&meta, &key, "align = 64", errors)? {
                set(&mut options.align, key, value, errors);
            }
        }
        "max_size" => {
            if let Some(value) = value_expr(&meta, &key, "max_size = 128", errors)? {
                set(&mut options.max_size, key, value, errors);
            }
        }
        "wait" => {
            if let Some(value) = value_expr(&meta, &key, "wait = 4", errors)? {
                set(&mut options.wait, key, value, errors);
            }
        }
        "stats" => {
            if let Some(value) = value_expr(&meta, &key, "stats = false", errors)? {
                set(&mut options.stats, key, value, errors);
            }
        }
        "trace" => {
            if let Some(value) = value_expr(&meta, &key, "trace = path::to::hook", errors)? {
                set(&mut options.trace, key, value, errors);
            }
        }
        "on_failure" => {
            if let Some(value) = value_expr(&meta, &key, "on_failure = path::to::hook", errors)? {
                set(&mut options.on_failure, key, value, errors);
            }
        }
        "link_section" => {
            if let Some(value) =
                unsafe_string_value(&meta, &key, "link_section = unsafe(\".dma_ram\")", errors)?
            {
                set(&mut options.link_section, key, value, errors);
            }
        }
        "c_name" => {
            if let Some(value) =
                unsafe_string_value(&meta, &key, "c_name = unsafe(\"msg_pool\")", errors)?
            {
                set(&mut options.c_name, key, value, errors);
            }
        }
        "crate" => {
            let value = if has_value(&meta) {
                Some(meta.value()?.call(Path::parse_mod_style)?)
            } else {
                None
            };
            match value {
                Some(value) => set(&mut options.krate, key, value, errors),
                None => {
                    errors.at(
                        &key,
                        "`crate` needs a value, as in `crate = path::to::blockpool`",
                    );
                    skip_value(&meta)?;
                }
            }
        }
        "refcount" => {
            let width = if has_value(&meta) {
                Some(meta.value()?.parse::<Expr>()?)
            } else {
                None
            };
            set(&mut options.refcount, key, width, errors);
        }
        "zeroize" => {
            if has_value(&meta) {
                let value = meta.value()?.parse::<Expr>()?;
                errors.at(
                    quote::quote!(#key = #value),
                    "`zeroize` is a flag and takes no value: write `zeroize` alone",
                );
            }
            set(&mut options.zeroize, key, (), errors);
        }
        "track_callers" => {
            if has_value(&meta) {
                let value = meta.value()?.parse::<Expr>()?;
                errors.at(
                    quote::quote!(#key = #value),
                    "`track_callers` is a flag and takes no value: write `track_callers` alone",
                );
            }
            set(&mut options.track_callers, key, (), errors);
        }
        _ => {
            errors.at(&key, unknown_key_message(&meta.path, context));
            skip_value(&meta)?;
        }
    }
    Ok(())
}

/// Stores an option, or records a duplicate (the first one stays).
fn set<T>(slot: &mut Option<Opt<T>>, key: Ident, value: T, errors: &mut Errors) {
    if slot.is_some() {
        errors.at(
            &key,
            format_args!("duplicate option `{key}`: each option may be given once"),
        );
    } else {
        *slot = Some(Opt { key, value });
    }
}

fn has_value(meta: &ParseNestedMeta<'_>) -> bool {
    meta.input.peek(Token![=])
}

/// Parses `= expr`; a missing `= value` is recorded as an error that says what to write.
fn value_expr(
    meta: &ParseNestedMeta<'_>,
    key: &Ident,
    example: &str,
    errors: &mut Errors,
) -> syn::Result<Option<Expr>> {
    if !has_value(meta) {
        errors.at(
            key,
            format_args!("`{key}` needs a value, as in `{example}`"),
        );
        skip_value(meta)?;
        return Ok(None);
    }
    let input = meta.value()?;
    if input.is_empty() || input.peek(Token![,]) {
        errors.at(
            key,
            format_args!("`{key}` needs a value after `=`, as in `{example}`"),
        );
        return Ok(None);
    }
    input.parse::<Expr>().map(Some)
}

/// Parses `= unsafe("name")` (or `= "name"`, which `validate` rejects with a message that says what to
/// write), for `link_section` and `c_name`; `example` is the option written right.
fn unsafe_string_value(
    meta: &ParseNestedMeta<'_>,
    key: &Ident,
    example: &str,
    errors: &mut Errors,
) -> syn::Result<Option<LinkSectionValue>> {
    if !has_value(meta) {
        errors.at(
            key,
            format_args!("`{key}` needs a value, as in `{example}`"),
        );
        skip_value(meta)?;
        return Ok(None);
    }
    let input = meta.value()?;
    if input.peek(Token![unsafe]) {
        let unsafe_token: Token![unsafe] = input.parse()?;
        let content;
        syn::parenthesized!(content in input);
        let name = content.parse::<Expr>()?;
        return Ok(Some(LinkSectionValue {
            unsafe_token: Some(Ident::new("unsafe", unsafe_token.span)),
            name,
        }));
    }
    if input.is_empty() || input.peek(Token![,]) {
        errors.at(
            key,
            format_args!("`{key}` needs a value after `=`, as in `{example}`"),
        );
        return Ok(None);
    }
    Ok(Some(LinkSectionValue {
        unsafe_token: None,
        name: input.parse()?,
    }))
}

/// Skips whatever follows an unknown or malformed key, so that the options after it are still read.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if !meta.input.is_empty() && !meta.input.peek(Token![,]) {
        meta.input.parse::<proc_macro2::TokenTree>()?;
    }
    Ok(())
}

fn unknown_key_message(path: &Path, context: Context) -> String {
    let written = quote::quote!(#path).to_string().replace(' ', "");
    let options = context.keys().join(", ");
    match did_you_mean(&written, context.keys()) {
        Some(meant) => {
            format!("unknown option `{written}`: did you mean `{meant}`? The options are {options}")
        }
        None => format!("unknown option `{written}`: the options are {options}"),
    }
}

//! The syntax of a `pools! { ... }` block: block settings (`budget = 16 KiB;`, `crate = path;`,
//! `map = NAME;`) and entries (`#[attrs] vis Name(options);`).

use proc_macro2::TokenStream;
use syn::parse::{ParseStream, Parser};
use syn::{Attribute, Ident, LitInt, Path, Token, Visibility};

use crate::diagnostics::{Errors, did_you_mean};
use crate::options::{self, Context, RawOptions};

/// A `pools!` block as written.
#[derive(Default)]
pub(crate) struct Block {
    pub(crate) krate: Option<Path>,
    pub(crate) budget: Option<Budget>,
    pub(crate) map: Option<Ident>,
    pub(crate) entries: Vec<Entry>,
}

/// `budget = N [B | KiB | MiB];`, converted to bytes.
pub(crate) struct Budget {
    pub(crate) bytes: u64,
    /// As written, for messages.
    pub(crate) text: String,
    /// The value's tokens, for spans.
    pub(crate) tokens: TokenStream,
}

/// One entry: `#[attrs] vis Name(options);`.
pub(crate) struct Entry {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) name: Ident,
    pub(crate) options: RawOptions,
}

/// Reads the block. Every problem goes to `errors`; a malformed setting or entry is skipped up to its `;`
/// so that the rest of the block is still read and checked.
pub(crate) fn block(input: TokenStream, errors: &mut Errors) -> Block {
    let mut block = Block::default();
    let parser = |stream: ParseStream<'_>| -> syn::Result<()> {
        while !stream.is_empty() {
            if let Err(error) = item(stream, &mut block, errors) {
                errors.push(error);
                skip_past_semicolon(stream);
            }
        }
        Ok(())
    };
    if let Err(error) = parser.parse2(input) {
        errors.push(error);
    }
    block
}

fn item(stream: ParseStream<'_>, block: &mut Block, errors: &mut Errors) -> syn::Result<()> {
    if stream.peek(Ident) && stream.peek2(Token![=])
        || stream.peek(Token![crate]) && stream.peek2(Token![=])
    {
        return setting(stream, block, errors);
    }
    let attrs = stream.call(Attribute::parse_outer)?;
    let vis: Visibility = stream.parse()?;
    let name: Ident = stream.parse().map_err(|error| {
        syn::Error::new(
            error.span(),
            "expected a pool entry `vis Name(options);` or a setting `budget = 16 KiB;`, `crate = path;`, `map = NAME;`",
        )
    })?;
    if !stream.peek(syn::token::Paren) {
        return Err(syn::Error::new(
            stream.span(),
            format_args!(
                "expected `(options)` after `{name}`, as in `{name}(type = Message, count = 8);`"
            ),
        ));
    }
    let content;
    let paren = syn::parenthesized!(content in stream);
    let tokens: TokenStream = content.parse()?;
    let options = options::parse(tokens, Context::Entry, errors);
    // A complete entry without its `;` is reported at its `)` and kept: reading goes on with the next
    // entry, so that mistakes there are reported in the same compile.
    if stream.peek(Token![;]) {
        stream.parse::<Token![;]>()?;
    } else {
        errors.push(syn::Error::new(
            paren.span.close(),
            format_args!("expected `;` after `{name}(..)`: each pool entry ends with `;`"),
        ));
    }
    block.entries.push(Entry {
        attrs,
        vis,
        name,
        options,
    });
    Ok(())
}

fn setting(stream: ParseStream<'_>, block: &mut Block, errors: &mut Errors) -> syn::Result<()> {
    let key: Ident = stream.call(syn::ext::IdentExt::parse_any)?;
    stream.parse::<Token![=]>()?;
    match key.to_string().as_str() {
        "budget" => {
            let budget = budget(stream)?;
            if block.budget.replace(budget).is_some() {
                errors.at(&key, "duplicate setting `budget`: give it once");
            }
        }
        "crate" => {
            let path = stream.call(Path::parse_mod_style)?;
            if block.krate.replace(path).is_some() {
                errors.at(&key, "duplicate setting `crate`: give it once");
            }
        }
        "map" => {
            let name: Ident = stream.parse()?;
            if block.map.replace(name).is_some() {
                errors.at(&key, "duplicate setting `map`: give it once");
            }
        }
        _ => {
            let settings = "`budget = N B|KiB|MiB;`, `crate = path;` and `map = NAME;`; pool entries are \
                            written `Name(options);`";
            match did_you_mean(&key.to_string(), &["budget", "crate", "map"]) {
                Some(meant) => errors.at(
                    &key,
                    format_args!(
                        "unknown setting `{key}`: did you mean `{meant}`? The settings are {settings}"
                    ),
                ),
                None => errors.at(
                    &key,
                    format_args!("unknown setting `{key}`: the settings are {settings}"),
                ),
            }
            skip_past_semicolon(stream);
            return Ok(());
        }
    }
    expect_semicolon(stream, &key)
}

/// `16 KiB`, `16KiB`, `4096`, `4096 B`, `1 MiB`.
fn budget(stream: ParseStream<'_>) -> syn::Result<Budget> {
    let number: LitInt = stream.parse()?;
    let mut tokens = quote::quote!(#number);
    let unit = if number.suffix().is_empty() {
        if stream.peek(Ident) {
            let unit: Ident = stream.parse()?;
            tokens.extend(quote::quote!(#unit));
            Some((unit.to_string(), unit.span()))
        } else {
            None
        }
    } else {
        Some((number.suffix().to_string(), number.span()))
    };
    let scale: u64 = match &unit {
        None => 1,
        Some((unit, _)) if unit == "B" => 1,
        Some((unit, _)) if unit == "KiB" => 1024,
        Some((unit, _)) if unit == "MiB" => 1024 * 1024,
        Some((unit, span)) => {
            return Err(syn::Error::new(
                *span,
                format_args!(
                    "unknown unit `{unit}`: a budget is in `B`, `KiB` or `MiB`, as in `budget = 16 KiB;`"
                ),
            ));
        }
    };
    let value: u64 = number.base10_parse().map_err(|_| {
        syn::Error::new(
            number.span(),
            "the budget must be a whole number of bytes, KiB or MiB",
        )
    })?;
    let bytes = value
        .checked_mul(scale)
        .ok_or_else(|| syn::Error::new(number.span(), "the budget is too large to represent"))?;
    let text = match unit {
        Some((unit, _)) => format!("{value} {unit}"),
        None => format!("{value} B"),
    };
    Ok(Budget {
        bytes,
        text,
        tokens,
    })
}

fn expect_semicolon(stream: ParseStream<'_>, after: &Ident) -> syn::Result<()> {
    if stream.peek(Token![;]) {
        stream.parse::<Token![;]>()?;
        Ok(())
    } else {
        Err(syn::Error::new(
            if stream.is_empty() {
                after.span()
            } else {
                stream.span()
            },
            format_args!("expected `;` after `{after}`: each pool entry and setting ends with `;`"),
        ))
    }
}

/// Skips tokens up to and including the next `;` at this nesting level (or to the end).
fn skip_past_semicolon(stream: ParseStream<'_>) {
    while !stream.is_empty() {
        if stream.peek(Token![;]) {
            let _ = stream.parse::<Token![;]>();
            return;
        }
        if stream.parse::<proc_macro2::TokenTree>().is_err() {
            return;
        }
    }
}

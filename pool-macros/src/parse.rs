//! The input of `#[memory_pool]`: which kind of item the attribute is on.

pub(crate) mod block;

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::{Fields, Item};

/// The item under `#[memory_pool(...)]`.
pub(crate) enum Target {
    /// Form 1: a struct, enum or union that is the item type; the pool is generated beside it.
    ItemType(Item),
    /// Form 2: a unit struct that becomes the pool of `type = T`.
    PoolStruct(syn::ItemStruct),
    /// Anything else; re-emitted unchanged next to the error.
    Unsupported {
        kind: &'static str,
        anchor: TokenStream,
    },
}

/// Classifies the item; fails only if it is not an item at all.
pub(crate) fn target(item: TokenStream) -> syn::Result<Target> {
    let parsed: Item = syn::parse2(item)?;
    Ok(match parsed {
        Item::Struct(strukt) if matches!(strukt.fields, Fields::Unit) => Target::PoolStruct(strukt),
        item @ (Item::Struct(_) | Item::Enum(_) | Item::Union(_)) => Target::ItemType(item),
        other => {
            let (kind, anchor) = describe(&other);
            Target::Unsupported { kind, anchor }
        }
    })
}

/// What the unsupported item is, and the tokens an error about it should point at (its keyword and name).
fn describe(item: &Item) -> (&'static str, TokenStream) {
    fn pair(keyword: &dyn ToTokens, name: &dyn ToTokens) -> TokenStream {
        let mut tokens = keyword.to_token_stream();
        name.to_tokens(&mut tokens);
        tokens
    }
    match item {
        Item::Fn(f) => ("a function", pair(&f.sig.fn_token, &f.sig.ident)),
        Item::Trait(t) => ("a trait", pair(&t.trait_token, &t.ident)),
        Item::Impl(i) => ("an impl block", i.impl_token.to_token_stream()),
        Item::Mod(m) => ("a module", pair(&m.mod_token, &m.ident)),
        Item::Const(c) => ("a const", pair(&c.const_token, &c.ident)),
        Item::Static(s) => ("a static", pair(&s.static_token, &s.ident)),
        Item::Type(t) => ("a type alias", pair(&t.type_token, &t.ident)),
        Item::Use(u) => ("a use declaration", u.use_token.to_token_stream()),
        Item::Macro(m) => ("a macro invocation", m.mac.path.to_token_stream()),
        other => ("this item", other.to_token_stream()),
    }
}

//! Procedural macros of [blockpool](https://docs.rs/blockpool).
//!
//! This crate is an implementation detail: depend on `blockpool`, which re-exports its macros and
//! documents them. Each macro runs three phases, one module each: `parse` (syntax into a model),
//! `validate` (meaning, with a spanned error for every problem, all reported together) and `expand`
//! (the generated code).

#![deny(missing_docs)]

mod diagnostics;
mod expand;
mod options;
mod parse;
mod validate;

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;

/// Declares a static pool; see `blockpool::memory_pool` for the documentation.
#[proc_macro_attribute]
pub fn memory_pool(args: TokenStream, item: TokenStream) -> TokenStream {
    memory_pool_impl(args.into(), item.into()).into()
}

fn memory_pool_impl(args: TokenStream2, item: TokenStream2) -> TokenStream2 {
    let mut errors = diagnostics::Errors::default();
    let options = options::parse(args, options::Context::Attribute, &mut errors);
    let target = match parse::target(item.clone()) {
        Ok(target) => target,
        Err(error) => {
            errors.push(error);
            return expand::attribute(
                validate::Checked {
                    declaration: None,
                    spec: None,
                },
                item,
                &errors,
            );
        }
    };
    let checked = validate::attribute(options, target, &mut errors);
    expand::attribute(checked, item, &errors)
}

/// Declares several pools, byte pools and arenas together; see `blockpool::pools` for the documentation.
#[proc_macro]
pub fn pools(input: TokenStream) -> TokenStream {
    pools_impl(input.into()).into()
}

fn pools_impl(input: TokenStream2) -> TokenStream2 {
    let mut errors = diagnostics::Errors::default();
    let block = parse::block::block(input, &mut errors);
    let spec = validate::block::block(block, &mut errors);
    let generated = spec
        .as_ref()
        .filter(|_| errors.is_empty())
        .map(expand::block::block)
        .unwrap_or_default();
    let errors = errors.to_compile_errors();
    quote::quote! {
        #generated
        #errors
    }
}

#[cfg(test)]
mod fuzz_tests;

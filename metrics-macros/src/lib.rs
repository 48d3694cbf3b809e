//! Procedural macros of [`session-metrics`](https://docs.rs/session-metrics).
//!
//! Depend on `session-metrics` and write `use session_metrics::{track_operation, ErrorLabel};`;
//! the generated code refers to that crate. The documentation lives there.
//!
//! Layout: `args` parses the attribute, `item` parses and classifies the function,
//! `expand` generates the wrapper (with `idents` for the names it declares, `inline` for
//! `#[track_caller]` bodies and `early_exit` for bodies that can run in place), `error_label`
//! is the derive.

use proc_macro::TokenStream;

mod args;
mod early_exit;
mod error_label;
mod expand;
mod idents;
mod inline;
mod item;

/// Records duration and outcome of every call of the function; see `session_metrics`.
#[proc_macro_attribute]
pub fn track_operation(attr: TokenStream, item: TokenStream) -> TokenStream {
    let args = syn::parse_macro_input!(attr as args::ArgList);
    let item = proc_macro2::TokenStream::from(item);
    let result = args::Args::from_list(args).and_then(|args| {
        let function = item::Function::parse_item(item.clone())?;
        if cfg!(feature = "off") {
            return Ok(expand::as_written(&args, &function, item.clone()));
        }
        Ok(expand::expand(&args, function, item.clone()))
    });
    match result {
        Ok(tokens) => tokens.into(),
        // Keep the item so that one mistake in the attribute does not cascade into
        // "cannot find function" errors at every caller.
        Err(error) => {
            let error = error.to_compile_error();
            quote::quote!(#error #item).into()
        }
    }
}

/// Derives `session_metrics::ErrorLabel`; see that trait.
#[proc_macro_derive(ErrorLabel, attributes(error_label))]
pub fn derive_error_label(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    error_label::derive(input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

#[cfg(test)]
mod tests;

//! Names of the locals, statics and labels the expansion declares.
//!
//! Locals and labels get [`Span::mixed_site()`]: they resolve where the macro defined them, so
//! the function's own code can neither see nor shadow them (an argument named `__sm_guard`
//! stays the user's). Items cannot be hidden that way, so the statics the expansion
//! declares live in a block of its own that contains no user code.

use proc_macro2::{Ident, Span};
use syn::Lifetime;

/// A local or label name invisible to the user's tokens.
pub(crate) fn hidden(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

/// The label of the block that an inlined body's `return`s break out of.
pub(crate) fn body_label() -> Lifetime {
    Lifetime {
        apostrophe: Span::mixed_site(),
        ident: hidden("__sm_body"),
    }
}

/// The generated names, created once per expansion.
pub(crate) struct Names {
    /// `&'static CallSite` of this function.
    pub site: Ident,
    /// The catalogue entry that holds the call site: the one static of the expansion,
    /// inside a block of its own.
    pub operation: Ident,
    /// The drop guard timing a synchronous call.
    pub guard: Ident,
    /// The value of `enabled = EXPR`.
    pub enabled: Ident,
    /// The body's value.
    pub ret: Ident,
    /// The `tracing` span and its entered guard.
    pub span: Ident,
    pub entered: Ident,
}

impl Names {
    pub(crate) fn new() -> Self {
        Self {
            site: hidden("__sm_site"),
            operation: hidden("__SESSION_METRICS_OPERATION"),
            guard: hidden("__sm_guard"),
            enabled: hidden("__sm_enabled"),
            ret: hidden("__sm_ret"),
            span: hidden("__sm_span"),
            entered: hidden("__sm_entered"),
        }
    }
}

//! Running a `#[track_caller]` function's body in the function itself.
//!
//! A closure would cut the caller-location chain (`#[track_caller]` on closures is unstable),
//! so such bodies are inlined into a labelled block, and the exits that would leave the
//! function unseen are rewritten where they stand:
//! - `return e` becomes `break 'body e`, so the value flows through the outcome check;
//! - `e?` becomes the same split that `?` makes (the runtime's `Branch` / `FromResidual`,
//!   mirroring the standard library's), breaking out with the converted residual: the
//!   failure is labelled from the value the function really returns.
//!
//! Closures, `async` blocks and nested items keep their own `return`s and `?`s. Inside macro
//! invocations, arguments that parse as comma-separated expressions are rewritten the same
//! way; a `return` that a macro generates itself (e.g. `anyhow::bail!`) cannot be seen and is
//! recorded as [`EARLY_RETURN`](../../session_metrics/constant.EARLY_RETURN_ERROR_TYPE.html).

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::punctuated::Punctuated;
use syn::visit_mut::{self, VisitMut};
use syn::{Block, Expr, Lifetime, Macro, Token, Type};

use crate::idents::hidden;

/// Rewrites the exits of an inlined body.
pub(crate) struct Exits {
    label: Lifetime,
    /// The runtime's `__private` path.
    private: TokenStream,
    /// The return type as a `let` can write it, for `?`'s conversion; `None` where `?` cannot
    /// leave the function (bodies that build a future).
    try_into: Option<Type>,
    rewrote: bool,
}

impl Exits {
    pub(crate) fn new(label: Lifetime, private: TokenStream, try_into: Option<Type>) -> Self {
        Self {
            label,
            private,
            try_into,
            rewrote: false,
        }
    }

    pub(crate) fn rewrite(mut self, mut block: Block) -> Block {
        self.visit_block_mut(&mut block);
        block
    }
}

impl VisitMut for Exits {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            // Their `return` and `?` are their own.
            Expr::Closure(_) | Expr::Async(_) | Expr::Const(_) => {}
            Expr::Return(ret) => {
                if let Some(value) = &mut ret.expr {
                    self.visit_expr_mut(value);
                }
                let label = &self.label;
                let value = ret
                    .expr
                    .as_ref()
                    .map_or_else(|| quote!(()), |e| e.to_token_stream());
                // After a label, a leading `::` would read as `'label: ..`.
                let value = if starts_with_colon(&value) {
                    quote!((#value))
                } else {
                    value
                };
                let span = ret.return_token.span;
                let brk = syn::token::Break { span };
                *expr = syn::parse_quote!(#brk #label #value);
                self.rewrote = true;
            }
            Expr::Try(tried) => {
                self.visit_expr_mut(&mut tried.expr);
                let Some(ret_ty) = &self.try_into else {
                    return;
                };
                let (operand, label, private) = (&tried.expr, &self.label, &self.private);
                let (value, residual) = (hidden("__sm_value"), hidden("__sm_residual"));
                let span = tried.question_token.span;
                let brk = syn::token::Break { span };
                *expr = syn::parse_quote!(
                    match #private::Branch::branch(#operand) {
                        ::core::ops::ControlFlow::Continue(#value) => #value,
                        ::core::ops::ControlFlow::Break(#residual) => {
                            #brk #label (#private::from_residual::<#ret_ty, _>(#residual))
                        }
                    }
                );
                self.rewrote = true;
            }
            _ => visit_mut::visit_expr_mut(self, expr),
        }
    }

    // Nested functions, impls and the like have exits of their own.
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}

    fn visit_macro_mut(&mut self, mac: &mut Macro) {
        let parser = Punctuated::<Expr, Token![,]>::parse_terminated;
        let Ok(mut args) = syn::parse::Parser::parse2(parser, mac.tokens.clone()) else {
            return;
        };
        let before = std::mem::replace(&mut self.rewrote, false);
        for arg in args.iter_mut() {
            self.visit_expr_mut(arg);
        }
        if self.rewrote {
            mac.tokens = args.into_token_stream();
        }
        self.rewrote |= before;
    }
}

fn starts_with_colon(tokens: &TokenStream) -> bool {
    matches!(tokens.clone().into_iter().next(), Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == ':')
}

//! Whether a body can leave the function before its end.
//!
//! The expansion runs a body in a closure (or, for an `async fn`, an `async` block) so that
//! `return` and `?` hand their value to the outcome check instead of leaving unseen. A body
//! without either, and without a macro call that could generate one, always ends with its
//! value (or a panic): it runs in the function itself, which saves compiling a closure or a
//! second future per function.

use proc_macro2::{TokenStream, TokenTree};

/// `true` unless the tokens certainly contain no `return`, no `?` and no macro call.
///
/// Conservative: a `return` or `?` in a nested closure, `async` block or item, and a `!`
/// before parentheses (`!(a && b)`), count too.
pub(crate) fn may_exit_early(tokens: TokenStream) -> bool {
    let mut after_bang = false;
    for token in tokens {
        match &token {
            TokenTree::Ident(ident) if ident == "return" => return true,
            TokenTree::Punct(punct) if punct.as_char() == '?' => return true,
            // `name!(..)`, `name![..]`, `name! {..}`: a macro call.
            TokenTree::Group(group) if after_bang || may_exit_early(group.stream()) => {
                return true;
            }
            _ => {}
        }
        after_bang = matches!(&token, TokenTree::Punct(punct) if punct.as_char() == '!');
    }
    false
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::may_exit_early;

    #[test]
    fn plain_bodies_cannot_exit_early() {
        assert!(!may_exit_early(quote!({ x.wrapping_mul(2) })));
        assert!(!may_exit_early(quote!({
            let y = f(x).await;
            y != 0
        })));
        assert!(!may_exit_early(quote!({ if a { b } else { c } })));
    }

    #[test]
    fn returns_questions_and_macros_can() {
        assert!(may_exit_early(quote!({
            if a {
                return 1;
            }
            2
        })));
        assert!(may_exit_early(quote!({
            let n = s.parse()?;
            Ok(n)
        })));
        assert!(may_exit_early(quote!({
            bail!("no");
        })));
        assert!(may_exit_early(quote!({
            ensure![x > 0];
            Ok(())
        })));
        assert!(may_exit_early(quote!({
            m! { x }
        })));
        assert!(may_exit_early(quote!({
            let f = || {
                return 1;
            };
            f()
        })));
    }
}

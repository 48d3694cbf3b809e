//! Parsing and validating `#[track_operation(..)]` arguments.
//!
//! Accepted: `("component", "event_type")` or `(component = "..", event_type = "..")`, then
//! any of `family = PATH`, `objective = PATH`, `enabled = EXPR`, `error_level = "warn"`,
//! `crate = PATH`. Every
//! problem is reported at its own token, all at once.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Lit, LitStr, Path, Token};

mod kw {
    syn::custom_keyword!(component);
    syn::custom_keyword!(event_type);
    syn::custom_keyword!(family);
    syn::custom_keyword!(objective);
    syn::custom_keyword!(enabled);
    syn::custom_keyword!(error_level);
}

const OPTIONS: &str =
    "`component`, `event_type`, `family`, `objective`, `enabled`, `error_level` or `crate`";

/// Validated arguments.
pub(crate) struct Args {
    pub component: LitStr,
    pub event_type: LitStr,
    pub krate: Option<Path>,
    /// A `static` [`OperationFamily`] to record into instead of `mcp_event_emit_*`.
    pub family: Option<Path>,
    /// A `static` [`Objective`] of the operation.
    pub objective: Option<Path>,
    /// A `bool` expression evaluated per call; `false` skips recording.
    pub enabled: Option<Expr>,
    /// The level of failure events: a path like `ErrorLevel::Warn` in the runtime.
    pub error_level: Option<LitStr>,
}

/// One argument as written, before validation.
enum Arg {
    Positional(Lit),
    Component(kw::component, Lit),
    EventType(kw::event_type, Lit),
    Family(kw::family, Path),
    Objective(kw::objective, Path),
    Enabled(kw::enabled, Expr),
    ErrorLevel(kw::error_level, Lit),
    Crate(Token![crate], Path),
}

/// Parses `key = value` after `key` was peeked.
fn option<K: Parse, V: Parse>(input: ParseStream) -> syn::Result<(K, V)> {
    let key = input.parse()?;
    input.parse::<Token![=]>()?;
    Ok((key, input.parse()?))
}

impl Parse for Arg {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(Lit) {
            return Ok(Arg::Positional(input.parse()?));
        }
        let lookahead = input.lookahead1();
        if lookahead.peek(kw::component) {
            option(input).map(|(k, v)| Arg::Component(k, v))
        } else if lookahead.peek(kw::event_type) {
            option(input).map(|(k, v)| Arg::EventType(k, v))
        } else if lookahead.peek(kw::family) {
            option(input).map(|(k, v)| Arg::Family(k, v))
        } else if lookahead.peek(kw::objective) {
            option(input).map(|(k, v)| Arg::Objective(k, v))
        } else if lookahead.peek(kw::enabled) {
            option(input).map(|(k, v)| Arg::Enabled(k, v))
        } else if lookahead.peek(kw::error_level) {
            option(input).map(|(k, v)| Arg::ErrorLevel(k, v))
        } else if lookahead.peek(Token![crate]) {
            option(input).map(|(k, v)| Arg::Crate(k, v))
        } else if input.peek(syn::Ident) {
            let unknown: syn::Ident = input.parse()?;
            Err(syn::Error::new(
                unknown.span(),
                format!("unknown option `{unknown}`; expected {OPTIONS}"),
            ))
        } else {
            Err(lookahead.error())
        }
    }
}

/// The raw argument list; validation happens in [`Args::from_list`].
pub(crate) struct ArgList(Punctuated<Arg, Token![,]>);

impl Parse for ArgList {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        Punctuated::parse_terminated(input).map(ArgList)
    }
}

impl Args {
    pub(crate) fn from_list(list: ArgList) -> syn::Result<Self> {
        let mut errors = Errors::default();
        let mut component: Option<LitStr> = None;
        let mut event_type: Option<LitStr> = None;
        let mut krate = None;
        let mut family = None;
        let mut objective = None;
        let mut enabled = None;
        let mut error_level = None;
        let mut positional = 0;
        for arg in list.0 {
            match arg {
                Arg::Positional(lit) => {
                    positional += 1;
                    let (name, slot) = match positional {
                        1 => ("component", &mut component),
                        2 => ("event_type", &mut event_type),
                        _ => {
                            errors.push(syn::Error::new_spanned(
                                &lit,
                                "too many arguments: expected `\"component\", \"event_type\"`",
                            ));
                            continue;
                        }
                    };
                    set_label(&mut errors, name, slot, &lit, &lit);
                }
                Arg::Component(key, lit) => {
                    set_label(&mut errors, "component", &mut component, &key, &lit)
                }
                Arg::EventType(key, lit) => {
                    set_label(&mut errors, "event_type", &mut event_type, &key, &lit)
                }
                Arg::Family(key, path) => set_once(&mut errors, "family", &mut family, &key, path),
                Arg::Objective(key, path) => {
                    set_once(&mut errors, "objective", &mut objective, &key, path)
                }
                Arg::Enabled(key, expr) => {
                    set_once(&mut errors, "enabled", &mut enabled, &key, expr)
                }
                Arg::ErrorLevel(key, lit) => {
                    if let Some(level) = level_literal(&mut errors, &lit) {
                        set_once(&mut errors, "error_level", &mut error_level, &key, level);
                    }
                }
                Arg::Crate(key, path) => set_once(&mut errors, "crate", &mut krate, &key, path),
            }
        }
        let missing = |what| {
            syn::Error::new(
                Span::call_site(),
                format!(
                    "missing `{what}`: write #[track_operation(\"component\", \"event_type\")]"
                ),
            )
        };
        match (component, event_type) {
            (Some(component), Some(event_type)) => errors.finish(Args {
                component,
                event_type,
                krate,
                family,
                objective,
                enabled,
                error_level,
            }),
            (None, _) => {
                errors.push(missing("component"));
                errors.finish_err()
            }
            (Some(_), None) => {
                errors.push(missing("event_type"));
                errors.finish_err()
            }
        }
    }

    /// `ErrorLevel::X` of the runtime for the chosen level (default `Warn`).
    pub(crate) fn error_level_tokens(&self, private: &TokenStream) -> TokenStream {
        let level = self
            .error_level
            .as_ref()
            .map_or_else(|| "warn".to_owned(), |l| l.value().to_ascii_lowercase());
        let variant = match level.as_str() {
            "trace" => quote!(Trace),
            "debug" => quote!(Debug),
            "info" => quote!(Info),
            "error" => quote!(Error),
            _ => quote!(Warn),
        };
        quote!(#private::ErrorLevel::#variant)
    }
}

fn level_literal(errors: &mut Errors, lit: &Lit) -> Option<LitStr> {
    match lit {
        Lit::Str(s)
            if ["trace", "debug", "info", "warn", "error"]
                .contains(&s.value().to_ascii_lowercase().as_str()) =>
        {
            Some(s.clone())
        }
        other => {
            errors.push(syn::Error::new_spanned(
                other,
                "`error_level` must be one of \"trace\", \"debug\", \"info\", \"warn\", \"error\"",
            ));
            None
        }
    }
}

/// Stores an option given at most once, reporting a repeat at its key.
fn set_once<T>(
    errors: &mut Errors,
    name: &str,
    slot: &mut Option<T>,
    key: &dyn ToTokens,
    value: T,
) {
    if slot.is_some() {
        errors.push(syn::Error::new_spanned(
            key,
            format!("`{name}` is given twice"),
        ));
    } else {
        *slot = Some(value);
    }
}

/// Stores a label value, reporting duplicates at `key` and bad values at the literal.
fn set_label(
    errors: &mut Errors,
    name: &str,
    slot: &mut Option<LitStr>,
    key: &dyn ToTokens,
    lit: &Lit,
) {
    // A bad value still fills the slot, so it is not reported missing as well.
    let value = match lit {
        Lit::Str(s) => {
            if s.value().is_empty() {
                errors.push(syn::Error::new_spanned(
                    s,
                    format!("`{name}` must not be empty"),
                ));
            }
            s.clone()
        }
        other => {
            errors.push(syn::Error::new_spanned(
                other,
                format!("`{name}` must be a string literal, e.g. \"my_{name}\""),
            ));
            LitStr::new("", other.span())
        }
    };
    set_once(errors, name, slot, key, value);
}

/// Collects several errors so the user sees all of them in one build.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(first) => first.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub(crate) fn finish<T>(self, value: T) -> syn::Result<T> {
        match self.0 {
            Some(error) => Err(error),
            None => Ok(value),
        }
    }

    fn finish_err<T>(self) -> syn::Result<T> {
        Err(self
            .0
            .unwrap_or_else(|| syn::Error::new(Span::call_site(), "invalid arguments")))
    }
}

//! Parsing and validating `#[track_operation(..)]` arguments.
//!
//! Accepted forms: `("component", "event_type")`, `(component = "..", event_type = "..")`,
//! either with `crate = path`. Every problem is reported at its own token, all at once.

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Lit, LitStr, Path, Token};

mod kw {
    syn::custom_keyword!(component);
    syn::custom_keyword!(event_type);
}

/// Validated arguments.
pub(crate) struct Args {
    pub component: LitStr,
    pub event_type: LitStr,
    pub krate: Option<Path>,
}

/// One argument as written, before validation.
enum Arg {
    Positional(Lit),
    Component(kw::component, Lit),
    EventType(kw::event_type, Lit),
    Crate(Token![crate], Path),
}

impl Parse for Arg {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let lookahead = input.lookahead1();
        if input.peek(Lit) {
            Ok(Arg::Positional(input.parse()?))
        } else if lookahead.peek(kw::component) {
            let key = input.parse()?;
            input.parse::<Token![=]>()?;
            Ok(Arg::Component(key, input.parse()?))
        } else if lookahead.peek(kw::event_type) {
            let key = input.parse()?;
            input.parse::<Token![=]>()?;
            Ok(Arg::EventType(key, input.parse()?))
        } else if lookahead.peek(Token![crate]) {
            let key = input.parse()?;
            input.parse::<Token![=]>()?;
            Ok(Arg::Crate(key, input.parse()?))
        } else if input.peek(syn::Ident) {
            let unknown: syn::Ident = input.parse()?;
            Err(syn::Error::new(
                unknown.span(),
                format!(
                    "unknown option `{unknown}`; expected `component`, `event_type` or `crate`"
                ),
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
        let mut krate: Option<Path> = None;
        let mut positional = 0;
        for arg in list.0 {
            match arg {
                Arg::Positional(lit) => {
                    positional += 1;
                    let slot = match positional {
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
                    set_label(&mut errors, slot.0, slot.1, &lit, &lit);
                }
                Arg::Component(key, lit) => {
                    set_label(&mut errors, "component", &mut component, &key, &lit)
                }
                Arg::EventType(key, lit) => {
                    set_label(&mut errors, "event_type", &mut event_type, &key, &lit)
                }
                Arg::Crate(key, path) => {
                    if krate.is_some() {
                        errors.push(syn::Error::new_spanned(key, "`crate` is given twice"));
                    } else {
                        krate = Some(path);
                    }
                }
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
}

/// Stores a label value, reporting duplicates at `key` and bad values at the literal.
fn set_label(
    errors: &mut Errors,
    name: &str,
    slot: &mut Option<LitStr>,
    key: &dyn quote::ToTokens,
    lit: &Lit,
) {
    if slot.is_some() {
        errors.push(syn::Error::new_spanned(
            key,
            format!("`{name}` is given twice"),
        ));
        return;
    }
    // The slot is filled even for a bad value, so it is not reported missing as well.
    *slot = Some(match lit {
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
    });
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

//! Code generation for `#[track_operation]`.
//!
//! Two copies of the function are emitted, and `cfg` keeps one:
//! - for `rustc` (`cfg(not(clippy))`), the instrumented function: attributes, visibility and
//!   signature exactly as written, the body wrapped. The body keeps its own braces and spans
//!   (so `dead_code`, `#[expect]` and every rustc lint on it fire as without the attribute),
//!   inner attributes stay at the top of the function, and the generated locals are
//!   invisible to it ([`crate::idents`]);
//! - for clippy (`cfg(clippy)`, set by `cargo clippy`), the function exactly as written, so
//!   clippy lints the user's code and not ours: the set of warnings is the one without the
//!   attribute. The expressions of `enabled = ..` and `family = ..` are still type-checked.
//!   The `expand-under-clippy` feature shows clippy the instrumented copy instead (the
//!   project's lint test keeps it warning-free that way).
//!
//! Generated code calls `#[doc(hidden)]` items of the runtime by absolute path.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Block, LitStr, Type};

use crate::args::Args;
use crate::early_exit::may_exit_early;
use crate::idents::{Names, body_label};
use crate::inline::Exits;
use crate::item::{Function, Shape};

/// Whether to generate a `tracing` span per call (the runtime's `tracing` feature).
const TRACING: bool = cfg!(feature = "tracing");

/// Whether clippy sees the instrumented copy (feature `expand-under-clippy`).
const EXPAND_UNDER_CLIPPY: bool = cfg!(feature = "expand-under-clippy");

/// `item` is the function's original tokens, `function` their parse.
pub(crate) fn expand(args: &Args, function: Function, item: TokenStream) -> TokenStream {
    if EXPAND_UNDER_CLIPPY {
        return instrumented(args, &function);
    }
    let as_written = as_written(args, &function, item);
    let instrumented = instrumented(args, &function);
    quote! {
        #[cfg(clippy)]
        #as_written
        #[cfg(not(clippy))]
        #instrumented
    }
}

/// The function for clippy and for the `off` feature: as written, plus the attribute's own
/// expressions, evaluated but unused, so that what they name counts as used and their errors
/// still show.
pub(crate) fn as_written(args: &Args, function: &Function, item: TokenStream) -> TokenStream {
    if args.enabled.is_none() && args.family.is_none() && args.objective.is_none() {
        return item;
    }
    let Function {
        attrs,
        vis,
        sig,
        inner_attrs,
        block,
    } = function;
    let enabled = args.enabled.iter();
    let family = args.family.iter();
    let krate = krate(args);
    let objective = args.objective.iter();
    let mut body = TokenStream::new();
    block.brace_token.surround(&mut body, |body| {
        quote! {
            #(#inner_attrs)*
            #(let _ = || -> bool { #enabled };)*
            #(let _ = &#family;)*
            #(let _: &#krate::Objective = &#objective;)*
        }
        .to_tokens(body);
        Block {
            brace_token: block.brace_token,
            stmts: block.stmts.clone(),
        }
        .to_tokens(body);
    });
    quote!(#(#attrs)* #vis #sig #body)
}

/// The instrumented function.
fn instrumented(args: &Args, function: &Function) -> TokenStream {
    let krate = krate(args);
    let private = quote!(#krate::__private);
    let names = Names::new();
    let Names {
        site,
        operation,
        guard,
        enabled,
        ret,
        span,
        entered,
    } = &names;
    let (component, event_type) = (&args.component, &args.event_type);
    let Function {
        attrs,
        vis,
        sig,
        inner_attrs,
        block,
    } = function;
    let ret_ty = function.return_type_for_let();
    let inline = function.tracks_caller();

    let mut site_init = quote!(#private::CallSite::new(#component, #event_type));
    if let Some(family) = &args.family {
        site_init = quote!(#site_init.family(&#family));
    }
    if TRACING {
        let level = args.error_level_tokens(&private);
        site_init = quote!(#site_init.error_level(#level));
    }
    let enabled_expr = args
        .enabled
        .as_ref()
        .map_or_else(|| quote!(true), |e| quote!(#e));
    let entry = catalogue_entry(args, function, &private, &site_init);
    // The call site lives in its catalogue entry, one static registered at link time; it sits
    // in a block of its own: the body never sees it.
    let prologue = quote! {
        let #site: &'static #private::CallSite = {
            #private::register_operation! { #operation = #entry }
            #operation.call_site()
        };
        let #enabled: bool = #enabled_expr;
    };
    // With tracing: a span named after the function, entered for the call.
    let span_name = LitStr::new(&sig.ident.to_string(), sig.ident.span());
    let (make_span, enter, enter_span) = if TRACING {
        (
            quote! {
                let #span = #private::tracing::info_span!(
                    #span_name, component = #component, event_type = #event_type
                );
            },
            quote!(#site.enter_traced(#enabled, ::core::clone::Clone::clone(&#span))),
            quote!(let #entered = #span.enter();),
        )
    } else {
        (quote!(), quote!(#site.enter(#enabled)), quote!())
    };
    let instrument = |future: TokenStream| {
        let classify = classify(&private);
        if TRACING {
            quote!(#private::instrument_traced(#site, #enabled, #span, #future, #classify))
        } else {
            quote!(#private::instrument(#site, #enabled, #future, #classify))
        }
    };
    let outcome_of_ret = always_success(&sig.output, &private, ret)
        .unwrap_or_else(|| outcome_of(&private, &quote!(&#ret)));
    // An inlined body (see `inline`): `return` breaks out of this label.
    let label = body_label();
    let inlined = |try_into: Option<Type>| {
        Exits::new(label.clone(), private.clone(), try_into).rewrite(block.clone())
    };
    let closure = |ret_ty: &Type| quote!(#private::call_once(move || -> #ret_ty #block));
    // A body that cannot leave early runs in the function itself (see `early_exit`).
    let in_place = !may_exit_early(block.to_token_stream());
    // The tail of a body run in the function itself: its value recorded, then returned.
    let run_here = |value: TokenStream| {
        quote! {
            #[allow(unreachable_code, clippy::diverging_sub_expression)]
            let #ret: #ret_ty = #value;
            #[allow(unreachable_code)]
            #guard.finish(#outcome_of_ret);
            #[allow(unreachable_code)]
            #ret
        }
    };

    // The future a future-returning body builds (used by those shapes only).
    let built_future = || {
        if inline {
            let block = inlined(None);
            quote!({
                let #ret: #ret_ty = #label: #block;
                #ret
            })
        } else {
            closure(&ret_ty)
        }
    };

    let body = match function.shape() {
        Shape::Sync if inline => {
            let block = inlined(Some(ret_ty.clone()));
            let tail = run_here(quote!(#label: #block));
            quote! {
                #prologue
                #make_span
                let #guard = #enter.inline();
                #enter_span
                #tail
            }
        }
        Shape::Sync if in_place => {
            let tail = run_here(block.to_token_stream());
            quote! {
                #prologue
                #make_span
                let #guard = #enter;
                #enter_span
                #tail
            }
        }
        Shape::Sync => {
            let call = closure(&ret_ty);
            quote! {
                #prologue
                #make_span
                let #guard = #enter;
                #enter_span
                let #ret = #call;
                #guard.finish(#outcome_of_ret);
                #ret
            }
        }
        Shape::Diverging => quote! {
            #prologue
            #make_span
            let #guard = #enter;
            #enter_span
            #block
        },
        Shape::Async => {
            let body = quote!(async move {
                #[allow(clippy::diverging_sub_expression)]
                let #ret: #ret_ty = #block;
                #[allow(unreachable_code)]
                #ret
            });
            if TRACING {
                let future = instrument(body);
                quote! {
                    #prologue
                    #make_span
                    #future.await
                }
            } else if in_place {
                // As below, with the body in the function's own future.
                let tail = run_here(block.to_token_stream());
                quote! {
                    #prologue
                    let #guard = #enter;
                    #tail
                }
            } else {
                // The function's own future is the timer: its code runs from the first poll,
                // and the guard it holds across the `.await` records a drop before completion
                // as a cancellation and, being dropped while the poll unwinds, a panic as
                // one. No `Instrumented` wrapper and no classifying closure to compile.
                quote! {
                    #prologue
                    let #guard = #enter;
                    #[allow(clippy::diverging_sub_expression)]
                    let #ret: #ret_ty = #body.await;
                    #[allow(unreachable_code)]
                    #guard.finish(#outcome_of_ret);
                    #[allow(unreachable_code)]
                    #ret
                }
            }
        }
        Shape::ImplFuture(output) => {
            let future = match output {
                Some(output) => {
                    let future = built_future();
                    quote!(#private::expect_output::<#output, _>(#future))
                }
                None => built_future(),
            };
            let future = instrument(future);
            quote! {
                #prologue
                #make_span
                #future
            }
        }
        Shape::BoxedFuture => {
            let future = instrument(built_future());
            quote! {
                #prologue
                #make_span
                ::std::boxed::Box::pin(#future)
            }
        }
    };
    // The body keeps the braces (and so the spans) it was written with.
    let mut wrapped = TokenStream::new();
    block.brace_token.surround(&mut wrapped, |tokens| {
        quote!(#(#inner_attrs)* #body).to_tokens(tokens);
    });
    quote! {
        #(#attrs)*
        #vis #sig #wrapped
    }
}

/// The runtime crate's path: `crate = PATH` or `::session_metrics`.
fn krate(args: &Args) -> syn::Path {
    args.krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::session_metrics))
}

/// The catalogue's `Operation` for this function, registered at link time beside its call
/// site static.
/// The file and line of `span` (the function's name): as literals when the compiler tells the
/// macro (they then cost the crate nothing to expand: `file!()` and `line!()` at every
/// annotated function were ≈ 3 % of the attribute's compile time), else `file!()`/`line!()`
/// spanned on the name (outside a compiler run, e.g. the expansion snapshots).
fn location(span: proc_macro2::Span) -> (TokenStream, TokenStream) {
    if proc_macro::is_available() {
        let span = span.unwrap();
        let file = LitStr::new(&span.file(), proc_macro2::Span::call_site());
        let line = proc_macro2::Literal::u32_suffixed(u32::try_from(span.line()).unwrap_or(0));
        (quote!(#file), quote!(#line))
    } else {
        (
            quote_spanned!(span=> ::core::file!()),
            quote_spanned!(span=> ::core::line!()),
        )
    }
}

fn catalogue_entry(
    args: &Args,
    function: &Function,
    private: &TokenStream,
    site_init: &TokenStream,
) -> TokenStream {
    let ident = &function.sig.ident;
    let name = LitStr::new(&ident.to_string(), ident.span());
    let (file, line) = location(ident.span());
    let objective = args.objective.as_ref().map_or_else(
        || quote!(::core::option::Option::None),
        // Spanned on the path: a value of the wrong type is reported there.
        |path| {
            let reference = quote_spanned!(path.span()=> &#path);
            quote!(::core::option::Option::Some(#reference))
        },
    );
    let labels = match known_error_type(function) {
        Some(error) => quote! {
            || {
                #[allow(unused_imports)]
                use #private::{ViaErrorLabels as _, ViaNoLabels as _};
                (&&#private::LabelsOf::<#error>::NEW).__sm_error_labels()
            }
        },
        None => quote!(#private::no_error_labels),
    };
    quote! {
        #private::Operation::new(
            #site_init,
            ::core::module_path!(),
            #name,
            #file,
            #line,
            #objective,
            #labels,
        )
    }
}

/// The error type `E` of a return type written `Result<T, E>` (or `impl Future<Output =
/// Result<T, E>>`), when it can be named outside the function: a plain path without generic
/// arguments, `Self`, or a name that could be a generic parameter (one of the function's, or a
/// single letter, conventionally an `impl` block's). Its `ErrorLabel` labels are then known
/// before the first call.
fn known_error_type(function: &Function) -> Option<Type> {
    let written = match function.shape() {
        Shape::ImplFuture(Some(output)) => *output,
        Shape::Sync | Shape::Async => match &function.sig.output {
            syn::ReturnType::Type(_, ty) => (**ty).clone(),
            syn::ReturnType::Default => return None,
        },
        _ => return None,
    };
    let Type::Path(result) = written else {
        return None;
    };
    let last = result.path.segments.last()?;
    if result.qself.is_some() || last.ident != "Result" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let mut types = args.args.iter().filter_map(|arg| match arg {
        syn::GenericArgument::Type(ty) => Some(ty),
        _ => None,
    });
    let (Some(_), Some(Type::Path(error)), None) = (types.next(), types.next(), types.next())
    else {
        return None;
    };
    let generics: Vec<String> = function
        .sig
        .generics
        .type_params()
        .map(|p| p.ident.to_string())
        .collect();
    let segments = &error.path.segments;
    let nameable = error.qself.is_none()
        && segments
            .iter()
            .all(|s| s.arguments.is_none() && s.ident != "Self")
        && !(segments.len() == 1 && error.path.leading_colon.is_none() && {
            let name = segments[0].ident.to_string();
            name.chars().count() == 1 || generics.contains(&name)
        });
    // A type of the standard library cannot derive `ErrorLabel`: skip the lookup (it would
    // find nothing and costs compile time at every such function).
    let from_std = segments.len() > 1
        && matches!(
            segments[0].ident.to_string().as_str(),
            "std" | "core" | "alloc"
        );
    let prelude = segments.len() == 1 && segments[0].ident == "String";
    (nameable && !from_std && !prelude).then(|| Type::Path(error.clone()))
}

/// The `Outcome` of the value behind the reference `value`, chosen where its concrete type is
/// known (see the runtime's `outcome` module).
fn outcome_of(private: &TokenStream, value: &TokenStream) -> TokenStream {
    quote! {{
        #[allow(unused_imports)]
        use #private::Classify as _;
        (&&&&#private::Probe(#value)).__sm_outcome()
    }}
}

/// The `Outcome` of a function returning `()` or a primitive type such as `u64`: always
/// success, as the probe of [`outcome_of`] would find, since only the runtime could implement
/// its traits for those types. Saves the probe's method lookup at every such function. A
/// primitive's name is checked against the primitive type itself (`::core::primitive::u64`),
/// so a user type shadowing the name is a type error instead of a wrong outcome.
fn always_success(
    output: &syn::ReturnType,
    private: &TokenStream,
    ret: &syn::Ident,
) -> Option<TokenStream> {
    const PRIMITIVES: &[&str] = &[
        "bool", "char", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64",
        "i128", "isize", "f32", "f64",
    ];
    let success = quote!(#private::Outcome::Success);
    let ty = match output {
        syn::ReturnType::Default => return Some(success),
        syn::ReturnType::Type(_, ty) => &**ty,
    };
    match ty {
        Type::Tuple(unit) if unit.elems.is_empty() => Some(success),
        Type::Path(path)
            if path.qself.is_none()
                && path.path.leading_colon.is_none()
                && path.path.segments.len() == 1
                && path.path.segments[0].arguments.is_none()
                && PRIMITIVES.contains(&path.path.segments[0].ident.to_string().as_str()) =>
        {
            let primitive = &path.path.segments[0].ident;
            Some(quote!({
                let _: &::core::primitive::#primitive = &#ret;
                #success
            }))
        }
        _ => None,
    }
}

/// A closure classifying a future's output; its argument type comes from `instrument`'s bound.
fn classify(private: &TokenStream) -> TokenStream {
    let out = crate::idents::hidden("__sm_out");
    let outcome = outcome_of(private, &quote!(#out));
    quote!(|#out| #outcome)
}

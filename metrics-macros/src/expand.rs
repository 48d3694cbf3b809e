//! Code generation for `#[track_operation]`.
//!
//! Only the body is replaced; attributes, visibility and signature are emitted exactly as
//! written. Generated code calls `#[doc(hidden)]` items of the runtime by absolute path.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{LitStr, Path};

use crate::args::Args;
use crate::item::{Function, Shape};

/// Whether to generate a `tracing` span per call (the runtime's `tracing` feature).
const TRACING: bool = cfg!(feature = "tracing");

pub(crate) fn expand(args: &Args, function: Function) -> TokenStream {
    let krate = args
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::session_metrics));
    let private = quote!(#krate::__private);
    let (component, event_type) = (&args.component, &args.event_type);
    let shape = function.shape();
    let Function {
        attrs,
        vis,
        sig,
        block,
    } = &function;
    let ret = function.return_type_for_let();

    let mut site_init = quote!(#private::CallSite::new(#component, #event_type));
    if let Some(family) = &args.family {
        site_init = quote!(#site_init.family(&#family));
    }
    if TRACING {
        let level = args.error_level_tokens(&private);
        site_init = quote!(#site_init.error_level(#level));
    }
    let site = quote! {
        static __SESSION_METRICS_SITE: #private::CallSite = #site_init;
    };
    let enabled = match &args.enabled {
        Some(expr) => quote!({
            let __sm_enabled: bool = #expr;
            __sm_enabled
        }),
        None => quote!(true),
    };
    // With tracing: a span named after the function, entered for the call.
    let span_name = LitStr::new(&sig.ident.to_string(), sig.ident.span());
    let (make_span, enter, enter_span) = if TRACING {
        (
            quote! {
                let __sm_span = #private::tracing::info_span!(
                    #span_name, component = #component, event_type = #event_type
                );
            },
            quote!(__SESSION_METRICS_SITE.enter_traced(#enabled, __sm_span.clone())),
            quote!(let __sm_entered = __sm_span.enter();),
        )
    } else {
        (
            quote!(),
            quote!(__SESSION_METRICS_SITE.enter(#enabled)),
            quote!(),
        )
    };
    let instrument = |future: TokenStream| {
        let classify = classify(&krate);
        if TRACING {
            quote!(#private::instrument_traced(
                &__SESSION_METRICS_SITE, #enabled, __sm_span, #future, #classify
            ))
        } else {
            quote!(#private::instrument(&__SESSION_METRICS_SITE, #enabled, #future, #classify))
        }
    };
    // The body as a value of the declared type: `return` and `?` inside it leave this block,
    // not the function, so the outcome is always seen. The `let` pins the type for inference.
    let body = quote! {{
        // A body that is only `panic!()` or `todo!()` is fine; keep clippy quiet about it.
        #[allow(clippy::diverging_sub_expression)]
        let __sm_out: #ret = #block;
        #[allow(unreachable_code)]
        __sm_out
    }};
    let outcome_of_ret = outcome_of(&krate, &quote!(&__sm_ret));

    let new_body = match shape {
        Shape::Sync => quote! {
            #site
            #make_span
            let __sm_guard = #enter;
            #enter_span
            let __sm_ret = #private::call_once(move || #body);
            __sm_guard.finish(#outcome_of_ret);
            __sm_ret
        },
        Shape::Diverging => quote! {
            #site
            #make_span
            let __sm_guard = #enter;
            #enter_span
            #block
        },
        Shape::Async => {
            let future = instrument(quote!(async move #body));
            quote! {
                #site
                #make_span
                #future.await
            }
        }
        Shape::ImplFuture(output) => {
            let future = quote!(#private::call_once(move || #body));
            let future = match output {
                Some(output) => quote!(#private::expect_output::<#output, _>(#future)),
                None => future,
            };
            let future = instrument(future);
            quote! {
                #site
                #make_span
                #future
            }
        }
        Shape::BoxedFuture => {
            let future = instrument(quote!(#private::call_once(move || #body)));
            quote! {
                #site
                #make_span
                ::std::boxed::Box::pin(#future)
            }
        }
    };
    quote! {
        #(#attrs)*
        #vis #sig {
            #new_body
        }
    }
}

/// The `Outcome` of the value behind the reference `value`, chosen where its concrete type is
/// known (see the runtime's `outcome` module).
fn outcome_of(krate: &Path, value: &TokenStream) -> TokenStream {
    quote! {{
        #[allow(unused_imports)]
        use #krate::__private::{
            ViaAny as _, ViaCallOutcome as _, ViaLabel as _, ViaTypeName as _,
        };
        (&&&&#krate::__private::Probe(#value)).__sm_outcome()
    }}
}

/// A closure classifying a future's output; its argument type comes from `instrument`'s bound.
fn classify(krate: &Path) -> TokenStream {
    let outcome = outcome_of(krate, &quote!(__sm_out));
    quote!(|__sm_out| #outcome)
}

//! Code generation for `#[track_operation]`.
//!
//! Only the body is replaced; attributes, visibility and signature are emitted exactly as
//! written. Generated code calls `#[doc(hidden)]` items of the runtime by absolute path.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Path;

use crate::args::Args;
use crate::item::{Function, Shape};

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
    let site = quote! {
        static __SESSION_METRICS_SITE: #private::CallSite =
            #private::CallSite::new(#component, #event_type);
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
    let classify = classify(&krate);
    let outcome_of_ret = outcome_of(&krate, &quote!(&__sm_ret));

    let new_body = match shape {
        Shape::Sync => quote! {
            #site
            let __sm_guard = __SESSION_METRICS_SITE.enter();
            let __sm_ret = #private::call_once(move || #body);
            __sm_guard.finish(#outcome_of_ret);
            __sm_ret
        },
        Shape::Diverging => quote! {
            #site
            let __sm_guard = __SESSION_METRICS_SITE.enter();
            #block
        },
        Shape::Async => quote! {
            #site
            #private::instrument(&__SESSION_METRICS_SITE, async move #body, #classify).await
        },
        Shape::ImplFuture(output) => {
            let future = quote!(#private::call_once(move || #body));
            let future = match output {
                Some(output) => quote!(#private::expect_output::<#output, _>(#future)),
                None => future,
            };
            quote! {
                #site
                #private::instrument(&__SESSION_METRICS_SITE, #future, #classify)
            }
        }
        Shape::BoxedFuture => quote! {
            #site
            ::std::boxed::Box::pin(#private::instrument(
                &__SESSION_METRICS_SITE,
                #private::call_once(move || #body),
                #classify,
            ))
        },
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

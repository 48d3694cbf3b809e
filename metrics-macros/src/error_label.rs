//! `#[derive(ErrorLabel)]`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Attribute, Data, DeriveInput, Fields, LitStr};

use crate::args::Errors;

pub(crate) fn derive(input: DeriveInput) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let krate = quote!(::session_metrics);
    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let container_label = label_attr(&input.attrs, &mut errors);
    let mut labels = Vec::new();
    let body = match &input.data {
        Data::Enum(data) => {
            if let Some(label) = &container_label {
                errors.push(syn::Error::new_spanned(
                    label,
                    "#[error_label(\"..\")] on an enum is not supported; put it on a variant",
                ));
            }
            let arms = data.variants.iter().map(|variant| {
                let ident = &variant.ident;
                let label = label_attr(&variant.attrs, &mut errors)
                    .unwrap_or_else(|| LitStr::new(&ident.to_string(), ident.span()));
                labels.push(label.clone());
                let pattern = match &variant.fields {
                    Fields::Named(_) => quote!(Self::#ident { .. }),
                    Fields::Unnamed(_) => quote!(Self::#ident(..)),
                    Fields::Unit => quote!(Self::#ident),
                };
                quote!(#pattern => #label,)
            });
            let arms: Vec<_> = arms.collect();
            if arms.is_empty() {
                // An empty enum has no values; `match *self {}` proves it.
                quote!(match *self {})
            } else {
                quote!(match self { #(#arms)* })
            }
        }
        Data::Struct(_) => {
            let label =
                container_label.unwrap_or_else(|| LitStr::new(&name.to_string(), name.span()));
            labels.push(label.clone());
            quote!(#label)
        }
        Data::Union(data) => {
            errors.push(syn::Error::new_spanned(
                data.union_token,
                "#[derive(ErrorLabel)] supports enums and structs, not unions",
            ));
            quote!("")
        }
    };
    errors.finish(quote! {
        #[automatically_derived]
        impl #impl_generics #krate::ErrorLabel for #name #ty_generics #where_clause {
            fn error_label(&self) -> &'static str {
                #body
            }
        }

        #[automatically_derived]
        impl #impl_generics #krate::__private::ErrorLabels for #name #ty_generics #where_clause {
            const LABELS: &'static [&'static str] = &[#(#labels),*];
        }
    })
}

/// The `#[error_label("..")]` override, validated.
fn label_attr(attrs: &[Attribute], errors: &mut Errors) -> Option<LitStr> {
    let mut found = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("error_label")) {
        match attr.parse_args::<LitStr>() {
            Ok(lit) if lit.value().is_empty() => errors.push(syn::Error::new_spanned(
                &lit,
                "an error label must not be empty",
            )),
            Ok(lit) if found.is_some() => errors.push(syn::Error::new_spanned(
                &lit,
                "duplicate #[error_label(..)] attribute",
            )),
            Ok(lit) => found = Some(lit),
            Err(e) => errors.push(syn::Error::new(
                e.span(),
                "expected a string literal: #[error_label(\"label\")]",
            )),
        }
    }
    found
}

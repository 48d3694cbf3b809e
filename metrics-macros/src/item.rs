//! The annotated function: parsing it, rejecting what cannot be instrumented, and telling
//! which shape its body has.

use proc_macro2::TokenStream;
use syn::parse::{Parse, ParseStream};
use syn::visit_mut::VisitMut;
use syn::{
    Attribute, Block, GenericArgument, Item, PathArguments, ReturnType, Signature, Token, Type,
    TypeParamBound, Visibility,
};

/// A function with a body: a free function, a method, or a trait method with a default body.
pub(crate) struct Function {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub sig: Signature,
    /// `#![...]` attributes at the top of the body; they apply to the whole function.
    pub inner_attrs: Vec<Attribute>,
    /// The body without its inner attributes, with its own braces (and their spans).
    pub block: Block,
}

impl Parse for Function {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        let sig: Signature = input.parse()?;
        if input.peek(Token![;]) {
            return Err(syn::Error::new_spanned(
                &sig.ident,
                "#[track_operation] needs a function body; put it on the implementation, \
                 not on a trait method declaration",
            ));
        }
        let content;
        let brace_token = syn::braced!(content in input);
        let inner_attrs = content.call(Attribute::parse_inner)?;
        let stmts = content.call(Block::parse_within)?;
        Ok(Function {
            attrs,
            vis,
            sig,
            inner_attrs,
            block: Block { brace_token, stmts },
        })
    }
}

impl Function {
    /// Parses `item`, explaining what is wrong when it is not a function we can wrap.
    pub(crate) fn parse_item(item: TokenStream) -> syn::Result<Self> {
        let function = match syn::parse2::<Function>(item.clone()) {
            Ok(function) => function,
            Err(error) => return Err(not_a_function(item).unwrap_or(error)),
        };
        if let Some(constness) = &function.sig.constness {
            return Err(syn::Error::new_spanned(
                constness,
                "#[track_operation] cannot instrument a `const fn`: metrics cannot be recorded \
                 during constant evaluation",
            ));
        }
        if let Some(variadic) = &function.sig.variadic {
            return Err(syn::Error::new_spanned(
                variadic,
                "#[track_operation] cannot instrument a variadic function",
            ));
        }
        Ok(function)
    }

    /// Whether the function carries `#[track_caller]`: its body must then run in the
    /// function itself, not in a closure, for `Location::caller()` to see the caller.
    pub(crate) fn tracks_caller(&self) -> bool {
        self.attrs
            .iter()
            .any(|attr| attr.path().is_ident("track_caller"))
    }

    pub(crate) fn shape(&self) -> Shape {
        if self.sig.asyncness.is_some() {
            return Shape::Async;
        }
        match &self.sig.output {
            ReturnType::Type(_, ty) if is_never(ty) => Shape::Diverging,
            ReturnType::Type(_, ty) => match future_kind(ty) {
                Some(FutureKind::Impl(output)) => Shape::ImplFuture(output),
                Some(FutureKind::Boxed) => Shape::BoxedFuture,
                None => Shape::Sync,
            },
            ReturnType::Default => Shape::Sync,
        }
    }

    /// The declared return type with every `impl Trait` replaced by `_`, usable in a `let`.
    pub(crate) fn return_type_for_let(&self) -> Type {
        match &self.sig.output {
            ReturnType::Default => syn::parse_quote!(()),
            ReturnType::Type(_, ty) => infer_impl_traits((**ty).clone()),
        }
    }
}

/// What the function's body produces, which decides how it is timed.
pub(crate) enum Shape {
    /// A plain value: timed around the body.
    Sync,
    /// `-> !`: only a panic can end the call.
    Diverging,
    /// `async fn`: timed from the first poll of its future to completion.
    Async,
    /// `-> impl Future<Output = T>`: the returned future is timed; `T` if written.
    ImplFuture(Option<Box<Type>>),
    /// `-> Pin<Box<dyn Future ..>>` (also `BoxFuture`): the returned future is timed.
    BoxedFuture,
}

enum FutureKind {
    Impl(Option<Box<Type>>),
    Boxed,
}

fn is_never(ty: &Type) -> bool {
    matches!(ty, Type::Never(_))
}

fn future_kind(ty: &Type) -> Option<FutureKind> {
    match ty {
        Type::Paren(inner) => future_kind(&inner.elem),
        Type::Group(inner) => future_kind(&inner.elem),
        Type::ImplTrait(imp) => future_bound(&imp.bounds).map(FutureKind::Impl),
        Type::Path(path) if path.qself.is_none() => {
            let last = path.path.segments.last()?;
            match last.ident.to_string().as_str() {
                // `futures::future::BoxFuture` and `LocalBoxFuture` are `Pin<Box<dyn Future>>`.
                "BoxFuture" | "LocalBoxFuture" => Some(FutureKind::Boxed),
                "Pin" => {
                    let boxed = single_type_arg(&last.arguments)?;
                    let Type::Path(boxed) = boxed else {
                        return None;
                    };
                    let boxed = boxed.path.segments.last()?;
                    if boxed.ident != "Box" {
                        return None;
                    }
                    match single_type_arg(&boxed.arguments)? {
                        Type::TraitObject(object) => {
                            future_bound(&object.bounds).map(|_| FutureKind::Boxed)
                        }
                        _ => None,
                    }
                }
                _ => None,
            }
        }
        _ => None,
    }
}

fn single_type_arg(arguments: &PathArguments) -> Option<&Type> {
    let PathArguments::AngleBracketed(args) = arguments else {
        return None;
    };
    args.args.iter().find_map(|arg| match arg {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

/// `Some(output)` when `bounds` hold a `Future` bound; `output` is its `Output = T`, if any.
fn future_bound<'a>(
    bounds: impl IntoIterator<Item = &'a TypeParamBound>,
) -> Option<Option<Box<Type>>> {
    bounds.into_iter().find_map(|bound| {
        let TypeParamBound::Trait(bound) = bound else {
            return None;
        };
        let last = bound.path.segments.last()?;
        if last.ident != "Future" {
            return None;
        }
        let output = match &last.arguments {
            PathArguments::AngleBracketed(args) => args.args.iter().find_map(|arg| match arg {
                GenericArgument::AssocType(assoc) if assoc.ident == "Output" => {
                    Some(Box::new(infer_impl_traits(assoc.ty.clone())))
                }
                _ => None,
            }),
            _ => None,
        };
        Some(output)
    })
}

/// Replaces `impl Trait` (not writable in a `let` type) with `_`.
fn infer_impl_traits(mut ty: Type) -> Type {
    struct Infer;
    impl VisitMut for Infer {
        fn visit_type_mut(&mut self, ty: &mut Type) {
            if let Type::ImplTrait(imp) = ty {
                *ty = Type::Infer(syn::TypeInfer {
                    underscore_token: Token![_](imp.impl_token.span),
                });
            } else {
                syn::visit_mut::visit_type_mut(self, ty);
            }
        }
    }
    Infer.visit_type_mut(&mut ty);
    ty
}

/// A precise error for items that are not functions, pointing at their keyword.
fn not_a_function(item: TokenStream) -> Option<syn::Error> {
    let item: Item = syn::parse2(item).ok()?;
    let (span, kind): (&dyn quote::ToTokens, &str) = match &item {
        Item::Struct(i) => (&i.struct_token, "a struct"),
        Item::Enum(i) => (&i.enum_token, "an enum"),
        Item::Union(i) => (&i.union_token, "a union"),
        Item::Trait(i) => (&i.trait_token, "a trait"),
        Item::Impl(i) => (&i.impl_token, "an impl block"),
        Item::Mod(i) => (&i.mod_token, "a module"),
        Item::Const(i) => (&i.const_token, "a const"),
        Item::Static(i) => (&i.static_token, "a static"),
        Item::Type(i) => (&i.type_token, "a type alias"),
        Item::Use(i) => (&i.use_token, "a use declaration"),
        Item::ForeignMod(i) => (&i.abi, "an extern block"),
        Item::Macro(i) => (&i.mac.path, "a macro invocation"),
        _ => return None,
    };
    Some(syn::Error::new_spanned(
        span,
        format!("#[track_operation] can only be applied to functions and methods, not to {kind}"),
    ))
}

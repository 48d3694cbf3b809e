//! Expansion snapshots: what the attribute generates for sync and async functions, kept in
//! `snapshots/` so readers can see it and reviews show every change. Regenerate with
//! `UPDATE_SNAPSHOTS=1 cargo test -p session-metrics-macros`.

use std::path::Path;

use proc_macro2::TokenStream;
use quote::quote;

fn expand(attr: TokenStream, item: TokenStream) -> String {
    let args: crate::args::ArgList = syn::parse2(attr).expect("attribute arguments");
    let args = crate::args::Args::from_list(args).expect("valid arguments");
    let function = crate::item::Function::parse_item(item.clone()).expect("a function");
    let file: syn::File = syn::parse2(crate::expand::expand(&args, function, item))
        .expect("the expansion parses as items");
    prettyplease::unparse(&file)
}

fn check(name: &str, expanded: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, expanded).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        expected,
        expanded,
        "{} is stale; rerun with UPDATE_SNAPSHOTS=1",
        path.display()
    );
}

#[test]
fn sync_expansion() {
    let expanded = expand(
        quote!("store", "parse"),
        quote! {
            /// Parses a count.
            pub fn parse(s: &str) -> Result<u32, std::num::ParseIntError> {
                #![allow(clippy::needless_question_mark)]
                let n: u32 = s.trim().parse()?;
                Ok(n)
            }
        },
    );
    check("sync.rs", &expanded);
}

#[test]
fn async_expansion() {
    let expanded = expand(
        quote!("jobs", "fetch"),
        quote! {
            async fn fetch(&self, id: u32) -> Result<String, std::io::Error> {
                self.client.get(id).await
            }
        },
    );
    check("async.rs", &expanded);
}

/// A body with `?` (or `return`, or a macro call) runs in an `async` block of its own, so
/// that its early exits reach the outcome check.
#[test]
fn async_early_exit_expansion() {
    let expanded = expand(
        quote!("jobs", "fetch_all"),
        quote! {
            async fn fetch_all(&self, ids: &[u32]) -> Result<Vec<String>, std::io::Error> {
                let mut all = Vec::new();
                for &id in ids {
                    all.push(self.client.get(id).await?);
                }
                Ok(all)
            }
        },
    );
    check("async_early_exit.rs", &expanded);
}

#[test]
fn track_caller_expansion() {
    let expanded = expand(
        quote!("config", "get"),
        quote! {
            #[track_caller]
            fn get(&self, key: &str) -> Result<&str, Missing> {
                if key.is_empty() {
                    return Err(Missing);
                }
                let value = self.find(key)?;
                Ok(value)
            }
        },
    );
    check("track_caller.rs", &expanded);
}

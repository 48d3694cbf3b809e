//! Compile-time behaviour of the macros: every supported shape compiles (and runs), and every
//! misuse fails with an error at the offending token (`.stderr` snapshots).
//!
//! trybuild builds the fixtures in `tests/ui/{pass,fail}` in a project of its own (under
//! `target/tests/trybuild`) with `--cfg trybuild`, where this package's `cfg(not(trybuild))`
//! dependencies are left out: a fixture can use `session_metrics` without optional features,
//! `futures`, `async_trait` and `tokio`. A fixture needing more adds it to the unconditional
//! `[dev-dependencies]` in `Cargo.toml`.
//!
//! Its report is plain text when `NO_COLOR` is set or `TERM` is unset or `dumb` (CI sets
//! `NO_COLOR`).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}

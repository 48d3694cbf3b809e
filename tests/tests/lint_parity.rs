//! `#[track_operation]` changes no lint: the fixture crate `tests/lint-parity` (functions that
//! warn on purpose, each annotated) is linted by `cargo clippy` with `clippy::pedantic` and
//! rustc's allow-by-default lints turned on, three times:
//! 1. with the `off` feature: the functions as written — the warnings a user expects;
//! 2. instrumented, as users build it: the very same warnings;
//! 3. with clippy shown the instrumented expansion (`expand-under-clippy`): the same rustc
//!    warnings, and no clippy warning that (1) does not have — the generated code adds none.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const LINTS: &[&str] = &[
    "-Wclippy::pedantic",
    "-Wunused_qualifications",
    "-Wunused_results",
    "-Wunreachable_pub",
    "-Wsingle_use_lifetimes",
    "-Wunused_lifetimes",
    "-Wtrivial_casts",
    "-Welided_lifetimes_in_paths",
    "-Wlet_underscore_drop",
    "-Wredundant_lifetimes",
    "-Wunit_bindings",
    "-Wunused_import_braces",
    "-Wmissing_debug_implementations",
];

/// One warning on the fixture's own code: (lint, line, column, message).
type Warning = (String, u64, u64, String);

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("lint-parity")
}

/// The warnings of one `cargo clippy` run of the fixture with `features`.
fn lint(features: &str) -> BTreeSet<Warning> {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lint-parity");
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "clippy",
            "--quiet",
            "--message-format=json",
            "--features",
            features,
        ])
        .arg("--manifest-path")
        .arg(fixture().join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target)
        .arg("--")
        .args(LINTS)
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .expect("cargo clippy runs (rustup component add clippy)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "cargo clippy --features {features:?} failed:\n{}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut warnings = BTreeSet::new();
    for line in stdout.lines() {
        let message: serde_json::Value = serde_json::from_str(line).expect("cargo JSON");
        if message["reason"] != "compiler-message"
            || message["target"]["name"] != "session_metrics_lint_fixture"
        {
            continue;
        }
        let diagnostic = &message["message"];
        if diagnostic["level"] != "warning" {
            continue;
        }
        let Some(span) = diagnostic["spans"]
            .as_array()
            .and_then(|spans| spans.iter().find(|s| s["is_primary"] == true))
        else {
            continue; // "N warnings emitted"
        };
        let code = diagnostic["code"]["code"].as_str().unwrap_or("").to_owned();
        warnings.insert((
            code,
            span["line_start"].as_u64().unwrap(),
            span["column_start"].as_u64().unwrap(),
            diagnostic["message"].as_str().unwrap().to_owned(),
        ));
    }
    warnings
}

fn is_clippy(warning: &Warning) -> bool {
    warning.0.starts_with("clippy::")
}

fn show(warnings: &BTreeSet<Warning>) -> String {
    warnings
        .iter()
        .map(|(code, line, column, message)| format!("  {line}:{column} {code}: {message}\n"))
        .collect()
}

#[test]
fn the_attribute_changes_no_warning() {
    let written = lint("off");
    // The fixture really warns, with clippy's and rustc's lints, or the comparison proves nothing.
    let expected_codes = [
        "dead_code",
        "unused_variables",
        "unused_mut",
        "clippy::unused_async",
        "clippy::unused_self",
        "clippy::must_use_candidate",
        "clippy::unnecessary_wraps",
        "clippy::needless_lifetimes",
        "clippy::needless_pass_by_value",
        "clippy::needless_return",
        "clippy::missing_errors_doc",
    ];
    for code in expected_codes {
        assert!(
            written.iter().any(|w| w.0 == code),
            "the fixture should draw `{code}`; it drew:\n{}",
            show(&written)
        );
    }

    let instrumented = lint("");
    assert_eq!(
        written,
        instrumented,
        "warnings differ with the attribute.\nonly without:\n{}only with:\n{}",
        show(&written.difference(&instrumented).cloned().collect()),
        show(&instrumented.difference(&written).cloned().collect()),
    );

    let expanded = lint("expand-under-clippy");
    let rustc = |set: &BTreeSet<Warning>| -> BTreeSet<Warning> {
        set.iter().filter(|w| !is_clippy(w)).cloned().collect()
    };
    assert_eq!(
        rustc(&written),
        rustc(&expanded),
        "rustc's warnings differ on the instrumented code"
    );
    let added: BTreeSet<Warning> = expanded.difference(&written).cloned().collect();
    assert!(
        added.is_empty(),
        "the generated code draws warnings of its own:\n{}",
        show(&added)
    );
}

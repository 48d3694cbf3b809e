//! Finding external tools (promtool, ...) for the tests that need them.

use std::path::PathBuf;

/// Whether we run under CI, where a missing tool must fail the suite instead of skipping.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// The path of `name` on `PATH`. Under `CI=true` a missing tool panics (the test fails);
/// elsewhere it returns `None` after saying on stderr that the test is skipped.
pub fn require(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    });
    match found {
        Some(path) => Some(path),
        None if in_ci() => panic!(
            "{name} is required under CI=true but is not on PATH; \
             install it (Debian: apt-get install prometheus)"
        ),
        None => {
            eprintln!("SKIPPED: {name} is not on PATH (CI=true makes this a failure)");
            None
        }
    }
}

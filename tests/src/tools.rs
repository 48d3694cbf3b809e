//! Finding external tools (promtool, ...) for the tests that need them.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

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

/// Runs `promtool check metrics` on `text` and fails the test unless it exits 0 (clean, not
/// even a lint warning). Skips outside CI when promtool is missing, like [`require`].
pub fn assert_promtool_accepts(text: &str) {
    let Some(promtool) = require("promtool") else {
        return;
    };
    let mut child = Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run promtool");
    child
        .stdin
        .take()
        .expect("promtool stdin")
        .write_all(text.as_bytes())
        .expect("write to promtool");
    let out = child.wait_with_output().expect("promtool output");
    assert_eq!(
        out.status.code(),
        Some(0),
        "promtool check metrics said:\n{}{}\non:\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

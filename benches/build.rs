//! Generates the 1,000 `#[track_operation]` functions of the `catalogue` benchmark (string
//! literals for 1,000 distinct `event_type`s, which `macro_rules!` cannot make).

use std::fmt::Write as _;
use std::path::PathBuf;

/// How many annotated functions the benchmark's binary has.
const CALL_SITES: usize = 1_000;

fn main() {
    let mut code = String::new();
    for i in 0..CALL_SITES {
        writeln!(
            code,
            "#[session_metrics::track_operation(\"bench_catalogue\", \"op_{i:04}\")]\n\
             pub fn op_{i:04}() {{}}"
        )
        .expect("writing to a String");
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("catalogue_ops.rs"), code).expect("write the generated functions");
    println!("cargo:rerun-if-changed=build.rs");
}

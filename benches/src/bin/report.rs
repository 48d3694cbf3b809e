//! Prints the tables of `BENCHMARKS.md` from criterion's saved estimates.
//!
//! ```sh
//! cargo run -p session-metrics-benches --bin report [CRITERION_DIR]
//! ```
//!
//! `CRITERION_DIR` defaults to `$CARGO_TARGET_DIR/criterion`, else `target/criterion`.
//! Overhead is a variant's median minus the `bare` median of the same group.

use std::path::{Path, PathBuf};

const VARIANTS: [&str; 6] = [
    "bare",
    "track_operation",
    "hand_preresolved",
    "hand_with_label_values",
    "autometrics",
    "metrics_crate",
];
const GROUPS: [&str; 4] = ["success", "failure", "async", "two_threads"];

/// The median, in nanoseconds, of one benchmark, if it was run.
fn median(dir: &Path, id: &str) -> Option<f64> {
    let text = std::fs::read_to_string(dir.join(id).join("new/estimates.json")).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["median"]["point_estimate"].as_f64()
}

fn main() {
    let dir = std::env::args_os().nth(1).map_or_else(
        || {
            let target = std::env::var_os("CARGO_TARGET_DIR").unwrap_or_else(|| "target".into());
            PathBuf::from(target).join("criterion")
        },
        PathBuf::from,
    );
    println!("#### `clock` (the floor: two clock reads; one counter update)\n");
    println!("| benchmark | median ns |");
    println!("|---|---:|");
    for id in [
        "std_instant_now_elapsed",
        "quanta_raw_raw_delta",
        "atomic_fetch_add",
        "atomic_load_compare_exchange",
        "atomic_load_store",
    ] {
        if let Some(m) = median(&dir, &format!("clock/{id}")) {
            println!("| {id} | {m:.1} |");
        }
    }
    let mut checks = Vec::new();
    for suffix in ["", "_quanta"] {
        for group in GROUPS {
            let name = format!("{group}{suffix}");
            let medians: Vec<Option<f64>> = VARIANTS
                .iter()
                .map(|v| median(&dir, &format!("{name}/{v}")))
                .collect();
            let [Some(bare), track, hand, _, auto, _] = medians[..] else {
                continue;
            };
            println!("\n#### `{name}`\n");
            println!(
                "| variant | median ns/call | overhead ns | overhead ÷ hand_preresolved's | autometrics' overhead ÷ this |"
            );
            println!("|---|---:|---:|---:|---:|");
            let overhead = |m: Option<f64>| m.map(|m| m - bare);
            for (variant, m) in VARIANTS.iter().zip(&medians) {
                let Some(m) = *m else { continue };
                let o = m - bare;
                let vs_hand = overhead(hand).map_or("–".into(), |h| format!("{:.2}×", o / h));
                let vs_auto = overhead(auto).map_or("–".into(), |a| format!("{:.2}×", a / o));
                let (vs_hand, vs_auto) = if *variant == "bare" {
                    ("–".into(), "–".into())
                } else {
                    (vs_hand, vs_auto)
                };
                println!("| {variant} | {m:.1} | {o:.1} | {vs_hand} | {vs_auto} |");
            }
            if group == "two_threads" {
                println!("\nTwo threads ÷ one thread (median per call, same clock build):\n");
                println!("| variant | one thread ns | two threads ns | ratio |");
                println!("|---|---:|---:|---:|");
                for (variant, m) in VARIANTS.iter().zip(&medians) {
                    let one = median(&dir, &format!("success{suffix}/{variant}"));
                    if let (Some(one), Some(two)) = (one, *m) {
                        println!("| {variant} | {one:.1} | {two:.1} | {:.2}× |", two / one);
                        if *variant == "track_operation" {
                            checks.push(format!(
                                "two_threads{suffix}: {:.2}× single-thread per call (target ≤ 1.3×)",
                                two / one
                            ));
                        }
                    }
                }
            }
            let (Some(track), Some(hand), Some(auto)) = (track, hand, auto) else {
                continue;
            };
            let (t, h, a) = (track - bare, hand - bare, auto - bare);
            match group {
                "success" => {
                    checks.push(format!(
                        "success{suffix}: {:.2}× hand_preresolved's overhead (target ≤ 1.0×); autometrics' overhead is {:.2}× ours (target ≥ {})",
                        t / h,
                        a / t,
                        if suffix.is_empty() { "2.7×" } else { "5×" }
                    ));
                }
                "failure" => checks.push(format!(
                    "failure{suffix}: {:.2}× hand_preresolved's overhead (target ≤ 1.05×)",
                    t / h
                )),
                _ => {}
            }
        }
    }
    println!("\n#### `export` (export_metrics)\n");
    println!("| registry | median |");
    println!("|---|---:|");
    for kind in ["counters", "operations"] {
        for n in [1_000, 10_000] {
            if let Some(m) = median(&dir, &format!("export/{kind}/{n}")) {
                println!("| {kind}/{n} | {:.3} ms |", m / 1e6);
            }
        }
    }
    println!("\n#### Targets\n");
    for check in checks {
        println!("- {check}");
    }
}

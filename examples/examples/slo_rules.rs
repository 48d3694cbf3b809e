//! Prints the Prometheus rules for the objectives of the demo's operations: recording rules of
//! their error and latency ratios and multi-window, multi-burn-rate alerts.
//!
//! Run with `cargo run -p examples --example slo_rules`; the output is
//! `deploy/prometheus/rules/session_metrics_slo.rules.yml` (`scripts/check-deploy.sh` fails
//! when that file is stale). The buckets come from the settings, as the demo's do.
//!
//! The demo's functions are compiled into this binary as a module, so its catalogue holds
//! exactly the demo's operations (and the library's own) without running the demo.

use std::process::ExitCode;

use session_metrics::prometheus::Registry;
use session_metrics::settings::Settings;

#[allow(dead_code)] // only the demo's catalogue entries are used here
#[path = "demo.rs"]
mod demo;

fn main() -> ExitCode {
    let rules = Settings::load()
        .map_err(|e| e.to_string())
        .and_then(|settings| {
            settings
                .build_metrics(Registry::new())
                .map_err(|e| e.to_string())
        })
        .and_then(|metrics| {
            session_metrics::slo::prometheus_rules_for(&metrics).map_err(|e| e.to_string())
        });
    match rules {
        Ok(rules) => {
            print!("{rules}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}

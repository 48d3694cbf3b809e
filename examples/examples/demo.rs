//! The main demo: reads the settings, serves `/metrics`, and runs a continuing workload of
//! instrumented sync and async functions and sessions (some failing, panicking, cancelled)
//! until Ctrl-C. Every other round runs inside a sampled trace (a scoped
//! [`TraceContext`], as the MCP layer makes from a client's `traceparent`), so `/metrics` asked
//! for OpenMetrics shows exemplars linking buckets to trace ids:
//! `curl -H 'Accept: application/openmetrics-text; version=1.0.0' http://127.0.0.1:9090/metrics`.
//!
//! Run with `cargo run -p examples --example demo`. Settings come from
//! `settings/session-buddy.yaml` and `SESSION_BUDDY_*` variables, e.g.
//! `SESSION_BUDDY_PROMETHEUS_METRICS_PORT=9100 cargo run -p examples --example demo`.

use std::process::ExitCode;
use std::time::Duration;

use session_metrics::exemplar::TraceContext;
use session_metrics::http::MetricsServer;
use session_metrics::push::{PushChange, Pushgateway};
use session_metrics::session::{
    NoLifecycle, SessionEndEvent, SessionStartEvent, SessionStatus, SessionTracker,
};
use session_metrics::settings::{Settings, init_metrics_from_settings};
use session_metrics::{ErrorLabel, Objective, track_operation};

const COMPONENT: &str = "demo";

#[derive(Debug, ErrorLabel)]
enum StoreError {
    Timeout,
    #[error_label("not_found")]
    Missing,
}

/// Objectives of the demo's operations (rules: `cargo run -p examples --example slo_rules`).
/// The workload misses some on purpose, so that their budgets burn.
static LOOKUP: Objective = Objective::new("demo_lookup")
    .success_ratio(0.8)
    .latency(0.005, 0.99);
static CHECKPOINT: Objective = Objective::new("demo_checkpoint")
    .success_ratio(0.999)
    .latency(0.25, 0.99);
static PARSE: Objective = Objective::new("demo_parse").success_ratio(0.95);

/// A fast sync operation; every seventh call fails.
#[track_operation("demo", "lookup", objective = LOOKUP)]
fn lookup(key: u64) -> Result<u64, StoreError> {
    if key % 7 == 6 {
        return Err(StoreError::Missing);
    }
    Ok(key.wrapping_mul(2_654_435_761) % 1000)
}

/// A slower async operation; slow calls time out.
#[track_operation("demo", "checkpoint", objective = CHECKPOINT)]
async fn checkpoint(delay_ms: u64) -> Result<(), StoreError> {
    tokio::time::sleep(Duration::from_millis(delay_ms)).await;
    if delay_ms > 120 {
        return Err(StoreError::Timeout);
    }
    Ok(())
}

/// Parsing that fails with a library error (labelled `ParseIntError`) or panics.
#[track_operation("demo", "parse", objective = PARSE)]
fn parse(input: &str) -> Result<i64, std::num::ParseIntError> {
    if input == "boom" {
        panic!("unparseable input");
    }
    input.parse()
}

#[tokio::main]
async fn main() -> ExitCode {
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    // Which file was read (or where none was found), and any misspelled variable.
    settings.print_report();
    let metrics = match init_metrics_from_settings(&settings) {
        Ok(metrics) => metrics,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    if !metrics.is_enabled() {
        println!("metrics are disabled by the settings; the workload runs without them");
    }
    let server = match MetricsServer::start_from_settings(&settings).await {
        Ok(server) => server,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(1);
        }
    };
    println!(
        "serving metrics at http://{}{} (Ctrl-C to stop)",
        server.local_addr(),
        settings.prometheus_metrics_path
    );
    println!(
        "exemplars (every other round runs in a sampled trace): curl -H 'Accept: \
         application/openmetrics-text; version=1.0.0' http://{}{}",
        server.local_addr(),
        settings.prometheus_metrics_path
    );
    if settings.prometheus_metrics_status_page {
        println!("live status page at http://{}/", server.local_addr());
    }
    let pusher = match Pushgateway::from_settings(&settings.pushgateway) {
        Ok(Some(gateway)) => {
            println!(
                "pushing to {} every {:?}",
                gateway.url(),
                settings.pushgateway.push_interval
            );
            // Say when pushing starts failing and when it works again, not only at Ctrl-C.
            let url = gateway.url();
            Some(gateway.spawn_periodic_with(
                metrics,
                settings.pushgateway.push_interval,
                move |change| match change {
                    PushChange::Failed(error) => eprintln!("push failing: {error}"),
                    PushChange::Recovered => eprintln!("push to {url} works again"),
                    _ => {}
                },
            ))
        }
        Ok(None) => None,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };

    // Panics are part of the workload; keep their messages off the console.
    std::panic::set_hook(Box::new(|_| {}));
    let tracker = SessionTracker::new(NoLifecycle, true);
    let mut round: u64 = 0;
    let mut ticker = tokio::time::interval(Duration::from_millis(250));
    // One listener for the whole run: a Ctrl-C that arrives mid-round is not lost, and it
    // interrupts the round rather than waiting for it.
    let shutdown = tokio::signal::ctrl_c();
    tokio::pin!(shutdown);
    loop {
        round += 1;
        tokio::select! {
            biased;
            _ = &mut shutdown => break,
            _ = async {
                ticker.tick().await;
                match round_trace(round) {
                    Some(trace) => trace.scope(workload(&tracker, round)).await,
                    None => workload(&tracker, round).await,
                }
            } => {}
        }
        if round.is_multiple_of(40) {
            println!("{round} rounds done");
        }
    }

    println!("shutting down");
    server.shutdown().await;
    if let Some(pusher) = pusher
        && let Some(error) = pusher.stop().await
    {
        eprintln!("last push failed: {error}");
    }
    ExitCode::SUCCESS
}

/// A sampled trace for every other round, with ids a tracing system could have made (a
/// SplitMix64 sequence seeded from the clock); `None` for the rounds that run untraced.
fn round_trace(round: u64) -> Option<TraceContext> {
    fn mix(mut z: u64) -> u64 {
        z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    static SEED: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let seed = *SEED.get_or_init(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
    });
    if round % 2 == 1 {
        return None;
    }
    let n = seed ^ round.wrapping_mul(3);
    let mut trace_id = [0; 16];
    trace_id[..8].copy_from_slice(&mix(n).to_be_bytes());
    trace_id[8..].copy_from_slice(&mix(n.wrapping_add(1)).to_be_bytes());
    // Never all zero (an invalid id): the last byte is at least 1.
    trace_id[15] |= 1;
    Some(TraceContext {
        trace_id,
        span_id: (mix(n.wrapping_add(2)) | 1).to_be_bytes(),
    })
}

/// One round: a few operations of every kind, and a session starting or ending.
async fn workload(tracker: &SessionTracker<NoLifecycle>, round: u64) {
    for key in 0..5 {
        let _ = lookup(round * 5 + key);
    }
    let _ = checkpoint(round % 9 * 20).await;
    // Cancelled: the timeout drops the call's future before it completes.
    let _ = tokio::time::timeout(Duration::from_millis(5), checkpoint(50)).await;
    let input = match round % 6 {
        0 => "boom",
        1 => "x",
        _ => "42",
    };
    let _ = std::panic::catch_unwind(|| parse(input));

    let id = format!("session-{}", round / 4);
    if round % 4 == 1 {
        let shell = ["zsh", "bash", "fish"][(round / 4 % 3) as usize];
        let mut start = SessionStartEvent::new(&id, COMPONENT, shell);
        if round % 8 == 1 {
            start = start.with_quality_score((60 + round % 40) as f64);
        }
        let _ = tracker.handle_session_start(start).await;
    } else if round % 4 == 3 {
        let status = if round % 12 == 11 {
            SessionStatus::Error
        } else {
            SessionStatus::Success
        };
        // Sessions "last" minutes to hours, as a real shell session would.
        let end = SessionEndEvent::new(&id, COMPONENT, status)
            .with_duration_seconds(((round * 977) % 7200 + 30) as f64);
        let _ = tracker.handle_session_end(end).await;
    }
}

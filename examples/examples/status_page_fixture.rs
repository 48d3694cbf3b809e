//! A metrics server with a fixed, known workload for the status page's browser test
//! (`scripts/e2e-browser.sh`): serves on an ephemeral loopback port and prints
//! `status page at http://127.0.0.1:PORT/`; records its calls, the last of them in 60 bursts
//! 50 ms apart while the history samples every 100 ms (so the sparklines have a shape), then
//! prints `settled` and records nothing more. Serves until its standard input closes (at most
//! 5 minutes).
//!
//! Run with `cargo run -p examples --example status_page_fixture`.

use std::io::{Read, Write};
use std::time::Duration;

use session_metrics::SessionMetrics;
use session_metrics::http::{BlockingMetricsServer, ServerOptions};

/// The component whose name is markup: the page must show it as text.
const XSS_COMPONENT: &str = "<script>alert(1)</script>";

/// Failures of one operation: (error type, count, seconds each).
type Failures = &'static [(&'static str, u32, f64)];

/// Calls of one operation: (component, event type, successes, seconds each, failures).
type Calls = (&'static str, &'static str, u32, f64, Failures);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let metrics: &'static SessionMetrics = Box::leak(Box::new(SessionMetrics::new(
        session_metrics::prometheus::Registry::new(),
    )?));
    let workload: [Calls; 5] = [
        ("store", "get", 40, 0.003, &[("Timeout", 2, 0.3)]),
        ("store", "put", 20, 0.04, &[]),
        ("auth", "login", 10, 0.8, &[("Denied", 1, 0.02)]),
        (
            "search",
            "query",
            30,
            0.12,
            &[("Timeout", 3, 2.0), ("Parse", 1, 0.001)],
        ),
        (XSS_COMPONENT, "render", 5, 0.02, &[]),
    ];
    let record = |(component, event_type, calls, seconds, failures): Calls| {
        for _ in 0..calls {
            metrics.record_mcp_event_success(component, event_type, seconds);
        }
        for &(error_type, count, seconds) in failures {
            for _ in 0..count {
                metrics.record_mcp_event_failure(component, event_type, error_type, seconds);
            }
        }
    };
    workload.into_iter().for_each(&record);
    for shell in ["bash", "bash", "zsh"] {
        metrics.record_session_start("store", shell);
    }
    metrics.record_session_end("store", "success", 300.0);
    metrics.record_session_end("store", "error", 40.0);
    metrics.set_active_sessions("store", 1);
    metrics.set_session_quality_score("store", 87.5);

    let options = ServerOptions {
        status_sample_interval: Duration::from_millis(100),
        ..ServerOptions::default()
    };
    let server = BlockingMetricsServer::start("127.0.0.1:0".parse()?, metrics, options)?;
    println!("status page at http://{}/", server.local_addr());
    std::io::stdout().flush()?;
    // 60 bursts 50 ms apart, their size rising and falling, a slow call now and then.
    for burst in 0u32..60 {
        std::thread::sleep(Duration::from_millis(50));
        let size = 1 + (f64::from(burst) / 4.0).sin().mul_add(2.0, 2.0).round() as u32;
        record(("store", "get", size * 2, 0.003, &[]));
        record(("search", "query", size, 0.08 + 0.02 * f64::from(size), &[]));
        let slow: Failures = if burst % 12 == 0 {
            &[("Timeout", 1, 2.0)]
        } else {
            &[]
        };
        record(("auth", "login", 1, 0.3 + 0.1 * f64::from(size), slow));
    }
    println!("settled");
    std::io::stdout().flush()?;
    // Serve until stdin closes (the test ends), or at most 5 minutes as a hang guard.
    let (done, wait) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        let _ = done.send(());
    });
    let _ = wait.recv_timeout(Duration::from_secs(300));
    server.shutdown();
    Ok(())
}

//! End to end: a real Prometheus with `--enable-feature=exemplar-storage` scrapes our endpoint
//! over OpenMetrics, and `/api/v1/query_exemplars` returns exactly the trace ids our traced
//! calls kept, in the buckets their durations fell in, and none for untraced calls. Needs
//! `prometheus` (Debian's package); under `CI=true` a missing tool fails the test.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::Value;
use session_metrics::SessionMetrics;
use session_metrics::exemplar::TraceContext;
use session_metrics_tests::prom::{self, TempDir, eventually, query, query_exemplars, serve};
use session_metrics_tests::tools;

/// Three traced calls, each in a bucket of its own (default buckets: 0.005, 0.05, 0.5).
const TRACED: [(&str, f64, &str); 3] = [
    (
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        0.004,
        "0.005",
    ),
    (
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        0.04,
        "0.05",
    ),
    (
        "00-5c4e3fa1d2b0476a9e8f7d6c5b4a3921-1a2b3c4d5e6f7081-01",
        0.4,
        "0.5",
    ),
];

/// Untraced calls, in buckets of their own (0.025 and 2.5), and an unsampled one (0.1).
const UNTRACED: [f64; 2] = [0.015, 2.0];
const UNSAMPLED: (&str, f64) = (
    "00-6d5f4eb2e3c1587baf908e7d6c5b4a32-2b3c4d5e6f708192-00",
    0.08,
);

fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// `(le, trace_id, span_id, value)` of every exemplar Prometheus returned.
fn stored(series: &[Value]) -> BTreeSet<(String, String, String, String)> {
    series
        .iter()
        .flat_map(|s| {
            let le = s["seriesLabels"]["le"].as_str().unwrap_or("?").to_owned();
            s["exemplars"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(move |e| {
                    (
                        le.clone(),
                        e["labels"]["trace_id"].as_str().unwrap_or("").to_owned(),
                        e["labels"]["span_id"].as_str().unwrap_or("").to_owned(),
                        e["value"].as_str().unwrap_or("").to_owned(),
                    )
                })
        })
        .collect()
}

#[test]
fn prometheus_stores_the_exemplars_of_traced_calls_only() {
    if tools::require("prometheus").is_none() {
        return;
    }
    let metrics: &'static SessionMetrics = Box::leak(Box::new(
        SessionMetrics::new(prometheus::Registry::new()).unwrap(),
    ));
    let start = unix_now() - 60.0;
    for (traceparent, seconds, _) in TRACED {
        let trace = TraceContext::from_traceparent(traceparent).unwrap();
        trace.in_scope(|| metrics.record_mcp_event_success("e2e", "traced", seconds));
    }
    for seconds in UNTRACED {
        metrics.record_mcp_event_success("e2e", "traced", seconds);
    }
    // An unsampled traceparent gives no context, so the call records no exemplar.
    assert_eq!(TraceContext::from_traceparent(UNSAMPLED.0), None);
    metrics.record_mcp_event_success("e2e", "traced", UNSAMPLED.1);
    let server = serve(metrics);

    let config = format!(
        "global: {{scrape_interval: 1s}}\n\
         scrape_configs:\n\
         \x20 - job_name: exemplars\n\
         \x20   static_configs: [{{targets: [\"{}\"]}}]\n",
        server.local_addr(),
    );
    let prometheus = prom::start_prometheus_with(
        &config,
        TempDir::new("prometheus-exemplars"),
        &["--enable-feature=exemplar-storage"],
    )
    .unwrap();

    eventually(Duration::from_secs(60), "the target up", || {
        (query(&prometheus, "up == 1").len() == 1).then_some(())
    });
    // Scraped over OpenMetrics, with no error.
    let (_, targets) = prom::get(&format!("{}/api/v1/targets", prometheus.url)).unwrap();
    let targets: Value = serde_json::from_str(&targets).unwrap();
    let active = targets["data"]["activeTargets"].as_array().unwrap();
    assert_eq!(active.len(), 1, "{targets}");
    assert_eq!(active[0]["health"], "up", "{targets}");
    assert_eq!(active[0]["lastError"], "", "{targets}");

    let expected: BTreeSet<_> = TRACED
        .iter()
        .map(|&(traceparent, seconds, le)| {
            let (trace_id, span_id) = (&traceparent[3..35], &traceparent[36..52]);
            (
                le.to_owned(),
                trace_id.to_owned(),
                span_id.to_owned(),
                seconds.to_string(),
            )
        })
        .collect();
    let expr = r#"mcp_event_emit_duration_seconds_bucket{job="exemplars",event_type="traced"}"#;
    let got = eventually(Duration::from_secs(30), "three exemplars stored", || {
        let got = stored(&query_exemplars(
            &prometheus,
            expr,
            start,
            unix_now() + 60.0,
        ));
        (got.len() >= expected.len()).then_some(got)
    });
    assert_eq!(
        got, expected,
        "exactly the traced calls' trace ids, in their buckets"
    );
    // The untraced and unsampled calls were counted, with no exemplar in their buckets.
    assert_eq!(
        prom::query_value(
            &prometheus,
            r#"sum(mcp_event_emit_duration_seconds_count{job="exemplars"})"#
        ),
        Some(6.0)
    );
    drop(prometheus);
    drop(server);
}

//! End to end against the real tools: a Prometheus server scrapes two instances of our
//! endpoint and a Pushgateway; we read everything back through Prometheus' HTTP API, run every
//! dashboard expression and load the alerting rules. Needs `prometheus`,
//! `prometheus-pushgateway` and `promtool` (Debian packages); under `CI=true` a missing tool
//! fails the test.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;
use session_metrics::http::BlockingMetricsServer;
use session_metrics::push::{PushErrorKind, Pushgateway};
use session_metrics::{ErrorLabel, SessionMetrics, init_metrics, track_operation};
use session_metrics_tests::prom::{self, Daemon, TempDir, eventually, query, query_value, serve};
use session_metrics_tests::{Exposition, tools};

#[derive(Debug, ErrorLabel)]
enum E {
    Rejected,
}

#[track_operation("e2e", "fast")]
fn fast(i: u32) -> Result<u32, E> {
    if i % 5 == 4 { Err(E::Rejected) } else { Ok(i) }
}

#[track_operation("e2e", "sleepy")]
fn sleepy() {
    std::thread::sleep(Duration::from_millis(15));
}

/// The duration recorded for every `timed` event: within the (0.01, 0.025] bucket.
const TIMED_SECONDS: f64 = 0.015;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Records the known workload; returns the two servers (global `instance="a"`, and `"b"`).
fn two_instances() -> (BlockingMetricsServer, BlockingMetricsServer) {
    let a = SessionMetrics::builder()
        .const_label("instance", "a")
        .build(prometheus::Registry::new())
        .unwrap();
    let a = init_metrics(a).unwrap();
    for i in 0..25 {
        let _ = fast(i); // 20 successes, 5 failures
    }
    for _ in 0..10 {
        sleepy(); // 10 successes, each at least 15 ms (no upper bound: machines get loaded)
    }
    for _ in 0..10 {
        // 10 successes of exactly 15 ms: known durations for an exact quantile.
        a.record_mcp_event_success("e2e", "timed", TIMED_SECONDS);
    }
    for _ in 0..3 {
        a.record_session_start("e2e", "bash");
    }
    let b = SessionMetrics::builder()
        .const_label("instance", "b")
        .build(prometheus::Registry::new())
        .unwrap();
    let b: &'static SessionMetrics = Box::leak(Box::new(b));
    for _ in 0..7 {
        b.record_mcp_event_success("e2e", "fast", 0.002);
    }
    for _ in 0..2 {
        b.record_session_start("e2e", "zsh");
    }
    (serve(a), serve(b))
}

/// Every `expr` in the dashboard, with its template variables filled in.
fn dashboard_expressions() -> Vec<String> {
    fn collect(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(expr)) = map.get("expr") {
                    out.push(expr.clone());
                }
                map.values().for_each(|v| collect(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
            _ => {}
        }
    }
    let path = repo_root().join("deploy/grafana/session-metrics.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let dashboard: Value = serde_json::from_str(&text).unwrap();
    let mut exprs = Vec::new();
    collect(&dashboard["panels"], &mut exprs);
    exprs
        .into_iter()
        .filter(|e| !e.trim().is_empty())
        .map(|e| {
            e.replace("$component", ".*")
                .replace("$__rate_interval", "1m")
        })
        .collect()
}

#[test]
fn prometheus_scrapes_two_instances_and_the_pushgateway() {
    // Check every tool first, so a missing one fails (CI) or skips before any work.
    if tools::require("prometheus").is_none()
        || tools::require("prometheus-pushgateway").is_none()
        || tools::require("promtool").is_none()
    {
        return;
    }
    let (a, b) = two_instances();
    let gateway = prom::start_pushgateway().unwrap();
    let rules = repo_root().join("deploy/prometheus/rules/session_metrics.rules.yml");
    assert!(rules.is_file(), "missing {}", rules.display());
    let config = format!(
        "global: {{scrape_interval: 1s, evaluation_interval: 1s}}\n\
         rule_files: [{rules:?}]\n\
         scrape_configs:\n\
         \x20 - job_name: session-metrics\n\
         \x20   honor_labels: true\n\
         \x20   static_configs: [{{targets: [\"{}\", \"{}\"]}}]\n\
         \x20 - job_name: pushgateway\n\
         \x20   honor_labels: true\n\
         \x20   static_configs: [{{targets: [\"{}\"]}}]\n",
        a.local_addr(),
        b.local_addr(),
        gateway.url.trim_start_matches("http://"),
    );
    let prometheus = prom::start_prometheus(&config, TempDir::new("prometheus")).unwrap();

    // The served text itself passes promtool.
    let (status, served) = prom::get(&format!("http://{}/metrics", a.local_addr())).unwrap();
    assert_eq!(status, 200);
    tools::assert_promtool_accepts(&served);

    // Push while Prometheus starts up; read the group back through the gateway itself.
    let pushed = Box::leak(Box::new(
        SessionMetrics::new(prometheus::Registry::new()).unwrap(),
    ));
    for _ in 0..4 {
        pushed.record_session_start("batch", "sh");
    }
    let group = Pushgateway::new(&gateway.url, "e2e-batch")
        .unwrap()
        .grouping("instance", "worker/1")
        .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(group.push(pushed)).unwrap();
    let on_gateway = Exposition::parse(&prom::get(&format!("{}/metrics", gateway.url)).unwrap().1);
    let batch = [
        ("component_name", "batch"),
        ("instance", "worker/1"),
        ("job", "e2e-batch"),
        ("shell_type", "sh"),
    ];
    assert_eq!(on_gateway.get("session_start_total", &batch), Some(4.0));

    // Both instances and the gateway are scraped (the first scrape comes ~5-6 s after start).
    eventually(Duration::from_secs(60), "three targets up", || {
        let up = query(&prometheus, "up == 1");
        (up.len() == 3).then_some(())
    });
    check_instances(&prometheus);
    eventually(
        Duration::from_secs(20),
        "the pushed group in Prometheus",
        || {
            query_value(
                &prometheus,
                r#"session_start_total{job="e2e-batch",instance="worker/1"}"#,
            )
            .filter(|v| *v == 4.0)
        },
    );
    check_pushgateway_semantics(&rt, &gateway, &group);
    check_dashboard_and_rules(&prometheus);
    drop(prometheus);
    drop(gateway);
    drop((a, b));
}

fn check_instances(prometheus: &Daemon) {
    let v = |expr: &str| {
        eventually(Duration::from_secs(20), expr, || {
            query_value(prometheus, expr)
        })
    };
    assert_eq!(
        v(r#"sum(mcp_event_emit_success_total{instance="a"})"#),
        40.0
    );
    assert_eq!(
        v(r#"sum(mcp_event_emit_failure_total{instance="a",error_type="Rejected"})"#),
        5.0
    );
    assert_eq!(v(r#"session_start_total{instance="a"}"#), 3.0);
    // Known durations: all 10 in the (0.01, 0.025] bucket, so Prometheus interpolates the p95
    // at 0.01 + (0.025 - 0.01) * 9.5 / 10 = 0.02425.
    let timed = |q: &str| {
        format!(
            "histogram_quantile({q}, sum by (le) \
             (mcp_event_emit_duration_seconds_bucket{{instance=\"a\",event_type=\"timed\"}}))"
        )
    };
    let p95 = v(&timed("0.95"));
    assert!(
        (p95 - 0.02425).abs() < 1e-9,
        "p95 of ten 0.015 s events: {p95}"
    );
    let p50 = v(&timed("0.5"));
    assert!(
        (p50 - 0.0175).abs() < 1e-9,
        "p50 of ten 0.015 s events: {p50}"
    );
    // Real sleeps: each lasts at least 15 ms, so every observation lies above the 0.01 bucket
    // bound and so does the p95; how much longer a sleep takes depends on the machine's load,
    // so nothing bounds it from above.
    assert_eq!(
        v(r#"sum(mcp_event_emit_duration_seconds_count{instance="a",event_type="sleepy"})"#),
        10.0
    );
    assert_eq!(
        v(
            r#"sum(mcp_event_emit_duration_seconds_bucket{instance="a",event_type="sleepy",le="0.01"})"#
        ),
        0.0
    );
    let p95 = v(
        r#"histogram_quantile(0.95, sum by (le) (mcp_event_emit_duration_seconds_bucket{instance="a",event_type="sleepy"}))"#,
    );
    assert!(p95 > 0.01, "p95 of 15 ms sleeps: {p95}");
    // Two instances: per-component sums add both up.
    assert_eq!(
        v(
            r#"sum by (component_name) (mcp_event_emit_success_total{job="session-metrics",component_name="e2e"})"#
        ),
        47.0
    );
    assert_eq!(
        v(r#"sum by (component_name) (session_start_total{job="session-metrics"})"#),
        5.0
    );
}

fn check_pushgateway_semantics(
    rt: &tokio::runtime::Runtime,
    gateway: &Daemon,
    group: &Pushgateway,
) {
    let on_gateway =
        || Exposition::parse(&prom::get(&format!("{}/metrics", gateway.url)).unwrap().1);
    let in_group = [("job", "e2e-batch"), ("instance", "worker/1")];
    // POST adds a family and keeps the others; PUT replaces the whole group.
    let other = Box::leak(Box::new(
        SessionMetrics::new(prometheus::Registry::new()).unwrap(),
    ));
    other.record_mcp_event_success("batch", "load", 0.5);
    rt.block_on(group.push_add(other)).unwrap();
    let e = on_gateway();
    assert_eq!(e.matching("session_start_total", &in_group).len(), 1);
    assert_eq!(
        e.matching("mcp_event_emit_success_total", &in_group).len(),
        1
    );
    rt.block_on(group.push(other)).unwrap();
    let e = on_gateway();
    assert!(e.matching("session_start_total", &in_group).is_empty());
    assert_eq!(
        e.matching("mcp_event_emit_success_total", &in_group).len(),
        1
    );
    // DELETE removes the group.
    rt.block_on(group.delete()).unwrap();
    assert!(
        on_gateway()
            .matching("mcp_event_emit_success_total", &in_group)
            .is_empty()
    );
    // A 4xx names the URL and the status.
    let wrong = Pushgateway::new(&format!("{}/no-such-prefix", gateway.url), "j").unwrap();
    let error = rt.block_on(wrong.push(other)).unwrap_err();
    assert!(
        matches!(error.kind(), PushErrorKind::Status { status, .. } if status.as_u16() == 404),
        "{error}"
    );
    assert!(
        error.to_string().contains("/no-such-prefix/metrics/job/j"),
        "{error}"
    );
}

fn check_dashboard_and_rules(prometheus: &Daemon) {
    let exprs = dashboard_expressions();
    assert!(
        exprs.len() >= 6,
        "dashboard has {} expressions",
        exprs.len()
    );
    for expr in &exprs {
        query(prometheus, expr); // panics on a PromQL error
    }
    // Every recording and alerting rule evaluates without error.
    prom::healthy_rules(prometheus);
}

//! End to end with a real Prometheus: this test binary's catalogue on the very first scrape.
//!
//! The binary serves its global metrics; Prometheus loads the rules generated for the
//! binary's objectives (`session_metrics::slo::prometheus_rules()`) and the hand-written and
//! demo rules of `deploy/`, and scrapes every second. On the first scrape every catalogued
//! operation is present (an operation called only later at 0), `increase()` then sees that
//! operation's first call, and every rule evaluates healthy. Needs `prometheus` (Debian
//! package); under `CI=true` a missing tool fails the test.

use std::path::PathBuf;
use std::time::Duration;

use session_metrics::prometheus::Registry;
use session_metrics::{
    ErrorLabel, Objective, Operation, OperationFamily, SessionMetrics, init_metrics, operations,
    track_operation,
};
use session_metrics_tests::prom::{self, Daemon, TempDir, eventually, query, query_value};
use session_metrics_tests::tools;

static CHECKOUT: Objective = Objective::new("e2e_checkout")
    .success_ratio(0.999)
    .latency(0.25, 0.99);
static DB: OperationFamily = OperationFamily::new("e2e_catalogue_db", &[0.01, 0.1, 1.0]);

#[derive(Debug, ErrorLabel)]
enum CheckoutError {
    Declined,
}

#[track_operation("e2e_catalogue", "checkout", objective = CHECKOUT)]
fn checkout(fail: bool) -> Result<(), CheckoutError> {
    if fail {
        Err(CheckoutError::Declined)
    } else {
        Ok(())
    }
}

#[track_operation("e2e_catalogue", "lookup", family = DB)]
fn lookup() {}

/// Called only after Prometheus has scraped the binary once.
#[track_operation("e2e_catalogue", "later")]
fn later() {}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The selector of `op`'s series in `metric` (`_duration_seconds_count`, `_success_total`).
fn selector(op: &Operation, metric: &str) -> String {
    format!(
        "{}{metric}{{job=\"catalogue\",component_name=\"{}\",event_type=\"{}\"}}",
        op.family(),
        op.component(),
        op.event_type()
    )
}

/// The samples of a range query `expr` returning one series: `(timestamp, value)`.
fn samples(prometheus: &Daemon, expr: &str) -> Vec<(f64, String)> {
    let result = query(prometheus, expr);
    let [series] = result.as_slice() else {
        panic!("{expr}: expected one series, got {result:?}");
    };
    series["values"]
        .as_array()
        .expect("a range result")
        .iter()
        .map(|v| {
            (
                v[0].as_f64().expect("a timestamp"),
                v[1].as_str().expect("a value").to_owned(),
            )
        })
        .collect()
}

#[test]
fn the_first_scrape_holds_every_catalogued_operation() {
    if tools::require("prometheus").is_none() {
        return;
    }
    // The catalogue is the test's input: it must hold this file's functions.
    let ours: Vec<&Operation> = operations()
        .filter(|op| op.component() == "e2e_catalogue")
        .collect();
    let mut events: Vec<&str> = ours.iter().map(|op| op.event_type()).collect();
    events.sort_unstable();
    assert_eq!(events, ["checkout", "later", "lookup"]);

    let metrics = init_metrics(SessionMetrics::new(Registry::new()).unwrap()).unwrap();
    // A known workload before the first scrape; `later` is not called yet.
    for fail in [false, false, false, true] {
        let _ = checkout(fail);
    }
    lookup();
    let server = prom::serve(metrics);

    let dir = TempDir::new("prometheus-catalogue");
    let generated = dir.path().join("generated_slo.rules.yml");
    let rules = session_metrics::slo::prometheus_rules().unwrap();
    assert!(rules.contains(r#"event_type="checkout""#), "{rules}");
    std::fs::write(&generated, rules).unwrap();
    let deploy = repo_root().join("deploy/prometheus/rules");
    let rule_files = [
        generated,
        deploy.join("session_metrics.rules.yml"),
        deploy.join("session_metrics_slo.rules.yml"),
    ];
    for file in &rule_files {
        assert!(file.is_file(), "missing {}", file.display());
    }
    let config = format!(
        "global: {{scrape_interval: 1s, evaluation_interval: 1s}}\n\
         rule_files: {rule_files:?}\n\
         scrape_configs:\n\
         \x20 - job_name: catalogue\n\
         \x20   honor_labels: true\n\
         \x20   static_configs: [{{targets: [\"{}\"]}}]\n",
        server.local_addr(),
    );
    let prometheus = prom::start_prometheus(&config, dir).unwrap();

    // The first scrape: wait until it is in, before calling `later`.
    eventually(Duration::from_secs(30), "the first scrape", || {
        (query_value(&prometheus, r#"up{job="catalogue"}"#) == Some(1.0)).then_some(())
    });
    let first_scrape = samples(&prometheus, r#"up{job="catalogue"}[5m]"#)[0].0;
    let all: Vec<&Operation> = operations().collect();
    for op in &all {
        for metric in ["_duration_seconds_count", "_success_total"] {
            let series = selector(op, metric);
            let first = samples(&prometheus, &format!("{series}[5m]"))[0].clone();
            assert_eq!(
                first.0, first_scrape,
                "{series} is missing from the first scrape"
            );
        }
    }
    let first_value = |event: &str, metric: &str| {
        let op = ours.iter().find(|op| op.event_type() == event).unwrap();
        samples(&prometheus, &format!("{}[5m]", selector(op, metric)))[0]
            .1
            .clone()
    };
    assert_eq!(first_value("later", "_duration_seconds_count"), "0");
    assert_eq!(first_value("later", "_success_total"), "0");
    assert_eq!(first_value("checkout", "_duration_seconds_count"), "4");
    assert_eq!(first_value("checkout", "_success_total"), "3");
    assert_eq!(first_value("lookup", "_success_total"), "1");
    // The derive knows every label: the failure series of `checkout` is there as well.
    assert_eq!(
        query_value(
            &prometheus,
            r#"mcp_event_emit_failure_total{job="catalogue",event_type="checkout",error_type="Declined"}"#
        ),
        Some(1.0)
    );

    // The first call of `later`: `increase()` sees it, as it would not if the series began at 1.
    later();
    eventually(
        Duration::from_secs(20),
        "increase() of the first call",
        || {
            query_value(
                &prometheus,
                r#"increase(mcp_event_emit_success_total{job="catalogue",event_type="later"}[1m])"#,
            )
            .filter(|v| *v > 0.0)
        },
    );

    check_rules(&prometheus);
    drop(prometheus);
    drop(server);
}

/// Every rule of every loaded file has been evaluated and is healthy; the generated groups
/// hold a recording rule for each window of `checkout`'s objective.
fn check_rules(prometheus: &Daemon) {
    let rules = prom::healthy_rules(prometheus);
    let ours = |name: &str| {
        rules
            .iter()
            .filter(|r| {
                r["type"] == "recording"
                    && r["name"] == name
                    && r["labels"]["event_type"] == "checkout"
                    && r["labels"]["objective"] == "e2e_checkout"
            })
            .count()
    };
    for window in session_metrics::slo::WINDOWS {
        assert_eq!(ours(&session_metrics::slo::error_ratio_rule(window)), 1);
        assert_eq!(ours(&session_metrics::slo::latency_ratio_rule(window)), 1);
    }
}

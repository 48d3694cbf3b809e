//! The `SessionMetrics` API on isolated instances: exact families, labels, buckets, reset.

use session_metrics::{Error, SessionMetrics};
use session_metrics_tests::Exposition;

fn metrics() -> SessionMetrics {
    SessionMetrics::new(prometheus::Registry::new()).unwrap()
}

#[test]
fn every_seed_family_has_its_type_help_and_labels() {
    let m = metrics();
    m.record_session_start("buddy", "zsh");
    m.record_session_end("buddy", "success", 120.0);
    m.record_mcp_event_success("buddy", "emit", 0.002);
    m.record_mcp_event_failure("buddy", "emit", "Timeout", 0.2);
    m.increment_active_sessions("buddy");
    m.set_session_quality_score("buddy", 87.5);
    let text = m.export_metrics();
    for (name, kind) in [
        ("session_start_total", "counter"),
        ("session_end_total", "counter"),
        ("session_duration_seconds", "histogram"),
        ("mcp_event_emit_success_total", "counter"),
        ("mcp_event_emit_failure_total", "counter"),
        ("mcp_event_emit_duration_seconds", "histogram"),
        ("active_sessions", "gauge"),
        ("session_quality_score", "gauge"),
    ] {
        assert!(text.contains(&format!("# TYPE {name} {kind}\n")), "{name}");
        assert!(text.contains(&format!("# HELP {name} ")), "{name} help");
    }
    let e = Exposition::parse(&text);
    let buddy = ("component_name", "buddy");
    assert_eq!(
        e.get("session_start_total", &[buddy, ("shell_type", "zsh")]),
        Some(1.0)
    );
    assert_eq!(
        e.get("session_end_total", &[buddy, ("status", "success")]),
        Some(1.0)
    );
    assert_eq!(e.get("session_duration_seconds_sum", &[buddy]), Some(120.0));
    assert_eq!(e.get("active_sessions", &[buddy]), Some(1.0));
    assert_eq!(e.get("session_quality_score", &[buddy]), Some(87.5));
    let emit = [buddy, ("event_type", "emit")];
    assert_eq!(e.get("mcp_event_emit_success_total", &emit), Some(1.0));
    assert_eq!(
        e.get(
            "mcp_event_emit_failure_total",
            &[buddy, ("event_type", "emit"), ("error_type", "Timeout")]
        ),
        Some(1.0)
    );
    assert_eq!(
        e.get("mcp_event_emit_duration_seconds_count", &emit),
        Some(2.0)
    );
}

#[test]
fn histogram_buckets_are_the_seeds() {
    let m = metrics();
    m.record_session_end("b", "success", 1.0);
    m.record_mcp_event_success("b", "e", 0.0);
    let e = Exposition::parse(&m.export_metrics());
    let bounds = |name: &str| -> Vec<String> {
        let mut les: Vec<(f64, String)> = e
            .matching(name, &[("component_name", "b")])
            .into_iter()
            .filter_map(|(ls, _)| ls.into_iter().find(|(k, _)| k == "le").map(|(_, v)| v))
            .map(|le| (le.parse::<f64>().unwrap_or(f64::INFINITY), le))
            .collect();
        les.sort_by(|a, b| a.0.total_cmp(&b.0));
        les.into_iter().map(|(_, le)| le).collect()
    };
    assert_eq!(
        bounds("session_duration_seconds_bucket"),
        [
            "60", "300", "900", "1800", "3600", "7200", "14400", "28800", "+Inf"
        ]
    );
    assert_eq!(
        bounds("mcp_event_emit_duration_seconds_bucket"),
        [
            "0.001", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10",
            "+Inf"
        ]
    );
}

#[test]
fn active_sessions_never_go_below_zero() {
    let m = metrics();
    m.decrement_active_sessions("c");
    m.increment_active_sessions("c");
    m.increment_active_sessions("c");
    m.decrement_active_sessions("c");
    m.decrement_active_sessions("c");
    m.decrement_active_sessions("c");
    let e = Exposition::parse(&m.export_metrics());
    assert_eq!(
        e.get("active_sessions", &[("component_name", "c")]),
        Some(0.0)
    );
    m.set_active_sessions("c", 5);
    let e = Exposition::parse(&m.export_metrics());
    assert_eq!(
        e.get("active_sessions", &[("component_name", "c")]),
        Some(5.0)
    );
}

#[test]
fn invalid_values_are_skipped_without_panicking() {
    let m = metrics();
    m.record_session_end("c", "error", f64::NAN);
    m.record_session_end("c", "error", -1.0);
    m.set_session_quality_score("c", f64::NAN);
    let e = Exposition::parse(&m.export_metrics());
    assert_eq!(
        e.get(
            "session_end_total",
            &[("component_name", "c"), ("status", "error")]
        ),
        Some(2.0)
    );
    assert_eq!(
        e.get("session_duration_seconds_count", &[("component_name", "c")]),
        None
    );
    assert_eq!(
        e.get("session_quality_score", &[("component_name", "c")]),
        None
    );
}

#[test]
fn reset_zeroes_everything() {
    let m = metrics();
    m.record_session_start("c", "bash");
    m.record_mcp_event_failure("c", "e", "x", 3.0);
    m.reset();
    let e = Exposition::parse(&m.export_metrics());
    assert_eq!(
        e.get(
            "session_start_total",
            &[("component_name", "c"), ("shell_type", "bash")]
        ),
        Some(0.0)
    );
    let site = session_metrics_tests::Site::read(&m.export_metrics(), "c", "e");
    assert_eq!((site.count, site.sum, site.failed("x")), (0.0, 0.0, 0.0));
    m.record_session_start("c", "bash");
    let e = Exposition::parse(&m.export_metrics());
    assert_eq!(
        e.get(
            "session_start_total",
            &[("component_name", "c"), ("shell_type", "bash")]
        ),
        Some(1.0)
    );
}

#[test]
fn user_collectors_are_exported_beside_ours() {
    let m = metrics();
    let mine = prometheus::IntCounter::new("my_own_total", "Mine.").unwrap();
    m.registry().register(Box::new(mine.clone())).unwrap();
    mine.inc_by(3);
    m.record_session_start("c", "sh");
    let e = Exposition::parse(&m.export_metrics());
    assert_eq!(e.get("my_own_total", &[]), Some(3.0));
    assert_eq!(
        e.get(
            "session_start_total",
            &[("component_name", "c"), ("shell_type", "sh")]
        ),
        Some(1.0)
    );
}

#[test]
fn a_registry_cannot_hold_the_session_metrics_twice() {
    let registry = prometheus::Registry::new();
    let _first = SessionMetrics::new(registry.clone()).unwrap();
    let error = SessionMetrics::new(registry).unwrap_err();
    assert!(matches!(error, Error::AlreadyRegistered { .. }), "{error}");
}

#[test]
fn builder_rejects_bad_buckets_and_labels_with_a_clear_error() {
    let build = |b: session_metrics::SessionMetricsBuilder| {
        b.build(prometheus::Registry::new())
            .unwrap_err()
            .to_string()
    };
    let e = build(SessionMetrics::builder().event_duration_buckets([]));
    assert_eq!(
        e,
        "invalid buckets for mcp_event_emit_duration_seconds: the list is empty"
    );
    let e = build(SessionMetrics::builder().session_duration_buckets([1.0, 1.0]));
    assert!(
        e.contains("session_duration_seconds: not strictly increasing: 1 then 1"),
        "{e}"
    );
    let e = build(SessionMetrics::builder().event_duration_buckets([0.1, f64::NAN]));
    assert!(e.contains("NaN is not a finite number"), "{e}");
    let e = build(SessionMetrics::builder().const_label("component_name", "x"));
    assert!(
        e.contains("\"component_name\": the session metrics already use"),
        "{e}"
    );
    let e = build(SessionMetrics::builder().const_label("bad-name", "x"));
    assert!(e.contains("\"bad-name\""), "{e}");
    let e = build(
        SessionMetrics::builder()
            .const_label("a", "1")
            .const_label("a", "2"),
    );
    assert!(e.contains("given twice"), "{e}");
}

#[test]
fn disabled_metrics_record_nothing() {
    let m = SessionMetrics::disabled();
    assert!(!m.is_enabled());
    m.record_session_start("c", "sh");
    m.record_mcp_event_success("c", "e", 1.0);
    assert_eq!(m.export_metrics(), "");
}

#[test]
fn descriptions_cover_all_eight_families_before_any_series_exists() {
    use session_metrics::MetricKind;
    let m = SessionMetrics::builder()
        .const_label("instance", "i1")
        .build(prometheus::Registry::new())
        .unwrap();
    let d = m.metric_descriptions();
    assert_eq!(d.len(), 8);
    let failure = d
        .iter()
        .find(|d| d.name == "mcp_event_emit_failure_total")
        .unwrap();
    assert_eq!(failure.kind, MetricKind::Counter);
    assert_eq!(
        failure.label_names,
        ["component_name", "event_type", "error_type"]
    );
    assert_eq!(
        failure.const_labels,
        [("instance".to_owned(), "i1".to_owned())]
    );
    let duration = d
        .iter()
        .find(|d| d.name == "session_duration_seconds")
        .unwrap();
    assert_eq!(duration.kind, MetricKind::Histogram);
    assert_eq!(
        duration.buckets.as_deref(),
        Some(&session_metrics::DEFAULT_SESSION_DURATION_BUCKETS[..])
    );
    assert!(SessionMetrics::disabled().metric_descriptions().is_empty());
}

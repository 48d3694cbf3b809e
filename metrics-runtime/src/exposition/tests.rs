//! The encoder against the `prometheus` crate's text encoder, and OpenMetrics specifics.

use prometheus::core::{Collector, Desc};
use prometheus::{Encoder, Histogram, HistogramOpts, IntCounterVec, IntGauge, Opts, TextEncoder};
use prometheus::{Registry, proto};

use crate::exemplar::{Exemplar, TraceContext};
use crate::{Format, SessionMetrics};

/// What the `prometheus` crate writes for the same registry (our collectors collect in full
/// outside our own export).
fn reference_text(metrics: &SessionMetrics) -> String {
    let mut buf = Vec::new();
    TextEncoder::new()
        .encode(&metrics.registry().gather(), &mut buf)
        .unwrap();
    String::from_utf8(buf).unwrap()
}

fn busy_metrics() -> SessionMetrics {
    let metrics = SessionMetrics::builder()
        .const_label("instance", "buddy-1")
        .const_label("a_first", "x")
        .event_duration_buckets([0.001, 0.5, 1.0, 2.0])
        .build(Registry::new())
        .unwrap();
    for (c, e) in [("b", "z"), ("a", "y"), ("a", "x"), ("ab", ""), ("", "q")] {
        metrics.record_mcp_event_success(c, e, 0.0000001);
        metrics.record_mcp_event_failure(c, e, "io \"quoted\"\\ \n", 1.5);
    }
    metrics.record_session_start("é \\ \"\n", "bash");
    metrics.record_session_end("s", "success", 1234.5678);
    metrics.set_session_quality_score("s", 0.1 + 0.2);
    metrics.set_active_sessions("s", 3);
    metrics
}

fn user_collectors(registry: &Registry) {
    let counter =
        IntCounterVec::new(Opts::new("user_requests_total", "Requests."), &["path"]).unwrap();
    counter.with_label_values(&["/a"]).inc_by(7);
    counter.with_label_values(&["/b\"\\"]).inc();
    let gauge = IntGauge::new("user_zz_gauge", "A gauge with a \"quote\" and \\ in help.").unwrap();
    gauge.set(-4);
    let histogram = Histogram::with_opts(
        HistogramOpts::new("aa_user_latency_seconds", "Latency.").buckets(vec![0.1, 1.0]),
    )
    .unwrap();
    histogram.observe(0.05);
    histogram.observe(3.0);
    registry.register(Box::new(counter)).unwrap();
    registry.register(Box::new(gauge)).unwrap();
    registry.register(Box::new(histogram)).unwrap();
}

#[test]
fn text_is_what_the_prometheus_crate_writes() {
    let metrics = busy_metrics();
    user_collectors(metrics.registry());
    let ours = metrics.export_metrics();
    assert_eq!(ours, reference_text(&metrics));
    assert!(
        ours.contains("aa_user_latency_seconds_bucket{le=\"+Inf\"} 2\n"),
        "{ours}"
    );
}

#[test]
fn a_prefix_and_common_labels_of_the_registry_still_apply() {
    let labels = [("region".to_owned(), "eu".to_owned())]
        .into_iter()
        .collect();
    let registry = Registry::new_custom(Some("app".to_owned()), Some(labels)).unwrap();
    let metrics = SessionMetrics::new(registry).unwrap();
    metrics.record_session_start("c", "bash");
    let text = metrics.export_metrics();
    assert_eq!(text, reference_text(&metrics));
    assert!(
        // The registry appends its common labels after the metric's own.
        text.contains(
            "app_session_start_total{component_name=\"c\",shell_type=\"bash\",region=\"eu\"} 1\n"
        ),
        "{text}"
    );
    assert!(
        metrics
            .export_openmetrics()
            .contains("# TYPE app_session_start counter\n")
    );
    // The probe is gone again, and a plain registry takes the fast path.
    assert!(!text.contains("probe"));
    assert!(!super::registry_rewrites(&Registry::new()));
}

#[test]
fn an_empty_registry_exports_nothing_or_eof() {
    let metrics = SessionMetrics::new(Registry::new()).unwrap();
    assert_eq!(metrics.export_metrics(), "");
    assert_eq!(metrics.export_openmetrics(), "# EOF\n");
    let disabled = SessionMetrics::disabled();
    assert_eq!(disabled.export(Format::OpenMetrics), "# EOF\n");
}

#[test]
fn users_gather_still_sees_our_families() {
    let metrics = busy_metrics();
    let _ = metrics.export_metrics();
    let names: Vec<String> = metrics
        .registry()
        .gather()
        .iter()
        .map(|f| f.name().to_owned())
        .collect();
    assert!(
        names.contains(&"session_start_total".to_owned()),
        "{names:?}"
    );
}

#[test]
fn openmetrics_names_units_and_eof() {
    let metrics = busy_metrics();
    user_collectors(metrics.registry());
    let om = metrics.export_openmetrics();
    for line in [
        "# HELP mcp_event_emit_success Total number of successful MCP event emissions.\n",
        "# TYPE mcp_event_emit_success counter\n",
        "# TYPE mcp_event_emit_duration_seconds histogram\n# UNIT mcp_event_emit_duration_seconds seconds\n",
        "# TYPE user_requests counter\n",
        "user_requests_total{path=\"/b\\\"\\\\\"} 1\n",
        "# HELP user_zz_gauge A gauge with a \\\"quote\\\" and \\\\ in help.\n",
        "# UNIT aa_user_latency_seconds seconds\n",
    ] {
        assert!(om.contains(line), "{line:?} missing in\n{om}");
    }
    assert!(om.ends_with("# EOF\n"));
    assert!(!om.contains("_created"));
    // Everything but the metadata is the text format's samples, in the same order.
    let samples = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(samples(&om), samples(&metrics.export_metrics()));
}

fn exemplar(n: u8, value: f64) -> Exemplar {
    Exemplar {
        context: TraceContext {
            trace_id: [n; 16],
            span_id: [n + 1; 8],
        },
        value,
        timestamp: 1_733_040_000.125,
    }
}

#[test]
fn exemplars_follow_their_bucket_and_counter_in_openmetrics_only() {
    let metrics = SessionMetrics::builder()
        .event_duration_buckets([0.01, 0.1])
        .build(Registry::new())
        .unwrap();
    metrics.record_mcp_event_success("c", "e", 0.05);
    metrics.record_mcp_event_failure("c", "e", "io", 5.0);
    let f = metrics.families().unwrap();
    let histogram = f.events.duration.get(&["c", "e"]).unwrap();
    histogram.store_exemplar(1, &exemplar(0xab, 0.05));
    histogram.store_exemplar(2, &exemplar(0x01, 5.0));
    f.events
        .failure
        .get(&["c", "e", "io"])
        .unwrap()
        .store_exemplar(&exemplar(0x10, 1.0));
    let om = metrics.export_openmetrics();
    let ab = "abababababababababababababababab";
    for line in [
        "mcp_event_emit_duration_seconds_bucket{component_name=\"c\",event_type=\"e\",le=\"0.01\"} 0\n".to_owned(),
        format!("mcp_event_emit_duration_seconds_bucket{{component_name=\"c\",event_type=\"e\",le=\"0.1\"}} 1 # {{trace_id=\"{ab}\",span_id=\"acacacacacacacac\"}} 0.05 1733040000.125\n"),
        "mcp_event_emit_duration_seconds_bucket{component_name=\"c\",event_type=\"e\",le=\"+Inf\"} 2 # {trace_id=\"01010101010101010101010101010101\",span_id=\"0202020202020202\"} 5 1733040000.125\n".to_owned(),
        "mcp_event_emit_failure_total{component_name=\"c\",error_type=\"io\",event_type=\"e\"} 1 # {trace_id=\"10101010101010101010101010101010\",span_id=\"1111111111111111\"} 1 1733040000.125\n".to_owned(),
    ] {
        assert!(om.contains(&line), "{line:?} missing in\n{om}");
    }
    let text = metrics.export_metrics();
    assert!(!text.contains(" # {"), "{text}");
    assert_eq!(text, reference_text(&metrics));
    // Reset clears them.
    metrics.reset();
    assert!(!metrics.export_openmetrics().contains(" # {"));
}

/// A collector of every type, untyped and summary included, built by hand.
struct Handmade;

impl Collector for Handmade {
    fn desc(&self) -> Vec<&Desc> {
        Vec::new()
    }

    #[allow(deprecated)]
    fn collect(&self) -> Vec<proto::MetricFamily> {
        let mut untyped = proto::MetricFamily::default();
        untyped.set_name("hand_untyped".into());
        untyped.set_field_type(proto::MetricType::UNTYPED);
        let mut m = proto::Metric::default();
        let mut u = proto::Untyped::default();
        u.set_value(f64::INFINITY);
        m.set_untyped(u);
        m.set_timestamp_ms(1_733_040_000_123);
        untyped.set_metric(vec![m]);

        let mut summary = proto::MetricFamily::default();
        summary.set_name("hand_summary_seconds".into());
        summary.set_help("A summary.".into());
        summary.set_field_type(proto::MetricType::SUMMARY);
        let mut m = proto::Metric::default();
        let mut s = proto::Summary::default();
        let mut q = proto::Quantile::default();
        q.set_quantile(0.5);
        q.set_value(0.25);
        s.set_quantile(vec![q]);
        s.set_sample_count(4);
        s.set_sample_sum(1.5);
        m.set_summary(s);
        summary.set_metric(vec![m]);

        let mut plain = proto::MetricFamily::default();
        plain.set_name("hand_events".into());
        plain.set_field_type(proto::MetricType::COUNTER);
        let mut m = proto::Metric::default();
        let mut c = proto::Counter::default();
        c.set_value(2.0);
        m.set_counter(c);
        plain.set_metric(vec![m]);
        vec![untyped, summary, plain]
    }
}

#[test]
fn untyped_summary_and_counters_without_total() {
    let metrics = SessionMetrics::new(Registry::new()).unwrap();
    metrics.registry().register(Box::new(Handmade)).unwrap();
    let text = metrics.export_metrics();
    assert_eq!(
        text,
        "# TYPE hand_events counter\nhand_events 2\n\
         # HELP hand_summary_seconds A summary.\n# TYPE hand_summary_seconds summary\n\
         hand_summary_seconds{quantile=\"0.5\"} 0.25\nhand_summary_seconds_sum 1.5\n\
         hand_summary_seconds_count 4\n\
         # TYPE hand_untyped untyped\nhand_untyped +Inf 1733040000123\n"
    );
    let om = metrics.export_openmetrics();
    assert_eq!(
        om,
        "# TYPE hand_events unknown\nhand_events 2\n\
         # HELP hand_summary_seconds A summary.\n# TYPE hand_summary_seconds summary\n\
         # UNIT hand_summary_seconds seconds\n\
         hand_summary_seconds{quantile=\"0.5\"} 0.25\nhand_summary_seconds_sum 1.5\n\
         hand_summary_seconds_count 4\n\
         # TYPE hand_untyped unknown\nhand_untyped +Inf 1733040000.123\n# EOF\n"
    );
}

/// A user's gauge `session_start` is legal beside our counter `session_start_total` in the
/// text format; in OpenMetrics the counter would be family `session_start` too, so it is
/// declared `unknown` under its full name instead of a second `# TYPE session_start`.
#[test]
fn a_counter_whose_family_name_is_taken_is_declared_unknown_in_openmetrics() {
    let metrics = SessionMetrics::new(Registry::new()).unwrap();
    let gauge = IntGauge::new("session_start", "A user's gauge.").unwrap();
    gauge.set(5);
    metrics.registry().register(Box::new(gauge)).unwrap();
    metrics.record_session_start("c", "bash");
    metrics.record_session_end("c", "success", 1.0);
    let om = metrics.export_openmetrics();
    assert_eq!(om.matches("# TYPE session_start ").count(), 1, "{om}");
    assert!(
        om.contains("# TYPE session_start gauge\nsession_start 5\n"),
        "{om}"
    );
    assert!(
        om.contains(
            "# TYPE session_start_total unknown\n\
             session_start_total{component_name=\"c\",shell_type=\"bash\"} 1\n"
        ),
        "{om}"
    );
    // Counters whose family name is free keep the counter type.
    assert!(om.contains("# TYPE session_end counter\n"), "{om}");
    let text = metrics.export_metrics();
    assert!(
        text.contains("# TYPE session_start_total counter\n"),
        "{text}"
    );
}

#[test]
fn a_reused_buffer_gets_the_same_bytes() {
    let metrics = busy_metrics();
    let mut buf = Vec::new();
    metrics.encode_into(Format::OpenMetrics, &mut buf).unwrap();
    let first = buf.clone();
    let capacity = buf.capacity();
    buf.clear();
    metrics.encode_into(Format::OpenMetrics, &mut buf).unwrap();
    assert_eq!(buf, first);
    assert_eq!(buf.capacity(), capacity);
}

/// The OpenMetrics output, exemplars and users' collectors included, under the reference
/// parser (Python `prometheus_client`'s `openmetrics.parser`). Needs a Python with
/// `prometheus_client` in `OPENMETRICS_PYTHON`; scripts/e2e-mcp.sh runs it with its venv's.
#[test]
#[ignore = "needs OPENMETRICS_PYTHON; run by scripts/e2e-mcp.sh"]
fn openmetrics_reference_parser() {
    let python = std::env::var("OPENMETRICS_PYTHON")
        .expect("OPENMETRICS_PYTHON must name a python with prometheus_client");
    let metrics = busy_metrics();
    user_collectors(metrics.registry());
    metrics.registry().register(Box::new(Handmade)).unwrap();
    // A gauge named like our counter `session_end_total`'s OpenMetrics family.
    let clash = IntGauge::new("session_end", "A user's gauge.").unwrap();
    clash.set(2);
    metrics.registry().register(Box::new(clash)).unwrap();
    let f = metrics.families().unwrap();
    let histogram = f.events.duration.get(&["a", "x"]).unwrap();
    histogram.store_exemplar(0, &exemplar(0xab, 0.0000001));
    histogram.store_exemplar(4, &exemplar(0xcd, 1.5));
    f.events
        .failure
        .get(&["b", "z", "io \"quoted\"\\ \n"])
        .unwrap()
        .store_exemplar(&exemplar(0x12, 1.0));
    let om = metrics.export_openmetrics();
    let path = std::env::temp_dir().join(format!("session-metrics-om-{}.txt", std::process::id()));
    std::fs::write(&path, &om).unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/mcp/openmetrics_check.py"
    );
    let out = std::process::Command::new(python)
        .arg(script)
        .arg(&path)
        .output()
        .expect("run the reference parser");
    let _ = std::fs::remove_file(&path);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the reference parser refused the output: {}\n{om}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ab = "ab".repeat(16);
    let cd = "cd".repeat(16);
    let twelve = "12".repeat(16);
    for line in [
        "family mcp_event_emit_duration_seconds histogram seconds 35".to_owned(),
        "family mcp_event_emit_success counter - 5".to_owned(),
        "family mcp_event_emit_failure counter - 5".to_owned(),
        "family session_duration_seconds histogram seconds 11".to_owned(),
        "family hand_summary_seconds summary seconds 3".to_owned(),
        "family hand_untyped unknown - 1".to_owned(),
        "family hand_events unknown - 1".to_owned(),
        "family user_requests counter - 2".to_owned(),
        "family session_end gauge - 1".to_owned(),
        "family session_end_total unknown - 1".to_owned(),
        "family aa_user_latency_seconds histogram seconds 5".to_owned(),
        format!(
            "exemplar mcp_event_emit_duration_seconds_bucket a_first=x,component_name=a,event_type=x,instance=buddy-1,le=0.001 {ab} {} 1e-07 1733040000.125000000",
            "ac".repeat(8)
        ),
        format!(
            "exemplar mcp_event_emit_duration_seconds_bucket a_first=x,component_name=a,event_type=x,instance=buddy-1,le=+Inf {cd} {} 1.5 1733040000.125000000",
            "ce".repeat(8)
        ),
        format!(
            "exemplar mcp_event_emit_failure_total a_first=x,component_name=b,error_type=io \"quoted\"\\ \n,event_type=z,instance=buddy-1 {twelve} {} 1 1733040000.125000000",
            "13".repeat(8)
        ),
    ] {
        assert!(
            stdout.contains(&format!("{line}\n")),
            "{line:?} missing in\n{stdout}"
        );
    }
    assert_eq!(stdout.matches("exemplar ").count(), 3, "{stdout}");
}

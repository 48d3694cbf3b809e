//! Both exposition formats side by side: every family and every series appears in the text
//! format and in OpenMetrics with the same values (users' collectors of every type included),
//! promtool accepts the text, and `/metrics` answers each `Accept` header, hostile ones
//! included, with the format it prefers and the exact content type.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use prometheus::core::{Collector, Desc};
use prometheus::{Gauge, Histogram, HistogramOpts, IntCounterVec, Opts, Registry, proto};
use session_metrics::http::{BlockingMetricsServer, ServerOptions};
use session_metrics::{Format, SessionMetrics};
use session_metrics_tests::tools::assert_promtool_accepts;

const TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// A summary and an untyped family, which the `prometheus` crate cannot make itself.
struct SummaryAndUntyped;

impl Collector for SummaryAndUntyped {
    fn desc(&self) -> Vec<&Desc> {
        Vec::new()
    }

    #[allow(deprecated)] // `Untyped` is protobuf's, deprecated in the plain model
    fn collect(&self) -> Vec<proto::MetricFamily> {
        let mut summary = proto::MetricFamily::default();
        summary.set_name("user_rpc_seconds".into());
        summary.set_help("RPC latency.".into());
        summary.set_field_type(proto::MetricType::SUMMARY);
        let mut metric = proto::Metric::default();
        let mut s = proto::Summary::default();
        let quantiles = [(0.5, 0.012), (0.99, 0.25)].map(|(q, v)| {
            let mut quantile = proto::Quantile::default();
            quantile.set_quantile(q);
            quantile.set_value(v);
            quantile
        });
        s.set_quantile(quantiles.to_vec());
        s.set_sample_count(9);
        s.set_sample_sum(0.75);
        metric.set_summary(s);
        summary.set_metric(vec![metric]);

        let mut untyped = proto::MetricFamily::default();
        untyped.set_name("user_temperature".into());
        untyped.set_help("Untyped.".into());
        untyped.set_field_type(proto::MetricType::UNTYPED);
        let mut metric = proto::Metric::default();
        let mut u = proto::Untyped::default();
        u.set_value(21.5);
        metric.set_untyped(u);
        untyped.set_metric(vec![metric]);
        vec![summary, untyped]
    }
}

fn populated() -> SessionMetrics {
    let metrics = SessionMetrics::builder()
        .const_label("instance", "buddy-1")
        .build(Registry::new())
        .unwrap();
    for i in 0..5 {
        let component = format!("c{i}");
        metrics.record_session_start(&component, if i % 2 == 0 { "bash" } else { "zsh" });
        metrics.record_session_end(&component, "success", 60.0 * f64::from(i) + 0.5);
        metrics.record_mcp_event_success(&component, "emit", 0.003 * f64::from(i + 1));
        metrics.record_mcp_event_failure(&component, "emit", "Timeout", 2.5);
        metrics.set_session_quality_score(&component, 99.5 - f64::from(i));
        metrics.set_active_sessions(&component, u64::from(i as u8));
    }
    metrics.record_mcp_event_success("quote\"back\\slash\nnewline", "é", 0.0000001);
    let registry = metrics.registry();
    let counter =
        IntCounterVec::new(Opts::new("user_requests_total", "Requests."), &["path"]).unwrap();
    counter.with_label_values(&["/a"]).inc_by(3);
    counter.with_label_values(&["/b"]).inc();
    let gauge = Gauge::new("a_user_queue_depth", "Queue depth with a \"quote\".").unwrap();
    gauge.set(12.25);
    let histogram = Histogram::with_opts(
        HistogramOpts::new("user_payload_bytes", "Payload size.").buckets(vec![64.0, 1024.0]),
    )
    .unwrap();
    for v in [10.0, 100.0, 5000.0] {
        histogram.observe(v);
    }
    registry.register(Box::new(counter)).unwrap();
    registry.register(Box::new(gauge)).unwrap();
    registry.register(Box::new(histogram)).unwrap();
    registry.register(Box::new(SummaryAndUntyped)).unwrap();
    metrics
}

/// `# TYPE` lines: family name → type, each family declared once.
fn types(text: &str) -> BTreeMap<String, String> {
    let mut types = BTreeMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            let previous = types.insert(name.to_owned(), kind.to_owned());
            assert!(previous.is_none(), "family {name} declared twice");
        }
    }
    types
}

/// Sample lines without exemplars, in order: `(series, value)`.
fn samples(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| {
            let line = line.split_once(" # {").map_or(line, |(sample, _)| sample);
            let (series, value) = line.rsplit_once(' ').unwrap();
            (series.to_owned(), value.to_owned())
        })
        .collect()
}

#[test]
fn every_family_and_series_appears_in_both_formats_with_the_same_values() {
    let metrics = populated();
    let text = metrics.export(Format::Text);
    let om = metrics.export(Format::OpenMetrics);
    assert_eq!(text, metrics.export_metrics());
    assert_eq!(om, metrics.export_openmetrics());

    // Families: OpenMetrics names a counter without `_total` and calls untyped `unknown`.
    let expected: BTreeMap<String, String> = types(&text)
        .into_iter()
        .map(|(name, kind)| match kind.as_str() {
            "counter" => (name.strip_suffix("_total").unwrap().to_owned(), kind),
            "untyped" => (name, "unknown".to_owned()),
            _ => (name, kind),
        })
        .collect();
    assert_eq!(types(&om), expected);
    for family in [
        "session_start_total",
        "session_end_total",
        "session_duration_seconds",
        "mcp_event_emit_success_total",
        "mcp_event_emit_failure_total",
        "mcp_event_emit_duration_seconds",
        "active_sessions",
        "session_quality_score",
        "user_requests_total",
        "a_user_queue_depth",
        "user_payload_bytes",
        "user_rpc_seconds",
        "user_temperature",
    ] {
        assert!(types(&text).contains_key(family), "{family} missing");
    }
    // Families in one name order, ours and the users' merged.
    let names: Vec<String> = types(&text).into_keys().collect();
    let in_order: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .map(|rest| rest.split_once(' ').unwrap().0.to_owned())
        .collect();
    assert_eq!(in_order, names);

    // Series and values: identical, line by line.
    let text_samples = samples(&text);
    assert_eq!(samples(&om), text_samples);
    assert_eq!(
        text_samples.len(),
        text.lines().filter(|l| !l.starts_with('#')).count()
    );
    assert!(text_samples.contains(&(
        r#"mcp_event_emit_success_total{component_name="quote\"back\\slash\nnewline",event_type="é",instance="buddy-1"}"#.to_owned(),
        "1".to_owned()
    )));
    assert!(text_samples.contains(&(
        r#"user_rpc_seconds{quantile="0.99"}"#.to_owned(),
        "0.25".to_owned()
    )));
    assert!(text_samples.contains(&("user_temperature".to_owned(), "21.5".to_owned())));
    assert!(text_samples.contains(&(
        r#"user_payload_bytes_bucket{le="+Inf"}"#.to_owned(),
        "3".to_owned()
    )));

    // The metadata OpenMetrics adds.
    assert!(om.contains("# UNIT mcp_event_emit_duration_seconds seconds\n"));
    assert!(om.contains("# UNIT user_rpc_seconds seconds\n"));
    assert!(om.contains("# HELP a_user_queue_depth Queue depth with a \\\"quote\\\".\n"));
    assert!(text.contains("# HELP a_user_queue_depth Queue depth with a \"quote\".\n"));
    assert!(om.ends_with("\n# EOF\n") && !text.contains("# EOF"));
    assert!(!om.contains("_created"));
}

#[test]
fn promtool_accepts_the_text_format() {
    assert_promtool_accepts(&populated().export_metrics());
}

fn leaked() -> &'static SessionMetrics {
    Box::leak(Box::new(populated()))
}

/// One `GET /metrics` with `headers` over a raw connection (hostile bytes allowed):
/// `(status line, lower-cased headers, body)`.
fn get(addr: SocketAddr, headers: &[u8]) -> (String, BTreeMap<String, String>, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut request = b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n".to_vec();
    request.extend_from_slice(headers);
    request.extend_from_slice(b"\r\n");
    stream.write_all(&request).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8(response[..split].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().to_owned();
    let headers = lines
        .map(|l| {
            let (k, v) = l.split_once(':').unwrap();
            (k.to_ascii_lowercase(), v.trim().to_owned())
        })
        .collect();
    (status, headers, response[split + 4..].to_vec())
}

#[test]
fn metrics_endpoint_answers_the_preferred_format() {
    let metrics = leaked();
    let server = BlockingMetricsServer::start(
        "127.0.0.1:0".parse().unwrap(),
        metrics,
        ServerOptions::default(),
    )
    .unwrap();
    let addr = server.local_addr();
    let long = format!("Accept: {}\r\n", "x/y;q=0.5,".repeat(1000));
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (Vec::new(), TEXT),
        (
            b"Accept: application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1\r\n".to_vec(),
            OPENMETRICS,
        ),
        (
            b"Accept: application/openmetrics-text; version=1.0.0\r\n".to_vec(),
            OPENMETRICS,
        ),
        (b"Accept: application/openmetrics-text;version=0.0.1\r\n".to_vec(), OPENMETRICS),
        (b"Accept: text/plain;version=0.0.4\r\n".to_vec(), TEXT),
        (b"Accept: */*\r\n".to_vec(), TEXT),
        (
            b"Accept: text/plain;q=0.9, application/openmetrics-text;q=0.2\r\n".to_vec(),
            TEXT,
        ),
        (b"Accept: application/json\r\n".to_vec(), TEXT),
        (b"Accept: application/openmetrics-text;q=banana\r\n".to_vec(), TEXT),
        (b"Accept: application/openmetrics-text;version=9.9.9\r\n".to_vec(), TEXT),
        (b"Accept: ;;,,==;q=;version=\r\n".to_vec(), TEXT),
        (b"Accept: \xff\xfe application/openmetrics-text\r\n".to_vec(), TEXT),
        (long.into_bytes(), TEXT),
        (
            b"Accept: text/plain;q=0.1\r\nAccept: application/openmetrics-text\r\n".to_vec(),
            OPENMETRICS,
        ),
    ];
    for (headers, content_type) in cases {
        let shown = String::from_utf8_lossy(&headers)
            .chars()
            .take(120)
            .collect::<String>();
        let (status, response_headers, body) = get(addr, &headers);
        assert_eq!(status, "HTTP/1.1 200 OK", "{shown}");
        assert_eq!(response_headers["content-type"], content_type, "{shown}");
        let body = String::from_utf8(body).unwrap();
        let format = if content_type == OPENMETRICS {
            Format::OpenMetrics
        } else {
            Format::Text
        };
        assert_eq!(body, metrics.export(format), "{shown}");
        assert_eq!(response_headers["vary"], "Accept, Accept-Encoding");
    }
    // gzip as before, in either format.
    let (_, headers, body) = get(
        addr,
        b"Accept: application/openmetrics-text\r\nAccept-Encoding: gzip\r\n",
    );
    assert_eq!(headers["content-type"], OPENMETRICS);
    assert_eq!(headers["content-encoding"], "gzip");
    let mut unzipped = String::new();
    flate2::read::GzDecoder::new(&body[..])
        .read_to_string(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, metrics.export_openmetrics());
    server.shutdown();
}

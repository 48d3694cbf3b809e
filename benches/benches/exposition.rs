//! Encoding the exposition: our encoder (text 0.0.4 and OpenMetrics 1.0.0) against the
//! `prometheus` crate's `TextEncoder` over the same registry (the path `export_metrics` took
//! before: `Registry::gather` into protobuf structs, then the encoder) and against the
//! `prometheus-client` crate's OpenMetrics encoder over equal series.
//!
//! - `counters/…`: 10,000 `session_start_total` series, 10,000 sample lines.
//! - `operations/…`: 10,000 `{component_name, event_type}` label sets, each a 12-bucket
//!   duration histogram (15 lines) and a success counter: 16 lines per label set.
//!
//! Every encoder writes into a buffer reused across iterations. Throughput is in sample lines.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use prometheus::{Encoder, TextEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use session_metrics::{DEFAULT_EVENT_DURATION_BUCKETS, Format, SessionMetrics};

const SERIES: usize = 10_000;

type Labels = Vec<(String, String)>;

fn counters() -> (SessionMetrics, prometheus_client::registry::Registry) {
    let metrics = SessionMetrics::new(prometheus::Registry::new()).expect("fresh registry");
    let family = Family::<Labels, Counter>::default();
    for i in 0..SERIES {
        let component = format!("component_{i}");
        metrics.record_session_start(&component, "bash");
        family
            .get_or_create(&vec![
                ("component_name".to_owned(), component),
                ("shell_type".to_owned(), "bash".to_owned()),
            ])
            .inc();
    }
    let mut registry = prometheus_client::registry::Registry::default();
    registry.register("session_start", "Total number of sessions started.", family);
    (metrics, registry)
}

fn operations() -> (SessionMetrics, prometheus_client::registry::Registry) {
    let metrics = SessionMetrics::new(prometheus::Registry::new()).expect("fresh registry");
    let durations = Family::<Labels, Histogram, _>::new_with_constructor(|| {
        Histogram::new(DEFAULT_EVENT_DURATION_BUCKETS)
    });
    let successes = Family::<Labels, Counter>::default();
    for i in 0..SERIES {
        let component = format!("component_{}", i % 100);
        let event = format!("event_{i}");
        metrics.record_mcp_event_success(&component, &event, 0.01);
        let labels = vec![
            ("component_name".to_owned(), component),
            ("event_type".to_owned(), event),
        ];
        durations.get_or_create(&labels).observe(0.01);
        successes.get_or_create(&labels).inc();
    }
    let mut registry = prometheus_client::registry::Registry::default();
    registry.register(
        "mcp_event_emit_duration_seconds",
        "Duration of MCP event emissions in seconds.",
        durations,
    );
    registry.register(
        "mcp_event_emit_success",
        "Total number of successful MCP event emissions.",
        successes,
    );
    (metrics, registry)
}

fn encoders(
    c: &mut Criterion,
    name: &str,
    lines: u64,
    (metrics, peer): (SessionMetrics, prometheus_client::registry::Registry),
) {
    let mut group = c.benchmark_group(format!("exposition/{name}"));
    group.throughput(Throughput::Elements(lines));
    let mut buf = Vec::new();
    // The same text either way: the comparison is between equal outputs.
    let mut reference = Vec::new();
    TextEncoder::new()
        .encode(&metrics.registry().gather(), &mut reference)
        .unwrap();
    assert_eq!(reference, metrics.export_metrics().as_bytes());
    group.bench_function("ours_text", |b| {
        b.iter(|| {
            buf.clear();
            metrics.encode_into(Format::Text, &mut buf).unwrap();
            black_box(buf.len())
        })
    });
    group.bench_function("ours_openmetrics", |b| {
        b.iter(|| {
            buf.clear();
            metrics.encode_into(Format::OpenMetrics, &mut buf).unwrap();
            black_box(buf.len())
        })
    });
    group.bench_function("prometheus_text_encoder", |b| {
        b.iter(|| {
            buf.clear();
            TextEncoder::new()
                .encode(&metrics.registry().gather(), &mut buf)
                .unwrap();
            black_box(buf.len())
        })
    });
    let mut text = String::new();
    group.bench_function("prometheus_client_openmetrics", |b| {
        b.iter(|| {
            text.clear();
            prometheus_client::encoding::text::encode(&mut text, &peer).unwrap();
            black_box(text.len())
        })
    });
    group.finish();
}

fn exposition(c: &mut Criterion) {
    encoders(c, "counters_10k", SERIES as u64, counters());
    encoders(c, "operations_10k", 16 * SERIES as u64, operations());
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = exposition
}
criterion_main!(benches);

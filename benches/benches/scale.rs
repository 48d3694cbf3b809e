//! Time to encode a registry with `export_metrics`, by registry size.
//!
//! - `export/counters/N`: N counter series (`session_start_total`, N distinct label sets), so
//!   N sample lines.
//! - `export/operations/N`: N `{component_name, event_type}` label sets recorded with
//!   `record_mcp_event_success`, each a duration histogram (12 buckets) and a success counter:
//!   16 sample lines per label set.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use session_metrics::SessionMetrics;

fn counters(n: usize) -> SessionMetrics {
    let metrics = SessionMetrics::new(prometheus::Registry::new()).expect("fresh registry");
    for i in 0..n {
        metrics.record_session_start(&format!("component_{i}"), "bash");
    }
    metrics
}

fn operations(n: usize) -> SessionMetrics {
    let metrics = SessionMetrics::new(prometheus::Registry::new()).expect("fresh registry");
    for i in 0..n {
        metrics.record_mcp_event_success(
            &format!("component_{}", i % 100),
            &format!("event_{i}"),
            0.01,
        );
    }
    metrics
}

fn export(c: &mut Criterion) {
    let mut group = c.benchmark_group("export");
    for n in [1_000, 10_000] {
        let metrics = counters(n);
        group.bench_with_input(BenchmarkId::new("counters", n), &metrics, |b, m| {
            b.iter(|| black_box(m.export_metrics()))
        });
        let metrics = operations(n);
        group.bench_with_input(BenchmarkId::new("operations", n), &metrics, |b, m| {
            b.iter(|| black_box(m.export_metrics()))
        });
    }
    group.finish();
}

criterion_group! {
    name = scale;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20);
    targets = export
}
criterion_main!(scale);

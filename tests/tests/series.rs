//! Which series a call lands in: aliasing label values, shared labels, the `error_type` cap,
//! and exact counts under concurrency.

use session_metrics::{ErrorLabel, MAX_ERROR_TYPES, SessionMetrics, track_operation};
use session_metrics_tests::{Exposition, Site};

#[track_operation("ab", "c")]
fn alias_one() {}

#[track_operation("a", "bc")]
fn alias_two() {}

#[test]
fn label_values_that_concatenate_alike_stay_two_series() {
    alias_one();
    alias_two();
    alias_two();
    assert_eq!(Site::global("ab", "c").success, 1.0);
    assert_eq!(Site::global("a", "bc").success, 2.0);
}

#[track_operation("series", "shared")]
fn shared_one() {}

#[track_operation("series", "shared")]
fn shared_two() {}

#[test]
fn two_call_sites_with_the_same_labels_feed_one_series() {
    shared_one();
    shared_two();
    shared_two();
    let site = Site::global("series", "shared");
    assert_eq!(site.success, 3.0);
    assert_eq!(site.count, 3.0);
}

#[derive(Debug, ErrorLabel)]
enum Flaky {
    Odd,
}

#[track_operation("series", "threads")]
fn threaded(i: u32) -> Result<u32, Flaky> {
    if i.is_multiple_of(2) {
        Ok(i)
    } else {
        Err(Flaky::Odd)
    }
}

#[test]
fn eight_threads_times_ten_thousand_calls_are_counted_exactly() {
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                for i in 0..10_000 {
                    let _ = threaded(i);
                }
            });
        }
    });
    let site = Site::global("series", "threads");
    assert_eq!(site.success, 40_000.0);
    assert_eq!(site.failed("Odd"), 40_000.0);
    assert_eq!(site.success + site.failed("Odd"), 80_000.0);
    assert_eq!(site.count, 80_000.0);
    let e = Exposition::parse(&session_metrics::get_metrics().export_metrics());
    let inf = e.value(
        "mcp_event_emit_duration_seconds_bucket",
        &[
            ("component_name", "series"),
            ("event_type", "threads"),
            ("le", "+Inf"),
        ],
    );
    assert_eq!(inf, 80_000.0);
}

#[test]
fn distinct_error_types_are_capped_and_overflow_is_other() {
    let metrics = SessionMetrics::new(prometheus::Registry::new()).unwrap();
    let labels: Vec<String> = (0..MAX_ERROR_TYPES + 10).map(|i| format!("e{i}")).collect();
    for label in &labels {
        metrics.record_mcp_event_failure("cap", "op", label, 0.001);
    }
    // A label admitted before the cap keeps its own series afterwards.
    metrics.record_mcp_event_failure("cap", "op", "e0", 0.001);
    let site = Site::read(&metrics.export_metrics(), "cap", "op");
    assert_eq!(site.failures.len(), MAX_ERROR_TYPES + 1);
    assert_eq!(site.failed("e0"), 2.0);
    assert_eq!(site.failed(&format!("e{}", MAX_ERROR_TYPES - 1)), 1.0);
    assert_eq!(site.failed(&format!("e{MAX_ERROR_TYPES}")), 0.0);
    assert_eq!(site.failed("other"), 10.0);
    assert_eq!(site.count, (MAX_ERROR_TYPES + 11) as f64);
}

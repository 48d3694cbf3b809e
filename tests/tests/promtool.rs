//! The exposition passes `promtool check metrics` and is well-formed in the ways promtool
//! does not check: every histogram has a `+Inf` bucket equal to its `_count`, and no series
//! appears twice.

use session_metrics::{ErrorLabel, SessionMetrics, track_operation};
use session_metrics_tests::{Exposition, tools};

#[derive(Debug, ErrorLabel)]
enum E {
    Timeout,
}

#[track_operation("promtool", "op")]
fn op(fail: bool) -> Result<(), E> {
    if fail { Err(E::Timeout) } else { Ok(()) }
}

fn sample_text() -> String {
    let _ = op(false);
    let _ = op(true);
    let _ = std::panic::catch_unwind(|| {
        #[track_operation("promtool", "panics")]
        fn panics() {
            panic!("x")
        }
        panics()
    });
    let m = session_metrics::get_metrics();
    m.record_session_start("promtool", "bash");
    // Awkward label values must be escaped correctly.
    m.record_session_start("quote\"back\\slash\nnewline", "zsh");
    m.record_session_end("promtool", "success", 75.0);
    m.record_session_end("promtool", "error", 30_000.0);
    m.increment_active_sessions("promtool");
    m.set_session_quality_score("promtool", 91.0);
    m.export_metrics()
}

#[test]
fn promtool_check_metrics_exits_zero() {
    tools::assert_promtool_accepts(&sample_text());
}

#[test]
fn every_histogram_has_an_inf_bucket_equal_to_its_count() {
    let text = sample_text();
    let e = Exposition::parse(&text); // also fails on a duplicate series
    let mut histograms = 0;
    for name in [
        "mcp_event_emit_duration_seconds",
        "session_duration_seconds",
    ] {
        for (labels, count) in e.matching(&format!("{name}_count"), &[]) {
            let mut with_le: Vec<(&str, &str)> = labels
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            with_le.push(("le", "+Inf"));
            assert_eq!(
                e.get(&format!("{name}_bucket"), &with_le),
                Some(count),
                "{labels:?}"
            );
            histograms += 1;
        }
    }
    assert!(histograms >= 3);
}

#[test]
fn constant_labels_pass_promtool_too() {
    let m = SessionMetrics::builder()
        .const_label("instance", "a:1")
        .const_label("service", "buddy")
        .build(prometheus::Registry::new())
        .unwrap();
    m.record_mcp_event_success("c", "e", 0.01);
    let text = m.export_metrics();
    assert!(text.contains(r#"instance="a:1""#));
    tools::assert_promtool_accepts(&text);
}

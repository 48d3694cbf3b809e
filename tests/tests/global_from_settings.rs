//! The lazily created global uses the configured buckets and constant labels; an invalid
//! setting is reported, not a panic. (Own binary: it sets variables before the global exists.)

use session_metrics::{get_metrics, track_operation};
use session_metrics_tests::Exposition;

#[track_operation("configured", "op")]
fn op() {}

#[test]
fn buckets_and_const_labels_come_from_the_environment() {
    // SAFETY: the only test in this binary, run before anything reads the environment.
    unsafe {
        std::env::set_var("SESSION_BUDDY_EVENT_DURATION_BUCKETS", "0.5, 5");
        std::env::set_var("SESSION_BUDDY_CONST_LABELS", "service=buddy");
    }
    op();
    let e = Exposition::parse(&get_metrics().export_metrics());
    let labels = |le| {
        [
            ("component_name", "configured"),
            ("event_type", "op"),
            ("service", "buddy"),
            ("le", le),
        ]
    };
    assert_eq!(
        e.get("mcp_event_emit_duration_seconds_bucket", &labels("0.5")),
        Some(1.0)
    );
    assert_eq!(
        e.get("mcp_event_emit_duration_seconds_bucket", &labels("5")),
        Some(1.0)
    );
    assert_eq!(
        e.get("mcp_event_emit_duration_seconds_bucket", &labels("0.1")),
        None
    );
}

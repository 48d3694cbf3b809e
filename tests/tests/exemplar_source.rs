//! The public hook: a source set with `exemplar::set_source` gives tracked calls their
//! exemplars while it reports a trace, none while it reports none; it is set once per process.
//! Read back from `/metrics` asked for OpenMetrics (its own process: the source is global).

use std::sync::Mutex;

use session_metrics::exemplar::{self, SourceAlreadySet, TraceContext};
use session_metrics::{ErrorLabel, get_metrics, track_operation};
use session_metrics_tests::exemplars;
use session_metrics_tests::prom;

/// What the application's "current request" says: the source reads it.
static CURRENT: Mutex<Option<TraceContext>> = Mutex::new(None);

fn source() -> Option<TraceContext> {
    *CURRENT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn other_source() -> Option<TraceContext> {
    None
}

#[derive(Debug, ErrorLabel)]
enum E {
    Refused,
}

#[track_operation("exemplar_source", "traced")]
fn traced(ok: bool) -> Result<(), E> {
    if ok { Ok(()) } else { Err(E::Refused) }
}

#[track_operation("exemplar_source", "untraced")]
fn untraced() {}

#[track_operation("exemplar_source", "zero_ids")]
fn under_zero_ids() {}

#[test]
fn a_source_gives_exemplars_while_it_reports_a_trace() {
    assert_eq!(exemplar::set_source(source), Ok(()));
    assert_eq!(
        exemplar::set_source(source),
        Ok(()),
        "the same source again"
    );
    assert_eq!(exemplar::set_source(other_source), Err(SourceAlreadySet));

    let trace =
        TraceContext::from_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
            .unwrap();
    *CURRENT.lock().unwrap() = Some(trace);
    assert_eq!(exemplar::current(), Some(trace));
    traced(true).unwrap();
    traced(false).unwrap_err();
    *CURRENT.lock().unwrap() = None;
    assert_eq!(exemplar::current(), None);
    untraced();
    // All-zero ids are not a valid trace: no exemplar.
    *CURRENT.lock().unwrap() = Some(TraceContext {
        trace_id: [0; 16],
        span_id: [0; 8],
    });
    under_zero_ids();
    *CURRENT.lock().unwrap() = None;

    let server = prom::serve(get_metrics());
    let (status, text) =
        prom::get_openmetrics(&format!("http://{}/metrics", server.local_addr())).unwrap();
    assert_eq!(status, 200);
    assert!(text.ends_with("# EOF\n"), "not OpenMetrics:\n{text}");
    let ids = (
        "0af7651916cd43dd8448eb211c80319c".to_owned(),
        "b7ad6b7169203331".to_owned(),
    );
    let traced_buckets = exemplars(
        &text,
        "mcp_event_emit_duration_seconds_bucket",
        r#"event_type="traced""#,
    );
    // Both calls were fast: one or two buckets, each keeping the source's trace.
    assert!(!traced_buckets.is_empty());
    assert!(
        traced_buckets.iter().all(|e| *e == ids),
        "{traced_buckets:?}"
    );
    assert_eq!(
        exemplars(
            &text,
            "mcp_event_emit_failure_total",
            r#"event_type="traced""#
        ),
        [ids]
    );
    assert_eq!(
        exemplars(
            &text,
            "mcp_event_emit_duration_seconds_bucket",
            r#"event_type="untraced""#
        ),
        []
    );
    // All-zero ids: the call is counted, with no exemplar.
    let label = r#"event_type="zero_ids""#;
    assert_eq!(
        exemplars(&text, "mcp_event_emit_duration_seconds_bucket", label),
        []
    );
    assert!(
        text.contains(&format!(
            "mcp_event_emit_success_total{{component_name=\"exemplar_source\",{label}}} 1\n"
        )),
        "zero_ids counted once:\n{text}"
    );
}

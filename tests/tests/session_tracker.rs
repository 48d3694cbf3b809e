//! `SessionTracker`: lifecycle metrics, validation, repeated and unmatched ends, disabled
//! metrics, concurrency and bounded memory. Tests share the global metrics, so each uses its
//! own component name, and all hold a lock since some read the tracker's own operation counters.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use session_metrics::get_metrics;
use session_metrics::session::{
    LifecycleError, NoLifecycle, SessionEndEvent, SessionLifecycle, SessionStartEvent,
    SessionStatus, SessionTracker, TrackerError,
};
use session_metrics_tests::{Exposition, Site};

static SERIAL: Mutex<()> = Mutex::new(());

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    futures::executor::block_on(f)
}

fn exposition() -> Exposition {
    Exposition::parse(&get_metrics().export_metrics())
}

fn c(component: &str) -> (&'static str, &str) {
    ("component_name", component)
}

#[test]
fn start_and_end_record_counts_gauge_duration_and_score() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let tracker = SessionTracker::new(NoLifecycle, true);
    block_on(async {
        tracker
            .handle_session_start(
                SessionStartEvent::new("a1", "life", "zsh").with_quality_score(70.0),
            )
            .await
            .unwrap();
        tracker
            .handle_session_start(SessionStartEvent::new("a2", "life", "bash"))
            .await
            .unwrap();
        let e = exposition();
        assert_eq!(e.get("active_sessions", &[c("life")]), Some(2.0));
        assert_eq!(e.get("session_quality_score", &[c("life")]), Some(70.0));
        std::thread::sleep(Duration::from_millis(20));
        tracker
            .handle_session_end(SessionEndEvent::new("a1", "life", SessionStatus::Success))
            .await
            .unwrap();
        tracker
            .handle_session_end(
                SessionEndEvent::new("a2", "life", SessionStatus::Error)
                    .with_duration_seconds(120.0)
                    .with_quality_score(40.0),
            )
            .await
            .unwrap();
    });
    let e = exposition();
    assert_eq!(
        e.get("session_start_total", &[c("life"), ("shell_type", "zsh")]),
        Some(1.0)
    );
    assert_eq!(
        e.get("session_start_total", &[c("life"), ("shell_type", "bash")]),
        Some(1.0)
    );
    assert_eq!(
        e.get("session_end_total", &[c("life"), ("status", "success")]),
        Some(1.0)
    );
    assert_eq!(
        e.get("session_end_total", &[c("life"), ("status", "error")]),
        Some(1.0)
    );
    assert_eq!(e.get("active_sessions", &[c("life")]), Some(0.0));
    assert_eq!(e.get("session_quality_score", &[c("life")]), Some(40.0));
    assert_eq!(
        e.get("session_duration_seconds_count", &[c("life")]),
        Some(2.0)
    );
    let sum = e.value("session_duration_seconds_sum", &[c("life")]);
    assert!(
        (120.02..121.0).contains(&sum),
        "measured 20 ms + given 120 s: {sum}"
    );
    assert_eq!(tracker.open_sessions(), 0);
}

#[test]
fn unmatched_and_repeated_ends() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let tracker = SessionTracker::new(NoLifecycle, true);
    block_on(async {
        tracker
            .handle_session_start(SessionStartEvent::new("b1", "ends", "sh"))
            .await
            .unwrap();
        // Ends for a session we never saw start: counted, gauge untouched.
        for _ in 0..2 {
            tracker
                .handle_session_end(SessionEndEvent::new(
                    "ghost",
                    "ends",
                    SessionStatus::Success,
                ))
                .await
                .unwrap();
        }
        // The same session ended twice counts once.
        for _ in 0..2 {
            tracker
                .handle_session_end(SessionEndEvent::new("b1", "ends", SessionStatus::Success))
                .await
                .unwrap();
        }
    });
    let e = exposition();
    assert_eq!(
        e.get("session_end_total", &[c("ends"), ("status", "success")]),
        Some(2.0)
    );
    assert_eq!(e.get("active_sessions", &[c("ends")]), Some(0.0));
    assert_eq!(
        e.get("session_duration_seconds_count", &[c("ends")]),
        Some(1.0)
    );
}

#[test]
fn invalid_events_are_rejected_by_field_and_record_nothing() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let tracker = SessionTracker::new(NoLifecycle, true);
    let before = exposition();
    let ops = |e: &Exposition| {
        (
            e.value(
                "mcp_event_emit_duration_seconds_count",
                &[c("session_tracker"), ("event_type", "session_start")],
            ),
            e.value(
                "mcp_event_emit_duration_seconds_count",
                &[c("session_tracker"), ("event_type", "session_end")],
            ),
        )
    };
    let cases: Vec<(Result<(), TrackerError>, &str)> = block_on(async {
        vec![
            (
                tracker
                    .handle_session_start(SessionStartEvent::new("x", "", "sh"))
                    .await,
                "component_name",
            ),
            (
                tracker
                    .handle_session_start(
                        SessionStartEvent::new("x", "bad", "sh").with_quality_score(150.0),
                    )
                    .await,
                "quality_score",
            ),
            (
                tracker
                    .handle_session_start(
                        SessionStartEvent::new("x", "bad", "sh").with_quality_score(f64::NAN),
                    )
                    .await,
                "quality_score",
            ),
            (
                tracker
                    .handle_session_start(SessionStartEvent::new("", "bad", "sh"))
                    .await,
                "session_id",
            ),
            (
                tracker
                    .handle_session_end(
                        SessionEndEvent::new("x", "bad", SessionStatus::Error)
                            .with_duration_seconds(-1.0),
                    )
                    .await,
                "duration_seconds",
            ),
            (
                tracker
                    .handle_session_end(
                        SessionEndEvent::new("x", "bad", SessionStatus::Error)
                            .with_duration_seconds(f64::NAN),
                    )
                    .await,
                "duration_seconds",
            ),
            (
                tracker
                    .handle_session_end(
                        SessionEndEvent::new("x", "bad", SessionStatus::Error)
                            .with_quality_score(-3.0),
                    )
                    .await,
                "quality_score",
            ),
        ]
    });
    for (result, field) in cases {
        match result {
            Err(TrackerError::InvalidEvent(e)) => {
                assert_eq!(e.field(), field);
                assert!(e.to_string().contains(field), "{e}");
            }
            other => panic!("expected an invalid {field}, got {other:?}"),
        }
    }
    let after = exposition();
    assert!(
        after
            .matching("session_start_total", &[c("bad")])
            .is_empty()
    );
    assert!(after.matching("session_end_total", &[c("bad")]).is_empty());
    assert!(
        after
            .matching("session_quality_score", &[c("bad")])
            .is_empty()
    );
    assert_eq!(
        ops(&before),
        ops(&after),
        "the tracker's own operations recorded nothing"
    );
}

struct CountingLifecycle {
    starts: AtomicUsize,
    ends: AtomicUsize,
    fail_ends: bool,
}

impl SessionLifecycle for CountingLifecycle {
    async fn on_session_start(&self, _: &SessionStartEvent) -> Result<(), LifecycleError> {
        self.starts.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    async fn on_session_end(&self, _: &SessionEndEvent) -> Result<(), LifecycleError> {
        self.ends.fetch_add(1, Ordering::SeqCst);
        if self.fail_ends {
            Err("store unavailable".into())
        } else {
            Ok(())
        }
    }
}

#[test]
fn disabled_tracker_does_the_lifecycle_work_and_records_nothing() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let lifecycle = CountingLifecycle {
        starts: AtomicUsize::new(0),
        ends: AtomicUsize::new(0),
        fail_ends: false,
    };
    let tracker = SessionTracker::new(lifecycle, false);
    let before = Site::global("session_tracker", "session_start");
    block_on(async {
        tracker
            .handle_session_start(SessionStartEvent::new("d1", "quiet", "sh"))
            .await
            .unwrap();
        tracker
            .handle_session_end(SessionEndEvent::new("d1", "quiet", SessionStatus::Success))
            .await
            .unwrap();
    });
    assert_eq!(tracker.lifecycle().starts.load(Ordering::SeqCst), 1);
    assert_eq!(tracker.lifecycle().ends.load(Ordering::SeqCst), 1);
    let e = exposition();
    assert!(e.matching("session_start_total", &[c("quiet")]).is_empty());
    assert!(e.matching("active_sessions", &[c("quiet")]).is_empty());
    assert_eq!(Site::global("session_tracker", "session_start"), before);
}

#[test]
fn a_failing_lifecycle_hook_is_an_operation_failure_and_records_no_session() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let lifecycle = CountingLifecycle {
        starts: AtomicUsize::new(0),
        ends: AtomicUsize::new(0),
        fail_ends: true,
    };
    let tracker = SessionTracker::new(lifecycle, true);
    let before = Site::global("session_tracker", "session_end").failed("Lifecycle");
    let result = block_on(async {
        tracker
            .handle_session_start(SessionStartEvent::new("f1", "hook", "sh"))
            .await
            .unwrap();
        tracker
            .handle_session_end(SessionEndEvent::new("f1", "hook", SessionStatus::Success))
            .await
    });
    assert!(matches!(result, Err(TrackerError::Lifecycle(_))));
    assert_eq!(
        Site::global("session_tracker", "session_end").failed("Lifecycle"),
        before + 1.0
    );
    let e = exposition();
    assert!(e.matching("session_end_total", &[c("hook")]).is_empty());
    assert_eq!(e.get("active_sessions", &[c("hook")]), Some(1.0));
}

#[test]
fn a_thousand_sessions_across_eight_threads_balance_exactly() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let tracker = SessionTracker::new(NoLifecycle, true);
    std::thread::scope(|s| {
        for t in 0..8 {
            let tracker = &tracker;
            s.spawn(move || {
                block_on(async {
                    for i in (t..1000).step_by(8) {
                        let id = format!("conc-{i}");
                        tracker
                            .handle_session_start(SessionStartEvent::new(&id, "conc", "sh"))
                            .await
                            .unwrap();
                        tracker
                            .handle_session_end(SessionEndEvent::new(
                                &id,
                                "conc",
                                SessionStatus::Success,
                            ))
                            .await
                            .unwrap();
                    }
                })
            });
        }
    });
    let e = exposition();
    assert_eq!(e.get("active_sessions", &[c("conc")]), Some(0.0));
    assert_eq!(
        e.get("session_start_total", &[c("conc"), ("shell_type", "sh")]),
        Some(1000.0)
    );
    assert_eq!(
        e.get("session_end_total", &[c("conc"), ("status", "success")]),
        Some(1000.0)
    );
}

#[test]
fn sessions_that_never_end_are_capped() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let tracker = SessionTracker::with_limits(NoLifecycle, true, 100, Duration::from_secs(3600));
    block_on(async {
        for i in 0..1000 {
            tracker
                .handle_session_start(SessionStartEvent::new(format!("leak-{i}"), "leaky", "sh"))
                .await
                .unwrap();
        }
    });
    assert_eq!(tracker.open_sessions(), 100);
    let e = exposition();
    assert_eq!(
        e.get("session_start_total", &[c("leaky"), ("shell_type", "sh")]),
        Some(1000.0)
    );
    // Evicted sessions leave the gauge, so it matches what is still tracked.
    assert_eq!(e.get("active_sessions", &[c("leaky")]), Some(100.0));
}

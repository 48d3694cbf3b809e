//! `Pushgateway::spawn_periodic`: `stop()` wins over a ready tick, waits for at most the push
//! in flight and one final push, and no push starts after it; failures and recoveries are
//! reported as they happen. Requests are counted on a loopback listener.

mod fake_gateway;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use fake_gateway::FakeGateway;
use session_metrics::SessionMetrics;
use session_metrics::push::{PushChange, PushErrorKind, Pushgateway};

fn leaked_metrics() -> &'static SessionMetrics {
    Box::leak(Box::new(
        SessionMetrics::new(prometheus::Registry::new()).unwrap(),
    ))
}

/// A hang guard only: `stop()` is expected within about twice the timeout.
async fn stop_guarded(
    task: session_metrics::push::PushTask,
) -> Option<session_metrics::push::PushError> {
    tokio::time::timeout(Duration::from_secs(30), task.stop())
        .await
        .expect("stop() hung")
}

#[tokio::test]
async fn an_interval_shorter_than_the_timeout_is_raised_to_it() {
    let fake = FakeGateway::start(|_| Some(200)).await;
    let timeout = Duration::from_millis(400);
    let gateway = Pushgateway::new(&fake.url(), "job")
        .unwrap()
        .timeout(timeout);
    let task = gateway.spawn_periodic(leaked_metrics(), Duration::from_millis(1));
    assert_eq!(task.interval(), timeout);
    assert_eq!(stop_guarded(task).await.map(|e| e.to_string()), None);
}

#[tokio::test]
async fn stop_against_a_silent_gateway_sends_exactly_one_more_push() {
    // The gateway never answers: every push runs into the timeout.
    let fake = FakeGateway::start(|_| None).await;
    let gateway = Pushgateway::new(&fake.url(), "job")
        .unwrap()
        .timeout(Duration::from_millis(300));
    // Asks for pushes every 1 ms: a tick is always ready when the push in flight ends.
    let task = gateway.spawn_periodic(leaked_metrics(), Duration::from_millis(1));
    fake.wait_for(1).await; // the first push is in flight
    let error = stop_guarded(task).await.expect("the final push times out");
    assert!(matches!(error.kind(), PushErrorKind::Timeout(_)), "{error}");
    // The push in flight, then the final push; no periodic push after stop().
    assert_eq!(fake.count(), 2, "{:#?}", fake.requests());
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(fake.count(), 2, "a push after stop() returned");
}

#[tokio::test]
async fn stop_pushes_the_final_values_and_nothing_after() {
    let fake = FakeGateway::start(|_| Some(200)).await;
    let metrics = leaked_metrics();
    let gateway = Pushgateway::new(&fake.url(), "job")
        .unwrap()
        .timeout(Duration::from_millis(250));
    let task = gateway.spawn_periodic(metrics, Duration::from_millis(250));
    fake.wait_for(2).await;
    metrics.record_session_start("recorded_last", "zsh");
    assert!(stop_guarded(task).await.is_none());
    let at_stop = fake.requests();
    let last = at_stop.last().unwrap();
    assert_eq!(last.line, "PUT /metrics/job/job HTTP/1.1");
    assert_eq!(
        last.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    assert!(
        last.body.contains(r#"component_name="recorded_last""#),
        "the final push lacks the last values: {last:?}"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(fake.count(), at_stop.len(), "a push after stop() returned");
}

#[tokio::test]
async fn the_first_failure_and_each_recovery_are_reported_once() {
    // Requests 0 and 1 fail, 2 and 3 work, 4 and 5 fail, then all work.
    let fake =
        FakeGateway::start(|n| Some(if matches!(n, 0 | 1 | 4 | 5) { 500 } else { 200 })).await;
    let gateway = Pushgateway::new(&fake.url(), "job")
        .unwrap()
        // Ample for a loopback answer, so no push times out where one should work.
        .timeout(Duration::from_millis(250));
    let changes = Arc::new(Mutex::new(Vec::new()));
    let seen = changes.clone();
    let task = gateway.spawn_periodic_with(
        leaked_metrics(),
        Duration::from_millis(250),
        move |change| {
            seen.lock().unwrap().push(match change {
                PushChange::Failed(error) => format!("failed: {error}"),
                PushChange::Recovered => "recovered".to_owned(),
                other => format!("{other:?}"),
            });
        },
    );
    fake.wait_for(7).await;
    assert!(stop_guarded(task).await.is_none());
    let changes = changes.lock().unwrap().clone();
    assert_eq!(changes.len(), 4, "{changes:#?}");
    assert!(
        changes[0].starts_with("failed: ") && changes[0].contains("500"),
        "{changes:#?}"
    );
    assert_eq!(changes[1], "recovered");
    assert!(changes[2].starts_with("failed: "), "{changes:#?}");
    assert_eq!(changes[3], "recovered");
}

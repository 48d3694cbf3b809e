//! Explicit initialisation of the global metrics with an application's registry.
//! (Its own test binary: the global can be initialised only once per process.)

use session_metrics::{
    Error, SessionMetrics, get_metrics, init_metrics_with_registry, track_operation,
};
use session_metrics_tests::Exposition;

#[track_operation("global", "op")]
fn op() {}

#[test]
fn init_with_an_application_registry_then_refuse_a_second_init() {
    let registry = prometheus::Registry::new();
    let app_counter = prometheus::IntCounter::new("app_requests_total", "App requests.").unwrap();
    registry.register(Box::new(app_counter.clone())).unwrap();

    let metrics = init_metrics_with_registry(registry.clone()).unwrap();
    assert!(std::ptr::eq(metrics, get_metrics()));

    op();
    app_counter.inc();
    // Both our series and the application's come out of the application's registry.
    let mut text = String::new();
    let encoder = prometheus::TextEncoder::new();
    encoder.encode_utf8(&registry.gather(), &mut text).unwrap();
    let e = Exposition::parse(&text);
    assert_eq!(e.get("app_requests_total", &[]), Some(1.0));
    assert_eq!(
        e.get(
            "mcp_event_emit_success_total",
            &[("component_name", "global"), ("event_type", "op")]
        ),
        Some(1.0)
    );

    let second = init_metrics_with_registry(prometheus::Registry::new()).unwrap_err();
    assert!(matches!(second, Error::AlreadyInitialized), "{second}");
    let third = session_metrics::init_metrics(SessionMetrics::disabled()).unwrap_err();
    assert!(matches!(third, Error::AlreadyInitialized));
    assert!(get_metrics().is_enabled());
}

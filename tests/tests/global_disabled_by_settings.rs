//! The lazily created global follows the settings: `SESSION_BUDDY_ENABLE_PROMETHEUS_METRICS=
//! false` makes instrumented functions run unchanged and record nothing, and the endpoint says
//! metrics are disabled. (Its own test binary: it sets a variable before the global exists.)

use session_metrics::{get_metrics, track_operation};

#[track_operation("disabled", "op")]
fn op(x: u32) -> Result<u32, String> {
    if x == 0 {
        Err("zero".into())
    } else {
        Ok(x * 2)
    }
}

#[test]
fn disabled_by_environment() {
    // SAFETY: the only test in this binary, run before anything reads the environment.
    unsafe { std::env::set_var("SESSION_BUDDY_ENABLE_PROMETHEUS_METRICS", "false") };
    assert_eq!(op(2), Ok(4));
    assert_eq!(op(0), Err("zero".into()));
    assert!(!get_metrics().is_enabled());
    assert_eq!(get_metrics().export_metrics(), "");
    let server = session_metrics_tests::prom::serve(get_metrics());
    let mut response = session_metrics_tests::prom::agent()
        .get(format!("http://{}/metrics", server.local_addr()))
        .call()
        .unwrap();
    assert_eq!(response.status(), 503);
    assert!(
        response
            .body_mut()
            .read_to_string()
            .unwrap()
            .contains("disabled")
    );
}

//! Invalid settings never panic the caller: the lazily created global is disabled and the
//! instrumented function runs unchanged. (Own binary: it sets a variable before the global
//! exists.)

use session_metrics::{get_metrics, track_operation};

#[track_operation("bad_settings", "op")]
fn op(x: u32) -> u32 {
    x + 1
}

#[test]
fn a_bad_port_disables_metrics_instead_of_panicking() {
    // SAFETY: the only test in this binary, run before anything reads the environment.
    unsafe { std::env::set_var("SESSION_BUDDY_PROMETHEUS_METRICS_PORT", "abc") };
    assert_eq!(op(1), 2);
    assert!(!get_metrics().is_enabled());
    let error = session_metrics::settings::Settings::load().unwrap_err();
    assert!(
        error
            .to_string()
            .contains("SESSION_BUDDY_PROMETHEUS_METRICS_PORT"),
        "{error}"
    );
}

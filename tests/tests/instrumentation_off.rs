//! With the `off` feature, `#[track_operation]` leaves functions untouched: they run as
//! written and record nothing. Built only by `cargo test -p session-metrics-tests --features
//! off --test instrumentation_off` (a separate build, since features unify across a build).

use session_metrics::{get_metrics, track_operation};

#[track_operation("off", "op")]
fn op(x: u32) -> Result<u32, String> {
    if x == 0 { Err("zero".into()) } else { Ok(x) }
}

#[track_operation("off", "async_op")]
async fn async_op() -> u32 {
    1
}

#[test]
fn functions_run_unchanged_and_record_nothing() {
    assert_eq!(op(2), Ok(2));
    assert!(op(0).is_err());
    assert_eq!(futures::executor::block_on(async_op()), 1);
    let text = get_metrics().export_metrics();
    assert!(!text.contains("component_name=\"off\""), "{text}");
}

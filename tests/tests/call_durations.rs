//! A call site times calls in its clock's raw unit (nanoseconds, or TSC ticks with feature
//! `quanta`) and converts only at scrape: the exported buckets and `_sum` must still be in
//! seconds. Bounds come from what the calls guarantee (each sleeps at least `NAP`; all of them
//! fit in the time measured around them), never from how fast the machine is.

use std::time::{Duration, Instant};

use session_metrics::track_operation;
use session_metrics_tests::{Exposition, Site};

const NAP: Duration = Duration::from_millis(2);
const CALLS: u32 = 20;

#[track_operation("durations", "nap")]
fn nap() {
    std::thread::sleep(NAP);
}

#[test]
fn buckets_and_sum_of_timed_calls_are_in_seconds() {
    let outer = Instant::now();
    for _ in 0..CALLS {
        nap();
    }
    let outer = outer.elapsed().as_secs_f64();
    let text = session_metrics::get_metrics().export_metrics();
    let site = Site::read(&text, "durations", "nap");
    assert_eq!(site.count, f64::from(CALLS));
    // 1% for the TSC's calibration against the OS clock (none with the std clock).
    let slept = f64::from(CALLS) * NAP.as_secs_f64();
    assert!(site.sum >= slept * 0.99, "sum {} < {slept} slept", site.sum);
    assert!(
        site.sum <= outer * 1.01,
        "sum {} > {outer} s around the calls",
        site.sum
    );
    let bucket = |le: &str| {
        Exposition::parse(&text).value(
            "mcp_event_emit_duration_seconds_bucket",
            &[
                ("component_name", "durations"),
                ("event_type", "nap"),
                ("le", le),
            ],
        )
    };
    // Every call took at least 2 ms: none within 1 ms, all within +Inf.
    assert_eq!(bucket("0.001"), 0.0);
    assert_eq!(bucket("+Inf"), f64::from(CALLS));
}

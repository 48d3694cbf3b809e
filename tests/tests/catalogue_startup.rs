//! Start-up checks of the catalogue: a latency threshold that is not a bucket bound is an
//! error naming the operation, the threshold and the bounds; nothing is installed then. And
//! the zero-valued failure series of a derived `ErrorLabel` respect the `error_type` cap.

use session_metrics::prometheus::Registry;
use session_metrics::{
    Error, ErrorLabel, MAX_ERROR_TYPES, OVERFLOW_ERROR_TYPE, Objective, SessionMetrics,
    init_metrics, track_operation,
};

static SLOW: Objective = Objective::new("slow").latency(0.3, 0.99);

#[track_operation("startup", "slow", objective = SLOW)]
fn slow() {}

macro_rules! many_variants {
    ($($v:ident)*) => {
        #[derive(Debug, ErrorLabel)]
        #[allow(dead_code)] // never constructed: the variants are there for their labels
        enum Many { $($v),* }
    };
}

many_variants!(
    V00 V01 V02 V03 V04 V05 V06 V07 V08 V09 V10 V11 V12 V13 V14 V15 V16 V17 V18 V19
    V20 V21 V22 V23 V24 V25 V26 V27 V28 V29 V30 V31 V32 V33 V34 V35 V36 V37 V38 V39
    V40 V41 V42 V43 V44 V45 V46 V47 V48 V49 V50 V51 V52 V53 V54 V55 V56 V57 V58 V59
    V60 V61 V62 V63 V64 V65 V66 V67 V68 V69
);

#[track_operation("startup", "many")]
fn many() -> Result<(), Many> {
    Ok(())
}

#[test]
fn a_threshold_off_the_buckets_stops_start_up_and_the_cap_holds() {
    // The default buckets have 0.25 and 0.5, not 0.3.
    let error = init_metrics(SessionMetrics::new(Registry::new()).unwrap()).unwrap_err();
    let Error::InvalidObjective {
        objective,
        operation,
        ..
    } = &error
    else {
        panic!("expected InvalidObjective, got {error:?}");
    };
    assert_eq!(*objective, "slow");
    assert!(operation.contains("catalogue_startup::slow"), "{operation}");
    assert!(operation.contains("startup/slow"), "{operation}");
    assert!(operation.contains(file!()), "{operation}");
    let message = error.to_string();
    for part in [
        "0.3 s",
        "mcp_event_emit_duration_seconds",
        "[0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]",
    ] {
        assert!(message.contains(part), "{part:?} not in {message}");
    }
    assert!(
        session_metrics::slo::prometheus_rules_for(&SessionMetrics::new(Registry::new()).unwrap())
            .is_err()
    );

    // With 0.3 among the buckets it starts (the failed attempt installed nothing).
    let fitting = SessionMetrics::builder()
        .event_duration_buckets([0.1, 0.3, 1.0])
        .build(Registry::new())
        .unwrap();
    let rules = session_metrics::slo::prometheus_rules_for(&fitting).unwrap();
    assert!(rules.contains(r#"le="0.3""#), "{rules}");
    let metrics = init_metrics(fitting).unwrap();

    // 70 labels, at most MAX_ERROR_TYPES distinct values plus the overflow value.
    let text = metrics.export_metrics();
    let failure_series: Vec<&str> = text
        .lines()
        .filter(|l| {
            l.starts_with("mcp_event_emit_failure_total{") && l.contains(r#"event_type="many""#)
        })
        .collect();
    assert_eq!(
        failure_series.len(),
        MAX_ERROR_TYPES + 1,
        "{failure_series:#?}"
    );
    assert!(failure_series.iter().all(|l| l.ends_with(" 0")));
    assert!(
        failure_series
            .iter()
            .any(|l| l.contains(&format!("error_type=\"{OVERFLOW_ERROR_TYPE}\"")))
    );
    assert!(text.contains(
        r#"mcp_event_emit_duration_seconds_bucket{component_name="startup",event_type="slow",le="0.3"} 0"#
    ));
    slow();
    many().unwrap();
}

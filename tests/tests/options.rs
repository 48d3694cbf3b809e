//! `#[track_operation]` options beyond the labels: `family = STATIC` records into a declared
//! operation family, `enabled = EXPR` decides per call whether to record.

use session_metrics::{OperationFamily, get_metrics, track_operation};
use session_metrics_tests::{Exposition, Site};

static JOBS: OperationFamily = OperationFamily::new("job_operation", &[0.01, 0.1, 1.0]);

#[derive(Debug)]
struct Failed;

#[track_operation("worker", "run", family = JOBS)]
fn run(ok: bool) -> Result<(), Failed> {
    if ok { Ok(()) } else { Err(Failed) }
}

#[track_operation("worker", "run_async", family = JOBS)]
async fn run_async() -> u8 {
    1
}

#[test]
fn a_declared_family_gets_the_calls_with_its_own_buckets() {
    JOBS.register().unwrap();
    JOBS.register().unwrap(); // idempotent
    run(true).unwrap();
    run(true).unwrap();
    run(false).unwrap_err();
    assert_eq!(futures::executor::block_on(run_async()), 1);
    let e = Exposition::parse(&get_metrics().export_metrics());
    let run = [("component_name", "worker"), ("event_type", "run")];
    assert_eq!(e.get("job_operation_success_total", &run), Some(2.0));
    assert_eq!(
        e.get(
            "job_operation_failure_total",
            &[run[0], run[1], ("error_type", "Failed")]
        ),
        Some(1.0)
    );
    assert_eq!(
        e.get("job_operation_duration_seconds_count", &run),
        Some(3.0)
    );
    let le = |bound| {
        e.get(
            "job_operation_duration_seconds_bucket",
            &[run[0], run[1], ("le", bound)],
        )
    };
    assert_eq!(le("0.01"), Some(3.0));
    assert_eq!(le("+Inf"), Some(3.0));
    assert_eq!(le("0.005"), None, "the seed's buckets are not used");
    assert_eq!(
        e.get(
            "job_operation_success_total",
            &[("component_name", "worker"), ("event_type", "run_async")]
        ),
        Some(1.0)
    );
    // Nothing went to mcp_event_emit_*.
    assert_eq!(Site::global("worker", "run").count, 0.0);
    // And the family is described next to the seed's.
    let names: Vec<_> = get_metrics()
        .metric_descriptions()
        .into_iter()
        .map(|d| d.name)
        .collect();
    assert!(
        names.contains(&"job_operation_duration_seconds"),
        "{names:?}"
    );
}

static BAD_PREFIX: OperationFamily = OperationFamily::new("bad-prefix", &[1.0]);
static BAD_BUCKETS: OperationFamily = OperationFamily::new("bad_buckets", &[1.0, 0.5]);
static CLASH: OperationFamily = OperationFamily::new("mcp_event_emit", &[1.0]);

#[test]
fn a_bad_family_is_an_error_at_registration() {
    let e = BAD_PREFIX.register().unwrap_err().to_string();
    assert!(
        e.contains("\"bad-prefix\" is not a valid metric name prefix"),
        "{e}"
    );
    let e = BAD_BUCKETS.register().unwrap_err().to_string();
    assert!(e.contains("not strictly increasing: 1 then 0.5"), "{e}");
    let e = CLASH.register().unwrap_err().to_string();
    assert!(e.contains("\"mcp_event_emit\""), "{e}");
}

#[track_operation("options", "sampled", enabled = record)]
fn sampled(record: bool) -> bool {
    record
}

struct Service {
    metrics_on: bool,
}

impl Service {
    #[track_operation("options", "method", enabled = self.metrics_on)]
    async fn call(&self) -> u8 {
        2
    }
}

#[test]
fn enabled_decides_per_call() {
    for i in 0..10 {
        sampled(i % 3 == 0);
    }
    assert_eq!(Site::global("options", "sampled").success, 4.0);
    futures::executor::block_on(async {
        assert_eq!(Service { metrics_on: false }.call().await, 2);
        assert_eq!(Service { metrics_on: true }.call().await, 2);
    });
    assert_eq!(Site::global("options", "method").success, 1.0);
}

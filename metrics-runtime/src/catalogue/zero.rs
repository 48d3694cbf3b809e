//! Zero-valued series for every catalogued operation, created with the global metrics, and the
//! start-up check of the operations' objectives.

use crate::callsite::CallSite;
use crate::catalogue::{Operation, operations};
use crate::events::EventFamilies;
use crate::{DEFAULT_EVENT_DURATION_BUCKETS, Error, SessionMetrics};

/// Creates, in `metrics` (the global, just installed), each catalogued operation's duration
/// histogram and success counter at 0, and its failure counters at 0 for every label of a
/// derived `ErrorLabel` error type (within the `error_type` cap). Series that exist are left
/// as they are. Families declared with `OperationFamily` are registered on the way.
pub(crate) fn materialise(metrics: &'static SessionMetrics) {
    if !metrics.is_enabled() {
        return;
    }
    for op in operations() {
        if let Some(events) = events_of(metrics, op.site()) {
            zero(events, op);
        }
    }
}

/// The series of `op` at 0 in `events`.
fn zero(events: &EventFamilies, op: &Operation) {
    let labels = [op.component(), op.event_type()];
    drop(events.duration.with(&labels));
    drop(events.success.with(&labels));
    for label in op.error_labels() {
        drop(events.failure_counter(op.component(), op.event_type(), label));
    }
}

impl SessionMetrics {
    /// Creates at 0 the series of every catalogued operation that records into the
    /// `mcp_event_emit` families (see [`operations`](crate::operations)), in these metrics:
    /// the duration histogram, the success counter and, for an error type that derives
    /// [`ErrorLabel`](trait@crate::ErrorLabel), a failure counter per label (within the
    /// `error_type` cap). Returns how many operations it covered.
    ///
    /// The global metrics do this themselves when they are created (by `init_*` or on first
    /// use); this is for another instance, e.g. one that is pushed or served on its own.
    /// Operations of a declared [`OperationFamily`](crate::OperationFamily) are skipped: such
    /// a family lives in the global metrics only. Existing series are left as they are;
    /// disabled metrics get nothing (0).
    ///
    /// ```
    /// use session_metrics::{SessionMetrics, track_operation};
    ///
    /// #[track_operation("store", "compact")]
    /// fn compact() {}
    ///
    /// let metrics = SessionMetrics::new(prometheus::Registry::new())?;
    /// assert!(metrics.create_catalogued_series() >= 1);
    /// let text = metrics.export_metrics();
    /// assert!(text.contains(r#"mcp_event_emit_success_total{component_name="store",event_type="compact"} 0"#));
    /// # compact();
    /// # Ok::<(), session_metrics::Error>(())
    /// ```
    pub fn create_catalogued_series(&self) -> usize {
        let Some(families) = self.families() else {
            return 0;
        };
        let mut covered = 0;
        for op in operations().filter(|op| op.site().operation_family().is_none()) {
            zero(&families.events, op);
            covered += 1;
        }
        covered
    }
}

/// The families `site` records into, in `metrics`.
fn events_of(
    metrics: &'static SessionMetrics,
    site: &'static CallSite,
) -> Option<&'static EventFamilies> {
    match site.operation_family() {
        Some(family) => family.events_in(metrics),
        None => metrics.families().map(|f| &f.events),
    }
}

/// The upper bounds of the histogram `op` records into, in `metrics`, and that histogram's
/// name.
pub(crate) fn bounds_of(metrics: &SessionMetrics, op: &Operation) -> (Vec<f64>, String) {
    match op.site().operation_family() {
        Some(family) => (
            family.buckets().to_vec(),
            format!("{}_duration_seconds", family.prefix()),
        ),
        None => {
            let configured = metrics
                .families()
                .and_then(|f| f.events.duration.describe(&[]).buckets);
            (
                configured.unwrap_or_else(|| DEFAULT_EVENT_DURATION_BUCKETS.to_vec()),
                "mcp_event_emit_duration_seconds".to_owned(),
            )
        }
    }
}

/// Checks every catalogued objective against `metrics`: a latency threshold must be one of
/// the bucket bounds of the operation's histogram.
///
/// # Errors
/// [`Error::InvalidObjective`] for the first objective that fails, naming the operation, the
/// threshold and the bounds.
pub(crate) fn check_objectives(metrics: &SessionMetrics) -> Result<(), Error> {
    for op in operations() {
        check(metrics, op)?;
    }
    Ok(())
}

fn check(metrics: &SessionMetrics, op: &Operation) -> Result<(), Error> {
    let Some(objective) = op.objective() else {
        return Ok(());
    };
    let Some(latency) = objective.target_latency() else {
        return Ok(());
    };
    let (bounds, histogram) = bounds_of(metrics, op);
    if bounds.contains(&latency.threshold_seconds) {
        return Ok(());
    }
    Err(Error::InvalidObjective {
        objective: objective.name(),
        operation: describe(op),
        reason: format!(
            "the latency threshold {} s is not a bucket bound of {histogram}; its bounds are {bounds:?}",
            latency.threshold_seconds
        ),
    })
}

/// `function (component/event_type at file:line)`.
pub(crate) fn describe(op: &Operation) -> String {
    format!(
        "{} ({}/{} at {}:{})",
        op.function(),
        op.component(),
        op.event_type(),
        op.file(),
        op.line()
    )
}

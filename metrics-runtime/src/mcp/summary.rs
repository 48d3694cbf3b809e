//! `get_metrics_summary`: per operation and per component figures, summed from the series of
//! the session metrics.
//!
//! `#[schemars(description)]` repeats each type's first rustdoc line: schemars would otherwise
//! put the whole rustdoc, examples included, into the output schema.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::args::SummaryArgs;
use super::duration::{DurationSummary, HistogramSum, finite, mean};
use super::gathered::{counter_count, gauge_value, label};
use super::server_summary::{McpServerSummary, mcp_server_summary};
use super::status::{Status, status_of};
use super::timestamp::Now;
use crate::SessionMetrics;

// The families the summary reads; a unit test checks they are the ones `SessionMetrics` has.
const EVENT_SUCCESS: &str = "mcp_event_emit_success_total";
const EVENT_FAILURE: &str = "mcp_event_emit_failure_total";
const EVENT_DURATION: &str = "mcp_event_emit_duration_seconds";
pub(super) const SESSION_START: &str = "session_start_total";
const SESSION_END: &str = "session_end_total";
const SESSION_DURATION: &str = "session_duration_seconds";
const ACTIVE_SESSIONS: &str = "active_sessions";
pub(super) const QUALITY_SCORE: &str = "session_quality_score";

/// The answer of `get_metrics_summary`.
///
/// ```
/// use session_metrics::mcp::{MetricsTools, SummaryArgs};
///
/// let metrics = Box::leak(Box::new(session_metrics::SessionMetrics::new(prometheus::Registry::new())?));
/// metrics.record_mcp_event_success("buddy", "save", 0.02);
/// metrics.record_mcp_event_failure("buddy", "save", "Timeout", 0.3);
/// metrics.record_session_start("buddy", "zsh");
/// let summary = MetricsTools::new(metrics).summary(&SummaryArgs::default());
/// let save = &summary.operations[0];
/// assert_eq!((save.success_count, save.failure_count), (1, 1));
/// assert_eq!(save.success_ratio, Some(0.5));
/// assert_eq!(save.failures_by_error_type["Timeout"], 1);
/// assert_eq!(summary.components[0].sessions_started, 1);
/// assert_eq!(summary.totals.call_count, 2);
/// # Ok::<(), session_metrics::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(description = "The answer of `get_metrics_summary`.")]
pub struct MetricsSummary {
    /// `ok`, or `disabled` with empty lists.
    pub status: Status,
    /// Explanation when `status` is not `ok`.
    pub message: Option<String>,
    /// When the metrics were read, RFC 3339 in UTC.
    pub timestamp: String,
    /// When the metrics were read, in milliseconds since the Unix epoch.
    pub timestamp_unix_ms: u64,
    /// The filters applied.
    pub filters: SummaryArgs,
    /// Sums over `operations` and `components`.
    pub totals: SummaryTotals,
    /// One entry per component and event type, sorted.
    pub operations: Vec<OperationSummary>,
    /// One entry per component with session metrics, sorted.
    pub components: Vec<ComponentSummary>,
    /// What the MCP server layer recorded (not narrowed by the filters).
    pub mcp_server: McpServerSummary,
}

/// Overall figures of a [`MetricsSummary`].
///
/// ```
/// let totals = session_metrics::mcp::SummaryTotals::default();
/// assert_eq!(totals.call_count, 0);
/// assert_eq!(totals.success_ratio, None); // no calls, no ratio
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(description = "Overall figures of a `MetricsSummary`.")]
pub struct SummaryTotals {
    /// Number of (component, event type) pairs.
    pub operation_count: usize,
    /// Successful calls.
    pub success_count: u64,
    /// Failed calls.
    pub failure_count: u64,
    /// All calls: successes plus failures.
    pub call_count: u64,
    /// `success_count / call_count`, `null` without calls.
    pub success_ratio: Option<f64>,
    /// Failed calls by `error_type`.
    pub failures_by_error_type: BTreeMap<String, u64>,
    /// Mean call duration in seconds over all operations, `null` without calls.
    pub mean_duration_seconds: Option<f64>,
    /// Number of components with session metrics.
    pub component_count: usize,
    /// Sessions started.
    pub sessions_started: u64,
    /// Sessions ended.
    pub sessions_ended: u64,
    /// Active sessions, summed over components.
    pub active_sessions: f64,
}

/// Calls of one (component, event type) pair.
///
/// ```
/// let op = session_metrics::mcp::OperationSummary {
///     component: "buddy".into(),
///     event_type: "save".into(),
///     success_count: 3,
///     failure_count: 1,
///     call_count: 4,
///     success_ratio: Some(0.75),
///     failures_by_error_type: [("Timeout".to_owned(), 1)].into(),
///     duration: Default::default(),
/// };
/// assert_eq!(serde_json::to_value(&op).unwrap()["failures_by_error_type"]["Timeout"], 1);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(description = "Calls of one (component, event type) pair.")]
pub struct OperationSummary {
    /// The `component_name` label.
    pub component: String,
    /// The `event_type` label.
    pub event_type: String,
    /// Successful calls.
    pub success_count: u64,
    /// Failed calls.
    pub failure_count: u64,
    /// All calls.
    pub call_count: u64,
    /// `success_count / call_count`, `null` without calls.
    pub success_ratio: Option<f64>,
    /// Failed calls by `error_type`.
    pub failures_by_error_type: BTreeMap<String, u64>,
    /// Call durations from `mcp_event_emit_duration_seconds`.
    pub duration: DurationSummary,
}

/// Session figures of one component.
///
/// ```
/// use session_metrics::mcp::{MetricsTools, SummaryArgs};
///
/// let metrics = Box::leak(Box::new(session_metrics::SessionMetrics::new(prometheus::Registry::new())?));
/// metrics.record_session_start("buddy", "bash");
/// metrics.increment_active_sessions("buddy");
/// metrics.record_session_end("buddy", "success", 120.0);
/// metrics.set_session_quality_score("buddy", 87.5);
/// let buddy = &MetricsTools::new(metrics).summary(&SummaryArgs::default()).components[0];
/// assert_eq!((buddy.sessions_started, buddy.sessions_ended), (1, 1));
/// assert_eq!(buddy.active_sessions, 1.0);
/// assert_eq!(buddy.quality_score, Some(87.5));
/// assert_eq!(buddy.mean_session_duration_seconds, Some(120.0));
/// # Ok::<(), session_metrics::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(description = "Session figures of one component.")]
pub struct ComponentSummary {
    /// The `component_name` label.
    pub component: String,
    /// Current `active_sessions`.
    pub active_sessions: f64,
    /// Current `session_quality_score`, `null` if never set.
    pub quality_score: Option<f64>,
    /// Sessions started, over all shell types.
    pub sessions_started: u64,
    /// Sessions ended, over all statuses.
    pub sessions_ended: u64,
    /// Sessions started by `shell_type`.
    pub sessions_started_by_shell_type: BTreeMap<String, u64>,
    /// Sessions ended by `status`.
    pub sessions_ended_by_status: BTreeMap<String, u64>,
    /// Mean of `session_duration_seconds`, `null` without ended sessions.
    pub mean_session_duration_seconds: Option<f64>,
}

#[derive(Default)]
struct OperationAcc {
    success: u64,
    failures: BTreeMap<String, u64>,
    duration: HistogramSum,
}

#[derive(Default)]
struct ComponentAcc {
    started: BTreeMap<String, u64>,
    ended: BTreeMap<String, u64>,
    active: f64,
    quality: Option<f64>,
    duration: HistogramSum,
}

pub(super) fn summary(metrics: &SessionMetrics, args: &SummaryArgs) -> MetricsSummary {
    let now = Now::get();
    let (status, message) = status_of(metrics);
    let component = args.component.as_deref();
    let event_type = args.event_type.as_deref();
    let mut operations: BTreeMap<(String, String), OperationAcc> = BTreeMap::new();
    let mut components: BTreeMap<String, ComponentAcc> = BTreeMap::new();
    let gathered = if metrics.is_enabled() {
        metrics.registry().gather()
    } else {
        Vec::new()
    };
    for family in &gathered {
        let name = family.name();
        for metric in family.get_metric() {
            let Some(c) = label(metric, "component_name") else {
                continue;
            };
            if component.is_some_and(|wanted| wanted != c) {
                continue;
            }
            let other = |label_name| label(metric, label_name).unwrap_or("").to_owned();
            match name {
                EVENT_SUCCESS | EVENT_FAILURE | EVENT_DURATION => {
                    let Some(e) = label(metric, "event_type") else {
                        continue;
                    };
                    if event_type.is_some_and(|wanted| wanted != e) {
                        continue;
                    }
                    let op = operations.entry((c.to_owned(), e.to_owned())).or_default();
                    match name {
                        EVENT_SUCCESS => op.success += counter_count(metric),
                        EVENT_FAILURE => {
                            *op.failures.entry(other("error_type")).or_default() +=
                                counter_count(metric);
                        }
                        _ => op.duration.add(metric),
                    }
                }
                SESSION_START | SESSION_END | SESSION_DURATION | ACTIVE_SESSIONS
                | QUALITY_SCORE => {
                    let acc = components.entry(c.to_owned()).or_default();
                    match name {
                        SESSION_START => {
                            *acc.started.entry(other("shell_type")).or_default() +=
                                counter_count(metric);
                        }
                        SESSION_END => {
                            *acc.ended.entry(other("status")).or_default() += counter_count(metric);
                        }
                        SESSION_DURATION => acc.duration.add(metric),
                        ACTIVE_SESSIONS => acc.active += finite(gauge_value(metric)).unwrap_or(0.0),
                        _ => acc.quality = finite(gauge_value(metric)),
                    }
                }
                _ => {}
            }
        }
    }

    let mut totals = SummaryTotals::default();
    let mut duration_count = 0u64;
    let mut duration_sum = 0.0;
    let operations: Vec<OperationSummary> = operations
        .into_iter()
        .map(|((component, event_type), op)| {
            let failure_count: u64 = op.failures.values().sum();
            let call_count = op.success + failure_count;
            totals.success_count += op.success;
            totals.failure_count += failure_count;
            for (label, n) in &op.failures {
                *totals
                    .failures_by_error_type
                    .entry(label.clone())
                    .or_default() += n;
            }
            duration_count += op.duration.count;
            duration_sum += op.duration.sum;
            OperationSummary {
                component,
                event_type,
                success_count: op.success,
                failure_count,
                call_count,
                success_ratio: ratio(op.success, call_count),
                duration: op.duration.summary(),
                failures_by_error_type: op.failures,
            }
        })
        .collect();
    let components: Vec<ComponentSummary> = components
        .into_iter()
        .map(|(component, acc)| {
            let sessions_started = acc.started.values().sum();
            let sessions_ended = acc.ended.values().sum();
            totals.sessions_started += sessions_started;
            totals.sessions_ended += sessions_ended;
            totals.active_sessions += acc.active;
            ComponentSummary {
                component,
                active_sessions: acc.active,
                quality_score: acc.quality,
                sessions_started,
                sessions_ended,
                sessions_started_by_shell_type: acc.started,
                sessions_ended_by_status: acc.ended,
                mean_session_duration_seconds: acc.duration.mean(),
            }
        })
        .collect();
    totals.operation_count = operations.len();
    totals.component_count = components.len();
    totals.call_count = totals.success_count + totals.failure_count;
    totals.success_ratio = ratio(totals.success_count, totals.call_count);
    totals.mean_duration_seconds = mean(duration_sum, duration_count);
    MetricsSummary {
        status,
        message,
        timestamp: now.rfc3339,
        timestamp_unix_ms: now.unix_ms,
        filters: args.clone(),
        totals,
        operations,
        components,
        mcp_server: mcp_server_summary(&gathered),
    }
}

fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_reads_the_families_session_metrics_has() {
        let metrics = SessionMetrics::new(prometheus::Registry::new()).unwrap();
        let names: Vec<&str> = metrics
            .metric_descriptions()
            .iter()
            .map(|d| d.name)
            .collect();
        for name in [
            EVENT_SUCCESS,
            EVENT_FAILURE,
            EVENT_DURATION,
            SESSION_START,
            SESSION_END,
            SESSION_DURATION,
            ACTIVE_SESSIONS,
            QUALITY_SCORE,
        ] {
            assert!(names.contains(&name), "{name}");
        }
    }
}

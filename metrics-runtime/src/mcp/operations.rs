//! `list_operations`: the binary's call-site catalogue, every `#[track_operation]` function
//! with where it is, what it records into and its objective.
//!
//! `#[schemars(description)]` repeats each type's first rustdoc line: schemars would otherwise
//! put the whole rustdoc, examples included, into the output schema.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::args::ListOperationsArgs;
use super::status::{Status, status_of};
use crate::SessionMetrics;
use crate::catalogue::{Objective, Operation, operations};

/// The answer of `list_operations`.
///
/// The list holds the operations of the binary (one per `#[track_operation]` function), so
/// its length is bounded by the code, not by what was recorded. It is empty with the `off`
/// feature and on platforms without link-time registration (see
/// [`operations`](crate::operations)).
///
/// ```
/// use session_metrics::mcp::{ListOperationsArgs, MetricsTools};
/// use session_metrics::{Objective, track_operation};
///
/// static PAY: Objective = Objective::new("pay").success_ratio(0.999).latency(0.25, 0.99);
///
/// #[track_operation("shop", "pay", objective = PAY)]
/// fn pay() {}
///
/// let only_shop = ListOperationsArgs { component: Some("shop".into()), event_type: None };
/// let list = MetricsTools::default().list_operations(&only_shop);
/// assert_eq!(list.operation_count, 1);
/// let op = &list.operations[0];
/// assert_eq!((op.event_type.as_str(), op.family.as_str()), ("pay", "mcp_event_emit"));
/// assert!(op.function.ends_with("::pay"));
/// let objective = op.objective.as_ref().unwrap();
/// assert_eq!(objective.success_ratio, Some(0.999));
/// assert_eq!(objective.latency.as_ref().unwrap().threshold_seconds, 0.25);
/// # pay();
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(description = "The answer of `list_operations`.")]
pub struct OperationList {
    /// `ok`, or `disabled` when the metrics record nothing (the operations are listed all the same).
    pub status: Status,
    /// Explanation when `status` is not `ok`.
    pub message: Option<String>,
    /// Number of entries in `operations`.
    pub operation_count: usize,
    /// The operations, by component, event type, function, file and line.
    pub operations: Vec<OperationInfo>,
    /// The filters applied.
    pub filters: ListOperationsArgs,
}

/// One `#[track_operation]` function in an [`OperationList`].
///
/// ```
/// let info = session_metrics::mcp::OperationInfo {
///     component: "store".into(),
///     event_type: "checkpoint".into(),
///     function: "my_crate::store::checkpoint".into(),
///     file: "src/store.rs".into(),
///     line: 12,
///     family: "mcp_event_emit".into(),
///     error_labels: vec![],
///     objective: None,
/// };
/// assert_eq!(serde_json::to_value(&info).unwrap()["line"], 12);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(description = "One `#[track_operation]` function in an `OperationList`.")]
pub struct OperationInfo {
    /// The `component_name` label.
    pub component: String,
    /// The `event_type` label.
    pub event_type: String,
    /// Module path and function name, e.g. `my_crate::store::checkpoint`.
    pub function: String,
    /// Source file, as `file!()` gives it.
    pub file: String,
    /// Line of the function's name in `file` (1-based).
    pub line: u32,
    /// Prefix of the metric families it records into, e.g. `mcp_event_emit` for `mcp_event_emit_duration_seconds`, `_success_total` and `_failure_total`.
    pub family: String,
    /// Every `error_type` label its error type can produce, when that type derives `ErrorLabel`; empty otherwise.
    pub error_labels: Vec<String>,
    /// The service-level objective, if the function has one.
    pub objective: Option<ObjectiveInfo>,
}

/// The objective of an [`OperationInfo`].
///
/// ```
/// let info = session_metrics::mcp::ObjectiveInfo { name: "pay".into(), success_ratio: Some(0.999), latency: None };
/// assert_eq!(serde_json::to_value(&info).unwrap()["success_ratio"], 0.999);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(description = "The objective of an `OperationInfo`.")]
pub struct ObjectiveInfo {
    /// The name, the `objective` label of the generated rules and alerts.
    pub name: String,
    /// The share of calls that should succeed, in (0, 1).
    pub success_ratio: Option<f64>,
    /// The latency target.
    pub latency: Option<LatencyInfo>,
}

/// The latency target of an [`ObjectiveInfo`].
///
/// ```
/// let info = session_metrics::mcp::LatencyInfo { threshold_seconds: 0.25, ratio: 0.99 };
/// assert_eq!(serde_json::to_value(&info).unwrap()["threshold_seconds"], 0.25);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(description = "The latency target of an `ObjectiveInfo`.")]
pub struct LatencyInfo {
    /// The threshold in seconds, one of the histogram's bucket bounds.
    pub threshold_seconds: f64,
    /// The share of calls that should finish within the threshold, in (0, 1).
    pub ratio: f64,
}

pub(super) fn list_operations(
    metrics: &SessionMetrics,
    args: &ListOperationsArgs,
) -> OperationList {
    let (status, message) = status_of(metrics);
    let wanted = |op: &&Operation| {
        args.component
            .as_deref()
            .is_none_or(|c| op.component() == c)
            && args
                .event_type
                .as_deref()
                .is_none_or(|e| op.event_type() == e)
    };
    let mut list: Vec<OperationInfo> = operations().filter(wanted).map(info).collect();
    list.sort_by(|a, b| {
        (&a.component, &a.event_type, &a.function, &a.file, a.line).cmp(&(
            &b.component,
            &b.event_type,
            &b.function,
            &b.file,
            b.line,
        ))
    });
    OperationList {
        status,
        message,
        operation_count: list.len(),
        operations: list,
        filters: args.clone(),
    }
}

fn info(op: &Operation) -> OperationInfo {
    OperationInfo {
        component: op.component().to_owned(),
        event_type: op.event_type().to_owned(),
        function: op.function().to_owned(),
        file: op.file().to_owned(),
        line: op.line(),
        family: op.family().to_owned(),
        error_labels: op.error_labels().iter().map(|&l| l.to_owned()).collect(),
        objective: op.objective().map(objective),
    }
}

fn objective(objective: &Objective) -> ObjectiveInfo {
    ObjectiveInfo {
        name: objective.name().to_owned(),
        success_ratio: objective.target_success_ratio(),
        latency: objective.target_latency().map(|l| LatencyInfo {
            threshold_seconds: l.threshold_seconds,
            ratio: l.ratio,
        }),
    }
}

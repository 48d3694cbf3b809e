//! `list_session_metrics`: every metric family with its type, help, labels and buckets.
//!
//! `#[schemars(description)]` repeats each type's first rustdoc line: schemars would otherwise
//! put the whole rustdoc, examples included, into the output schema.

use std::collections::{BTreeMap, BTreeSet};

use prometheus::proto::{self, MetricFamily};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::args::ListMetricsArgs;
use super::status::{Status, status_of};
use crate::{MetricKind, SessionMetrics};

/// The answer of `list_session_metrics`.
///
/// ```
/// use session_metrics::mcp::{ListMetricsArgs, MetricsTools};
///
/// let metrics = Box::leak(Box::new(session_metrics::SessionMetrics::new(prometheus::Registry::new())?));
/// let list = MetricsTools::new(metrics).list_metrics(&ListMetricsArgs::default());
/// assert_eq!(list.family_count, 8); // all eight, though none has a series yet
/// let duration = list.families.iter().find(|f| f.name == "session_duration_seconds").unwrap();
/// assert_eq!(duration.label_names, ["component_name"]);
/// assert_eq!(duration.buckets.as_ref().unwrap().len(), 8);
/// # Ok::<(), session_metrics::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(description = "The answer of `list_session_metrics`.")]
pub struct MetricList {
    /// `ok`, or `disabled` when only other collectors' families can be listed.
    pub status: Status,
    /// Explanation when `status` is not `ok`.
    pub message: Option<String>,
    /// Number of entries in `families`.
    pub family_count: usize,
    /// The families, ours first in a fixed order, then any other collector's by name.
    pub families: Vec<MetricFamilyInfo>,
    /// The filters applied.
    pub filters: ListMetricsArgs,
}

/// One metric family in a [`MetricList`].
///
/// ```
/// use session_metrics::mcp::{FamilySource, MetricType};
///
/// let family = session_metrics::mcp::MetricFamilyInfo {
///     name: "session_start_total".into(),
///     metric_type: MetricType::Counter,
///     help: "Total number of sessions started.".into(),
///     label_names: vec!["component_name".into(), "shell_type".into()],
///     const_labels: Default::default(),
///     buckets: None,
///     series_count: 0,
///     source: FamilySource::SessionMetrics,
/// };
/// assert_eq!(serde_json::to_value(&family).unwrap()["type"], "counter");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(description = "One metric family in a `MetricList`.")]
pub struct MetricFamilyInfo {
    /// Metric name, e.g. `session_start_total`.
    pub name: String,
    /// Counter, gauge, histogram, summary or untyped.
    #[serde(rename = "type")]
    pub metric_type: MetricType,
    /// The `# HELP` text.
    pub help: String,
    /// Variable label names in order (for other collectors: those seen on their series).
    pub label_names: Vec<String>,
    /// Constant labels on every series.
    pub const_labels: BTreeMap<String, String>,
    /// A histogram's finite bucket upper bounds (`+Inf` is implied); `null` otherwise.
    pub buckets: Option<Vec<f64>>,
    /// Series the family has right now (a family is exported once it has one).
    pub series_count: usize,
    /// Whether the family is one of the session metrics or another collector's.
    pub source: FamilySource,
}

/// The type of a metric family, as written after `# TYPE`.
///
/// ```
/// assert_eq!(serde_json::to_value(session_metrics::mcp::MetricType::Histogram).unwrap(), "histogram");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(description = "The type of a metric family, as written after `# TYPE`.")]
#[serde(rename_all = "snake_case")]
pub enum MetricType {
    /// A monotonically increasing count.
    Counter,
    /// A value that goes up and down.
    Gauge,
    /// Observations counted into buckets.
    Histogram,
    /// Observations summarised by quantiles.
    Summary,
    /// A value of unknown kind.
    Untyped,
}

/// Where a listed family comes from.
///
/// ```
/// assert_eq!(serde_json::to_value(session_metrics::mcp::FamilySource::Registry).unwrap(), "registry");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(description = "Where a listed family comes from.")]
#[serde(rename_all = "snake_case")]
pub enum FamilySource {
    /// One of the eight session metrics, a declared `OperationFamily`, or a family of the MCP
    /// server layer (`Metered`).
    SessionMetrics,
    /// Another collector registered in the same registry.
    Registry,
}

pub(super) fn list_metrics(metrics: &SessionMetrics, args: &ListMetricsArgs) -> MetricList {
    let (status, message) = status_of(metrics);
    let wanted = |name: &str| {
        args.metric_prefix
            .as_deref()
            .is_none_or(|p| name.starts_with(p))
    };
    let gathered = metrics.registry().gather();
    let series_count = |name: &str| {
        gathered
            .iter()
            .find(|f| f.name() == name)
            .map_or(0, |f| f.get_metric().len())
    };
    let mut ours = metrics.metric_descriptions();
    // The server layer's families, once a `Metered` (or `Metered::register`) created them.
    if let Some(server) = super::server::existing_in(metrics) {
        ours.extend(server.descriptions());
    }
    let mut families: Vec<MetricFamilyInfo> = ours
        .iter()
        .filter(|d| wanted(d.name))
        .map(|d| MetricFamilyInfo {
            name: d.name.to_owned(),
            metric_type: match d.kind {
                MetricKind::Counter => MetricType::Counter,
                MetricKind::Gauge => MetricType::Gauge,
                MetricKind::Histogram => MetricType::Histogram,
            },
            help: d.help.to_owned(),
            label_names: d.label_names.iter().map(|&l| l.to_owned()).collect(),
            const_labels: d.const_labels.iter().cloned().collect(),
            buckets: d.buckets.clone(),
            series_count: series_count(d.name),
            source: FamilySource::SessionMetrics,
        })
        .collect();
    let mut others: Vec<MetricFamilyInfo> = gathered
        .iter()
        .filter(|f| wanted(f.name()) && !ours.iter().any(|d| d.name == f.name()))
        .map(other_family)
        .collect();
    others.sort_by(|a, b| a.name.cmp(&b.name));
    families.extend(others);
    MetricList {
        status,
        message,
        family_count: families.len(),
        families,
        filters: args.clone(),
    }
}

/// Describes another collector's family from what its series show.
fn other_family(family: &MetricFamily) -> MetricFamilyInfo {
    let metric_type = match family.get_field_type() {
        proto::MetricType::COUNTER => MetricType::Counter,
        proto::MetricType::GAUGE => MetricType::Gauge,
        proto::MetricType::HISTOGRAM => MetricType::Histogram,
        proto::MetricType::SUMMARY => MetricType::Summary,
        proto::MetricType::UNTYPED => MetricType::Untyped,
    };
    let label_names: BTreeSet<&str> = family
        .get_metric()
        .iter()
        .flat_map(|m| m.get_label().iter().map(|pair| pair.name()))
        .collect();
    let buckets = (metric_type == MetricType::Histogram).then(|| {
        family.get_metric().first().map_or_else(Vec::new, |m| {
            m.get_histogram()
                .get_bucket()
                .iter()
                .map(|b| b.upper_bound())
                .filter(|b| b.is_finite())
                .collect()
        })
    });
    MetricFamilyInfo {
        name: family.name().to_owned(),
        metric_type,
        help: family.help().to_owned(),
        label_names: label_names.into_iter().map(str::to_owned).collect(),
        const_labels: BTreeMap::new(),
        buckets,
        series_count: family.get_metric().len(),
        source: FamilySource::Registry,
    }
}

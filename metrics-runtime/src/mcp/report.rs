//! What the three tools answer: the JSON shapes (with their schemas) and how they are read
//! from a [`SessionMetrics`].
//!
//! Each type's `#[schemars(description)]` repeats the first line of its rustdoc: schemars
//! would otherwise put the whole rustdoc, example code included, into the tool's schema.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{SystemTime, UNIX_EPOCH};

use prometheus::proto::{self, MetricFamily};
use prometheus::{Encoder, TextEncoder};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::args::{ListMetricsArgs, PrometheusMetricsArgs, SummaryArgs};
use super::quantile::histogram_quantile;
use crate::{MetricKind, SessionMetrics};

/// Content type of the Prometheus text exposition format the text is in.
///
/// ```
/// use session_metrics::mcp::{MetricsTools, PROMETHEUS_TEXT_CONTENT_TYPE};
///
/// let answer = MetricsTools::default().prometheus_metrics(&Default::default());
/// assert_eq!(answer.content_type, PROMETHEUS_TEXT_CONTENT_TYPE);
/// ```
pub const PROMETHEUS_TEXT_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

const DISABLED_MESSAGE: &str =
    "session metrics are disabled: nothing is recorded, so there is nothing to report";

// The families the summary reads; a unit test checks they are the ones `SessionMetrics` has.
const EVENT_SUCCESS: &str = "mcp_event_emit_success_total";
const EVENT_FAILURE: &str = "mcp_event_emit_failure_total";
const EVENT_DURATION: &str = "mcp_event_emit_duration_seconds";
const SESSION_START: &str = "session_start_total";
const SESSION_END: &str = "session_end_total";
const SESSION_DURATION: &str = "session_duration_seconds";
const ACTIVE_SESSIONS: &str = "active_sessions";
const QUALITY_SCORE: &str = "session_quality_score";

/// Whether a tool could read the metrics.
///
/// ```
/// assert_eq!(serde_json::to_value(session_metrics::mcp::Status::Disabled).unwrap(), "disabled");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(description = "Whether a tool could read the metrics.")]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The answer reflects the current metrics.
    Ok,
    /// Metrics are disabled (`SessionMetrics::disabled`): nothing is recorded, which is not an error.
    Disabled,
    /// The registry could not be encoded (a faulty collector of the application's own);
    /// `message` says why. Only `get_prometheus_metrics` encodes, so only it answers this.
    Unavailable,
}

/// The answer of `get_prometheus_metrics`.
///
/// ```
/// use session_metrics::mcp::{MetricsTools, PrometheusMetricsArgs, Status};
///
/// let metrics = Box::leak(Box::new(session_metrics::SessionMetrics::new(prometheus::Registry::new())?));
/// metrics.record_session_start("buddy", "bash");
/// let answer = MetricsTools::new(metrics).prometheus_metrics(&PrometheusMetricsArgs::default());
/// assert_eq!(answer.status, Status::Ok);
/// assert_eq!(answer.family_count, 1);
/// assert!(answer.text.contains("session_start_total{component_name=\"buddy\",shell_type=\"bash\"} 1\n"));
/// assert_eq!(answer.size_bytes, answer.text.len());
/// # Ok::<(), session_metrics::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(description = "The answer of `get_prometheus_metrics`.")]
pub struct PrometheusMetrics {
    /// `ok`, or why the text is empty or partial.
    pub status: Status,
    /// Explanation when `status` is not `ok`.
    pub message: Option<String>,
    /// The content type of `text`: `text/plain; version=0.0.4; charset=utf-8`.
    pub content_type: String,
    /// The registry in the Prometheus text format 0.0.4 (only the matching series if filtered).
    pub text: String,
    /// Metric families in `text`.
    pub family_count: usize,
    /// Length of `text` in bytes.
    pub size_bytes: usize,
    /// When the metrics were read, RFC 3339 in UTC.
    pub timestamp: String,
    /// When the metrics were read, in milliseconds since the Unix epoch.
    pub timestamp_unix_ms: u64,
    /// The filters applied.
    pub filters: PrometheusMetricsArgs,
}

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
    /// One of the eight session metrics.
    SessionMetrics,
    /// Another collector registered in the same registry.
    Registry,
}

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

/// Durations from a histogram: count, sum, mean and percentiles estimated from the buckets
/// with [`histogram_quantile`](super::histogram_quantile).
///
/// ```
/// let none = session_metrics::mcp::DurationSummary::default();
/// assert_eq!((none.count, none.mean_seconds, none.p99_seconds), (0, None, None));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(
    description = "Durations from a histogram: count, sum, mean and percentiles estimated from the buckets like PromQL's histogram_quantile."
)]
pub struct DurationSummary {
    /// Observations.
    pub count: u64,
    /// Sum of the observations in seconds.
    pub sum_seconds: Option<f64>,
    /// `sum_seconds / count`, `null` without observations.
    pub mean_seconds: Option<f64>,
    /// Estimated median.
    pub p50_seconds: Option<f64>,
    /// Estimated 95th percentile.
    pub p95_seconds: Option<f64>,
    /// Estimated 99th percentile.
    pub p99_seconds: Option<f64>,
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

/// The moment a tool read the metrics.
struct Now {
    rfc3339: String,
    unix_ms: u64,
}

impl Now {
    fn get() -> Self {
        let unix_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        Self {
            rfc3339: rfc3339(unix_ms),
            unix_ms,
        }
    }
}

/// `unix_ms` as `YYYY-MM-DDThh:mm:ss.mmmZ`; days to a civil date as in H. Hinnant's
/// `civil_from_days`, which saves a date-time dependency for one timestamp.
fn rfc3339(unix_ms: u64) -> String {
    let days = unix_ms / 86_400_000;
    let ms_of_day = unix_ms % 86_400_000;
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        ms_of_day / 3_600_000,
        ms_of_day / 60_000 % 60,
        ms_of_day / 1_000 % 60,
        ms_of_day % 1_000
    )
}

/// prometheus' plain model reads a counter or gauge with `get_value()`, its `protobuf` model
/// with `value()` (and hides its own `get_value()` in a private trait). Each trait lends the
/// name the active model lacks; an inherent method always wins over a trait method, so the
/// model's own getter is what runs, and the code compiles with either model. Under each
/// model one of the traits goes unused, hence the `allow`s.
#[allow(dead_code)]
trait PlainModelGetter {
    fn get_value(&self) -> f64;
}

#[allow(dead_code)]
trait ProtobufModelGetter {
    fn value(&self) -> f64;
}

macro_rules! value_getters {
    ($($ty:ty),*) => {$(
        impl PlainModelGetter for $ty {
            fn get_value(&self) -> f64 {
                self.value()
            }
        }
        impl ProtobufModelGetter for $ty {
            fn value(&self) -> f64 {
                self.get_value()
            }
        }
    )*};
}

value_getters!(proto::Counter, proto::Gauge);

fn counter_value(metric: &proto::Metric) -> f64 {
    metric.get_counter().get_value()
}

fn gauge_value(metric: &proto::Metric) -> f64 {
    metric.get_gauge().get_value()
}

fn label<'a>(metric: &'a proto::Metric, name: &str) -> Option<&'a str> {
    metric
        .get_label()
        .iter()
        .find(|pair| pair.name() == name)
        .map(|pair| pair.value())
}

/// Whether a series passes the label filters; a filtered label it lacks means no.
fn series_matches(
    metric: &proto::Metric,
    component: Option<&str>,
    event_type: Option<&str>,
) -> bool {
    let matches =
        |name, wanted: Option<&str>| wanted.is_none_or(|w| label(metric, name) == Some(w));
    matches("component_name", component) && matches("event_type", event_type)
}

fn count(value: f64) -> u64 {
    // Our counters hold integers; `as` saturates and maps NaN to 0.
    value.max(0.0).round() as u64
}

fn finite(value: f64) -> Option<f64> {
    value.is_finite().then_some(value)
}

fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

fn status_of(metrics: &SessionMetrics) -> (Status, Option<String>) {
    if metrics.is_enabled() {
        (Status::Ok, None)
    } else {
        (Status::Disabled, Some(DISABLED_MESSAGE.to_owned()))
    }
}

pub(crate) fn prometheus_metrics(
    metrics: &SessionMetrics,
    args: &PrometheusMetricsArgs,
) -> PrometheusMetrics {
    let now = Now::get();
    let (mut status, mut message) = status_of(metrics);
    let filtered =
        args.component.is_some() || args.event_type.is_some() || args.metric_prefix.is_some();
    let text = if filtered {
        let families: Vec<MetricFamily> = metrics
            .registry()
            .gather()
            .into_iter()
            .filter(|family| {
                args.metric_prefix
                    .as_deref()
                    .is_none_or(|prefix| family.name().starts_with(prefix))
            })
            .filter_map(|mut family| {
                let kept: Vec<proto::Metric> = family
                    .get_metric()
                    .iter()
                    .filter(|m| {
                        series_matches(m, args.component.as_deref(), args.event_type.as_deref())
                    })
                    .cloned()
                    .collect();
                // The encoder rejects a family without series; the registry never exports one.
                (!kept.is_empty()).then(|| {
                    family.set_metric(kept);
                    family
                })
            })
            .collect();
        let mut buf = Vec::new();
        TextEncoder::new()
            .encode(&families, &mut buf)
            .map(|()| String::from_utf8(buf).unwrap_or_default())
            .map_err(crate::Error::Encode)
    } else {
        metrics.try_export_metrics()
    };
    let text = text.unwrap_or_else(|error| {
        status = Status::Unavailable;
        message = Some(format!("the registry could not be encoded: {error}"));
        String::new()
    });
    PrometheusMetrics {
        status,
        message,
        content_type: PROMETHEUS_TEXT_CONTENT_TYPE.to_owned(),
        family_count: text.lines().filter(|l| l.starts_with("# TYPE ")).count(),
        size_bytes: text.len(),
        text,
        timestamp: now.rfc3339,
        timestamp_unix_ms: now.unix_ms,
        filters: args.clone(),
    }
}

pub(crate) fn list_metrics(metrics: &SessionMetrics, args: &ListMetricsArgs) -> MetricList {
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
    let ours = metrics.metric_descriptions();
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

/// Histogram series summed up: `(upper_bound, cumulative_count)` pairs including `+Inf`.
#[derive(Default)]
struct HistogramSum {
    count: u64,
    sum: f64,
    buckets: Vec<(f64, f64)>,
}

impl HistogramSum {
    fn add(&mut self, metric: &proto::Metric) {
        let histogram = metric.get_histogram();
        self.count += histogram.get_sample_count();
        self.sum += histogram.get_sample_sum();
        // Equal bounds from several series are merged by `histogram_quantile`.
        self.buckets.extend(
            histogram
                .get_bucket()
                .iter()
                .map(|b| (b.upper_bound(), b.cumulative_count() as f64)),
        );
        self.buckets
            .push((f64::INFINITY, histogram.get_sample_count() as f64));
    }

    fn mean(&self) -> Option<f64> {
        (self.count > 0)
            .then(|| self.sum / self.count as f64)
            .and_then(finite)
    }

    fn summary(&self) -> DurationSummary {
        let quantile = |q| finite(histogram_quantile(q, &self.buckets));
        DurationSummary {
            count: self.count,
            sum_seconds: finite(self.sum),
            mean_seconds: self.mean(),
            p50_seconds: quantile(0.5),
            p95_seconds: quantile(0.95),
            p99_seconds: quantile(0.99),
        }
    }
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

pub(crate) fn summary(metrics: &SessionMetrics, args: &SummaryArgs) -> MetricsSummary {
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
                        EVENT_SUCCESS => op.success += count(counter_value(metric)),
                        EVENT_FAILURE => {
                            *op.failures.entry(other("error_type")).or_default() +=
                                count(counter_value(metric));
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
                                count(counter_value(metric));
                        }
                        SESSION_END => {
                            *acc.ended.entry(other("status")).or_default() +=
                                count(counter_value(metric));
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
    totals.mean_duration_seconds = (duration_count > 0)
        .then(|| duration_sum / duration_count as f64)
        .and_then(finite);
    MetricsSummary {
        status,
        message,
        timestamp: now.rfc3339,
        timestamp_unix_ms: now.unix_ms,
        filters: args.clone(),
        totals,
        operations,
        components,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(rfc3339(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert_eq!(rfc3339(4_107_542_399_999), "2100-02-28T23:59:59.999Z");
    }

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

    #[test]
    fn counter_and_gauge_values_are_read() {
        let metrics = SessionMetrics::new(prometheus::Registry::new()).unwrap();
        metrics.record_session_start("c", "bash");
        metrics.record_session_start("c", "bash");
        metrics.set_session_quality_score("c", 42.5);
        let gathered = metrics.registry().gather();
        let first = |name: &str| {
            gathered
                .iter()
                .find(|f| f.name() == name)
                .unwrap()
                .get_metric()[0]
                .clone()
        };
        assert_eq!(counter_value(&first(SESSION_START)), 2.0);
        assert_eq!(gauge_value(&first(QUALITY_SCORE)), 42.5);
    }
}

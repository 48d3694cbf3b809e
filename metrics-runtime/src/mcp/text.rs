//! `get_prometheus_metrics`: the registry in the Prometheus text format, whole or filtered.
//!
//! `#[schemars(description)]` repeats each type's first rustdoc line: schemars would otherwise
//! put the whole rustdoc, examples included, into the output schema.

use prometheus::proto::{self, MetricFamily};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::args::PrometheusMetricsArgs;
use super::gathered::label;
use super::status::{Status, status_of};
use super::timestamp::Now;
use crate::SessionMetrics;

/// Content type of the Prometheus text exposition format the text is in by default (see
/// [`crate::Format::content_type`] for OpenMetrics).
///
/// ```
/// use session_metrics::mcp::{MetricsTools, PROMETHEUS_TEXT_CONTENT_TYPE};
///
/// let answer = MetricsTools::default().prometheus_metrics(&Default::default());
/// assert_eq!(answer.content_type, PROMETHEUS_TEXT_CONTENT_TYPE);
/// ```
pub const PROMETHEUS_TEXT_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

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
    /// The content type of `text`: `text/plain; version=0.0.4; charset=utf-8`, or
    /// `application/openmetrics-text; version=1.0.0; charset=utf-8` for `format: openmetrics`.
    pub content_type: String,
    /// The registry in the Prometheus text format 0.0.4 or OpenMetrics 1.0.0 (only the
    /// matching series if filtered; exemplars only unfiltered).
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

pub(super) fn prometheus_metrics(
    metrics: &SessionMetrics,
    args: &PrometheusMetricsArgs,
) -> PrometheusMetrics {
    let now = Now::get();
    let (mut status, mut message) = status_of(metrics);
    let format = args.format.unwrap_or_default().format();
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
        crate::exposition::encode_gathered(&families, format, &mut buf)
            .map(|()| String::from_utf8(buf).unwrap_or_default())
    } else {
        metrics.try_export(format)
    };
    let text = text.unwrap_or_else(|error| {
        status = Status::Unavailable;
        message = Some(format!("the registry could not be encoded: {error}"));
        String::new()
    });
    PrometheusMetrics {
        status,
        message,
        content_type: format.content_type().to_owned(),
        family_count: text.lines().filter(|l| l.starts_with("# TYPE ")).count(),
        size_bytes: text.len(),
        text,
        timestamp: now.rfc3339,
        timestamp_unix_ms: now.unix_ms,
        filters: args.clone(),
    }
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

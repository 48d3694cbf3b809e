//! Durations from histogram series: the [`DurationSummary`] of an answer and the sums it is
//! made from.
//!
//! `#[schemars(description)]` repeats each type's first rustdoc line: schemars would otherwise
//! put the whole rustdoc, examples included, into the output schema.

use prometheus::proto;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::quantile::histogram_quantile;

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

/// Histogram series summed up: `(upper_bound, cumulative_count)` pairs including `+Inf`.
#[derive(Default)]
pub(super) struct HistogramSum {
    pub(super) count: u64,
    pub(super) sum: f64,
    buckets: Vec<(f64, f64)>,
}

impl HistogramSum {
    pub(super) fn add(&mut self, metric: &proto::Metric) {
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

    pub(super) fn mean(&self) -> Option<f64> {
        mean(self.sum, self.count)
    }

    pub(super) fn summary(&self) -> DurationSummary {
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

/// `sum / count`; `None` without observations or when not finite.
pub(super) fn mean(sum: f64, count: u64) -> Option<f64> {
    (count > 0).then(|| sum / count as f64).and_then(finite)
}

/// JSON has no NaN or infinity, so a figure that is not finite is answered as `null`.
pub(super) fn finite(value: f64) -> Option<f64> {
    value.is_finite().then_some(value)
}

//! The value cells behind one labelled series.
//!
//! We keep our own atomics instead of prometheus' `Histogram`/`IntCounter` so that a call site
//! can hold a series for the life of the process while [`reset`](crate::SessionMetrics::reset)
//! still zeroes it in place, and so that a scrape of a histogram is always self-consistent
//! (`_count` is derived from the buckets, never read separately).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use prometheus::proto;

/// What a [`Family`](crate::family::Family) needs from a series type.
pub(crate) trait Series: Send + Sync + 'static {
    /// Per-family configuration every child is built from (histogram buckets).
    type Config: Send + Sync + 'static;
    const KIND: proto::MetricType;
    fn new(config: &Self::Config) -> Self;
    /// Writes the current value into a text-encoder metric.
    fn fill(&self, metric: &mut proto::Metric);
    fn reset(&self);
}

/// A monotonically increasing integer counter.
#[derive(Debug, Default)]
pub(crate) struct Counter(AtomicU64);

impl Counter {
    #[inline]
    pub(crate) fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl Series for Counter {
    type Config = ();
    const KIND: proto::MetricType = proto::MetricType::COUNTER;

    fn new(_: &()) -> Self {
        Self::default()
    }

    fn fill(&self, metric: &mut proto::Metric) {
        let mut counter = proto::Counter::default();
        counter.set_value(self.get() as f64);
        metric.set_counter(counter);
    }

    fn reset(&self) {
        self.0.store(0, Ordering::Relaxed);
    }
}

/// A gauge holding an `f64` (stored as its bit pattern).
#[derive(Debug, Default)]
pub(crate) struct Gauge(AtomicU64);

impl Gauge {
    pub(crate) fn set(&self, value: f64) {
        self.0.store(value.to_bits(), Ordering::Relaxed);
    }

    pub(crate) fn get(&self) -> f64 {
        f64::from_bits(self.0.load(Ordering::Relaxed))
    }

    /// Adds `delta`, never letting the value drop below `floor`.
    pub(crate) fn add_floored(&self, delta: f64, floor: f64) {
        let _ = self
            .0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
                Some((f64::from_bits(bits) + delta).max(floor).to_bits())
            });
    }
}

impl Series for Gauge {
    type Config = ();
    const KIND: proto::MetricType = proto::MetricType::GAUGE;

    fn new(_: &()) -> Self {
        Self::default()
    }

    fn fill(&self, metric: &mut proto::Metric) {
        let mut gauge = proto::Gauge::default();
        gauge.set_value(self.get());
        metric.set_gauge(gauge);
    }

    fn reset(&self) {
        self.set(0.0);
    }
}

/// A histogram with fixed upper bounds (the `+Inf` bucket is implicit).
#[derive(Debug)]
pub(crate) struct Histogram {
    /// Sorted, finite upper bounds shared by every series of a family.
    bounds: Arc<[f64]>,
    /// Non-cumulative counts: one per upper bound, plus the overflow bucket.
    counts: Box<[AtomicU64]>,
    sum_bits: AtomicU64,
}

impl Histogram {
    /// Records one observation. Values that are not numbers are ignored.
    #[inline]
    pub(crate) fn observe(&self, value: f64) {
        if value.is_nan() {
            return;
        }
        let index = self.bounds.partition_point(|&bound| bound < value);
        self.counts[index].fetch_add(1, Ordering::Relaxed);
        let _ = self
            .sum_bits
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
                Some((f64::from_bits(bits) + value).to_bits())
            });
    }

    pub(crate) fn sum(&self) -> f64 {
        f64::from_bits(self.sum_bits.load(Ordering::Relaxed))
    }
}

impl Series for Histogram {
    type Config = Arc<[f64]>;
    const KIND: proto::MetricType = proto::MetricType::HISTOGRAM;

    fn new(bounds: &Arc<[f64]>) -> Self {
        Self {
            bounds: bounds.clone(),
            counts: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum_bits: AtomicU64::new(0f64.to_bits()),
        }
    }

    fn fill(&self, metric: &mut proto::Metric) {
        let mut cumulative = 0;
        let buckets = self
            .bounds
            .iter()
            .zip(self.counts.iter())
            .map(|(&bound, count)| {
                cumulative += count.load(Ordering::Relaxed);
                let mut bucket = proto::Bucket::default();
                bucket.set_upper_bound(bound);
                bucket.set_cumulative_count(cumulative);
                bucket
            })
            .collect();
        // The encoder writes the `+Inf` bucket from the sample count, so derive that count from
        // the buckets themselves: `_count` and `+Inf` can never disagree within one scrape.
        let total = cumulative + self.counts[self.bounds.len()].load(Ordering::Relaxed);
        let mut histogram = proto::Histogram::default();
        histogram.set_bucket(buckets);
        histogram.set_sample_count(total);
        histogram.set_sample_sum(self.sum());
        metric.set_histogram(histogram);
    }

    fn reset(&self) {
        for count in self.counts.iter() {
            count.store(0, Ordering::Relaxed);
        }
        self.sum_bits.store(0f64.to_bits(), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_bucket_edges_are_inclusive() {
        let h = Histogram::new(&Arc::from([1.0, 2.0]));
        for v in [0.5, 1.0, 1.5, 2.0, 3.0, f64::NAN] {
            h.observe(v);
        }
        let mut m = proto::Metric::default();
        h.fill(&mut m);
        let got: Vec<u64> = m
            .get_histogram()
            .get_bucket()
            .iter()
            .map(|b| b.cumulative_count())
            .collect();
        assert_eq!(got, [2, 4]);
        assert_eq!(m.get_histogram().get_sample_count(), 5);
        assert_eq!(h.sum(), 8.0);
    }

    #[test]
    fn floored_gauge_stops_at_floor() {
        let g = Gauge::default();
        g.add_floored(1.0, 0.0);
        g.add_floored(-1.0, 0.0);
        g.add_floored(-1.0, 0.0);
        assert_eq!(g.get(), 0.0);
    }
}

//! The value cells behind one labelled series.
//!
//! We keep our own atomics instead of prometheus' `Histogram`/`IntCounter` so that a call site
//! can hold a series for the life of the process while [`reset`](crate::SessionMetrics::reset)
//! still zeroes it in place, and so that a scrape of a histogram is always self-consistent
//! (`_count` is derived from the buckets, never read separately).
//!
//! A series has shared atomic cells, which the `record_*` methods update, and may have
//! per-thread shards attached by `#[track_operation]` call sites (see [`crate::shard`]). A read
//! adds up both.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use prometheus::proto;

use once_cell::race::OnceBox;

use crate::clock::Unit;
use crate::exemplar::{Exemplar, ExemplarCell};
use crate::shard::{Attached, ShardTable};

/// What a [`Family`](crate::family::Family) needs from a series type.
pub(crate) trait Series: Send + Sync + 'static {
    /// Per-family configuration every child is built from (histogram buckets).
    type Config: Send + Sync + 'static;
    const KIND: proto::MetricType;
    /// The public name of [`Self::KIND`].
    const DESCRIBED: crate::MetricKind;
    /// Histogram upper bounds, for descriptions.
    fn buckets(_config: &Self::Config) -> Option<&[f64]> {
        None
    }
    fn new(config: &Self::Config) -> Self;
    /// Writes the current value into a text-encoder metric.
    fn fill(&self, metric: &mut proto::Metric);
    fn reset(&self);
}

// ---- Counter -------------------------------------------------------------------------------

/// A monotonically increasing integer counter.
#[derive(Default)]
pub(crate) struct Counter {
    value: AtomicU64,
    attached: Attached,
    /// The latest exemplar, boxed on the first one stored.
    exemplar: OnceBox<ExemplarCell>,
}

impl std::fmt::Debug for Counter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Counter").field(&self.get()).finish()
    }
}

impl Counter {
    #[inline]
    pub(crate) fn inc(&self) {
        self.value.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts cell `cell` of every shard of `table` in this counter too.
    pub(crate) fn attach(&self, table: Arc<ShardTable>, cell: usize) {
        self.attached.push(table, cell, ());
    }

    /// Keeps `exemplar` as this counter's latest.
    pub(crate) fn store_exemplar(&self, exemplar: &Exemplar) {
        self.exemplar.get_or_init(Box::default).store(exemplar);
    }

    /// The latest exemplar stored since the last reset.
    pub(crate) fn exemplar(&self) -> Option<Exemplar> {
        self.exemplar.get()?.load()
    }

    pub(crate) fn get(&self) -> u64 {
        let mut total = self.value.load(Ordering::Relaxed);
        self.attached
            .for_each(|table, cell, ()| total = total.wrapping_add(table.sum(cell)));
        total
    }
}

impl Series for Counter {
    type Config = ();
    const KIND: proto::MetricType = proto::MetricType::COUNTER;
    const DESCRIBED: crate::MetricKind = crate::MetricKind::Counter;

    fn new(_: &()) -> Self {
        Self::default()
    }

    fn fill(&self, metric: &mut proto::Metric) {
        let mut counter = proto::Counter::default();
        counter.set_value(self.get() as f64);
        metric.set_counter(counter);
    }

    fn reset(&self) {
        self.value.store(0, Ordering::Relaxed);
        self.attached.for_each(|table, cell, ()| table.reset(cell));
        if let Some(cell) = self.exemplar.get() {
            cell.clear();
        }
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
    const DESCRIBED: crate::MetricKind = crate::MetricKind::Gauge;

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
pub(crate) struct Histogram {
    /// Sorted, finite upper bounds shared by every series of a family.
    bounds: Arc<[f64]>,
    /// Non-cumulative counts: one per upper bound, plus the overflow bucket.
    counts: Box<[AtomicU64]>,
    sum_bits: AtomicU64,
    /// The latest exemplar of each bucket (overflow last), boxed on the first one stored.
    exemplars: OnceBox<Box<[ExemplarCell]>>,
    /// Shards laid out as [`Histogram::shard_cells`] says, with the unit of their sum cell.
    attached: Attached<Unit>,
}

impl std::fmt::Debug for Histogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Histogram")
            .field("counts", &self.counts())
            .field("sum", &self.sum())
            .finish()
    }
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

    /// Keeps `exemplar` as the latest of bucket `bucket` (an index into the non-cumulative
    /// counts: `bounds().len()` is the overflow bucket). An index out of range is ignored.
    pub(crate) fn store_exemplar(&self, bucket: usize, exemplar: &Exemplar) {
        let cells = self.exemplars.get_or_init(|| {
            Box::new(
                (0..=self.bounds.len())
                    .map(|_| ExemplarCell::default())
                    .collect(),
            )
        });
        if let Some(cell) = cells.get(bucket) {
            cell.store(exemplar);
        }
    }

    /// The latest exemplar of bucket `bucket` since the last reset.
    pub(crate) fn exemplar(&self, bucket: usize) -> Option<Exemplar> {
        self.exemplars.get()?.get(bucket)?.load()
    }

    pub(crate) fn bounds(&self) -> &Arc<[f64]> {
        &self.bounds
    }

    /// How many shard cells this histogram takes, from `first_cell` on: the non-cumulative
    /// bucket counts (the overflow bucket last), then the sum as a count of the table's
    /// [`Unit`] (a clock's raw unit, converted to seconds when read).
    pub(crate) fn shard_cells(&self) -> usize {
        self.counts.len() + 1
    }

    /// Counts cells `first_cell..first_cell + shard_cells()` of every shard of `table` too,
    /// their sum cell counting `unit`s.
    pub(crate) fn attach(&self, table: Arc<ShardTable>, first_cell: usize, unit: Unit) {
        self.attached.push(table, first_cell, unit);
    }

    /// Non-cumulative counts, shared cells and shards added.
    pub(crate) fn counts(&self) -> Vec<u64> {
        let mut counts = Vec::with_capacity(self.counts.len());
        self.counts_into(&mut counts);
        counts
    }

    /// [`counts`](Self::counts) into `counts` (cleared first), for a scrape that reuses one
    /// buffer for every series.
    pub(crate) fn counts_into(&self, counts: &mut Vec<u64>) {
        counts.clear();
        counts.extend(self.counts.iter().map(|c| c.load(Ordering::Relaxed)));
        self.attached.for_each(|table, first, _| {
            for (i, count) in counts.iter_mut().enumerate() {
                *count = count.wrapping_add(table.sum(first + i));
            }
        });
    }

    pub(crate) fn sum(&self) -> f64 {
        let mut sum = f64::from_bits(self.sum_bits.load(Ordering::Relaxed));
        let sum_cell = self.counts.len();
        // Each table's sum is an integer count of its unit, converted once here, not per call.
        self.attached.for_each(|table, first, unit| {
            sum += unit.seconds(table.sum(first + sum_cell));
        });
        sum
    }
}

impl Series for Histogram {
    type Config = Arc<[f64]>;
    const KIND: proto::MetricType = proto::MetricType::HISTOGRAM;
    const DESCRIBED: crate::MetricKind = crate::MetricKind::Histogram;

    fn buckets(bounds: &Arc<[f64]>) -> Option<&[f64]> {
        Some(bounds)
    }

    fn new(bounds: &Arc<[f64]>) -> Self {
        Self {
            bounds: bounds.clone(),
            counts: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum_bits: AtomicU64::new(0f64.to_bits()),
            exemplars: OnceBox::new(),
            attached: Attached::default(),
        }
    }

    fn fill(&self, metric: &mut proto::Metric) {
        // Read the counts once: `_count` is derived from them, so it always equals `+Inf`.
        let counts = self.counts();
        let mut cumulative = 0;
        let buckets = self
            .bounds
            .iter()
            .zip(&counts)
            .map(|(&bound, &count)| {
                cumulative += count;
                let mut bucket = proto::Bucket::default();
                bucket.set_upper_bound(bound);
                bucket.set_cumulative_count(cumulative);
                bucket
            })
            .collect();
        // The encoder writes the `+Inf` bucket from the sample count, so derive that count from
        // the buckets themselves: `_count` and `+Inf` can never disagree within one scrape.
        let total = cumulative + counts[self.bounds.len()];
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
        if let Some(exemplars) = self.exemplars.get() {
            exemplars.iter().for_each(ExemplarCell::clear);
        }
        let cells = self.shard_cells();
        self.attached
            .for_each(|table, first, _| (first..first + cells).for_each(|i| table.reset(i)));
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

    #[test]
    fn attached_histogram_shards_are_read_with_the_shared_cells() {
        let h = Histogram::new(&Arc::from([1.0, 2.0]));
        let table = ShardTable::new(h.shard_cells(), 64);
        // A 4 GHz counter: the shard sums ticks, the scrape converts them.
        h.attach(table.clone(), 0, Unit::per_second(4e9));
        h.observe(0.5);
        let shard = table.mine().unwrap();
        shard.add(1, 1);
        shard.add(3, 6_000_000_000);
        shard.add(2, 1);
        shard.add(3, 28_000_000_000);
        let mut m = proto::Metric::default();
        h.fill(&mut m);
        let cumulative: Vec<u64> = m
            .get_histogram()
            .get_bucket()
            .iter()
            .map(|b| b.cumulative_count())
            .collect();
        assert_eq!(cumulative, [1, 2]);
        assert_eq!(m.get_histogram().get_sample_count(), 3);
        assert_eq!(h.sum(), 9.0);
        assert_eq!(m.get_histogram().get_sample_sum(), 9.0);
        h.reset();
        assert_eq!(h.counts(), [0, 0, 0]);
        assert_eq!(h.sum(), 0.0);
    }

    #[test]
    fn each_table_sum_is_converted_with_its_own_unit() {
        let h = Histogram::new(&Arc::from([1.0]));
        let nanos = ShardTable::new(h.shard_cells(), 64);
        let ticks = ShardTable::new(h.shard_cells(), 64);
        h.attach(nanos.clone(), 0, Unit::NANOSECOND);
        h.attach(ticks.clone(), 0, Unit::per_second(2.3e9));
        // 1,234,567 ns and 2.3e9 × 0.25 ticks: 0.001234567 + 0.25 s.
        nanos.mine().unwrap().add(2, 1_234_567);
        ticks.mine().unwrap().add(2, 575_000_000);
        let expected = 0.001_234_567 + 0.25;
        assert!((h.sum() - expected).abs() <= expected * 4.0 * f64::EPSILON);
        // A sum of many calls is converted once, so it carries no per-call rounding: 10^6
        // calls of 1,001 ns each sum to exactly 1.001 s.
        let h = Histogram::new(&Arc::from([1.0]));
        let table = ShardTable::new(h.shard_cells(), 64);
        h.attach(table.clone(), 0, Unit::NANOSECOND);
        let shard = table.mine().unwrap();
        (0..1_000_000).for_each(|_| shard.add(2, 1_001));
        assert_eq!(h.sum(), 1.001);
    }
}

//! The value cells behind one labelled series.
//!
//! We keep our own atomics instead of prometheus' `Histogram`/`IntCounter` so that a call site
//! can hold a series for the life of the process while [`reset`](crate::SessionMetrics::reset)
//! still zeroes it in place, and so that a scrape of a histogram is always self-consistent
//! (`_count` is derived from the buckets, never read separately).
//!
//! A series has shared atomic cells, which the `record_*` methods update, and may have
//! per-thread shards attached by `#[track_operation]` call sites (see [`ShardTable`]). A read
//! adds up both.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use once_cell::race::OnceBox;
use once_cell::sync::OnceCell;
use prometheus::proto;

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

// ---- Per-thread shards ---------------------------------------------------------------------
//
// Two threads updating one atomic bounce its cache line between cores (200-400 ns a call), and
// even uncontended, a locked read-modify-write costs ~6 ns and a compare-exchange loop ~11 ns
// here. So each call site keeps one shard of cells per live thread: a thread is the only
// writer of its shard and updates it with a plain load and store (no locked instruction, no
// line shared with another writer). A scrape adds up every shard with atomic loads, so it is
// exact at any moment: there is nothing to flush, and a shard outlives its thread (the next
// thread to take the same slot carries on from its values), so nothing is lost at exit.

/// Two cache lines: the unit a shard is padded to (adjacent-line prefetchers pull lines in
/// pairs, so 64-byte padding would still share).
#[repr(align(128))]
struct Line([AtomicU64; LINE_CELLS]);

const LINE_CELLS: usize = 16;

impl Line {
    fn new() -> Self {
        Self(std::array::from_fn(|_| AtomicU64::new(0)))
    }
}

/// Per-thread cells of one call site, indexed by [`thread_slot`]. The cell layout is the call
/// site's (see `callsite.rs`); series attached to the table read their cells from every shard.
pub(crate) struct ShardTable {
    shards: Box<[OnceCell<Box<[Line]>>]>,
    lines_per_shard: usize,
}

impl ShardTable {
    /// A table for threads holding slots below `threads`, with `width` cells per shard.
    /// Nothing per thread is allocated until that thread first records.
    pub(crate) fn new(width: usize, threads: usize) -> Arc<Self> {
        Arc::new(Self {
            shards: (0..threads).map(|_| OnceCell::new()).collect(),
            lines_per_shard: width.div_ceil(LINE_CELLS).max(1),
        })
    }

    /// The calling thread's shard; `None` if its slot is beyond this table (or the thread is
    /// being torn down), in which case the caller records into the shared cells instead.
    #[inline]
    pub(crate) fn mine(&self) -> Option<Shard<'_>> {
        let shard = self.shards.get(thread_slot()?)?;
        // Only the slot's holder initialises it, so this never waits on another thread.
        let lines = shard.get_or_init(|| (0..self.lines_per_shard).map(|_| Line::new()).collect());
        Some(Shard(lines))
    }

    /// Cell `index` of every shard created so far.
    fn cells(&self, index: usize) -> impl Iterator<Item = &AtomicU64> {
        self.shards
            .iter()
            .filter_map(OnceCell::get)
            .map(move |lines| &lines[index / LINE_CELLS].0[index % LINE_CELLS])
    }

    fn sum(&self, index: usize) -> u64 {
        self.cells(index).fold(0, |sum, cell| {
            sum.wrapping_add(cell.load(Ordering::Relaxed))
        })
    }

    fn sum_f64(&self, index: usize) -> f64 {
        self.cells(index).fold(0.0, |sum, cell| {
            sum + f64::from_bits(cell.load(Ordering::Relaxed))
        })
    }

    /// Zeroes cell `index` of every shard. A thread recording at that moment may write back
    /// its pre-reset value, like any update racing a reset.
    fn reset(&self, index: usize) {
        self.cells(index)
            .for_each(|cell| cell.store(0, Ordering::Relaxed));
    }
}

impl std::fmt::Debug for ShardTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let threads = self.shards.iter().filter(|s| s.get().is_some()).count();
        f.debug_struct("ShardTable")
            .field("threads", &threads)
            .finish()
    }
}

/// One thread's cells. Only the thread holding the slot writes them, so a load and a store
/// are an exact increment; readers on other threads use atomic loads.
#[derive(Clone, Copy)]
pub(crate) struct Shard<'a>(&'a [Line]);

impl<'a> Shard<'a> {
    #[inline]
    fn at(self, index: usize) -> &'a AtomicU64 {
        &self.0[index / LINE_CELLS].0[index % LINE_CELLS]
    }

    /// Adds `n` to integer cell `index`.
    #[inline]
    pub(crate) fn add(self, index: usize, n: u64) {
        let cell = self.at(index);
        cell.store(
            cell.load(Ordering::Relaxed).wrapping_add(n),
            Ordering::Relaxed,
        );
    }

    /// Adds `value` to the `f64` cell `index`.
    #[inline]
    pub(crate) fn add_f64(self, index: usize, value: f64) {
        let cell = self.at(index);
        let sum = f64::from_bits(cell.load(Ordering::Relaxed)) + value;
        cell.store(sum.to_bits(), Ordering::Relaxed);
    }
}

/// The calling thread's slot: the lowest index no other live thread holds, so that every shard
/// has one writer; given back when the thread exits. `None` beyond 64 live threads or while the
/// thread's locals are being destroyed.
#[inline]
fn thread_slot() -> Option<usize> {
    thread_local! {
        static SLOT: Slot = Slot::claim();
    }
    SLOT.try_with(|slot| slot.0).ok().flatten()
}

/// Bit `i` set: slot `i` is held by a live thread.
static SLOTS_IN_USE: AtomicU64 = AtomicU64::new(0);

struct Slot(Option<usize>);

impl Slot {
    fn claim() -> Self {
        let mut in_use = SLOTS_IN_USE.load(Ordering::Relaxed);
        while in_use != u64::MAX {
            let free = in_use.trailing_ones() as usize;
            // Acquire: the previous holder's last writes to its shards happen before ours.
            match SLOTS_IN_USE.compare_exchange_weak(
                in_use,
                in_use | 1 << free,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Self(Some(free)),
                Err(now) => in_use = now,
            }
        }
        Self(None)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(slot) = self.0 {
            // Release: hands our shard values over to the next holder of the slot.
            SLOTS_IN_USE.fetch_and(!(1 << slot), Ordering::Release);
        }
    }
}

/// Shard tables attached to a series, with the index of the series' first cell in them. Boxed
/// on first attach: most series (those only the `record_*` methods update) never get one, and
/// an empty `OnceBox` is one pointer.
#[derive(Default)]
struct Attached(OnceBox<Mutex<Vec<AttachedTable>>>);

/// A shard table and the index of the series' first cell in it.
type AttachedTable = (Arc<ShardTable>, usize);

impl Attached {
    fn push(&self, table: Arc<ShardTable>, first_cell: usize) {
        self.0
            .get_or_init(Box::default)
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((table, first_cell));
    }

    fn for_each(&self, mut f: impl FnMut(&ShardTable, usize)) {
        let Some(attached) = self.0.get() else {
            return;
        };
        let attached = attached.lock().unwrap_or_else(PoisonError::into_inner);
        for (table, first_cell) in attached.iter() {
            f(table, *first_cell);
        }
    }
}

// ---- Counter -------------------------------------------------------------------------------

/// A monotonically increasing integer counter.
#[derive(Default)]
pub(crate) struct Counter {
    value: AtomicU64,
    attached: Attached,
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
        self.attached.push(table, cell);
    }

    pub(crate) fn get(&self) -> u64 {
        let mut total = self.value.load(Ordering::Relaxed);
        self.attached
            .for_each(|table, cell| total = total.wrapping_add(table.sum(cell)));
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
        self.attached.for_each(|table, cell| table.reset(cell));
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
    /// Shards laid out as [`Histogram::shard_cells`] says.
    attached: Attached,
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

    pub(crate) fn bounds(&self) -> &Arc<[f64]> {
        &self.bounds
    }

    /// How many shard cells this histogram takes, from `first_cell` on: the non-cumulative
    /// bucket counts (the overflow bucket last), then the sum as `f64` bits.
    pub(crate) fn shard_cells(&self) -> usize {
        self.counts.len() + 1
    }

    /// Counts cells `first_cell..first_cell + shard_cells()` of every shard of `table` too.
    pub(crate) fn attach(&self, table: Arc<ShardTable>, first_cell: usize) {
        self.attached.push(table, first_cell);
    }

    /// Non-cumulative counts, shared cells and shards added.
    fn counts(&self) -> Vec<u64> {
        let mut counts: Vec<u64> = self
            .counts
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .collect();
        self.attached.for_each(|table, first| {
            for (i, count) in counts.iter_mut().enumerate() {
                *count = count.wrapping_add(table.sum(first + i));
            }
        });
        counts
    }

    pub(crate) fn sum(&self) -> f64 {
        let mut sum = f64::from_bits(self.sum_bits.load(Ordering::Relaxed));
        let sum_cell = self.counts.len();
        self.attached
            .for_each(|table, first| sum += table.sum_f64(first + sum_cell));
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
        let cells = self.shard_cells();
        self.attached
            .for_each(|table, first| (first..first + cells).for_each(|i| table.reset(i)));
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
    fn shards_from_many_threads_add_up_exactly() {
        let counter = Counter::default();
        let table = ShardTable::new(20, 8);
        counter.attach(table.clone(), 19);
        counter.inc();
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..10_000 {
                        match table.mine() {
                            Some(shard) => shard.add(19, 1),
                            None => counter.inc(),
                        }
                    }
                });
            }
        });
        assert_eq!(counter.get(), 40_001);
        counter.reset();
        assert_eq!(counter.get(), 0);
    }

    #[test]
    fn a_shard_outlives_its_thread_and_is_reused() {
        let counter = Counter::default();
        let table = ShardTable::new(1, 64);
        counter.attach(table.clone(), 0);
        for _ in 0..3 {
            std::thread::scope(|s| {
                s.spawn(|| (0..100).for_each(|_| table.mine().unwrap().add(0, 1)));
            });
        }
        assert_eq!(counter.get(), 300);
        // Sequential threads take the lowest free slot, so they share a shard rather than
        // allocating one each (other tests' threads may hold low slots meanwhile).
        assert!(table.shards.iter().filter(|s| s.get().is_some()).count() <= 3);
    }

    #[test]
    fn attached_histogram_shards_are_read_with_the_shared_cells() {
        let h = Histogram::new(&Arc::from([1.0, 2.0]));
        let table = ShardTable::new(h.shard_cells(), 64);
        h.attach(table.clone(), 0);
        h.observe(0.5);
        let shard = table.mine().unwrap();
        shard.add(1, 1);
        shard.add_f64(3, 1.5);
        shard.add(2, 1);
        shard.add_f64(3, 7.0);
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
        h.reset();
        assert_eq!(h.counts(), [0, 0, 0]);
        assert_eq!(h.sum(), 0.0);
    }

    #[test]
    fn wide_shards_span_several_lines() {
        let table = ShardTable::new(40, 64);
        let shard = table.mine().unwrap();
        for i in 0..40 {
            shard.add(i, i as u64);
        }
        assert_eq!(
            (0..40).map(|i| table.sum(i)).sum::<u64>(),
            (0..40u64).sum::<u64>()
        );
        assert_eq!(table.sum(33), 33);
    }
}

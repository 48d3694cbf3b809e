//! The bounded history of each row (operation or MCP method, tool, prompt): its last
//! [`HISTORY_SAMPLES`] readings.

use std::collections::{BTreeMap, VecDeque};

use super::reading::{OperationReading, Reading, RowKey};
use super::{HISTORY_SAMPLES, MAX_TRACKED_OPERATIONS};

/// One operation at one moment, in one allocation: the success count, the non-cumulative
/// bucket counts (`+Inf` last), then the failure counts in the order of
/// [`OperationHistory::error_types`] (an error type seen later is absent from older samples,
/// which counts as 0).
#[derive(Debug, Clone)]
pub(super) struct Sample {
    /// Seconds since the history began.
    pub(super) at: f64,
    cells: Box<[u64]>,
}

/// The counts of a [`Sample`] or a reading, in the same shape.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Counts {
    pub(super) success: u64,
    pub(super) buckets: Vec<u64>,
    /// By error type, in the order of [`OperationHistory::error_types`].
    pub(super) failures: Vec<u64>,
}

impl Counts {
    pub(super) fn calls(&self) -> u64 {
        self.success + self.failures.iter().sum::<u64>()
    }

    /// `self - earlier`, cell by cell; a cell below its earlier value was reset and counts
    /// from zero.
    pub(super) fn since(&self, earlier: &Counts) -> Counts {
        let delta = |now: &[u64], then: &[u64]| -> Vec<u64> {
            now.iter()
                .enumerate()
                .map(|(i, &n)| {
                    let t = then.get(i).copied().unwrap_or(0);
                    if n >= t { n - t } else { n }
                })
                .collect()
        };
        Counts {
            success: delta(&[self.success], &[earlier.success])[0],
            buckets: delta(&self.buckets, &earlier.buckets),
            failures: delta(&self.failures, &earlier.failures),
        }
    }
}

/// `reading`'s counts with the failures in the order of `error_types`.
pub(super) fn counts_in_order(error_types: &[Box<str>], reading: &OperationReading) -> Counts {
    Counts {
        success: reading.success,
        buckets: reading.buckets.clone(),
        failures: error_types
            .iter()
            .map(|name| reading.failures.get(name).copied().unwrap_or(0))
            .collect(),
    }
}

/// The history of one operation.
#[derive(Debug)]
pub(super) struct OperationHistory {
    /// Error types in the order they were first seen; at most the family's
    /// `MAX_ERROR_TYPES + 1` (the overflow type), or the MCP layer's fixed set.
    pub(super) error_types: Vec<Box<str>>,
    samples: VecDeque<Sample>,
}

impl OperationHistory {
    pub(super) fn new() -> Self {
        Self {
            error_types: Vec::new(),
            samples: VecDeque::with_capacity(HISTORY_SAMPLES),
        }
    }

    /// `reading` in this history's shape, learning any new error type.
    fn counts_of(&mut self, reading: &OperationReading) -> Counts {
        for name in reading.failures.keys() {
            if !self.error_types.contains(name) {
                self.error_types.push(name.clone());
            }
        }
        counts_in_order(&self.error_types, reading)
    }

    fn push(&mut self, at: f64, reading: &OperationReading) {
        let counts = self.counts_of(reading);
        let mut cells = Vec::with_capacity(1 + counts.buckets.len() + counts.failures.len());
        cells.push(counts.success);
        cells.extend(&counts.buckets);
        cells.extend(&counts.failures);
        if self.samples.len() == HISTORY_SAMPLES {
            self.samples.pop_front();
        }
        self.samples.push_back(Sample {
            at,
            cells: cells.into_boxed_slice(),
        });
    }

    /// The samples, oldest first.
    pub(super) fn samples(&self) -> impl DoubleEndedIterator<Item = &Sample> + ExactSizeIterator {
        self.samples.iter()
    }

    /// A sample's counts; `buckets` is how many bucket cells the operation has.
    pub(super) fn counts(&self, sample: &Sample, buckets: usize) -> Counts {
        let cells = &sample.cells;
        let buckets_end = (1 + buckets).min(cells.len());
        Counts {
            success: cells.first().copied().unwrap_or(0),
            buckets: cells.get(1..buckets_end).unwrap_or_default().to_vec(),
            failures: cells.get(buckets_end..).unwrap_or_default().to_vec(),
        }
    }

    /// The newest sample taken at or before `at`.
    pub(super) fn at_or_before(&self, at: f64) -> Option<&Sample> {
        self.samples.iter().rev().find(|s| s.at <= at)
    }

    #[cfg(test)]
    /// Heap and inline bytes this history holds: the ring's slots and each sample's cells
    /// (without the allocator's own overhead per allocation).
    pub(super) fn memory_bytes(&self) -> usize {
        self.samples.capacity() * size_of::<Sample>()
            + self
                .samples
                .iter()
                .map(|s| s.cells.len() * size_of::<u64>())
                .sum::<usize>()
            + self
                .error_types
                .iter()
                .map(|e| size_of::<Box<str>>() + e.len())
                .sum::<usize>()
    }
}

/// The histories of all rows, operations and MCP rows alike.
#[derive(Debug, Default)]
pub(super) struct Rings {
    pub(super) rows: BTreeMap<RowKey, OperationHistory>,
}

impl Rings {
    /// Adds one sample per row of `reading`, the MCP rows (bounded by the layer's own label
    /// bounds) first; a row beyond [`MAX_TRACKED_OPERATIONS`] gets no history.
    pub(super) fn push(&mut self, at: f64, reading: &Reading) {
        let mcp = reading
            .mcp
            .iter()
            .map(|(key, r)| (RowKey::Mcp(key.clone()), r));
        let operations = reading
            .operations
            .iter()
            .map(|(key, r)| (RowKey::Operation(key.clone()), r));
        for (key, row) in mcp.chain(operations) {
            self.push_row(at, key, row);
        }
    }

    fn push_row(&mut self, at: f64, key: RowKey, reading: &OperationReading) {
        if let Some(history) = self.rows.get_mut(&key) {
            history.push(at, reading);
        } else if self.rows.len() < MAX_TRACKED_OPERATIONS {
            let mut history = OperationHistory::new();
            history.push(at, reading);
            self.rows.insert(key, history);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::DEFAULT_EVENT_DURATION_BUCKETS;

    fn reading(success: u64, failures: &[(&str, u64)]) -> OperationReading {
        let bounds: Arc<[f64]> = Arc::from(DEFAULT_EVENT_DURATION_BUCKETS);
        let mut buckets = vec![0; bounds.len() + 1];
        buckets[0] = success;
        OperationReading {
            success,
            failures: failures.iter().map(|&(n, c)| (n.into(), c)).collect(),
            bounds,
            buckets,
        }
    }

    #[test]
    fn the_ring_keeps_the_last_samples_only() {
        let mut history = OperationHistory::new();
        for i in 0..HISTORY_SAMPLES + 10 {
            history.push(i as f64 * 5.0, &reading(i as u64, &[]));
        }
        assert_eq!(history.samples().len(), HISTORY_SAMPLES);
        let oldest = history.samples().next().unwrap();
        assert_eq!(oldest.at, 50.0);
        assert_eq!(history.counts(oldest, 13).success, 10);
    }

    #[test]
    fn error_types_seen_later_count_as_zero_in_older_samples() {
        let mut history = OperationHistory::new();
        history.push(0.0, &reading(1, &[("A", 2)]));
        history.push(5.0, &reading(1, &[("A", 2), ("B", 7)]));
        let [old, new]: [&Sample; 2] = history.samples().collect::<Vec<_>>().try_into().unwrap();
        let (old, new) = (history.counts(old, 13), history.counts(new, 13));
        assert_eq!(old.failures, [2]);
        assert_eq!(new.failures, [2, 7]);
        assert_eq!(new.since(&old).failures, [0, 7]);
        assert_eq!(new.since(&old).calls(), 7);
    }

    #[test]
    fn a_reset_cell_counts_from_zero() {
        let before = Counts {
            success: 10,
            buckets: vec![10, 0],
            failures: vec![3],
        };
        let after = Counts {
            success: 2,
            buckets: vec![2, 1],
            failures: vec![1],
        };
        assert_eq!(after.since(&before), after);
    }

    #[test]
    fn operations_beyond_the_cap_get_no_history() {
        let mut rings = Rings::default();
        let readings = Reading {
            operations: (0..MAX_TRACKED_OPERATIONS + 5)
                .map(|i| {
                    let key = ("p".into(), format!("c{i}").into(), "e".into());
                    (key, reading(1, &[]))
                })
                .collect(),
            mcp: BTreeMap::from([(("ping".into(), "".into(), "".into()), reading(1, &[]))]),
            ..Reading::default()
        };
        rings.push(0.0, &readings);
        rings.push(5.0, &readings);
        assert_eq!(rings.rows.len(), MAX_TRACKED_OPERATIONS);
        // The MCP row is taken first, so it has its history despite the cap.
        let ping = RowKey::Mcp(("ping".into(), "".into(), "".into()));
        assert_eq!(rings.rows[&ping].samples().len(), 2);
    }

    /// The figure in BENCHMARKS.md: `cargo test -p session-metrics --lib
    /// ring_memory_per_operation -- --nocapture`.
    #[test]
    fn ring_memory_per_operation() {
        let mut history = OperationHistory::new();
        for i in 0..HISTORY_SAMPLES * 2 {
            history.push(i as f64, &reading(i as u64, &[("Timeout", 1)]));
        }
        let bytes = history.memory_bytes();
        let per_sample = size_of::<Sample>() + 8 * (1 + 13 + 1);
        // The ring's capacity is at most the next power of two above HISTORY_SAMPLES.
        assert!(bytes >= HISTORY_SAMPLES * per_sample, "{bytes}");
        assert!(
            bytes
                <= HISTORY_SAMPLES.next_power_of_two() * size_of::<Sample>()
                    + HISTORY_SAMPLES * 8 * 15
                    + 32,
            "{bytes}"
        );
        println!(
            "ring memory per operation (12 buckets, 1 error type, {HISTORY_SAMPLES} samples): \
             {bytes} bytes, {per_sample} bytes per sample"
        );
    }
}

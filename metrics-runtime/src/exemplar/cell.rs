//! One exemplar slot: the latest exemplar stored, read without locks.
//!
//! A sequence lock over plain atomics: a writer makes the sequence odd, writes the fields and
//! makes it even again; a reader retries while it sees an odd or changed sequence. Two writers
//! racing for the same slot do not wait for each other: the one that finds the slot being
//! written drops its exemplar (the other one is just as recent). No allocation, no lock, so
//! storing from the recording path cannot block or panic.

use std::sync::atomic::{AtomicU64, Ordering, fence};

use super::{Exemplar, TraceContext};

/// How many times a reader retries a slot that a writer keeps changing before giving up.
const READ_ATTEMPTS: usize = 8;

/// The timestamp bits of a cleared slot (a NaN no real timestamp has).
const EMPTY: u64 = u64::MAX;

#[derive(Debug, Default)]
pub(crate) struct ExemplarCell {
    /// Even: stable (0 = never written); odd: being written. Only ever grows.
    seq: AtomicU64,
    trace_hi: AtomicU64,
    trace_lo: AtomicU64,
    span: AtomicU64,
    value: AtomicU64,
    timestamp: AtomicU64,
}

impl ExemplarCell {
    /// Replaces the stored exemplar, unless another thread is writing this slot right now.
    #[inline]
    pub(crate) fn store(&self, exemplar: &Exemplar) {
        let seq = self.seq.load(Ordering::Relaxed);
        if seq % 2 == 1
            || self
                .seq
                .compare_exchange(seq, seq + 1, Ordering::Acquire, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        // The fields must not become visible before the odd sequence.
        fence(Ordering::Release);
        let trace = exemplar.context.trace_id;
        let (hi, lo) = trace.split_at(8);
        self.trace_hi.store(
            u64::from_be_bytes(hi.try_into().unwrap_or_default()),
            Ordering::Relaxed,
        );
        self.trace_lo.store(
            u64::from_be_bytes(lo.try_into().unwrap_or_default()),
            Ordering::Relaxed,
        );
        self.span.store(
            u64::from_be_bytes(exemplar.context.span_id),
            Ordering::Relaxed,
        );
        self.value
            .store(exemplar.value.to_bits(), Ordering::Relaxed);
        self.timestamp
            .store(exemplar.timestamp.to_bits(), Ordering::Relaxed);
        self.seq.store(seq + 2, Ordering::Release);
    }

    /// The stored exemplar; `None` if none was ever stored (or writers kept it changing).
    pub(crate) fn load(&self) -> Option<Exemplar> {
        for _ in 0..READ_ATTEMPTS {
            let before = self.seq.load(Ordering::Acquire);
            if before == 0 {
                return None;
            }
            if before % 2 == 1 {
                std::hint::spin_loop();
                continue;
            }
            let hi = self.trace_hi.load(Ordering::Relaxed);
            let lo = self.trace_lo.load(Ordering::Relaxed);
            let span = self.span.load(Ordering::Relaxed);
            let value = self.value.load(Ordering::Relaxed);
            let timestamp = self.timestamp.load(Ordering::Relaxed);
            // The field loads must complete before the second sequence load.
            fence(Ordering::Acquire);
            if self.seq.load(Ordering::Relaxed) != before {
                continue;
            }
            if timestamp == EMPTY {
                return None;
            }
            let mut trace_id = [0; 16];
            trace_id[..8].copy_from_slice(&hi.to_be_bytes());
            trace_id[8..].copy_from_slice(&lo.to_be_bytes());
            return Some(Exemplar {
                context: TraceContext {
                    trace_id,
                    span_id: span.to_be_bytes(),
                },
                value: f64::from_bits(value),
                timestamp: f64::from_bits(timestamp),
            });
        }
        None
    }

    /// Forgets the stored exemplar (written like one, so that a reader never mistakes a
    /// later exemplar for the one it started reading). A writer storing at that very moment
    /// is waited for a few spins; one still writing after them (or storing right after) may
    /// leave its exemplar, as any recording racing a reset may leave its count.
    pub(crate) fn clear(&self) {
        for _ in 0..READ_ATTEMPTS {
            let seq = self.seq.load(Ordering::Relaxed);
            if seq == 0 {
                return;
            }
            if seq % 2 == 1
                || self
                    .seq
                    .compare_exchange(seq, seq + 1, Ordering::Acquire, Ordering::Relaxed)
                    .is_err()
            {
                std::hint::spin_loop();
                continue;
            }
            fence(Ordering::Release);
            self.timestamp.store(EMPTY, Ordering::Relaxed);
            self.seq.store(seq + 2, Ordering::Release);
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exemplar(n: u8) -> Exemplar {
        Exemplar {
            context: TraceContext {
                trace_id: [n; 16],
                span_id: [n + 1; 8],
            },
            value: f64::from(n) / 10.0,
            timestamp: 1_733_040_000.0 + f64::from(n),
        }
    }

    #[test]
    fn stores_the_latest_and_clears() {
        let cell = ExemplarCell::default();
        assert_eq!(cell.load(), None);
        cell.store(&exemplar(1));
        cell.store(&exemplar(2));
        assert_eq!(cell.load(), Some(exemplar(2)));
        cell.clear();
        assert_eq!(cell.load(), None);
        cell.store(&exemplar(3));
        assert_eq!(cell.load(), Some(exemplar(3)));
    }

    #[test]
    fn concurrent_writers_never_tear_an_exemplar() {
        let cell = ExemplarCell::default();
        std::thread::scope(|s| {
            for n in 1..=3u8 {
                let cell = &cell;
                s.spawn(move || (0..20_000).for_each(|_| cell.store(&exemplar(n))));
            }
            s.spawn(|| {
                for _ in 0..20_000 {
                    if let Some(e) = cell.load() {
                        let n = e.context.trace_id[0];
                        assert_eq!(e, exemplar(n), "a torn exemplar");
                    }
                }
            });
        });
        assert!(cell.load().is_some());
    }
}

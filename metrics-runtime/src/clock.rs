//! The clock `#[track_operation]` times calls with, and its raw unit.
//!
//! A call is timed in the clock's own unit (nanoseconds of `std::time::Instant`; with feature
//! `quanta`, TSC ticks) and never converted on the hot path: its bucket is found by comparing
//! the raw count against the histogram's bounds converted once into that unit
//! ([`UnitBounds`]), and the shards add raw counts to the sum. A scrape converts the summed
//! count to seconds ([`Unit::seconds`]).
//!
//! Bounds: a shard's sum cell wraps after 2^64 units in total (584 years of summed call time
//! in nanoseconds; 254 years of TSC ticks at 2.3 GHz).

/// A clock's raw unit: how many of them make one second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Unit {
    per_second: f64,
}

impl Unit {
    /// The unit of `std::time::Instant` durations.
    #[cfg_attr(feature = "quanta", allow(dead_code))] // the std clock's, and tests'
    pub(crate) const NANOSECOND: Self = Self { per_second: 1e9 };

    /// A unit of which `per_second` make a second.
    #[cfg_attr(not(feature = "quanta"), allow(dead_code))] // the TSC clock's, and tests'
    pub(crate) const fn per_second(per_second: f64) -> Self {
        Self { per_second }
    }

    /// `units` in seconds. A division, so it is correctly rounded: a whole number of
    /// nanoseconds that is exactly a decimal bound (5,000,000 ns and `0.005`) gives that bound.
    pub(crate) fn seconds(self, units: u64) -> f64 {
        units as f64 / self.per_second
    }

    /// The fewest units whose [`seconds`](Self::seconds) exceed `bound`: every count below it
    /// is `≤ bound` once converted, and none from it on (`seconds` never decreases as `units`
    /// grows). 0 for a negative bound; `u64::MAX` if even that many units are within `bound`.
    fn first_above(self, bound: f64) -> u64 {
        if self.seconds(u64::MAX) <= bound {
            return u64::MAX;
        }
        // Invariant: `seconds(high) > bound`, and every count below `low` is within `bound`.
        let (mut low, mut high) = (0, u64::MAX);
        while low < high {
            let mid = low + (high - low) / 2;
            if self.seconds(mid) > bound {
                high = mid;
            } else {
                low = mid + 1;
            }
        }
        low
    }
}

/// A histogram's upper bounds in a clock's unit, so that a duration picks its bucket without
/// being converted to seconds first.
///
/// Each entry is the first count above a bound ([`Unit::first_above`]), so `units` goes in
/// the first bucket whose entry exceeds it: exactly the bucket of `seconds(units) <= bound`,
/// as `le` means. (A count of `u64::MAX` units itself, centuries away, lands one bucket up.)
#[derive(Debug)]
pub(crate) struct UnitBounds(Box<[u64]>);

impl UnitBounds {
    /// `bounds` (sorted seconds) in `unit`.
    pub(crate) fn new(bounds: &[f64], unit: Unit) -> Self {
        Self(
            bounds
                .iter()
                .map(|&bound| unit.first_above(bound))
                .collect(),
        )
    }

    /// The bucket of a duration of `units`: an index into a histogram's non-cumulative
    /// counts, the overflow bucket being `bounds.len()`.
    #[inline(always)]
    pub(crate) fn bucket(&self, units: u64) -> usize {
        // A linear scan: durations mostly fall in the first buckets, and a predicted branch
        // beats a binary search's chain of dependent compares.
        self.0
            .iter()
            .position(|&above| units < above)
            .unwrap_or(self.0.len())
    }
}

/// `std::time::Instant`, counting nanoseconds.
#[cfg(not(feature = "quanta"))]
mod imp {
    use std::time::Instant;

    use super::Unit;

    pub(crate) type Start = Instant;

    /// The process's clock.
    #[derive(Debug, Clone, Copy)]
    pub(crate) struct Clock;

    impl Clock {
        pub(crate) fn get() -> Self {
            Self
        }

        #[inline(always)]
        pub(crate) fn now(self) -> Start {
            Instant::now()
        }

        /// Nanoseconds since `start`; 0 if the clock appears to have gone backwards.
        #[inline(always)]
        pub(crate) fn elapsed(self, start: Start) -> u64 {
            let elapsed = Instant::now().saturating_duration_since(start);
            elapsed
                .as_secs()
                .saturating_mul(1_000_000_000)
                .saturating_add(u64::from(elapsed.subsec_nanos()))
        }

        pub(crate) fn unit(self) -> Unit {
            Unit::NANOSECOND
        }
    }
}

/// The TSC through `quanta`, counting raw ticks; quanta falls back to the OS clock (then
/// counting nanoseconds) where there is no invariant TSC.
#[cfg(feature = "quanta")]
mod imp {
    use once_cell::sync::OnceCell;

    use super::Unit;

    pub(crate) type Start = u64;

    /// The process's clock and its unit.
    #[derive(Debug, Clone, Copy)]
    pub(crate) struct Clock(&'static (quanta::Clock, Unit));

    impl Clock {
        /// The process-wide clock; the first call calibrates it against the OS clock
        /// (quanta spends 0.5 to 200 ms on that, once).
        pub(crate) fn get() -> Self {
            static CLOCK: OnceCell<(quanta::Clock, Unit)> = OnceCell::new();
            Self(CLOCK.get_or_init(|| {
                let clock = quanta::Clock::new();
                let unit = unit(&clock);
                (clock, unit)
            }))
        }

        #[inline(always)]
        pub(crate) fn now(self) -> Start {
            self.0.0.raw()
        }

        /// Ticks since `start`; 0 if the counter appears to have gone backwards (as quanta's
        /// own `delta_as_nanos` counts it).
        #[inline(always)]
        pub(crate) fn elapsed(self, start: Start) -> u64 {
            self.0.0.raw().saturating_sub(start)
        }

        pub(crate) fn unit(self) -> Unit {
            self.0.1
        }
    }

    /// The tick rate quanta's own conversion implies: the nanoseconds it gives for 2^52 ticks
    /// (a span long enough that its truncation to whole nanoseconds is below 1e-15).
    fn unit(clock: &quanta::Clock) -> Unit {
        const SPAN: u64 = 1 << 52;
        let nanos = clock.delta_as_nanos(0, SPAN);
        // 2^52 × 1e9 is exact in an f64, so this is one correctly rounded division.
        Unit::per_second(SPAN as f64 * 1e9 / nanos as f64)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn the_tick_rate_agrees_with_quantas_conversion() {
            let clock = Clock::get();
            for ticks in [1_000_u64, 123_456_789, 10_000_000_000] {
                let quanta = clock.0.0.delta_as_nanos(0, ticks) as f64 / 1e9;
                let ours = clock.unit().seconds(ticks);
                // quanta truncates to whole nanoseconds; we do not.
                assert!(
                    (ours - quanta).abs() <= 1e-9 + quanta * 1e-12,
                    "{ticks}: {ours} against {quanta}"
                );
            }
        }

        #[test]
        fn a_backwards_counter_times_zero() {
            let clock = Clock::get();
            assert_eq!(clock.elapsed(u64::MAX), 0);
        }
    }
}

pub(crate) use imp::{Clock, Start};

impl Clock {
    /// `units` of this clock (a duration from [`elapsed`](Clock::elapsed)) in seconds,
    /// consistent with the buckets [`UnitBounds`] gives it.
    pub(crate) fn seconds(self, units: u64) -> f64 {
        self.unit().seconds(units)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DEFAULT_EVENT_DURATION_BUCKETS;

    /// Units of several clocks: nanoseconds, a 2.3 GHz and a 3 GHz TSC, a 24 MHz counter.
    const UNITS: [Unit; 4] = [
        Unit::NANOSECOND,
        Unit::per_second(2.3e9),
        Unit::per_second(3e9),
        Unit::per_second(24e6),
    ];

    #[test]
    fn a_count_on_a_bound_goes_in_that_bound_bucket() {
        for unit in UNITS {
            let bounds = UnitBounds::new(&DEFAULT_EVENT_DURATION_BUCKETS, unit);
            for (i, &bound) in DEFAULT_EVENT_DURATION_BUCKETS.iter().enumerate() {
                let above = bounds.0[i];
                // The last count within the bound is in its bucket, the next one beyond it.
                assert!(unit.seconds(above - 1) <= bound, "{unit:?} {bound}");
                assert!(unit.seconds(above) > bound, "{unit:?} {bound}");
                assert_eq!(bounds.bucket(above - 1), i, "{unit:?} {bound}");
                assert_eq!(bounds.bucket(above), i + 1, "{unit:?} {bound}");
                // A count that is exactly the bound's decimal value (these rates give whole
                // counts for every default bound) lands in that bound's bucket, as `le` says.
                let exact = (bound * unit.per_second).round() as u64;
                assert_eq!(unit.seconds(exact), bound, "{unit:?} {bound}");
                assert_eq!(bounds.bucket(exact), i, "{unit:?} {bound}");
                assert_eq!(bounds.bucket(exact + 1), i + 1, "{unit:?} {bound}");
            }
            assert_eq!(bounds.bucket(0), 0);
            assert_eq!(
                bounds.bucket(u64::MAX),
                DEFAULT_EVENT_DURATION_BUCKETS.len()
            );
        }
    }

    #[test]
    fn buckets_in_units_match_buckets_of_converted_seconds() {
        let bounds = [0.0, 1e-7, 3.3e-6, 0.0042, 0.3, 7.77];
        for unit in UNITS {
            let in_units = UnitBounds::new(&bounds, unit);
            let mut counts: Vec<u64> = (0..2_000).collect();
            for &bound in &bounds {
                let edge = (bound * unit.per_second) as u64;
                counts.extend(edge.saturating_sub(3)..edge + 3);
            }
            for units in counts {
                let seconds = unit.seconds(units);
                let expected = bounds.partition_point(|&bound| bound < seconds);
                assert_eq!(in_units.bucket(units), expected, "{unit:?}: {units} units");
            }
        }
    }

    #[test]
    fn zero_and_negative_bounds() {
        let bounds = UnitBounds::new(&[-1.0, 0.0, 1.0], Unit::NANOSECOND);
        // Nothing is below a negative bound; only a zero duration is within 0.
        assert_eq!(bounds.bucket(0), 1);
        assert_eq!(bounds.bucket(1), 2);
        assert_eq!(bounds.bucket(1_000_000_000), 2);
        assert_eq!(bounds.bucket(1_000_000_001), 3);
    }

    #[test]
    fn a_bound_beyond_every_count_takes_them_all() {
        let unit = Unit::NANOSECOND;
        assert_eq!(unit.first_above(1e30), u64::MAX);
        let bounds = UnitBounds::new(&[1e30], unit);
        assert_eq!(bounds.bucket(u64::MAX - 1), 0);
    }

    #[cfg(not(feature = "quanta"))]
    #[test]
    fn a_start_in_the_future_times_zero() {
        let clock = Clock::get();
        let later = clock.now() + std::time::Duration::from_secs(3600);
        assert_eq!(clock.elapsed(later), 0);
        assert_eq!(clock.unit(), Unit::NANOSECOND);
    }
}

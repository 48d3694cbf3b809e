//! Quantiles estimated from histogram buckets, the way Prometheus' `histogram_quantile` does.

/// Estimates the `q`-quantile (`0 ≤ q ≤ 1`) of the observations in a histogram, by linear
/// interpolation inside the bucket that holds the rank `q × count`, exactly like PromQL's
/// [`histogram_quantile`](https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile).
///
/// `buckets` are `(upper_bound, cumulative_count)` pairs in any order and must include the
/// `+Inf` bucket, whose count is the total number of observations. As in Prometheus:
/// - the lowest bucket is assumed to start at 0 (unless its upper bound is ≤ 0, which is then
///   returned as is);
/// - a rank that falls into the `+Inf` bucket returns the highest finite upper bound;
/// - `q < 0` gives `-∞`, `q > 1` gives `+∞`;
/// - no observations, fewer than two buckets, no `+Inf` bucket or a NaN `q` give NaN.
///
/// Cumulative counts that decrease (a histogram scraped while it is being updated) are raised
/// to the count before them, as Prometheus does.
///
/// ```
/// use session_metrics::histogram_quantile;
///
/// // 10 observations: 4 up to 0.1 s, 4 more up to 0.5 s, 2 above 1 s.
/// let buckets = [(0.1, 4.0), (0.5, 8.0), (1.0, 8.0), (f64::INFINITY, 10.0)];
/// assert_eq!(histogram_quantile(0.5, &buckets), 0.2); // rank 5: a quarter into (0.1, 0.5]
/// assert_eq!(histogram_quantile(0.2, &buckets), 0.05); // rank 2: half-way into (0, 0.1]
/// assert_eq!(histogram_quantile(0.99, &buckets), 1.0); // in the +Inf bucket
/// assert!(histogram_quantile(0.5, &[(1.0, 0.0), (f64::INFINITY, 0.0)]).is_nan());
/// ```
pub fn histogram_quantile(q: f64, buckets: &[(f64, f64)]) -> f64 {
    if q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    let mut buckets = buckets.to_vec();
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Buckets with the same bound (e.g. from two series) are one bucket.
    buckets.dedup_by(|later, earlier| {
        let same = later.0 == earlier.0;
        if same {
            earlier.1 += later.1;
        }
        same
    });
    match buckets.last() {
        Some(&(bound, _)) if bound == f64::INFINITY => {}
        _ => return f64::NAN,
    }
    if buckets.len() < 2 {
        return f64::NAN;
    }
    for i in 1..buckets.len() {
        if buckets[i].1 < buckets[i - 1].1 {
            buckets[i].1 = buckets[i - 1].1;
        }
    }
    let observations = buckets[buckets.len() - 1].1;
    if observations <= 0.0 {
        return f64::NAN;
    }
    let mut rank = q * observations;
    // The first bucket whose cumulative count reaches the rank, among the finite ones.
    let last = buckets.len() - 1;
    let b = buckets[..last].partition_point(|&(_, count)| count < rank);
    if b == last {
        return buckets[last - 1].0;
    }
    if b == 0 && buckets[0].0 <= 0.0 {
        return buckets[0].0;
    }
    let (mut start, end, mut count) = (0.0, buckets[b].0, buckets[b].1);
    if b > 0 {
        start = buckets[b - 1].0;
        count -= buckets[b - 1].1;
        rank -= buckets[b - 1].1;
    }
    start + (end - start) * (rank / count)
}

#[cfg(test)]
mod tests {
    use super::histogram_quantile;

    const INF: f64 = f64::INFINITY;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn interpolates_inside_the_bucket_holding_the_rank() {
        // 100 observations spread evenly over (0, 1], (1, 2], (2, 4], (4, 8].
        let buckets = [
            (1.0, 25.0),
            (2.0, 50.0),
            (4.0, 75.0),
            (8.0, 100.0),
            (INF, 100.0),
        ];
        assert!(close(histogram_quantile(0.5, &buckets), 2.0));
        assert!(close(histogram_quantile(0.1, &buckets), 0.4));
        assert!(close(histogram_quantile(0.3, &buckets), 1.2));
        assert!(close(histogram_quantile(0.95, &buckets), 7.2));
        assert!(close(histogram_quantile(1.0, &buckets), 8.0));
        assert!(close(histogram_quantile(0.0, &buckets), 0.0));
    }

    #[test]
    fn order_of_buckets_does_not_matter() {
        let sorted = [(0.1, 4.0), (0.5, 8.0), (INF, 10.0)];
        let shuffled = [(INF, 10.0), (0.1, 4.0), (0.5, 8.0)];
        for q in [0.1, 0.5, 0.8, 0.99] {
            assert_eq!(
                histogram_quantile(q, &sorted),
                histogram_quantile(q, &shuffled)
            );
        }
    }

    #[test]
    fn rank_in_the_inf_bucket_gives_the_highest_finite_bound() {
        let buckets = [(0.5, 1.0), (1.0, 2.0), (INF, 10.0)];
        assert_eq!(histogram_quantile(0.5, &buckets), 1.0);
        assert_eq!(histogram_quantile(0.99, &buckets), 1.0);
    }

    #[test]
    fn a_first_bound_at_or_below_zero_is_returned_as_is() {
        let buckets = [(-1.0, 5.0), (1.0, 10.0), (INF, 10.0)];
        assert_eq!(histogram_quantile(0.25, &buckets), -1.0);
        assert!(close(histogram_quantile(0.75, &buckets), 0.0));
    }

    #[test]
    fn undefined_cases() {
        assert!(histogram_quantile(f64::NAN, &[(1.0, 1.0), (INF, 1.0)]).is_nan());
        assert_eq!(
            histogram_quantile(-0.1, &[(1.0, 1.0), (INF, 1.0)]),
            f64::NEG_INFINITY
        );
        assert_eq!(histogram_quantile(1.1, &[(1.0, 1.0), (INF, 1.0)]), INF);
        // No +Inf bucket, too few buckets, no observations.
        assert!(histogram_quantile(0.5, &[(1.0, 1.0), (2.0, 2.0)]).is_nan());
        assert!(histogram_quantile(0.5, &[(INF, 3.0)]).is_nan());
        assert!(histogram_quantile(0.5, &[]).is_nan());
        assert!(histogram_quantile(0.5, &[(1.0, 0.0), (INF, 0.0)]).is_nan());
    }

    #[test]
    fn decreasing_counts_are_made_monotonic() {
        // The 0.5 bucket was read before a concurrent update and is one lower than 0.25.
        let buckets = [(0.25, 6.0), (0.5, 5.0), (1.0, 10.0), (INF, 10.0)];
        // Treated as (0.25, 6), (0.5, 6): rank 6 is reached at the first bucket.
        assert!(close(histogram_quantile(0.6, &buckets), 0.25));
        assert!(close(histogram_quantile(0.8, &buckets), 0.75));
    }

    #[test]
    fn duplicate_bounds_are_merged() {
        let buckets = [(1.0, 2.0), (1.0, 2.0), (INF, 4.0), (INF, 4.0)];
        assert!(close(histogram_quantile(0.25, &buckets), 0.5));
    }
}

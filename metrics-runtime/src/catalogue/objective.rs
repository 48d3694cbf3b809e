//! [`Objective`]: what share of an operation's calls should succeed, and how fast.

/// A service-level objective of one or more operations, declared as a `static` and given to
/// `#[track_operation(.., objective = PATH)]`.
///
/// [`slo::prometheus_rules`](crate::slo::prometheus_rules) turns the objectives of the
/// binary's operations into recording rules and multi-window, multi-burn-rate alerts.
///
/// ```
/// use session_metrics::{Objective, track_operation};
///
/// // 99.9 % of calls succeed; 99 % of calls finish within 0.25 s.
/// static CHECKOUT: Objective = Objective::new("checkout").success_ratio(0.999).latency(0.25, 0.99);
///
/// #[track_operation("api", "checkout", objective = CHECKOUT)]
/// fn checkout() -> Result<(), std::io::Error> {
///     Ok(())
/// }
///
/// let op = session_metrics::operations().find(|op| op.event_type() == "checkout").unwrap();
/// assert_eq!(op.objective(), Some(&CHECKOUT));
/// assert_eq!(CHECKOUT.error_budget(), Some(0.0010000000000000009));
/// # checkout().unwrap();
/// ```
///
/// The constructors are `const fn`s that check their arguments: in a `static`, a ratio outside
/// (0, 1) or a threshold that is not a positive finite number of seconds fails the build.
///
/// ```compile_fail
/// # use session_metrics::Objective;
/// static ALWAYS: Objective = Objective::new("always").success_ratio(1.0); // error: not in (0, 1)
/// ```
///
/// A latency threshold must be one of the upper bounds of the operation's histogram
/// buckets (the rules read `_bucket{le="threshold"}`); that is checked when the global metrics
/// are created, and by [`slo::prometheus_rules`](crate::slo::prometheus_rules).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Objective {
    name: &'static str,
    success_ratio: Option<f64>,
    latency: Option<LatencyObjective>,
}

/// The latency part of an [`Objective`]: `ratio` of calls finish within `threshold_seconds`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatencyObjective {
    /// The threshold, in seconds: one of the histogram's bucket bounds.
    pub threshold_seconds: f64,
    /// The share of calls that should finish within it, in (0, 1).
    pub ratio: f64,
}

impl Objective {
    /// An objective named `name` (the `objective` label of its rules and alerts), with no
    /// target yet.
    ///
    /// # Panics
    /// If `name` is empty (at compile time in a `static`).
    pub const fn new(name: &'static str) -> Self {
        assert!(
            !name.is_empty(),
            "Objective::new: the name must not be empty"
        );
        Self {
            name,
            success_ratio: None,
            latency: None,
        }
    }

    /// `ratio` of calls should succeed, e.g. `0.999`.
    ///
    /// # Panics
    /// If `ratio` is not in (0, 1) (at compile time in a `static`).
    pub const fn success_ratio(mut self, ratio: f64) -> Self {
        assert!(
            ratio > 0.0 && ratio < 1.0,
            "Objective::success_ratio: the ratio must be in (0, 1), e.g. 0.999"
        );
        self.success_ratio = Some(ratio);
        self
    }

    /// `ratio` of calls should finish within `threshold_seconds`, e.g. `(0.25, 0.99)`.
    ///
    /// # Panics
    /// If `threshold_seconds` is not a positive finite number or `ratio` is not in (0, 1) (at
    /// compile time in a `static`).
    pub const fn latency(mut self, threshold_seconds: f64, ratio: f64) -> Self {
        assert!(
            threshold_seconds > 0.0 && threshold_seconds < f64::INFINITY,
            "Objective::latency: the threshold must be a positive finite number of seconds"
        );
        assert!(
            ratio > 0.0 && ratio < 1.0,
            "Objective::latency: the ratio must be in (0, 1), e.g. 0.99"
        );
        self.latency = Some(LatencyObjective {
            threshold_seconds,
            ratio,
        });
        self
    }

    /// The name, the `objective` label of the generated rules.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The share of calls that should succeed.
    pub const fn target_success_ratio(&self) -> Option<f64> {
        self.success_ratio
    }

    /// The latency target.
    pub const fn target_latency(&self) -> Option<LatencyObjective> {
        self.latency
    }

    /// The error budget: the share of calls allowed to fail, `1 - success_ratio`.
    pub fn error_budget(&self) -> Option<f64> {
        self.success_ratio.map(|r| 1.0 - r)
    }

    /// The latency budget: the share of calls allowed to be slower than the threshold.
    pub fn latency_budget(&self) -> Option<f64> {
        self.latency.map(|l| 1.0 - l.ratio)
    }
}

//! [`SessionMetrics`]: the eight collectors of the Session-Buddy seed in one registry.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, PoisonError, RwLock};

use prometheus::core::{Collector, Desc};
use prometheus::{Registry, proto};

use crate::Error;
use crate::events::{EVENT_LABELS, EventFamilies, EventSpecs, FAILURE_LABELS};
use crate::exposition::{self, Format, OwnFamilies, OwnFamily};
use crate::family::{Family, Spec};
use crate::series::{Counter, Gauge, Histogram};

/// Default buckets of `mcp_event_emit_duration_seconds`, in seconds.
pub const DEFAULT_EVENT_DURATION_BUCKETS: [f64; 12] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Default buckets of `session_duration_seconds`, in seconds (1 minute to 8 hours).
pub const DEFAULT_SESSION_DURATION_BUCKETS: [f64; 8] =
    [60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 28800.0];

/// At most this many distinct `error_type` values are kept in
/// `mcp_event_emit_failure_total`; further new values are counted as [`OVERFLOW_ERROR_TYPE`].
pub const MAX_ERROR_TYPES: usize = 64;

/// The `error_type` that absorbs new values once [`MAX_ERROR_TYPES`] is reached.
pub const OVERFLOW_ERROR_TYPE: &str = "other";

const SESSION_START: Spec = Spec {
    name: "session_start_total",
    help: "Total number of sessions started.",
    labels: &["component_name", "shell_type"],
};
const SESSION_END: Spec = Spec {
    name: "session_end_total",
    help: "Total number of sessions ended.",
    labels: &["component_name", "status"],
};
const SESSION_DURATION: Spec = Spec {
    name: "session_duration_seconds",
    help: "Duration of sessions in seconds.",
    labels: &["component_name"],
};
const EVENTS: EventSpecs = EventSpecs {
    duration: Spec {
        name: "mcp_event_emit_duration_seconds",
        help: "Duration of MCP event emissions in seconds.",
        labels: EVENT_LABELS,
    },
    success: Spec {
        name: "mcp_event_emit_success_total",
        help: "Total number of successful MCP event emissions.",
        labels: EVENT_LABELS,
    },
    failure: Spec {
        name: "mcp_event_emit_failure_total",
        help: "Total number of failed MCP event emissions.",
        labels: FAILURE_LABELS,
    },
};
const ACTIVE_SESSIONS: Spec = Spec {
    name: "active_sessions",
    help: "Number of currently active sessions.",
    labels: &["component_name"],
};
const QUALITY_SCORE: Spec = Spec {
    name: "session_quality_score",
    help: "Quality score of the most recent session (0-100).",
    labels: &["component_name"],
};

/// Label names our families use; a constant label may not take one of them.
const VARIABLE_LABELS: [&str; 5] = [
    "component_name",
    "shell_type",
    "status",
    "event_type",
    "error_type",
];

/// The collectors, shared between [`SessionMetrics`] and the registry.
pub(crate) struct Families {
    pub(crate) session_start: Family<Counter>,
    pub(crate) session_end: Family<Counter>,
    pub(crate) session_duration: Family<Histogram>,
    pub(crate) events: EventFamilies,
    pub(crate) active_sessions: Family<Gauge>,
    pub(crate) quality_score: Family<Gauge>,
    pub(crate) const_labels: Vec<(String, String)>,
    /// Families declared with [`OperationFamily`](crate::OperationFamily), for reset and
    /// descriptions; each is registered in the registry on its own.
    pub(crate) operations: RwLock<Vec<Arc<EventFamilies>>>,
    /// Further families of ours registered in the same registry (the MCP server layer's),
    /// written by our own encoder too.
    pub(crate) exported: RwLock<Vec<Arc<dyn OwnFamilies>>>,
}

impl Families {
    fn all_descs(&self) -> Vec<&Desc> {
        let mut descs = vec![
            self.session_start.desc(),
            self.session_end.desc(),
            self.session_duration.desc(),
        ];
        descs.extend(self.events.descs());
        descs.extend([self.active_sessions.desc(), self.quality_score.desc()]);
        descs
    }

    /// Calls `f` with all our families (operation families and the MCP layer's included),
    /// sorted by name.
    pub(crate) fn with_own<R>(&self, f: impl FnOnce(&[&dyn OwnFamily]) -> R) -> R {
        let operations = self
            .operations
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let exported = self.exported.read().unwrap_or_else(PoisonError::into_inner);
        let mut all: Vec<&dyn OwnFamily> = vec![
            &self.session_start,
            &self.session_end,
            &self.session_duration,
            &self.active_sessions,
            &self.quality_score,
        ];
        all.extend(self.events.own());
        for operation in operations.iter() {
            all.extend(operation.own());
        }
        for group in exported.iter() {
            all.extend(group.own_families());
        }
        all.sort_unstable_by_key(|family| family.name());
        f(&all)
    }
}

/// What kind of metric a family is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MetricKind {
    /// A monotonically increasing count.
    Counter,
    /// A value that goes up and down.
    Gauge,
    /// Observations counted into buckets.
    Histogram,
}

/// The static description of one of our metric families, whether or not it has series yet.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricDescription {
    /// The metric name, e.g. `session_start_total`.
    pub name: &'static str,
    /// Counter, gauge or histogram.
    pub kind: MetricKind,
    /// The `# HELP` text.
    pub help: &'static str,
    /// Variable label names, in order.
    pub label_names: &'static [&'static str],
    /// Constant labels added to every series.
    pub const_labels: Vec<(String, String)>,
    /// Upper bounds of a histogram's buckets (without `+Inf`).
    pub buckets: Option<Vec<f64>>,
}

/// Registers [`Families`] with a `prometheus::Registry`.
struct RegisteredFamilies(Arc<Families>);

impl Collector for RegisteredFamilies {
    fn desc(&self) -> Vec<&Desc> {
        self.0.all_descs()
    }

    fn collect(&self) -> Vec<proto::MetricFamily> {
        let f = &self.0;
        if exposition::collecting_is_suppressed(exposition::owner_of(f)) {
            return Vec::new();
        }
        let mut families = vec![
            f.session_start.collect(),
            f.session_end.collect(),
            f.session_duration.collect(),
        ];
        families.extend(f.events.collect());
        families.extend([f.active_sessions.collect(), f.quality_score.collect()]);
        families
    }
}

/// The Session-Buddy metrics: session lifecycle and MCP event emission, in one
/// [`prometheus::Registry`].
///
/// Most programs use the global instance from [`get_metrics`](crate::get_metrics), which
/// `#[track_operation]` records into. Build your own with [`SessionMetrics::new`] (or
/// [`SessionMetrics::builder`]) for tests or to embed the metrics in a larger registry.
///
/// | metric | type | labels |
/// |---|---|---|
/// | `session_start_total` | counter | `component_name`, `shell_type` |
/// | `session_end_total` | counter | `component_name`, `status` |
/// | `session_duration_seconds` | histogram | `component_name` |
/// | `mcp_event_emit_success_total` | counter | `component_name`, `event_type` |
/// | `mcp_event_emit_failure_total` | counter | `component_name`, `event_type`, `error_type` |
/// | `mcp_event_emit_duration_seconds` | histogram | `component_name`, `event_type` |
/// | `active_sessions` | gauge | `component_name` |
/// | `session_quality_score` | gauge | `component_name` |
///
/// A family shows up in the exposition once it has at least one series. Recording never
/// panics; values that cannot be recorded (a NaN or negative duration, a NaN score) are
/// skipped.
///
/// ```
/// use session_metrics::SessionMetrics;
///
/// let metrics = SessionMetrics::new(prometheus::Registry::new())?;
/// metrics.record_session_start("mahavishnu", "bash");
/// metrics.record_session_end("mahavishnu", "success", 420.0);
/// assert!(metrics.export_metrics().contains("session_start_total{component_name=\"mahavishnu\",shell_type=\"bash\"} 1\n"));
/// # Ok::<(), session_metrics::Error>(())
/// ```
pub struct SessionMetrics {
    registry: Registry,
    families: Option<Arc<Families>>,
    /// The length of the last export: the next one starts with that capacity instead of
    /// doubling its way there (which leaves the allocator with holes that concurrent
    /// exports, e.g. the HTTP server's, cannot reuse).
    last_export_len: AtomicUsize,
    /// The registry adds a prefix or common labels to what it gathers: export through
    /// `gather` alone (see [`exposition::registry_rewrites`]).
    registry_rewrites: bool,
}

impl fmt::Debug for SessionMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionMetrics")
            .field("enabled", &self.is_enabled())
            .finish_non_exhaustive()
    }
}

impl SessionMetrics {
    /// Creates the metrics with the seed's buckets and registers them in `registry`.
    ///
    /// # Errors
    /// [`Error::AlreadyRegistered`] naming the metric if `registry` already holds a collector
    /// with one of our names.
    pub fn new(registry: Registry) -> Result<Self, Error> {
        Self::builder().build(registry)
    }

    /// Starts a [`SessionMetricsBuilder`] for custom buckets and constant labels.
    pub fn builder() -> SessionMetricsBuilder {
        SessionMetricsBuilder::default()
    }

    /// Metrics that record nothing: every method is a no-op and instrumented functions run
    /// unchanged. [`export_metrics`](Self::export_metrics) still encodes whatever else the
    /// (empty) registry holds.
    pub fn disabled() -> Self {
        Self {
            registry: Registry::new(),
            families: None,
            last_export_len: AtomicUsize::new(0),
            registry_rewrites: false,
        }
    }

    /// Whether these metrics record anything (false for [`SessionMetrics::disabled`]).
    pub fn is_enabled(&self) -> bool {
        self.families.is_some()
    }

    /// The registry our collectors live in; register your own collectors here to have them
    /// exported beside ours.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    pub(crate) fn families(&self) -> Option<&Families> {
        self.families.as_deref()
    }

    /// Describes our families (names, types, help, labels, buckets), including those that
    /// have no series yet: the eight seed families, then any declared
    /// [`OperationFamily`](crate::OperationFamily). Empty when disabled.
    pub fn metric_descriptions(&self) -> Vec<MetricDescription> {
        let Some(f) = self.families() else {
            return Vec::new();
        };
        let labels = &f.const_labels;
        let mut all = vec![
            f.session_start.describe(labels),
            f.session_end.describe(labels),
            f.session_duration.describe(labels),
        ];
        all.extend(f.events.descriptions(labels));
        all.push(f.active_sessions.describe(labels));
        all.push(f.quality_score.describe(labels));
        let operations = f.operations.read().unwrap_or_else(PoisonError::into_inner);
        for operation in operations.iter() {
            all.extend(operation.descriptions(labels));
        }
        all
    }

    /// Counts a session start: `session_start_total{component_name, shell_type}` += 1.
    pub fn record_session_start(&self, component: &str, shell_type: &str) {
        if let Some(f) = self.families() {
            f.session_start.with(&[component, shell_type]).inc();
        }
    }

    /// Counts a session end (`session_end_total{component_name, status}` += 1) and observes
    /// its duration in `session_duration_seconds{component_name}`. A duration that is
    /// negative or not finite is not observed; the end is still counted.
    pub fn record_session_end(&self, component: &str, status: &str, duration_seconds: f64) {
        if let Some(f) = self.families() {
            f.session_end.with(&[component, status]).inc();
            if duration_seconds.is_finite() && duration_seconds >= 0.0 {
                f.session_duration
                    .with(&[component])
                    .observe(duration_seconds);
            }
        }
    }

    /// Sets `session_quality_score{component_name}`. A NaN score is ignored.
    pub fn set_session_quality_score(&self, component: &str, score: f64) {
        if let Some(f) = self.families()
            && !score.is_nan()
        {
            f.quality_score.with(&[component]).set(score);
        }
    }

    /// Sets `active_sessions{component_name}` to `count`.
    pub fn set_active_sessions(&self, component: &str, count: u64) {
        if let Some(f) = self.families() {
            f.active_sessions.with(&[component]).set(count as f64);
        }
    }

    /// `active_sessions{component_name}` += 1.
    pub fn increment_active_sessions(&self, component: &str) {
        if let Some(f) = self.families() {
            f.active_sessions.with(&[component]).add_floored(1.0, 0.0);
        }
    }

    /// `active_sessions{component_name}` -= 1, never going below zero.
    pub fn decrement_active_sessions(&self, component: &str) {
        if let Some(f) = self.families() {
            f.active_sessions.with(&[component]).add_floored(-1.0, 0.0);
        }
    }

    /// Records a successful MCP event emission: observes `duration_seconds` in
    /// `mcp_event_emit_duration_seconds` and increments `mcp_event_emit_success_total`.
    /// Within a sampled trace (see [`exemplar`](crate::exemplar)) the duration's bucket keeps
    /// the trace as its exemplar.
    pub fn record_mcp_event_success(
        &self,
        component: &str,
        event_type: &str,
        duration_seconds: f64,
    ) {
        if let Some(f) = self.families() {
            let labels = [component, event_type];
            crate::exemplar::observe(&f.events.duration.with(&labels), duration_seconds);
            f.events.success.with(&labels).inc();
        }
    }

    /// Records a failed MCP event emission: observes `duration_seconds` and increments
    /// `mcp_event_emit_failure_total{.., error_type}`. See [`MAX_ERROR_TYPES`]. Within a
    /// sampled trace the duration's bucket and the failure counter keep it as their exemplar.
    pub fn record_mcp_event_failure(
        &self,
        component: &str,
        event_type: &str,
        error_type: &str,
        duration_seconds: f64,
    ) {
        if let Some(f) = self.families() {
            let labels = [component, event_type];
            crate::exemplar::observe(&f.events.duration.with(&labels), duration_seconds);
            crate::exemplar::inc(&f.events.failure_counter(component, event_type, error_type));
        }
    }

    /// The whole registry in the Prometheus text format 0.0.4, ending in a newline (empty if
    /// there is nothing to export). Use [`try_export_metrics`](Self::try_export_metrics) to
    /// see an encoding error, which only a faulty user collector can cause.
    pub fn export_metrics(&self) -> String {
        self.try_export_metrics().unwrap_or_default()
    }

    /// Like [`export_metrics`](Self::export_metrics), but reports encoding errors.
    ///
    /// # Errors
    /// [`Error::Encode`] when a collector in the registry produced an invalid family.
    pub fn try_export_metrics(&self) -> Result<String, Error> {
        self.try_export(Format::Text)
    }

    /// The whole registry in `format` (see [`Format`]); empty text, or only `# EOF` in
    /// OpenMetrics, when there is nothing to export.
    ///
    /// ```
    /// use session_metrics::{Format, SessionMetrics};
    ///
    /// let metrics = SessionMetrics::new(prometheus::Registry::new())?;
    /// metrics.record_mcp_event_success("buddy", "emit", 0.02);
    /// let om = metrics.export(Format::OpenMetrics);
    /// assert!(om.contains("# TYPE mcp_event_emit_success counter\n"));
    /// assert!(om.contains("# UNIT mcp_event_emit_duration_seconds seconds\n"));
    /// assert!(om.ends_with("# EOF\n"));
    /// assert_eq!(metrics.export(Format::Text), metrics.export_metrics());
    /// # Ok::<(), session_metrics::Error>(())
    /// ```
    pub fn export(&self, format: Format) -> String {
        self.try_export(format).unwrap_or_default()
    }

    /// The whole registry in OpenMetrics 1.0.0, with exemplars:
    /// [`export(Format::OpenMetrics)`](Self::export).
    pub fn export_openmetrics(&self) -> String {
        self.export(Format::OpenMetrics)
    }

    /// Like [`export`](Self::export), but reports encoding errors.
    ///
    /// # Errors
    /// [`Error::Encode`] when a collector in the registry produced an invalid family.
    pub fn try_export(&self, format: Format) -> Result<String, Error> {
        // A little more than last time, so that a slightly larger export needs no copy.
        let capacity = self.last_export_len.load(Relaxed);
        let mut buf = Vec::with_capacity(capacity + capacity / 16);
        self.encode_into(format, &mut buf)?;
        self.last_export_len.store(buf.len(), Relaxed);
        // The encoder only writes `&str`s and ASCII.
        Ok(String::from_utf8(buf).unwrap_or_default())
    }

    /// Appends the whole registry in `format` to `buf`: keep one buffer across scrapes
    /// (`buf.clear()` first) and an export allocates nothing in proportion to the series
    /// count beyond what `buf` already holds. Users' collectors are still read through
    /// `Registry::gather`. A registry made by `Registry::new_custom` with a prefix or common
    /// labels is exported through `gather` entirely, so that they apply to our families as
    /// well (slower, and without exemplars).
    ///
    /// ```
    /// use session_metrics::{Format, SessionMetrics};
    ///
    /// let metrics = SessionMetrics::new(prometheus::Registry::new())?;
    /// metrics.record_session_start("buddy", "bash");
    /// let mut buf = Vec::new();
    /// for _ in 0..3 {
    ///     buf.clear();
    ///     metrics.encode_into(Format::Text, &mut buf)?;
    /// }
    /// assert_eq!(buf, metrics.export_metrics().as_bytes());
    /// # Ok::<(), session_metrics::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Encode`] when a collector in the registry produced an invalid family; `buf`
    /// then holds what was written before it.
    pub fn encode_into(&self, format: Format, buf: &mut Vec<u8>) -> Result<(), Error> {
        if self.registry_rewrites {
            return exposition::encode_gathered(&self.registry.gather(), format, buf);
        }
        exposition::encode(&self.registry, self.families(), format, buf)
    }

    /// Zeroes every counter, gauge and histogram (the seed's "clear metrics"), for tests.
    ///
    /// Series already seen stay in the exposition with value 0, because call sites of
    /// `#[track_operation]` keep hold of them; the set of known `error_type` values is kept too.
    pub fn reset(&self) {
        if let Some(f) = self.families() {
            f.session_start.reset();
            f.session_end.reset();
            f.session_duration.reset();
            f.events.reset();
            f.active_sessions.reset();
            f.quality_score.reset();
            let operations = f.operations.read().unwrap_or_else(PoisonError::into_inner);
            operations.iter().for_each(|o| o.reset());
        }
    }
}

/// Builds a [`SessionMetrics`] with custom buckets or constant labels.
///
/// ```
/// let metrics = session_metrics::SessionMetrics::builder()
///     .const_label("instance", "buddy-1")
///     .event_duration_buckets([0.01, 0.1, 1.0])
///     .build(prometheus::Registry::new())?;
/// metrics.record_mcp_event_success("c", "e", 0.05);
/// assert!(metrics.export_metrics().contains(r#"{component_name="c",event_type="e",instance="buddy-1",le="0.1"} 1"#));
/// # Ok::<(), session_metrics::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SessionMetricsBuilder {
    event_buckets: Vec<f64>,
    session_buckets: Vec<f64>,
    const_labels: Vec<(String, String)>,
}

impl Default for SessionMetricsBuilder {
    fn default() -> Self {
        Self {
            event_buckets: DEFAULT_EVENT_DURATION_BUCKETS.to_vec(),
            session_buckets: DEFAULT_SESSION_DURATION_BUCKETS.to_vec(),
            const_labels: Vec::new(),
        }
    }
}

impl SessionMetricsBuilder {
    /// Upper bounds of `mcp_event_emit_duration_seconds` (finite, strictly increasing).
    pub fn event_duration_buckets(mut self, buckets: impl IntoIterator<Item = f64>) -> Self {
        self.event_buckets = buckets.into_iter().collect();
        self
    }

    /// Upper bounds of `session_duration_seconds` (finite, strictly increasing).
    pub fn session_duration_buckets(mut self, buckets: impl IntoIterator<Item = f64>) -> Self {
        self.session_buckets = buckets.into_iter().collect();
        self
    }

    /// Adds a label with a fixed value to every series, e.g. `instance` or `service`.
    pub fn const_label(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.const_labels.push((name.into(), value.into()));
        self
    }

    /// Validates the options, creates the collectors and registers them in `registry`.
    ///
    /// # Errors
    /// [`Error::InvalidBuckets`], [`Error::InvalidConstLabel`], or
    /// [`Error::AlreadyRegistered`] naming the metric when the registry already holds one of
    /// our names.
    pub fn build(self, registry: Registry) -> Result<SessionMetrics, Error> {
        let event = validate_buckets(EVENTS.duration.name, &self.event_buckets)?;
        let session = validate_buckets(SESSION_DURATION.name, &self.session_buckets)?;
        validate_const_labels(&self.const_labels)?;
        let labels = &self.const_labels;
        let families = Arc::new(Families {
            session_start: Family::new(SESSION_START, (), labels).map_err(Error::Registry)?,
            session_end: Family::new(SESSION_END, (), labels).map_err(Error::Registry)?,
            session_duration: Family::new(SESSION_DURATION, session, labels)
                .map_err(Error::Registry)?,
            events: EventFamilies::new(&EVENTS, event, labels).map_err(Error::Registry)?,
            active_sessions: Family::new(ACTIVE_SESSIONS, (), labels).map_err(Error::Registry)?,
            quality_score: Family::new(QUALITY_SCORE, (), labels).map_err(Error::Registry)?,
            const_labels: self.const_labels.clone(),
            operations: RwLock::new(Vec::new()),
            exported: RwLock::new(Vec::new()),
        });
        crate::register::register(&registry, Box::new(RegisteredFamilies(families.clone())))?;
        let registry_rewrites = exposition::registry_rewrites(&registry);
        Ok(SessionMetrics {
            registry,
            families: Some(families),
            last_export_len: AtomicUsize::new(0),
            registry_rewrites,
        })
    }
}

pub(crate) fn validate_buckets(metric: &'static str, buckets: &[f64]) -> Result<Arc<[f64]>, Error> {
    let invalid = |reason: String| Error::InvalidBuckets { metric, reason };
    if buckets.is_empty() {
        return Err(invalid("the list is empty".into()));
    }
    if let Some(bad) = buckets.iter().find(|b| !b.is_finite()) {
        return Err(invalid(format!(
            "{bad} is not a finite number (+Inf is always added)"
        )));
    }
    if let Some(pair) = buckets.windows(2).find(|w| w[0] >= w[1]) {
        return Err(invalid(format!(
            "not strictly increasing: {} then {}",
            pair[0], pair[1]
        )));
    }
    Ok(buckets.into())
}

fn validate_const_labels(labels: &[(String, String)]) -> Result<(), Error> {
    for (i, (name, _)) in labels.iter().enumerate() {
        let invalid = |reason| {
            Err(Error::InvalidConstLabel {
                name: name.clone(),
                reason,
            })
        };
        let mut chars = name.chars();
        let valid_start = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        if !valid_start || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return invalid("a label name must match [a-zA-Z_][a-zA-Z0-9_]*");
        }
        if name.starts_with("__") || name == "le" {
            return invalid("names starting with `__` and `le` are reserved by Prometheus");
        }
        if VARIABLE_LABELS.contains(&name.as_str()) {
            return invalid("the session metrics already use this label name");
        }
        if labels[..i].iter().any(|(earlier, _)| earlier == name) {
            return invalid("given twice");
        }
    }
    Ok(())
}

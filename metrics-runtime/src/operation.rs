//! [`OperationFamily`]: operation metrics beyond `mcp_event_emit_*`.

use std::sync::{Arc, PoisonError};

use once_cell::sync::OnceCell;
use prometheus::core::{Collector, Desc};
use prometheus::proto;

use crate::events::{EVENT_LABELS, EventFamilies, EventSpecs, FAILURE_LABELS};
use crate::family::Spec;
use crate::metrics::validate_buckets;
use crate::{Error, SessionMetrics, get_metrics};

/// A family of operation metrics, declared once as a `static` with its own buckets:
/// `{prefix}_duration_seconds`, `{prefix}_success_total` and `{prefix}_failure_total`, with the
/// labels of `mcp_event_emit_*`. Point `#[track_operation(.., family = PATH)]` at it.
///
/// The family registers itself in the global registry on first use. Call
/// [`register`](Self::register) at start-up to see a bad prefix or a name clash as an error;
/// on the lazy path such a family records nothing.
///
/// ```
/// use session_metrics::{OperationFamily, get_metrics, track_operation};
///
/// static DB: OperationFamily = OperationFamily::new("db_operation", &[0.001, 0.01, 0.1, 1.0]);
///
/// #[track_operation("store", "insert", family = DB)]
/// fn insert(key: &str) -> Result<(), std::io::Error> {
///     Ok(())
/// }
///
/// DB.register()?;
/// insert("k")?;
/// let text = get_metrics().export_metrics();
/// assert!(text.contains(r#"db_operation_success_total{component_name="store",event_type="insert"} 1"#));
/// assert!(text.contains(r#"db_operation_duration_seconds_bucket{component_name="store",event_type="insert",le="0.001"}"#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct OperationFamily {
    prefix: &'static str,
    buckets: &'static [f64],
    events: OnceCell<Result<Arc<EventFamilies>, String>>,
}

impl OperationFamily {
    /// Declares the family `{prefix}_*` with these histogram upper bounds (seconds).
    pub const fn new(prefix: &'static str, buckets: &'static [f64]) -> Self {
        Self {
            prefix,
            buckets,
            events: OnceCell::new(),
        }
    }

    /// The name prefix, e.g. `db_operation`.
    pub const fn prefix(&self) -> &'static str {
        self.prefix
    }

    /// The histogram's upper bounds (seconds), as declared.
    pub const fn buckets(&self) -> &'static [f64] {
        self.buckets
    }

    /// Creates the family in the global metrics now (idempotent).
    ///
    /// # Errors
    /// [`Error::InvalidFamily`] for an invalid prefix or buckets, or when the registry refuses
    /// the names (e.g. declared twice).
    pub fn register(&'static self) -> Result<(), Error> {
        match self.events_or_error(get_metrics()) {
            Ok(_) => Ok(()),
            Err(reason) => Err(Error::InvalidFamily {
                prefix: self.prefix,
                reason: reason.clone(),
            }),
        }
    }

    /// The families, or `None` when metrics are disabled or creation failed.
    pub(crate) fn events(&'static self) -> Option<&'static EventFamilies> {
        self.events_in(get_metrics())
    }

    /// Like [`events`](Self::events), creating the family in `metrics` (the global, while it
    /// is being set up) instead of calling [`get_metrics`].
    pub(crate) fn events_in(
        &'static self,
        metrics: &'static SessionMetrics,
    ) -> Option<&'static EventFamilies> {
        self.events_or_error(metrics).as_deref().ok()
    }

    /// The families, created in `metrics` on first use. The caller gets `metrics` before
    /// entering the cell: creating the global creates the catalogue's families, this one
    /// among them, and must not find its cell locked by us.
    fn events_or_error(
        &'static self,
        metrics: &'static SessionMetrics,
    ) -> &'static Result<Arc<EventFamilies>, String> {
        self.events.get_or_init(|| self.create_in(metrics))
    }

    fn create_in(&self, metrics: &SessionMetrics) -> Result<Arc<EventFamilies>, String> {
        let Some(global) = metrics.families() else {
            return Err("metrics are disabled".into());
        };
        let prefix = self.prefix;
        let valid = prefix.chars().enumerate().all(|(i, c)| {
            c == '_' || c == ':' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit())
        });
        if prefix.is_empty() || !valid {
            return Err(format!("{prefix:?} is not a valid metric name prefix"));
        }
        let buckets =
            validate_buckets("operation duration", self.buckets).map_err(|e| e.to_string())?;
        // Names live as long as the process, like the `static` that declares them.
        let leak = |s: String| -> &'static str { s.leak() };
        let specs = EventSpecs {
            duration: Spec {
                name: leak(format!("{prefix}_duration_seconds")),
                help: leak(format!("Duration of {prefix} operations in seconds.")),
                labels: EVENT_LABELS,
            },
            success: Spec {
                name: leak(format!("{prefix}_success_total")),
                help: leak(format!("Total number of successful {prefix} operations.")),
                labels: EVENT_LABELS,
            },
            failure: Spec {
                name: leak(format!("{prefix}_failure_total")),
                help: leak(format!("Total number of failed {prefix} operations.")),
                labels: FAILURE_LABELS,
            },
        };
        let events = Arc::new(
            EventFamilies::new(&specs, buckets, &global.const_labels).map_err(|e| e.to_string())?,
        );
        crate::register::register(
            metrics.registry(),
            Box::new(RegisteredEvents {
                events: events.clone(),
                owner: crate::exposition::owner_of(global),
            }),
        )
        .map_err(|e| e.to_string())?;
        global
            .operations
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push(events.clone());
        Ok(events)
    }
}

/// The families in the registry; `owner` identifies the metrics whose own export writes them.
struct RegisteredEvents {
    events: Arc<EventFamilies>,
    owner: usize,
}

impl Collector for RegisteredEvents {
    fn desc(&self) -> Vec<&Desc> {
        self.events.descs().to_vec()
    }

    fn collect(&self) -> Vec<proto::MetricFamily> {
        if crate::exposition::collecting_is_suppressed(self.owner) {
            return Vec::new();
        }
        self.events.collect().into()
    }
}

//! A family of operation metrics: duration histogram, success and failure counters.
//!
//! `mcp_event_emit_*` is one such family; [`OperationFamily`](crate::OperationFamily) declares
//! more, e.g. `operation_*`.

use std::sync::{Arc, PoisonError, RwLock};

use hashbrown::HashSet;
use prometheus::core::Desc;
use prometheus::proto;

use crate::family::{Family, Spec};
use crate::metrics::MetricDescription;
use crate::series::{Counter, Histogram};
use crate::{MAX_ERROR_TYPES, OVERFLOW_ERROR_TYPE};

/// Label names of the duration and success metrics.
pub(crate) const EVENT_LABELS: &[&str] = &["component_name", "event_type"];
/// Label names of the failure metric.
pub(crate) const FAILURE_LABELS: &[&str] = &["component_name", "event_type", "error_type"];

/// Names and help texts of the three metrics.
pub(crate) struct EventSpecs {
    pub duration: Spec,
    pub success: Spec,
    pub failure: Spec,
}

pub(crate) struct EventFamilies {
    pub(crate) duration: Family<Histogram>,
    pub(crate) success: Family<Counter>,
    pub(crate) failure: Family<Counter>,
    error_types: RwLock<HashSet<Box<str>>>,
}

impl std::fmt::Debug for EventFamilies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventFamilies")
            .field("duration", &self.duration.spec().name)
            .finish_non_exhaustive()
    }
}

impl EventFamilies {
    pub(crate) fn new(
        specs: &EventSpecs,
        buckets: Arc<[f64]>,
        const_labels: &[(String, String)],
    ) -> prometheus::Result<Self> {
        Ok(Self {
            duration: Family::new(specs.duration, buckets, const_labels)?,
            success: Family::new(specs.success, (), const_labels)?,
            failure: Family::new(specs.failure, (), const_labels)?,
            error_types: RwLock::new(HashSet::new()),
        })
    }

    /// The failure counter for one `error_type`, folding new values into
    /// [`OVERFLOW_ERROR_TYPE`] once [`MAX_ERROR_TYPES`] distinct values exist.
    pub(crate) fn failure_counter(
        &self,
        component: &str,
        event_type: &str,
        error_type: &str,
    ) -> Arc<Counter> {
        let error_type = self.admit_error_type(error_type);
        self.failure.with(&[component, event_type, error_type])
    }

    fn admit_error_type<'a>(&self, error_type: &'a str) -> &'a str {
        let known = self
            .error_types
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        if known.contains(error_type) {
            return error_type;
        }
        drop(known);
        let mut known = self
            .error_types
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if known.len() < MAX_ERROR_TYPES || known.contains(error_type) {
            known.insert(error_type.into());
            error_type
        } else {
            OVERFLOW_ERROR_TYPE
        }
    }

    pub(crate) fn descs(&self) -> [&Desc; 3] {
        [
            self.success.desc(),
            self.failure.desc(),
            self.duration.desc(),
        ]
    }

    pub(crate) fn collect(&self) -> [proto::MetricFamily; 3] {
        [
            self.success.collect(),
            self.failure.collect(),
            self.duration.collect(),
        ]
    }

    /// The three families for the encoder.
    pub(crate) fn own(&self) -> [&dyn crate::exposition::OwnFamily; 3] {
        [&self.success, &self.failure, &self.duration]
    }

    pub(crate) fn reset(&self) {
        self.success.reset();
        self.failure.reset();
        self.duration.reset();
    }

    pub(crate) fn descriptions(&self, const_labels: &[(String, String)]) -> [MetricDescription; 3] {
        [
            self.success.describe(const_labels),
            self.failure.describe(const_labels),
            self.duration.describe(const_labels),
        ]
    }
}

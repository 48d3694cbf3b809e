//! The two histogram families of the MCP server layer, registered once per
//! [`SessionMetrics`] beside its own families.
//!
//! A label with an empty value is left out of the exposition, so a label absent from a request
//! (e.g. `error_type` on a success, `gen_ai_tool_name` outside `tools/call`) is absent, not
//! empty.

use std::sync::{Arc, Mutex, PoisonError};

use prometheus::core::{Collector, Desc};
use prometheus::proto;

use super::names::Names;
use crate::exposition::{OwnFamilies, OwnFamily};
use crate::family::{Family, Spec};
use crate::metrics::validate_buckets;
use crate::series::Histogram;
use crate::{Error, MetricDescription, SessionMetrics};

/// Buckets of both histograms, in seconds: the ones the OpenTelemetry MCP conventions advise.
pub const MCP_DURATION_BUCKETS: [f64; 14] = [
    0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
];

/// Labels of `mcp_server_operation_duration_seconds`, in this order.
pub(super) const OPERATION_LABELS: &[&str] = &[
    "mcp_method_name",
    "gen_ai_tool_name",
    "gen_ai_prompt_name",
    "error_type",
    "mcp_protocol_version",
    "network_transport",
];

/// Labels of `mcp_server_session_duration_seconds`, in this order.
pub(super) const SESSION_LABELS: &[&str] =
    &["mcp_protocol_version", "network_transport", "error_type"];

pub(super) const OPERATION: Spec = Spec {
    name: "mcp_server_operation_duration_seconds",
    help: "Duration of MCP requests handled by the server, in seconds \
           (OpenTelemetry mcp.server.operation.duration).",
    labels: OPERATION_LABELS,
};

pub(super) const SESSION: Spec = Spec {
    name: "mcp_server_session_duration_seconds",
    help: "Duration of MCP sessions as observed by the server, in seconds \
           (OpenTelemetry mcp.server.session.duration).",
    labels: SESSION_LABELS,
};

pub(crate) struct ServerFamilies {
    pub(super) operation: Family<Histogram>,
    pub(super) session: Family<Histogram>,
    /// Tool names admitted as `gen_ai_tool_name` values.
    pub(super) tools: Names,
    /// Prompt names admitted as `gen_ai_prompt_name` values.
    pub(super) prompts: Names,
    const_labels: Vec<(String, String)>,
}

impl ServerFamilies {
    fn new(const_labels: &[(String, String)]) -> Result<Self, Error> {
        let buckets = validate_buckets(OPERATION.name, &MCP_DURATION_BUCKETS)?;
        Ok(Self {
            operation: Family::new(OPERATION, buckets.clone(), const_labels)
                .map_err(Error::Registry)?
                .omitting_empty_labels(),
            session: Family::new(SESSION, buckets, const_labels)
                .map_err(Error::Registry)?
                .omitting_empty_labels(),
            tools: Names::default(),
            prompts: Names::default(),
            const_labels: const_labels.to_vec(),
        })
    }

    /// Descriptions of the two families, for `list_session_metrics`.
    pub(crate) fn descriptions(&self) -> [MetricDescription; 2] {
        [
            self.operation.describe(&self.const_labels),
            self.session.describe(&self.const_labels),
        ]
    }
}

/// The families registered in each [`SessionMetrics`] so far, by its address (a
/// `&'static SessionMetrics` never moves). A failed registration is kept too, so it is
/// reported the same way every time and never retried against a half-registered registry.
type Registered = Vec<(usize, Result<Arc<ServerFamilies>, String>)>;
static REGISTERED: Mutex<Registered> = Mutex::new(Vec::new());

fn key(metrics: &'static SessionMetrics) -> usize {
    std::ptr::from_ref(metrics) as usize
}

/// The layer's families in `metrics`, created and registered on first use. `Ok(None)` when
/// `metrics` is disabled.
pub(crate) fn families_in(
    metrics: &'static SessionMetrics,
) -> Result<Option<Arc<ServerFamilies>>, Error> {
    let Some(global) = metrics.families() else {
        return Ok(None);
    };
    let mut registered = REGISTERED.lock().unwrap_or_else(PoisonError::into_inner);
    let found = match registered.iter().find(|(k, _)| *k == key(metrics)) {
        Some((_, found)) => found.clone(),
        None => {
            let created = ServerFamilies::new(&global.const_labels)
                .map(Arc::new)
                .and_then(|families| {
                    metrics
                        .registry()
                        .register(Box::new(RegisteredServer {
                            families: families.clone(),
                            owner: crate::exposition::owner_of(global),
                        }))
                        .map_err(Error::Registry)?;
                    global
                        .exported
                        .write()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(families.clone());
                    Ok(families)
                })
                .map_err(|e| e.to_string());
            registered.push((key(metrics), created.clone()));
            created
        }
    };
    found.map(Some).map_err(|reason| Error::InvalidFamily {
        prefix: "mcp_server",
        reason,
    })
}

/// The layer's families in `metrics` if a layer (or [`register`](super::Metered::register))
/// created them.
pub(crate) fn existing_in(metrics: &SessionMetrics) -> Option<Arc<ServerFamilies>> {
    let registered = REGISTERED.lock().unwrap_or_else(PoisonError::into_inner);
    registered
        .iter()
        .find(|(k, _)| *k == std::ptr::from_ref(metrics) as usize)
        .and_then(|(_, found)| found.as_ref().ok().cloned())
}

/// Calls `f` with every series of `mcp_server_operation_duration_seconds` in `metrics`, if a
/// layer created the family: its label values in the order of [`OPERATION_LABELS`] (empty
/// for an absent label) and its histogram. Takes the family's read lock, as a scrape does.
#[cfg(feature = "http")]
pub(crate) fn for_each_operation_series(
    metrics: &SessionMetrics,
    f: impl FnMut(&[Box<str>], &Histogram),
) {
    if let Some(families) = existing_in(metrics) {
        families.operation.for_each(f);
    }
}

/// The families in the registry; `owner` identifies the metrics whose own export writes them.
struct RegisteredServer {
    families: Arc<ServerFamilies>,
    owner: usize,
}

impl Collector for RegisteredServer {
    fn desc(&self) -> Vec<&Desc> {
        vec![self.families.operation.desc(), self.families.session.desc()]
    }

    fn collect(&self) -> Vec<proto::MetricFamily> {
        if crate::exposition::collecting_is_suppressed(self.owner) {
            return Vec::new();
        }
        // Labels with an empty value are left out (see `Family::omitting_empty_labels`).
        vec![
            self.families.operation.collect(),
            self.families.session.collect(),
        ]
    }
}

impl OwnFamilies for ServerFamilies {
    fn own_families(&self) -> Vec<&dyn OwnFamily> {
        vec![&self.operation, &self.session]
    }
}

//! One reading of our own cells, as a scrape sees them: per operation its success count,
//! failure counts by `error_type` and duration buckets; the same per MCP method, tool and
//! prompt from `mcp_server_operation_duration_seconds`; per component its sessions.

use std::collections::BTreeMap;
use std::sync::{Arc, PoisonError};

use crate::SessionMetrics;
use crate::events::EventFamilies;

/// An operation: the family prefix (`mcp_event_emit`, or an `OperationFamily`'s), component
/// and event type.
pub(super) type OperationKey = (Box<str>, Box<str>, Box<str>);

/// An MCP row: `mcp_method_name`, `gen_ai_tool_name`, `gen_ai_prompt_name` (empty when the
/// series has no such label), summed over protocol versions and transports.
pub(super) type McpKey = (Box<str>, Box<str>, Box<str>);

/// A row of the page with a history: an operation or an MCP row.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum RowKey {
    Operation(OperationKey),
    Mcp(McpKey),
}

/// One operation's cells at one moment.
#[derive(Debug, Clone, Default)]
pub(super) struct OperationReading {
    pub(super) success: u64,
    /// Failures by `error_type`, sorted by name.
    pub(super) failures: BTreeMap<Box<str>, u64>,
    /// Upper bounds of the duration buckets, without `+Inf`.
    pub(super) bounds: Arc<[f64]>,
    /// Non-cumulative bucket counts, one per bound plus the `+Inf` overflow last.
    pub(super) buckets: Vec<u64>,
}

impl OperationReading {
    pub(super) fn failure_total(&self) -> u64 {
        self.failures.values().sum()
    }
}

/// One component's session cells.
#[derive(Debug, Clone, Default)]
pub(super) struct SessionReading {
    pub(super) started: u64,
    pub(super) ended: BTreeMap<Box<str>, u64>,
    pub(super) active: Option<f64>,
    pub(super) quality_score: Option<f64>,
}

/// Everything the status page shows, read from the cells.
#[derive(Debug, Default)]
pub(super) struct Reading {
    pub(super) operations: BTreeMap<OperationKey, OperationReading>,
    /// Calls are the histogram's counts; failures the series with an `error_type`.
    pub(super) mcp: BTreeMap<McpKey, OperationReading>,
    pub(super) sessions: BTreeMap<Box<str>, SessionReading>,
}

/// Reads the cells of `metrics`: the seed's `mcp_event_emit_*` and every declared operation
/// family, the MCP layer's operation family if a layer created it, and the session families. Takes the families' read locks one at a time, as a
/// scrape does; nothing here runs on the recording path.
pub(super) fn read(metrics: &SessionMetrics) -> Reading {
    let mut reading = Reading::default();
    let Some(families) = metrics.families() else {
        return reading;
    };
    read_events(&families.events, &mut reading.operations);
    let declared = families
        .operations
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    for events in &declared {
        read_events(events, &mut reading.operations);
    }
    #[cfg(feature = "mcp")]
    read_mcp(metrics, &mut reading.mcp);
    let sessions = &mut reading.sessions;
    families.session_start.for_each(|labels, counter| {
        sessions.entry(labels[0].clone()).or_default().started += counter.get();
    });
    families.session_end.for_each(|labels, counter| {
        let entry = sessions.entry(labels[0].clone()).or_default();
        *entry.ended.entry(labels[1].clone()).or_default() += counter.get();
    });
    families.active_sessions.for_each(|labels, gauge| {
        sessions.entry(labels[0].clone()).or_default().active = Some(gauge.get());
    });
    families.quality_score.for_each(|labels, gauge| {
        sessions.entry(labels[0].clone()).or_default().quality_score = Some(gauge.get());
    });
    reading
}

fn read_events(events: &EventFamilies, operations: &mut BTreeMap<OperationKey, OperationReading>) {
    let name = events.duration.spec().name;
    let prefix: Box<str> = name
        .strip_suffix("_duration_seconds")
        .unwrap_or(name)
        .into();
    let key = |labels: &[Box<str>]| (prefix.clone(), labels[0].clone(), labels[1].clone());
    events.duration.for_each(|labels, histogram| {
        let entry = operations.entry(key(labels)).or_default();
        entry.bounds = histogram.bounds().clone();
        entry.buckets = histogram.counts();
    });
    events.success.for_each(|labels, counter| {
        operations.entry(key(labels)).or_default().success = counter.get();
    });
    events.failure.for_each(|labels, counter| {
        let entry = operations.entry(key(labels)).or_default();
        *entry.failures.entry(labels[2].clone()).or_default() += counter.get();
    });
}

/// Sums the series of `mcp_server_operation_duration_seconds` per method, tool and prompt:
/// a series without `error_type` holds successes, one with it failures of that type.
#[cfg(feature = "mcp")]
fn read_mcp(metrics: &SessionMetrics, rows: &mut BTreeMap<McpKey, OperationReading>) {
    crate::mcp::for_each_operation_series(metrics, |labels, histogram| {
        let key = (labels[0].clone(), labels[1].clone(), labels[2].clone());
        let entry = rows.entry(key).or_default();
        let counts = histogram.counts();
        let calls: u64 = counts.iter().sum();
        if entry.buckets.len() == counts.len() {
            for (sum, count) in entry.buckets.iter_mut().zip(&counts) {
                *sum += count;
            }
        } else {
            entry.bounds = histogram.bounds().clone();
            entry.buckets = counts;
        }
        let error_type = &labels[3];
        if error_type.is_empty() {
            entry.success += calls;
        } else {
            *entry.failures.entry(error_type.clone()).or_default() += calls;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_read_per_operation_and_component() {
        let metrics = SessionMetrics::new(prometheus::Registry::new()).unwrap();
        metrics.record_mcp_event_success("c", "e", 0.002);
        metrics.record_mcp_event_success("c", "e", 0.2);
        metrics.record_mcp_event_failure("c", "e", "Timeout", 20.0);
        metrics.record_session_start("c", "bash");
        metrics.record_session_start("c", "zsh");
        metrics.record_session_end("c", "success", 100.0);
        metrics.set_session_quality_score("c", 80.0);
        let reading = read(&metrics);
        let op = &reading.operations[&("mcp_event_emit".into(), "c".into(), "e".into())];
        assert_eq!(op.success, 2);
        assert_eq!(op.failure_total(), 1);
        assert_eq!(op.failures["Timeout"], 1);
        assert_eq!(op.buckets.len(), op.bounds.len() + 1);
        assert_eq!(op.buckets.iter().sum::<u64>(), 3);
        assert_eq!(*op.buckets.last().unwrap(), 1, "20 s is above every bound");
        let sessions = &reading.sessions["c"];
        assert_eq!(sessions.started, 2);
        assert_eq!(sessions.ended["success"], 1);
        assert_eq!(sessions.quality_score, Some(80.0));
    }
}

//! The MCP server layer's part of `get_metrics_summary`: requests per method and tool (or
//! prompt) from `mcp_server_operation_duration_seconds`, sessions from
//! `mcp_server_session_duration_seconds`.
//!
//! `#[schemars(description)]` repeats each type's first rustdoc line: schemars would otherwise
//! put the whole rustdoc, examples included, into the output schema.

use std::collections::BTreeMap;

use prometheus::proto::MetricFamily;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::duration::{DurationSummary, HistogramSum};
use super::gathered::label;

const OPERATION: &str = "mcp_server_operation_duration_seconds";
const SESSION: &str = "mcp_server_session_duration_seconds";

/// What the MCP server layer (`Metered`) recorded: requests and sessions. Empty when no
/// layer records into these metrics. Not narrowed by the summary's filters.
///
/// ```
/// let none = session_metrics::mcp::McpServerSummary::default();
/// assert!(none.requests.is_empty());
/// assert_eq!(none.sessions.count, 0);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(description = "What the MCP server layer (`Metered`) recorded: requests and sessions.")]
pub struct McpServerSummary {
    /// One entry per method and tool or prompt name, sorted.
    pub requests: Vec<McpRequestSummary>,
    /// Session durations from `mcp_server_session_duration_seconds`.
    pub sessions: DurationSummary,
}

/// Requests of one MCP method (and tool or prompt), over all protocol versions and
/// transports.
///
/// ```
/// let request = session_metrics::mcp::McpRequestSummary {
///     method: "tools/call".into(),
///     tool: Some("fast_ping".into()),
///     prompt: None,
///     call_count: 3,
///     failure_count: 1,
///     failures_by_error_type: [("cancelled".to_owned(), 1)].into(),
///     duration: Default::default(),
/// };
/// assert_eq!(serde_json::to_value(&request).unwrap()["failures_by_error_type"]["cancelled"], 1);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(description = "Requests of one MCP method (and tool or prompt).")]
pub struct McpRequestSummary {
    /// The `mcp_method_name` label, e.g. `tools/call`.
    pub method: String,
    /// The `gen_ai_tool_name` label (`tools/call`), `null` otherwise.
    pub tool: Option<String>,
    /// The `gen_ai_prompt_name` label (`prompts/get`), `null` otherwise.
    pub prompt: Option<String>,
    /// All requests, failed or not.
    pub call_count: u64,
    /// Requests with an `error_type`.
    pub failure_count: u64,
    /// Failed requests by `error_type`.
    pub failures_by_error_type: BTreeMap<String, u64>,
    /// Durations of all the requests.
    pub duration: DurationSummary,
}

type Key = (String, Option<String>, Option<String>);

pub(super) fn mcp_server_summary(gathered: &[MetricFamily]) -> McpServerSummary {
    let mut requests: BTreeMap<Key, (HistogramSum, BTreeMap<String, u64>)> = BTreeMap::new();
    let mut sessions = HistogramSum::default();
    for family in gathered {
        match family.name() {
            OPERATION => {
                for metric in family.get_metric() {
                    let owned = |name| label(metric, name).map(str::to_owned);
                    let key = (
                        owned("mcp_method_name").unwrap_or_default(),
                        owned("gen_ai_tool_name"),
                        owned("gen_ai_prompt_name"),
                    );
                    let (duration, failures) = requests.entry(key).or_default();
                    duration.add(metric);
                    if let Some(error_type) = owned("error_type") {
                        *failures.entry(error_type).or_default() +=
                            metric.get_histogram().get_sample_count();
                    }
                }
            }
            SESSION => family.get_metric().iter().for_each(|m| sessions.add(m)),
            _ => {}
        }
    }
    McpServerSummary {
        requests: requests
            .into_iter()
            .map(
                |((method, tool, prompt), (duration, failures))| McpRequestSummary {
                    method,
                    tool,
                    prompt,
                    call_count: duration.count,
                    failure_count: failures.values().sum(),
                    failures_by_error_type: failures,
                    duration: duration.summary(),
                },
            )
            .collect(),
        sessions: sessions.summary(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::server::MCP_DURATION_BUCKETS;
    use super::*;

    #[test]
    fn the_names_are_the_layer_families() {
        let metrics: &'static crate::SessionMetrics = Box::leak(Box::new(
            crate::SessionMetrics::new(prometheus::Registry::new()).unwrap(),
        ));
        crate::mcp::Metered::<()>::register(metrics).unwrap();
        let names: Vec<_> = crate::mcp::MetricsTools::new(metrics)
            .list_metrics(&Default::default())
            .families
            .into_iter()
            .map(|f| f.name)
            .collect();
        assert!(names.contains(&OPERATION.to_owned()), "{names:?}");
        assert!(names.contains(&SESSION.to_owned()), "{names:?}");
        assert_eq!(MCP_DURATION_BUCKETS.len(), 14);
    }
}

//! The document `/status.json` answers (described by `docs/status.schema.json`), computed from
//! a fresh reading of the cells and the history ring.

use std::collections::BTreeMap;

use serde::Serialize;

use super::reading::{McpKey, OperationReading, Reading, RowKey, SessionReading};
use super::ring::{Counts, OperationHistory, Rings, counts_in_order};
use super::{HISTORY_SAMPLES, WINDOWS_SECONDS};
use crate::histogram_quantile;

/// Version of the document's shape; raised when a field changes meaning or goes away.
pub(super) const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub(super) struct StatusDocument {
    pub(super) schema_version: u32,
    pub(super) process: Process,
    pub(super) windows_seconds: [u32; 3],
    pub(super) operations: Vec<Operation>,
    /// Per MCP method, and per tool (`tools/call`) or prompt (`prompts/get`).
    pub(super) mcp_operations: Vec<McpOperation>,
    pub(super) sessions: Vec<Session>,
}

#[derive(Debug, Serialize)]
pub(super) struct Process {
    /// The version of session-metrics serving the page.
    pub(super) version: &'static str,
    pub(super) pid: u32,
    /// Seconds since the status history began (when the metrics server started).
    pub(super) uptime_seconds: f64,
    /// `/metrics` requests answered by this server.
    pub(super) scrape_count: u64,
    pub(super) sample_interval_seconds: f64,
    pub(super) history_samples: usize,
}

#[derive(Debug, Serialize)]
pub(super) struct Operation {
    pub(super) family: String,
    pub(super) component: String,
    pub(super) event_type: String,
    pub(super) calls_total: u64,
    pub(super) failures_total: u64,
    /// One per entry of `windows_seconds`, in that order.
    pub(super) windows: Vec<Window>,
    pub(super) sparkline: Sparkline,
}

/// One row of `mcp_server_operation_duration_seconds`, over protocol versions and transports.
#[derive(Debug, Serialize)]
pub(super) struct McpOperation {
    pub(super) method: String,
    /// `gen_ai_tool_name`; `None` when the series have none.
    pub(super) tool: Option<String>,
    /// `gen_ai_prompt_name`; `None` when the series have none.
    pub(super) prompt: Option<String>,
    pub(super) calls_total: u64,
    pub(super) failures_total: u64,
    pub(super) windows: Vec<Window>,
    pub(super) sparkline: Sparkline,
}

/// The figures every row has.
struct Figures {
    calls_total: u64,
    failures_total: u64,
    windows: Vec<Window>,
    sparkline: Sparkline,
}

#[derive(Debug, Serialize, PartialEq)]
pub(super) struct Window {
    pub(super) seconds: u32,
    /// The time the figures cover: the window, or less when the history is younger.
    pub(super) covered_seconds: f64,
    pub(super) calls: u64,
    pub(super) failures: u64,
    pub(super) calls_per_second: Option<f64>,
    pub(super) error_ratio: Option<f64>,
    pub(super) p50_seconds: Option<f64>,
    pub(super) p95_seconds: Option<f64>,
    pub(super) p99_seconds: Option<f64>,
    /// Non-zero failure counts in the window by `error_type`.
    pub(super) failures_by_error_type: BTreeMap<String, u64>,
}

/// Calls and p95 per sample interval over the history, oldest first; the last point runs
/// from the newest sample to now.
#[derive(Debug, Serialize, Default)]
pub(super) struct Sparkline {
    pub(super) calls: Vec<u64>,
    pub(super) p95_seconds: Vec<Option<f64>>,
}

#[derive(Debug, Serialize)]
pub(super) struct Session {
    pub(super) component: String,
    pub(super) active: Option<f64>,
    pub(super) started: u64,
    pub(super) ended: BTreeMap<String, u64>,
    pub(super) quality_score: Option<f64>,
}

/// What the document says about the process besides the cells; `now` is in seconds since
/// the history began.
pub(super) struct ProcessFacts {
    pub(super) now: f64,
    pub(super) scrapes: u64,
    pub(super) interval: f64,
}

/// The document at `facts.now`.
pub(super) fn document(reading: &Reading, rings: &Rings, facts: &ProcessFacts) -> StatusDocument {
    let now = facts.now;
    let operations = reading
        .operations
        .iter()
        .map(|(key, op)| {
            let history = rings.rows.get(&RowKey::Operation(key.clone()));
            operation(key, figures(op, history, now))
        })
        .collect();
    let mcp_operations = reading
        .mcp
        .iter()
        .map(|(key, row)| {
            let history = rings.rows.get(&RowKey::Mcp(key.clone()));
            mcp_operation(key, figures(row, history, now))
        })
        .collect();
    let sessions = reading
        .sessions
        .iter()
        .map(|(component, s)| session(component, s))
        .collect();
    StatusDocument {
        schema_version: SCHEMA_VERSION,
        process: Process {
            version: env!("CARGO_PKG_VERSION"),
            pid: std::process::id(),
            uptime_seconds: now,
            scrape_count: facts.scrapes,
            sample_interval_seconds: facts.interval,
            history_samples: HISTORY_SAMPLES,
        },
        windows_seconds: WINDOWS_SECONDS,
        operations,
        mcp_operations,
        sessions,
    }
}

fn operation(
    (family, component, event_type): &(Box<str>, Box<str>, Box<str>),
    f: Figures,
) -> Operation {
    Operation {
        family: family.to_string(),
        component: component.to_string(),
        event_type: event_type.to_string(),
        calls_total: f.calls_total,
        failures_total: f.failures_total,
        windows: f.windows,
        sparkline: f.sparkline,
    }
}

fn mcp_operation((method, tool, prompt): &McpKey, f: Figures) -> McpOperation {
    let present = |label: &str| (!label.is_empty()).then(|| label.to_owned());
    McpOperation {
        method: method.to_string(),
        tool: present(tool),
        prompt: present(prompt),
        calls_total: f.calls_total,
        failures_total: f.failures_total,
        windows: f.windows,
        sparkline: f.sparkline,
    }
}

fn figures(reading: &OperationReading, history: Option<&OperationHistory>, now: f64) -> Figures {
    // The history's error types first, then any it has not sampled yet.
    let mut error_types: Vec<Box<str>> = history.map(|h| h.error_types.clone()).unwrap_or_default();
    for name in reading.failures.keys() {
        if !error_types.contains(name) {
            error_types.push(name.clone());
        }
    }
    let current = counts_in_order(&error_types, reading);
    let buckets = reading.buckets.len();
    let windows = WINDOWS_SECONDS
        .iter()
        .map(|&seconds| {
            let start = now - f64::from(seconds);
            let baseline = history.and_then(|h| {
                h.at_or_before(start)
                    .map(|sample| (sample.at, h.counts(sample, buckets)))
            });
            // Without a sample that old, the window counts from zero: everything recorded
            // before the history began is attributed to it.
            let (from, base) = baseline.unwrap_or((start.max(0.0), Counts::default()));
            window(
                seconds,
                now - from,
                &current.since(&base),
                &reading.bounds,
                &error_types,
            )
        })
        .collect();
    Figures {
        calls_total: current.calls(),
        failures_total: reading.failure_total(),
        windows,
        sparkline: history.map_or_else(Sparkline::default, |h| {
            sparkline(h, &current, &reading.bounds)
        }),
    }
}

fn window(
    seconds: u32,
    covered: f64,
    delta: &Counts,
    bounds: &[f64],
    error_types: &[Box<str>],
) -> Window {
    let calls = delta.calls();
    let failures = calls - delta.success;
    let quantile = |q| quantile(q, bounds, &delta.buckets);
    Window {
        seconds,
        covered_seconds: covered,
        calls,
        failures,
        calls_per_second: (covered > 0.0).then(|| calls as f64 / covered),
        error_ratio: (calls > 0).then(|| failures as f64 / calls as f64),
        p50_seconds: quantile(0.5),
        p95_seconds: quantile(0.95),
        p99_seconds: quantile(0.99),
        failures_by_error_type: error_types
            .iter()
            .zip(&delta.failures)
            .filter(|&(_, &count)| count > 0)
            .map(|(name, &count)| (name.to_string(), count))
            .collect(),
    }
}

fn sparkline(history: &OperationHistory, current: &Counts, bounds: &[f64]) -> Sparkline {
    let buckets = current.buckets.len();
    let mut points: Vec<Counts> = history
        .samples()
        .map(|sample| history.counts(sample, buckets))
        .collect();
    points.push(current.clone());
    let mut line = Sparkline::default();
    for pair in points.windows(2) {
        let delta = pair[1].since(&pair[0]);
        line.calls.push(delta.calls());
        line.p95_seconds
            .push(quantile(0.95, bounds, &delta.buckets));
    }
    line
}

/// The `q`-quantile of non-cumulative `buckets` (`+Inf` last) with upper `bounds`, as PromQL
/// computes it; `None` without observations.
fn quantile(q: f64, bounds: &[f64], buckets: &[u64]) -> Option<f64> {
    let mut cumulative = 0;
    let mut pairs: Vec<(f64, f64)> = bounds
        .iter()
        .zip(buckets)
        .map(|(&bound, &count)| {
            cumulative += count;
            (bound, cumulative as f64)
        })
        .collect();
    pairs.push((f64::INFINITY, buckets.iter().sum::<u64>() as f64));
    let value = histogram_quantile(q, &pairs);
    value.is_finite().then_some(value)
}

fn session(component: &str, s: &SessionReading) -> Session {
    Session {
        component: component.to_owned(),
        active: s.active,
        started: s.started,
        ended: s.ended.iter().map(|(k, &v)| (k.to_string(), v)).collect(),
        quality_score: s.quality_score.filter(|v| v.is_finite()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SessionMetrics;
    use crate::http::status::reading::read;

    fn metrics() -> SessionMetrics {
        SessionMetrics::new(prometheus::Registry::new()).unwrap()
    }

    fn facts(now: f64, scrapes: u64) -> ProcessFacts {
        ProcessFacts {
            now,
            scrapes,
            interval: 5.0,
        }
    }

    fn only(document: &StatusDocument) -> &Operation {
        assert_eq!(document.operations.len(), 1);
        &document.operations[0]
    }

    #[test]
    fn windows_count_from_the_sample_before_them() {
        let m = metrics();
        let mut rings = Rings::default();
        // t=0: 10 calls before the history began; then 5 more per 5 s sample up to t=600.
        for _ in 0..10 {
            m.record_mcp_event_success("c", "e", 0.002);
        }
        let mut t = 0.0;
        while t <= 600.0 {
            rings.push(t, &read(&m));
            for _ in 0..5 {
                m.record_mcp_event_success("c", "e", 0.2);
            }
            t += 5.0;
        }
        // Now t=605: 10 + 121 × 5 calls in all, the last 5 after the newest sample (t=600).
        let doc = document(&read(&m), &rings, &facts(605.0, 3));
        let op = only(&doc);
        assert_eq!(op.calls_total, 10 + 121 * 5);
        let [one, five, fifteen] = [&op.windows[0], &op.windows[1], &op.windows[2]];
        // 1 min: baseline is the sample at 545, 12 samples' worth of calls since.
        assert_eq!(
            (one.seconds, one.covered_seconds, one.calls),
            (60, 60.0, 60)
        );
        assert_eq!(one.calls_per_second, Some(1.0));
        assert_eq!(one.error_ratio, Some(0.0));
        assert_eq!((five.covered_seconds, five.calls), (300.0, 300));
        // 15 min reaches before the history: counts from zero, covers the 605 s there are.
        assert_eq!((fifteen.covered_seconds, fifteen.calls), (605.0, 615));
        // Every call of the last minute took 0.2 s: bucket (0.1, 0.25].
        let p95 = one.p95_seconds.unwrap();
        assert!(p95 > 0.1 && p95 <= 0.25, "{p95}");
        assert_eq!(doc.process.scrape_count, 3);
        assert_eq!(doc.process.uptime_seconds, 605.0);
        // 121 samples: 120 intervals between them, and the newest to now.
        assert_eq!(op.sparkline.calls.len(), 121);
        assert!(op.sparkline.calls.iter().all(|&c| c == 5));
        assert_eq!(op.sparkline.p95_seconds.len(), 121);
    }

    #[test]
    fn failures_by_error_type_include_types_not_sampled_yet() {
        let m = metrics();
        let mut rings = Rings::default();
        m.record_mcp_event_failure("c", "e", "Timeout", 0.01);
        rings.push(0.0, &read(&m));
        m.record_mcp_event_failure("c", "e", "Refused", 0.01);
        m.record_mcp_event_failure("c", "e", "Refused", 0.01);
        m.record_mcp_event_success("c", "e", 0.01);
        let doc = document(&read(&m), &rings, &facts(1.0, 0));
        let op = only(&doc);
        assert_eq!((op.calls_total, op.failures_total), (4, 3));
        // Everything since t=0 (the window reaches before the history: from zero).
        let one = &op.windows[0];
        assert_eq!(one.calls, 4);
        assert_eq!(one.error_ratio, Some(0.75));
        assert_eq!(
            one.failures_by_error_type,
            BTreeMap::from([("Refused".to_owned(), 2), ("Timeout".to_owned(), 1)])
        );
        assert_eq!(op.sparkline.calls, [3]);
    }

    #[test]
    fn no_calls_give_null_figures_and_sessions_are_listed() {
        let m = metrics();
        m.record_session_start("s", "bash");
        m.increment_active_sessions("s");
        let doc = document(&read(&m), &Rings::default(), &facts(0.0, 0));
        assert!(doc.operations.is_empty());
        assert_eq!(doc.sessions.len(), 1);
        assert_eq!(doc.sessions[0].started, 1);
        assert_eq!(doc.sessions[0].active, Some(1.0));
        assert_eq!(quantile(0.95, &[1.0], &[0, 0]), None);
        let empty = window(60, 0.0, &Counts::default(), &[1.0], &[]);
        assert_eq!(
            (empty.calls_per_second, empty.error_ratio, empty.p95_seconds),
            (None, None, None)
        );
    }
}

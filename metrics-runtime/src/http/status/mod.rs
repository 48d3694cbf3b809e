//! The live status page: `GET /` (HTML, with `/status.js` and `/status.css`) and
//! `GET /status.json` on the metrics server, from the in-process registry alone.
//!
//! The server samples our own cells every [`SAMPLE_INTERVAL`] (5 s; see
//! [`ServerOptions::status_sample_interval`](super::ServerOptions::status_sample_interval)) in
//! a background task,
//! as a scrape would; nothing is added to the recording path. Each operation keeps its last
//! [`HISTORY_SAMPLES`] (180, i.e. 15 minutes) samples in a ring; `/status.json` reads the
//! cells afresh and computes, per operation and for the last 1, 5 and 15 minutes, calls,
//! calls per second, error ratio, p50/p95/p99 (from the buckets, as PromQL's
//! `histogram_quantile` does) and failures by `error_type`, plus a sparkline of calls and p95
//! per sample interval. A window reaching back before the history began counts from zero.
//! With the `mcp` feature, the same figures are given per MCP method, and per tool
//! (`tools/call`) or prompt (`prompts/get`), from the server layer's
//! `mcp_server_operation_duration_seconds` summed over protocol versions and transports
//! (`mcp_operations`; a failure is a series with an `error_type`), in the same ring.
//! The document's shape is `docs/status.schema.json` in the repository.
//!
//! # Bounds
//!
//! - per operation: 180 samples of `24 + 8 × (2 + buckets + error types)` bytes, 25,920 bytes (25.3 KiB)
//!   with the 12 default buckets and one error type (see `BENCHMARKS.md`);
//! - at most [`MAX_TRACKED_OPERATIONS`] rows (operations and MCP rows together) get a
//!   history; further ones are shown with windows counted from zero and no sparkline. MCP rows
//!   are taken first: the layer bounds them itself (its method list, at most
//!   `mcp::MAX_NAMES` (256) tools and as many prompts, plus `_OTHER`), and each
//!   costs what an operation does with the layer's 14 buckets;
//! - the page and its script are embedded in the binary and fetch nothing from elsewhere.
//!
//! Every response carries a strict `Content-Security-Policy` (scripts, styles and requests
//! from the same origin only, no inline script, no framing) and
//! `X-Content-Type-Options: nosniff`; the page writes label values as text only.
//!
//! Turn the page off with the setting `prometheus_metrics_status_page: false` (or
//! [`ServerOptions::status_page`](super::ServerOptions::status_page)); `/` is then `404`.
//!
//! Mount it on your own router with [`status_response`]:
//!
//! ```
//! use session_metrics::http::{StatusHistory, status_response};
//!
//! let history = StatusHistory::new();
//! let metrics = session_metrics::get_metrics();
//! metrics.record_mcp_event_success("store", "get", 0.004);
//! history.sample(metrics); // call every few seconds, e.g. from a tokio interval
//! let response = status_response(&history, metrics, &http::Method::GET, "/status.json").unwrap();
//! assert_eq!(response.status(), 200);
//! assert!(status_response(&history, metrics, &http::Method::GET, "/other").is_none());
//! ```

mod model;
mod reading;
mod response;
mod ring;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::SessionMetrics;

pub use response::{STATUS_PATHS, status_response};

/// How often the server samples the cells for the history, unless
/// [`ServerOptions::status_sample_interval`](super::ServerOptions::status_sample_interval)
/// says otherwise.
pub const SAMPLE_INTERVAL: Duration = Duration::from_secs(5);

/// Samples kept per operation: 15 minutes at the default [`SAMPLE_INTERVAL`].
pub const HISTORY_SAMPLES: usize = 180;

/// Most rows that get a history: operations (component, event type, family) and MCP rows
/// (method, tool, prompt) together.
pub const MAX_TRACKED_OPERATIONS: usize = 1_000;

/// The windows of `/status.json`, in seconds.
const WINDOWS_SECONDS: [u32; 3] = [60, 300, 900];

/// The history behind the status page, and the count of scrapes it shows.
///
/// The built-in server keeps one and samples it every [`SAMPLE_INTERVAL`]; build one
/// yourself to serve the page from your own router with [`status_response`].
#[derive(Debug)]
pub struct StatusHistory {
    epoch: Instant,
    interval: Duration,
    rings: Mutex<ring::Rings>,
    scrapes: AtomicU64,
}

impl Default for StatusHistory {
    fn default() -> Self {
        Self::new()
    }
}

impl StatusHistory {
    /// An empty history beginning now, sampled every [`SAMPLE_INTERVAL`].
    pub fn new() -> Self {
        Self::with_sample_interval(SAMPLE_INTERVAL)
    }

    /// An empty history beginning now, to be sampled every `interval` (what the document
    /// reports; [`sample`](Self::sample) is called by whoever runs the timer).
    pub fn with_sample_interval(interval: Duration) -> Self {
        Self {
            epoch: Instant::now(),
            interval,
            rings: Mutex::new(ring::Rings::default()),
            scrapes: AtomicU64::new(0),
        }
    }

    /// Adds one sample of every operation of `metrics` to the ring.
    pub fn sample(&self, metrics: &SessionMetrics) {
        self.sample_at(metrics, self.epoch.elapsed().as_secs_f64());
    }

    /// Counts one answered scrape, shown as `process.scrape_count`.
    pub fn count_scrape(&self) {
        self.scrapes.fetch_add(1, Ordering::Relaxed);
    }

    /// The `/status.json` document for `metrics` now.
    pub fn to_json(&self, metrics: &SessionMetrics) -> String {
        self.json_at(metrics, self.epoch.elapsed().as_secs_f64())
    }

    fn sample_at(&self, metrics: &SessionMetrics, at: f64) {
        let reading = reading::read(metrics);
        self.rings
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(at, &reading);
    }

    fn json_at(&self, metrics: &SessionMetrics, now: f64) -> String {
        let reading = reading::read(metrics);
        let rings = self.rings.lock().unwrap_or_else(PoisonError::into_inner);
        let facts = model::ProcessFacts {
            now,
            scrapes: self.scrapes.load(Ordering::Relaxed),
            interval: self.interval.as_secs_f64(),
        };
        let document = model::document(&reading, &rings, &facts);
        drop(rings);
        // Only strings, integers, finite floats and maps with string keys: cannot fail.
        serde_json::to_string(&document).unwrap_or_default()
    }
}

/// Samples `history` at its interval, the first time at once, until dropped.
pub(super) async fn sample_periodically(
    history: Arc<StatusHistory>,
    metrics: &'static SessionMetrics,
) {
    let mut ticks = tokio::time::interval(history.interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        history.sample(metrics);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_is_built_from_samples_and_a_fresh_reading() {
        let metrics = SessionMetrics::new(prometheus::Registry::new()).unwrap();
        let history = StatusHistory::new();
        metrics.record_mcp_event_success("c", "e", 0.01);
        history.sample_at(&metrics, 0.0);
        metrics.record_mcp_event_failure("c", "e", "Timeout", 0.01);
        history.count_scrape();
        let json: serde_json::Value =
            serde_json::from_str(&history.json_at(&metrics, 70.0)).unwrap();
        assert_eq!(json["process"]["scrape_count"], 1);
        let op = &json["operations"][0];
        assert_eq!(op["calls_total"], 2);
        // The 1-minute window starts at t=10, after the only sample (t=0): counted from it.
        assert_eq!(op["windows"][0]["calls"], 1);
        assert_eq!(op["windows"][0]["error_ratio"], 1.0);
        assert_eq!(op["windows"][0]["failures_by_error_type"]["Timeout"], 1);
    }
}

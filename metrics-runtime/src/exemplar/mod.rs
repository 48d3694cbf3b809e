//! Exemplars: the trace of one call that landed in a histogram bucket or a failure counter,
//! exported in OpenMetrics after that bucket's sample (`# {trace_id="…",span_id="…"} 0.0123
//! 1733040000.123`), so a slow bucket links to a trace that made it slow.
//!
//! Each histogram bucket of a tracked call site (and of `mcp_event_emit_duration_seconds`
//! recorded through `record_mcp_event_*`, and of the MCP layer's
//! `mcp_server_operation_duration_seconds`) and each failure counter keeps the **latest**
//! exemplar: the trace context of the last call that landed there, its value (the call's
//! seconds; 1 for a counter) and its time. Nothing else is kept: one fixed-size slot per
//! bucket and per counter, allocated with the first exemplar of that series.
//!
//! A recording takes its trace context, in this order, from
//! 1. the scoped context current on the thread ([`TraceContext::in_scope`],
//!    [`TraceContext::scope`]), which the MCP layer sets from a request's
//!    `params._meta.traceparent` (SEP-414);
//! 2. the source set with [`set_source`];
//! 3. with feature `opentelemetry` and no source set: the current OpenTelemetry span
//!    ([`opentelemetry_context`]).
//!
//! Only sampled traces give exemplars. Until a source is set or a scoped context entered
//! (and without feature `opentelemetry`), a recording costs one relaxed load more than
//! without exemplars.
//!
//! ```
//! use session_metrics::exemplar::TraceContext;
//! use session_metrics::{SessionMetrics, prometheus::Registry};
//!
//! let metrics = SessionMetrics::new(Registry::new())?;
//! let trace = TraceContext::from_traceparent(
//!     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
//! ).unwrap();
//! // Recorded inside the trace: the bucket of 4 ms keeps this trace as its exemplar.
//! trace.in_scope(|| metrics.record_mcp_event_success("store", "get", 0.004));
//! # Ok::<(), session_metrics::Error>(())
//! ```

mod cell;
#[cfg(feature = "opentelemetry")]
mod otel;
mod scope;
mod source;
mod traceparent;

pub(crate) use cell::ExemplarCell;
#[cfg(feature = "opentelemetry")]
pub use otel::opentelemetry_context;
pub use scope::Scoped;
pub(crate) use source::enabled;
pub use source::{Source, SourceAlreadySet, current, set_source};

use crate::series::{Counter, Histogram};

/// The W3C trace context of a call: a 16-byte trace id and an 8-byte span id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TraceContext {
    /// The trace id (never all zero in a valid context).
    pub trace_id: [u8; 16],
    /// The span id (never all zero in a valid context).
    pub span_id: [u8; 8],
}

/// One exemplar: the trace context of a call, the value it recorded and when.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exemplar {
    /// The call's trace.
    pub context: TraceContext,
    /// The observed value (seconds for a duration; 1 for a counter increment).
    pub value: f64,
    /// When it was recorded, in seconds since the Unix epoch.
    pub timestamp: f64,
}

/// An exemplar of `value` for the current trace context, stamped now; `None` without one.
/// (Called from cold paths only, so inlined into them.)
#[inline]
pub(crate) fn capture(value: f64) -> Option<Exemplar> {
    stamp(current()?, value)
}

/// An exemplar of `value` for `context`, stamped now (`None` for an all-zero, i.e. invalid,
/// trace or span id, which a source or scope may hand over, or if the system clock is before
/// 1970).
fn stamp(context: TraceContext, value: f64) -> Option<Exemplar> {
    if context.trace_id == [0; 16] || context.span_id == [0; 8] {
        return None;
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    Some(Exemplar {
        context,
        value,
        timestamp: now.as_secs_f64(),
    })
}

/// The bucket of `histogram` that `value` is counted in (the overflow bucket last).
fn bucket(histogram: &Histogram, value: f64) -> usize {
    histogram.bounds().partition_point(|&bound| bound < value)
}

/// Keeps `exemplar` in the bucket of `histogram` its value falls in.
pub(crate) fn keep_in(histogram: &Histogram, exemplar: &Exemplar) {
    if !exemplar.value.is_nan() {
        histogram.store_exemplar(bucket(histogram, exemplar.value), exemplar);
    }
}

/// Observes `value` in `histogram`, keeping an exemplar if a trace context is current.
#[inline]
pub(crate) fn observe(histogram: &Histogram, value: f64) {
    histogram.observe(value);
    if enabled() {
        observe_cold(histogram, value);
    }
}

#[cold]
#[inline(never)]
fn observe_cold(histogram: &Histogram, value: f64) {
    if let Some(exemplar) = capture(value) {
        keep_in(histogram, &exemplar);
    }
}

/// Observes `value` in `histogram` with `context` (else the current one) as its exemplar.
#[cfg_attr(not(feature = "mcp"), allow(dead_code))] // used by the MCP layer only
pub(crate) fn observe_in(histogram: &Histogram, value: f64, context: Option<TraceContext>) {
    histogram.observe(value);
    let context = match context {
        Some(context) => Some(context),
        None if enabled() => current(),
        None => None,
    };
    if let Some(exemplar) = context.and_then(|context| stamp(context, value)) {
        keep_in(histogram, &exemplar);
    }
}

/// Increments `counter`, keeping an exemplar (value 1) if a trace context is current.
#[inline]
pub(crate) fn inc(counter: &Counter) {
    counter.inc();
    if enabled() {
        inc_cold(counter);
    }
}

#[cold]
#[inline(never)]
fn inc_cold(counter: &Counter) {
    if let Some(exemplar) = capture(1.0) {
        counter.store_exemplar(&exemplar);
    }
}

#[cfg(test)]
mod tests;

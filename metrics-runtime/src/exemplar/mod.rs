//! Exemplars: the trace of one call that landed in a histogram bucket or a failure counter,
//! exported in OpenMetrics after that bucket's sample (`# {trace_id="…",span_id="…"} 0.0123
//! 1733040000.123`), so a slow bucket links to a trace that made it slow.

// Stored by call sites and written by the OpenMetrics encoder (both being built, issue 10).
#[allow(dead_code)]
mod cell;

#[allow(unused_imports)]
pub(crate) use cell::ExemplarCell;

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

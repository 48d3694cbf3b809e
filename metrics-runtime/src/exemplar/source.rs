//! Where exemplars get their trace context: a scoped context if one is current, else the
//! process-wide source set with [`set_source`].

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use super::TraceContext;
use super::scope;

/// A source of trace contexts: returns the context of the calling code's current trace, if it
/// is sampled, or `None`.
///
/// It runs on the recording path of every tracked call once a source is set, so it must be
/// cheap, must not block and must not panic; it must not record metrics itself.
///
/// ```
/// use session_metrics::exemplar::{Source, TraceContext};
///
/// thread_local! {
///     static REQUEST_TRACE: std::cell::Cell<Option<TraceContext>> = const { std::cell::Cell::new(None) };
/// }
/// let source: Source = || REQUEST_TRACE.with(|t| t.get());
/// assert_eq!(source(), None);
/// ```
pub type Source = fn() -> Option<TraceContext>;

/// The source set with [`set_source`].
static SOURCE: OnceLock<Source> = OnceLock::new();

/// Whether recordings look for a trace context at all: false until a source is set or a
/// scoped context is entered (true from the start with feature `opentelemetry`, whose source
/// is the default). One relaxed load of this flag is all exemplars cost when they are off.
static ENABLED: AtomicBool = AtomicBool::new(cfg!(feature = "opentelemetry"));

/// [`set_source`] was called before with another function.
///
/// ```
/// use session_metrics::exemplar::{SourceAlreadySet, TraceContext, set_source};
///
/// fn first() -> Option<TraceContext> { None }
/// fn second() -> Option<TraceContext> { None }
/// set_source(first).unwrap();
/// let error = set_source(second).unwrap_err();
/// assert_eq!(error, SourceAlreadySet);
/// assert!(error.to_string().contains("already set"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceAlreadySet;

impl std::fmt::Display for SourceAlreadySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(
            "session_metrics::exemplar::set_source: a different exemplar source is already set \
             (the source can be set once per process)",
        )
    }
}

impl std::error::Error for SourceAlreadySet {}

/// Sets the process-wide source of exemplar trace contexts: from now on every tracked call,
/// every `record_mcp_event_*` call and every request of the MCP layer asks `source` for the
/// current trace context (unless a scoped context is current, see
/// [`TraceContext::in_scope`]) and, when it gets one, keeps it as the exemplar of the bucket
/// its duration falls in (and of its failure counter).
///
/// The source is set once per process: calling again with the same function is a no-op
/// (`Ok`); with another function it is an error and the first source stays. With feature
/// `opentelemetry` the default source, used until this is called, is
/// [`opentelemetry_context`](super::opentelemetry_context); a source set here replaces it.
///
/// The source runs inside every recording, so it must be cheap and must not panic: a panic in
/// it propagates from the instrumented call as a panic of the function would (catching it
/// would cost every call about 8 ns, more than the rest of asking a source that has no trace).
///
/// # Errors
/// [`SourceAlreadySet`] if another source was set before.
///
/// ```
/// use session_metrics::exemplar::{self, TraceContext};
///
/// // A source reading the application's own notion of the current request.
/// fn current_request_trace() -> Option<TraceContext> {
///     TraceContext::from_traceparent("00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01")
/// }
///
/// exemplar::set_source(current_request_trace)?;
/// exemplar::set_source(current_request_trace)?; // the same source again: fine
/// fn another() -> Option<TraceContext> { None }
/// assert!(exemplar::set_source(another).is_err());
/// assert_eq!(exemplar::current().unwrap().span_id, [0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7]);
/// # Ok::<(), exemplar::SourceAlreadySet>(())
/// ```
pub fn set_source(source: Source) -> Result<(), SourceAlreadySet> {
    let set = SOURCE.get_or_init(|| source);
    enable();
    if std::ptr::fn_addr_eq(*set, source) {
        Ok(())
    } else {
        Err(SourceAlreadySet)
    }
}

/// The trace context a recording made here and now would keep: the scoped context if one is
/// current on this thread, else the source's (see [`set_source`]); `None` if there is none.
///
/// ```
/// use session_metrics::exemplar::{self, TraceContext};
///
/// let context = TraceContext::from_traceparent(
///     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
/// ).unwrap();
/// assert_eq!(context.in_scope(exemplar::current), Some(context));
/// ```
#[inline]
pub fn current() -> Option<TraceContext> {
    scope::current().or_else(from_source)
}

/// Whether recordings look for a trace context (one relaxed load).
#[inline(always)]
pub(crate) fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Turns the look-up on (a scoped context was entered or a source was set).
#[inline]
pub(crate) fn enable() {
    if !enabled() {
        ENABLED.store(true, Ordering::Relaxed);
    }
}

#[inline]
fn from_source() -> Option<TraceContext> {
    match SOURCE.get() {
        Some(&source) => source(),
        None => default_source(),
    }
}

#[cfg(feature = "opentelemetry")]
#[inline]
fn default_source() -> Option<TraceContext> {
    super::opentelemetry_context()
}

#[cfg(not(feature = "opentelemetry"))]
#[inline]
fn default_source() -> Option<TraceContext> {
    None
}

//! The current OpenTelemetry context as an exemplar source (feature `opentelemetry`).

use std::cell::Cell;

use opentelemetry::Context;
use opentelemetry::trace::TraceContextExt;

use super::TraceContext;

/// The trace context of the current OpenTelemetry span, if it is valid and **sampled**;
/// `None` otherwise (no span, a non-recording span, an unsampled trace).
///
/// This is the default exemplar source with feature `opentelemetry` (see
/// [`set_source`](super::set_source)). It reads `opentelemetry::Context::map_current`, a
/// thread-local borrow: no clone of the context, no allocation. It sees spans made current
/// with the `opentelemetry` API (`Context::attach`, `Tracer::in_span`, `FutureExt::with_context`)
/// and `tracing` spans entered under a `tracing-opentelemetry` layer, which makes each span's
/// OpenTelemetry context current on enter by default (its default `with_context_activation(true)`
/// in tracing-opentelemetry 0.34).
///
/// The context is `opentelemetry` 0.33's (the version this feature depends on, the one of
/// tracing-opentelemetry 0.34): an application on another major `opentelemetry` version has a
/// context of its own, which this does not see; it can read it in a [`Source`](super::Source)
/// of its own given to [`set_source`](super::set_source).
///
/// ```
/// use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
/// use session_metrics::exemplar;
///
/// let span = SpanContext::new(
///     TraceId::from_bytes([7; 16]),
///     SpanId::from_bytes([8; 8]),
///     TraceFlags::SAMPLED,
///     false,
///     TraceState::default(),
/// );
/// let _guard = opentelemetry::Context::current().with_remote_span_context(span).attach();
/// let context = exemplar::opentelemetry_context().unwrap();
/// assert_eq!((context.trace_id, context.span_id), ([7; 16], [8; 8]));
/// ```
#[inline]
pub fn opentelemetry_context() -> Option<TraceContext> {
    // `map_current` panics once OpenTelemetry's thread-local is destroyed (a call made from
    // another thread-local's destructor). Catching that on every call would cost ~8 ns; the
    // sentinel check below costs about one.
    if !readable() {
        return None;
    }
    Context::map_current(|cx| {
        let span = cx.span();
        let context = span.span_context();
        (context.is_sampled() && context.is_valid()).then(|| TraceContext {
            trace_id: context.trace_id().to_bytes(),
            span_id: context.span_id().to_bytes(),
        })
    })
}

/// Whether OpenTelemetry's context can be read on this thread.
///
/// On a thread's first call OpenTelemetry's thread-local is read (created if need be), then
/// our [`Sentinel`] is created: thread-local destructors run in the reverse order of creation,
/// so the sentinel is gone (`try_with` fails) before OpenTelemetry's context is, and a call
/// from a later destructor keeps no exemplar instead of panicking. If OpenTelemetry's was
/// already gone at that first read, the caught panic marks the thread unreadable. The catch
/// runs once per thread.
#[inline]
fn readable() -> bool {
    match READABLE.with(Cell::get) {
        Some(readable) => readable && SENTINEL.try_with(|_| ()).is_ok(),
        None => first_read(),
    }
}

#[cold]
fn first_read() -> bool {
    let readable = std::panic::catch_unwind(|| Context::map_current(|_| ())).is_ok();
    READABLE.with(|cell| cell.set(Some(readable)));
    readable && SENTINEL.try_with(|_| ()).is_ok()
}

/// Dropped with the thread's locals; only its being gone matters.
struct Sentinel;

impl Drop for Sentinel {
    fn drop(&mut self) {}
}

thread_local! {
    static SENTINEL: Sentinel = const { Sentinel };
    /// `None` before the thread's first read.
    static READABLE: Cell<Option<bool>> = const { Cell::new(None) };
}

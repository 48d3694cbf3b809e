//! The current OpenTelemetry context as an exemplar source (feature `opentelemetry`).

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
    // `map_current` panics when its thread-local is already destroyed (a call made from
    // another thread-local's destructor) or mutably borrowed; recording must never panic, so
    // such a call simply keeps no exemplar. On the normal path the guard costs nothing.
    std::panic::catch_unwind(|| {
        Context::map_current(|cx| {
            let span = cx.span();
            let context = span.span_context();
            (context.is_sampled() && context.is_valid()).then(|| TraceContext {
                trace_id: context.trace_id().to_bytes(),
                span_id: context.span_id().to_bytes(),
            })
        })
    })
    .ok()
    .flatten()
}

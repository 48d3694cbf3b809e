//! A scoped trace context: the context current on this thread while a closure runs or while
//! a future is polled, without any tracing library.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use super::TraceContext;

thread_local! {
    /// The scoped context of this thread (a `const` initialiser: no lazy init, no destructor).
    static SCOPED: Cell<Option<TraceContext>> = const { Cell::new(None) };
}

/// The scoped context of this thread, if any (none while the thread is being torn down).
#[inline]
pub(crate) fn current() -> Option<TraceContext> {
    SCOPED.try_with(Cell::get).ok().flatten()
}

/// Puts the previous context back when dropped, also when the closure or poll panics.
struct Restore(Option<TraceContext>);

impl Restore {
    fn enter(context: TraceContext) -> Self {
        super::source::enable();
        Self(SCOPED.try_with(|c| c.replace(Some(context))).ok().flatten())
    }
}

impl Drop for Restore {
    fn drop(&mut self) {
        let _ = SCOPED.try_with(|c| c.set(self.0));
    }
}

impl TraceContext {
    /// Runs `f` with this context current on this thread: the calls it records (tracked
    /// functions, `record_mcp_event_*`) keep this context as their exemplar. Nests; the
    /// previous context is current again afterwards, also if `f` panics. A scoped context
    /// takes precedence over the source set with [`set_source`](super::set_source).
    ///
    /// ```
    /// use session_metrics::exemplar::{self, TraceContext};
    ///
    /// let context = TraceContext::from_traceparent(
    ///     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    /// ).unwrap();
    /// let seen = context.in_scope(|| {
    ///     // e.g. call #[track_operation] functions here
    ///     exemplar::current()
    /// });
    /// assert_eq!(seen, Some(context));
    /// assert_eq!(exemplar::current(), None);
    /// ```
    pub fn in_scope<R>(self, f: impl FnOnce() -> R) -> R {
        let _restore = Restore::enter(self);
        f()
    }

    /// Wraps `future` so that this context is current on whichever thread polls it, during
    /// each poll: the calls recorded inside (tracked async functions included) keep it as
    /// their exemplar.
    ///
    /// ```
    /// use session_metrics::exemplar::{self, TraceContext};
    ///
    /// let context = TraceContext::from_traceparent(
    ///     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    /// ).unwrap();
    /// let seen = futures::executor::block_on(context.scope(async { exemplar::current() }));
    /// assert_eq!(seen, Some(context));
    /// ```
    pub fn scope<F: Future>(self, future: F) -> Scoped<F> {
        Scoped {
            future,
            context: Some(self),
        }
    }
}

pin_project! {
    /// A future polled with a trace context current; made by [`TraceContext::scope`].
    ///
    /// ```
    /// use session_metrics::exemplar::{Scoped, TraceContext};
    ///
    /// let context = TraceContext { trace_id: [1; 16], span_id: [2; 8] };
    /// let scoped: Scoped<_> = context.scope(async { 42 });
    /// assert_eq!(futures::executor::block_on(scoped), 42);
    /// ```
    #[derive(Debug)]
    #[must_use = "futures do nothing unless polled"]
    pub struct Scoped<F> {
        #[pin]
        future: F,
        context: Option<TraceContext>,
    }
}

impl<F> Scoped<F> {
    /// `future` with `context` current while polled; with `None`, as it is.
    #[cfg_attr(not(feature = "mcp"), allow(dead_code))] // used by the MCP layer only
    pub(crate) fn maybe(context: Option<TraceContext>, future: F) -> Self {
        Self { future, context }
    }
}

impl<F: Future> Future for Scoped<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _restore = this.context.map(Restore::enter);
        this.future.poll(cx)
    }
}

//! A future that times another future from its first poll to its completion.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::callsite::{CallSite, Guard};
use crate::outcome::Outcome;

pin_project! {
    /// Wraps the future of an instrumented call. Created by the macro through [`instrument`].
    ///
    /// Timing starts at the first poll, so building the future costs nothing and a future
    /// that is never polled records nothing (like an `async fn` that is never awaited).
    pub struct Instrumented<F, C> {
        #[pin]
        future: F,
        site: &'static CallSite,
        enabled: bool,
        guard: Option<Guard>,
        classify: Option<C>,
        span: SpanSlot,
    }
}

/// The span entered on every poll; nothing without the `tracing` feature.
#[cfg(feature = "tracing")]
type SpanSlot = tracing::Span;
#[cfg(not(feature = "tracing"))]
type SpanSlot = ();

/// Times `future` against `site` (unless `enabled` is false); `classify` turns its output
/// into an [`Outcome`].
#[inline]
pub fn instrument<F, C>(
    site: &'static CallSite,
    enabled: bool,
    future: F,
    classify: C,
) -> Instrumented<F, C>
where
    F: Future,
    C: FnOnce(&F::Output) -> Outcome,
{
    Instrumented {
        future,
        site,
        enabled,
        guard: None,
        classify: Some(classify),
        #[cfg(feature = "tracing")]
        span: tracing::Span::none(),
        #[cfg(not(feature = "tracing"))]
        span: (),
    }
}

/// Like [`instrument`], entering `span` on every poll and reporting failures under it.
#[cfg(feature = "tracing")]
#[inline]
pub fn instrument_traced<F, C>(
    site: &'static CallSite,
    enabled: bool,
    span: tracing::Span,
    future: F,
    classify: C,
) -> Instrumented<F, C>
where
    F: Future,
    C: FnOnce(&F::Output) -> Outcome,
{
    Instrumented {
        span,
        ..instrument(site, enabled, future, classify)
    }
}

impl<F, C> Future for Instrumented<F, C>
where
    F: Future,
    C: FnOnce(&F::Output) -> Outcome,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        #[cfg(feature = "tracing")]
        let _entered = this.span.enter();
        if this.guard.is_none() && this.classify.is_some() {
            #[cfg(not(feature = "tracing"))]
            let guard = {
                let () = this.span;
                this.site.enter(*this.enabled)
            };
            #[cfg(feature = "tracing")]
            let guard = this.site.enter_traced(*this.enabled, this.span.clone());
            *this.guard = Some(guard);
        }
        // Executors such as tokio catch a panicking task and drop it later, outside the
        // unwind; record the panic here, while it is still visible as one.
        let unwinding = DropOnUnwind(this.guard);
        let poll = this.future.poll(cx);
        if let Poll::Ready(output) = &poll
            && let (Some(guard), Some(classify)) = (unwinding.0.take(), this.classify.take())
        {
            guard.finish(classify(output));
        }
        poll
    }
}

/// Drops the guard, which then records a panic, if the inner poll unwinds.
struct DropOnUnwind<'a>(&'a mut Option<Guard>);

impl Drop for DropOnUnwind<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.take();
        }
    }
}

/// Calls `f` once. Passing the body through an `FnOnce` bound lets it move out of captured
/// values (e.g. return `&mut self.field`), which a closure called in place could not.
#[inline(always)]
pub fn call_once<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Pins the output type of a returned future, so the outcome check can see it.
#[inline(always)]
pub fn expect_output<O, F: Future<Output = O>>(future: F) -> F {
    future
}

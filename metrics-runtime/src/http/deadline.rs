//! [`WithDeadline`]: a connection future that ends when its [`Activity`] overstays the
//! timeout of what it waits for (idle, request head, response).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use pin_project_lite::pin_project;
use tokio::time::Sleep;

use super::activity::{Activity, Timeouts, Waiting};

pin_project! {
    /// Polls `inner`; after each poll (the only time the activity changes) re-arms one timer
    /// for the current deadline. Dropping it drops the connection.
    pub(super) struct WithDeadline<F> {
        #[pin]
        inner: F,
        #[pin]
        timer: Sleep,
        armed: Instant,
        activity: Arc<Activity>,
        timeouts: Timeouts,
    }
}

impl<F> WithDeadline<F> {
    pub(super) fn new(inner: F, activity: Arc<Activity>, timeouts: Timeouts) -> Self {
        let (_, deadline) = activity.deadline(&timeouts);
        Self {
            inner,
            timer: tokio::time::sleep_until(deadline.into()),
            armed: deadline,
            activity,
            timeouts,
        }
    }
}

impl<F: Future> Future for WithDeadline<F> {
    /// The connection's own result, or what it was waiting for when its time ran out.
    type Output = Result<F::Output, Waiting>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        if let Poll::Ready(output) = this.inner.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        let (waiting, deadline) = this.activity.deadline(this.timeouts);
        if deadline != *this.armed {
            this.timer.as_mut().reset(deadline.into());
            *this.armed = deadline;
        }
        match this.timer.poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(waiting)),
            Poll::Pending => Poll::Pending,
        }
    }
}

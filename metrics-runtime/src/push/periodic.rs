//! Pushing on a timer: [`Pushgateway::spawn_periodic`], [`PushTask`] and [`PushChange`].

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use super::{PushError, Pushgateway};
use crate::SessionMetrics;

/// Pushes never follow each other more closely than this.
const MIN_INTERVAL: Duration = Duration::from_millis(10);

/// A change between failing and working, reported by
/// [`Pushgateway::spawn_periodic_with`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum PushChange {
    /// The first push failed, or a push failed after the one before it worked.
    Failed(PushError),
    /// A push worked after the one before it failed.
    Recovered,
}

impl Pushgateway {
    /// Pushes (`PUT`) every `interval` in a background task, the first at once, until
    /// [`PushTask::stop`], which pushes once more so the final values are not lost.
    ///
    /// `interval` is raised to the [timeout](Self::timeout) if shorter (and to 10 ms), so one
    /// push ends before the next begins. Must be called within a tokio runtime.
    pub fn spawn_periodic(self, metrics: &'static SessionMetrics, interval: Duration) -> PushTask {
        self.spawn_periodic_with(metrics, interval, |_| {})
    }

    /// Like [`spawn_periodic`](Self::spawn_periodic), calling `on_change` at the first
    /// failure and at every change between failing and working, so that a program can say
    /// so when it happens rather than at shutdown. `on_change` runs on the push task: keep it
    /// short (e.g. a log line).
    ///
    /// ```no_run
    /// # async fn doc() -> Result<(), session_metrics::push::PushError> {
    /// use std::time::Duration;
    /// use session_metrics::push::{PushChange, Pushgateway};
    ///
    /// let gateway = Pushgateway::new("http://127.0.0.1:9091", "worker")?;
    /// let url = gateway.url();
    /// let task = gateway.spawn_periodic_with(
    ///     session_metrics::get_metrics(),
    ///     Duration::from_secs(15),
    ///     move |change| match change {
    ///         PushChange::Failed(error) => eprintln!("push failing: {error}"),
    ///         PushChange::Recovered => eprintln!("push to {url} works again"),
    ///         _ => {}
    ///     },
    /// );
    /// // ... run ...
    /// if let Some(error) = task.stop().await {
    ///     eprintln!("last push failed: {error}");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn spawn_periodic_with<F>(
        self,
        metrics: &'static SessionMetrics,
        interval: Duration,
        mut on_change: F,
    ) -> PushTask
    where
        F: FnMut(PushChange) + Send + 'static,
    {
        let interval = interval.max(self.timeout).max(MIN_INTERVAL);
        let last_error = Arc::new(Mutex::new(None));
        let (stop, mut stopped) = oneshot::channel::<()>();
        let errors = last_error.clone();
        let task = tokio::spawn(async move {
            let mut failing = false;
            let mut record = |result: Result<(), PushError>| {
                let error = result.err();
                if error.is_some() != failing {
                    failing = error.is_some();
                    on_change(match &error {
                        Some(error) => PushChange::Failed(error.clone()),
                        None => PushChange::Recovered,
                    });
                }
                *errors.lock().unwrap_or_else(PoisonError::into_inner) = error;
            };
            let mut ticks = tokio::time::interval(interval);
            ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
            loop {
                // `biased`: a stop that is ready wins over a tick that is ready too, so no
                // periodic push starts after `stop()`. A dropped `PushTask` stops it too.
                tokio::select! {
                    biased;
                    _ = &mut stopped => break,
                    _ = ticks.tick() => {}
                }
                // A push in flight is finished (within the timeout), not abandoned: an
                // abandoned PUT may still reach the gateway after the final one and
                // overwrite the final values.
                record(self.push(metrics).await);
            }
            record(self.push(metrics).await);
        });
        PushTask {
            stop: Some(stop),
            task,
            last_error,
            interval,
        }
    }
}

/// A running periodic push; see [`Pushgateway::spawn_periodic`].
#[derive(Debug)]
pub struct PushTask {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
    last_error: Arc<Mutex<Option<PushError>>>,
    interval: Duration,
}

impl PushTask {
    /// The time between two pushes: the interval asked for, raised to the timeout (and to
    /// 10 ms) if shorter.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// The error of the latest push, if it failed.
    pub fn last_error(&self) -> Option<PushError> {
        self.last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Pushes a final time and stops. Returns that push's error, if any.
    ///
    /// No periodic push starts after this call. It returns within twice the
    /// [timeout](Pushgateway::timeout): a push already in flight finishes (or times out)
    /// first, then the final push runs, each within the timeout.
    pub async fn stop(mut self) -> Option<PushError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
        self.last_error()
    }
}

//! [`SessionTracker`]: the session lifecycle, recorded as session metrics.
//!
//! ```
//! use session_metrics::session::{
//!     NoLifecycle, SessionEndEvent, SessionStartEvent, SessionStatus, SessionTracker,
//! };
//!
//! # futures::executor::block_on(async {
//! let tracker = SessionTracker::new(NoLifecycle, true);
//! tracker
//!     .handle_session_start(SessionStartEvent::new("s1", "mahavishnu", "zsh"))
//!     .await?;
//! tracker
//!     .handle_session_end(SessionEndEvent::new("s1", "mahavishnu", SessionStatus::Success))
//!     .await?;
//! # Ok::<(), session_metrics::session::TrackerError>(())
//! # }).unwrap();
//! ```

mod event;
mod open;

use std::future::Future;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

pub use event::{InvalidEvent, SessionEndEvent, SessionStartEvent, SessionStatus};
use open::{EndMatch, OpenSession, OpenSessions};

use crate::{ErrorLabel, SessionMetrics, get_metrics, track_operation};

/// An error from the application's lifecycle hooks.
pub type LifecycleError = Box<dyn std::error::Error + Send + Sync>;

/// The application's side of the lifecycle: what happens when a session starts or ends
/// (persisting it, notifying someone, ...). Both hooks default to doing nothing.
pub trait SessionLifecycle: Send + Sync {
    /// Called for every valid start event, before it is recorded.
    fn on_session_start(
        &self,
        event: &SessionStartEvent,
    ) -> impl Future<Output = Result<(), LifecycleError>> + Send {
        let _ = event;
        async { Ok(()) }
    }

    /// Called for every valid end event, before it is recorded.
    fn on_session_end(
        &self,
        event: &SessionEndEvent,
    ) -> impl Future<Output = Result<(), LifecycleError>> + Send {
        let _ = event;
        async { Ok(()) }
    }
}

/// A lifecycle with nothing to do.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoLifecycle;

impl SessionLifecycle for NoLifecycle {}

/// Why handling an event failed. The `error_type` of the tracker's own operation metrics is
/// the variant name.
#[derive(Debug, ErrorLabel)]
pub enum TrackerError {
    /// The event was rejected; nothing was recorded.
    InvalidEvent(InvalidEvent),
    /// The application's lifecycle hook failed; nothing was recorded.
    Lifecycle(LifecycleError),
}

impl std::fmt::Display for TrackerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TrackerError::InvalidEvent(e) => e.fmt(f),
            TrackerError::Lifecycle(e) => write!(f, "session lifecycle hook failed: {e}"),
        }
    }
}

impl std::error::Error for TrackerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TrackerError::InvalidEvent(e) => Some(e),
            TrackerError::Lifecycle(e) => Some(&**e),
        }
    }
}

/// Tracks sessions from their start and end events and records the session metrics:
/// `session_start_total`, `session_end_total`, `session_duration_seconds`, `active_sessions`
/// and `session_quality_score`. Its own handlers are instrumented as operations
/// `{component_name="session_tracker", event_type="session_start"|"session_end"}`.
///
/// Memory stays bounded when sessions never end: at most
/// [`DEFAULT_MAX_OPEN_SESSIONS`](Self::DEFAULT_MAX_OPEN_SESSIONS) open sessions are kept
/// (the oldest is dropped first) and a session open longer than
/// [`DEFAULT_SESSION_TTL`](Self::DEFAULT_SESSION_TTL) is dropped as abandoned; a dropped
/// session leaves `active_sessions` and is not counted as ended. Both limits are adjustable.
#[derive(Debug)]
pub struct SessionTracker<L> {
    lifecycle: L,
    enable_metrics: bool,
    metrics: &'static SessionMetrics,
    open: Mutex<OpenSessions>,
}

impl<L: SessionLifecycle> SessionTracker<L> {
    /// The default cap on open sessions.
    pub const DEFAULT_MAX_OPEN_SESSIONS: usize = 10_000;
    /// The default age after which an open session counts as abandoned.
    pub const DEFAULT_SESSION_TTL: Duration = Duration::from_secs(24 * 60 * 60);

    /// A tracker recording into the global metrics when `enable_metrics` is true.
    pub fn new(lifecycle: L, enable_metrics: bool) -> Self {
        Self::with_limits(
            lifecycle,
            enable_metrics,
            Self::DEFAULT_MAX_OPEN_SESSIONS,
            Self::DEFAULT_SESSION_TTL,
        )
    }

    /// Like [`new`](Self::new) with explicit memory limits.
    pub fn with_limits(lifecycle: L, enable_metrics: bool, max_open: usize, ttl: Duration) -> Self {
        Self {
            lifecycle,
            enable_metrics,
            metrics: get_metrics(),
            open: Mutex::new(OpenSessions::new(max_open, ttl)),
        }
    }

    /// The application's lifecycle.
    pub fn lifecycle(&self) -> &L {
        &self.lifecycle
    }

    /// How many sessions are open (bounded by the cap).
    pub fn open_sessions(&self) -> usize {
        self.lock().len()
    }

    fn records(&self) -> bool {
        self.enable_metrics && self.metrics.is_enabled()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, OpenSessions> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Handles a start: runs the lifecycle hook, then counts the session, adds it to
    /// `active_sessions` and sets its quality score if the event has one. A start for an id
    /// that is already open is not counted again.
    ///
    /// # Errors
    /// [`TrackerError::InvalidEvent`] naming the field (nothing is recorded), or the hook's
    /// error.
    #[track_operation(
        "session_tracker",
        "session_start",
        enabled = self.records() && event.validate().is_ok()
    )]
    pub async fn handle_session_start(&self, event: SessionStartEvent) -> Result<(), TrackerError> {
        event.validate().map_err(TrackerError::InvalidEvent)?;
        self.lifecycle
            .on_session_start(&event)
            .await
            .map_err(TrackerError::Lifecycle)?;
        let (new, dropped) =
            self.lock()
                .start(&event.session_id, &event.component_name, Instant::now());
        if !self.records() {
            return Ok(());
        }
        self.forget(&dropped);
        if new {
            let component = event.component_name.as_str();
            self.metrics
                .record_session_start(component, &event.shell_type);
            self.metrics.increment_active_sessions(component);
        }
        if let Some(score) = event.quality_score {
            self.metrics
                .set_session_quality_score(&event.component_name, score);
        }
        Ok(())
    }

    /// Handles an end: runs the lifecycle hook, counts the end by status, observes the
    /// duration (from the event, else measured since the matching start) and removes the
    /// session from `active_sessions`. An end without a matching start is counted but leaves
    /// the gauge alone; a second end of the same session is ignored.
    ///
    /// # Errors
    /// [`TrackerError::InvalidEvent`] naming the field (nothing is recorded), or the hook's
    /// error.
    #[track_operation(
        "session_tracker",
        "session_end",
        enabled = self.records() && event.validate().is_ok()
    )]
    pub async fn handle_session_end(&self, event: SessionEndEvent) -> Result<(), TrackerError> {
        event.validate().map_err(TrackerError::InvalidEvent)?;
        self.lifecycle
            .on_session_end(&event)
            .await
            .map_err(TrackerError::Lifecycle)?;
        let matched = self.lock().end(&event.session_id);
        if !self.records() {
            return Ok(());
        }
        let component = event.component_name.as_str();
        let measured = match matched {
            EndMatch::AlreadyEnded => return Ok(()),
            EndMatch::Unmatched => None,
            EndMatch::Open(session) => {
                // The gauge belongs to the component the session started under.
                self.metrics.decrement_active_sessions(&session.component);
                Some(session.started.elapsed().as_secs_f64())
            }
        };
        // Without a duration the end is counted and nothing is observed (NaN is skipped).
        let duration = event.duration_seconds.or(measured).unwrap_or(f64::NAN);
        self.metrics
            .record_session_end(component, event.status.as_str(), duration);
        if let Some(score) = event.quality_score {
            self.metrics.set_session_quality_score(component, score);
        }
        Ok(())
    }

    /// Removes dropped (evicted or expired) sessions from `active_sessions`.
    fn forget(&self, dropped: &[OpenSession]) {
        for session in dropped {
            self.metrics.decrement_active_sessions(&session.component);
        }
    }
}

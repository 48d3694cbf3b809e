//! Session events and their validation.

use std::fmt;
use std::time::SystemTime;

/// How a session ended; the `status` label of `session_end_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionStatus {
    /// Ended normally (`status="success"`).
    Success,
    /// Ended in error (`status="error"`).
    Error,
}

impl SessionStatus {
    /// The label value: `success` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Success => "success",
            SessionStatus::Error => "error",
        }
    }
}

/// A session started.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionStartEvent {
    /// Identifies the session; its end event carries the same id.
    pub session_id: String,
    /// The `component_name` label, e.g. `mahavishnu`.
    pub component_name: String,
    /// The `shell_type` label, e.g. `zsh`.
    pub shell_type: String,
    /// When the session started (informational; durations use a monotonic clock).
    pub started_at: SystemTime,
    /// An initial quality score in 0..=100, if known.
    pub quality_score: Option<f64>,
}

impl SessionStartEvent {
    /// A start event stamped now, without a quality score.
    pub fn new(
        session_id: impl Into<String>,
        component_name: impl Into<String>,
        shell_type: impl Into<String>,
    ) -> Self {
        Self {
            session_id: session_id.into(),
            component_name: component_name.into(),
            shell_type: shell_type.into(),
            started_at: SystemTime::now(),
            quality_score: None,
        }
    }

    /// Sets the quality score.
    pub fn with_quality_score(mut self, score: f64) -> Self {
        self.quality_score = Some(score);
        self
    }

    pub(crate) fn validate(&self) -> Result<(), InvalidEvent> {
        non_empty("session_id", &self.session_id)?;
        non_empty("component_name", &self.component_name)?;
        non_empty("shell_type", &self.shell_type)?;
        quality("quality_score", self.quality_score)
    }
}

/// A session ended.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionEndEvent {
    /// The id of the matching [`SessionStartEvent`].
    pub session_id: String,
    /// The `component_name` label.
    pub component_name: String,
    /// Success or error.
    pub status: SessionStatus,
    /// When the session ended (informational).
    pub ended_at: SystemTime,
    /// The session's duration in seconds; when `None`, the time since the matching start.
    pub duration_seconds: Option<f64>,
    /// The final quality score in 0..=100, if known.
    pub quality_score: Option<f64>,
}

impl SessionEndEvent {
    /// An end event stamped now; the duration is measured from the matching start.
    pub fn new(
        session_id: impl Into<String>,
        component_name: impl Into<String>,
        status: SessionStatus,
    ) -> Self {
        Self {
            session_id: session_id.into(),
            component_name: component_name.into(),
            status,
            ended_at: SystemTime::now(),
            duration_seconds: None,
            quality_score: None,
        }
    }

    /// Sets the duration explicitly.
    pub fn with_duration_seconds(mut self, seconds: f64) -> Self {
        self.duration_seconds = Some(seconds);
        self
    }

    /// Sets the final quality score.
    pub fn with_quality_score(mut self, score: f64) -> Self {
        self.quality_score = Some(score);
        self
    }

    pub(crate) fn validate(&self) -> Result<(), InvalidEvent> {
        non_empty("session_id", &self.session_id)?;
        non_empty("component_name", &self.component_name)?;
        if let Some(d) = self.duration_seconds
            && !(d.is_finite() && d >= 0.0)
        {
            return Err(InvalidEvent::new(
                "duration_seconds",
                format!("{d} is not a finite, non-negative number of seconds"),
            ));
        }
        quality("quality_score", self.quality_score)
    }
}

/// An event that was rejected; nothing was recorded for it.
#[derive(Debug, Clone, PartialEq)]
pub struct InvalidEvent {
    field: &'static str,
    reason: String,
}

impl InvalidEvent {
    fn new(field: &'static str, reason: String) -> Self {
        Self { field, reason }
    }

    /// The offending field, e.g. `quality_score`.
    pub fn field(&self) -> &'static str {
        self.field
    }
}

impl fmt::Display for InvalidEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid session event: {}: {}", self.field, self.reason)
    }
}

impl std::error::Error for InvalidEvent {}

fn non_empty(field: &'static str, value: &str) -> Result<(), InvalidEvent> {
    if value.trim().is_empty() {
        Err(InvalidEvent::new(field, "must not be empty".into()))
    } else {
        Ok(())
    }
}

fn quality(field: &'static str, score: Option<f64>) -> Result<(), InvalidEvent> {
    match score {
        Some(s) if !(0.0..=100.0).contains(&s) => {
            Err(InvalidEvent::new(field, format!("{s} is outside 0 to 100")))
        }
        _ => Ok(()),
    }
}

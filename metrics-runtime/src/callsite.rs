//! What `#[track_operation]` expands to call: one [`CallSite`] static per annotated function.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::Instant;

use once_cell::sync::OnceCell;

use crate::events::EventFamilies;
use crate::outcome::Outcome;
use crate::series::{Counter, Histogram};
use crate::{OperationFamily, get_metrics};

/// `error_type` of a call that panicked.
pub const PANIC_ERROR_TYPE: &str = "panic";
/// `error_type` of an async call whose future was dropped before it completed.
pub const CANCELLED_ERROR_TYPE: &str = "cancelled";

/// The level of the `tracing` event emitted for a failed call (feature `tracing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorLevel {
    /// `TRACE`
    Trace,
    /// `DEBUG`
    Debug,
    /// `INFO`
    Info,
    /// `WARN` (the default)
    Warn,
    /// `ERROR`
    Error,
}

/// A per-call-site handle holding the already-labelled series, resolved on first call.
///
/// The success path is one acquire load, two clock reads, a histogram observe and a counter
/// increment: no label hashing, no locking, no allocation.
#[derive(Debug)]
pub struct CallSite {
    component: &'static str,
    event_type: &'static str,
    family: Option<&'static OperationFamily>,
    level: ErrorLevel,
    /// `None` inside once resolved means metrics are disabled.
    handles: OnceCell<Option<Handles>>,
}

#[derive(Debug)]
struct Handles {
    events: &'static EventFamilies,
    duration: Arc<Histogram>,
    success: Arc<Counter>,
    /// Failure counters by label, so repeated failures neither hash nor allocate.
    failures: RwLock<Vec<(&'static str, Arc<Counter>)>>,
}

impl CallSite {
    /// A call site recording into `mcp_event_emit_*{component_name, event_type}`.
    pub const fn new(component: &'static str, event_type: &'static str) -> Self {
        Self {
            component,
            event_type,
            family: None,
            level: ErrorLevel::Warn,
            handles: OnceCell::new(),
        }
    }

    /// Records into `family` instead of `mcp_event_emit_*`.
    pub const fn family(mut self, family: &'static OperationFamily) -> Self {
        self.family = Some(family);
        self
    }

    /// The level of failure events (feature `tracing`).
    pub const fn error_level(mut self, level: ErrorLevel) -> Self {
        self.level = level;
        self
    }

    /// Starts timing one call; with `enabled == false` the call is not recorded.
    #[inline]
    pub fn enter(&'static self, enabled: bool) -> Guard {
        let timing = self.timing(enabled);
        Guard {
            armed: timing.map(|timing| Armed {
                site: self,
                timing: Some(timing),
                #[cfg(feature = "tracing")]
                span: tracing::Span::none(),
            }),
        }
    }

    /// Like [`enter`](Self::enter), also emitting failure events as children of `span`.
    #[cfg(feature = "tracing")]
    #[inline]
    pub fn enter_traced(&'static self, enabled: bool, span: tracing::Span) -> Guard {
        Guard {
            armed: Some(Armed {
                site: self,
                timing: self.timing(enabled),
                span,
            }),
        }
    }

    #[inline]
    fn timing(&'static self, enabled: bool) -> Option<(&'static Handles, Instant)> {
        if !enabled {
            return None;
        }
        let handles = self.handles.get_or_init(|| self.resolve()).as_ref()?;
        Some((handles, Instant::now()))
    }

    #[cold]
    fn resolve(&self) -> Option<Handles> {
        let events = match self.family {
            Some(family) => family.events()?,
            None => &get_metrics().families()?.events,
        };
        let labels = [self.component, self.event_type];
        Some(Handles {
            events,
            duration: events.duration.with(&labels),
            success: events.success.with(&labels),
            failures: RwLock::new(Vec::new()),
        })
    }
}

impl Handles {
    #[inline]
    fn record(&self, site: &CallSite, start: Instant, outcome: Outcome) {
        self.duration.observe(start.elapsed().as_secs_f64());
        match outcome {
            Outcome::Success => self.success.inc(),
            Outcome::Failure(label) => self.fail(site, label),
        }
    }

    #[cold]
    #[inline(never)]
    fn fail(&self, site: &CallSite, label: &'static str) {
        let cached = self.failures.read().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, counter)) = cached.iter().find(|(l, _)| *l == label) {
            counter.inc();
            return;
        }
        drop(cached);
        let counter = self
            .events
            .failure_counter(site.component, site.event_type, label);
        counter.inc();
        let mut cached = self
            .failures
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if !cached.iter().any(|(l, _)| *l == label) {
            cached.push((label, counter));
        }
    }
}

/// Times one call; records on [`finish`](Guard::finish), or on drop as a panic (while
/// unwinding) or a cancellation (a future dropped before completing).
#[must_use = "dropping the guard records the call as panicked or cancelled"]
#[derive(Debug)]
pub struct Guard {
    armed: Option<Armed>,
}

#[derive(Debug)]
struct Armed {
    site: &'static CallSite,
    timing: Option<(&'static Handles, Instant)>,
    #[cfg(feature = "tracing")]
    span: tracing::Span,
}

impl Guard {
    /// Records the call with its outcome.
    #[inline]
    pub fn finish(mut self, outcome: Outcome) {
        if let Some(armed) = self.armed.take() {
            armed.complete(outcome);
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(armed) = self.armed.take() {
            let label = if std::thread::panicking() {
                PANIC_ERROR_TYPE
            } else {
                CANCELLED_ERROR_TYPE
            };
            armed.complete(Outcome::Failure(label));
        }
    }
}

impl Armed {
    #[inline]
    fn complete(self, outcome: Outcome) {
        if let Some((handles, start)) = self.timing {
            handles.record(self.site, start, outcome);
        }
        #[cfg(feature = "tracing")]
        if let Outcome::Failure(label) = outcome {
            emit_failure(self.site, &self.span, label);
        }
    }
}

/// The failure event: a child of the call's span, at the call site's level.
#[cfg(feature = "tracing")]
#[cold]
fn emit_failure(site: &CallSite, span: &tracing::Span, error_type: &str) {
    macro_rules! failure {
        ($level:expr) => {
            tracing::event!(
                parent: span,
                $level,
                component = site.component,
                event_type = site.event_type,
                error_type,
                "operation failed"
            )
        };
    }
    match site.level {
        ErrorLevel::Trace => failure!(tracing::Level::TRACE),
        ErrorLevel::Debug => failure!(tracing::Level::DEBUG),
        ErrorLevel::Info => failure!(tracing::Level::INFO),
        ErrorLevel::Warn => failure!(tracing::Level::WARN),
        ErrorLevel::Error => failure!(tracing::Level::ERROR),
    }
}

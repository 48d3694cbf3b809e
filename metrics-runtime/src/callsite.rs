//! What `#[track_operation]` expands to call: one [`CallSite`] static per annotated function.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::Instant;

use once_cell::sync::OnceCell;

use crate::get_metrics;
use crate::metrics::Families;
use crate::outcome::Outcome;
use crate::series::{Counter, Histogram};

/// `error_type` of a call that panicked.
pub const PANIC_ERROR_TYPE: &str = "panic";
/// `error_type` of an async call whose future was dropped before it completed.
pub const CANCELLED_ERROR_TYPE: &str = "cancelled";

/// A per-call-site handle holding the already-labelled series, resolved on first call.
///
/// The success path is one acquire load, two clock reads, a histogram observe and a counter
/// increment: no label hashing, no locking, no allocation.
pub struct CallSite {
    component: &'static str,
    event_type: &'static str,
    /// `None` inside once resolved means metrics are disabled.
    handles: OnceCell<Option<Handles>>,
}

struct Handles {
    component: &'static str,
    event_type: &'static str,
    families: &'static Families,
    duration: Arc<Histogram>,
    success: Arc<Counter>,
    /// Failure counters by label, so repeated failures neither hash nor allocate.
    failures: RwLock<Vec<(&'static str, Arc<Counter>)>>,
}

impl CallSite {
    /// A call site recording into `{component_name = component, event_type = event_type}`.
    pub const fn new(component: &'static str, event_type: &'static str) -> Self {
        Self {
            component,
            event_type,
            handles: OnceCell::new(),
        }
    }

    /// Starts timing one call.
    #[inline]
    pub fn enter(&'static self) -> Guard {
        Guard {
            active: self.handles().map(|h| (h, Instant::now())),
        }
    }

    #[inline]
    fn handles(&'static self) -> Option<&'static Handles> {
        self.handles.get_or_init(|| self.resolve()).as_ref()
    }

    #[cold]
    fn resolve(&self) -> Option<Handles> {
        let families = get_metrics().families()?;
        let labels = [self.component, self.event_type];
        Some(Handles {
            component: self.component,
            event_type: self.event_type,
            families,
            duration: families.event_duration.with(&labels),
            success: families.event_success.with(&labels),
            failures: RwLock::new(Vec::new()),
        })
    }
}

impl Handles {
    #[inline]
    fn record(&self, start: Instant, outcome: Outcome) {
        self.duration.observe(start.elapsed().as_secs_f64());
        match outcome {
            Outcome::Success => self.success.inc(),
            Outcome::Failure(label) => self.fail(label),
        }
    }

    #[cold]
    #[inline(never)]
    fn fail(&self, label: &'static str) {
        let cached = self.failures.read().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, counter)) = cached.iter().find(|(l, _)| *l == label) {
            counter.inc();
            return;
        }
        drop(cached);
        let counter = self
            .families
            .failure_counter(self.component, self.event_type, label);
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
pub struct Guard {
    active: Option<(&'static Handles, Instant)>,
}

impl Guard {
    /// Records the call with its outcome.
    #[inline]
    pub fn finish(mut self, outcome: Outcome) {
        if let Some((handles, start)) = self.active.take() {
            handles.record(start, outcome);
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some((handles, start)) = self.active.take() {
            let label = if std::thread::panicking() {
                PANIC_ERROR_TYPE
            } else {
                CANCELLED_ERROR_TYPE
            };
            handles.record(start, Outcome::Failure(label));
        }
    }
}

//! What `#[track_operation]` expands to call: one [`CallSite`] static per annotated function.

use std::sync::{Arc, PoisonError, RwLock};

use once_cell::sync::OnceCell;

use crate::clock::{self, UnitBounds};
use crate::events::EventFamilies;
use crate::exemplar;
use crate::outcome::Outcome;
use crate::series::{Counter, Histogram};
use crate::shard::{Shard, ShardTable};
use crate::{OperationFamily, get_metrics};

/// `error_type` of a call that panicked.
pub const PANIC_ERROR_TYPE: &str = "panic";
/// `error_type` of an async call whose future was dropped before it completed.
pub const CANCELLED_ERROR_TYPE: &str = "cancelled";
/// `error_type` of a `#[track_caller]` function that returned through an exit the attribute
/// cannot see: a `return` generated inside a macro (such as `anyhow::bail!`), whose value is
/// never available to inspect. Other functions run their body in a closure and see every exit.
pub const EARLY_RETURN_ERROR_TYPE: &str = "early_return";

/// The prefix of `mcp_event_emit_*`, the family of call sites without `family = PATH`.
pub(crate) const DEFAULT_FAMILY_PREFIX: &str = "mcp_event_emit";

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
/// The success path is one acquire load, two clock reads and three plain load/store updates of
/// the calling thread's own shard: no label hashing, no locking, no locked instruction, no
/// allocation (after the thread's first call here).
#[derive(Debug)]
pub struct CallSite {
    component: &'static str,
    event_type: &'static str,
    family: Option<&'static OperationFamily>,
    level: ErrorLevel,
    /// `None` inside once resolved means metrics are disabled. Behind a pointer (allocated
    /// once per call site, on its first call, and kept for the life of the process like the
    /// static itself): the static every annotated function declares stays small, which is
    /// cheaper to compile than one holding the handles inline.
    handles: OnceCell<Option<&'static Handles>>,
}

/// Failure labels a call site keeps lock-free; more distinct labels go through a lock.
const FAILURE_SLOTS: usize = 8;

#[derive(Debug)]
struct Handles {
    events: &'static EventFamilies,
    duration: Arc<Histogram>,
    success: Arc<Counter>,
    clock: clock::Clock,
    /// The histogram's upper bounds in the clock's unit, to pick a bucket without going
    /// through `duration` or converting the duration to seconds.
    bounds: UnitBounds,
    /// Per-thread cells, laid out as [`Cells`] says; `duration`, `success` and the failure
    /// counters in the slots are attached to it and read it when scraped.
    shards: Arc<ShardTable>,
    cells: Cells,
    /// Failure counters by label, filled in order and never cleared: a repeated failure is a
    /// few acquire loads and pointer compares, with no lock, hash or allocation.
    failure_slots: [OnceCell<(&'static str, Arc<Counter>)>; FAILURE_SLOTS],
    /// Labels beyond the slots.
    failures: RwLock<Vec<(&'static str, Arc<Counter>)>>,
}

/// Where each value sits in a shard: bucket counts from 0 (overflow bucket last), then the
/// sum (in the clock's unit), the success count and one failure count per slot.
#[derive(Debug, Clone, Copy)]
struct Cells {
    sum: usize,
    success: usize,
    first_failure: usize,
}

impl Cells {
    fn new(duration: &Histogram) -> Self {
        let sum = duration.shard_cells() - 1;
        Self {
            sum,
            success: sum + 1,
            first_failure: sum + 2,
        }
    }

    fn width(self) -> usize {
        self.first_failure + FAILURE_SLOTS
    }
}

/// How many threads get their own shard at a call site; threads beyond record into the
/// shared atomic cells (exact too, only slower under contention).
fn shard_threads() -> usize {
    // Cached: `available_parallelism` reads cgroup files on Linux.
    static THREADS: OnceCell<usize> = OnceCell::new();
    *THREADS.get_or_init(|| {
        let cpus = std::thread::available_parallelism().map_or(4, usize::from);
        (cpus * 2).clamp(8, 64)
    })
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

    pub(crate) fn component(&self) -> &'static str {
        self.component
    }

    pub(crate) fn event_type(&self) -> &'static str {
        self.event_type
    }

    /// The family given with `family = PATH`, if any.
    pub(crate) fn operation_family(&self) -> Option<&'static OperationFamily> {
        self.family
    }

    /// The prefix of the family this site records into.
    pub(crate) fn family_prefix(&self) -> &'static str {
        self.family
            .map_or(DEFAULT_FAMILY_PREFIX, OperationFamily::prefix)
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
    fn timing(&'static self, enabled: bool) -> Option<(&'static Handles, clock::Start)> {
        if !enabled {
            return None;
        }
        let handles = (*self.handles.get_or_init(|| self.resolve()))?;
        Some((handles, handles.clock.now()))
    }

    #[cold]
    fn resolve(&self) -> Option<&'static Handles> {
        let events = match self.family {
            Some(family) => family.events()?,
            None => &get_metrics().families()?.events,
        };
        let labels = [self.component, self.event_type];
        let duration = events.duration.with(&labels);
        let success = events.success.with(&labels);
        let cells = Cells::new(&duration);
        let shards = ShardTable::new(cells.width(), shard_threads());
        let clock = clock::Clock::get();
        duration.attach(shards.clone(), 0, clock.unit());
        success.attach(shards.clone(), cells.success);
        Some(Box::leak(Box::new(Handles {
            events,
            bounds: UnitBounds::new(duration.bounds(), clock.unit()),
            duration,
            success,
            clock,
            shards,
            cells,
            failure_slots: Default::default(),
            failures: RwLock::new(Vec::new()),
        })))
    }
}

impl Handles {
    #[inline]
    fn record(&self, site: &CallSite, start: clock::Start, outcome: Outcome) {
        // In the clock's raw unit throughout: seconds only at scrape (`clock.seconds(elapsed)`
        // where a rare path needs them).
        let elapsed = self.clock.elapsed(start);
        let Some(shard) = self.shards.mine() else {
            return self.record_shared(site, elapsed, outcome);
        };
        let bucket = self.bounds.bucket(elapsed);
        shard.add(bucket, 1);
        shard.add(self.cells.sum, elapsed);
        match outcome {
            Outcome::Success => shard.add(self.cells.success, 1),
            Outcome::Failure(label) => self.fail(site, shard, label),
        }
        if exemplar::enabled() {
            self.keep_exemplar(site, elapsed, outcome);
        }
    }

    /// Keeps the call's exemplar, if a trace context is current: in the duration bucket it
    /// was counted in (value: its seconds) and, for a failure, in its failure counter
    /// (value 1).
    #[cold]
    #[inline(never)]
    fn keep_exemplar(&self, site: &CallSite, elapsed: u64, outcome: Outcome) {
        let Some(kept) = exemplar::capture(self.clock.seconds(elapsed)) else {
            return;
        };
        self.duration
            .store_exemplar(self.bounds.bucket(elapsed), &kept);
        if let Outcome::Failure(label) = outcome {
            let counted = exemplar::Exemplar { value: 1.0, ..kept };
            let known = self
                .failure_slots
                .iter()
                .map_while(OnceCell::get)
                .find(|(known, _)| std::ptr::eq(*known, label));
            match known {
                Some((_, counter)) => counter.store_exemplar(&counted),
                None => self.failure_counter(site, label).store_exemplar(&counted),
            }
        }
    }

    /// Records into the series' shared atomic cells, for threads without a shard here.
    #[cold]
    #[inline(never)]
    fn record_shared(&self, site: &CallSite, elapsed: u64, outcome: Outcome) {
        self.duration.observe(self.clock.seconds(elapsed));
        match outcome {
            Outcome::Success => self.success.inc(),
            Outcome::Failure(label) => self.fail_slow(site, label),
        }
        if exemplar::enabled() {
            self.keep_exemplar(site, elapsed, outcome);
        }
    }

    /// Counts a failure. Slots are keyed by the label's address: a `&'static str` from a
    /// derived `ErrorLabel` or a type name is the same pointer on every call. The same text at
    /// another address just takes another slot mapped to the same counter.
    #[inline]
    fn fail(&self, site: &CallSite, shard: Shard<'_>, label: &'static str) {
        for (i, slot) in self.failure_slots.iter().enumerate() {
            match slot.get() {
                Some((known, _)) if std::ptr::eq(*known, label) => {
                    return shard.add(self.cells.first_failure + i, 1);
                }
                Some(_) => {}
                None => break,
            }
        }
        self.fail_slow(site, label);
    }

    /// Counts a failure in the label's shared counter, and gives the label a slot if one is
    /// free, so that its next failures take the fast path.
    #[cold]
    #[inline(never)]
    fn fail_slow(&self, site: &CallSite, label: &'static str) {
        let counter = self.failure_counter(site, label);
        counter.inc();
        for (i, slot) in self.failure_slots.iter().enumerate() {
            // Only the thread whose initialiser runs attaches the slot's cell to its counter.
            let (known, _) = slot.get_or_init(|| {
                counter.attach(self.shards.clone(), self.cells.first_failure + i);
                (label, counter.clone())
            });
            if std::ptr::eq(*known, label) {
                return;
            }
        }
    }

    /// The counter for `label`, through the lock-protected cache or the family.
    fn failure_counter(&self, site: &CallSite, label: &'static str) -> Arc<Counter> {
        let cached = self.failures.read().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, counter)) = cached.iter().find(|(l, _)| *l == label) {
            return counter.clone();
        }
        drop(cached);
        let counter = self
            .events
            .failure_counter(site.component, site.event_type, label);
        let mut cached = self
            .failures
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if !cached.iter().any(|(l, _)| *l == label) {
            cached.push((label, counter.clone()));
        }
        counter
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
    timing: Option<(&'static Handles, clock::Start)>,
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

    /// For a body run in the function itself (`#[track_caller]`): a call that ends unseen
    /// returned early, it was not cancelled.
    #[inline]
    pub fn inline(self) -> InlineGuard {
        InlineGuard(self)
    }
}

/// The guard of a body run in the function itself: a call that ends without
/// [`finish`](Self::finish) and without a panic left through a `return` the macro could not
/// see, and is recorded as [`EARLY_RETURN_ERROR_TYPE`].
#[must_use = "dropping the guard records the call as an early return"]
#[derive(Debug)]
pub struct InlineGuard(Guard);

impl InlineGuard {
    /// Records the call with its outcome.
    #[inline]
    pub fn finish(mut self, outcome: Outcome) {
        if let Some(armed) = self.0.armed.take() {
            armed.complete(outcome);
        }
    }
}

impl Drop for InlineGuard {
    fn drop(&mut self) {
        if !std::thread::panicking()
            && let Some(armed) = self.0.armed.take()
        {
            armed.complete(Outcome::Failure(EARLY_RETURN_ERROR_TYPE));
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

//! Function-level Prometheus metrics for sync and async Rust, and the session metrics of the
//! Session-Buddy MCP server.
//!
//! Put [`#[track_operation("component", "event_type")]`](track_operation) on a function and
//! every call records its duration in `mcp_event_emit_duration_seconds` and its outcome in
//! `mcp_event_emit_success_total` or `mcp_event_emit_failure_total{error_type}`, in the global
//! [`SessionMetrics`] returned by [`get_metrics`].
//!
//! ```
//! use session_metrics::{ErrorLabel, get_metrics, track_operation};
//!
//! #[derive(Debug, ErrorLabel)]
//! enum StoreError {
//!     Timeout,
//! }
//!
//! #[track_operation("mahavishnu", "store")]
//! fn store(ok: bool) -> Result<(), StoreError> {
//!     if ok { Ok(()) } else { Err(StoreError::Timeout) }
//! }
//!
//! store(true).unwrap();
//! store(false).unwrap_err();
//!
//! let text = get_metrics().export_metrics();
//! assert!(text.contains(
//!     r#"mcp_event_emit_failure_total{component_name="mahavishnu",error_type="Timeout",event_type="store"} 1"#
//! ));
//! ```
//!
//! # Cargo features
//! - `settings` (default): [`settings::Settings`] from defaults, a YAML file and
//!   `SESSION_BUDDY_*` environment variables.
//! - `http` (default): the `/metrics` endpoint in [`http`].
//! - `push`: pushing to a Prometheus Pushgateway, in `push`.
//! - `mcp`: the four metrics tools for rmcp servers, in `mcp`.
//! - `off`: `#[track_operation]` leaves every function exactly as written (arguments are
//!   still checked). The runtime API stays available.
//! - `quanta`: time calls with the CPU's time-stamp counter (the `quanta` crate) instead of
//!   `std::time::Instant`, about half the cost of the two clock reads a call makes. The clock is
//!   calibrated once, on the first tracked call (0.5 to 200 ms); without an invariant TSC quanta
//!   falls back to the OS clock.
//! - `opentelemetry`: exemplars from the current OpenTelemetry span when it is sampled (see
//!   [`exemplar`]); the `opentelemetry` API crate only, no SDK.
#![warn(missing_docs)]

// Lets derives and `#[track_operation]` inside this crate use the `::session_metrics` paths
// they generate for users.
extern crate self as session_metrics;

mod callsite;
mod catalogue;
mod clock;
mod error;
mod events;
pub mod exemplar;
pub mod exposition;
mod family;
mod global;
#[cfg(feature = "http")]
pub mod http;
mod instrumented;
mod label;
#[cfg(feature = "mcp")]
pub mod mcp;
mod metrics;
mod operation;
mod outcome;
mod proto_value;
#[cfg(feature = "push")]
pub mod push;
mod quantile;
mod register;
mod series;
pub mod session;
#[cfg(feature = "settings")]
pub mod settings;
mod shard;
mod try_exit;

pub use callsite::{CANCELLED_ERROR_TYPE, EARLY_RETURN_ERROR_TYPE, PANIC_ERROR_TYPE};
pub use catalogue::rules as slo;
pub use catalogue::{LatencyObjective, Objective, Operation, operations};
pub use error::Error;
pub use exposition::Format;
pub use global::{get_metrics, init_metrics, init_metrics_with_registry};
pub use label::ErrorLabel;
pub use metrics::{
    DEFAULT_EVENT_DURATION_BUCKETS, DEFAULT_SESSION_DURATION_BUCKETS, MAX_ERROR_TYPES,
    MetricDescription, MetricKind, OVERFLOW_ERROR_TYPE, SessionMetrics, SessionMetricsBuilder,
};
pub use operation::OperationFamily;
pub use outcome::{CallOutcome, Outcome};
pub use quantile::histogram_quantile;

/// The `prometheus` crate this one is built on (0.14, without default features), so that
/// building an isolated [`SessionMetrics`] or registering collectors of your own next to ours
/// needs no second dependency with a matching version.
///
/// ```
/// use session_metrics::SessionMetrics;
/// use session_metrics::prometheus::{IntCounter, Registry};
///
/// let metrics = SessionMetrics::new(Registry::new())?;
/// let retries = IntCounter::new("retries_total", "Retries of failed checkpoints")?;
/// metrics.registry().register(Box::new(retries.clone()))?;
/// retries.inc();
/// metrics.record_session_start("mahavishnu", "zsh");
/// let text = metrics.export_metrics();
/// assert!(text.contains("retries_total 1"));
/// assert!(text.contains(r#"session_start_total{component_name="mahavishnu",shell_type="zsh"} 1"#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub use prometheus;

// The README's Rust examples, run as doctests that must compile without warnings.
#[cfg(doctest)]
#[doc(test(attr(deny(warnings))))]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// Derives [`ErrorLabel`](trait@ErrorLabel): each enum variant is labelled with its name as
/// written, or with `#[error_label("...")]` on the variant; a struct with its name or the
/// attribute on the struct. See the trait for an example.
pub use session_metrics_macros::ErrorLabel;

/// Records the duration and outcome of every call of a function.
///
/// ```text
/// #[track_operation("component", "event_type")]
/// #[track_operation(component = "component", event_type = "event_type")]
/// #[track_operation("component", "event_type", crate = my_crate::reexported::session_metrics)]
/// ```
///
/// Each completed call observes `mcp_event_emit_duration_seconds{component_name, event_type}`
/// and then increments one counter:
///
/// | the call | counter |
/// |---|---|
/// | returns `Ok(_)`, or any type that is not a `Result` | `mcp_event_emit_success_total` |
/// | returns `Err(e)` | `mcp_event_emit_failure_total{error_type}`, from [`ErrorLabel`](trait@ErrorLabel) or else `e`'s type name |
/// | panics | `..._failure_total{error_type="panic"}`; the panic continues with its payload |
/// | its future is dropped before completing | `..._failure_total{error_type="cancelled"}` |
///
/// The signature, generics, attributes and docs stay exactly as written; only the body is
/// wrapped. The labelled series are resolved once per call site, so a call costs two clock
/// reads and plain updates of the calling thread's own cells, with no hashing, locking or
/// allocation; scrapes add up all threads' cells exactly. Recording never
/// panics; with metrics disabled the function runs unchanged, and the `off` cargo feature
/// removes the instrumentation at compile time.
///
/// # Sync functions, methods, generics
///
/// ```
/// use session_metrics::track_operation;
///
/// #[track_operation("store", "parse")]
/// fn parse(s: &str) -> Result<u32, std::num::ParseIntError> {
///     let n: u32 = s.trim().parse()?; // `?` and early `return` are seen as failures
///     Ok(n)
/// }
///
/// struct Cache { hits: u64 }
///
/// impl Cache {
///     #[track_operation("store", "hit")]
///     fn hit(&mut self) -> &mut u64 { // `self`, `&self` and `&mut self` all work
///         self.hits += 1;
///         &mut self.hits
///     }
/// }
///
/// #[track_operation("store", "largest")]
/// fn largest<'a, T>(items: &'a [T]) -> Option<&'a T>
/// where
///     T: Ord,
/// {
///     items.iter().max()
/// }
///
/// #[track_operation("store", "evens")]
/// fn evens(n: u32) -> impl Iterator<Item = u32> {
///     (0..n).filter(|i| i % 2 == 0)
/// }
///
/// assert_eq!(parse("7"), Ok(7));
/// assert!(parse("x").is_err()); // error_type="ParseIntError"
/// assert_eq!(*Cache { hits: 0 }.hit(), 1);
/// assert_eq!(largest(&[3, 9, 2]), Some(&9));
/// assert_eq!(evens(5).count(), 3);
/// ```
///
/// # Async functions and returned futures
///
/// An `async fn` is timed from the first poll to completion. A function that *returns* a
/// future (`impl Future<Output = T>`, `Pin<Box<dyn Future<Output = T> + ..>>`, `BoxFuture`)
/// is timed until that future completes, not while it is built, and the future's output
/// decides the outcome. That is the shape `#[async_trait]` and rmcp's `#[tool]` give async
/// methods, so the attribute is correct on either side of them.
///
/// ```
/// use std::{future::Future, pin::Pin};
/// use session_metrics::track_operation;
///
/// #[track_operation("jobs", "fetch")]
/// async fn fetch(id: u32) -> Result<String, std::io::Error> {
///     Ok(format!("job {id}"))
/// }
///
/// #[track_operation("jobs", "later")]
/// fn later(id: u32) -> impl Future<Output = u32> {
///     async move { id + 1 }
/// }
///
/// struct Worker;
///
/// impl Worker {
///     #[track_operation("jobs", "boxed")]
///     fn boxed(&self) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + '_>> {
///         Box::pin(async { Ok(()) })
///     }
/// }
///
/// # futures::executor::block_on(async {
/// assert_eq!(fetch(1).await.unwrap(), "job 1");
/// assert_eq!(later(1).await, 2);
/// assert!(Worker.boxed().await.is_ok());
/// # });
/// ```
///
/// # What the expansion guarantees
///
/// The attribute changes what a call records, and nothing else about the function:
/// - **Signature, attributes, docs**: emitted exactly as written; the body keeps its own
///   braces and spans, and inner attributes (`#![allow(..)]`, inner doc comments) stay at the
///   top of the function.
/// - **Lints**: `rustc`'s lints fire as without the attribute (`dead_code` on an unused
///   function, so `#[expect(dead_code)]` is fulfilled; unused variables in the body; ...), and
///   the generated code draws none of its own, even with `unused_qualifications`,
///   `unused_results` and `clippy::pedantic` turned on. Under `cargo clippy` (which sets
///   `cfg(clippy)`) the attribute expands to the function exactly as written, so clippy lints
///   your code as you wrote it: `unused_async`, `unnecessary_wraps`, `must_use_candidate`,
///   `needless_pass_by_value` and the rest fire or not as without the attribute. The
///   project's lint-parity test compares the warnings of a fixture crate with and without the
///   attribute.
/// - **Names**: the locals and labels the expansion declares are hygienic
///   ([`Span::mixed_site`](https://doc.rust-lang.org/proc_macro/struct.Span.html#method.mixed_site)),
///   and its one `static` sits in a block of its own: the body sees exactly the bindings and
///   items it would see without the attribute, whatever they are called.
/// - **Caller location**: a `#[track_caller]` function's body runs in the function itself, not
///   in a closure, so `Location::caller()` and the location of a panic (`unwrap`, `expect`,
///   indexing) are the caller's. There `return` and `?` are routed through the outcome check
///   where they are written (also inside macro arguments that are expressions); a `return`
///   that a macro generates itself, such as `anyhow::bail!`, cannot be seen and is counted as
///   a failure labelled [`EARLY_RETURN_ERROR_TYPE`]. Other functions run the body in a closure
///   (an `async fn`: an `async` block), which sees every exit; a body with no `return`, no `?`
///   and no macro call has no early exit and runs in the function itself, which is cheaper to
///   compile.
///
/// What the expansion of a sync, an async and a `#[track_caller]` function looks like is kept
/// in `metrics-macros/snapshots/` (checked by `cargo test -p session-metrics-macros`).
///
/// ```
/// use std::panic::Location;
/// use session_metrics::track_operation;
///
/// #[track_operation("config", "get")]
/// #[track_caller]
/// fn called_from() -> u32 {
///     #![allow(clippy::cast_possible_truncation)] // inner attributes work
///     Location::caller().line()
/// }
///
/// assert_eq!(called_from(), line!());
/// ```
///
/// # Errors at compile time
///
/// Missing, empty, non-string, unknown, duplicated or extra arguments, `const fn`, trait
/// method declarations without a body and non-function items are rejected with an error on
/// the offending token:
///
/// ```compile_fail
/// #[session_metrics::track_operation("component")] // missing `event_type`
/// fn f() {}
/// ```
///
/// ```compile_fail
/// #[session_metrics::track_operation("c", "e")] // cannot instrument a `const fn`
/// const fn f() {}
/// ```
pub use session_metrics_macros::track_operation;

/// The content type of the Prometheus text format 0.0.4.
#[cfg(any(feature = "http", feature = "push"))]
pub(crate) const fn http_text_content_type() -> &'static str {
    "text/plain; version=0.0.4; charset=utf-8"
}

/// Used by macro expansions; not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::__session_metrics_register_operation as register_operation;
    pub use crate::callsite::{CallSite, ErrorLevel, Guard};
    pub use crate::catalogue::linked_exports::*;
    pub use crate::catalogue::{
        ErrorLabels, LabelsOf, Operation, ViaErrorLabels, ViaNoLabels, no_error_labels,
    };
    #[cfg(feature = "tracing")]
    pub use crate::instrumented::instrument_traced;
    pub use crate::instrumented::{Instrumented, call_once, expect_output, instrument};
    pub use crate::outcome::{Classify, Outcome, Probe};
    pub use crate::try_exit::{Branch, FromResidual, from_residual};
    #[cfg(feature = "tracing")]
    pub use tracing;
}

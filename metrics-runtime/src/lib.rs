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
//! - `off`: `#[track_operation]` leaves every function exactly as written (arguments are
//!   still checked). The runtime API stays available.
#![warn(missing_docs)]

mod callsite;
mod error;
mod family;
mod global;
mod instrumented;
mod label;
mod metrics;
mod outcome;
mod series;

pub use error::Error;
pub use global::{get_metrics, init_metrics, init_metrics_with_registry};
pub use label::ErrorLabel;
pub use metrics::{
    DEFAULT_EVENT_DURATION_BUCKETS, DEFAULT_SESSION_DURATION_BUCKETS, MAX_ERROR_TYPES,
    OVERFLOW_ERROR_TYPE, SessionMetrics, SessionMetricsBuilder,
};
pub use callsite::{CANCELLED_ERROR_TYPE, PANIC_ERROR_TYPE};

/// Derives [`ErrorLabel`](trait@ErrorLabel): each enum variant is labelled with its name as
/// written, or with `#[error_label("...")]` on the variant; a struct with its name or the
/// attribute on the struct. See the trait for an example.
pub use session_metrics_macros::ErrorLabel;

pub use session_metrics_macros::track_operation;

/// Used by macro expansions; not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::callsite::{CallSite, Guard};
    pub use crate::instrumented::{Instrumented, call_once, expect_output, instrument};
    pub use crate::outcome::{Outcome, Probe, ViaAny, ViaLabel, ViaTypeName};
}

//! The error type of this crate.

use std::fmt;

/// Why building or installing a [`SessionMetrics`](crate::SessionMetrics) failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The global metrics already exist: [`get_metrics`](crate::get_metrics) was called, or
    /// the global was initialised, before this initialisation.
    AlreadyInitialized,
    /// The registry already holds a collector with one of our metric names, e.g. the
    /// application's own metric of that name, or our metrics registered twice.
    AlreadyRegistered {
        /// The metric name that clashes, e.g. `mcp_event_emit_duration_seconds`.
        metric: String,
        /// The registry's own error.
        source: prometheus::Error,
    },
    /// The registry refused a collector for another reason.
    Registry(prometheus::Error),
    /// A histogram bucket list is empty, unsorted, or holds a value that is not finite.
    InvalidBuckets {
        /// The histogram the buckets were meant for.
        metric: &'static str,
        /// What is wrong with them.
        reason: String,
    },
    /// A constant label has an invalid or reserved name.
    InvalidConstLabel {
        /// The offending label name.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The text encoder rejected a metric family (only possible with a user collector).
    Encode(prometheus::Error),
    /// An [`OperationFamily`](crate::OperationFamily) could not be created.
    InvalidFamily {
        /// The family's name prefix.
        prefix: &'static str,
        /// Why it could not be created.
        reason: String,
    },
    /// The [`Objective`](crate::Objective) of a catalogued operation cannot be checked by
    /// rules, e.g. its latency threshold is not one of the histogram's bucket bounds.
    InvalidObjective {
        /// The objective's name.
        objective: &'static str,
        /// The operation: function, labels, file and line.
        operation: String,
        /// What is wrong.
        reason: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::AlreadyInitialized => f.write_str(
                "the global session metrics are already initialised (get_metrics() was called \
                 or an earlier initialisation succeeded)",
            ),
            Error::AlreadyRegistered { metric, .. } => write!(
                f,
                "a collector named `{metric}` is already registered in this registry"
            ),
            Error::Registry(e) => write!(f, "cannot register the session metrics: {e}"),
            Error::InvalidBuckets { metric, reason } => {
                write!(f, "invalid buckets for {metric}: {reason}")
            }
            Error::InvalidConstLabel { name, reason } => {
                write!(f, "invalid constant label {name:?}: {reason}")
            }
            Error::Encode(e) => write!(f, "cannot encode the metrics as text: {e}"),
            Error::InvalidFamily { prefix, reason } => {
                write!(f, "cannot create the operation family {prefix:?}: {reason}")
            }
            Error::InvalidObjective {
                objective,
                operation,
                reason,
            } => write!(
                f,
                "invalid objective {objective:?} of {operation}: {reason}"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Registry(e) | Error::Encode(e) => Some(e),
            Error::AlreadyRegistered { source, .. } => Some(source),
            _ => None,
        }
    }
}

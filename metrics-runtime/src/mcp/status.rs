//! Whether a tool could read the metrics: the `status` and `message` of every answer.
//!
//! `#[schemars(description)]` repeats each type's first rustdoc line: schemars would otherwise
//! put the whole rustdoc, examples included, into the output schema.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::SessionMetrics;

const DISABLED_MESSAGE: &str =
    "session metrics are disabled: nothing is recorded, so there is nothing to report";

/// Whether a tool could read the metrics.
///
/// ```
/// assert_eq!(serde_json::to_value(session_metrics::mcp::Status::Disabled).unwrap(), "disabled");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(description = "Whether a tool could read the metrics.")]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The answer reflects the current metrics.
    Ok,
    /// Metrics are disabled (`SessionMetrics::disabled`): nothing is recorded, which is not an error.
    Disabled,
    /// The registry could not be encoded (a faulty collector of the application's own);
    /// `message` says why. Only `get_prometheus_metrics` encodes, so only it answers this.
    Unavailable,
}

pub(super) fn status_of(metrics: &SessionMetrics) -> (Status, Option<String>) {
    if metrics.is_enabled() {
        (Status::Ok, None)
    } else {
        (Status::Disabled, Some(DISABLED_MESSAGE.to_owned()))
    }
}

//! [`PushError`]: a failed push, naming the URL (never its password) and what went wrong.

use std::fmt;
use std::time::Duration;

use http::StatusCode;

/// A failed push, always naming the URL. A password in the URL is shown as `***`, in
/// `Display` and `Debug` alike.
#[derive(Debug, Clone)]
pub struct PushError {
    /// Already without a password.
    pub(super) url: String,
    pub(super) kind: PushErrorKind,
}

/// What went wrong with a push.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum PushErrorKind {
    /// The gateway URL is unusable.
    InvalidUrl(String),
    /// A job or grouping label is unusable.
    InvalidLabel(String),
    /// The registry could not be encoded.
    Encode(String),
    /// No connection or a broken one (refused, reset, DNS, ...).
    Transport(String),
    /// No complete answer within the timeout.
    Timeout(Duration),
    /// The gateway answered with an error status.
    Status {
        /// The HTTP status.
        status: StatusCode,
        /// The start of the gateway's explanation.
        body: String,
    },
}

impl PushError {
    /// The URL of the failed request, a password in it shown as `***`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// What went wrong.
    pub fn kind(&self) -> &PushErrorKind {
        &self.kind
    }
}

impl fmt::Display for PushError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = &self.url;
        match &self.kind {
            PushErrorKind::InvalidUrl(reason) => {
                write!(f, "invalid Pushgateway URL {url:?}: {reason}")
            }
            PushErrorKind::InvalidLabel(reason) => {
                write!(f, "invalid Pushgateway group at {url}: {reason}")
            }
            PushErrorKind::Encode(reason) => write!(f, "cannot push to {url}: {reason}"),
            PushErrorKind::Transport(cause) => {
                write!(f, "cannot reach the Pushgateway at {url}: {cause}")
            }
            PushErrorKind::Timeout(limit) => {
                write!(
                    f,
                    "the Pushgateway at {url} did not answer within {limit:?}"
                )
            }
            PushErrorKind::Status { status, body } if body.is_empty() => {
                write!(f, "the Pushgateway at {url} answered {status}")
            }
            PushErrorKind::Status { status, body } => {
                write!(f, "the Pushgateway at {url} answered {status}: {body}")
            }
        }
    }
}

impl std::error::Error for PushError {}

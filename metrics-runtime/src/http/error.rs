//! [`ServeError`]: why the built-in server could not start.

use std::fmt;
use std::net::SocketAddr;

/// Why the server could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServeError {
    /// The address could not be bound, e.g. because it is in use.
    Bind {
        /// The address we tried.
        addr: SocketAddr,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// An option is invalid.
    InvalidOption(String),
    /// The runtime thread of a [`BlockingMetricsServer`](super::BlockingMetricsServer) could
    /// not be started.
    Runtime(std::io::Error),
}

impl fmt::Display for ServeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServeError::Bind { addr, source } => {
                write!(f, "cannot serve metrics on {addr}: {source}")?;
                if source.kind() == std::io::ErrorKind::AddrInUse && addr.port() == 9090 {
                    write!(
                        f,
                        " (9090 is also Prometheus' own default port; set \
                         SESSION_BUDDY_PROMETHEUS_METRICS_PORT to another port)"
                    )?;
                }
                Ok(())
            }
            ServeError::InvalidOption(reason) => write!(f, "invalid server option: {reason}"),
            ServeError::Runtime(e) => write!(f, "cannot start the metrics server thread: {e}"),
        }
    }
}

impl std::error::Error for ServeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ServeError::Bind { source, .. } | ServeError::Runtime(source) => Some(source),
            ServeError::InvalidOption(_) => None,
        }
    }
}

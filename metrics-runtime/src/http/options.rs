//! [`ServerOptions`]: paths, limits and timeouts of the built-in server, and their checks.

use std::time::Duration;

use super::ServeError;

/// The connection cap when the descriptor limit does not ask for fewer.
pub const DEFAULT_MAX_CONNECTIONS: usize = 256;

/// How the built-in server behaves, and the bounds it keeps under hostile clients.
///
/// Each connection holds at most one response at a time (a pipelined request is answered only
/// after the previous answer has been handed to the operating system), at most
/// [`max_header_bytes`](Self::max_header_bytes) of request data read ahead, and hyper's and
/// tokio's state: under 64 KiB besides the response. So the memory the server adds is at most
/// about `(max_connections + 1) × (largest response + 64 KiB)`, plus one rendering of the
/// registry per runtime thread. With the defaults and a registry of 10,000 series (a body of
/// 362 KiB) that is 107 MiB plus the rendering; 1,000 clients that pipeline `GET /metrics`
/// and never read added 100 MiB to a server's resident memory in our tests.
///
/// ```
/// use std::time::Duration;
/// use session_metrics::http::ServerOptions;
///
/// let options = ServerOptions {
///     max_connections: 64,
///     write_timeout: Duration::from_secs(5),
///     ..ServerOptions::default()
/// };
/// assert_eq!(options.idle_timeout, Duration::from_secs(30));
/// assert!(ServerOptions::default().max_connections <= 256);
/// ```
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Where the metrics are served; must start with `/`. Default `/metrics`.
    pub path: String,
    /// A liveness path answering `200 ok`. Default `/health`.
    pub health_path: String,
    /// A request head must be complete within this time of its first byte, or the
    /// connection is closed. Default 5 s.
    pub header_read_timeout: Duration,
    /// Largest accepted request head in bytes (larger gets `431`), and the most request data
    /// read ahead on a connection: pipelined requests beyond it wait in the operating
    /// system's buffers, which stop the client once full. Default 16 KiB, at least 8 KiB.
    pub max_header_bytes: usize,
    /// How long a graceful shutdown waits for open requests. Default 5 s.
    pub shutdown_grace: Duration,
    /// Most connections open at once; each is a file descriptor of the process. At the cap a
    /// new connection takes the place of the connection idle the longest (no request in
    /// progress), else of the one waiting longest for its client to read a response; when
    /// every connection is busy sending, it gets `503 Service Unavailable` and is closed.
    /// Default [`DEFAULT_MAX_CONNECTIONS`] (256), or a quarter of the process's soft
    /// `RLIMIT_NOFILE` when that is lower (64 under a limit of 256), so most descriptors stay
    /// with the application. At least 1.
    pub max_connections: usize,
    /// A response must be handed to the operating system within this time of its request
    /// being read, or the connection is dropped: a client that does not read cannot keep a
    /// response in memory longer. Default 10 s, Prometheus' default scrape timeout.
    pub write_timeout: Duration,
    /// A keep-alive connection with no request for this long is closed. Default 30 s, more
    /// than Prometheus' default 15 s scrape interval, so scrapes reuse their connection.
    pub idle_timeout: Duration,
    /// The response to this many-th request on one connection says `Connection: close`
    /// and ends it; pipelined requests after it are not read. Default 1,000.
    pub max_requests_per_connection: usize,
    /// Whether to serve the live status page at `/` and its data at `/status.json` (see
    /// [`StatusHistory`](super::StatusHistory)); off, those paths are `404`. Default `true`.
    pub status_page: bool,
    /// How often the status page's history samples the cells; the history keeps
    /// [`HISTORY_SAMPLES`](super::HISTORY_SAMPLES) samples per operation, 15 minutes at the
    /// default [`SAMPLE_INTERVAL`](super::SAMPLE_INTERVAL) (5 s). At least 10 ms.
    pub status_sample_interval: Duration,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            path: "/metrics".into(),
            health_path: "/health".into(),
            header_read_timeout: Duration::from_secs(5),
            max_header_bytes: 16 * 1024,
            shutdown_grace: Duration::from_secs(5),
            max_connections: default_max_connections(),
            write_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            max_requests_per_connection: 1_000,
            status_page: true,
            status_sample_interval: super::SAMPLE_INTERVAL,
        }
    }
}

impl ServerOptions {
    /// The defaults with the path and connection cap from `settings`; the address is
    /// [`Settings::socket_addr`](crate::settings::Settings::socket_addr).
    pub fn from_settings(settings: &crate::settings::Settings) -> Self {
        let defaults = Self::default();
        Self {
            path: settings.prometheus_metrics_path.clone(),
            max_connections: settings
                .prometheus_metrics_max_connections
                .unwrap_or(defaults.max_connections),
            status_page: settings.prometheus_metrics_status_page,
            ..defaults
        }
    }

    pub(super) fn validate(&self) -> Result<(), ServeError> {
        let invalid = |reason: String| Err(ServeError::InvalidOption(reason));
        for (name, path) in [("path", &self.path), ("health_path", &self.health_path)] {
            if !path.starts_with('/') {
                return invalid(format!("{name} {path:?} must start with `/`"));
            }
        }
        if self.path == self.health_path {
            return invalid(format!("path and health_path are both {:?}", self.path));
        }
        if self.status_sample_interval < Duration::from_millis(10) {
            return invalid(format!(
                "status_sample_interval {:?} is below 10 ms",
                self.status_sample_interval
            ));
        }
        if self.status_page {
            for (name, path) in [("path", &self.path), ("health_path", &self.health_path)] {
                if super::STATUS_PATHS.contains(&path.as_str()) {
                    return invalid(format!(
                        "{name} {path:?} is a path of the status page; choose another or \
                         turn status_page off"
                    ));
                }
            }
        }
        if self.max_header_bytes < 8192 {
            return invalid(format!(
                "max_header_bytes {} is below hyper's minimum of 8192",
                self.max_header_bytes
            ));
        }
        for (name, value) in [
            ("max_connections", self.max_connections),
            (
                "max_requests_per_connection",
                self.max_requests_per_connection,
            ),
        ] {
            if value == 0 {
                return invalid(format!("{name} must be at least 1"));
            }
        }
        // tokio's semaphore holds at most usize::MAX >> 3 permits.
        if self.max_connections > tokio::sync::Semaphore::MAX_PERMITS {
            return invalid(format!(
                "max_connections {} is above {}",
                self.max_connections,
                tokio::sync::Semaphore::MAX_PERMITS
            ));
        }
        for (name, timeout) in [
            ("header_read_timeout", self.header_read_timeout),
            ("write_timeout", self.write_timeout),
            ("idle_timeout", self.idle_timeout),
        ] {
            if timeout.is_zero() {
                return invalid(format!("{name} must be above zero"));
            }
        }
        Ok(())
    }
}

/// [`DEFAULT_MAX_CONNECTIONS`], or a quarter of the soft descriptor limit if that is lower.
fn default_max_connections() -> usize {
    let quarter = descriptor_limit().map_or(usize::MAX, |limit| {
        usize::try_from(limit / 4).unwrap_or(usize::MAX)
    });
    DEFAULT_MAX_CONNECTIONS.min(quarter).max(1)
}

/// The soft `RLIMIT_NOFILE` of this process, if there is one.
#[cfg(unix)]
#[allow(
    clippy::unnecessary_cast,
    reason = "rlim_t is u64 on Linux, not on every unix"
)]
fn descriptor_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct it is given, which outlives the call.
    let status = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    (status == 0 && limit.rlim_cur != libc::RLIM_INFINITY).then_some(limit.rlim_cur as u64)
}

#[cfg(not(unix))]
fn descriptor_limit() -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_cap_leaves_three_quarters_of_the_descriptors() {
        let cap = default_max_connections();
        assert!((1..=DEFAULT_MAX_CONNECTIONS).contains(&cap));
        if let Some(limit) = descriptor_limit() {
            assert!(cap as u64 <= (limit / 4).max(1), "cap {cap}, limit {limit}");
        }
    }

    #[test]
    fn zero_limits_are_rejected_by_name() {
        for (options, name) in [
            (
                ServerOptions {
                    max_connections: 0,
                    ..ServerOptions::default()
                },
                "max_connections",
            ),
            (
                ServerOptions {
                    write_timeout: Duration::ZERO,
                    ..ServerOptions::default()
                },
                "write_timeout",
            ),
            (
                ServerOptions {
                    idle_timeout: Duration::ZERO,
                    ..ServerOptions::default()
                },
                "idle_timeout",
            ),
            (
                ServerOptions {
                    max_requests_per_connection: 0,
                    ..ServerOptions::default()
                },
                "max_requests_per_connection",
            ),
        ] {
            let error = options.validate().unwrap_err().to_string();
            assert!(error.contains(name), "{error}");
        }
        assert!(ServerOptions::default().validate().is_ok());
    }

    #[test]
    fn the_status_page_paths_are_its_own_while_it_is_on() {
        let on = ServerOptions {
            path: "/".into(),
            ..ServerOptions::default()
        };
        let error = on.validate().unwrap_err().to_string();
        assert!(
            error.contains("path \"/\" is a path of the status page"),
            "{error}"
        );
        let off = ServerOptions {
            status_page: false,
            ..on
        };
        assert!(off.validate().is_ok());
    }
}

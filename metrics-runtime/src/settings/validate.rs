//! The checks serde cannot express: [`Settings::problem`] and its path, URL and label-name
//! rules.

use prometheus::Registry;

use super::Settings;
use super::locate::Problem;
use super::render::shown_raw;
use super::url::UrlParts;
use crate::{Error, SessionMetrics};

/// The longest `prometheus_metrics_path` accepted, in bytes.
///
/// The metrics server refuses a request head (request line and headers) larger than its
/// header limit: 16 KiB by default and never less than 8 KiB, hyper's minimum. A path of at
/// most 4 KiB leaves at least 4 KiB for the rest of a scraper's request.
///
/// ```
/// use session_metrics::settings::{MAX_METRICS_PATH_BYTES, Settings};
///
/// let path = format!("/{}", "m".repeat(MAX_METRICS_PATH_BYTES));
/// let env = [("SESSION_BUDDY_PROMETHEUS_METRICS_PATH".to_owned(), path)];
/// let error = Settings::load_from(None, env).unwrap_err();
/// assert!(error.to_string().contains("longer than 4096 bytes"));
/// ```
pub const MAX_METRICS_PATH_BYTES: usize = 4096;

// hyper's smallest header limit (8 KiB) leaves as much again beside the longest path.
const _: () = assert!(MAX_METRICS_PATH_BYTES * 2 <= 8192);

/// The route of the metrics server's liveness check (`ServerOptions::health_path` by
/// default), which the metrics path must not take.
const HEALTH_PATH: &str = "/health";

/// The paths of the metrics server's status page (`http::STATUS_PATHS`), which the metrics
/// path must not take while the page is on.
pub(crate) const STATUS_PAGE_PATHS: [&str; 4] = ["/", "/status.js", "/status.css", "/status.json"];

impl Settings {
    /// The first value that serde accepted but the metrics or the endpoints would not.
    pub(super) fn problem(&self) -> Option<Problem> {
        if let Some(problem) = path_problem(&self.prometheus_metrics_path) {
            return Some(problem);
        }
        if self.prometheus_metrics_status_page
            && STATUS_PAGE_PATHS.contains(&self.prometheus_metrics_path.as_str())
        {
            return Some(Problem::new(
                "prometheus_metrics_path",
                shown_raw("prometheus_metrics_path", &self.prometheus_metrics_path),
                "the status page serves this path; choose another path or set \
                 prometheus_metrics_status_page to false",
            ));
        }
        if self.prometheus_metrics_max_connections == Some(0) {
            return Some(Problem::new(
                "prometheus_metrics_max_connections",
                "0",
                "the endpoint needs at least 1 connection",
            ));
        }
        // The builder holds the rules for buckets and labels; a throwaway build applies them
        // exactly as build_metrics will.
        let buckets = [
            ("event_duration_buckets", &self.event_duration_buckets, true),
            (
                "session_duration_buckets",
                &self.session_duration_buckets,
                false,
            ),
        ];
        for (key, list, is_event) in buckets {
            let builder = SessionMetrics::builder();
            let builder = if is_event {
                builder.event_duration_buckets(list.iter().copied())
            } else {
                builder.session_duration_buckets(list.iter().copied())
            };
            if let Err(error) = builder.build(Registry::new()) {
                let reason = match error {
                    Error::InvalidBuckets { reason, .. } => reason,
                    other => other.to_string(),
                };
                return Some(Problem::new(key, format!("{list:?}"), reason));
            }
        }
        for (name, value) in &self.const_labels {
            let built = SessionMetrics::builder()
                .const_label(name, value)
                .build(Registry::new());
            if let Err(error) = built {
                let reason = match error {
                    Error::InvalidConstLabel { reason, .. } => reason.to_owned(),
                    other => other.to_string(),
                };
                return Some(Problem::new("const_labels", format!("{name:?}"), reason).at(name));
            }
        }
        let push = &self.pushgateway;
        if let Some(url) = &push.url
            && let Err(reason) = check_url(url)
        {
            return Some(Problem::new(
                "pushgateway.url",
                shown_raw("pushgateway.url", url),
                reason,
            ));
        }
        if push.job.trim().is_empty() {
            return Some(Problem::new(
                "pushgateway.job",
                format!("{:?}", push.job),
                "the job name cannot be empty",
            ));
        }
        for name in push.grouping.keys() {
            if let Err(reason) = check_grouping_label(name) {
                return Some(
                    Problem::new("pushgateway.grouping", format!("{name:?}"), reason).at(name),
                );
            }
        }
        for (key, duration) in [
            ("pushgateway.timeout_seconds", push.timeout),
            ("pushgateway.push_interval_seconds", push.push_interval),
        ] {
            if duration.is_zero() {
                return Some(Problem::new(key, "0", "must be more than 0 seconds"));
            }
        }
        if push.push_interval < push.timeout {
            // A push must end before the next starts, and stopping must not wait for more
            // than one push.
            return Some(Problem::new(
                "pushgateway.push_interval_seconds",
                push.push_interval.as_secs_f64().to_string(),
                format!(
                    "must be at least `pushgateway.timeout_seconds` ({} s), so that one push \
                     ends before the next begins; raise the interval or lower the timeout",
                    push.timeout.as_secs_f64()
                ),
            ));
        }
        None
    }
}

fn path_problem(path: &str) -> Option<Problem> {
    let problem = |reason: String| {
        Some(Problem::new(
            "prometheus_metrics_path",
            shown_raw("prometheus_metrics_path", path),
            reason,
        ))
    };
    if !path.starts_with('/') {
        return problem("a URL path must start with `/`".into());
    }
    if path
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '?' || c == '#')
    {
        return problem("a URL path cannot hold whitespace, control characters, `?` or `#`".into());
    }
    if !path.is_ascii() {
        // A scraper sends such a path percent-encoded; the server compares it as written.
        return problem(
            "the path must be ASCII (the server matches it byte for byte, while a scraper \
             would send other characters percent-encoded)"
                .into(),
        );
    }
    if path.len() > MAX_METRICS_PATH_BYTES {
        return problem(format!(
            "{} bytes is longer than {MAX_METRICS_PATH_BYTES} bytes, which keeps a scrape \
             request within the metrics server's header size limit",
            path.len()
        ));
    }
    if path == HEALTH_PATH {
        return problem(format!(
            "`{HEALTH_PATH}` is the metrics server's health route; choose another path"
        ));
    }
    None
}

fn check_url(url: &str) -> Result<(), String> {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("https://") {
        // The push client speaks plain HTTP only (see the `push` module).
        return Err(
            "https is not supported; use http:// (behind a TLS-terminating proxy if needed)".into(),
        );
    }
    let Some(rest) = lower.strip_prefix("http://") else {
        return Err("the URL must start with http://".into());
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("the URL cannot hold whitespace or control characters".into());
    }
    let parts = UrlParts::split(url).ok_or("the URL must start with http://")?;
    if rest.is_empty() || rest.starts_with(['/', '?', '#']) || parts.host.is_empty() {
        return Err("the URL has no host".into());
    }
    parts.check_port()
}

fn check_grouping_label(name: &str) -> Result<(), &'static str> {
    let mut chars = name.chars();
    let valid_start = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !valid_start || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err("a label name must match [a-zA-Z_][a-zA-Z0-9_]*");
    }
    if name.starts_with("__") {
        return Err("names starting with `__` are reserved by Prometheus");
    }
    if name == "job" {
        return Err("`job` is set by pushgateway.job");
    }
    Ok(())
}

#[cfg(all(test, feature = "http"))]
mod tests {
    #[test]
    fn the_health_route_is_the_servers() {
        let options = crate::http::ServerOptions::default();
        assert_eq!(options.health_path, super::HEALTH_PATH);
        assert!(super::MAX_METRICS_PATH_BYTES * 2 <= options.max_header_bytes);
    }
}

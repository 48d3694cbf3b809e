//! The checks serde cannot express: [`Settings::problem`] and its URL and label-name rules.

use prometheus::Registry;

use super::Settings;
use super::locate::Problem;
use super::render::redact_userinfo;
use crate::{Error, SessionMetrics};

impl Settings {
    /// The first value that serde accepted but the metrics or the endpoints would not.
    pub(super) fn problem(&self) -> Option<Problem> {
        let path = &self.prometheus_metrics_path;
        if !path.starts_with('/') {
            return Some(Problem::new(
                "prometheus_metrics_path",
                format!("{path:?}"),
                "a URL path must start with `/`",
            ));
        }
        if path
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '?' || c == '#')
        {
            return Some(Problem::new(
                "prometheus_metrics_path",
                format!("{path:?}"),
                "a URL path cannot hold whitespace, control characters, `?` or `#`",
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
                format!("{:?}", redact_userinfo(url)),
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
        None
    }
}

fn check_url(url: &str) -> Result<(), &'static str> {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("https://") {
        // The push client speaks plain HTTP only (see the `push` module).
        return Err(
            "https is not supported; use http:// (behind a TLS-terminating proxy if needed)",
        );
    }
    let Some(rest) = lower.strip_prefix("http://") else {
        return Err("the URL must start with http://");
    };
    if rest.is_empty() || rest.starts_with(['/', '?', '#']) {
        return Err("the URL has no host");
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("the URL cannot hold whitespace or control characters");
    }
    Ok(())
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

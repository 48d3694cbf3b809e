//! [`KEYS`]: every setting's dotted key, how its environment variable is read, and what it
//! accepts (for error messages).

use super::ENV_PREFIX;

/// How a key's environment value is turned into a figment value.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum EnvSyntax {
    /// Taken verbatim: a path, address, URL or name never needs figment's typing.
    Text,
    /// figment's value syntax: booleans and numbers.
    Scalar,
    /// A list; the brackets may be left out.
    List,
    /// A map; the braces may be left out.
    Map,
    /// A section of the file; no variable of its own.
    Section,
}

/// One setting: its dotted key, how its variable is read, and what it accepts.
pub(super) struct Key {
    pub(super) path: &'static str,
    pub(super) syntax: EnvSyntax,
    pub(super) expects: &'static str,
}

pub(super) const KEYS: &[Key] = &[
    Key {
        path: "enable_prometheus_metrics",
        syntax: EnvSyntax::Scalar,
        expects: "true or false",
    },
    Key {
        path: "prometheus_metrics_port",
        syntax: EnvSyntax::Scalar,
        expects: "a port number from 0 to 65535",
    },
    Key {
        path: "prometheus_metrics_path",
        syntax: EnvSyntax::Text,
        expects: "a URL path starting with `/`",
    },
    Key {
        path: "prometheus_metrics_bind",
        syntax: EnvSyntax::Text,
        expects: "an IP address such as 127.0.0.1, 0.0.0.0 or ::1",
    },
    Key {
        path: "prometheus_metrics_max_connections",
        syntax: EnvSyntax::Scalar,
        expects: "a whole number of connections, at least 1",
    },
    Key {
        path: "prometheus_metrics_status_page",
        syntax: EnvSyntax::Scalar,
        expects: "true or false",
    },
    Key {
        path: "event_duration_buckets",
        syntax: EnvSyntax::List,
        expects: "a list of numbers (seconds), e.g. [0.01, 0.1, 1]",
    },
    Key {
        path: "session_duration_buckets",
        syntax: EnvSyntax::List,
        expects: "a list of numbers (seconds), e.g. [60, 600, 3600]",
    },
    Key {
        path: "const_labels",
        syntax: EnvSyntax::Map,
        expects: "a map of label names to text values (quote values that look like numbers)",
    },
    Key {
        path: "pushgateway",
        syntax: EnvSyntax::Section,
        expects: "a map of Pushgateway settings",
    },
    Key {
        path: "pushgateway.url",
        syntax: EnvSyntax::Text,
        expects: "an http:// URL",
    },
    Key {
        path: "pushgateway.job",
        syntax: EnvSyntax::Text,
        expects: "a job name",
    },
    Key {
        path: "pushgateway.grouping",
        syntax: EnvSyntax::Map,
        expects: "a map of label names to text values (quote values that look like numbers)",
    },
    Key {
        path: "pushgateway.timeout_seconds",
        syntax: EnvSyntax::Scalar,
        expects: "a positive number of seconds",
    },
    Key {
        path: "pushgateway.push_interval_seconds",
        syntax: EnvSyntax::Scalar,
        expects: "a positive number of seconds",
    },
];

impl Key {
    /// The key that `path` (from a figment error) is, or is inside of.
    pub(super) fn containing(path: &[String]) -> Option<&'static Key> {
        KEYS.iter()
            .filter(|key| {
                let parts = key.path.split('.');
                parts.clone().count() <= path.len() && parts.zip(path).all(|(a, b)| a == b)
            })
            .max_by_key(|key| key.path.len())
    }

    pub(super) fn named(path: &str) -> Option<&'static Key> {
        KEYS.iter().find(|key| key.path == path)
    }

    /// The key whose environment variable is `name` (ignoring case).
    pub(super) fn of_variable(name: &str) -> Option<&'static Key> {
        KEYS.iter().find(|key| {
            key.syntax != EnvSyntax::Section && env_var_name(key.path).eq_ignore_ascii_case(name)
        })
    }
}

/// The variable of the dotted key `path`: `pushgateway.url` → `SESSION_BUDDY_PUSHGATEWAY_URL`.
pub(super) fn env_var_name(path: &str) -> String {
    format!(
        "{ENV_PREFIX}{}",
        path.replace('.', "_").to_ascii_uppercase()
    )
}

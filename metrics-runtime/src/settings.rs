//! [`Settings`]: built-in defaults, overridden by a YAML file, overridden by `SESSION_BUDDY_*`
//! environment variables.
//!
//! ```
//! use session_metrics::settings::Settings;
//!
//! let env = [
//!     ("SESSION_BUDDY_PROMETHEUS_METRICS_PORT", "9100"),
//!     ("SESSION_BUDDY_CONST_LABELS", "service=session-buddy, instance=buddy-1"),
//!     ("SESSION_BUDDY_EVENT_DURATION_BUCKETS", "0.01, 0.1, 1"),
//! ];
//! let settings = Settings::load_from(None, env.map(|(k, v)| (k.to_owned(), v.to_owned())))?;
//! assert_eq!(settings.prometheus_metrics_port, 9100);
//! assert_eq!(settings.const_labels["instance"], "buddy-1");
//! assert_eq!(settings.event_duration_buckets, [0.01, 0.1, 1.0]);
//! # Ok::<(), session_metrics::settings::SettingsError>(())
//! ```
//!
//! # Keys
//!
//! | YAML key | environment variable | default | meaning |
//! |---|---|---|---|
//! | `enable_prometheus_metrics` | `SESSION_BUDDY_ENABLE_PROMETHEUS_METRICS` | `true` | record metrics at all |
//! | `prometheus_metrics_port` | `SESSION_BUDDY_PROMETHEUS_METRICS_PORT` | `9090` | TCP port of the scrape endpoint (`0`: any free port) |
//! | `prometheus_metrics_path` | `SESSION_BUDDY_PROMETHEUS_METRICS_PATH` | `/metrics` | URL path of the scrape endpoint |
//! | `prometheus_metrics_bind` | `SESSION_BUDDY_PROMETHEUS_METRICS_BIND` | `127.0.0.1` | IP address the endpoint listens on; `0.0.0.0` or `::` to serve other hosts |
//! | `event_duration_buckets` | `SESSION_BUDDY_EVENT_DURATION_BUCKETS` | [`DEFAULT_EVENT_DURATION_BUCKETS`] | buckets of `mcp_event_emit_duration_seconds` |
//! | `session_duration_buckets` | `SESSION_BUDDY_SESSION_DURATION_BUCKETS` | [`DEFAULT_SESSION_DURATION_BUCKETS`] | buckets of `session_duration_seconds` |
//! | `const_labels` | `SESSION_BUDDY_CONST_LABELS` | none | labels added to every series, e.g. `instance`, `service` |
//! | `pushgateway.url` | `SESSION_BUDDY_PUSHGATEWAY_URL` | none (no push) | Pushgateway base URL, `http://` |
//! | `pushgateway.job` | `SESSION_BUDDY_PUSHGATEWAY_JOB` | `session-metrics` | `job` of the pushed group |
//! | `pushgateway.grouping` | `SESSION_BUDDY_PUSHGATEWAY_GROUPING` | none | further labels of the pushed group |
//! | `pushgateway.timeout_seconds` | `SESSION_BUDDY_PUSHGATEWAY_TIMEOUT_SECONDS` | `10` | time limit of one push |
//! | `pushgateway.push_interval_seconds` | `SESSION_BUDDY_PUSHGATEWAY_PUSH_INTERVAL_SECONDS` | `15` | time between pushes |
//!
//! # Where settings come from
//!
//! Each key takes the first value found in: the environment, the YAML file, the defaults.
//! Maps (`const_labels`, `pushgateway.grouping`) are merged entry by entry across the layers.
//!
//! The YAML file is, in order of precedence: the `file` argument of [`Settings::load_from`],
//! the path in `SESSION_BUDDY_SETTINGS_FILE`, or [`DEFAULT_SETTINGS_FILE`] relative to the
//! working directory. The default file is skipped when it does not exist; a file named by the
//! argument or the variable must be readable (and at most 1 MiB). Unknown keys in the file
//! are errors, so typos are caught; a key left empty (`key:` or `key: null`) keeps its
//! default. `settings/session-buddy.yaml` in the repository lists every key.
//!
//! # Environment variables
//!
//! A variable is the YAML key in upper case with `.` replaced by `_`, after the
//! `SESSION_BUDDY_` prefix (names are matched ignoring case). Other `SESSION_BUDDY_*`
//! variables are ignored, so an application may use the prefix too. A variable that is set
//! is used, even when empty. Values are read with figment's value syntax:
//!
//! - text (`prometheus_metrics_path`, `prometheus_metrics_bind`, `pushgateway.url`,
//!   `pushgateway.job`): the value exactly as given, without quotes;
//! - booleans: `true`/`false`, also `1`/`0`, `yes`/`no`, `on`/`off`;
//! - numbers: `9090`, `2.5`;
//! - lists: `0.01, 0.1, 1` or `[0.01, 0.1, 1]`;
//! - maps: `instance=buddy-1, service=session-buddy` or `{instance = "buddy-1"}`. Quote a
//!   label value that would otherwise read as a number or boolean: `shard="3"`.
//!
//! # Errors
//!
//! Loading never panics. A [`SettingsError`] names the key, where its value came from (the
//! file or the variable) and the value, e.g.
//! ``invalid setting `prometheus_metrics_port` = "abc" from environment variable
//! SESSION_BUDDY_PROMETHEUS_METRICS_PORT: expected a port number from 0 to 65535``.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::error::Kind;
use figment::value::{Dict, Empty, Map, Tag, Value};
use figment::{Figment, Metadata, Profile, Provider};
use prometheus::Registry;
use serde::{Deserialize, Serialize};

use crate::{
    DEFAULT_EVENT_DURATION_BUCKETS, DEFAULT_SESSION_DURATION_BUCKETS, Error, SessionMetrics,
    SessionMetricsBuilder,
};

/// The YAML file read when neither [`Settings::load_from`]'s `file` argument nor
/// [`SETTINGS_FILE_VAR`] names one, relative to the working directory.
///
/// ```
/// assert_eq!(session_metrics::settings::DEFAULT_SETTINGS_FILE, "settings/session-buddy.yaml");
/// ```
pub const DEFAULT_SETTINGS_FILE: &str = "settings/session-buddy.yaml";

/// The environment variable that names the YAML file instead of [`DEFAULT_SETTINGS_FILE`].
///
/// ```
/// assert_eq!(session_metrics::settings::SETTINGS_FILE_VAR, "SESSION_BUDDY_SETTINGS_FILE");
/// ```
pub const SETTINGS_FILE_VAR: &str = "SESSION_BUDDY_SETTINGS_FILE";

/// The prefix of every environment variable read by [`Settings::load`].
///
/// ```
/// assert_eq!(session_metrics::settings::ENV_PREFIX, "SESSION_BUDDY_");
/// ```
pub const ENV_PREFIX: &str = "SESSION_BUDDY_";

/// A settings file larger than this is refused rather than read into memory.
const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// An environment value with more brackets than this is refused before figment's recursive
/// parser sees it, so a hostile value cannot overflow the stack.
const MAX_ENV_BRACKETS: usize = 64;

/// The metrics settings. See the [module documentation](self) for every key, its
/// environment variable and its default.
///
/// ```
/// use session_metrics::settings::Settings;
///
/// let mut settings = Settings::default();
/// assert!(settings.enable_prometheus_metrics);
/// assert_eq!(settings.socket_addr().to_string(), "127.0.0.1:9090");
/// settings.prometheus_metrics_port = 9100;
/// settings.validate()?;
/// # Ok::<(), session_metrics::settings::SettingsError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Settings {
    /// Whether to record metrics; `false` makes [`build_metrics`](Self::build_metrics) return
    /// [`SessionMetrics::disabled`]. Default `true`.
    pub enable_prometheus_metrics: bool,
    /// TCP port of the scrape endpoint. Default `9090`.
    pub prometheus_metrics_port: u16,
    /// URL path of the scrape endpoint, starting with `/`. Default `/metrics`.
    pub prometheus_metrics_path: String,
    /// IP address the scrape endpoint listens on. Default `127.0.0.1`, so the metrics are
    /// only reachable from this host unless this is set to e.g. `0.0.0.0` or `::`.
    pub prometheus_metrics_bind: IpAddr,
    /// Upper bounds (seconds) of `mcp_event_emit_duration_seconds`: finite and strictly
    /// increasing. Default [`DEFAULT_EVENT_DURATION_BUCKETS`].
    pub event_duration_buckets: Vec<f64>,
    /// Upper bounds (seconds) of `session_duration_seconds`: finite and strictly increasing.
    /// Default [`DEFAULT_SESSION_DURATION_BUCKETS`].
    pub session_duration_buckets: Vec<f64>,
    /// Labels with a fixed value added to every series, e.g. `instance` or `service`. Names
    /// must be valid Prometheus label names not used by the metrics themselves. Default none.
    pub const_labels: BTreeMap<String, String>,
    /// Pushing to a Prometheus Pushgateway (off unless [`PushgatewaySettings::url`] is set).
    pub pushgateway: PushgatewaySettings,
}

/// Settings for pushing the metrics to a Prometheus Pushgateway: the YAML section
/// `pushgateway` and the `SESSION_BUDDY_PUSHGATEWAY_*` variables.
///
/// ```
/// use std::time::Duration;
/// use session_metrics::settings::Settings;
///
/// let env = [("SESSION_BUDDY_PUSHGATEWAY_URL", "http://pushgateway:9091")];
/// let settings = Settings::load_from(None, env.map(|(k, v)| (k.to_owned(), v.to_owned())))?;
/// let push = &settings.pushgateway;
/// assert!(push.is_enabled());
/// assert_eq!(push.job, "session-metrics");
/// assert_eq!(push.push_interval, Duration::from_secs(15));
/// # Ok::<(), session_metrics::settings::SettingsError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct PushgatewaySettings {
    /// Base URL of the Pushgateway, `http://` (https is not supported), e.g.
    /// `http://pushgateway:9091`.
    /// `None` (the default): do not push; an empty variable turns off a URL set in the file.
    pub url: Option<String>,
    /// The `job` label of the pushed group; not empty. Default `session-metrics`.
    pub job: String,
    /// Further labels identifying the pushed group, e.g. `instance`. Default none.
    pub grouping: BTreeMap<String, String>,
    /// Time limit of one push request; key `timeout_seconds`, a number of seconds. Default 10 s.
    #[serde(rename = "timeout_seconds", with = "seconds")]
    pub timeout: Duration,
    /// Time between two pushes; key `push_interval_seconds`, a number of seconds. Default 15 s.
    #[serde(rename = "push_interval_seconds", with = "seconds")]
    pub push_interval: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            enable_prometheus_metrics: true,
            prometheus_metrics_port: 9090,
            prometheus_metrics_path: "/metrics".to_owned(),
            prometheus_metrics_bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            event_duration_buckets: DEFAULT_EVENT_DURATION_BUCKETS.to_vec(),
            session_duration_buckets: DEFAULT_SESSION_DURATION_BUCKETS.to_vec(),
            const_labels: BTreeMap::new(),
            pushgateway: PushgatewaySettings::default(),
        }
    }
}

impl Default for PushgatewaySettings {
    fn default() -> Self {
        Self {
            url: None,
            job: "session-metrics".to_owned(),
            grouping: BTreeMap::new(),
            timeout: Duration::from_secs(10),
            push_interval: Duration::from_secs(15),
        }
    }
}

impl PushgatewaySettings {
    /// Whether a Pushgateway URL is configured.
    ///
    /// ```
    /// let push = session_metrics::settings::PushgatewaySettings::default();
    /// assert!(!push.is_enabled());
    /// ```
    pub fn is_enabled(&self) -> bool {
        self.url.is_some()
    }
}

impl Settings {
    /// Loads the settings from the process environment and the YAML file it (or the default
    /// path) names; see [`load_from`](Self::load_from).
    ///
    /// # Errors
    /// A [`SettingsError`] for an unreadable named file, malformed YAML, an unknown key in
    /// the file, or an invalid value.
    ///
    /// ```
    /// match session_metrics::settings::Settings::load() {
    ///     Ok(settings) => println!("serving metrics on {}", settings.socket_addr()),
    ///     Err(error) => eprintln!("bad settings: {error}"),
    /// }
    /// ```
    pub fn load() -> Result<Self, SettingsError> {
        // Read apart from the other variables so that a non-UTF-8 path still works.
        let file = std::env::var_os(SETTINGS_FILE_VAR).map(PathBuf::from);
        let env = std::env::vars_os().map(|(name, value)| {
            (
                name.to_string_lossy().into_owned(),
                value.to_string_lossy().into_owned(),
            )
        });
        Self::load_from(file.as_deref(), env)
    }

    /// Loads the settings from `env` (name, value pairs, e.g. from `std::env::vars()`) and a
    /// YAML file, over the defaults.
    ///
    /// The file is `file` if given, else the path in `SESSION_BUDDY_SETTINGS_FILE` from `env`,
    /// else [`DEFAULT_SETTINGS_FILE`], which is skipped if it does not exist. Variables in
    /// `env` override the file; pairs that are not ours are ignored.
    ///
    /// # Errors
    /// A [`SettingsError`] for an unreadable named file, malformed YAML, an unknown key in
    /// the file, or an invalid value.
    ///
    /// ```
    /// use session_metrics::settings::Settings;
    ///
    /// let file = std::env::temp_dir().join(format!("doc-settings-{}.yaml", std::process::id()));
    /// std::fs::write(&file, "prometheus_metrics_port: 9100\nprometheus_metrics_path: /m\n").unwrap();
    /// let env = [("SESSION_BUDDY_PROMETHEUS_METRICS_PORT".to_owned(), "9200".to_owned())];
    /// let settings = Settings::load_from(Some(&file), env);
    /// std::fs::remove_file(&file).unwrap();
    /// let settings = settings?;
    /// assert_eq!(settings.prometheus_metrics_port, 9200); // the environment wins
    /// assert_eq!(settings.prometheus_metrics_path, "/m"); // the file beats the default
    /// # Ok::<(), session_metrics::settings::SettingsError>(())
    /// ```
    pub fn load_from(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, SettingsError> {
        let env = EnvValues::collect(env);
        let (path, required) = match (file, &env.settings_file) {
            (Some(path), _) => (path.to_path_buf(), true),
            (None, Some(path)) => (PathBuf::from(path), true),
            (None, None) => (PathBuf::from(DEFAULT_SETTINGS_FILE), false),
        };
        let mut figment = Figment::new();
        if let Some(dict) = read_yaml_file(&path, required)? {
            figment = figment.merge(YamlFile { path, dict });
        }
        let figment = figment.merge(env.provider()?);
        let mut settings: Settings = figment
            .extract_lossy()
            .map_err(|error| from_figment(error, &figment, &env))?;
        // An empty URL is how a variable turns off a push configured in the file.
        if settings.pushgateway.url.as_deref() == Some("") {
            settings.pushgateway.url = None;
        }
        settings
            .problem()
            .map_or(Ok(settings), |p| Err(p.locate(&figment, &env)))
    }

    /// Checks what serde cannot: the endpoint path, buckets, label names, the Pushgateway
    /// URL, job and durations. [`load_from`](Self::load_from) already does this; call it
    /// after changing fields in code.
    ///
    /// # Errors
    /// [`SettingsError::InvalidValue`] for the first invalid field, with
    /// [`Origin::Code`].
    ///
    /// ```
    /// use session_metrics::settings::Settings;
    ///
    /// let mut settings = Settings::default();
    /// settings.prometheus_metrics_path = "metrics".into();
    /// let error = settings.validate().unwrap_err();
    /// assert!(error.to_string().contains("prometheus_metrics_path"));
    /// ```
    pub fn validate(&self) -> Result<(), SettingsError> {
        self.problem().map_or(Ok(()), |p| {
            Err(SettingsError::InvalidValue {
                key: p.key.to_owned(),
                origin: Origin::Code,
                value: p.value,
                reason: p.reason,
            })
        })
    }

    /// The address of the scrape endpoint: `prometheus_metrics_bind` and
    /// `prometheus_metrics_port`.
    ///
    /// ```
    /// let settings = session_metrics::settings::Settings::default();
    /// assert_eq!(settings.socket_addr(), "127.0.0.1:9090".parse().unwrap());
    /// ```
    pub fn socket_addr(&self) -> SocketAddr {
        SocketAddr::new(self.prometheus_metrics_bind, self.prometheus_metrics_port)
    }

    /// A [`SessionMetricsBuilder`] with these buckets and constant labels, for adding more
    /// options before building.
    ///
    /// ```
    /// let settings = session_metrics::settings::Settings::default();
    /// let metrics = settings
    ///     .metrics_builder()
    ///     .const_label("region", "eu")
    ///     .build(prometheus::Registry::new())?;
    /// metrics.record_session_start("c", "zsh");
    /// assert!(metrics.export_metrics().contains(r#"region="eu""#));
    /// # Ok::<(), session_metrics::Error>(())
    /// ```
    pub fn metrics_builder(&self) -> SessionMetricsBuilder {
        self.const_labels.iter().fold(
            SessionMetrics::builder()
                .event_duration_buckets(self.event_duration_buckets.iter().copied())
                .session_duration_buckets(self.session_duration_buckets.iter().copied()),
            |builder, (name, value)| builder.const_label(name, value),
        )
    }

    /// Builds the metrics these settings describe in `registry`:
    /// [`SessionMetrics::disabled`] (and `registry` is dropped) when
    /// `enable_prometheus_metrics` is false, else our collectors with the configured buckets
    /// and constant labels.
    ///
    /// # Errors
    /// [`Error::InvalidBuckets`] or [`Error::InvalidConstLabel`] for settings that were not
    /// validated, [`Error::Registry`] if `registry` already holds one of our metric names.
    ///
    /// ```
    /// use session_metrics::settings::Settings;
    ///
    /// let mut settings = Settings::default();
    /// settings.const_labels.insert("service".into(), "buddy".into());
    /// let metrics = settings.build_metrics(prometheus::Registry::new())?;
    /// metrics.record_session_start("c", "bash");
    /// assert!(metrics.export_metrics().contains(r#"service="buddy""#));
    ///
    /// settings.enable_prometheus_metrics = false;
    /// assert!(!settings.build_metrics(prometheus::Registry::new())?.is_enabled());
    /// # Ok::<(), session_metrics::Error>(())
    /// ```
    pub fn build_metrics(&self, registry: Registry) -> Result<SessionMetrics, Error> {
        if !self.enable_prometheus_metrics {
            return Ok(SessionMetrics::disabled());
        }
        self.metrics_builder().build(registry)
    }

    /// The first value that serde accepted but the metrics or the endpoints would not.
    fn problem(&self) -> Option<Problem> {
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

/// Installs the metrics `settings` describe (see [`Settings::build_metrics`]) as the global
/// instance returned by [`get_metrics`](crate::get_metrics), in a fresh registry.
///
/// # Errors
/// [`Error::AlreadyInitialized`] if the global already exists, or the errors of
/// [`Settings::build_metrics`].
///
/// ```
/// use session_metrics::settings::{Settings, init_metrics_from_settings};
///
/// let mut settings = Settings::default();
/// settings.const_labels.insert("instance".into(), "buddy-1".into());
/// let metrics = init_metrics_from_settings(&settings)?;
/// metrics.record_session_start("c", "zsh");
/// assert!(session_metrics::get_metrics().export_metrics().contains(r#"instance="buddy-1""#));
/// assert!(init_metrics_from_settings(&settings).is_err()); // only once per process
/// # Ok::<(), session_metrics::Error>(())
/// ```
pub fn init_metrics_from_settings(settings: &Settings) -> Result<&'static SessionMetrics, Error> {
    crate::init_metrics(settings.build_metrics(Registry::new())?)
}

/// Where a setting's value came from.
///
/// ```
/// use session_metrics::settings::{Origin, Settings, SettingsError};
///
/// let env = [("SESSION_BUDDY_PROMETHEUS_METRICS_PATH".to_owned(), "metrics".to_owned())];
/// match Settings::load_from(None, env) {
///     Err(SettingsError::InvalidValue { origin: Origin::Env(name), .. }) => {
///         assert_eq!(name, "SESSION_BUDDY_PROMETHEUS_METRICS_PATH");
///     }
///     other => panic!("unexpected {other:?}"),
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Origin {
    /// Neither the file nor a variable: a built-in default or a value set in code.
    Code,
    /// The YAML settings file at this path.
    File(PathBuf),
    /// This environment variable.
    Env(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Code => f.write_str("the defaults or code"),
            Origin::File(path) => write!(f, "settings file {}", path.display()),
            Origin::Env(name) => write!(f, "environment variable {name}"),
        }
    }
}

/// Why the settings could not be loaded. The message names the setting, where its value came
/// from and the value.
///
/// ```
/// use session_metrics::settings::{Settings, SettingsError};
///
/// let env = [("SESSION_BUDDY_PROMETHEUS_METRICS_PORT".to_owned(), "70000".to_owned())];
/// let error = Settings::load_from(None, env).unwrap_err();
/// assert!(matches!(error, SettingsError::InvalidValue { .. }));
/// assert_eq!(
///     error.to_string(),
///     "invalid setting `prometheus_metrics_port` = \"70000\" from environment variable \
///      SESSION_BUDDY_PROMETHEUS_METRICS_PORT: expected a port number from 0 to 65535",
/// );
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum SettingsError {
    /// A settings file that was named explicitly, or that exists at the default path, cannot
    /// be read.
    ReadFile {
        /// The path as given.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
    /// The settings file is not valid YAML, or its top level is not a map of settings.
    Yaml {
        /// The path as given.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// The settings file holds a key that is not a setting (often a typo).
    UnknownKey {
        /// The dotted key, e.g. `pushgateway.jbo`.
        key: String,
        /// Where the key was found.
        origin: Origin,
        /// The keys allowed at that level.
        expected: &'static [&'static str],
    },
    /// A setting has a value of the wrong type or one that is not allowed.
    InvalidValue {
        /// The dotted key, e.g. `pushgateway.url`.
        key: String,
        /// Where the value came from.
        origin: Origin,
        /// The offending value as written in the variable, or rendered from the file.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingsError::ReadFile { path, source } => {
                write!(f, "cannot read settings file {}: {source}", path.display())
            }
            SettingsError::Yaml { path, message } => {
                write!(
                    f,
                    "settings file {} is not valid YAML: {message}",
                    path.display()
                )
            }
            SettingsError::UnknownKey {
                key,
                origin,
                expected,
            } => {
                write!(f, "unknown setting `{key}` in {origin}")?;
                let last = key.rsplit('.').next().unwrap_or(key);
                if let Some(guess) = closest(last, expected) {
                    write!(f, " (did you mean `{guess}`?)")?;
                }
                f.write_str("; expected one of: ")?;
                for (i, name) in expected.iter().enumerate() {
                    let sep = if i == 0 { "" } else { ", " };
                    write!(f, "{sep}`{name}`")?;
                }
                Ok(())
            }
            SettingsError::InvalidValue {
                key,
                origin,
                value,
                reason,
            } => write!(
                f,
                "invalid setting `{key}` = {value} from {origin}: {reason}"
            ),
        }
    }
}

impl std::error::Error for SettingsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SettingsError::ReadFile { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// How a key's environment value is turned into a figment value.
#[derive(Clone, Copy, PartialEq)]
enum EnvSyntax {
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
struct Key {
    path: &'static str,
    syntax: EnvSyntax,
    expects: &'static str,
}

const KEYS: &[Key] = &[
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
    fn containing(path: &[String]) -> Option<&'static Key> {
        KEYS.iter()
            .filter(|key| {
                let parts = key.path.split('.');
                parts.clone().count() <= path.len() && parts.zip(path).all(|(a, b)| a == b)
            })
            .max_by_key(|key| key.path.len())
    }

    fn named(path: &str) -> Option<&'static Key> {
        KEYS.iter().find(|key| key.path == path)
    }

    fn env_var(&self) -> String {
        format!(
            "{ENV_PREFIX}{}",
            self.path.replace('.', "_").to_ascii_uppercase()
        )
    }
}

/// Our variables out of an environment: key path → (variable name, raw value).
struct EnvValues {
    values: BTreeMap<&'static str, (String, String)>,
    settings_file: Option<String>,
}

/// The metadata name of [`EnvValues::provider`], used to recognise its values.
const ENV_METADATA_NAME: &str = "SESSION_BUDDY_* environment variables";

impl EnvValues {
    fn collect(env: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut values = BTreeMap::new();
        let mut settings_file = None;
        for (name, value) in env {
            let ours = name
                .get(..ENV_PREFIX.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(ENV_PREFIX));
            if !ours {
                continue;
            }
            if name.eq_ignore_ascii_case(SETTINGS_FILE_VAR) {
                settings_file = Some(value);
            } else if let Some(key) = KEYS
                .iter()
                .find(|k| k.syntax != EnvSyntax::Section && k.env_var().eq_ignore_ascii_case(&name))
            {
                values.insert(key.path, (name, value));
            }
        }
        Self {
            values,
            settings_file,
        }
    }

    fn raw(&self, key: &Key) -> Option<&(String, String)> {
        self.values.get(key.path)
    }

    /// A figment provider of the variables' values, typed by each key's [`EnvSyntax`].
    fn provider(&self) -> Result<EnvProvider, SettingsError> {
        let mut dict = Dict::new();
        for (path, (name, raw)) in &self.values {
            let syntax = Key::named(path).map_or(EnvSyntax::Text, |k| k.syntax);
            let value = match syntax {
                EnvSyntax::Text | EnvSyntax::Section => Value::from(raw.as_str()),
                _ if raw.chars().filter(|c| matches!(c, '[' | '{')).count() > MAX_ENV_BRACKETS => {
                    return Err(SettingsError::InvalidValue {
                        key: (*path).to_owned(),
                        origin: Origin::Env(name.clone()),
                        value: format!("{:?}", truncate(raw)),
                        reason: format!("more than {MAX_ENV_BRACKETS} brackets"),
                    });
                }
                EnvSyntax::List if !raw.trim_start().starts_with('[') => parse(&format!("[{raw}]")),
                EnvSyntax::Map if !raw.trim_start().starts_with('{') => {
                    parse(&format!("{{{raw}}}"))
                }
                _ => parse(raw),
            };
            insert_nested(&mut dict, path, value);
        }
        Ok(EnvProvider(dict))
    }
}

fn parse(text: &str) -> Value {
    // figment's parser falls back to the whole text as a string, so this cannot fail.
    text.parse().unwrap_or_else(|_| Value::from(text))
}

fn insert_nested(dict: &mut Dict, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            dict.insert(path.to_owned(), value);
        }
        Some((head, rest)) => {
            let entry = dict
                .entry(head.to_owned())
                .or_insert_with(|| Value::from(Dict::new()));
            if let Value::Dict(_, inner) = entry {
                insert_nested(inner, rest, value);
            }
        }
    }
}

struct EnvProvider(Dict);

impl Provider for EnvProvider {
    fn metadata(&self) -> Metadata {
        Metadata::named(ENV_METADATA_NAME)
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Ok(Profile::Default.collect(self.0.clone()))
    }
}

/// The parsed settings file, as a figment provider whose metadata names the file.
struct YamlFile {
    path: PathBuf,
    dict: Dict,
}

impl Provider for YamlFile {
    fn metadata(&self) -> Metadata {
        Metadata::from("YAML file", self.path.as_path())
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Ok(Profile::Default.collect(self.dict.clone()))
    }
}

/// Reads and parses the settings file; `Ok(None)` when an optional file does not exist.
fn read_yaml_file(path: &Path, required: bool) -> Result<Option<Dict>, SettingsError> {
    let read_error = |source| SettingsError::ReadFile {
        path: path.to_path_buf(),
        source,
    };
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if !required && e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(read_error(e)),
    };
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(read_error(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!("larger than the {MAX_FILE_BYTES}-byte limit for a settings file"),
        )));
    }
    let yaml_error = |message: String| SettingsError::Yaml {
        path: path.to_path_buf(),
        message,
    };
    let mut options = serde_saphyr::Options::default();
    // One line instead of a rendered snippet, to fit in a log line.
    options.with_snippet = false;
    // Let a NaN reach validation, which names the setting.
    options.non_finite_float_policy = serde_saphyr::NonFiniteFloatPolicy::PassThrough;
    let root: Option<YamlValue> = serde_saphyr::from_slice_with_options(&bytes, options)
        .map_err(|e| yaml_error(e.to_string()))?;
    match root.map(|v| v.0) {
        None => Ok(Some(Dict::new())),
        Some(Value::Dict(_, mut dict)) => {
            drop_null_settings(&mut dict, "");
            Ok(Some(dict))
        }
        Some(other) => Err(yaml_error(format!(
            "the top level must be a map of settings, found {}",
            render(&other)
        ))),
    }
}

/// Removes settings left empty (`key:` or `key: null`), so they keep their defaults. Unknown
/// keys stay, to be reported even when empty.
fn drop_null_settings(dict: &mut Dict, prefix: &str) {
    dict.retain(|name, value| {
        let path = format!("{prefix}{name}");
        match (Key::named(&path), value) {
            (Some(_), Value::Empty(..)) => false,
            (Some(key), Value::Dict(_, inner)) if key.syntax == EnvSyntax::Section => {
                drop_null_settings(inner, &format!("{path}."));
                true
            }
            _ => true,
        }
    });
}

/// A YAML node as a figment value. figment's own `Value` cannot hold a YAML null.
struct YamlValue(Value);

impl<'de> Deserialize<'de> for YamlValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(YamlVisitor).map(YamlValue)
    }
}

struct YamlVisitor;

impl<'de> serde::de::Visitor<'de> for YamlVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Empty(Tag::Default, Empty::None))
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Empty(Tag::Default, Empty::None))
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(YamlValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::from(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut dict = Dict::new();
        while let Some((key, YamlValue(value))) = map.next_entry::<String, YamlValue>()? {
            dict.insert(key, value);
        }
        Ok(Value::from(dict))
    }
}

/// A value that failed validation, before its origin is known.
struct Problem {
    key: &'static str,
    /// The dotted path to look the origin up by (a map entry or the key itself).
    lookup: String,
    value: String,
    reason: String,
}

impl Problem {
    fn new(key: &'static str, value: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            key,
            lookup: key.to_owned(),
            value: value.into(),
            reason: reason.into(),
        }
    }

    /// Looks the origin up by the map entry `entry` of the key, which may come from another
    /// layer than the rest of the map.
    fn at(mut self, entry: &str) -> Self {
        if !entry.contains('.') {
            self.lookup = format!("{}.{entry}", self.key);
        }
        self
    }

    fn locate(self, figment: &Figment, env: &EnvValues) -> SettingsError {
        let origin = figment
            .find_metadata(&self.lookup)
            .or_else(|| figment.find_metadata(self.key))
            .map_or(Origin::Code, |md| origin_of(md, self.key));
        let value = match (&origin, Key::named(self.key).and_then(|k| env.raw(k))) {
            (Origin::Env(_), Some((_, raw))) => shown_raw(self.key, raw),
            _ => self.value,
        };
        SettingsError::InvalidValue {
            key: self.key.to_owned(),
            origin,
            value,
            reason: self.reason,
        }
    }
}

fn origin_of(metadata: &Metadata, key: &str) -> Origin {
    if let Some(path) = metadata.source.as_ref().and_then(|s| s.file_path()) {
        Origin::File(path.to_path_buf())
    } else if metadata.name == ENV_METADATA_NAME {
        Origin::Env(Key::named(key).map_or_else(
            || format!("{ENV_PREFIX}{}", key.replace('.', "_").to_ascii_uppercase()),
            Key::env_var,
        ))
    } else {
        Origin::Code
    }
}

/// Turns serde's complaint (through figment) into a [`SettingsError`].
fn from_figment(error: figment::Error, figment: &Figment, env: &EnvValues) -> SettingsError {
    let dotted = error.path.join(".");
    if let Kind::UnknownField(_, expected) = &error.kind {
        let origin = error
            .metadata
            .as_ref()
            .or_else(|| figment.find_metadata(&dotted))
            .map_or(Origin::Code, |md| origin_of(md, &dotted));
        return SettingsError::UnknownKey {
            key: dotted,
            origin,
            expected,
        };
    }
    let key = Key::containing(&error.path);
    let key_path = key.map_or(dotted.as_str(), |k| k.path);
    let origin = error
        .metadata
        .as_ref()
        .or_else(|| figment.find_metadata(key_path))
        .map_or(Origin::Code, |md| origin_of(md, key_path));
    let value = match (&origin, key.and_then(|k| env.raw(k))) {
        (Origin::Env(_), Some((_, raw))) => shown_raw(key_path, raw),
        _ => figment
            .find_value(key_path)
            .map_or_else(|_| "?".to_owned(), |v| redact_if_url(key_path, render(&v))),
    };
    let mut reason = match key {
        Some(key) => format!("expected {}", key.expects),
        None => error.kind.to_string(),
    };
    let depth = key_path.split('.').count();
    if key.is_some() && error.path.len() > depth {
        let inner = error.path[depth..].join(".");
        reason = format!("{reason} (at `{inner}`: {})", error.kind);
    }
    SettingsError::InvalidValue {
        key: key_path.to_owned(),
        origin,
        value,
        reason,
    }
}

/// The environment value as the user typed it, quoted, without credentials.
fn shown_raw(key: &str, raw: &str) -> String {
    redact_if_url(key, format!("{:?}", truncate(raw)))
}

fn redact_if_url(key: &str, shown: String) -> String {
    if key == "pushgateway.url" {
        redact_userinfo(&shown)
    } else {
        shown
    }
}

/// Keeps a password in a URL (`http://user:secret@host`) out of error messages and logs.
fn redact_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://***{}", &rest[at..]),
        None => url.to_owned(),
    }
}

/// Long values are cut in messages; the start is enough to recognise them.
fn truncate(text: &str) -> &str {
    match text.char_indices().nth(200) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// A figment value written back in the YAML-ish form a user would recognise.
fn render(value: &Value) -> String {
    match value {
        Value::String(_, s) => format!("{:?}", truncate(s)),
        Value::Char(_, c) => format!("{c:?}"),
        Value::Bool(_, b) => b.to_string(),
        Value::Num(_, n) => n
            .to_u128()
            .map(|u| u.to_string())
            .or_else(|| n.to_i128().map(|i| i.to_string()))
            .or_else(|| n.to_f64().map(|f| format!("{f:?}")))
            .unwrap_or_default(),
        Value::Empty(..) => "null".to_owned(),
        Value::Array(_, items) => {
            let items: Vec<String> = items.iter().map(render).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Dict(_, dict) => {
            let entries: Vec<String> = dict
                .iter()
                .map(|(k, v)| format!("{k}: {}", render(v)))
                .collect();
            format!("{{{}}}", entries.join(", "))
        }
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

/// The expected name closest to `unknown`, if it is close enough to be a typo.
fn closest(unknown: &str, expected: &[&'static str]) -> Option<&'static str> {
    expected
        .iter()
        .map(|name| (edit_distance(unknown, name), *name))
        .filter(|(distance, name)| *distance <= (name.len() / 4).max(2))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name)
}

/// Levenshtein distance, for the "did you mean" hint.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// `Duration` as a number of seconds, the way the settings file writes it.
mod seconds {
    use std::time::Duration;

    use serde::de::{Error, Unexpected};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let secs = f64::deserialize(d)?;
        // try_from_secs_f64 rejects negative, NaN and overflowing values without panicking.
        Duration::try_from_secs_f64(secs)
            .map_err(|_| D::Error::invalid_value(Unexpected::Float(secs), &"a number of seconds"))
    }
}

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
//! | `prometheus_metrics_path` | `SESSION_BUDDY_PROMETHEUS_METRICS_PATH` | `/metrics` | URL path of the scrape endpoint: ASCII, at most [`MAX_METRICS_PATH_BYTES`], not `/health` |
//! | `prometheus_metrics_bind` | `SESSION_BUDDY_PROMETHEUS_METRICS_BIND` | `127.0.0.1` | IP address the endpoint listens on; `0.0.0.0` or `::` to serve other hosts |
//! | `prometheus_metrics_max_connections` | `SESSION_BUDDY_PROMETHEUS_METRICS_MAX_CONNECTIONS` | 256, or a quarter of the descriptor limit if lower | most connections the endpoint keeps open |
//! | `prometheus_metrics_status_page` | `SESSION_BUDDY_PROMETHEUS_METRICS_STATUS_PAGE` | `true` | serve the live status page at `/` and its data at `/status.json` on the same port (`false`: `404`) |
//! | `event_duration_buckets` | `SESSION_BUDDY_EVENT_DURATION_BUCKETS` | [`DEFAULT_EVENT_DURATION_BUCKETS`] | buckets of `mcp_event_emit_duration_seconds` |
//! | `session_duration_buckets` | `SESSION_BUDDY_SESSION_DURATION_BUCKETS` | [`DEFAULT_SESSION_DURATION_BUCKETS`] | buckets of `session_duration_seconds` |
//! | `const_labels` | `SESSION_BUDDY_CONST_LABELS` | none | labels added to every series, e.g. `instance`, `service` |
//! | `pushgateway.url` | `SESSION_BUDDY_PUSHGATEWAY_URL` | none (no push) | Pushgateway base URL, `http://`, port 1 to 65535; `user:password@` is sent as Basic auth |
//! | `pushgateway.job` | `SESSION_BUDDY_PUSHGATEWAY_JOB` | `session-metrics` | `job` of the pushed group |
//! | `pushgateway.grouping` | `SESSION_BUDDY_PUSHGATEWAY_GROUPING` | none | further labels of the pushed group |
//! | `pushgateway.timeout_seconds` | `SESSION_BUDDY_PUSHGATEWAY_TIMEOUT_SECONDS` | `10` | time limit of one push |
//! | `pushgateway.push_interval_seconds` | `SESSION_BUDDY_PUSHGATEWAY_PUSH_INTERVAL_SECONDS` | `15` | time between pushes, at least the timeout |
//!
//! # Where settings come from
//!
//! Each key takes the first value found in: the environment, the YAML file, the defaults.
//! Maps (`const_labels`, `pushgateway.grouping`) are merged entry by entry across the layers.
//!
//! The YAML file is, in order of precedence: the `file` argument of [`Settings::load_from`],
//! the path in `SESSION_BUDDY_SETTINGS_FILE`, or [`DEFAULT_SETTINGS_FILE`] relative to the
//! working directory. The default file is skipped when it does not exist; a file named by the
//! argument or the variable must exist. Any file read must be a regular file (not a directory
//! or a FIFO, which would block start-up) of at most 1 MiB. Unknown and repeated keys in the
//! file are errors, so typos are caught; a key left empty (`key:` or `key: null`) keeps its
//! default. `settings/session-buddy.yaml` in the repository lists every key.
//!
//! [`Settings::source_description`] says in one line which file was read, or that none was
//! found and where it was looked for; [`Settings::print_report`] prints it and the
//! [warnings](Settings::warnings) on stderr, and [`print_settings_report`] does the same for a
//! program that lets [`get_metrics`](crate::get_metrics) load the settings. The demo and the
//! examples call them once at start-up.
//!
//! # Environment variables
//!
//! A variable is the YAML key in upper case with `.` replaced by `_`, after the
//! `SESSION_BUDDY_` prefix (names are matched ignoring case). Other `SESSION_BUDDY_*`
//! variables change nothing but each gives a [`SettingsWarning`], with a "did you mean"
//! suggestion when the name is close to a setting's (`SESSION_BUDDY_PROMETHEUS_METRICS_PROT`
//! → `SESSION_BUDDY_PROMETHEUS_METRICS_PORT`); an application using the prefix for its own
//! variables can filter them out of [`Settings::warnings`]. A variable that is set is used,
//! even when empty. A setting's variable must be valid UTF-8 ([`Settings::load`] reports the
//! variable otherwise); `SESSION_BUDDY_SETTINGS_FILE` may name any path. Values are read with
//! figment's value syntax:
//!
//! - text (`prometheus_metrics_path`, `prometheus_metrics_bind`, `pushgateway.url`,
//!   `pushgateway.job`): the value exactly as given, without quotes;
//! - booleans: `true`/`false`, also `1`/`0`, `yes`/`no`, `on`/`off`;
//! - numbers: `9090`, `2.5`;
//! - lists: `0.01, 0.1, 1` or `[0.01, 0.1, 1]`;
//! - maps: `instance=buddy-1, service=session-buddy` or `{instance = "buddy-1"}`. Quote a
//!   label value that would otherwise read as a number or boolean: `shard="3"`. A name given
//!   twice (`a=b, a=c`) is an error, as in the file.
//!
//! # Errors
//!
//! Loading never panics. A [`SettingsError`] names the key, where its value came from (the
//! file or the variable) and the value, e.g.
//! ``invalid setting `prometheus_metrics_port` = "abc" from environment variable
//! SESSION_BUDDY_PROMETHEUS_METRICS_PORT: expected a port number from 0 to 65535``.

// How loading works: `yaml` and `env` turn the two layers into figment providers over the
// defaults; serde checks the types and `validate` the rest; `locate` and `render` turn a
// rejected value into a `SettingsError` naming its key, origin and value (`keys` lists the
// keys for all of them).
mod env;
mod error;
mod keys;
mod locate;
mod pushgateway;
mod render;
mod source;
pub(crate) mod url;
mod validate;
mod warning;
mod yaml;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use figment::Figment;
use prometheus::Registry;
use serde::{Deserialize, Serialize};

use self::env::EnvValues;
pub use self::error::{Origin, SettingsError};
use self::keys::Key;
use self::locate::from_figment;
pub use self::pushgateway::PushgatewaySettings;
use self::render::shown_raw;
pub use self::source::print_settings_report;
use self::source::{FileChoice, LoadReport};
pub use self::validate::MAX_METRICS_PATH_BYTES;
#[cfg(feature = "http")]
pub(crate) use self::validate::STATUS_PAGE_PATHS;
pub use self::warning::SettingsWarning;
use self::yaml::{YamlFile, read_yaml_file};
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
    /// Most connections the scrape endpoint keeps open at once (each is a file descriptor),
    /// at least 1. Default `None`: the default of `http::ServerOptions::max_connections`,
    /// 256 or a quarter of the process's descriptor limit if that is lower.
    pub prometheus_metrics_max_connections: Option<usize>,
    /// Whether the metrics server also serves the live status page at `/` and its data at
    /// `/status.json` (see `http::StatusHistory`). Default `true`.
    pub prometheus_metrics_status_page: bool,
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
    /// Where a load found the values; see [`Settings::source_description`].
    #[serde(skip)]
    report: LoadReport,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            enable_prometheus_metrics: true,
            prometheus_metrics_port: 9090,
            prometheus_metrics_path: "/metrics".to_owned(),
            prometheus_metrics_bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            prometheus_metrics_max_connections: None,
            prometheus_metrics_status_page: true,
            event_duration_buckets: DEFAULT_EVENT_DURATION_BUCKETS.to_vec(),
            session_duration_buckets: DEFAULT_SESSION_DURATION_BUCKETS.to_vec(),
            const_labels: BTreeMap::new(),
            pushgateway: PushgatewaySettings::default(),
            report: LoadReport::default(),
        }
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
        Self::load_from_os(None, std::env::vars_os())
    }

    /// Like [`load_from`](Self::load_from), from an environment that may hold values that
    /// are not UTF-8, as `std::env::vars_os()` gives it. `SESSION_BUDDY_SETTINGS_FILE` may
    /// name any path; a setting's variable that is not UTF-8 is an error naming it (rather
    /// than a value with U+FFFD in place of the bytes).
    ///
    /// # Errors
    /// As [`load_from`](Self::load_from), and [`SettingsError::InvalidValue`] for a
    /// setting's variable that is not UTF-8.
    ///
    /// ```
    /// # #[cfg(unix)] {
    /// use std::ffi::OsString;
    /// use std::os::unix::ffi::OsStringExt;
    /// use session_metrics::settings::Settings;
    ///
    /// let env = [(
    ///     OsString::from("SESSION_BUDDY_PUSHGATEWAY_JOB"),
    ///     OsString::from_vec(b"caf\xe9".to_vec()), // Latin-1, not UTF-8
    /// )];
    /// let error = Settings::load_from_os(None, env).unwrap_err();
    /// assert!(error.to_string().contains("SESSION_BUDDY_PUSHGATEWAY_JOB"));
    /// assert!(error.to_string().contains("not valid UTF-8"));
    /// # }
    /// ```
    pub fn load_from_os(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (OsString, OsString)>,
    ) -> Result<Self, SettingsError> {
        let mut pairs = Vec::new();
        let mut settings_file = None;
        for (name, value) in env {
            let name = name.to_string_lossy().into_owned();
            if !env::is_ours(&name) {
                continue;
            }
            if name.eq_ignore_ascii_case(SETTINGS_FILE_VAR) {
                // Any path works, UTF-8 or not.
                settings_file = Some(PathBuf::from(value));
                continue;
            }
            let value = match (value.into_string(), Key::of_variable(&name)) {
                (Ok(value), _) => value,
                (Err(raw), Some(key)) => {
                    return Err(SettingsError::InvalidValue {
                        key: key.path.to_owned(),
                        value: shown_raw(key.path, &raw.to_string_lossy()),
                        origin: Origin::Env(name),
                        reason: "the value is not valid UTF-8 (shown with U+FFFD for the \
                                 invalid bytes)"
                            .to_owned(),
                    });
                }
                // Not a setting: only warned about, by name.
                (Err(raw), None) => raw.to_string_lossy().into_owned(),
            };
            pairs.push((name, value));
        }
        let mut env = EnvValues::collect(pairs);
        env.settings_file = settings_file;
        Self::load_layers(file, env)
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
        Self::load_layers(file, EnvValues::collect(env))
    }

    fn load_layers(file: Option<&Path>, env: EnvValues) -> Result<Self, SettingsError> {
        let (path, choice) = match (file, &env.settings_file) {
            (Some(path), _) => (path.to_path_buf(), FileChoice::Argument),
            (None, Some(path)) => (path.clone(), FileChoice::Variable),
            (None, None) => (PathBuf::from(DEFAULT_SETTINGS_FILE), FileChoice::Default),
        };
        let required = !matches!(choice, FileChoice::Default);
        let mut figment = Figment::new();
        let read = match read_yaml_file(&path, required)? {
            Some(dict) => {
                figment = figment.merge(YamlFile {
                    path: path.clone(),
                    dict,
                });
                true
            }
            None => false,
        };
        let figment = figment.merge(env.provider()?);
        let mut settings: Settings = figment
            .extract_lossy()
            .map_err(|error| from_figment(error, &figment, &env))?;
        // An empty URL is how a variable turns off a push configured in the file.
        if settings.pushgateway.url.as_deref() == Some("") {
            settings.pushgateway.url = None;
        }
        if let Some(problem) = settings.problem() {
            return Err(problem.locate(&figment, &env));
        }
        let warnings = env.warnings.clone();
        settings.report = LoadReport::new(&path, choice, read, env.names(), warnings);
        Ok(settings)
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
        self.problem()
            .map_or(Ok(()), |p| Err(p.into_error(Origin::Code)))
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
    /// validated, [`Error::AlreadyRegistered`] if `registry` already holds one of our metric
    /// names.
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

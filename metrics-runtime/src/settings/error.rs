//! [`SettingsError`], [`Origin`] and their messages, with the "did you mean" hint for an
//! unknown key.

use std::fmt;
use std::io;
use std::path::PathBuf;

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
                if let Some(guess) = closest(last, expected.iter().copied()) {
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

/// The expected name closest to `unknown`, if it is close enough to be a typo. Used for
/// unknown keys in the file and unknown variables alike.
pub(super) fn closest<'a>(
    unknown: &str,
    expected: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    expected
        .into_iter()
        .map(|name| (edit_distance(unknown, name), name))
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

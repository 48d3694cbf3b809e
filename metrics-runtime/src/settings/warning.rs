//! [`SettingsWarning`]: what loading accepted but the user probably did not mean, such as a
//! misspelled variable, which [`Settings::warnings`](super::Settings::warnings) lists.

use std::fmt;

use super::error::closest;
use super::keys::{EnvSyntax, KEYS};
use super::{ENV_PREFIX, SETTINGS_FILE_VAR};

/// Something loading accepted but that is probably a mistake. Loading goes on; the warnings
/// are listed by [`Settings::warnings`](super::Settings::warnings) and printed by
/// [`Settings::print_report`](super::Settings::print_report).
///
/// ```
/// use session_metrics::settings::{Settings, SettingsWarning};
///
/// let env = [("SESSION_BUDDY_PROMETHEUS_METRICS_PROT".to_owned(), "9100".to_owned())];
/// let settings = Settings::load_from(None, env)?;
/// assert_eq!(settings.prometheus_metrics_port, 9090); // the typo changed nothing
/// let [SettingsWarning::UnknownVariable { name, suggestion }] = settings.warnings() else {
///     panic!("one warning expected");
/// };
/// assert_eq!(name, "SESSION_BUDDY_PROMETHEUS_METRICS_PROT");
/// assert_eq!(suggestion.as_deref(), Some("SESSION_BUDDY_PROMETHEUS_METRICS_PORT"));
/// assert_eq!(
///     settings.warnings()[0].to_string(),
///     "environment variable SESSION_BUDDY_PROMETHEUS_METRICS_PROT is not a setting and is \
///      ignored (did you mean SESSION_BUDDY_PROMETHEUS_METRICS_PORT?)",
/// );
/// # Ok::<(), session_metrics::settings::SettingsError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SettingsWarning {
    /// A `SESSION_BUDDY_*` variable that is not a setting, often a typo. Applications that use
    /// the prefix for their own variables see those here too.
    UnknownVariable {
        /// The variable's name as set.
        name: String,
        /// The setting's variable it is closest to, when close enough to be a typo.
        suggestion: Option<String>,
    },
}

impl SettingsWarning {
    /// The warning for the variable `name` (with our prefix) that matches no setting.
    pub(super) fn unknown_variable(name: &str) -> Self {
        let suffix = name
            .get(ENV_PREFIX.len()..)
            .unwrap_or_default()
            .to_ascii_lowercase();
        let candidates: Vec<String> = KEYS
            .iter()
            .filter(|key| key.syntax != EnvSyntax::Section)
            .map(|key| key.path.replace('.', "_"))
            .chain([SETTINGS_FILE_VAR[ENV_PREFIX.len()..].to_ascii_lowercase()])
            .collect();
        let suggestion = closest(&suffix, candidates.iter().map(String::as_str))
            .map(|guess| format!("{ENV_PREFIX}{}", guess.to_ascii_uppercase()));
        SettingsWarning::UnknownVariable {
            name: name.to_owned(),
            suggestion,
        }
    }
}

impl fmt::Display for SettingsWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingsWarning::UnknownVariable { name, suggestion } => {
                write!(
                    f,
                    "environment variable {name} is not a setting and is ignored"
                )?;
                match suggestion {
                    Some(guess) => write!(f, " (did you mean {guess}?)"),
                    None => Ok(()),
                }
            }
        }
    }
}

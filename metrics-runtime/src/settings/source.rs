//! Where loaded settings came from: [`Settings::source_description`], the file, the
//! [warnings](Settings::warnings), and printing them once at start-up.

use std::fmt;
use std::path::{Path, PathBuf};

use super::{DEFAULT_SETTINGS_FILE, SETTINGS_FILE_VAR, Settings, SettingsWarning};

/// How the file to read was chosen.
#[derive(Clone, Copy)]
pub(super) enum FileChoice {
    /// The `file` argument of `load_from`.
    Argument,
    /// `SESSION_BUDDY_SETTINGS_FILE`.
    Variable,
    /// [`DEFAULT_SETTINGS_FILE`], skipped when absent.
    Default,
}

/// What a load found, kept beside the values. Not part of equality: two settings with the
/// same values are equal wherever they came from.
#[derive(Clone, Default)]
pub(super) struct LoadReport {
    /// Empty for settings that were not loaded.
    description: String,
    file: Option<PathBuf>,
    warnings: Vec<SettingsWarning>,
}

impl PartialEq for LoadReport {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl fmt::Debug for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadReport")
            .field("file", &self.file)
            .field("warnings", &self.warnings)
            .finish()
    }
}

impl LoadReport {
    /// The report of a load that read `path` (when `read`), chosen by `choice`, and the
    /// setting variables `variables`.
    pub(super) fn new<'a>(
        path: &Path,
        choice: FileChoice,
        read: bool,
        variables: impl Iterator<Item = &'a str>,
        warnings: Vec<SettingsWarning>,
    ) -> Self {
        // The absolute path: a desktop MCP client starts servers in a directory of its own.
        let shown = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let shown = shown.display();
        let mut description = match (read, choice) {
            (true, FileChoice::Argument) => format!("settings: read {shown}"),
            (true, FileChoice::Variable) => {
                format!("settings: read {shown} (named by {SETTINGS_FILE_VAR})")
            }
            (true, FileChoice::Default) => format!(
                "settings: read {shown} (the default {DEFAULT_SETTINGS_FILE} in the working \
                 directory)"
            ),
            // Only the default file may be missing; a named one is an error.
            (false, _) => format!(
                "settings: no settings file ({SETTINGS_FILE_VAR} is not set and {shown} does \
                 not exist); using the defaults"
            ),
        };
        let variables: Vec<&str> = variables.collect();
        if variables.is_empty() {
            description.push_str("; no SESSION_BUDDY_* setting variables");
        } else {
            description.push_str("; overridden by ");
            description.push_str(&variables.join(", "));
        }
        Self {
            description,
            file: read.then(|| path.to_path_buf()),
            warnings,
        }
    }
}

impl Settings {
    /// One line saying which settings file was read, or that none was found and where it was
    /// looked for, and which `SESSION_BUDDY_*` variables override it (names only, never
    /// values). For settings not loaded by [`load`](Self::load) or
    /// [`load_from`](Self::load_from) it says so.
    ///
    /// ```
    /// use session_metrics::settings::Settings;
    ///
    /// let env = [("SESSION_BUDDY_PROMETHEUS_METRICS_PORT".to_owned(), "9100".to_owned())];
    /// let settings = Settings::load_from(None, env)?;
    /// // e.g. "settings: no settings file (SESSION_BUDDY_SETTINGS_FILE is not set and
    /// // /srv/app/settings/session-buddy.yaml does not exist); using the defaults;
    /// // overridden by SESSION_BUDDY_PROMETHEUS_METRICS_PORT"
    /// assert!(settings.source_description().starts_with("settings: "));
    /// assert!(settings.source_description().ends_with("overridden by SESSION_BUDDY_PROMETHEUS_METRICS_PORT"));
    /// assert_eq!(
    ///     Settings::default().source_description(),
    ///     "settings: not loaded (the defaults, or values set in code)",
    /// );
    /// # Ok::<(), session_metrics::settings::SettingsError>(())
    /// ```
    pub fn source_description(&self) -> &str {
        match self.report.description.as_str() {
            "" => "settings: not loaded (the defaults, or values set in code)",
            description => description,
        }
    }

    /// The settings file that was read, if any (the path as given, not made absolute).
    pub fn settings_file(&self) -> Option<&Path> {
        self.report.file.as_deref()
    }

    /// What loading accepted but was probably not meant, e.g. a misspelled
    /// `SESSION_BUDDY_*` variable; see [`SettingsWarning`].
    pub fn warnings(&self) -> &[SettingsWarning] {
        &self.report.warnings
    }

    /// Prints [`source_description`](Self::source_description) and then each
    /// [warning](Self::warnings) as `settings: warning: ...`, one line each, on stderr (stdout
    /// may be a protocol channel, as for an MCP server). Call it once at start-up.
    pub fn print_report(&self) {
        eprintln!("{}", self.source_description());
        for warning in self.warnings() {
            eprintln!("settings: warning: {warning}");
        }
    }
}

/// For programs that let [`get_metrics`](crate::get_metrics) load the settings: loads them
/// the same way ([`Settings::load`]) and prints [`Settings::print_report`]'s lines on stderr,
/// or `settings: error: ...` when they are invalid. Call it once at start-up.
///
/// ```no_run
/// session_metrics::settings::print_settings_report();
/// session_metrics::get_metrics().record_session_start("c", "zsh");
/// ```
pub fn print_settings_report() {
    match Settings::load() {
        Ok(settings) => settings.print_report(),
        Err(error) => eprintln!("settings: error: {error}"),
    }
}

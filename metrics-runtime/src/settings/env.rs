//! The `SESSION_BUDDY_*` environment variables as a figment provider, each value typed by
//! its key's [`EnvSyntax`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use figment::value::{Dict, Map, Value};
use figment::{Metadata, Profile, Provider};

use super::keys::{EnvSyntax, Key};
use super::render::{shown_raw, truncate};
use super::{ENV_PREFIX, Origin, SETTINGS_FILE_VAR, SettingsError, SettingsWarning};

/// An environment value with more brackets than this is refused before figment's recursive
/// parser sees it, so a hostile value cannot overflow the stack.
const MAX_ENV_BRACKETS: usize = 64;

/// Our variables out of an environment: key path → (variable name, raw value).
pub(super) struct EnvValues {
    values: BTreeMap<&'static str, (String, String)>,
    /// `SESSION_BUDDY_SETTINGS_FILE`, kept apart: it names the file rather than a setting.
    pub(super) settings_file: Option<PathBuf>,
    /// Our prefix on a variable that is no setting.
    pub(super) warnings: Vec<SettingsWarning>,
}

/// The metadata name of [`EnvValues::provider`], used to recognise its values.
pub(super) const ENV_METADATA_NAME: &str = "SESSION_BUDDY_* environment variables";

/// Whether the variable `name` has our prefix (ignoring case).
pub(super) fn is_ours(name: &str) -> bool {
    name.get(..ENV_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(ENV_PREFIX))
}

impl EnvValues {
    pub(super) fn collect(env: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut values = BTreeMap::new();
        let mut settings_file = None;
        let mut warnings = Vec::new();
        for (name, value) in env {
            if !is_ours(&name) {
                continue;
            }
            if name.eq_ignore_ascii_case(SETTINGS_FILE_VAR) {
                settings_file = Some(PathBuf::from(value));
            } else if let Some(key) = Key::of_variable(&name) {
                values.insert(key.path, (name, value));
            } else {
                warnings.push(SettingsWarning::unknown_variable(&name));
            }
        }
        Self {
            values,
            settings_file,
            warnings,
        }
    }

    /// The names of the setting variables that are set, as written.
    pub(super) fn names(&self) -> impl Iterator<Item = &str> {
        self.values.values().map(|(name, _)| name.as_str())
    }

    /// The value of `key`'s variable as the user typed it (quoted, without credentials), if
    /// `origin` says the value came from there: messages show what the user wrote, not
    /// figment's reading of it.
    pub(super) fn shown(&self, key: Option<&Key>, origin: &Origin) -> Option<String> {
        let key = key?;
        let (_, raw) = self.values.get(key.path)?;
        matches!(origin, Origin::Env(_)).then(|| shown_raw(key.path, raw))
    }

    /// A figment provider of the variables' values, typed by each key's [`EnvSyntax`].
    pub(super) fn provider(&self) -> Result<EnvProvider, SettingsError> {
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
                EnvSyntax::Map => {
                    let braced = if raw.trim_start().starts_with('{') {
                        raw.clone()
                    } else {
                        format!("{{{raw}}}")
                    };
                    let value = parse(&braced);
                    if matches!(value, Value::Dict(..))
                        && let Some(repeated) = repeated_key(&braced)
                    {
                        return Err(SettingsError::InvalidValue {
                            key: (*path).to_owned(),
                            origin: Origin::Env(name.clone()),
                            value: shown_raw(path, raw),
                            reason: format!("`{}` is given twice", truncate(&repeated)),
                        });
                    }
                    value
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

/// The first key given twice in the map `braced` (`{a=b, a=c}`), which figment's parser
/// would silently read as its last value.
fn repeated_key(braced: &str) -> Option<String> {
    let inner = braced.trim().strip_prefix('{')?.strip_suffix('}')?;
    let mut seen = BTreeSet::new();
    for entry in top_level_entries(inner) {
        // Each entry parsed alone, so its key is read exactly as in the whole map.
        if let Value::Dict(_, one) = parse(&format!("{{{entry}}}")) {
            for key in one.into_keys() {
                if !seen.insert(key.clone()) {
                    return Some(key);
                }
            }
        }
    }
    None
}

/// `text` split at the commas outside quotes and brackets.
fn top_level_entries(text: &str) -> Vec<&str> {
    let mut entries = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    let (mut in_string, mut escaped) = (false, false);
    for (i, c) in text.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '[' | '{' => depth += 1,
            ']' | '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                entries.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    entries.push(&text[start..]);
    entries
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

pub(super) struct EnvProvider(Dict);

impl Provider for EnvProvider {
    fn metadata(&self) -> Metadata {
        Metadata::named(ENV_METADATA_NAME)
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Ok(Profile::Default.collect(self.0.clone()))
    }
}

//! The `SESSION_BUDDY_*` environment variables as a figment provider, each value typed by
//! its key's [`EnvSyntax`].

use std::collections::BTreeMap;

use figment::value::{Dict, Map, Value};
use figment::{Metadata, Profile, Provider};

use super::keys::{EnvSyntax, KEYS, Key, env_var_name};
use super::render::{shown_raw, truncate};
use super::{ENV_PREFIX, Origin, SETTINGS_FILE_VAR, SettingsError};

/// An environment value with more brackets than this is refused before figment's recursive
/// parser sees it, so a hostile value cannot overflow the stack.
const MAX_ENV_BRACKETS: usize = 64;

/// Our variables out of an environment: key path → (variable name, raw value).
pub(super) struct EnvValues {
    values: BTreeMap<&'static str, (String, String)>,
    /// `SESSION_BUDDY_SETTINGS_FILE`, kept apart: it names the file rather than a setting.
    pub(super) settings_file: Option<String>,
}

/// The metadata name of [`EnvValues::provider`], used to recognise its values.
pub(super) const ENV_METADATA_NAME: &str = "SESSION_BUDDY_* environment variables";

impl EnvValues {
    pub(super) fn collect(env: impl IntoIterator<Item = (String, String)>) -> Self {
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
            } else if let Some(key) = KEYS.iter().find(|k| {
                k.syntax != EnvSyntax::Section && env_var_name(k.path).eq_ignore_ascii_case(&name)
            }) {
                values.insert(key.path, (name, value));
            }
        }
        Self {
            values,
            settings_file,
        }
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

pub(super) struct EnvProvider(Dict);

impl Provider for EnvProvider {
    fn metadata(&self) -> Metadata {
        Metadata::named(ENV_METADATA_NAME)
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Ok(Profile::Default.collect(self.0.clone()))
    }
}

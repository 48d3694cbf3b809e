//! Turning a rejected value, from serde or from validation, into a [`SettingsError`] that
//! names the key, the layer the value came from, and the value.

use figment::error::Kind;
use figment::{Figment, Metadata};

use super::env::{ENV_METADATA_NAME, EnvValues};
use super::keys::{Key, env_var_name};
use super::render::shown_value;
use super::{Origin, SettingsError};

/// A value that failed validation, before its origin is known.
pub(super) struct Problem {
    key: &'static str,
    /// The dotted path to look the origin up by (a map entry or the key itself).
    lookup: String,
    value: String,
    reason: String,
}

impl Problem {
    pub(super) fn new(
        key: &'static str,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self {
            key,
            lookup: key.to_owned(),
            value: value.into(),
            reason: reason.into(),
        }
    }

    /// Looks the origin up by the map entry `entry` of the key, which may come from another
    /// layer than the rest of the map.
    pub(super) fn at(mut self, entry: &str) -> Self {
        // figment splits a lookup at `.`, so such an entry falls back to the whole map.
        if !entry.contains('.') {
            self.lookup = format!("{}.{entry}", self.key);
        }
        self
    }

    /// The error for a value that came from `figment`'s layers.
    pub(super) fn locate(mut self, figment: &Figment, env: &EnvValues) -> SettingsError {
        let origin = origin_of(figment, figment.find_metadata(&self.lookup), self.key);
        if let Some(typed) = env.shown(Key::named(self.key), &origin) {
            self.value = typed;
        }
        self.into_error(origin)
    }

    pub(super) fn into_error(self, origin: Origin) -> SettingsError {
        SettingsError::InvalidValue {
            key: self.key.to_owned(),
            origin,
            value: self.value,
            reason: self.reason,
        }
    }
}

/// Where the value at the dotted `path` came from: `found` if figment already knows, else the
/// layer figment finds `path` in.
fn origin_of(figment: &Figment, found: Option<&Metadata>, path: &str) -> Origin {
    let Some(metadata) = found.or_else(|| figment.find_metadata(path)) else {
        return Origin::Code;
    };
    if let Some(file) = metadata.source.as_ref().and_then(|s| s.file_path()) {
        Origin::File(file.to_path_buf())
    } else if metadata.name == ENV_METADATA_NAME {
        Origin::Env(env_var_name(path))
    } else {
        Origin::Code
    }
}

/// Turns serde's complaint (through figment) into a [`SettingsError`].
pub(super) fn from_figment(
    error: figment::Error,
    figment: &Figment,
    env: &EnvValues,
) -> SettingsError {
    let dotted = error.path.join(".");
    if let Kind::UnknownField(_, expected) = &error.kind {
        return SettingsError::UnknownKey {
            origin: origin_of(figment, error.metadata.as_ref(), &dotted),
            key: dotted,
            expected,
        };
    }
    let key = Key::containing(&error.path);
    let key_path = key.map_or(dotted.as_str(), |k| k.path);
    let origin = origin_of(figment, error.metadata.as_ref(), key_path);
    let value = env.shown(key, &origin).unwrap_or_else(|| {
        figment
            .find_value(key_path)
            .map_or_else(|_| "?".to_owned(), |v| shown_value(key_path, &v))
    });
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

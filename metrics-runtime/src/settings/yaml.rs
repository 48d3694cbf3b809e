//! The YAML settings file, read with serde-saphyr, as a figment provider.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use figment::value::{Dict, Empty, Map, Tag, Value};
use figment::{Metadata, Profile, Provider};
use serde::Deserialize;

use super::SettingsError;
use super::keys::{EnvSyntax, Key};
use super::render::render;

/// A settings file larger than this is refused rather than read into memory.
const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// The parsed settings file, as a figment provider whose metadata names the file.
pub(super) struct YamlFile {
    pub(super) path: PathBuf,
    pub(super) dict: Dict,
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
pub(super) fn read_yaml_file(path: &Path, required: bool) -> Result<Option<Dict>, SettingsError> {
    let read_error = |source| SettingsError::ReadFile {
        path: path.to_path_buf(),
        source,
    };
    // Checked before opening: opening a FIFO for reading waits for a writer, for ever.
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if !required && e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(read_error(e)),
    };
    if !metadata.is_file() {
        let what = if metadata.is_dir() {
            "a directory"
        } else {
            "a FIFO, socket or device"
        };
        return Err(read_error(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not a regular file (it is {what})"),
        )));
    }
    let file = File::open(path).map_err(read_error)?;
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
        .map_err(|e| yaml_error(yaml_message(&e)))?;
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

/// The parser's message, in our words where its own speaks of its API.
fn yaml_message(error: &serde_saphyr::Error) -> String {
    match error {
        serde_saphyr::Error::DuplicateMappingKey { key, .. } => {
            let key = key
                .as_deref()
                .map(|k| format!(" `{k}`"))
                .unwrap_or_default();
            match error.location() {
                Some(at) => format!(
                    "duplicate key{key} at line {}, column {}",
                    at.line(),
                    at.column()
                ),
                None => format!("duplicate key{key}"),
            }
        }
        other => other.to_string(),
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

//! How values appear in error messages: quoted, cut when long, URL credentials hidden.

use figment::value::Value;

use super::url::redact_userinfo;

/// The environment value as the user typed it, quoted, without credentials.
pub(super) fn shown_raw(key: &str, raw: &str) -> String {
    format!("{:?}", truncate(&redact_if_url(key, raw)))
}

/// A value from the file (or a default) as the user would write it, without credentials,
/// also when it is a section holding the URL.
pub(super) fn shown_value(key: &str, value: &Value) -> String {
    render(&without_credentials(key, value))
}

fn without_credentials(key: &str, value: &Value) -> Value {
    match value {
        Value::String(tag, s) if under_url(key) => Value::String(*tag, redact_userinfo(s)),
        // Any string under the URL key, e.g. in a list written by mistake.
        Value::Array(tag, items) if under_url(key) => Value::Array(
            *tag,
            items.iter().map(|v| without_credentials(key, v)).collect(),
        ),
        Value::Dict(tag, dict) => Value::Dict(
            *tag,
            dict.iter()
                .map(|(name, inner)| {
                    let path = format!("{key}.{name}");
                    (name.clone(), without_credentials(&path, inner))
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Only `pushgateway.url` can hold credentials. They are hidden before a long value is cut,
/// so a cut cannot keep part of a password.
pub(super) fn redact_if_url(key: &str, raw: &str) -> String {
    if key == URL_KEY {
        redact_userinfo(raw)
    } else {
        raw.to_owned()
    }
}

const URL_KEY: &str = "pushgateway.url";

fn under_url(key: &str) -> bool {
    key.strip_prefix(URL_KEY)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// Long values are cut in messages; the start is enough to recognise them.
pub(super) fn truncate(text: &str) -> &str {
    match text.char_indices().nth(200) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// A figment value written back in the YAML-ish form a user would recognise.
pub(super) fn render(value: &Value) -> String {
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

//! How values appear in error messages: quoted, cut when long, URL credentials hidden.

use figment::value::Value;

/// The environment value as the user typed it, quoted, without credentials.
pub(super) fn shown_raw(key: &str, raw: &str) -> String {
    redact_if_url(key, format!("{:?}", truncate(raw)))
}

/// Only `pushgateway.url` can hold credentials.
pub(super) fn redact_if_url(key: &str, shown: String) -> String {
    if key == "pushgateway.url" {
        redact_userinfo(&shown)
    } else {
        shown
    }
}

/// Keeps a password in a URL (`http://user:secret@host`) out of error messages and logs.
pub(super) fn redact_userinfo(url: &str) -> String {
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

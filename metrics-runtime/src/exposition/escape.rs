//! Escaping label values and help texts.
//!
//! Label values are escaped alike in both formats: `\` as `\\`, `"` as `\"`, a line feed as
//! `\n`. Help texts differ: the text format 0.0.4 escapes `\` and the line feed only (a `\"`
//! there would be read as two characters), OpenMetrics escapes `"` too (its ABNF allows no
//! bare `"` in a help text). Everything else is copied as it is; the input is a `&str`, so the
//! output is valid UTF-8.

/// Appends `value` escaped as a label value.
#[inline]
pub(crate) fn label_value(out: &mut Vec<u8>, value: &str) {
    escape(out, value, true);
}

/// Appends `help` escaped as a help text; `quotes` for OpenMetrics.
pub(crate) fn help(out: &mut Vec<u8>, help: &str, quotes: bool) {
    escape(out, help, quotes);
}

#[inline]
fn escape(out: &mut Vec<u8>, value: &str, quotes: bool) {
    let bytes = value.as_bytes();
    let special = |b: u8| b == b'\\' || b == b'\n' || (quotes && b == b'"');
    let Some(first) = bytes.iter().position(|&b| special(b)) else {
        out.extend_from_slice(bytes);
        return;
    };
    out.extend_from_slice(&bytes[..first]);
    for &b in &bytes[first..] {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'"' if quotes => out.extend_from_slice(b"\\\""),
            _ => out.push(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(value: &str, f: fn(&mut Vec<u8>, &str)) -> String {
        let mut out = Vec::new();
        f(&mut out, value);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn label_values_escape_backslash_quote_and_newline() {
        assert_eq!(escaped("plain é", label_value), "plain é");
        assert_eq!(escaped("a\\b\"c\nd", label_value), r#"a\\b\"c\nd"#);
    }

    #[test]
    fn help_escapes_quotes_in_openmetrics_only() {
        assert_eq!(
            escaped("say \"x\"\\\n", |o, v| help(o, v, false)),
            "say \"x\"\\\\\\n"
        );
        assert_eq!(
            escaped("say \"x\"\\\n", |o, v| help(o, v, true)),
            r#"say \"x\"\\\n"#
        );
    }
}

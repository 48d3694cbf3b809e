//! Choosing the format from an HTTP `Accept` header, as Prometheus sends it.
//!
//! Each media range may carry a quality (`q`, default 1), and, as RFC 9110 says, the most
//! specific range that matches a format gives its quality: OpenMetrics is rated by the
//! `application/openmetrics-text` ranges (version `1.0.0`, `0.0.1` or none), else by
//! `application/*`, else by `*/*`; the text format by the `text/plain` ranges (version
//! `0.0.4`, `1.0.0` or none), else by `text/*`, else by `*/*`. OpenMetrics is chosen when its
//! quality is above zero and above the text format's, or equal to it when the header names
//! OpenMetrics and accepts text only through `*/*`; the text format in every other case,
//! including no header, a malformed one, or one that accepts neither format (a scraper that
//! receives text it did not ask for still gets metrics; a `406` would only fail the scrape). A request for OpenMetrics 0.0.1 is answered with 1.0.0: Prometheus picks its
//! OpenMetrics parser by the media type alone, whatever the version. At most
//! [`MAX_MEDIA_RANGES`] ranges are read.

use super::Format;

/// Media ranges read from one `Accept` header; the rest are ignored.
pub const MAX_MEDIA_RANGES: usize = 32;

/// The format to answer a request with `accept` as its `Accept` header(s) (`None`: no header).
pub(crate) fn negotiate<'a>(accept: impl IntoIterator<Item = &'a str>) -> Format {
    // The highest quality given by ranges of each specificity (`None`: no such range).
    let mut openmetrics = None::<f32>;
    let mut application = None::<f32>;
    let mut text = None::<f32>;
    let mut any_text = None::<f32>;
    let mut wildcard = None::<f32>;
    let raise = |slot: &mut Option<f32>, quality: f32| {
        *slot = Some(slot.map_or(quality, |q| q.max(quality)));
    };
    let ranges = accept
        .into_iter()
        .flat_map(|value| value.split(','))
        .take(MAX_MEDIA_RANGES);
    for range in ranges {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or_default().trim();
        let mut quality = Some(1.0f32);
        let mut version = None;
        for param in parts {
            let Some((key, value)) = param.split_once('=') else {
                continue;
            };
            let value = value.trim().trim_matches('"');
            match key.trim() {
                k if k.eq_ignore_ascii_case("q") => {
                    quality = value
                        .parse::<f32>()
                        .ok()
                        .filter(|q| (0.0..=1.0).contains(q));
                }
                k if k.eq_ignore_ascii_case("version") => version = Some(value),
                _ => {}
            }
        }
        // A range with an unreadable quality is ignored, as RFC 9110 leaves it to us.
        let Some(quality) = quality else {
            continue;
        };
        let is = |name: &str| media.eq_ignore_ascii_case(name);
        if is("application/openmetrics-text") {
            if matches!(version, None | Some("1.0.0" | "0.0.1")) {
                raise(&mut openmetrics, quality);
            }
        } else if is("text/plain") {
            if matches!(version, None | Some("0.0.4" | "1.0.0")) {
                raise(&mut text, quality);
            }
        } else if is("application/*") {
            raise(&mut application, quality);
        } else if is("text/*") {
            raise(&mut any_text, quality);
        } else if is("*/*") {
            raise(&mut wildcard, quality);
        }
    }
    // A format the client names wins a tie with one it accepts only through `*/*`.
    let named = openmetrics.or(application);
    let text_named = text.or(any_text);
    let openmetrics = named.or(wildcard).unwrap_or(0.0);
    let text = text_named.or(wildcard).unwrap_or(0.0);
    let tie_to_openmetrics = named.is_some() && text_named.is_none();
    if openmetrics > 0.0 && (openmetrics > text || (openmetrics == text && tie_to_openmetrics)) {
        Format::OpenMetrics
    } else {
        Format::Text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format(accept: &str) -> Format {
        negotiate([accept])
    }

    #[test]
    fn prometheus_headers_get_openmetrics() {
        // Prometheus 2.42 and later.
        assert_eq!(
            format(
                "application/openmetrics-text;version=1.0.0,application/openmetrics-text;\
                 version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
            ),
            Format::OpenMetrics
        );
        // Prometheus 3 with its default scrape protocols.
        assert_eq!(
            format(
                "application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;\
                 version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,\
                 text/plain;version=0.0.4;q=0.2,*/*;q=0.1"
            ),
            Format::OpenMetrics
        );
        assert_eq!(
            format("application/openmetrics-text; version=0.0.1"),
            Format::OpenMetrics
        );
        assert_eq!(
            format("Application/OpenMetrics-Text; Q=1, */*"),
            Format::OpenMetrics
        );
    }

    #[test]
    fn text_when_preferred_tied_or_unreadable() {
        for accept in [
            "",
            "text/plain;version=0.0.4",
            "*/*",
            "text/plain;version=0.0.4;q=0.9,application/openmetrics-text;q=0.5",
            "application/openmetrics-text, text/plain",
            "application/openmetrics-text;q=0",
            "application/openmetrics-text;version=2.0.0",
            "application/openmetrics-text;q=high",
            "application/openmetrics-text;q=7",
            "application/json",
            ";;;,,,=;q=",
            "application/openmetrics-text;q=0.5, */*;q=0.9",
            "application/openmetrics-text;q=0, */*",
            "application/*;q=0.5, text/*",
            "\u{fffd}\u{0}",
        ] {
            assert_eq!(format(accept), Format::Text, "{accept:?}");
        }
        assert_eq!(negotiate(None::<&str>), Format::Text);
    }

    #[test]
    fn the_most_specific_range_rates_each_format() {
        for accept in [
            // An explicit text range outranks `*/*` for the text format.
            "application/openmetrics-text;q=0.5, */*, text/plain;q=0.1",
            // `application/*` covers OpenMetrics and not text.
            "application/*",
            "application/*;q=0.8, text/plain;q=0.5",
            "application/*, text/plain;version=0.0.4;q=0.9, */*;q=0.1",
        ] {
            assert_eq!(format(accept), Format::OpenMetrics, "{accept:?}");
        }
    }

    #[test]
    fn only_the_first_ranges_are_read() {
        let mut accept = "x/y,".repeat(MAX_MEDIA_RANGES);
        accept.push_str("application/openmetrics-text");
        assert_eq!(format(&accept), Format::Text);
        assert_eq!(
            negotiate(["text/plain;q=0.1", "application/openmetrics-text"]),
            Format::OpenMetrics
        );
    }
}

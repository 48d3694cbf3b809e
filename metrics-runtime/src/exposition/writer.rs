//! The lines of both formats: family headers, samples, exemplars and the end marker.

use super::Format;
use super::escape;
use super::number::{write_f64, write_u64};
use crate::exemplar::Exemplar;

/// The type a family is declared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Counter,
    Gauge,
    Histogram,
    Summary,
    Untyped,
}

/// Appends exposition lines of one format to a caller's buffer.
pub(crate) struct Writer<'a> {
    pub(crate) out: &'a mut Vec<u8>,
    pub(crate) format: Format,
    /// The name of every family in this exposition, sorted: a counter `foo_total` is declared
    /// as family `foo` in OpenMetrics only if no other family is named `foo`.
    names: &'a [&'a str],
}

impl<'a> Writer<'a> {
    /// A writer of `format` into `out`, for an exposition of the families named `names`
    /// (sorted).
    pub(crate) fn new(out: &'a mut Vec<u8>, format: Format, names: &'a [&'a str]) -> Self {
        debug_assert!(names.is_sorted());
        Self { out, format, names }
    }

    pub(crate) fn openmetrics(&self) -> bool {
        self.format == Format::OpenMetrics
    }

    /// `# HELP` (unless `help` is empty) and `# TYPE`, plus `# UNIT seconds` in OpenMetrics for
    /// a family named `…_seconds`.
    ///
    /// In OpenMetrics a counter family is named without its samples' `_total`. A counter
    /// whose name lacks `_total` (only a user's collector can have one) is declared `unknown`
    /// there instead: its samples keep the name they have in the text format, so the series
    /// Prometheus stores are the same whichever format it scraped. So is a counter `foo_total`
    /// when another family is named `foo` (a user's gauge `foo`, legal in the text format):
    /// two `# TYPE foo` would make the OpenMetrics exposition invalid.
    pub(crate) fn header(&mut self, name: &str, help: &str, kind: Kind) {
        let om = self.openmetrics();
        let (family, kind) = match kind {
            Kind::Counter if om => match name.strip_suffix("_total") {
                Some(family)
                    if !family.is_empty() && self.names.binary_search(&family).is_err() =>
                {
                    (family, "counter")
                }
                _ => (name, "unknown"),
            },
            Kind::Counter => (name, "counter"),
            Kind::Gauge => (name, "gauge"),
            Kind::Histogram => (name, "histogram"),
            Kind::Summary => (name, "summary"),
            Kind::Untyped if om => (name, "unknown"),
            Kind::Untyped => (name, "untyped"),
        };
        if !help.is_empty() {
            self.out.extend_from_slice(b"# HELP ");
            self.out.extend_from_slice(family.as_bytes());
            self.out.push(b' ');
            escape::help(self.out, help, om);
            self.out.push(b'\n');
        }
        self.out.extend_from_slice(b"# TYPE ");
        self.out.extend_from_slice(family.as_bytes());
        self.out.push(b' ');
        self.out.extend_from_slice(kind.as_bytes());
        self.out.push(b'\n');
        if om && family.len() > "_seconds".len() && family.ends_with("_seconds") {
            self.out.extend_from_slice(b"# UNIT ");
            self.out.extend_from_slice(family.as_bytes());
            self.out.extend_from_slice(b" seconds\n");
        }
    }

    /// Writes `name{labels,extra="value"} ` up to the value: `labels` is a rendered, escaped
    /// label list without braces (may be empty); `extra`'s value is written as it is (bucket
    /// bounds and quantiles need no escaping).
    #[inline]
    pub(crate) fn sample_start(
        &mut self,
        name: &str,
        suffix: &str,
        labels: &[u8],
        extra: Option<(&str, &str)>,
    ) {
        let out = &mut *self.out;
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(suffix.as_bytes());
        match extra {
            None if labels.is_empty() => {}
            None => {
                out.push(b'{');
                out.extend_from_slice(labels);
                out.push(b'}');
            }
            Some((label, value)) => {
                out.push(b'{');
                out.extend_from_slice(labels);
                if !labels.is_empty() {
                    out.push(b',');
                }
                out.extend_from_slice(label.as_bytes());
                out.extend_from_slice(b"=\"");
                out.extend_from_slice(value.as_bytes());
                out.extend_from_slice(b"\"}");
            }
        }
        out.push(b' ');
    }

    /// A whole sample line with an integer value.
    #[inline]
    pub(crate) fn sample_u64(
        &mut self,
        name: &str,
        suffix: &str,
        labels: &[u8],
        extra: Option<(&str, &str)>,
        value: u64,
        exemplar: Option<Exemplar>,
    ) {
        self.sample_start(name, suffix, labels, extra);
        write_u64(self.out, value);
        self.end_sample(exemplar);
    }

    /// A whole sample line with a float value.
    #[inline]
    pub(crate) fn sample_f64(
        &mut self,
        name: &str,
        suffix: &str,
        labels: &[u8],
        extra: Option<(&str, &str)>,
        value: f64,
    ) {
        self.sample_start(name, suffix, labels, extra);
        write_f64(self.out, value);
        self.out.push(b'\n');
    }

    /// Ends a sample line, with ` # {trace_id="…",span_id="…"} value timestamp` first in
    /// OpenMetrics when there is an exemplar (its label set is 63 characters, within the
    /// format's limit of 128). The text format has no exemplars.
    #[inline]
    pub(crate) fn end_sample(&mut self, exemplar: Option<Exemplar>) {
        if let Some(exemplar) = exemplar
            && self.openmetrics()
        {
            self.exemplar(&exemplar);
        }
        self.out.push(b'\n');
    }

    fn exemplar(&mut self, exemplar: &Exemplar) {
        let out = &mut *self.out;
        out.extend_from_slice(b" # {trace_id=\"");
        hex(out, &exemplar.context.trace_id);
        out.extend_from_slice(b"\",span_id=\"");
        hex(out, &exemplar.context.span_id);
        out.extend_from_slice(b"\"} ");
        write_f64(out, exemplar.value);
        if exemplar.timestamp.is_finite() {
            out.push(b' ');
            write_f64(out, exemplar.timestamp);
        }
    }

    /// A user's sample timestamp, milliseconds since the epoch: as such in the text format,
    /// in seconds in OpenMetrics.
    pub(crate) fn timestamp_ms(&mut self, ms: i64) {
        self.out.push(b' ');
        if self.openmetrics() {
            write_f64(self.out, ms as f64 / 1000.0);
        } else {
            self.out
                .extend_from_slice(itoa::Buffer::new().format(ms).as_bytes());
        }
    }

    /// `# EOF` in OpenMetrics; nothing in the text format.
    pub(crate) fn finish(&mut self) {
        if self.openmetrics() {
            self.out.extend_from_slice(b"# EOF\n");
        }
    }
}

fn hex(out: &mut Vec<u8>, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)]);
        out.push(DIGITS[usize::from(b & 0xf)]);
    }
}

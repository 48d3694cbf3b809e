//! Writing the families of users' collectors, as `Registry::gather` returns them.
//!
//! The output matches the `prometheus` crate's text encoder in the text format (which this
//! replaces), except that an untyped family is written instead of panicking the encoder and
//! infinite values are spelled `+Inf`/`-Inf` as the format requires.

use prometheus::proto::{self, MetricType};

use super::escape;
use super::number::bound_label;
use super::writer::{Kind, Writer};
use crate::Error;
use crate::proto_value::{counter_value, gauge_value, untyped_value};

/// Writes one gathered family.
///
/// # Errors
/// [`Error::Encode`] for a family without a name, which the text encoder refused too.
pub(crate) fn encode_family(
    w: &mut Writer<'_>,
    family: &proto::MetricFamily,
    labels: &mut Vec<u8>,
) -> Result<(), Error> {
    let metrics = family.get_metric();
    if metrics.is_empty() {
        return Ok(());
    }
    let name = family.name();
    if name.is_empty() {
        return Err(Error::Encode(prometheus::Error::Msg(format!(
            "MetricFamily has no name: {family:?}"
        ))));
    }
    let kind = match family.get_field_type() {
        MetricType::COUNTER => Kind::Counter,
        MetricType::GAUGE => Kind::Gauge,
        MetricType::HISTOGRAM => Kind::Histogram,
        MetricType::SUMMARY => Kind::Summary,
        MetricType::UNTYPED => Kind::Untyped,
    };
    w.header(name, family.help(), kind);
    for m in metrics {
        render_labels(labels, m.get_label());
        let ts = m.timestamp_ms();
        let line = |w: &mut Writer<'_>, suffix: &str, extra: Option<(&str, &str)>, v: f64| {
            w.sample_start(name, suffix, labels, extra);
            super::number::write_f64(w.out, v);
            if ts != 0 {
                w.timestamp_ms(ts);
            }
            w.out.push(b'\n');
        };
        match kind {
            Kind::Counter => line(w, "", None, counter_value(m)),
            Kind::Gauge => line(w, "", None, gauge_value(m)),
            Kind::Untyped => line(w, "", None, untyped_value(m)),
            Kind::Histogram => {
                let h = m.get_histogram();
                let mut inf_seen = false;
                for b in h.get_bucket() {
                    let bound = b.upper_bound();
                    inf_seen |= bound == f64::INFINITY;
                    let le = bound_label(bound);
                    line(w, "_bucket", Some(("le", &le)), b.cumulative_count() as f64);
                }
                if !inf_seen {
                    line(
                        w,
                        "_bucket",
                        Some(("le", "+Inf")),
                        h.get_sample_count() as f64,
                    );
                }
                line(w, "_sum", None, h.get_sample_sum());
                line(w, "_count", None, h.get_sample_count() as f64);
            }
            Kind::Summary => {
                let s = m.get_summary();
                for q in s.get_quantile() {
                    let quantile = bound_label(q.quantile());
                    line(w, "", Some(("quantile", &quantile)), q.value());
                }
                line(w, "_sum", None, s.sample_sum());
                line(w, "_count", None, s.sample_count() as f64);
            }
        }
    }
    Ok(())
}

/// `name="value",…` of a gathered metric (already in name order) into `out`.
fn render_labels(out: &mut Vec<u8>, pairs: &[proto::LabelPair]) {
    out.clear();
    for (i, pair) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(pair.name().as_bytes());
        out.extend_from_slice(b"=\"");
        escape::label_value(out, pair.value());
        out.push(b'"');
    }
}

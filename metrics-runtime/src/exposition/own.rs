//! Writing our own families straight from their atomics, without building protobuf structs.

use std::cell::RefCell;

use super::number::bound_label;
use super::writer::{Kind, Writer};
use crate::family::Family;
use crate::series::{Counter, Gauge, Histogram};

/// One of our families, as the encoder sees it.
pub(crate) trait OwnFamily: Sync {
    fn name(&self) -> &'static str;
    /// Writes the family, header and series; nothing when it has no series (as
    /// `Registry::gather` leaves out a family without metrics).
    fn encode(&self, w: &mut Writer<'_>);
}

impl OwnFamily for Family<Counter> {
    fn name(&self) -> &'static str {
        self.spec().name
    }

    fn encode(&self, w: &mut Writer<'_>) {
        if self.is_empty() {
            return;
        }
        let spec = self.spec();
        w.header(spec.name, spec.help, Kind::Counter);
        self.with_rendered(|series| {
            for s in series {
                w.sample_u64(
                    spec.name,
                    "",
                    &s.labels,
                    None,
                    s.series.get(),
                    s.series.exemplar(),
                );
            }
        });
    }
}

impl OwnFamily for Family<Gauge> {
    fn name(&self) -> &'static str {
        self.spec().name
    }

    fn encode(&self, w: &mut Writer<'_>) {
        if self.is_empty() {
            return;
        }
        let spec = self.spec();
        w.header(spec.name, spec.help, Kind::Gauge);
        self.with_rendered(|series| {
            for s in series {
                w.sample_f64(spec.name, "", &s.labels, None, s.series.get());
            }
        });
    }
}

thread_local! {
    /// The bucket counts of the series being written, reused for every histogram series.
    static COUNTS: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

impl OwnFamily for Family<Histogram> {
    fn name(&self) -> &'static str {
        self.spec().name
    }

    fn encode(&self, w: &mut Writer<'_>) {
        if self.is_empty() {
            return;
        }
        let spec = self.spec();
        let bounds = self.config();
        // One spelling per bound for the whole family, `+Inf` last.
        let les: Vec<String> = bounds
            .iter()
            .map(|&b| bound_label(b))
            .chain(["+Inf".to_owned()])
            .collect();
        w.header(spec.name, spec.help, Kind::Histogram);
        COUNTS.with_borrow_mut(|counts| {
            self.with_rendered(|series| {
                for s in series {
                    let h = &*s.series;
                    h.counts_into(counts);
                    let mut cumulative = 0u64;
                    for (i, (&count, le)) in counts.iter().zip(&les).enumerate() {
                        cumulative = cumulative.wrapping_add(count);
                        let exemplar = if w.openmetrics() { h.exemplar(i) } else { None };
                        w.sample_u64(
                            spec.name,
                            "_bucket",
                            &s.labels,
                            Some(("le", le)),
                            cumulative,
                            exemplar,
                        );
                    }
                    // `_count` is the `+Inf` bucket, read once: they never disagree.
                    w.sample_f64(spec.name, "_sum", &s.labels, None, h.sum());
                    w.sample_u64(spec.name, "_count", &s.labels, None, cumulative, None);
                }
            })
        });
    }
}

/// A group of our families kept outside [`Families`](crate::metrics::Families)' own fields
/// (e.g. the MCP server layer's), exported with them.
pub(crate) trait OwnFamilies: Send + Sync {
    fn own_families(&self) -> Vec<&dyn OwnFamily>;
}

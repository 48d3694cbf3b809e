//! Writing our own families straight from their atomics, without building protobuf structs.

use std::cell::RefCell;

use super::number::write_f64;
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
    /// The `le` spellings of the histogram family being written, back to back, and where
    /// each ends; reused for every histogram family, so that a scrape allocates none.
    static LES: RefCell<(Vec<u8>, Vec<usize>)> = const { RefCell::new((Vec::new(), Vec::new())) };
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
        w.header(spec.name, spec.help, Kind::Histogram);
        LES.with_borrow_mut(|(les, ends)| {
            // One spelling per bound for the whole family, `+Inf` last (as `bound_label`
            // spells them).
            les.clear();
            ends.clear();
            for &bound in self.config().iter().chain([&f64::INFINITY]) {
                write_f64(les, bound);
                ends.push(les.len());
            }
            // `write_f64` writes ASCII only.
            let les = std::str::from_utf8(les).unwrap_or_default();
            COUNTS.with_borrow_mut(|counts| {
                self.with_rendered(|series| {
                    for s in series {
                        let h = &*s.series;
                        h.counts_into(counts);
                        let mut cumulative = 0u64;
                        let mut start = 0;
                        for (i, (&count, &end)) in counts.iter().zip(&*ends).enumerate() {
                            let le = les.get(start..end).unwrap_or_default();
                            start = end;
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
            })
        });
    }
}

/// A group of our families kept outside [`Families`](crate::metrics::Families)' own fields
/// (e.g. the MCP server layer's), exported with them.
pub(crate) trait OwnFamilies: Send + Sync {
    fn own_families(&self) -> Vec<&dyn OwnFamily>;
}

//! The exposition: our families written straight from their atomics, in the Prometheus text
//! format 0.0.4 or OpenMetrics 1.0.0, merged with the families of users' collectors in the
//! same registry.
//!
//! Our collectors stay registered in the `prometheus::Registry` (so names still clash there,
//! and a user's own `gather` still sees everything), but during our own export they collect
//! nothing: a thread-local names the metrics being exported, so `gather` returns only the
//! users' families, and nothing is written twice. Both lists are in name order and are merged;
//! should a user's collector produce a family under one of our names, ours is written and
//! theirs left out.

pub(crate) mod escape;
mod gathered;
mod negotiate;
mod number;
mod own;
mod writer;

use std::cell::{Cell, RefCell};

pub use negotiate::MAX_MEDIA_RANGES;
pub(crate) use own::{OwnFamilies, OwnFamily};

use crate::Error;
use crate::metrics::Families;
use writer::Writer;

/// An exposition format.
///
/// ```
/// use session_metrics::Format;
///
/// assert_eq!(Format::Text.content_type(), "text/plain; version=0.0.4; charset=utf-8");
/// assert_eq!(
///     Format::OpenMetrics.content_type(),
///     "application/openmetrics-text; version=1.0.0; charset=utf-8"
/// );
/// assert_eq!(Format::from_name("openmetrics"), Some(Format::OpenMetrics));
/// assert_eq!(
///     Format::from_accept("application/openmetrics-text;version=1.0.0,text/plain;q=0.5"),
///     Format::OpenMetrics
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Format {
    /// The Prometheus text format 0.0.4 (what [`export_metrics`](crate::SessionMetrics::export_metrics)
    /// returns).
    #[default]
    Text,
    /// OpenMetrics 1.0.0: counter families named without `_total`, `# UNIT seconds` for
    /// `…_seconds` families, exemplars, `# EOF`; no `_created` samples.
    OpenMetrics,
}

impl Format {
    /// Every format, in the order of [`name`](Self::name)s listed in errors.
    pub const ALL: [Format; 2] = [Format::Text, Format::OpenMetrics];

    /// The exact `Content-Type` of this format.
    pub const fn content_type(self) -> &'static str {
        match self {
            Format::Text => "text/plain; version=0.0.4; charset=utf-8",
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }

    /// The short name: `text` or `openmetrics`.
    pub const fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::OpenMetrics => "openmetrics",
        }
    }

    /// The format of a short [`name`](Self::name) (ASCII case ignored).
    pub fn from_name(name: &str) -> Option<Format> {
        Self::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name.trim()))
    }

    /// The format to answer an HTTP request with this `Accept` header: OpenMetrics when the
    /// header prefers it (by `q`) over the text format, the text format otherwise, including
    /// for a malformed header. At most [`MAX_MEDIA_RANGES`] media ranges are read.
    pub fn from_accept(accept: &str) -> Format {
        negotiate::negotiate([accept])
    }

    /// Like [`from_accept`](Self::from_accept) over every `Accept` header of a request (none:
    /// the text format).
    pub fn from_accept_headers<'a>(headers: impl IntoIterator<Item = &'a str>) -> Format {
        negotiate::negotiate(headers)
    }
}

thread_local! {
    /// The [`Families`] whose own export runs on this thread (0: none).
    static EXPORTING: Cell<usize> = const { Cell::new(0) };
    /// Label scratch for users' families.
    static LABELS: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// An identity for `families`, for [`collecting_is_suppressed`].
pub(crate) fn owner_of(families: &Families) -> usize {
    std::ptr::from_ref(families) as usize
}

/// Whether a collector of `owner`'s families should collect nothing: that export writes them
/// itself.
pub(crate) fn collecting_is_suppressed(owner: usize) -> bool {
    owner != 0 && EXPORTING.get() == owner
}

/// Sets [`EXPORTING`] for its lifetime (restored even if a user's collector panics).
struct Exporting(usize);

impl Exporting {
    fn start(owner: usize) -> Self {
        Self(EXPORTING.replace(owner))
    }
}

impl Drop for Exporting {
    fn drop(&mut self) {
        EXPORTING.set(self.0);
    }
}

/// Appends the whole exposition of `registry` and `families` (ours, if enabled) to `out`.
pub(crate) fn encode(
    registry: &prometheus::Registry,
    families: Option<&Families>,
    format: Format,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let theirs = {
        let _exporting = Exporting::start(families.map_or(0, owner_of));
        registry.gather()
    };
    let mut names: Vec<&str> = theirs.iter().map(|family| family.name()).collect();
    LABELS.with_borrow_mut(|labels| {
        let Some(families) = families else {
            names.sort_unstable();
            let mut w = Writer::new(out, format, &names);
            for family in &theirs {
                gathered::encode_family(&mut w, family, labels)?;
            }
            w.finish();
            return Ok(());
        };
        families.with_own(|ours| {
            names.extend(ours.iter().map(|own| own.name()));
            names.sort_unstable();
            let mut w = Writer::new(out, format, &names);
            let mut theirs = theirs.iter().peekable();
            for own in ours {
                while let Some(family) = theirs.next_if(|f| f.name() < own.name()) {
                    gathered::encode_family(&mut w, family, labels)?;
                }
                // Ours wins a name both have.
                theirs.next_if(|f| f.name() == own.name());
                own.encode(&mut w);
            }
            for family in theirs {
                gathered::encode_family(&mut w, family, labels)?;
            }
            w.finish();
            Ok::<(), Error>(())
        })
    })
}

/// Whether `registry` rewrites what it gathers: a namespace prefix or common labels given to
/// `Registry::new_custom`. Such a registry is exported through `gather` entirely, so that the
/// rewriting applies to our families as before (without exemplars). Found out once, when our
/// metrics are built, by gathering a probe family.
pub(crate) fn registry_rewrites(registry: &prometheus::Registry) -> bool {
    use prometheus::core::{Collector, Desc};
    use prometheus::proto;

    const PROBE: &str = "session_metrics_registry_probe";
    struct Probe(Desc);
    impl Collector for Probe {
        fn desc(&self) -> Vec<&Desc> {
            vec![&self.0]
        }
        fn collect(&self) -> Vec<proto::MetricFamily> {
            let mut family = proto::MetricFamily::default();
            family.set_name(PROBE.to_owned());
            family.set_field_type(proto::MetricType::GAUGE);
            family.set_metric(vec![proto::Metric::default()]);
            vec![family]
        }
    }
    let Ok(desc) = Desc::new(
        PROBE.to_owned(),
        "probe".to_owned(),
        Vec::new(),
        Default::default(),
    ) else {
        return false;
    };
    if registry.register(Box::new(Probe(desc.clone()))).is_err() {
        return false;
    }
    let rewrites = registry
        .gather()
        .iter()
        .find(|family| family.name().ends_with(PROBE))
        .is_some_and(|family| {
            family.name() != PROBE
                || family
                    .get_metric()
                    .iter()
                    .any(|metric| !metric.get_label().is_empty())
        });
    let _ = registry.unregister(Box::new(Probe(desc)));
    rewrites
}

/// Encodes gathered families alone (e.g. a filtered copy), in `format`.
pub(crate) fn encode_gathered(
    families: &[prometheus::proto::MetricFamily],
    format: Format,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let mut names: Vec<&str> = families.iter().map(|family| family.name()).collect();
    names.sort_unstable();
    let mut w = Writer::new(out, format, &names);
    let mut labels = Vec::new();
    for family in families {
        gathered::encode_family(&mut w, family, &mut labels)?;
    }
    w.finish();
    Ok(())
}

#[cfg(test)]
mod tests;

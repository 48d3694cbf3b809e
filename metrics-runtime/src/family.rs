//! A labelled metric family: our replacement for prometheus' `MetricVec`.
//!
//! `MetricVec` keys its children by an FNV hash of the label values written back to back, so
//! `["ab", "c"]` and `["a", "bc"]` silently share one child. Here children are keyed by the
//! label values themselves, so distinct label sets are always distinct series.

use std::hash::{Hash, Hasher};
use std::sync::{Arc, PoisonError, RwLock};

use hashbrown::{Equivalent, HashMap};
use prometheus::core::Desc;
use prometheus::proto;

use crate::series::Series;

type Key = Box<[Box<str>]>;

/// `(name, value)` pairs of one series, in name order.
type LabelPairs<'a> = Vec<(&'a str, &'a str)>;

/// Borrowed label values, looked up without allocating a [`Key`].
struct Query<'a>(&'a [&'a str]);

impl Hash for Query<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // `[&str]` and `[Box<str>]` hash identically: length, then each `str`.
        self.0.hash(state);
    }
}

impl Equivalent<Key> for Query<'_> {
    fn equivalent(&self, key: &Key) -> bool {
        key.len() == self.0.len() && key.iter().zip(self.0).all(|(k, q)| &**k == *q)
    }
}

/// Static description of a family: what `# HELP` / `# TYPE` and the label names say.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spec {
    pub name: &'static str,
    pub help: &'static str,
    pub labels: &'static [&'static str],
}

pub(crate) struct Family<S: Series> {
    spec: Spec,
    desc: Desc,
    config: S::Config,
    const_labels: Vec<proto::LabelPair>,
    children: RwLock<HashMap<Key, Arc<S>>>,
    /// Leave labels with an empty value out of the exposition.
    omit_empty: bool,
    /// Every series in exposition order with its label list rendered for the exposition,
    /// rebuilt when series were added (children are never removed, so a changed length says
    /// so) and swapped in whole; a scrape clones the `Arc` and encodes with no lock held.
    /// Costs the rendered labels and two pointers per series, once, not per scrape: nothing
    /// per series is allocated on a scrape unless series were added since the last one.
    rendered: RwLock<Arc<[Rendered<S>]>>,
}

/// One series as the encoder writes it.
pub(crate) struct Rendered<S> {
    /// `name="value",…`: constant and variable labels sorted by name, values escaped, no
    /// braces.
    pub(crate) labels: Box<[u8]>,
    pub(crate) series: Arc<S>,
}

impl<S: Series> Family<S> {
    pub(crate) fn new(
        spec: Spec,
        config: S::Config,
        const_labels: &[(String, String)],
    ) -> prometheus::Result<Self> {
        let desc = Desc::new(
            spec.name.to_owned(),
            spec.help.to_owned(),
            spec.labels.iter().map(|&l| l.to_owned()).collect(),
            const_labels.iter().cloned().collect(),
        )?;
        Ok(Self {
            spec,
            desc,
            config,
            const_labels: const_labels
                .iter()
                .map(|(name, value)| label_pair(name, value))
                .collect(),
            children: RwLock::new(HashMap::new()),
            omit_empty: false,
            rendered: RwLock::new(Arc::from([])),
        })
    }

    /// Leaves labels whose value is empty out of the exposition (the MCP server families:
    /// an absent attribute is absent, not empty).
    #[cfg(feature = "mcp")]
    pub(crate) fn omitting_empty_labels(mut self) -> Self {
        self.omit_empty = true;
        self
    }

    pub(crate) fn config(&self) -> &S::Config {
        &self.config
    }

    /// Whether the family has no series (it is then left out of the exposition).
    pub(crate) fn is_empty(&self) -> bool {
        self.children
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty()
    }

    /// Calls `f` with every series in exposition order: by label values in label-name order
    /// (a series with fewer labels, which only omitted empty labels make, first), as
    /// `Registry::gather` orders them.
    ///
    /// No lock is held while `f` runs, so a slow encode never delays a call creating a
    /// series. When nothing was added since the last scrape this costs two read locks and an
    /// `Arc` clone; otherwise the family is rendered again (under `children.read` and the
    /// `rendered` write lock, not during `f`) and the new list replaces the old one.
    pub(crate) fn with_rendered<R>(&self, f: impl FnOnce(&[Rendered<S>]) -> R) -> R {
        let current = {
            let children = self.children.read().unwrap_or_else(PoisonError::into_inner);
            let cached = Arc::clone(&self.rendered.read().unwrap_or_else(PoisonError::into_inner));
            if cached.len() == children.len() {
                cached
            } else {
                drop(cached);
                let mut rendered = self
                    .rendered
                    .write()
                    .unwrap_or_else(PoisonError::into_inner);
                // Another scraper may have rendered them while this one waited.
                if rendered.len() != children.len() {
                    *rendered = self.render(&children).into();
                }
                Arc::clone(&rendered)
            }
        };
        f(&current)
    }

    fn render(&self, children: &HashMap<Key, Arc<S>>) -> Vec<Rendered<S>> {
        // Every label, constant (`Err`) or variable (`Ok`), in name order.
        let mut order: Vec<(&str, Result<usize, usize>)> = self
            .spec
            .labels
            .iter()
            .enumerate()
            .map(|(i, &name)| (name, Ok(i)))
            .chain(
                self.const_labels
                    .iter()
                    .enumerate()
                    .map(|(i, pair)| (pair.name(), Err(i))),
            )
            .collect();
        order.sort_by_key(|&(name, _)| name);
        let mut series: Vec<(LabelPairs<'_>, &Arc<S>)> = children
            .iter()
            .map(|(key, child)| {
                let pairs = order
                    .iter()
                    .map(|&(name, source)| match source {
                        Ok(i) => (name, &*key[i]),
                        Err(i) => (name, self.const_labels[i].value()),
                    })
                    .filter(|(_, value)| !(self.omit_empty && value.is_empty()))
                    .collect();
                (pairs, child)
            })
            .collect();
        series.sort_unstable_by(|(a, _), (b, _)| {
            a.len()
                .cmp(&b.len())
                .then_with(|| a.iter().map(|p| p.1).cmp(b.iter().map(|p| p.1)))
        });
        series
            .into_iter()
            .map(|(pairs, child)| {
                let mut labels = Vec::new();
                for (i, (name, value)) in pairs.into_iter().enumerate() {
                    if i > 0 {
                        labels.push(b',');
                    }
                    labels.extend_from_slice(name.as_bytes());
                    labels.extend_from_slice(b"=\"");
                    crate::exposition::escape::label_value(&mut labels, value);
                    labels.push(b'"');
                }
                Rendered {
                    labels: labels.into(),
                    series: child.clone(),
                }
            })
            .collect()
    }

    /// The series for `values`, created on first use. `values` must match the label names in
    /// length; callers are internal and always pass the right arity.
    pub(crate) fn with(&self, values: &[&str]) -> Arc<S> {
        debug_assert_eq!(values.len(), self.spec.labels.len());
        if let Some(child) = self.get(values) {
            return child;
        }
        let mut children = self
            .children
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let key: Key = values.iter().map(|&v| Box::from(v)).collect();
        children
            .entry(key)
            .or_insert_with(|| Arc::new(S::new(&self.config)))
            .clone()
    }

    /// The series for `values` if it exists.
    pub(crate) fn get(&self, values: &[&str]) -> Option<Arc<S>> {
        let children = self.children.read().unwrap_or_else(PoisonError::into_inner);
        children.get(&Query(values)).cloned()
    }

    /// Calls `f` with every series and its label values.
    pub(crate) fn for_each(&self, mut f: impl FnMut(&[Box<str>], &S)) {
        let children = self.children.read().unwrap_or_else(PoisonError::into_inner);
        for (key, child) in children.iter() {
            f(key, child);
        }
    }

    /// Zeroes every series in place. Series are kept because call sites hold them.
    pub(crate) fn reset(&self) {
        self.for_each(|_, child| child.reset());
    }

    pub(crate) fn spec(&self) -> &Spec {
        &self.spec
    }

    /// The public description of this family.
    pub(crate) fn describe(&self, const_labels: &[(String, String)]) -> crate::MetricDescription {
        crate::MetricDescription {
            name: self.spec.name,
            kind: S::DESCRIBED,
            help: self.spec.help,
            label_names: self.spec.labels,
            const_labels: const_labels.to_vec(),
            buckets: S::buckets(&self.config).map(<[f64]>::to_vec),
        }
    }

    pub(crate) fn desc(&self) -> &Desc {
        &self.desc
    }

    pub(crate) fn collect(&self) -> proto::MetricFamily {
        let children = self.children.read().unwrap_or_else(PoisonError::into_inner);
        // The registry sorts each family's metrics by label values, in label-name order.
        // Sorting references here first leaves it an already sorted run to check, instead of
        // moving large metric structs around (most of the time of a 10,000-series scrape).
        let mut by_name: Vec<usize> = (0..self.spec.labels.len()).collect();
        by_name.sort_by_key(|&i| self.spec.labels[i]);
        let mut sorted: Vec<_> = children.iter().collect();
        sorted.sort_unstable_by(|(a, _), (b, _)| {
            by_name
                .iter()
                .map(|&i| &a[i])
                .cmp(by_name.iter().map(|&i| &b[i]))
        });
        let mut metrics = Vec::with_capacity(sorted.len());
        for (values, child) in sorted {
            let mut labels = self.const_labels.clone();
            labels.extend(
                self.spec
                    .labels
                    .iter()
                    .zip(values)
                    .map(|(name, value)| label_pair(name, value)),
            );
            labels.sort_by(|a, b| a.name().cmp(b.name()));
            let mut metric = proto::Metric::default();
            metric.set_label(labels);
            child.fill(&mut metric);
            metrics.push(metric);
        }
        if self.omit_empty {
            for metric in &mut metrics {
                let mut labels = metric.take_label();
                labels.retain(|pair| !pair.value().is_empty());
                metric.set_label(labels);
            }
        }
        let mut family = proto::MetricFamily::default();
        family.set_name(self.spec.name.to_owned());
        family.set_help(self.spec.help.to_owned());
        family.set_field_type(S::KIND);
        family.set_metric(metrics);
        family
    }
}

fn label_pair(name: &str, value: &str) -> proto::LabelPair {
    let mut pair = proto::LabelPair::default();
    pair.set_name(name.to_owned());
    pair.set_value(value.to_owned());
    pair
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::Counter;

    const SPEC: Spec = Spec {
        name: "t_total",
        help: "test",
        labels: &["a", "b"],
    };

    #[test]
    fn concatenation_aliases_stay_apart() {
        let family = Family::<Counter>::new(SPEC, (), &[]).unwrap();
        family.with(&["ab", "c"]).inc();
        family.with(&["a", "bc"]).inc();
        family.with(&["a", "bc"]).inc();
        assert_eq!(family.get(&["ab", "c"]).unwrap().get(), 1);
        assert_eq!(family.get(&["a", "bc"]).unwrap().get(), 2);
        assert_eq!(family.collect().get_metric().len(), 2);
    }

    fn labels(rendered: &[Rendered<Counter>]) -> Vec<&str> {
        rendered
            .iter()
            .map(|r| std::str::from_utf8(&r.labels).unwrap())
            .collect()
    }

    #[test]
    fn no_lock_is_held_while_the_rendered_series_are_used() {
        let family = Family::<Counter>::new(SPEC, (), &[]).unwrap();
        family.with(&["x", "2"]).inc();
        for added in [true, false] {
            family.with_rendered(|rendered| {
                assert_eq!(rendered.len(), 1, "added since the last scrape: {added}");
                assert!(family.children.try_write().is_ok(), "children locked");
                assert!(family.rendered.try_write().is_ok(), "rendered locked");
            });
        }
        // A series created during an encode is in the next one, not in the running one.
        family.with_rendered(|rendered| {
            family.with(&["x", "1"]).inc();
            assert_eq!(labels(rendered), [r#"a="x",b="2""#]);
            family.with_rendered(|again| {
                assert_eq!(labels(again), [r#"a="x",b="1""#, r#"a="x",b="2""#]);
            });
        });
        family.with_rendered(|rendered| {
            assert_eq!(labels(rendered), [r#"a="x",b="1""#, r#"a="x",b="2""#]);
        });
    }

    #[test]
    fn an_unchanged_family_reuses_its_rendered_list() {
        let family = Family::<Counter>::new(SPEC, (), &[]).unwrap();
        family.with(&["x", "1"]).inc();
        let first = family.with_rendered(|r| r.as_ptr());
        assert_eq!(family.with_rendered(|r| r.as_ptr()), first);
        family.with(&["x", "2"]).inc();
        let second = family.with_rendered(|r| (r.as_ptr(), r.len()));
        assert_eq!(second.1, 2);
        assert_eq!(family.with_rendered(|r| r.as_ptr()), second.0);
    }
}

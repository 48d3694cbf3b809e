//! Registering our collectors in a `prometheus::Registry`, with an error that names the
//! metric when the registry already holds one of the same name.

use prometheus::core::{Collector, Desc};
use prometheus::{Registry, proto};

use crate::Error;

/// Registers `collector` in `registry`.
///
/// # Errors
/// [`Error::AlreadyRegistered`] naming the first of `collector`'s metrics that `registry`
/// already holds, or [`Error::Registry`] for another refusal.
pub(crate) fn register(registry: &Registry, collector: Box<dyn Collector>) -> Result<(), Error> {
    let descs: Vec<Desc> = collector.desc().into_iter().cloned().collect();
    registry
        .register(collector)
        .map_err(|source| name_the_clash(registry, &descs, source))
}

/// prometheus' error does not say which name clashed: find it by registering each
/// description alone, in the order the refused registration checked them, and removing it
/// again at once. Stopping at the first refusal adds nothing the refused registration had
/// not already recorded.
fn name_the_clash(registry: &Registry, descs: &[Desc], source: prometheus::Error) -> Error {
    for desc in descs {
        match registry.register(Box::new(Probe(desc.clone()))) {
            Ok(()) => {
                let _ = registry.unregister(Box::new(Probe(desc.clone())));
            }
            Err(_) => {
                return Error::AlreadyRegistered {
                    metric: desc.fq_name.clone(),
                    source,
                };
            }
        }
    }
    Error::Registry(source)
}

/// One description and no series.
struct Probe(Desc);

impl Collector for Probe {
    fn desc(&self) -> Vec<&Desc> {
        vec![&self.0]
    }

    fn collect(&self) -> Vec<proto::MetricFamily> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use prometheus::{IntCounter, Opts};

    use super::*;

    #[test]
    fn a_clash_names_the_metric_and_leaves_the_registry_as_it_was() {
        let registry = Registry::new();
        let theirs = IntCounter::with_opts(Opts::new("b_total", "theirs")).unwrap();
        registry.register(Box::new(theirs)).unwrap();
        let ours = |name: &str| IntCounter::with_opts(Opts::new(name, "ours")).unwrap();
        struct Two(IntCounter, IntCounter);
        impl Collector for Two {
            fn desc(&self) -> Vec<&Desc> {
                [self.0.desc(), self.1.desc()].concat()
            }
            fn collect(&self) -> Vec<proto::MetricFamily> {
                Vec::new()
            }
        }
        let error = register(&registry, Box::new(Two(ours("a_total"), ours("b_total"))));
        match error {
            Err(Error::AlreadyRegistered { metric, .. }) => assert_eq!(metric, "b_total"),
            other => panic!("unexpected {other:?}"),
        }
        // The probe of `a_total` was removed again: a collector of that name still fits.
        register(&registry, Box::new(ours("a_total"))).unwrap();
        let names: Vec<String> = registry
            .gather()
            .iter()
            .map(|f| f.name().to_owned())
            .collect();
        assert_eq!(names, ["a_total", "b_total"]);
    }
}

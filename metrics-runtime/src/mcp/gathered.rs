//! Reading the series that `Registry::gather` returns: counter and gauge values and labels,
//! the same under prometheus' plain and `protobuf` data models.

use prometheus::proto;

/// prometheus' plain model reads a counter or gauge with `get_value()`, its `protobuf` model
/// with `value()` (and hides its own `get_value()` in a private trait). Each trait lends the
/// name the active model lacks; an inherent method always wins over a trait method, so the
/// model's own getter is what runs, and the code compiles with either model. Under each
/// model one of the traits goes unused, hence the `allow`s.
#[allow(dead_code)]
trait PlainModelGetter {
    fn get_value(&self) -> f64;
}

#[allow(dead_code)]
trait ProtobufModelGetter {
    fn value(&self) -> f64;
}

macro_rules! value_getters {
    ($($ty:ty),*) => {$(
        impl PlainModelGetter for $ty {
            fn get_value(&self) -> f64 {
                self.value()
            }
        }
        impl ProtobufModelGetter for $ty {
            fn value(&self) -> f64 {
                self.get_value()
            }
        }
    )*};
}

value_getters!(proto::Counter, proto::Gauge);

fn counter_value(metric: &proto::Metric) -> f64 {
    metric.get_counter().get_value()
}

/// A counter's value as a whole count.
pub(super) fn counter_count(metric: &proto::Metric) -> u64 {
    // Our counters hold integers; `as` saturates and maps NaN to 0.
    counter_value(metric).max(0.0).round() as u64
}

pub(super) fn gauge_value(metric: &proto::Metric) -> f64 {
    metric.get_gauge().get_value()
}

pub(super) fn label<'a>(metric: &'a proto::Metric, name: &str) -> Option<&'a str> {
    metric
        .get_label()
        .iter()
        .find(|pair| pair.name() == name)
        .map(|pair| pair.value())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SessionMetrics;
    use crate::mcp::summary::{QUALITY_SCORE, SESSION_START};

    #[test]
    fn counter_and_gauge_values_are_read() {
        let metrics = SessionMetrics::new(prometheus::Registry::new()).unwrap();
        metrics.record_session_start("c", "bash");
        metrics.record_session_start("c", "bash");
        metrics.set_session_quality_score("c", 42.5);
        let gathered = metrics.registry().gather();
        let first = |name: &str| {
            gathered
                .iter()
                .find(|f| f.name() == name)
                .unwrap()
                .get_metric()[0]
                .clone()
        };
        assert_eq!(counter_value(&first(SESSION_START)), 2.0);
        assert_eq!(gauge_value(&first(QUALITY_SCORE)), 42.5);
    }
}

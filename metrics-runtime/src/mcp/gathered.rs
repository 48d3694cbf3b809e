//! Reading the series that `Registry::gather` returns: counter and gauge values and labels,
//! the same under prometheus' plain and `protobuf` data models.

use prometheus::proto;

use crate::proto_value::counter_value;
pub(super) use crate::proto_value::gauge_value;

/// A counter's value as a whole count.
pub(super) fn counter_count(metric: &proto::Metric) -> u64 {
    // Our counters hold integers; `as` saturates and maps NaN to 0.
    counter_value(metric).max(0.0).round() as u64
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

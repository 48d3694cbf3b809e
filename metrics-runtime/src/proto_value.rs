//! Values of gathered `prometheus::proto` metrics, read the same way under either of the
//! prometheus crate's two models.
//!
//! prometheus' plain model reads a counter or gauge with `get_value()`, its `protobuf` model
//! with `value()` (and hides its own `get_value()` in a private trait). Each trait lends the
//! name the active model lacks; an inherent method always wins over a trait method, so the
//! model's own getter is what runs, and the code compiles with either model. Under each model
//! one of the traits goes unused, hence the `allow`s.

use prometheus::proto;

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

pub(crate) fn counter_value(metric: &proto::Metric) -> f64 {
    metric.get_counter().get_value()
}

pub(crate) fn gauge_value(metric: &proto::Metric) -> f64 {
    metric.get_gauge().get_value()
}

/// An untyped value: the plain model marks its `Untyped` deprecated (it is protobuf's), but
/// users' collectors can still produce one.
#[allow(deprecated)]
pub(crate) fn untyped_value(metric: &proto::Metric) -> f64 {
    metric.get_untyped().get_value()
}

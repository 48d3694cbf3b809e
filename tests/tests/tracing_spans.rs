//! With the `tracing` feature, each tracked call opens a span named after the function with
//! `component` and `event_type`, and a failure emits an event carrying `error_type` (WARN by
//! default, configurable), panics and cancellations included. A real subscriber layer
//! captures them. Built by `cargo test -p session-metrics-tests --features tracing --test
//! tracing_spans`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::task::{Context, Waker};

use session_metrics::{ErrorLabel, track_operation};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context as LayerContext, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

#[derive(Debug, Clone, PartialEq)]
struct SpanRecord {
    name: String,
    fields: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
struct EventRecord {
    level: Level,
    parent: Option<String>,
    fields: BTreeMap<String, String>,
}

#[derive(Default, Clone)]
struct Capture {
    spans: Arc<Mutex<Vec<SpanRecord>>>,
    events: Arc<Mutex<Vec<EventRecord>>>,
}

struct Fields(BTreeMap<String, String>);

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, _: &Id, _: LayerContext<'_, S>) {
        let mut fields = Fields(BTreeMap::new());
        attrs.record(&mut fields);
        self.spans.lock().unwrap().push(SpanRecord {
            name: attrs.metadata().name().to_owned(),
            fields: fields.0,
        });
    }

    fn on_event(&self, event: &Event<'_>, ctx: LayerContext<'_, S>) {
        let mut fields = Fields(BTreeMap::new());
        event.record(&mut fields);
        let parent = ctx.event_span(event).map(|s| s.name().to_owned());
        self.events.lock().unwrap().push(EventRecord {
            level: *event.metadata().level(),
            parent,
            fields: fields.0,
        });
    }
}

fn captured(f: impl FnOnce()) -> Capture {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone());
    tracing::subscriber::with_default(subscriber, f);
    capture
}

#[derive(Debug, ErrorLabel)]
enum E {
    Timeout,
}

#[track_operation("traced", "load")]
fn load(ok: bool) -> Result<u8, E> {
    if ok { Ok(1) } else { Err(E::Timeout) }
}

#[track_operation("traced", "loud", error_level = "error")]
fn loud() -> Result<(), E> {
    Err(E::Timeout)
}

#[track_operation("traced", "boom")]
fn boom() {
    panic!("boom")
}

#[track_operation("traced", "forever")]
async fn forever() {
    std::future::pending::<()>().await
}

fn field<'a>(fields: &'a BTreeMap<String, String>, name: &str) -> &'a str {
    fields.get(name).map(String::as_str).unwrap_or("<missing>")
}

#[test]
fn spans_are_named_after_the_function_with_component_and_event_type() {
    let capture = captured(|| {
        load(true).unwrap();
    });
    let spans = capture.spans.lock().unwrap();
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].name, "load");
    assert_eq!(field(&spans[0].fields, "component"), "traced");
    assert_eq!(field(&spans[0].fields, "event_type"), "load");
    assert!(
        capture.events.lock().unwrap().is_empty(),
        "no event on success"
    );
}

#[test]
fn failures_emit_an_event_in_the_span_with_error_type() {
    let capture = captured(|| {
        load(false).unwrap_err();
        loud().unwrap_err();
    });
    let events = capture.events.lock().unwrap();
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0].level, Level::WARN);
    assert_eq!(events[0].parent.as_deref(), Some("load"));
    assert_eq!(field(&events[0].fields, "error_type"), "Timeout");
    assert_eq!(field(&events[0].fields, "component"), "traced");
    assert_eq!(field(&events[0].fields, "event_type"), "load");
    assert_eq!(events[1].level, Level::ERROR, "error_level = \"error\"");
    assert_eq!(events[1].parent.as_deref(), Some("loud"));
}

#[test]
fn panics_and_cancellations_emit_events_too() {
    let capture = captured(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        assert!(std::panic::catch_unwind(boom).is_err());
        std::panic::set_hook(previous);
        let mut future = Box::pin(forever());
        let _ = future
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()));
        drop(future);
    });
    let events = capture.events.lock().unwrap();
    let types: Vec<(&str, Option<&str>)> = events
        .iter()
        .map(|e| (field(&e.fields, "error_type"), e.parent.as_deref()))
        .collect();
    assert_eq!(
        types,
        [("panic", Some("boom")), ("cancelled", Some("forever"))]
    );
}

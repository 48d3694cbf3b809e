//! Exemplars kept by tracked call sites and the `record_mcp_event_*` API.

use crate::exemplar::{Exemplar, TraceContext, current};
use crate::series::Histogram;
use crate::{ErrorLabel, OperationFamily, SessionMetrics, track_operation};

const A: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
const B: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

fn trace(traceparent: &str) -> TraceContext {
    TraceContext::from_traceparent(traceparent).unwrap()
}

/// Every bucket's exemplar, the overflow bucket last.
fn exemplars(histogram: &Histogram) -> Vec<Option<Exemplar>> {
    (0..=histogram.bounds().len())
        .map(|i| histogram.exemplar(i))
        .collect()
}

/// The one bucket that counted a call, and its exemplar.
fn counted_bucket(histogram: &Histogram) -> (usize, Option<Exemplar>) {
    let counts = histogram.counts();
    assert_eq!(counts.iter().sum::<u64>(), 1, "one call: {counts:?}");
    let bucket = counts.iter().position(|&c| c == 1).unwrap();
    (bucket, histogram.exemplar(bucket))
}

#[derive(Debug, ErrorLabel)]
enum Failed {
    Refused,
}

static TRACED: OperationFamily = OperationFamily::new("exemplar_traced", &[0.5, 60.0]);

#[track_operation("exemplar", "traced", family = TRACED)]
fn traced_call(ok: bool) -> Result<(), Failed> {
    if ok { Ok(()) } else { Err(Failed::Refused) }
}

fn duration_of(family: &'static OperationFamily, event_type: &str) -> std::sync::Arc<Histogram> {
    family
        .events()
        .unwrap()
        .duration
        .with(&["exemplar", event_type])
}

#[test]
fn a_traced_call_keeps_its_trace_in_the_bucket_it_landed_in() {
    let context = trace(A);
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    context.in_scope(|| traced_call(true)).unwrap();
    let duration = duration_of(&TRACED, "traced");
    let (bucket, exemplar) = counted_bucket(&duration);
    let exemplar = exemplar.expect("the counted bucket keeps the exemplar");
    assert_eq!(exemplar.context, context);
    assert_eq!(exemplar.value, duration.sum(), "the call's own seconds");
    assert!(exemplar.timestamp >= before.floor());
    // No other bucket has one.
    let others = exemplars(&duration)
        .into_iter()
        .enumerate()
        .filter(|&(i, e)| i != bucket && e.is_some())
        .count();
    assert_eq!(others, 0);

    // A failure keeps it in its failure counter too (value 1), and the latest trace wins.
    let other = trace(B);
    other.in_scope(|| traced_call(false)).unwrap_err();
    let failure = TRACED
        .events()
        .unwrap()
        .failure_counter("exemplar", "traced", "Refused");
    assert_eq!(failure.get(), 1);
    let kept = failure.exemplar().expect("the failure counter keeps one");
    assert_eq!((kept.context, kept.value), (other, 1.0));
    let latest: Vec<_> = exemplars(&duration).into_iter().flatten().collect();
    assert!(latest.iter().any(|e| e.context == other));
    // Outside the scope, nothing current.
    assert_eq!(current(), None);
}

static UNTRACED: OperationFamily = OperationFamily::new("exemplar_untraced", &[0.5, 60.0]);

#[track_operation("exemplar", "untraced", family = UNTRACED)]
fn untraced_call(ok: bool) -> Result<(), Failed> {
    if ok { Ok(()) } else { Err(Failed::Refused) }
}

#[test]
fn untraced_calls_keep_none() {
    // Scopes elsewhere (other tests) have turned the look-up on; this call has none.
    trace(A).in_scope(|| ());
    untraced_call(true).unwrap();
    untraced_call(false).unwrap_err();
    let events = UNTRACED.events().unwrap();
    let duration = events.duration.with(&["exemplar", "untraced"]);
    assert_eq!(duration.counts().iter().sum::<u64>(), 2);
    assert!(exemplars(&duration).iter().all(Option::is_none));
    let failure = events.failure_counter("exemplar", "untraced", "Refused");
    assert_eq!((failure.get(), failure.exemplar()), (1, None));
}

static ASYNC: OperationFamily = OperationFamily::new("exemplar_async", &[60.0]);

#[track_operation("exemplar", "async", family = ASYNC)]
async fn async_call() -> Result<(), Failed> {
    // Suspends once, so the call completes on a later poll.
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await;
    Ok(())
}

#[test]
fn a_scoped_future_keeps_its_trace_across_polls() {
    let context = trace(B);
    futures::executor::block_on(context.scope(async_call())).unwrap();
    let duration = duration_of(&ASYNC, "async");
    let (bucket, exemplar) = counted_bucket(&duration);
    assert_eq!(bucket, 0);
    assert_eq!(exemplar.unwrap().context, context);
}

#[test]
fn record_api_keeps_the_exact_value_in_its_bucket_and_reset_clears() {
    let metrics = SessionMetrics::new(prometheus::Registry::new()).unwrap();
    let context = trace(A);
    // Default buckets: 0.004 falls in the bucket of 0.005.
    context.in_scope(|| {
        metrics.record_mcp_event_success("c", "e", 0.004);
        metrics.record_mcp_event_failure("c", "e", "Timeout", 20.0);
    });
    metrics.record_mcp_event_success("c", "e", 0.2); // untraced
    let events = &metrics.families().unwrap().events;
    let duration = events.duration.with(&["c", "e"]);
    let bounds = duration.bounds().clone();
    let at = |value: f64| bounds.partition_point(|&b| b < value);
    assert_eq!(bounds[at(0.004)], 0.005);
    let kept = duration.exemplar(at(0.004)).unwrap();
    assert_eq!((kept.context, kept.value), (context, 0.004));
    let slow = duration.exemplar(at(20.0)).unwrap();
    assert_eq!((slow.context, slow.value), (context, 20.0));
    assert_eq!(duration.exemplar(at(0.2)), None, "untraced");
    let failure = events.failure_counter("c", "e", "Timeout");
    assert_eq!(failure.exemplar().unwrap().context, context);
    let success = events.success.with(&["c", "e"]);
    assert_eq!(success.exemplar(), None, "success counters keep none");

    metrics.reset();
    assert!(exemplars(&duration).iter().all(Option::is_none));
    assert_eq!(failure.exemplar(), None);
    // And keep new ones after a reset.
    context.in_scope(|| metrics.record_mcp_event_success("c", "e", 0.004));
    assert_eq!(duration.exemplar(at(0.004)).unwrap().context, context);
}

#[test]
fn scopes_nest_restore_and_stay_on_their_thread() {
    let (a, b) = (trace(A), trace(B));
    a.in_scope(|| {
        assert_eq!(current(), Some(a));
        b.in_scope(|| assert_eq!(current(), Some(b)));
        assert_eq!(current(), Some(a));
        std::thread::scope(|s| {
            s.spawn(|| assert_eq!(current(), None, "another thread"));
        });
        let caught = std::panic::catch_unwind(|| b.in_scope(|| panic!("inside")));
        assert!(caught.is_err());
        assert_eq!(current(), Some(a), "restored after a panic");
    });
    assert_eq!(current(), None);
}

#[cfg(feature = "opentelemetry")]
#[test]
fn the_current_opentelemetry_span_when_sampled() {
    use opentelemetry::trace::{
        SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState,
    };

    let span = |flags| {
        SpanContext::new(
            TraceId::from_bytes([3; 16]),
            SpanId::from_bytes([4; 8]),
            flags,
            false,
            TraceState::default(),
        )
    };
    let metrics = SessionMetrics::new(prometheus::Registry::new()).unwrap();
    {
        let _guard = opentelemetry::Context::current()
            .with_remote_span_context(span(TraceFlags::default()))
            .attach();
        assert_eq!(current(), None, "not sampled");
        metrics.record_mcp_event_success("otel", "e", 0.004);
    }
    let duration = metrics
        .families()
        .unwrap()
        .events
        .duration
        .with(&["otel", "e"]);
    assert!(exemplars(&duration).iter().all(Option::is_none));
    {
        let _guard = opentelemetry::Context::current()
            .with_remote_span_context(span(TraceFlags::SAMPLED))
            .attach();
        metrics.record_mcp_event_success("otel", "e", 0.004);
    }
    let kept: Vec<_> = exemplars(&duration).into_iter().flatten().collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(
        (kept[0].context.trace_id, kept[0].context.span_id),
        ([3; 16], [4; 8])
    );
    // A scoped context takes precedence over the OpenTelemetry span.
    let _guard = opentelemetry::Context::current()
        .with_remote_span_context(span(TraceFlags::SAMPLED))
        .attach();
    assert_eq!(trace(A).in_scope(current), Some(trace(A)));
}

/// A tracked call made by a thread-local destructor after OpenTelemetry's own thread-local
/// is gone keeps no exemplar instead of panicking.
#[cfg(feature = "opentelemetry")]
#[test]
fn the_opentelemetry_source_never_panics_in_thread_local_destructors() {
    struct ReadsOnDrop;
    impl Drop for ReadsOnDrop {
        fn drop(&mut self) {
            assert_eq!(super::opentelemetry_context(), None);
        }
    }
    thread_local! {
        static READS_ON_DROP: ReadsOnDrop = const { ReadsOnDrop };
    }
    // Registered first, destroyed after OpenTelemetry's context (destructors run in reverse
    // order of registration on the platforms we test on): once without reading the context
    // before (the sentinel is created during the destruction), once having read it (the
    // sentinel is created with the context and destroyed before it).
    for read_before in [false, true] {
        std::thread::spawn(move || {
            READS_ON_DROP.with(|_| {});
            if read_before {
                assert_eq!(super::opentelemetry_context(), None);
            } else {
                opentelemetry::Context::map_current(|_| ());
            }
        })
        .join()
        .expect("the destructor's read panicked");
    }
}

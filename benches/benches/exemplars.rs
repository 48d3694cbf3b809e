//! What exemplars add to one `#[track_operation]` call (issue 10), in one process, in this
//! order (the source can be set once, so the order matters):
//! - `bare`: the function without instrumentation;
//! - `no_source`: tracked, no source set and no scoped context ever entered (exemplars off:
//!   one relaxed load of a static flag more than without exemplars);
//! - `source_no_trace`: a source is set ([`session_metrics::exemplar::set_source`]) but
//!   returns `None` (no active trace);
//! - `source_sampled`: the same source returns a sampled context, so every call keeps an
//!   exemplar (a clock read for the timestamp and a seqlock write of the bucket's slot);
//! - `scoped_sampled`: the call runs inside a scoped context
//!   ([`TraceContext::in_scope`]), as the MCP layer runs a request with a `traceparent`.
//!
//! With `--features opentelemetry` the group `exemplars_opentelemetry` measures the default
//! source of that feature instead: no span, then a sampled span made current with
//! `Context::attach`.
//!
//! Run: see `BENCHMARKS.md`, section "Exemplars".

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use session_metrics::exemplar::TraceContext;
use session_metrics::{ErrorLabel, track_operation};

#[derive(Debug, ErrorLabel)]
pub enum BenchError {
    Busy,
}

#[inline(always)]
fn work(x: u64) -> Result<u64, BenchError> {
    if x & 1 == 0 {
        Ok(x.wrapping_mul(3))
    } else {
        Err(BenchError::Busy)
    }
}

#[inline(never)]
fn bare(x: u64) -> Result<u64, BenchError> {
    work(x)
}

#[track_operation("bench", "exemplar")]
#[inline(never)]
fn tracked(x: u64) -> Result<u64, BenchError> {
    work(x)
}

const CONTEXT: TraceContext = TraceContext {
    trace_id: [0x4b; 16],
    span_id: [0xf0; 8],
};

/// Whether the benchmark's source reports an active, sampled trace.
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// A cheap source, as an application's own would be: a flag and a constant context.
fn source() -> Option<TraceContext> {
    ACTIVE.load(Ordering::Relaxed).then_some(CONTEXT)
}

fn call(f: fn(u64) -> Result<u64, BenchError>) -> impl FnMut() {
    move || {
        let _ = black_box(f(black_box(2)));
    }
}

#[cfg(not(feature = "opentelemetry"))]
fn exemplars(c: &mut Criterion) {
    let mut group = c.benchmark_group("exemplars");
    group.bench_function("bare", |b| b.iter(call(bare)));
    group.bench_function("no_source", |b| b.iter(call(tracked)));
    session_metrics::exemplar::set_source(source).expect("the first source");
    group.bench_function("source_no_trace", |b| b.iter(call(tracked)));
    ACTIVE.store(true, Ordering::Relaxed);
    group.bench_function("source_sampled", |b| b.iter(call(tracked)));
    ACTIVE.store(false, Ordering::Relaxed);
    group.bench_function("scoped_sampled", |b| {
        CONTEXT.in_scope(|| b.iter(call(tracked)));
    });
    group.finish();
}

#[cfg(feature = "opentelemetry")]
fn exemplars(c: &mut Criterion) {
    use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId};

    let _ = source;
    let mut group = c.benchmark_group("exemplars_opentelemetry");
    group.bench_function("bare", |b| b.iter(call(bare)));
    group.bench_function("no_span", |b| b.iter(call(tracked)));
    let span = SpanContext::new(
        TraceId::from_bytes(CONTEXT.trace_id),
        SpanId::from_bytes(CONTEXT.span_id),
        TraceFlags::SAMPLED,
        false,
        Default::default(),
    );
    let guard = opentelemetry::Context::current()
        .with_remote_span_context(span)
        .attach();
    group.bench_function("sampled_span", |b| b.iter(call(tracked)));
    drop(guard);
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .noise_threshold(0.03);
    targets = exemplars
}
criterion_main!(benches);

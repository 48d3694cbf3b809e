//! Per-call cost of `#[track_operation]` against its peers, over the same trivial function.
//!
//! Every variant is an `#[inline(never)]` function returning `Result<u64, BenchError>` whose
//! body is [`work`]; only the instrumentation differs:
//! - `bare`: nothing;
//! - `track_operation`: `#[track_operation]` (with the `quanta` feature: its TSC clock);
//! - `hand_preresolved`: prometheus `Histogram` + `IntCounter` resolved once, `Instant` timing,
//!   and on failure a counter pre-resolved for each error variant (code that knows the label);
//! - `hand_with_label_values`: prometheus `with_label_values` on every call;
//! - `autometrics`: `#[autometrics]` (prometheus 0.14 backend);
//! - `metrics_crate`: the `metrics` macros recording into `metrics-exporter-prometheus`.
//!
//! Groups: `success`, `failure` (error variant `Busy`, labelled by `#[derive(ErrorLabel)]`),
//! `async` (a ready future, `block_on` on a current-thread tokio runtime) and `two_threads`
//! (two threads calling the same function on the same series; the time reported is wall
//! time per call per thread, so perfect scaling equals the single-thread figure).
//! With `--features quanta` the group names end in `_quanta`. The `clock` group times the two
//! clock reads alone (`Instant::now` + `elapsed`; quanta's raw TSC reads + scaling) and one
//! update of an atomic cell three ways.
//!
//! Run: see `BENCHMARKS.md`; `cargo run -p session-metrics-benches --bin report` turns the
//! results into its table.

use std::hint::black_box;
use std::sync::{Arc, Barrier, LazyLock};
use std::time::{Duration, Instant};

use autometrics::autometrics;
use criterion::{Criterion, criterion_group, criterion_main};
use prometheus::{HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts, Registry};
use session_metrics::{DEFAULT_EVENT_DURATION_BUCKETS, ErrorLabel, track_operation};

/// The error of every variant; `Busy` is the failure the `failure` group measures.
#[derive(Debug, ErrorLabel)]
pub enum BenchError {
    Busy,
    Gone,
}

/// The body every variant runs: `Ok` for even input, `Err(Busy)` for odd.
#[inline(always)]
fn work(x: u64) -> Result<u64, BenchError> {
    if x & 1 == 0 {
        Ok(x.wrapping_mul(3))
    } else if x != 3 {
        Err(BenchError::Busy)
    } else {
        Err(BenchError::Gone)
    }
}

const SUCCESS: u64 = 2;
const FAILURE: u64 = 1;

// ---- the variants -------------------------------------------------------------------------

#[inline(never)]
fn bare(x: u64) -> Result<u64, BenchError> {
    work(x)
}

#[track_operation("bench", "op")]
#[inline(never)]
fn tracked(x: u64) -> Result<u64, BenchError> {
    work(x)
}

/// Hand-written prometheus code, everything resolved before the first call.
struct Preresolved {
    duration: prometheus::Histogram,
    success: IntCounter,
    busy: IntCounter,
    gone: IntCounter,
}

/// Hand-written prometheus families, looked up with `with_label_values` on every call.
struct Families {
    duration: HistogramVec,
    success: IntCounterVec,
    failure: IntCounterVec,
}

static FAMILIES: LazyLock<Families> = LazyLock::new(|| {
    let registry = Registry::new();
    let duration = HistogramVec::new(
        HistogramOpts::new("hand_duration_seconds", "Duration.")
            .buckets(DEFAULT_EVENT_DURATION_BUCKETS.to_vec()),
        &["component_name", "event_type"],
    )
    .expect("valid histogram");
    let success = IntCounterVec::new(
        Opts::new("hand_success_total", "Successes."),
        &["component_name", "event_type"],
    )
    .expect("valid counter");
    let failure = IntCounterVec::new(
        Opts::new("hand_failure_total", "Failures."),
        &["component_name", "event_type", "error_type"],
    )
    .expect("valid counter");
    registry.register(Box::new(duration.clone())).expect("new");
    registry.register(Box::new(success.clone())).expect("new");
    registry.register(Box::new(failure.clone())).expect("new");
    Families {
        duration,
        success,
        failure,
    }
});

static PRERESOLVED: LazyLock<Preresolved> = LazyLock::new(|| {
    let f = &*FAMILIES;
    Preresolved {
        duration: f.duration.with_label_values(&["hand", "op"]),
        success: f.success.with_label_values(&["hand", "op"]),
        busy: f.failure.with_label_values(&["hand", "op", "Busy"]),
        gone: f.failure.with_label_values(&["hand", "op", "Gone"]),
    }
});

#[inline(always)]
fn record_preresolved(m: &Preresolved, start: Instant, result: &Result<u64, BenchError>) {
    m.duration.observe(start.elapsed().as_secs_f64());
    match result {
        Ok(_) => m.success.inc(),
        Err(BenchError::Busy) => m.busy.inc(),
        Err(BenchError::Gone) => m.gone.inc(),
    }
}

#[inline(never)]
fn hand_preresolved(x: u64) -> Result<u64, BenchError> {
    // Resolved before timing starts, like a call site's static handle.
    let m = &*PRERESOLVED;
    let start = Instant::now();
    let result = work(x);
    record_preresolved(m, start, &result);
    result
}

#[inline(always)]
fn record_with_label_values(start: Instant, result: &Result<u64, BenchError>) {
    let f = &*FAMILIES;
    let labels = ["lookup", "op"];
    f.duration
        .with_label_values(&labels)
        .observe(start.elapsed().as_secs_f64());
    match result {
        Ok(_) => f.success.with_label_values(&labels).inc(),
        Err(e) => f
            .failure
            .with_label_values(&["lookup", "op", e.error_label()])
            .inc(),
    }
}

#[inline(never)]
fn hand_with_label_values(x: u64) -> Result<u64, BenchError> {
    let start = Instant::now();
    let result = work(x);
    record_with_label_values(start, &result);
    result
}

#[autometrics]
#[inline(never)]
fn auto(x: u64) -> Result<u64, BenchError> {
    work(x)
}

#[inline(always)]
fn record_metrics_crate(start: Instant, result: &Result<u64, BenchError>) {
    metrics::histogram!("mc_duration_seconds", "component_name" => "mc", "event_type" => "op")
        .record(start.elapsed().as_secs_f64());
    match result {
        Ok(_) => {
            metrics::counter!("mc_success_total", "component_name" => "mc", "event_type" => "op")
                .increment(1)
        }
        Err(e) => metrics::counter!(
            "mc_failure_total",
            "component_name" => "mc",
            "event_type" => "op",
            "error_type" => e.error_label()
        )
        .increment(1),
    }
}

#[inline(never)]
fn metrics_crate(x: u64) -> Result<u64, BenchError> {
    let start = Instant::now();
    let result = work(x);
    record_metrics_crate(start, &result);
    result
}

// ---- async variants: the same body in an `async fn` -----------------------------------------

#[inline(never)]
async fn bare_async(x: u64) -> Result<u64, BenchError> {
    work(x)
}

#[track_operation("bench", "op_async")]
#[inline(never)]
async fn tracked_async(x: u64) -> Result<u64, BenchError> {
    work(x)
}

#[inline(never)]
async fn hand_preresolved_async(x: u64) -> Result<u64, BenchError> {
    let m = &*PRERESOLVED;
    let start = Instant::now();
    let result = bare_async(x).await;
    record_preresolved(m, start, &result);
    result
}

#[inline(never)]
async fn hand_with_label_values_async(x: u64) -> Result<u64, BenchError> {
    let start = Instant::now();
    let result = bare_async(x).await;
    record_with_label_values(start, &result);
    result
}

#[autometrics]
#[inline(never)]
async fn auto_async(x: u64) -> Result<u64, BenchError> {
    work(x)
}

#[inline(never)]
async fn metrics_crate_async(x: u64) -> Result<u64, BenchError> {
    let start = Instant::now();
    let result = bare_async(x).await;
    record_metrics_crate(start, &result);
    result
}

// ---- the groups -----------------------------------------------------------------------------

type Variant = (&'static str, fn(u64) -> Result<u64, BenchError>);

const VARIANTS: [Variant; 6] = [
    ("bare", bare),
    ("track_operation", tracked),
    ("hand_preresolved", hand_preresolved),
    ("hand_with_label_values", hand_with_label_values),
    ("autometrics", auto),
    ("metrics_crate", metrics_crate),
];

/// `name` with the clock suffix, so both builds' results sit side by side.
fn group_name(name: &str) -> String {
    if cfg!(feature = "quanta") {
        format!("{name}_quanta")
    } else {
        name.to_owned()
    }
}

fn install_recorders() {
    let recorder = metrics_exporter_prometheus::PrometheusBuilder::new()
        .set_buckets(&DEFAULT_EVENT_DURATION_BUCKETS)
        .expect("non-empty buckets")
        .build_recorder();
    // Ignore a second install (criterion calls each group function once, but be safe).
    let _ = metrics::set_global_recorder(recorder);
    // Warm every variant: resolve call sites and create each series before timing.
    for (_, f) in VARIANTS {
        for x in [SUCCESS, FAILURE, 3] {
            let _ = f(x);
        }
    }
}

fn sync_group(c: &mut Criterion, name: &str, input: u64) {
    install_recorders();
    let mut group = c.benchmark_group(group_name(name));
    for (variant, f) in VARIANTS {
        group.bench_function(variant, |b| b.iter(|| f(black_box(input))));
    }
    group.finish();
}

fn success(c: &mut Criterion) {
    sync_group(c, "success", SUCCESS);
}

fn failure(c: &mut Criterion) {
    sync_group(c, "failure", FAILURE);
}

fn async_fn(c: &mut Criterion) {
    install_recorders();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let mut group = c.benchmark_group(group_name("async"));
    macro_rules! bench_async {
        ($name:literal, $f:ident) => {
            group.bench_function($name, |b| b.iter(|| rt.block_on($f(black_box(SUCCESS)))));
        };
    }
    bench_async!("bare", bare_async);
    bench_async!("track_operation", tracked_async);
    bench_async!("hand_preresolved", hand_preresolved_async);
    bench_async!("hand_with_label_values", hand_with_label_values_async);
    bench_async!("autometrics", auto_async);
    bench_async!("metrics_crate", metrics_crate_async);
    group.finish();
}

/// Wall time for two threads to make `iters` calls each, started together: per call per
/// thread, so it equals the single-thread time when the threads do not slow each other down.
fn two_threads(iters: u64, f: fn(u64) -> Result<u64, BenchError>) -> Duration {
    let start_line = Arc::new(Barrier::new(2));
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let start_line = start_line.clone();
                s.spawn(move || {
                    // Warm this thread (its first call may set up per-thread state).
                    let _ = f(black_box(SUCCESS));
                    start_line.wait();
                    let start = Instant::now();
                    for _ in 0..iters {
                        let _ = black_box(f(black_box(SUCCESS)));
                    }
                    start.elapsed()
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("bench thread"))
            .max()
            .unwrap_or_default()
    })
}

fn threads(c: &mut Criterion) {
    install_recorders();
    let mut group = c.benchmark_group(group_name("two_threads"));
    for (variant, f) in VARIANTS {
        group.bench_function(variant, |b| b.iter_custom(|iters| two_threads(iters, f)));
    }
    group.finish();
}

/// The two clock reads every variant makes, alone: the floor of any timing instrumentation.
fn clocks(c: &mut Criterion) {
    if cfg!(feature = "quanta") {
        return; // Measured once, in the default build.
    }
    let mut group = c.benchmark_group("clock");
    group.bench_function("std_instant_now_elapsed", |b| {
        b.iter(|| black_box(Instant::now()).elapsed())
    });
    let clock = quanta::Clock::new();
    group.bench_function("quanta_raw_raw_delta", |b| {
        b.iter(|| clock.delta_as_nanos(black_box(clock.raw()), clock.raw()))
    });
    // What one update of a shared cell costs, uncontended, against a single writer's plain
    // load and store (what the call site's per-thread shards do).
    let cell = std::sync::atomic::AtomicU64::new(0);
    let relaxed = std::sync::atomic::Ordering::Relaxed;
    group.bench_function("atomic_fetch_add", |b| {
        b.iter(|| black_box(&cell).fetch_add(1, relaxed))
    });
    group.bench_function("atomic_load_compare_exchange", |b| {
        b.iter(|| {
            let cell = black_box(&cell);
            let current = cell.load(relaxed);
            cell.compare_exchange(current, current + 1, relaxed, relaxed)
        })
    });
    group.bench_function("atomic_load_store", |b| {
        b.iter(|| {
            let cell = black_box(&cell);
            cell.store(cell.load(relaxed) + 1, relaxed)
        })
    });
    group.finish();
}

criterion_group! {
    name = overhead;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .noise_threshold(0.05);
    targets = clocks, success, failure, async_fn, threads
}
criterion_main!(overhead);

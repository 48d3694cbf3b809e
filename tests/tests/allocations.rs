//! A counting global allocator: after the first call, instrumented calls allocate nothing,
//! on the success path and for repeated failure labels. A thread's first call at a call site
//! allocates its shard there (one allocation), which later threads taking the same slot reuse.
//! A scrape into a reused buffer allocates as much for 1,000 series as for one.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use session_metrics::exemplar::{self, TraceContext};
use session_metrics::prometheus::Registry;
use session_metrics::{ErrorLabel, Format, SessionMetrics, track_operation};
use session_metrics_tests::{Site, exemplars};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; the counter is a thread-local `Cell` with a
// `const` initialiser, so counting never allocates or recurses.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|a| a.set(a.get() + 1));
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|a| a.set(a.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during(f: impl FnOnce()) -> u64 {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

#[derive(Debug, ErrorLabel)]
enum E {
    Busy,
    Gone,
}

#[track_operation("alloc", "op")]
#[inline(never)]
fn op(i: u64) -> Result<u64, E> {
    match i % 3 {
        0 => Ok(i),
        1 => Err(E::Busy),
        _ => Err(E::Gone),
    }
}

#[test]
fn no_allocation_per_call_after_warm_up() {
    // Warm up: resolves the call site and creates each failure series once.
    for i in 0..3 {
        let _ = op(i);
    }
    let success = allocations_during(|| {
        for i in 0..10_000 {
            std::hint::black_box(op(std::hint::black_box(i * 3))).ok();
        }
    });
    assert_eq!(success, 0, "allocations on the success path");
    let failures = allocations_during(|| {
        for i in 0..10_000 {
            std::hint::black_box(op(std::hint::black_box(i * 3 + 1 + i % 2))).ok();
        }
    });
    assert_eq!(failures, 0, "allocations for repeated failure labels");
    let site = Site::global("alloc", "op");
    assert_eq!(site.success, 10_001.0);
    assert_eq!(site.failed("Busy") + site.failed("Gone"), 10_002.0);
}

#[track_operation("alloc", "threads")]
#[inline(never)]
fn threaded(i: u64) -> Result<u64, E> {
    if i.is_multiple_of(2) {
        Ok(i)
    } else {
        Err(E::Busy)
    }
}

#[test]
fn a_new_thread_allocates_at_most_its_shard_then_nothing() {
    threaded(0).unwrap();
    threaded(1).unwrap_err();
    for _ in 0..3 {
        std::thread::spawn(|| {
            let first = allocations_during(|| {
                threaded(0).unwrap();
            });
            assert!(
                first <= 1,
                "first call on a new thread: {first} allocations"
            );
            let later = allocations_during(|| {
                for i in 0..10_000 {
                    std::hint::black_box(threaded(std::hint::black_box(i))).ok();
                }
            });
            assert_eq!(later, 0, "allocations after a thread's first call");
        })
        .join()
        .unwrap();
    }
    let site = Site::global("alloc", "threads");
    assert_eq!(site.success, 1.0 + 3.0 * 5_001.0);
    assert_eq!(site.failed("Busy"), 1.0 + 3.0 * 5_000.0);
}

#[track_operation("alloc", "traced")]
#[inline(never)]
fn traced(i: u64) -> Result<u64, E> {
    op(i)
}

#[test]
fn traced_calls_allocate_nothing_after_the_first() {
    let trace =
        TraceContext::from_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
            .unwrap();
    // Warm up: the first exemplar of a series boxes its slots (one allocation per series).
    trace.in_scope(|| {
        for i in 0..3 {
            let _ = traced(i);
        }
    });
    let calls = allocations_during(|| {
        trace.in_scope(|| {
            assert_eq!(
                exemplar::current(),
                Some(trace),
                "the exemplar path is taken"
            );
            for i in 0..10_000 {
                std::hint::black_box(traced(std::hint::black_box(i))).ok();
            }
        });
    });
    assert_eq!(
        calls, 0,
        "allocations on the exemplar path (success and failures)"
    );
    // The explicit API: after the first call of each series, nothing either.
    let metrics = session_metrics::get_metrics();
    let record = || {
        metrics.record_mcp_event_success("alloc", "api", 0.004);
        metrics.record_mcp_event_failure("alloc", "api", "Busy", 0.04);
    };
    trace.in_scope(record);
    let explicit = allocations_during(|| trace.in_scope(|| (0..1_000).for_each(|_| record())));
    assert_eq!(explicit, 0, "allocations of record_mcp_event_* in a trace");
    let site = Site::global("alloc", "traced");
    assert_eq!(site.success, 3_334.0 + 1.0);
    assert_eq!(site.failed("Busy") + site.failed("Gone"), 6_666.0 + 2.0);

    // The calls counted above did store their exemplars.
    let om = metrics.export_openmetrics();
    let ours = [(TRACE_ID.to_owned(), SPAN_ID.to_owned())];
    let traced_buckets = exemplars(
        &om,
        "mcp_event_emit_duration_seconds_bucket",
        r#"component_name="alloc",event_type="traced""#,
    );
    assert!(!traced_buckets.is_empty(), "no exemplar on a traced bucket");
    assert!(
        traced_buckets.iter().all(|e| *e == ours[0]),
        "{traced_buckets:?}"
    );
    for error_type in ["Busy", "Gone"] {
        let label = format!(r#"error_type="{error_type}",event_type="traced""#);
        assert_eq!(
            exemplars(&om, "mcp_event_emit_failure_total", &label),
            ours,
            "{label}"
        );
    }
    // 4 ms lands in `le="0.005"`, 40 ms in `le="0.05"`, and only there.
    let api_bucket = |le: &str| {
        let line = format!(r#"component_name="alloc",event_type="api",le="{le}""#);
        exemplars(&om, "mcp_event_emit_duration_seconds_bucket", &line)
    };
    assert_eq!(api_bucket("0.005"), ours);
    assert_eq!(api_bucket("0.05"), ours);
    for le in ["0.001", "0.01", "0.025", "0.1", "+Inf"] {
        assert_eq!(api_bucket(le), [], "le={le}");
    }
    assert_eq!(
        exemplars(
            &om,
            "mcp_event_emit_failure_total",
            r#"component_name="alloc",error_type="Busy",event_type="api""#
        ),
        ours
    );
}

const TRACE_ID: &str = "0af7651916cd43dd8448eb211c80319c";
const SPAN_ID: &str = "b7ad6b7169203331";

/// Fresh metrics with `n` series in every kind of family (counters, a gauge, histograms),
/// each histogram series and failure counter holding an exemplar.
fn metrics_with(n: usize) -> SessionMetrics {
    let metrics = SessionMetrics::new(Registry::new()).unwrap();
    let trace = TraceContext::from_traceparent(&format!("00-{TRACE_ID}-{SPAN_ID}-01")).unwrap();
    trace.in_scope(|| {
        for i in 0..n {
            let component = format!("component-{i}");
            metrics.record_session_start(&component, "bash");
            metrics.record_session_end(&component, "ok", 90.0 * i as f64);
            metrics.set_active_sessions(&component, i as u64);
            metrics.record_mcp_event_success(&component, "emit", 0.0001 * i as f64);
            metrics.record_mcp_event_failure(&component, "emit", "Busy", 0.04);
        }
    });
    metrics
}

/// Allocations of each of three scrapes into `buf` after a warm-up scrape, and the last
/// exposition.
fn scrapes(metrics: &SessionMetrics, format: Format) -> ([u64; 3], String) {
    let mut buf = Vec::new();
    metrics.encode_into(format, &mut buf).unwrap();
    let counts = [(); 3].map(|()| {
        allocations_during(|| {
            buf.clear();
            metrics.encode_into(format, &mut buf).unwrap();
        })
    });
    (counts, String::from_utf8(buf).unwrap())
}

#[test]
fn a_scrape_into_a_reused_buffer_allocates_nothing_per_series() {
    let one = metrics_with(1);
    let thousand = metrics_with(1_000);
    for format in Format::ALL {
        let (small, _) = scrapes(&one, format);
        let (large, text) = scrapes(&thousand, format);
        println!("{format:?}: 1 series: {small:?} allocations per scrape, 1,000: {large:?}");
        // The scrapes measured are the ones of 1,000 series, with exemplars.
        let starts = text
            .lines()
            .filter(|l| l.starts_with("session_start_total{"))
            .count();
        assert_eq!(starts, 1_000, "{format:?}");
        let buckets = text
            .lines()
            .filter(|l| l.starts_with("mcp_event_emit_duration_seconds_bucket{"))
            .count();
        assert_eq!(buckets, 1_000 * 13, "{format:?}");
        let session_buckets = text
            .lines()
            .filter(|l| l.starts_with("session_duration_seconds_bucket{"))
            .count();
        assert_eq!(session_buckets, 1_000 * 9, "{format:?}");
        if format == Format::OpenMetrics {
            assert!(text.contains(&format!(r#"# {{trace_id="{TRACE_ID}""#)));
        }
        // What is left is the exposition's bookkeeping (the list of our families, the users'
        // gathered ones), nothing per family of ours either.
        assert!(
            small[0] <= 8,
            "{format:?}: {small:?} allocations per scrape"
        );
        assert!(
            small.iter().chain(&large).all(|&n| n == small[0]),
            "{format:?}: allocations per scrape depend on the series count: \
             1 series {small:?}, 1,000 series {large:?}"
        );
    }
}

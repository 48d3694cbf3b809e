//! A counting global allocator: after the first call, instrumented calls allocate nothing,
//! on the success path and for repeated failure labels. A thread's first call at a call site
//! allocates its shard there (one allocation), which later threads taking the same slot reuse.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use session_metrics::exemplar::{self, TraceContext};
use session_metrics::{ErrorLabel, track_operation};
use session_metrics_tests::Site;

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
}

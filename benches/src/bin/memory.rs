//! Memory figures of `BENCHMARKS.md`, measured with a counting allocator.
//!
//! ```sh
//! cargo run --release -p session-metrics-benches --bin memory
//! ```
//!
//! "Live bytes" are bytes allocated minus bytes freed (the allocator's bookkeeping and padding
//! are not included).

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

use session_metrics::{ErrorLabel, SessionMetrics, get_metrics, track_operation};

struct Counting;

static LIVE: AtomicU64 = AtomicU64::new(0);
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards to the system allocator and only adds to two atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        LIVE.fetch_add(layout.size() as u64, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as u64, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        LIVE.fetch_add(new_size as u64, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size() as u64, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// `(allocations, live bytes added)` while `f` runs.
fn measure(f: impl FnOnce()) -> (u64, i64) {
    let (count, live) = (
        ALLOCATIONS.load(Ordering::SeqCst),
        LIVE.load(Ordering::SeqCst),
    );
    f();
    (
        ALLOCATIONS.load(Ordering::SeqCst) - count,
        LIVE.load(Ordering::SeqCst) as i64 - live as i64,
    )
}

#[derive(Debug, ErrorLabel)]
enum E {
    Busy,
}

#[track_operation("memory", "warm")]
fn warm() {}

#[track_operation("memory", "site")]
#[inline(never)]
fn site(fail: bool) -> Result<(), E> {
    if fail { Err(E::Busy) } else { Ok(()) }
}

fn main() {
    println!(
        "size_of::<CallSite>() (the static per annotated function): {} bytes",
        size_of::<session_metrics::__private::CallSite>()
    );
    // The global metrics and the first `error_type` exist before we measure a call site.
    let (n, bytes) = measure(warm);
    println!(
        "first call of the first call site (creates the global metrics): {n} allocations, {bytes} live bytes"
    );
    let (n, bytes) = measure(|| site(false).unwrap());
    println!(
        "first call of a call site (its histogram and success counter): {n} allocations, {bytes} live bytes"
    );
    let (n, bytes) = measure(|| {
        site(true).unwrap_err();
    });
    println!("first failure with a new label: {n} allocations, {bytes} live bytes");
    let (n, bytes) = measure(|| {
        for i in 0..10_000 {
            black_box(site(black_box(i % 2 == 0))).ok();
        }
    });
    println!("10,000 more calls: {n} allocations, {bytes} live bytes");
    let (n, bytes) = measure(|| {
        std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| {
                    for i in 0..200_000 {
                        black_box(site(black_box(i % 2 == 0))).ok();
                    }
                });
            }
        });
    });
    println!(
        "two new threads x 200,000 calls (a shard per new thread slot; thread stacks are freed): {n} allocations, {bytes} live bytes"
    );
    let text = get_metrics().export_metrics();
    assert!(text.contains(
        r#"mcp_event_emit_success_total{component_name="memory",event_type="site"} 205001"#
    ));

    for n in [1_000usize, 10_000] {
        let metrics = SessionMetrics::new(prometheus::Registry::new()).expect("fresh registry");
        let names: Vec<String> = (0..n).map(|i| format!("event_{i}")).collect();
        let (_, bytes) = measure(|| {
            for name in &names {
                metrics.record_mcp_event_success("component", name, 0.01);
            }
        });
        println!(
            "{n} label sets of mcp_event_emit_* (histogram + success counter each): {bytes} live bytes, {} per label set",
            bytes / n as i64
        );
        let (_, bytes) = measure(|| {
            for name in &names {
                metrics.record_session_start("component", name);
            }
        });
        println!(
            "{n} counter label sets (session_start_total): {bytes} live bytes, {} per label set",
            bytes / n as i64
        );
    }
}

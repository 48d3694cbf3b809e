//! Series shared by threads are striped per thread once contended; every scrape must still be
//! exact: no staleness while a thread lives, nothing lost when it exits, `_count` equal to the
//! `+Inf` bucket, and counts that never go down. Also the per-call-site failure-label slots:
//! more labels than slots, and one label text at several addresses.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use session_metrics::{CallOutcome, ErrorLabel, Outcome, get_metrics, track_operation};
use session_metrics_tests::{Exposition, Site};

#[track_operation("shards", "hot")]
fn hot(i: u64) -> Result<u64, Odd> {
    if i.is_multiple_of(2) { Ok(i) } else { Err(Odd) }
}

#[derive(Debug, ErrorLabel)]
struct Odd;

fn inf_bucket(text: &str, event_type: &str) -> f64 {
    Exposition::parse(text).value(
        "mcp_event_emit_duration_seconds_bucket",
        &[
            ("component_name", "shards"),
            ("event_type", event_type),
            ("le", "+Inf"),
        ],
    )
}

#[test]
fn scrapes_during_contention_are_consistent_and_the_total_exact() {
    const THREADS: u64 = 4;
    const CALLS: u64 = 50_000;
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|_| {
                s.spawn(|| {
                    for i in 0..CALLS {
                        let _ = hot(i);
                    }
                })
            })
            .collect();
        let done = &done;
        let scraper = s.spawn(move || {
            let mut last = Site::global("shards", "hot");
            while !done.load(Ordering::Relaxed) {
                let text = get_metrics().export_metrics();
                let now = Site::read(&text, "shards", "hot");
                assert_eq!(
                    now.count,
                    inf_bucket(&text, "hot"),
                    "_count is the +Inf bucket"
                );
                assert!(now.success >= last.success, "success went down");
                assert!(
                    now.failed("Odd") >= last.failed("Odd"),
                    "failures went down"
                );
                assert!(now.count >= last.count, "count went down");
                last = now;
            }
        });
        for worker in workers {
            worker.join().unwrap();
        }
        done.store(true, Ordering::Relaxed);
        scraper.join().unwrap();
    });
    let site = Site::global("shards", "hot");
    assert_eq!(site.success, (THREADS * CALLS / 2) as f64);
    assert_eq!(site.failed("Odd"), (THREADS * CALLS / 2) as f64);
    assert_eq!(site.count, (THREADS * CALLS) as f64);
}

#[track_operation("shards", "alive")]
fn alive() {}

#[test]
fn counts_are_visible_while_the_thread_lives_and_kept_after_it_exits() {
    // Contend first, so the series is striped and the threads below write their own stripes.
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| (0..20_000).for_each(|_| alive()));
        }
    });
    let before = Site::global("shards", "alive").success;
    assert_eq!(before, 40_000.0);
    let (ready, wait_ready) = mpsc::channel();
    let (release, wait_release) = mpsc::channel::<()>();
    let thread = std::thread::spawn(move || {
        (0..1_000).for_each(|_| alive());
        ready.send(()).unwrap();
        // Stay alive until the scrape below has been checked.
        wait_release.recv().unwrap();
    });
    wait_ready.recv().unwrap();
    assert_eq!(
        Site::global("shards", "alive").success,
        41_000.0,
        "no flush needed"
    );
    release.send(()).unwrap();
    thread.join().unwrap();
    let site = Site::global("shards", "alive");
    assert_eq!(site.success, 41_000.0, "nothing lost at thread exit");
    assert_eq!(site.count, 41_000.0);
}

/// More distinct labels than a call site has lock-free slots (8).
#[derive(Debug, Clone, Copy, ErrorLabel)]
enum Many {
    A,
    B,
    C,
    D,
    E,
    F,
    G,
    H,
    I,
    J,
    K,
    L,
}

const MANY: [Many; 12] = [
    Many::A,
    Many::B,
    Many::C,
    Many::D,
    Many::E,
    Many::F,
    Many::G,
    Many::H,
    Many::I,
    Many::J,
    Many::K,
    Many::L,
];

#[track_operation("shards", "many")]
fn many(i: usize) -> Result<(), Many> {
    Err(MANY[i % MANY.len()])
}

#[test]
fn labels_beyond_the_slots_are_counted_exactly() {
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| {
                for i in 0..1_200 {
                    let _ = many(i);
                }
            });
        }
    });
    let site = Site::global("shards", "many");
    assert_eq!(site.failures.len(), 12);
    for label in ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L"] {
        assert_eq!(site.failed(label), 300.0, "label {label}");
    }
}

/// A label whose text is the same but whose address differs on every call.
struct Leaky(bool);

impl CallOutcome for Leaky {
    fn call_outcome(&self) -> Outcome {
        if self.0 {
            Outcome::Failure(String::from("dup").leak())
        } else {
            Outcome::Failure("dup")
        }
    }
}

#[track_operation("shards", "dup")]
fn dup(leak: bool) -> Leaky {
    Leaky(leak)
}

#[test]
fn the_same_label_text_at_different_addresses_is_one_series() {
    for i in 0..20 {
        let _ = dup(i % 2 == 0);
    }
    let site = Site::global("shards", "dup");
    assert_eq!(site.failures.len(), 1);
    assert_eq!(site.failed("dup"), 20.0);
}

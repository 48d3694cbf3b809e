//! A fixed number of calls of instrumented functions, for counting instructions per call with
//! `valgrind --tool=callgrind` (exact and repeatable on a loaded machine, unlike time):
//! `bash benches/instructions.sh` runs it with two call counts and prints the difference per
//! call. Usage: `calls N [success|failure|async|no_trace|traced]`: `no_trace` calls
//! `sync_success` with an exemplar source set that reports no trace, `traced` inside a sampled
//! scoped trace context (every call keeps an exemplar).

use std::hint::black_box;

use session_metrics::track_operation;

#[track_operation("bench", "sync_success")]
fn sync_success(x: u64) -> Result<u64, std::num::ParseIntError> {
    Ok(black_box(x) + 1)
}

#[track_operation("bench", "sync_failure")]
fn sync_failure(x: u64) -> Result<u64, std::num::ParseIntError> {
    black_box(x);
    "x".parse::<u64>()
}

#[track_operation("bench", "async_success")]
async fn async_success(x: u64) -> u64 {
    black_box(x) + 1
}

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("usage: calls N");
    let which = std::env::args().nth(2).unwrap_or_default();
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    if which == "no_trace" {
        session_metrics::exemplar::set_source(|| None).expect("the first source");
    }
    if which == "traced" {
        let trace = session_metrics::exemplar::TraceContext {
            trace_id: [0x4b; 16],
            span_id: [0xf0; 8],
        };
        trace.in_scope(|| (0..n).for_each(|i| drop(black_box(sync_success(i)))));
        return;
    }
    for i in 0..n {
        match which.as_str() {
            "failure" => drop(black_box(sync_failure(i))),
            "async" => {
                let mut future = std::pin::pin!(async_success(i));
                let _ = black_box(future.as_mut().poll(&mut cx));
            }
            _ => drop(black_box(sync_success(i))),
        }
    }
}

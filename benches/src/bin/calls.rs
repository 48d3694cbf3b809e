//! A fixed number of calls of instrumented functions, for counting instructions per call with
//! `valgrind --tool=callgrind` (exact and repeatable on a loaded machine, unlike time):
//! `bash benches/instructions.sh` runs it with two call counts and prints the difference per
//! call. Usage: `calls N`.

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

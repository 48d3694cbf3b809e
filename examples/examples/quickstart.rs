//! A few instrumented sync and async calls (one failing, one panicking, one cancelled), then
//! the Prometheus exposition they produced.
//!
//! Run with `cargo run -p examples --example quickstart`.

use std::time::Duration;

use session_metrics::{ErrorLabel, get_metrics, track_operation};

#[derive(Debug, ErrorLabel)]
enum StoreError {
    Timeout,
    #[error_label("not_found")]
    Missing(#[allow(dead_code)] String),
}

#[track_operation("mahavishnu", "session_start")]
fn start_session(user: &str) -> Result<u64, StoreError> {
    if user.is_empty() {
        return Err(StoreError::Missing("user".into()));
    }
    Ok(42)
}

#[track_operation("mahavishnu", "checkpoint")]
async fn checkpoint(delay_ms: u64) -> Result<(), StoreError> {
    tokio::time::sleep(Duration::from_millis(delay_ms)).await;
    if delay_ms > 100 {
        return Err(StoreError::Timeout);
    }
    Ok(())
}

#[track_operation("mahavishnu", "render")]
fn render(template: &str) -> String {
    if template.is_empty() {
        panic!("empty template");
    }
    template.to_uppercase()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    session_metrics::settings::print_settings_report(); // on stderr: which settings file
    start_session("alice").expect("valid user");
    let _ = start_session("");

    checkpoint(5).await.expect("fast checkpoint");
    let _ = checkpoint(150).await;
    // Cancelled: the timeout drops the future before it completes.
    let _ = tokio::time::timeout(Duration::from_millis(10), checkpoint(50)).await;

    assert_eq!(render("ok"), "OK");
    std::panic::set_hook(Box::new(|_| {})); // keep the demo output clean
    let panicked = std::panic::catch_unwind(|| render(""));
    let _ = std::panic::take_hook();
    assert!(panicked.is_err());

    let metrics = get_metrics();
    metrics.record_session_start("mahavishnu", "zsh");
    metrics.record_session_end("mahavishnu", "success", 312.0);

    print!("{}", metrics.export_metrics());
}

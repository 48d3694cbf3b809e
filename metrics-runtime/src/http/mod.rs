//! The `/metrics` HTTP endpoint (cargo feature `http`), on tokio and hyper 1.
//!
//! ```no_run
//! # async fn doc() -> Result<(), session_metrics::http::ServeError> {
//! use session_metrics::http::{MetricsServer, ServerOptions};
//!
//! let server = MetricsServer::start(
//!     "127.0.0.1:9090".parse().unwrap(),
//!     session_metrics::get_metrics(),
//!     ServerOptions::default(),
//! )
//! .await?;
//! println!("scrape http://{}/metrics", server.local_addr());
//! server.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Requests are answered by [`metrics_response`], which you can also mount on your own axum or
//! hyper router.
//!
//! The same server shows a live status page at `/` (data at `/status.json`), unless
//! [`ServerOptions::status_page`] is off; see [`StatusHistory`] for what it shows and its
//! bounds.
//!
//! # Bounds
//!
//! Slow, idle or hostile clients cannot tie the server up or make it grow without bound
//! ([`ServerOptions`] has the values and defaults):
//!
//! - at most [`max_connections`](ServerOptions::max_connections) connections (file
//!   descriptors) at once, by default 256 or a quarter of the descriptor limit; at the cap a
//!   new connection takes the place of the one idle the longest, else of the one whose client
//!   has been longest not reading; if all are making progress it gets `503` and is closed;
//! - a request head must be complete within
//!   [`header_read_timeout`](ServerOptions::header_read_timeout) of its first byte and fit in
//!   [`max_header_bytes`](ServerOptions::max_header_bytes) (else `431`);
//! - a response must be out within [`write_timeout`](ServerOptions::write_timeout) of its
//!   request, else the connection is dropped;
//! - a keep-alive connection without a request for
//!   [`idle_timeout`](ServerOptions::idle_timeout) is closed;
//! - one response in memory per connection: pipelined requests wait, at most
//!   `max_header_bytes` of them read ahead, and a connection ends after
//!   [`max_requests_per_connection`](ServerOptions::max_requests_per_connection) requests;
//! - an HTTP/1.1 request without `Host`, or any request with two, gets `400`.

mod accept;
mod activity;
mod deadline;
mod error;
mod handler;
mod options;
mod server;
mod slots;
mod status;
mod watched_io;

pub use error::ServeError;
pub use handler::{Body, TEXT_CONTENT_TYPE, metrics_response, render};
pub use options::{DEFAULT_MAX_CONNECTIONS, ServerOptions};
pub use server::{BlockingMetricsServer, MetricsServer};
pub use status::{
    HISTORY_SAMPLES, MAX_TRACKED_OPERATIONS, SAMPLE_INTERVAL, STATUS_PATHS, StatusHistory,
    status_response,
};

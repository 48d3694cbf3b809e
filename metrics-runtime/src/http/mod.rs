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
//! hyper router. Slow or oversized requests cannot tie the server up: headers must arrive
//! within [`ServerOptions::header_read_timeout`] and fit in [`ServerOptions::max_header_bytes`].

mod handler;
mod server;

pub use handler::{Body, TEXT_CONTENT_TYPE, metrics_response, render};
pub use server::{BlockingMetricsServer, MetricsServer, ServeError, ServerOptions};

//! The example MCP server's tools (see `shared/example_server.rs`) over rmcp's Streamable HTTP
//! transport, with the exposition on the same port:
//!
//! | path | answers |
//! |---|---|
//! | `/mcp` | MCP (Streamable HTTP), every request measured with `network_transport="tcp"` |
//! | `/metrics` (`prometheus_metrics_path`) | the Prometheus text exposition |
//! | `/health` | `200 ok` |
//! | `/`, `/status.js`, `/status.css`, `/status.json` | the live status page and its data, with a row per MCP method and tool (`prometheus_metrics_status_page`, default on; off: `404`) |
//!
//! The address comes from the settings: `SESSION_BUDDY_PROMETHEUS_METRICS_BIND` (default
//! `127.0.0.1`) and `SESSION_BUDDY_PROMETHEUS_METRICS_PORT` (default 9090), or the settings file.
//! Ctrl-C stops it gracefully: open MCP sessions are closed and requests in flight get up to
//! [`SHUTDOWN_GRACE`] to finish.
//!
//! ```text
//! SESSION_BUDDY_PROMETHEUS_METRICS_PORT=9464 cargo run -p examples --example mcp_http_server
//! ```
//!
//! rmcp accepts only loopback `Host` headers by default (against DNS rebinding); a server
//! bound to another address must list its host names in
//! `StreamableHttpServerConfig::with_allowed_hosts`.

#[path = "shared/example_server.rs"]
mod example_server;

use std::convert::Infallible;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use example_server::ExampleServer;
use http_body_util::BodyExt;
use http_body_util::combinators::BoxBody;
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use session_metrics::get_metrics;
use session_metrics::http::{
    Body, SAMPLE_INTERVAL, StatusHistory, metrics_response, status_response,
};
use session_metrics::mcp::{Metered, NetworkTransport};
use session_metrics::settings::{Settings, init_metrics_from_settings};

/// Where MCP is served.
const MCP_PATH: &str = "/mcp";
/// Where liveness probes are answered.
const HEALTH_PATH: &str = "/health";
/// How long Ctrl-C waits for requests in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// Bound on a request's header block, and how long a client may take to send it.
const MAX_HEADER_BYTES: usize = 16 * 1024;
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);

type Mcp = StreamableHttpService<Metered<ExampleServer>, LocalSessionManager>;

#[tokio::main]
async fn main() -> ExitCode {
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("mcp_http_server: {error}");
            return ExitCode::from(2);
        }
    };
    settings.print_report(); // on stderr: which settings file, unknown variables
    if let Err(error) = init_metrics_from_settings(&settings) {
        eprintln!("mcp_http_server: {error}");
        return ExitCode::from(2);
    }
    if let Err(error) = Metered::<()>::register(get_metrics()) {
        eprintln!("mcp_http_server: the MCP server metrics are off: {error}");
    }
    let addr = settings.socket_addr();
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("mcp_http_server: cannot listen on {addr}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let addr = listener.local_addr().unwrap_or(addr);
    let config = StreamableHttpServerConfig::default();
    let sessions_closed = config.cancellation_token.clone();
    // One server (and one measured session) per MCP session.
    let mcp: Mcp = StreamableHttpService::new(
        || Ok(Metered::new(ExampleServer::new()).network_transport(NetworkTransport::Tcp)),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    // The status page's history, sampled every SAMPLE_INTERVAL off the request path, as the
    // built-in metrics server does; none when the page is off.
    let status = settings.prometheus_metrics_status_page.then(|| {
        let history = Arc::new(StatusHistory::new());
        tokio::spawn(sample_periodically(history.clone()));
        history
    });
    let routes = Arc::new(Routes {
        mcp,
        metrics_path: settings.prometheus_metrics_path.clone(),
        status,
    });
    let page = match &routes.status {
        Some(_) => format!("status page at http://{addr}/, "),
        None => String::new(),
    };
    println!(
        "mcp_http_server: MCP at http://{addr}{MCP_PATH}, {page}metrics at http://{addr}{}, \
         health at http://{addr}{HEALTH_PATH} (Ctrl-C to stop)",
        routes.metrics_path
    );

    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .max_header_size(MAX_HEADER_BYTES)
        .max_buf_size(MAX_HEADER_BYTES.max(64 * 1024));
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    loop {
        let stream = tokio::select! {
            _ = &mut ctrl_c => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let routes = routes.clone();
        let service = service_fn(move |request: Request<Incoming>| {
            let routes = routes.clone();
            async move { Ok::<_, Infallible>(routes.answer(request).await) }
        });
        // SSE streams of Streamable HTTP are long-lived responses, which http1 serves as is.
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // Errors are per connection (timeouts, resets) and affect nobody else.
            let _ = connection.await;
        });
    }
    println!("mcp_http_server: stopping");
    drop(listener);
    // Ends every MCP session, so its SSE stream closes and its connection can finish.
    sessions_closed.cancel();
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        eprintln!("mcp_http_server: connections still open after {SHUTDOWN_GRACE:?}, closed");
    }
    println!("mcp_http_server: stopped");
    ExitCode::SUCCESS
}

/// Samples `history` every [`SAMPLE_INTERVAL`], the first time at once, until the runtime ends.
async fn sample_periodically(history: Arc<StatusHistory>) {
    let mut ticks = tokio::time::interval(SAMPLE_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        history.sample(get_metrics());
    }
}

struct Routes {
    mcp: Mcp,
    metrics_path: String,
    /// The status page's history, when `prometheus_metrics_status_page` is on.
    status: Option<Arc<StatusHistory>>,
}

impl Routes {
    async fn answer(&self, request: Request<Incoming>) -> Response<BoxBody<Bytes, Infallible>> {
        let path = request.uri().path();
        if path == MCP_PATH {
            return self.mcp.handle(request).await;
        }
        let status = self.status.as_deref();
        let response = if path == self.metrics_path {
            if let Some(history) = status {
                history.count_scrape();
            }
            metrics_response(get_metrics(), &request)
        } else if path == HEALTH_PATH {
            health(request.method())
        } else if let Some(page) = status
            .and_then(|history| status_response(history, get_metrics(), request.method(), path))
        {
            page
        } else {
            text(StatusCode::NOT_FOUND, "not found\n")
        };
        response.map(BodyExt::boxed)
    }
}

fn health(method: &Method) -> Response<Body> {
    if method == Method::GET || method == Method::HEAD {
        text(StatusCode::OK, "ok\n")
    } else {
        text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n")
    }
}

fn text(status: StatusCode, body: &'static str) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

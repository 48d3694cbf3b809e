//! An MCP server over stdio offering the four metrics tools plus instrumented tools of its
//! own (see `shared/example_server.rs`): a fast one, two slow async ones, one failing with
//! `ErrorData`, one answering `isError`, one that panics, and session start and end tools that
//! drive the session metrics. `mcp_http_server` serves the same tools over Streamable HTTP.
//!
//! The whole server is wrapped in [`Metered`], so every request is also recorded in
//! `mcp_server_operation_duration_seconds` (by method, tool and `error_type`; a call the client
//! cancels is dropped and recorded as `cancelled`). It serves `/metrics` on the port of the
//! settings; if that port is taken (e.g. by another instance), it says so on stderr and serves
//! MCP without it.
//!
//! Run with `cargo run -p examples --example mcp_server`, or point an MCP client at the built
//! binary (see `docs/MCP.md`). Stdout carries the protocol, so logs go to stderr.
//!
//! Started by hand, it waits for an MCP client's `initialize` request on stdin: let a client
//! start it instead, e.g. the MCP Inspector
//! (`npx @modelcontextprotocol/inspector target/debug/examples/mcp_server`), a desktop client
//! configured as in the README, or `tests/mcp/test_mcp_server.py`. Closing stdin (Ctrl-D)
//! before that ends it with a message saying so.
//!
//! `#[track_operation]` sits above `#[tool]` on some tools and below it on others: above, it
//! sees the `async fn`; below, the boxed future `#[tool]` made of it. Both time the real work.

#[path = "shared/example_server.rs"]
mod example_server;

use std::process::ExitCode;

use rmcp::service::ServerInitializeError;

use example_server::ExampleServer;
use rmcp::ServiceExt;
use session_metrics::get_metrics;
use session_metrics::http::MetricsServer;
use session_metrics::mcp::Metered;
use session_metrics::settings::{Settings, init_metrics_from_settings};

#[tokio::main]
async fn main() -> ExitCode {
    // Stdout is the MCP channel: logs go to stderr, where MCP clients collect them.
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("mcp_server: {error}");
            return ExitCode::from(2);
        }
    };
    settings.print_report(); // on stderr: which settings file, unknown variables
    if let Err(error) = init_metrics_from_settings(&settings) {
        eprintln!("mcp_server: {error}");
        return ExitCode::from(2);
    }
    if let Err(error) = Metered::<()>::register(get_metrics()) {
        eprintln!("mcp_server: the MCP server metrics are off: {error}");
    }
    // Desktop clients start one server per session: when another instance already serves
    // /metrics on the configured port, this one goes on serving MCP without it.
    let _metrics_server = if settings.enable_prometheus_metrics {
        match MetricsServer::start_from_settings(&settings).await {
            Ok(server) => {
                eprintln!(
                    "mcp_server: serving metrics at http://{}{}",
                    server.local_addr(),
                    settings.prometheus_metrics_path
                );
                Some(server)
            }
            Err(error) => {
                eprintln!("mcp_server: /metrics is off ({error}); MCP is served all the same");
                None
            }
        }
    } else {
        None
    };
    eprintln!("mcp_server: serving MCP over stdio");
    // Every request is measured in mcp_server_operation_duration_seconds
    // (network_transport="pipe"), the session in mcp_server_session_duration_seconds.
    let service = match Metered::new(ExampleServer::new())
        .serve(rmcp::transport::stdio())
        .await
    {
        Ok(service) => service,
        Err(ServerInitializeError::ConnectionClosed(_)) => {
            eprintln!(
                "mcp_server: stdin closed before an MCP client sent its `initialize` request.\n\
                 mcp_server: this server talks MCP (JSON-RPC lines) on stdin and stdout with the \
                 client that starts it, e.g.\n\
                 mcp_server:   npx @modelcontextprotocol/inspector target/debug/examples/mcp_server\n\
                 mcp_server: or a desktop MCP client configured as in the README (docs/MCP.md)."
            );
            return ExitCode::FAILURE;
        }
        Err(error) => {
            eprintln!("mcp_server: initialisation failed: {error}");
            return ExitCode::FAILURE;
        }
    };
    match service.waiting().await {
        Ok(reason) => {
            eprintln!("mcp_server: session closed ({reason:?})");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("mcp_server: {error}");
            ExitCode::FAILURE
        }
    }
}

//! In-process MCP: a server on one end of an in-memory pipe, rmcp's own client on the other.

use rmcp::service::RunningService;
use rmcp::{RoleClient, RoleServer, Service, ServiceExt};
use session_metrics::SessionMetrics;

/// The client side of an in-memory MCP session.
pub type Client = RunningService<RoleClient, ()>;

/// A `SessionMetrics` of its own registry, for tests that count exactly.
pub fn isolated_metrics() -> &'static SessionMetrics {
    Box::leak(Box::new(
        SessionMetrics::new(prometheus::Registry::new()).unwrap(),
    ))
}

/// Serves `server` on one end of an in-memory pipe; returns a client on the other and the
/// server's task, which ends (dropping the server) when the session closes.
pub async fn serve_in_memory<S: Service<RoleServer>>(
    server: S,
) -> (Client, tokio::task::JoinHandle<()>) {
    let (server_end, client_end) = tokio::io::duplex(64 * 1024);
    let task = tokio::spawn(async move {
        let running = server.serve(server_end).await.expect("server starts");
        let _ = running.waiting().await;
    });
    (().serve(client_end).await.expect("client connects"), task)
}

/// [`serve_in_memory`], for tests that do not wait for the server's end.
pub async fn connect<S: Service<RoleServer>>(server: S) -> Client {
    serve_in_memory(server).await.0
}

//! Added cost of the MCP server layer `session_metrics::mcp::Metered` per request, against the
//! same server without it, in one run.
//!
//! Both variants answer the same `tools/call` of a trivial `#[tool]` by calling the server's
//! `ServerHandler::call_tool` directly (no transport, no JSON), with a fresh `RequestContext`
//! per request on a current-thread tokio runtime:
//! - `plain`: the `#[tool_handler]` server itself;
//! - `metered`: `Metered::with_metrics(server, metrics)` around it, recording into
//!   `mcp_server_operation_duration_seconds`.
//!
//! The difference of the two is the layer's cost per request (labels, the tool-name lookup,
//! the race against the cancellation token, the panic guard, the histogram update). Run with
//! `cargo bench -p session-metrics-benches --bench mcp_layer`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{CallToolRequestParams, RequestId};
use rmcp::service::{Peer, RequestContext, RoleServer, serve_directly};
use rmcp::{ServerHandler, tool, tool_handler, tool_router};
use session_metrics::SessionMetrics;
use session_metrics::mcp::Metered;

#[derive(Clone)]
struct Server {
    tool_router: ToolRouter<Self>,
}

#[tool_router]
impl Server {
    fn new() -> Self {
        Self {
            tool_router: Self::tool_router(),
        }
    }

    #[tool(description = "Answers at once.")]
    async fn fast(&self) -> String {
        "ok".into()
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Server {}

/// A peer of a server served directly (no handshake) on a pipe nobody reads: what a
/// `RequestContext` needs, without sending anything.
fn peer(rt: &tokio::runtime::Runtime) -> Peer<RoleServer> {
    rt.block_on(async {
        let (server_end, client_end) = tokio::io::duplex(64 * 1024);
        Box::leak(Box::new(client_end));
        let running = serve_directly(Server::new(), server_end, None);
        let peer = running.peer().clone();
        Box::leak(Box::new(running));
        peer
    })
}

fn call<S: ServerHandler>(rt: &tokio::runtime::Runtime, server: &S, peer: &Peer<RoleServer>) {
    let context = RequestContext::new(RequestId::Number(1), peer.clone());
    let answer = rt.block_on(server.call_tool(CallToolRequestParams::new("fast"), context));
    black_box(answer.expect("the tool answers"));
}

fn layer(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let peer = peer(&rt);
    let metrics: &'static SessionMetrics = Box::leak(Box::new(
        SessionMetrics::new(prometheus::Registry::new()).expect("metrics"),
    ));
    let plain = Server::new();
    let metered = Metered::with_metrics(Server::new(), metrics);
    let mut group = c.benchmark_group("mcp_layer");
    group.bench_function("plain", |b| b.iter(|| call(&rt, &plain, &peer)));
    group.bench_function("metered", |b| b.iter(|| call(&rt, &metered, &peer)));
    group.finish();
    // The metered calls were all recorded.
    let text = metrics.export_metrics();
    assert!(
        text.contains(r#"gen_ai_tool_name="fast",mcp_method_name="tools/call""#),
        "{text}"
    );
}

criterion_group!(benches, layer);
criterion_main!(benches);

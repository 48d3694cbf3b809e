//! The MCP layer takes a client's SEP-414 `params._meta.traceparent` as the trace of its
//! request: the request's `mcp_server_operation_duration_seconds` bucket and every
//! `#[track_operation]` call inside the handler keep the client's trace id as their exemplar,
//! with no OpenTelemetry SDK in the server. Read back from `/metrics` asked for OpenMetrics.

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{CallToolRequestParams, RequestMetaObject, ServerCapabilities, ServerConfig};
use rmcp::{ServerHandler, tool, tool_handler, tool_router};
use session_metrics::mcp::Metered;
use session_metrics::{SessionMetrics, get_metrics, track_operation};
use session_metrics_tests::mcp::{Client, connect, isolated_metrics};
use session_metrics_tests::prom;

const SAMPLED: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
const UNSAMPLED: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";

#[track_operation("mcp_exemplars", "traced")]
fn inner_traced() {}

#[track_operation("mcp_exemplars", "plain")]
fn inner_plain() {}

#[track_operation("mcp_exemplars", "unsampled")]
async fn inner_unsampled() {
    tokio::task::yield_now().await;
}

#[derive(Clone)]
struct Server {
    tool_router: ToolRouter<Self>,
}

#[tool_router]
impl Server {
    #[tool(description = "Called with a sampled traceparent.")]
    async fn traced(&self) -> String {
        // After an await too: the client's trace stays current across polls.
        tokio::task::yield_now().await;
        inner_traced();
        "ok".into()
    }

    #[tool(description = "Called without a traceparent.")]
    async fn plain(&self) -> String {
        inner_plain();
        "ok".into()
    }

    #[tool(description = "Called with an unsampled traceparent.")]
    async fn unsampled(&self) -> String {
        inner_unsampled().await;
        "ok".into()
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
    }
}

async fn call(client: &Client, name: &'static str, traceparent: Option<&str>) {
    let mut params = CallToolRequestParams::new(name);
    if let Some(traceparent) = traceparent {
        let mut meta = RequestMetaObject::new();
        meta.set_traceparent(traceparent);
        params.meta = Some(meta);
    }
    let result = client.call_tool(params).await.expect("the call succeeds");
    assert_eq!(result.is_error, Some(false));
}

/// `(trace_id, span_id)` of every exemplar on a `{family}_bucket` line whose labels contain
/// `label`, in the OpenMetrics exposition of `metrics` served on `/metrics`.
fn exemplars(metrics: &'static SessionMetrics, family: &str, label: &str) -> Vec<(String, String)> {
    let server = prom::serve(metrics);
    let (status, text) =
        prom::get_openmetrics(&format!("http://{}/metrics", server.local_addr())).unwrap();
    assert_eq!(status, 200);
    assert!(text.ends_with("# EOF\n"), "not OpenMetrics:\n{text}");
    session_metrics_tests::exemplars(&text, &format!("{family}_bucket"), label)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_clients_traceparent_reaches_the_request_and_the_calls_inside() {
    let metrics = isolated_metrics();
    let server = Metered::with_metrics(
        Server {
            tool_router: Server::tool_router(),
        },
        metrics,
    );
    let client = connect(server).await;
    call(&client, "traced", Some(SAMPLED)).await;
    call(&client, "plain", None).await;
    call(&client, "unsampled", Some(UNSAMPLED)).await;

    let client_trace = (
        SAMPLED[3..35].to_owned(),  // the trace id
        SAMPLED[36..52].to_owned(), // the client's span: the parent of this request
    );
    let operation = "mcp_server_operation_duration_seconds";
    assert_eq!(
        exemplars(metrics, operation, r#"gen_ai_tool_name="traced""#),
        std::slice::from_ref(&client_trace)
    );
    assert_eq!(
        exemplars(metrics, operation, r#"gen_ai_tool_name="plain""#),
        []
    );
    assert_eq!(
        exemplars(metrics, operation, r#"gen_ai_tool_name="unsampled""#),
        []
    );
    // `initialize` came with no traceparent either.
    assert_eq!(
        exemplars(metrics, operation, r#"mcp_method_name="initialize""#),
        []
    );

    let global = get_metrics();
    let inner = "mcp_event_emit_duration_seconds";
    assert_eq!(
        exemplars(global, inner, r#"event_type="traced""#),
        [client_trace]
    );
    assert_eq!(exemplars(global, inner, r#"event_type="plain""#), []);
    assert_eq!(exemplars(global, inner, r#"event_type="unsampled""#), []);
    client.cancel().await.unwrap();
}

//! With the `tracing` feature, the MCP server layer opens one span per request, by the
//! OpenTelemetry conventions for MCP server spans: named after the method (a `tracing` span
//! name is static) with `otel.name = "{mcp.method.name} {target}"`, the convention's
//! attributes as fields, `error.type` recorded on failure, and the handler's own
//! `#[track_operation]` span nested inside. A real `tracing-subscriber` layer captures them,
//! over an in-memory pipe and over rmcp's Streamable HTTP service (for `mcp.session.id`).
//! Built by `cargo test -p session-metrics-tests --features tracing --test mcp_spans`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use rmcp::handler::server::router::prompt::PromptRouter;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{
    CallToolRequestParams, ClientRequest, GetPromptRequestParams, PromptMessage, Request, Role,
    ServerCapabilities, ServerConfig,
};
use rmcp::service::PeerRequestOptions;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{
    ErrorData, ServerHandler, prompt, prompt_handler, prompt_router, tool, tool_handler,
    tool_router,
};
use session_metrics::mcp::{Metered, NetworkTransport};
use session_metrics::{SessionMetrics, track_operation};
use session_metrics_tests::mcp::{connect, isolated_metrics};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Dispatch, Subscriber};
use tracing_subscriber::layer::{Context as LayerContext, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// The layer's spans have this target.
const TARGET: &str = "session_metrics::mcp";
/// Upper bound for things that happen at once (hang guard only).
const PATIENCE: Duration = Duration::from_secs(10);

static SLOW_STARTED: AtomicUsize = AtomicUsize::new(0);

#[derive(Debug, Clone)]
struct SpanRecord {
    id: u64,
    name: String,
    target: String,
    parent: Option<String>,
    fields: BTreeMap<String, String>,
}

#[derive(Default, Clone)]
struct Capture(Arc<Mutex<Vec<SpanRecord>>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: LayerContext<'_, S>) {
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        let parent = ctx
            .span(id)
            .and_then(|span| span.parent())
            .map(|parent| parent.name().to_owned());
        self.0.lock().unwrap().push(SpanRecord {
            id: id.into_u64(),
            name: attrs.metadata().name().to_owned(),
            target: attrs.metadata().target().to_owned(),
            parent,
            fields,
        });
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _: LayerContext<'_, S>) {
        let mut spans = self.0.lock().unwrap();
        // Ids are reused only after a span closed: the last one with this id is the open one.
        if let Some(span) = spans.iter_mut().rev().find(|s| s.id == id.into_u64()) {
            values.record(&mut Fields(&mut span.fields));
        }
    }
}

impl Capture {
    /// The layer's request spans so far.
    fn requests(&self) -> Vec<SpanRecord> {
        let spans = self.0.lock().unwrap();
        spans
            .iter()
            .filter(|s| s.target == TARGET)
            .cloned()
            .collect()
    }

    /// The one request span whose `otel.name` is `name`; panics unless there is exactly one.
    fn request(&self, name: &str) -> SpanRecord {
        let found: Vec<_> = self
            .requests()
            .into_iter()
            .filter(|s| s.fields.get("otel.name").map(String::as_str) == Some(name))
            .collect();
        assert_eq!(
            found.len(),
            1,
            "one span named {name}: {:#?}",
            self.requests()
        );
        found.into_iter().next().unwrap()
    }

    fn named(&self, name: &str) -> Vec<SpanRecord> {
        let spans = self.0.lock().unwrap();
        spans.iter().filter(|s| s.name == name).cloned().collect()
    }
}

/// Captures the spans of the current thread (the tests run on a current-thread runtime, so
/// rmcp's tasks run here too) until the guard is dropped.
fn capture() -> (Capture, tracing::subscriber::DefaultGuard) {
    let capture = Capture::default();
    let dispatch = Dispatch::new(tracing_subscriber::registry().with(capture.clone()));
    let guard = tracing::dispatcher::set_default(&dispatch);
    (capture, guard)
}

fn field<'a>(span: &'a SpanRecord, name: &str) -> Option<&'a str> {
    span.fields.get(name).map(String::as_str)
}

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct Topic {
    /// What to talk about.
    topic: String,
}

#[derive(Clone)]
struct Server {
    tool_router: ToolRouter<Self>,
    prompt_router: PromptRouter<Self>,
}

#[tool_router]
impl Server {
    fn new() -> Self {
        Self {
            tool_router: Self::tool_router(),
            prompt_router: Self::prompt_router(),
        }
    }

    #[track_operation("mcp_spans_test", "fast_ping")]
    #[tool(description = "Answers pong.")]
    async fn fast_ping(&self) -> String {
        "pong".into()
    }

    #[tool(description = "Fails with invalid params.")]
    async fn fails(&self) -> Result<String, ErrorData> {
        Err(ErrorData::invalid_params("rejected", None))
    }

    #[track_operation("mcp_spans_test", "slow")]
    #[tool(description = "Sleeps for two minutes.")]
    async fn slow(&self) -> String {
        SLOW_STARTED.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_secs(120)).await;
        "slept".into()
    }
}

#[prompt_router]
impl Server {
    #[prompt(description = "A prompt about a topic.")]
    async fn chat(&self, Parameters(t): Parameters<Topic>) -> Vec<PromptMessage> {
        vec![PromptMessage::new_text(Role::User, t.topic)]
    }
}

#[tool_handler(router = self.tool_router)]
#[prompt_handler(router = self.prompt_router)]
impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_prompts()
                .build(),
        )
    }
}

async fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !condition() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "gave up waiting: {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn each_request_gets_a_span_with_the_conventions_attributes() {
    let (capture, _guard) = capture();
    let metrics = isolated_metrics();
    let client = connect(Metered::with_metrics(Server::new(), metrics)).await;

    client.list_all_tools().await.unwrap();
    for _ in 0..2 {
        let params = CallToolRequestParams::new("fast_ping");
        client.call_tool(params).await.unwrap();
    }
    client
        .call_tool(CallToolRequestParams::new("fails"))
        .await
        .unwrap_err();
    client
        .call_tool(CallToolRequestParams::new("no_such_tool_from_the_client"))
        .await
        .unwrap_err();
    let mut arguments = serde_json::Map::new();
    arguments.insert("topic".into(), "spans".into());
    client
        .get_prompt(GetPromptRequestParams::new("chat").with_arguments(arguments))
        .await
        .unwrap();
    client
        .get_prompt(GetPromptRequestParams::new("invented_prompt"))
        .await
        .unwrap_err();

    // initialize, tools/list, 2 + 1 + 1 tools/call, 2 prompts/get.
    let requests = capture.requests();
    assert_eq!(requests.len(), 8, "{requests:#?}");
    let initialize = capture.request("initialize");
    assert_eq!(initialize.name, "initialize");
    assert_eq!(field(&initialize, "mcp.method.name"), Some("initialize"));
    let list = capture.request("tools/list");
    assert_eq!(list.name, "tools/list");
    assert_eq!(field(&list, "gen_ai.tool.name"), None);
    assert_eq!(field(&list, "error.type"), None);

    let pings: Vec<_> = requests
        .iter()
        .filter(|s| field(s, "otel.name") == Some("tools/call fast_ping"))
        .collect();
    assert_eq!(pings.len(), 2);
    let mut ids = Vec::new();
    for ping in &pings {
        assert_eq!(ping.name, "tools/call", "a static name per method");
        assert_eq!(field(ping, "otel.kind"), Some("server"));
        assert_eq!(field(ping, "mcp.method.name"), Some("tools/call"));
        assert_eq!(field(ping, "gen_ai.tool.name"), Some("fast_ping"));
        assert_eq!(field(ping, "gen_ai.operation.name"), Some("execute_tool"));
        assert_eq!(field(ping, "network.transport"), Some("pipe"));
        assert_eq!(
            field(ping, "mcp.session.id"),
            None,
            "stdio has no session id"
        );
        assert_eq!(
            field(ping, "error.type"),
            None,
            "a success has no error.type"
        );
        let id: u64 = field(ping, "jsonrpc.request.id").unwrap().parse().unwrap();
        ids.push(id);
    }
    assert_ne!(ids[0], ids[1], "each request its own jsonrpc.request.id");

    // The tool's own #[track_operation] span nests under the request's span.
    let inner = capture.named("fast_ping");
    assert_eq!(inner.len(), 2);
    assert!(
        inner
            .iter()
            .all(|s| s.parent.as_deref() == Some("tools/call"))
    );

    let fails = capture.request("tools/call fails");
    assert_eq!(field(&fails, "error.type"), Some("invalid_params"));
    // The client's string never reaches a field: an unknown tool is `_OTHER`.
    let unknown = capture.request("tools/call _OTHER");
    assert_eq!(field(&unknown, "gen_ai.tool.name"), Some("_OTHER"));
    assert_eq!(field(&unknown, "error.type"), Some("invalid_params"));
    assert!(
        requests
            .iter()
            .all(|s| !format!("{:?}", s.fields).contains("no_such_tool_from_the_client"))
    );

    let chat = capture.request("prompts/get chat");
    assert_eq!(chat.name, "prompts/get");
    assert_eq!(field(&chat, "gen_ai.prompt.name"), Some("chat"));
    assert_eq!(field(&chat, "gen_ai.tool.name"), None);
    let invented = capture.request("prompts/get _OTHER");
    assert_eq!(field(&invented, "gen_ai.prompt.name"), Some("_OTHER"));
    assert!(field(&invented, "error.type").is_some());
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_cancelled_request_records_error_type_cancelled() {
    let (capture, _guard) = capture();
    let metrics = isolated_metrics();
    let client = connect(Metered::with_metrics(Server::new(), metrics)).await;
    let started = SLOW_STARTED.load(Ordering::SeqCst);
    let handle = client
        .send_cancellable_request(
            ClientRequest::CallToolRequest(Request::new(CallToolRequestParams::new("slow"))),
            PeerRequestOptions::no_options(),
        )
        .await
        .unwrap();
    eventually("the slow handler starts", || {
        SLOW_STARTED.load(Ordering::SeqCst) > started
    })
    .await;
    handle.cancel(Some("test".into())).await.unwrap();
    eventually("the cancelled call records error.type", || {
        capture
            .requests()
            .iter()
            .any(|s| field(s, "error.type") == Some("cancelled"))
    })
    .await;
    let slow = capture.request("tools/call slow");
    assert_eq!(field(&slow, "error.type"), Some("cancelled"));
    let inner = capture.named("slow");
    assert_eq!(inner.len(), 1);
    assert_eq!(inner[0].parent.as_deref(), Some("tools/call"));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn spans_are_made_with_metrics_disabled_too() {
    let (capture, _guard) = capture();
    let metrics = Box::leak(Box::new(SessionMetrics::disabled()));
    let client = connect(Metered::with_metrics(Server::new(), metrics)).await;
    client
        .call_tool(CallToolRequestParams::new("fast_ping"))
        .await
        .unwrap();
    client
        .call_tool(CallToolRequestParams::new("invented"))
        .await
        .unwrap_err();
    let mut arguments = serde_json::Map::new();
    arguments.insert("topic".into(), "spans".into());
    client
        .get_prompt(GetPromptRequestParams::new("chat").with_arguments(arguments))
        .await
        .unwrap();
    assert_eq!(
        field(&capture.request("tools/call fast_ping"), "gen_ai.tool.name"),
        Some("fast_ping")
    );
    capture.request("tools/call _OTHER");
    // No metrics, no set of answered prompts: the prompt's name is `_OTHER`.
    capture.request("prompts/get _OTHER");
    client.cancel().await.unwrap();
}

/// POSTs one JSON-RPC message to the Streamable HTTP service; returns the response's session
/// id header and its body up to the first SSE `data:` line (or all of a JSON body).
async fn post(
    mcp: &StreamableHttpService<Metered<Server>, LocalSessionManager>,
    session: Option<&str>,
    message: serde_json::Value,
) -> (Option<String>, String) {
    let mut request = http::Request::post("http://127.0.0.1/mcp")
        .header("host", "127.0.0.1")
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-06-18");
    if let Some(session) = session {
        request = request.header("mcp-session-id", session);
    }
    let request = request
        .body(Full::new(Bytes::from(message.to_string())))
        .unwrap();
    let response = mcp.handle(request).await;
    assert!(response.status().is_success(), "{:?}", response.status());
    let session = response
        .headers()
        .get("mcp-session-id")
        .map(|v| v.to_str().unwrap().to_owned());
    let mut body = response.into_body();
    let mut text = String::new();
    // A notification's answer is empty; a request's ends at its message.
    while !text.contains("\"jsonrpc\"") {
        let frame = tokio::time::timeout(PATIENCE, body.frame()).await.unwrap();
        let Some(frame) = frame else { break };
        if let Ok(data) = frame.unwrap().into_data() {
            text.push_str(std::str::from_utf8(&data).unwrap());
        }
    }
    (session, text)
}

#[tokio::test]
async fn streamable_http_spans_carry_the_session_id() {
    let (capture, _guard) = capture();
    let metrics = isolated_metrics();
    let mcp = StreamableHttpService::new(
        move || {
            Ok(Metered::with_metrics(Server::new(), metrics)
                .network_transport(NetworkTransport::Tcp))
        },
        Arc::new(LocalSessionManager::default()),
        StreamableHttpServerConfig::default(),
    );
    let initialize = serde_json::json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "mcp_spans", "version": "0"}
        }
    });
    let (session, answer) = post(&mcp, None, initialize).await;
    assert!(answer.contains("\"result\""), "{answer}");
    let session = session.expect("a Streamable HTTP session id");
    let initialized = serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    post(&mcp, Some(&session), initialized).await;
    let call = serde_json::json!({
        "jsonrpc": "2.0", "id": "call-7", "method": "tools/call",
        "params": {"name": "fast_ping", "arguments": {}}
    });
    let (_, answer) = post(&mcp, Some(&session), call).await;
    assert!(answer.contains("pong"), "{answer}");

    let ping = capture.request("tools/call fast_ping");
    assert_eq!(field(&ping, "mcp.session.id"), Some(session.as_str()));
    assert_eq!(field(&ping, "network.transport"), Some("tcp"));
    assert_eq!(field(&ping, "jsonrpc.request.id"), Some("call-7"));
    // `initialize` comes before the session has an id.
    assert_eq!(
        field(&capture.request("initialize"), "mcp.session.id"),
        None
    );
}

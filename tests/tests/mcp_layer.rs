//! The MCP server layer `Metered`: every request of an rmcp server recorded in
//! `mcp_server_operation_duration_seconds`, its session in
//! `mcp_server_session_duration_seconds`, driven by rmcp's own client over an in-memory pipe.
//! Counts are exact: each test has its own registry.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rmcp::handler::server::router::prompt::PromptRouter;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientRequest, ContentBlock, CustomRequest, ErrorCode,
    GetPromptRequestParams, PromptMessage, Request, Role, ServerCapabilities, ServerConfig,
    ServerResult,
};
use rmcp::service::{PeerRequestOptions, ServiceError};
use rmcp::{
    ErrorData, ServerHandler, prompt, prompt_handler, prompt_router, tool, tool_handler,
    tool_router,
};
use session_metrics::mcp::{
    FamilySource, Metered, MetricList, MetricsSummary, MetricsTools, NetworkTransport,
};
use session_metrics::{SessionMetrics, track_operation};
use session_metrics_tests::mcp::{Client, isolated_metrics, serve_in_memory};
use session_metrics_tests::{Exposition, Site};

const COMPONENT: &str = "mcp_layer_test";
const OPERATION: &str = "mcp_server_operation_duration_seconds";
const SESSION: &str = "mcp_server_session_duration_seconds";
/// Longer than any hang guard here: a cancelled `slow` call that was not dropped could not be
/// recorded before the test gives up.
const SLOW: Duration = Duration::from_secs(120);
/// Upper bound for things that happen at once (hang guard only).
const PATIENCE: Duration = Duration::from_secs(10);

/// `slow` calls that started, and that ran past their sleep.
static SLOW_STARTED: AtomicUsize = AtomicUsize::new(0);
static SLOW_FINISHED: AtomicUsize = AtomicUsize::new(0);
/// `sleeps` calls that started.
static SLEEPS_STARTED: AtomicUsize = AtomicUsize::new(0);

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
    fn new(tools: MetricsTools) -> Self {
        Self {
            tool_router: Self::tool_router() + tools.router(),
            prompt_router: Self::prompt_router(),
        }
    }

    #[tool(description = "Answers at once.")]
    async fn ok(&self) -> String {
        "ok".into()
    }

    #[tool(description = "Fails with invalid params.")]
    async fn fails(&self) -> Result<CallToolResult, ErrorData> {
        Err(ErrorData::invalid_params("rejected", None))
    }

    #[tool(description = "Reports a failure in its result.")]
    async fn reports(&self) -> CallToolResult {
        CallToolResult::error(vec![ContentBlock::text("could not")])
    }

    #[tool(description = "Panics.")]
    async fn panics(&self) -> String {
        panic!("the panics tool panicked on purpose")
    }

    /// No `RequestContext` parameter: the layer cancels it all the same.
    #[track_operation("mcp_layer_test", "slow")]
    #[tool(description = "Sleeps for two minutes.")]
    async fn slow(&self) -> String {
        SLOW_STARTED.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(SLOW).await;
        SLOW_FINISHED.fetch_add(1, Ordering::SeqCst);
        "slept".into()
    }

    #[tool(description = "Sleeps for two minutes, not instrumented.")]
    async fn sleeps(&self) -> String {
        SLEEPS_STARTED.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(SLOW).await;
        "slept".into()
    }
}

#[prompt_router]
impl Server {
    #[prompt(description = "A prompt about a topic.")]
    async fn chat(&self, Parameters(t): Parameters<Topic>) -> Vec<PromptMessage> {
        vec![PromptMessage::new_text(
            Role::User,
            format!("Tell me about {}", t.topic),
        )]
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

async fn call(client: &Client, name: &'static str) -> Result<CallToolResult, ServiceError> {
    client.call_tool(CallToolRequestParams::new(name)).await
}

fn protocol_error(result: Result<CallToolResult, ServiceError>) -> ErrorData {
    match result {
        Err(ServiceError::McpError(error)) => error,
        other => panic!("expected a JSON-RPC error, got {other:?}"),
    }
}

/// Waits (bounded) until `condition` holds; panics naming `what` otherwise.
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

/// `_count` of the operation series with exactly these labels plus the common ones.
fn count(metrics: &SessionMetrics, version: &str, labels: &[(&str, &str)]) -> f64 {
    let mut all = vec![
        ("mcp_protocol_version", version),
        ("network_transport", "pipe"),
    ];
    all.extend_from_slice(labels);
    Exposition::parse(&metrics.export_metrics()).value(&format!("{OPERATION}_count"), &all)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_request_is_counted_with_bounded_labels() {
    let metrics = isolated_metrics();
    let server = Metered::with_metrics(Server::new(MetricsTools::new(metrics)), metrics);
    let (client, server_task) = serve_in_memory(server).await;
    let version = client.peer_info().unwrap().protocol_version.to_string();

    let tools = client.list_all_tools().await.unwrap();
    assert!(tools.iter().any(|t| t.name == "get_metrics_summary"));
    for _ in 0..3 {
        assert_eq!(call(&client, "ok").await.unwrap().is_error, Some(false));
    }
    assert_eq!(
        protocol_error(call(&client, "fails").await).code,
        ErrorCode::INVALID_PARAMS
    );
    for _ in 0..2 {
        assert_eq!(call(&client, "reports").await.unwrap().is_error, Some(true));
    }
    // Unknown tools: the client's strings never become label values.
    for name in ["no_such_tool", "another_invented_name"] {
        let result = call(&client, name).await;
        assert!(
            matches!(result, Err(ServiceError::McpError(_)))
                || result.as_ref().is_ok_and(|r| r.is_error == Some(true)),
            "{result:?}"
        );
    }
    // The panicking handler is answered with an internal error and the server goes on.
    assert_eq!(
        protocol_error(call(&client, "panics").await).code,
        ErrorCode::INTERNAL_ERROR
    );
    assert_eq!(call(&client, "ok").await.unwrap().is_error, Some(false));
    // A prompt, then a prompt that does not exist.
    let prompt = client
        .get_prompt(GetPromptRequestParams::new("chat").with_arguments(
            serde_json::from_value(serde_json::json!({ "topic": "otters" })).unwrap(),
        ))
        .await
        .unwrap();
    assert_eq!(prompt.messages.len(), 1);
    assert!(
        client
            .get_prompt(GetPromptRequestParams::new("invented_prompt"))
            .await
            .is_err()
    );
    // A method outside the MCP method list.
    let custom = client
        .send_request(ClientRequest::CustomRequest(CustomRequest::new(
            "vendor/invented_method",
            None,
        )))
        .await;
    assert!(
        matches!(&custom, Err(ServiceError::McpError(e)) if e.code == ErrorCode::METHOD_NOT_FOUND),
        "{custom:?}"
    );

    let tool = |name| {
        [
            ("mcp_method_name", "tools/call"),
            ("gen_ai_tool_name", name),
        ]
    };
    let failed = |name, error| {
        [
            ("mcp_method_name", "tools/call"),
            ("gen_ai_tool_name", name),
            ("error_type", error),
        ]
    };
    assert_eq!(
        count(metrics, &version, &[("mcp_method_name", "initialize")]),
        1.0
    );
    assert_eq!(
        count(metrics, &version, &[("mcp_method_name", "tools/list")]),
        1.0
    );
    assert_eq!(count(metrics, &version, &tool("ok")), 4.0);
    assert_eq!(
        count(metrics, &version, &failed("fails", "invalid_params")),
        1.0
    );
    assert_eq!(
        count(metrics, &version, &failed("reports", "tool_error")),
        2.0
    );
    assert_eq!(count(metrics, &version, &failed("panics", "panic")), 1.0);
    let other_tools: f64 = Exposition::parse(&metrics.export_metrics())
        .matching(
            &format!("{OPERATION}_count"),
            &[("gen_ai_tool_name", "_OTHER")],
        )
        .iter()
        .map(|(_, v)| v)
        .sum();
    assert_eq!(other_tools, 2.0, "both unknown tools under one value");
    assert_eq!(
        count(
            metrics,
            &version,
            &[
                ("mcp_method_name", "prompts/get"),
                ("gen_ai_prompt_name", "chat")
            ]
        ),
        1.0
    );
    assert_eq!(
        count(
            metrics,
            &version,
            &[
                ("mcp_method_name", "prompts/get"),
                ("gen_ai_prompt_name", "_OTHER"),
                ("error_type", "invalid_params"),
            ]
        ),
        1.0
    );
    assert_eq!(
        count(
            metrics,
            &version,
            &[
                ("mcp_method_name", "_OTHER"),
                ("error_type", "method_not_found")
            ]
        ),
        1.0
    );
    // get_metrics_summary reports the same requests, per method and tool.
    let summary: MetricsSummary = serde_json::from_value(
        call(&client, "get_metrics_summary")
            .await
            .unwrap()
            .structured_content
            .unwrap(),
    )
    .unwrap();
    let request = |tool: &str| {
        summary
            .mcp_server
            .requests
            .iter()
            .find(|r| r.method == "tools/call" && r.tool.as_deref() == Some(tool))
            .unwrap_or_else(|| panic!("{tool} in {summary:?}"))
            .clone()
    };
    let ok = request("ok");
    assert_eq!((ok.call_count, ok.failure_count), (4, 0));
    assert!(ok.duration.p50_seconds.is_some() && ok.duration.p99_seconds.is_some());
    assert_eq!(request("panics").failures_by_error_type["panic"], 1);
    assert_eq!(
        request("_OTHER").failures_by_error_type["invalid_params"],
        2
    );
    let text = metrics.export_metrics();
    assert!(!text.contains("invented"), "client strings leaked:\n{text}");
    assert!(
        !text.contains("=\"\""),
        "a label is empty instead of absent:\n{text}"
    );

    // The session is recorded once, when it ends.
    assert!(!text.contains(SESSION));
    client.cancel().await.unwrap();
    tokio::time::timeout(PATIENCE, server_task)
        .await
        .expect("server task ends")
        .unwrap();
    let sessions = Exposition::parse(&metrics.export_metrics()).value(
        &format!("{SESSION}_count"),
        &[
            ("mcp_protocol_version", &version),
            ("network_transport", "pipe"),
        ],
    );
    assert_eq!(sessions, 1.0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_request_drops_the_handler_and_is_recorded() {
    let metrics = isolated_metrics();
    let server = Metered::with_metrics(Server::new(MetricsTools::new(metrics)), metrics);
    let (client, _server_task) = serve_in_memory(server).await;
    let version = client.peer_info().unwrap().protocol_version.to_string();
    let before = Site::global(COMPONENT, "slow");

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
    let cancelled = [
        ("mcp_method_name", "tools/call"),
        ("gen_ai_tool_name", "slow"),
        ("error_type", "cancelled"),
    ];
    eventually("the cancelled call is recorded", || {
        count(metrics, &version, &cancelled) == 1.0
    })
    .await;
    // The handler's future was dropped: its own #[track_operation] saw the cancellation, and
    // the code after its sleep never ran.
    let after = Site::global(COMPONENT, "slow");
    assert_eq!(after.failed("cancelled") - before.failed("cancelled"), 1.0);
    assert_eq!(after.success, before.success);
    assert_eq!(SLOW_FINISHED.load(Ordering::SeqCst), 0);
    let sum = Exposition::parse(&metrics.export_metrics()).value(&format!("{OPERATION}_sum"), &{
        let mut labels = cancelled.to_vec();
        labels.extend([
            ("mcp_protocol_version", &*version),
            ("network_transport", "pipe"),
        ]);
        labels
    });
    assert!(
        sum < SLOW.as_secs_f64(),
        "recorded {sum} s for a dropped call"
    );

    // The server answers later requests.
    assert_eq!(call(&client, "ok").await.unwrap().is_error, Some(false));
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn closing_the_transport_cancels_requests_in_flight() {
    let metrics = isolated_metrics();
    let server = Metered::with_metrics(Server::new(MetricsTools::new(metrics)), metrics)
        .network_transport(NetworkTransport::Tcp);
    let (client, server_task) = serve_in_memory(server).await;
    let started = SLEEPS_STARTED.load(Ordering::SeqCst);
    let peer = client.peer().clone();
    let pending =
        tokio::spawn(async move { peer.call_tool(CallToolRequestParams::new("sleeps")).await });
    eventually("the slow handler starts", || {
        SLEEPS_STARTED.load(Ordering::SeqCst) > started
    })
    .await;
    client.cancel().await.unwrap();
    let _ = pending.await;
    tokio::time::timeout(PATIENCE, server_task)
        .await
        .expect("server task ends")
        .unwrap();
    // The handler's task, which holds the last clone of the server, ends after the session.
    let total = |name: String, labels: &[(&str, &str)]| -> f64 {
        Exposition::parse(&metrics.export_metrics())
            .matching(&name, labels)
            .iter()
            .map(|(_, v)| v)
            .sum()
    };
    let cancelled = [
        ("gen_ai_tool_name", "sleeps"),
        ("error_type", "cancelled"),
        ("network_transport", "tcp"),
    ];
    eventually("the cancelled call and the session are recorded", || {
        total(format!("{SESSION}_count"), &[("network_transport", "tcp")]) == 1.0
    })
    .await;
    assert_eq!(total(format!("{OPERATION}_count"), &cancelled), 1.0);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_metrics_tools_list_the_layer_families() {
    let metrics = isolated_metrics();
    Metered::<()>::register(metrics).unwrap();
    let list: MetricList = {
        let result = MetricsTools::new(metrics)
            .call("list_session_metrics", None)
            .unwrap();
        serde_json::from_value(result.structured_content.unwrap()).unwrap()
    };
    for name in [OPERATION, SESSION] {
        let family = list
            .families
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("{name} listed"));
        assert_eq!(family.source, FamilySource::SessionMetrics);
        assert_eq!(family.buckets.as_ref().unwrap().len(), 14);
        assert!(
            family
                .label_names
                .contains(&"mcp_protocol_version".to_owned())
        );
    }
}

#[tokio::test]
async fn disabled_metrics_pass_requests_through() {
    let metrics: &'static SessionMetrics = Box::leak(Box::new(SessionMetrics::disabled()));
    let server = Metered::with_metrics(Server::new(MetricsTools::new(metrics)), metrics);
    let (client, _task) = serve_in_memory(server).await;
    assert_eq!(call(&client, "ok").await.unwrap().is_error, Some(false));
    let pong = client
        .send_request(ClientRequest::PingRequest(Default::default()))
        .await;
    assert!(matches!(pong, Ok(ServerResult::EmptyResult(_))), "{pong:?}");
    assert_eq!(metrics.export_metrics(), "");
    client.cancel().await.unwrap();
}

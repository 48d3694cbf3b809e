//! In-process MCP: rmcp servers with `#[track_operation]` on `#[tool]` methods (on both sides
//! of `#[tool]`) and the four metrics tools, driven by rmcp's own client over an in-memory
//! pipe. The Python client in `tests/mcp/` is the end-to-end proof; this checks the same
//! contract from Rust, including the typed answers.

use std::time::Duration;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::model::{CallToolRequestParams, CallToolResult, ContentBlock, ErrorCode, JsonObject};
use rmcp::service::{RoleClient, RunningService, ServiceError};
use rmcp::{ErrorData, ServerHandler, tool, tool_handler, tool_router};
use serde_json::{Value, json};
use session_metrics::mcp::{
    FamilySource, MetricList, MetricType, MetricsSummary, MetricsTools, OperationList,
    PrometheusMetrics, Status,
};
use session_metrics::track_operation;
use session_metrics::{ErrorLabel, Objective, OperationFamily, SessionMetrics};
use session_metrics_tests::Site;
use session_metrics_tests::mcp::{connect, isolated_metrics};

const COMPONENT: &str = "mcp_tools_test";
const DELAY: Duration = Duration::from_millis(30);

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct Fail {
    /// Whether to fail with an internal error instead of invalid params.
    internal: Option<bool>,
}

#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
struct Answer {
    value: u32,
}

#[derive(Clone)]
struct Server {
    tool_router: ToolRouter<Self>,
}

#[tool_router]
impl Server {
    fn new(tools: MetricsTools) -> Self {
        Self {
            tool_router: Self::tool_router() + tools.router(),
        }
    }

    /// Sleeps, instrumented above `#[tool]`.
    #[track_operation("mcp_tools_test", "above")]
    #[tool]
    async fn above(&self) -> String {
        tokio::time::sleep(DELAY).await;
        "above".into()
    }

    // rmcp 3.11's `#[tool]` takes the description from the doc comments only if no other
    // attribute follows them, so below `#[tool]` the doc comment goes after our attribute.
    #[tool]
    #[track_operation("mcp_tools_test", "below")]
    /// Sleeps, instrumented below `#[tool]`.
    async fn below(&self) -> String {
        tokio::time::sleep(DELAY).await;
        "below".into()
    }

    #[tool(description = "Fails with a JSON-RPC error.")]
    #[track_operation("mcp_tools_test", "fails")]
    async fn fails(&self, Parameters(fail): Parameters<Fail>) -> Result<CallToolResult, ErrorData> {
        if fail.internal == Some(true) {
            Err(ErrorData::internal_error("broken", None))
        } else {
            Err(ErrorData::invalid_params("rejected", None))
        }
    }

    #[track_operation("mcp_tools_test", "reports")]
    #[tool(description = "Reports a failure in its result.")]
    fn reports(&self) -> CallToolResult {
        CallToolResult::error(vec![ContentBlock::text("could not")])
    }

    #[tool(description = "Answers structured JSON.")]
    #[track_operation("mcp_tools_test", "answers")]
    async fn answers(&self) -> Result<Json<Answer>, ErrorData> {
        Ok(Json(Answer { value: 7 }))
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Server {}

// Catalogued operations of their own component, for `list_operations`; never called.
static PAY: Objective = Objective::new("pay").success_ratio(0.995).latency(0.5, 0.9);
static LEDGER: OperationFamily = OperationFamily::new("mcp_tools_ledger", &[0.1, 1.0]);

#[derive(Debug, ErrorLabel)]
#[allow(dead_code)] // never constructed: the variants are there for their labels
enum PayError {
    Declined,
    #[error_label("card_expired")]
    Expired,
}

const PAY_LINE: u32 = line!() + 2;
#[track_operation("mcp_tools_catalogue", "pay", objective = PAY)]
fn pay() -> Result<(), PayError> {
    Ok(())
}

const BOOK_LINE: u32 = line!() + 2;
#[track_operation("mcp_tools_catalogue", "book", family = LEDGER)]
fn book() {}

async fn call(
    client: &RunningService<RoleClient, ()>,
    name: &'static str,
    arguments: Option<Value>,
) -> Result<CallToolResult, ServiceError> {
    let mut params = CallToolRequestParams::new(name);
    if let Some(arguments) = arguments {
        let arguments: JsonObject = serde_json::from_value(arguments).unwrap();
        params = params.with_arguments(arguments);
    }
    client.call_tool(params).await
}

fn protocol_error(result: Result<CallToolResult, ServiceError>) -> ErrorData {
    match result {
        Err(ServiceError::McpError(error)) => error,
        other => panic!("expected a JSON-RPC error, got {other:?}"),
    }
}

fn typed<T: serde::de::DeserializeOwned>(result: CallToolResult) -> T {
    assert_eq!(result.is_error, Some(false), "{result:?}");
    serde_json::from_value(result.structured_content.expect("structured content")).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn track_operation_counts_tool_calls_on_either_side_of_tool() {
    let client = connect(Server::new(MetricsTools::default())).await;

    let tools = client.list_all_tools().await.unwrap();
    let described = |name: &str| {
        tools
            .iter()
            .find(|t| t.name == name)
            .and_then(|t| t.description.clone())
            .unwrap_or_else(|| panic!("{name} listed with a description"))
    };
    // `#[tool]` still sees the doc comment, whichever side `#[track_operation]` is on.
    assert_eq!(described("above"), "Sleeps, instrumented above `#[tool]`.");
    assert_eq!(described("below"), "Sleeps, instrumented below `#[tool]`.");
    let answers = tools.iter().find(|t| t.name == "answers").unwrap();
    assert!(answers.output_schema.is_some(), "Json<T> keeps its schema");

    for _ in 0..3 {
        assert_eq!(
            call(&client, "above", None).await.unwrap().is_error,
            Some(false)
        );
        assert_eq!(
            call(&client, "below", None).await.unwrap().is_error,
            Some(false)
        );
    }
    let error = protocol_error(call(&client, "fails", None).await);
    assert_eq!(error.code, ErrorCode::INVALID_PARAMS);
    let error = protocol_error(call(&client, "fails", Some(json!({ "internal": true }))).await);
    assert_eq!(error.code, ErrorCode::INTERNAL_ERROR);
    for _ in 0..2 {
        assert_eq!(
            call(&client, "reports", None).await.unwrap().is_error,
            Some(true)
        );
    }
    let answered = call(&client, "answers", None).await.unwrap();
    assert_eq!(answered.structured_content, Some(json!({ "value": 7 })));
    // A wrongly typed argument never reaches the handler, so it is not counted.
    let rejected = call(&client, "fails", Some(json!({ "internal": "yes" })))
        .await
        .unwrap();
    assert_eq!(rejected.is_error, Some(true));

    for event_type in ["above", "below"] {
        let site = Site::global(COMPONENT, event_type);
        assert_eq!((site.success, site.count), (3.0, 3.0), "{event_type}");
        // Timed over the sleep, not just while `#[tool]` built the boxed future.
        assert!(
            site.sum >= 3.0 * DELAY.as_secs_f64(),
            "{event_type}: {site:?}"
        );
    }
    let fails = Site::global(COMPONENT, "fails");
    assert_eq!((fails.success, fails.count), (0.0, 2.0));
    assert_eq!(
        (
            fails.failed("invalid_params"),
            fails.failed("internal_error")
        ),
        (1.0, 1.0)
    );
    let reports = Site::global(COMPONENT, "reports");
    assert_eq!((reports.success, reports.failed("tool_error")), (0.0, 2.0));
    let answers = Site::global(COMPONENT, "answers");
    assert_eq!((answers.success, answers.count), (1.0, 1.0));

    // The summary tool reads the same global metrics.
    let summary: MetricsSummary = typed(
        call(
            &client,
            "get_metrics_summary",
            Some(json!({ "component": COMPONENT })),
        )
        .await
        .unwrap(),
    );
    let below = summary
        .operations
        .iter()
        .find(|op| op.event_type == "below")
        .unwrap();
    assert_eq!(below.success_count, 3);
    assert!(below.duration.mean_seconds.unwrap() >= DELAY.as_secs_f64());
    assert!(below.duration.p50_seconds.unwrap() > 0.025, "{below:?}");
    assert_eq!(summary.totals.failures_by_error_type["tool_error"], 2);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn metrics_tools_answer_exact_figures() {
    let metrics = isolated_metrics();
    for _ in 0..4 {
        metrics.record_mcp_event_success("buddy", "save", 0.02);
    }
    metrics.record_mcp_event_failure("buddy", "save", "Timeout", 0.7);
    metrics.record_mcp_event_success("buddy", "load", 0.002);
    metrics.record_mcp_event_success("other", "save", 0.002);
    metrics.record_session_start("buddy", "bash");
    metrics.record_session_start("buddy", "zsh");
    metrics.increment_active_sessions("buddy");
    metrics.increment_active_sessions("buddy");
    metrics.record_session_end("buddy", "success", 300.0);
    metrics.decrement_active_sessions("buddy");
    metrics.set_session_quality_score("buddy", 91.0);
    let client = connect(Server::new(MetricsTools::new(metrics))).await;

    let summary: MetricsSummary = typed(
        call(
            &client,
            "get_metrics_summary",
            Some(json!({ "component": "buddy" })),
        )
        .await
        .unwrap(),
    );
    assert_eq!(summary.status, Status::Ok);
    let names: Vec<_> = summary
        .operations
        .iter()
        .map(|o| o.event_type.as_str())
        .collect();
    assert_eq!(names, ["load", "save"]);
    let save = &summary.operations[1];
    assert_eq!(
        (save.success_count, save.failure_count, save.call_count),
        (4, 1, 5)
    );
    assert_eq!(save.success_ratio, Some(0.8));
    assert_eq!(save.failures_by_error_type["Timeout"], 1);
    assert_eq!(save.duration.count, 5);
    assert!((save.duration.mean_seconds.unwrap() - 0.156).abs() < 1e-9);
    // Ranks 2.5 and 4.75 of 5 fall in the (0.01, 0.025] bucket holding 4 and the (0.5, 1] one.
    assert!((save.duration.p50_seconds.unwrap() - 0.019_375).abs() < 1e-9);
    assert!((save.duration.p95_seconds.unwrap() - 0.875).abs() < 1e-9);
    let buddy = &summary.components[0];
    assert_eq!((buddy.sessions_started, buddy.sessions_ended), (2, 1));
    assert_eq!(buddy.active_sessions, 1.0);
    assert_eq!(buddy.quality_score, Some(91.0));
    assert_eq!(buddy.mean_session_duration_seconds, Some(300.0));
    assert_eq!(summary.totals.call_count, 6);

    let text: PrometheusMetrics =
        typed(call(&client, "get_prometheus_metrics", None).await.unwrap());
    assert_eq!(text.text, metrics.export_metrics());
    assert_eq!(text.family_count, 8);
    let om: PrometheusMetrics = typed(
        call(
            &client,
            "get_prometheus_metrics",
            Some(json!({ "format": "openmetrics" })),
        )
        .await
        .unwrap(),
    );
    assert_eq!(om.text, metrics.export_openmetrics());
    assert_eq!(
        om.content_type,
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    assert_eq!(om.family_count, 8);
    let saves: PrometheusMetrics = typed(
        call(
            &client,
            "get_prometheus_metrics",
            Some(json!({ "event_type": "save", "metric_prefix": "mcp_event_emit_s" })),
        )
        .await
        .unwrap(),
    );
    assert_eq!(
        saves.text,
        "# HELP mcp_event_emit_success_total Total number of successful MCP event emissions.\n\
         # TYPE mcp_event_emit_success_total counter\n\
         mcp_event_emit_success_total{component_name=\"buddy\",event_type=\"save\"} 4\n\
         mcp_event_emit_success_total{component_name=\"other\",event_type=\"save\"} 1\n"
    );

    // A collector of the application's own, registered beside ours, is listed too.
    let own = prometheus::IntCounter::new("app_requests_total", "Requests.").unwrap();
    own.inc();
    metrics.registry().register(Box::new(own)).unwrap();
    let list: MetricList = typed(call(&client, "list_session_metrics", None).await.unwrap());
    assert_eq!(list.family_count, 9);
    let app = list.families.last().unwrap();
    assert_eq!(
        (app.name.as_str(), app.metric_type, app.source),
        (
            "app_requests_total",
            MetricType::Counter,
            FamilySource::Registry
        )
    );
    let success = list
        .families
        .iter()
        .find(|f| f.name == "mcp_event_emit_success_total")
        .unwrap();
    assert_eq!(success.series_count, 3);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn disabled_metrics_are_a_status_not_an_error() {
    let disabled = Box::leak(Box::new(SessionMetrics::disabled()));
    // The tools on their own, through `MetricsTools`' own `ServerHandler`.
    let client = connect(MetricsTools::new(disabled)).await;
    assert_eq!(client.list_all_tools().await.unwrap().len(), 4);
    let summary: MetricsSummary = typed(call(&client, "get_metrics_summary", None).await.unwrap());
    assert_eq!(summary.status, Status::Disabled);
    assert!(summary.message.unwrap().contains("disabled"));
    let text: PrometheusMetrics =
        typed(call(&client, "get_prometheus_metrics", None).await.unwrap());
    assert_eq!((text.status, text.family_count), (Status::Disabled, 0));
    let list: MetricList = typed(call(&client, "list_session_metrics", None).await.unwrap());
    assert_eq!((list.status, list.family_count), (Status::Disabled, 0));
    // The operations are the binary's code: listed all the same, with the status.
    let ops: OperationList = typed(call(&client, "list_operations", None).await.unwrap());
    assert_eq!(ops.status, Status::Disabled);
    assert!(ops.operations.iter().any(|op| op.event_type == "pay"));
    let unknown = protocol_error(call(&client, "get_everything", None).await);
    assert_eq!(unknown.code, ErrorCode::INVALID_PARAMS);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn invalid_filters_are_tool_errors_naming_the_argument() {
    let client = connect(Server::new(MetricsTools::new(isolated_metrics()))).await;
    let cases = [
        (
            "get_metrics_summary",
            json!({ "component": 1 }),
            "invalid argument `component`: expected a string, got the number 1",
        ),
        (
            "get_metrics_summary",
            json!({ "event_type": "\t" }),
            "invalid argument `event_type`: must not be empty or blank",
        ),
        (
            "get_prometheus_metrics",
            json!({ "metric_prefix": "a-b" }),
            "invalid argument `metric_prefix`: \"a-b\" cannot start a metric name",
        ),
        (
            "get_prometheus_metrics",
            json!({ "format": "xml" }),
            "invalid argument `format`: \"xml\" is not a format; use `text` (the default) or `openmetrics`",
        ),
        (
            "list_session_metrics",
            json!({ "event_type": "x" }),
            "invalid argument `event_type`: not an argument of this tool",
        ),
        (
            "list_operations",
            json!({ "metric_prefix": "mcp_" }),
            "invalid argument `metric_prefix`: not an argument of this tool; it accepts `component`, `event_type`",
        ),
    ];
    for (tool, arguments, message) in cases {
        let result = call(&client, tool, Some(arguments)).await.unwrap();
        assert_eq!(result.is_error, Some(true), "{tool}");
        let text = &result.content[0].as_text().unwrap().text;
        assert!(text.starts_with(message), "{tool}: {text}");
    }
    // Explicit nulls are the same as no filter.
    let all: MetricsSummary = typed(
        call(
            &client,
            "get_metrics_summary",
            Some(json!({ "component": null })),
        )
        .await
        .unwrap(),
    );
    assert_eq!(all.status, Status::Ok);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn list_operations_answers_the_catalogue() {
    let client = connect(Server::new(MetricsTools::new(isolated_metrics()))).await;
    let tools = client.list_all_tools().await.unwrap();
    let listed = tools.iter().find(|t| t.name == "list_operations").unwrap();
    assert!(listed.output_schema.is_some());
    let schema = serde_json::to_string(&listed.output_schema).unwrap();
    assert!(!schema.contains("\"uint"), "standardised schema: {schema}");

    let answer = call(
        &client,
        "list_operations",
        Some(json!({ "component": "mcp_tools_catalogue" })),
    )
    .await
    .unwrap();
    assert_eq!(answer.is_error, Some(false));
    assert_eq!(
        answer.structured_content.unwrap(),
        json!({
            "status": "ok",
            "message": null,
            "operation_count": 2,
            "operations": [
                {
                    "component": "mcp_tools_catalogue",
                    "event_type": "book",
                    "function": "mcp_tools::book",
                    "file": file!(),
                    "line": BOOK_LINE,
                    "family": "mcp_tools_ledger",
                    "error_labels": [],
                    "objective": null,
                },
                {
                    "component": "mcp_tools_catalogue",
                    "event_type": "pay",
                    "function": "mcp_tools::pay",
                    "file": file!(),
                    "line": PAY_LINE,
                    "family": "mcp_event_emit",
                    "error_labels": ["Declined", "card_expired"],
                    "objective": {
                        "name": "pay",
                        "success_ratio": 0.995,
                        "latency": { "threshold_seconds": 0.5, "ratio": 0.9 },
                    },
                },
            ],
            "filters": { "component": "mcp_tools_catalogue", "event_type": null },
        })
    );

    // The server's own instrumented tools are operations too; `event_type` filters.
    let server: OperationList = typed(
        call(
            &client,
            "list_operations",
            Some(json!({ "component": COMPONENT })),
        )
        .await
        .unwrap(),
    );
    let events: Vec<_> = server
        .operations
        .iter()
        .map(|op| op.event_type.as_str())
        .collect();
    assert_eq!(events, ["above", "answers", "below", "fails", "reports"]);
    let one: OperationList = typed(
        call(
            &client,
            "list_operations",
            Some(json!({ "component": COMPONENT, "event_type": "fails" })),
        )
        .await
        .unwrap(),
    );
    assert_eq!(one.operation_count, 1);
    assert_eq!(one.operations[0].function, "mcp_tools::fails");
    client.cancel().await.unwrap();
    // Called here only so that they are not dead code; the listing did not need them.
    let _ = (pay(), book());
}

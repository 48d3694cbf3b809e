//! The four metrics tools for [rmcp](https://docs.rs/rmcp) MCP servers, the server layer
//! [`Metered`] that measures every request by the OpenTelemetry MCP conventions, and how rmcp
//! tool results count as success or failure (cargo feature `mcp`). `docs/MCP.md` is the guide.
//!
//! [`MetricsTools`] offers, as a [`ToolRouter`] any rmcp server can add to its own:
//!
//! | tool | answers |
//! |---|---|
//! | `get_prometheus_metrics` | [`PrometheusMetrics`]: the text (or, with `format: openmetrics`, OpenMetrics) exposition with content type, family count, size and timestamp |
//! | `list_session_metrics` | [`MetricList`]: every family's name, type, help, labels and histogram buckets |
//! | `get_metrics_summary` | [`MetricsSummary`]: counts, success ratios, failures by `error_type`, mean and p50/p95/p99 durations per operation; sessions per component; totals |
//! | `list_operations` | [`OperationList`]: every `#[track_operation]` function of the binary (the [catalogue](crate::operations)): component, event type, function, file, line, family, error labels and objective |
//!
//! Every argument is optional ([`PrometheusMetricsArgs`], [`ListMetricsArgs`],
//! [`SummaryArgs`], [`ListOperationsArgs`]); a wrong one is answered as a tool error naming it. Answers are structured
//! JSON with an output schema. With metrics disabled the tools still answer, with
//! `"status": "disabled"`.
//!
//! `#[track_operation]` works on `#[tool]` methods on either side of `#[tool]`, and counts
//! rmcp's failures: an `Err(ErrorData)` by its code ([`ErrorLabel`](crate::ErrorLabel) for
//! [`rmcp::ErrorData`]), an `Ok(CallToolResult { is_error: Some(true), .. })` as
//! [`TOOL_ERROR_TYPE`] (the [`CallOutcome`](crate::CallOutcome) impls in this module).
//!
//! ```
//! use rmcp::handler::server::{router::tool::ToolRouter, wrapper::Parameters};
//! use rmcp::model::{CallToolResult, ContentBlock};
//! use rmcp::{ErrorData, ServerHandler, tool, tool_handler, tool_router};
//! use session_metrics::{mcp::MetricsTools, track_operation};
//!
//! #[derive(serde::Deserialize, schemars::JsonSchema)]
//! struct Greeting {
//!     name: String,
//! }
//!
//! #[derive(Clone)]
//! struct Server {
//!     tool_router: ToolRouter<Self>,
//! }
//!
//! #[tool_router]
//! impl Server {
//!     fn new() -> Self {
//!         // The server's own tools plus the four metrics tools.
//!         Self { tool_router: Self::tool_router() + MetricsTools::default().router() }
//!     }
//!
//!     #[track_operation("my_server", "greet")]
//!     #[tool(description = "Greets someone")]
//!     async fn greet(&self, Parameters(g): Parameters<Greeting>) -> Result<CallToolResult, ErrorData> {
//!         if g.name.is_empty() {
//!             return Err(ErrorData::invalid_params("name is empty", None)); // error_type="invalid_params"
//!         }
//!         Ok(CallToolResult::success(vec![ContentBlock::text(format!("Hello, {}!", g.name))]))
//!     }
//! }
//!
//! #[tool_handler(router = self.tool_router)]
//! impl ServerHandler for Server {}
//!
//! // Serve it with `Server::new().serve(rmcp::transport::stdio()).await?.waiting().await?`.
//! let names: Vec<_> = Server::new().tool_router.list_all().into_iter().map(|t| t.name).collect();
//! assert_eq!(names, ["get_metrics_summary", "get_prometheus_metrics", "greet", "list_operations", "list_session_metrics"]);
//! ```

mod args;
mod duration;
mod gathered;
mod list;
mod operations;
mod outcome;
mod schema;
mod server;
mod server_summary;
mod status;
mod summary;
mod text;
mod timestamp;

use std::fmt;
use std::sync::Arc;

use rmcp::handler::server::router::tool::{ToolRoute, ToolRouter};
use rmcp::handler::server::tool::{ToolCallContext, schema_for_input, schema_for_output};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    JsonObject, ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
    ToolAnnotations,
};
use rmcp::service::{MaybeSend, RequestContext};
use rmcp::{ErrorData, RoleServer, ServerHandler};
use schemars::JsonSchema;
use serde::Serialize;

pub use args::{
    ArgumentError, ListMetricsArgs, ListOperationsArgs, MetricsFormat, PrometheusMetricsArgs,
    SummaryArgs,
};
pub use duration::DurationSummary;
pub use list::{FamilySource, MetricFamilyInfo, MetricList, MetricType};
pub use operations::{LatencyInfo, ObjectiveInfo, OperationInfo, OperationList};
pub use outcome::TOOL_ERROR_TYPE;
pub use quantile::histogram_quantile;
pub use schema::{standard_schemas, standardise_schema, standardise_tool};
#[cfg(feature = "http")]
pub(crate) use server::for_each_operation_series;
pub use server::{MAX_NAMES, MCP_DURATION_BUCKETS, Metered, NetworkTransport, OTHER};
pub use server_summary::{McpRequestSummary, McpServerSummary};
pub use status::Status;
pub use summary::{ComponentSummary, MetricsSummary, OperationSummary, SummaryTotals};
pub use text::{PROMETHEUS_TEXT_CONTENT_TYPE, PrometheusMetrics};

// `histogram_quantile` lives in `crate::quantile`, shared with the HTTP status page.
use crate::quantile;
use crate::{SessionMetrics, get_metrics};

/// Name of the tool answering [`PrometheusMetrics`].
///
/// ```
/// assert_eq!(session_metrics::mcp::GET_PROMETHEUS_METRICS, "get_prometheus_metrics");
/// ```
pub const GET_PROMETHEUS_METRICS: &str = "get_prometheus_metrics";

/// Name of the tool answering [`MetricList`].
///
/// ```
/// assert_eq!(session_metrics::mcp::LIST_SESSION_METRICS, "list_session_metrics");
/// ```
pub const LIST_SESSION_METRICS: &str = "list_session_metrics";

/// Name of the tool answering [`MetricsSummary`].
///
/// ```
/// assert_eq!(session_metrics::mcp::GET_METRICS_SUMMARY, "get_metrics_summary");
/// ```
pub const GET_METRICS_SUMMARY: &str = "get_metrics_summary";

/// Name of the tool answering [`OperationList`].
///
/// ```
/// assert_eq!(session_metrics::mcp::LIST_OPERATIONS, "list_operations");
/// ```
pub const LIST_OPERATIONS: &str = "list_operations";

/// The four metrics tools over one [`SessionMetrics`]: as a [`ToolRouter`] to add to a
/// server's own ([`router`](Self::router)), as a server on their own (the [`ServerHandler`]
/// impl), or as plain methods.
///
/// The tools only read the metrics and are not instrumented themselves, so asking for the
/// metrics does not change them.
///
/// ```
/// use session_metrics::mcp::{MetricsTools, SummaryArgs};
///
/// session_metrics::get_metrics().record_session_start("buddy", "fish");
/// let tools = MetricsTools::default(); // the global metrics of `get_metrics()`
/// let summary = tools.summary(&SummaryArgs { component: Some("buddy".into()), event_type: None });
/// assert_eq!(summary.components[0].sessions_started_by_shell_type["fish"], 1);
/// ```
#[derive(Clone, Copy)]
pub struct MetricsTools {
    metrics: &'static SessionMetrics,
}

impl fmt::Debug for MetricsTools {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricsTools")
            .field("metrics", self.metrics)
            .finish()
    }
}

/// The tools over the global metrics of [`get_metrics`].
///
/// ```
/// let tools = session_metrics::mcp::MetricsTools::default();
/// assert!(tools.metrics().is_enabled());
/// ```
impl Default for MetricsTools {
    fn default() -> Self {
        Self::new(get_metrics())
    }
}

impl MetricsTools {
    /// The tools over `metrics`; use [`MetricsTools::default`] for the global instance.
    /// A non-global instance can be made `'static` with `Box::leak`.
    ///
    /// ```
    /// use session_metrics::{SessionMetrics, mcp::MetricsTools};
    ///
    /// let metrics: &'static SessionMetrics = Box::leak(Box::new(SessionMetrics::disabled()));
    /// let tools = MetricsTools::new(metrics);
    /// assert!(!tools.metrics().is_enabled());
    /// ```
    pub fn new(metrics: &'static SessionMetrics) -> Self {
        Self { metrics }
    }

    /// The metrics the tools read.
    ///
    /// ```
    /// let tools = session_metrics::mcp::MetricsTools::default();
    /// assert!(std::ptr::eq(tools.metrics(), session_metrics::get_metrics()));
    /// ```
    pub fn metrics(&self) -> &'static SessionMetrics {
        self.metrics
    }

    /// What `get_prometheus_metrics` answers for valid `args`.
    ///
    /// ```
    /// use session_metrics::mcp::{MetricsTools, PrometheusMetricsArgs};
    ///
    /// let metrics = Box::leak(Box::new(session_metrics::SessionMetrics::new(prometheus::Registry::new())?));
    /// metrics.record_session_start("a", "bash");
    /// metrics.record_session_start("b", "bash");
    /// let only_b = PrometheusMetricsArgs { component: Some("b".into()), ..Default::default() };
    /// let text = MetricsTools::new(metrics).prometheus_metrics(&only_b).text;
    /// assert!(text.contains(r#"component_name="b""#) && !text.contains(r#"component_name="a""#));
    /// # Ok::<(), session_metrics::Error>(())
    /// ```
    pub fn prometheus_metrics(&self, args: &PrometheusMetricsArgs) -> PrometheusMetrics {
        text::prometheus_metrics(self.metrics, args)
    }

    /// What `list_session_metrics` answers for valid `args`.
    ///
    /// ```
    /// use session_metrics::mcp::{ListMetricsArgs, MetricsTools};
    ///
    /// let prefix = ListMetricsArgs { metric_prefix: Some("mcp_event_".into()) };
    /// let list = MetricsTools::default().list_metrics(&prefix);
    /// assert_eq!(list.family_count, 3);
    /// ```
    pub fn list_metrics(&self, args: &ListMetricsArgs) -> MetricList {
        list::list_metrics(self.metrics, args)
    }

    /// What `get_metrics_summary` answers for valid `args`.
    ///
    /// ```
    /// use session_metrics::mcp::{MetricsTools, Status, SummaryArgs};
    ///
    /// let disabled = Box::leak(Box::new(session_metrics::SessionMetrics::disabled()));
    /// let summary = MetricsTools::new(disabled).summary(&SummaryArgs::default());
    /// assert_eq!(summary.status, Status::Disabled);
    /// assert!(summary.operations.is_empty());
    /// ```
    pub fn summary(&self, args: &SummaryArgs) -> MetricsSummary {
        summary::summary(self.metrics, args)
    }

    /// What `list_operations` answers for valid `args`: the binary's catalogued operations
    /// (see [`OperationList`]).
    ///
    /// ```
    /// use session_metrics::mcp::{ListOperationsArgs, MetricsTools};
    ///
    /// #[session_metrics::track_operation("store", "checkpoint")]
    /// fn checkpoint() {}
    ///
    /// let list = MetricsTools::default().list_operations(&ListOperationsArgs::default());
    /// assert!(list.operations.iter().any(|op| op.event_type == "checkpoint"));
    /// # checkpoint();
    /// ```
    pub fn list_operations(&self, args: &ListOperationsArgs) -> OperationList {
        operations::list_operations(self.metrics, args)
    }

    /// Definitions of the four tools (name, title, description, input and output schemas,
    /// read-only annotations), sorted by name.
    ///
    /// ```
    /// let tools = session_metrics::mcp::MetricsTools::tools();
    /// let names: Vec<_> = tools.iter().map(|t| t.name.as_ref()).collect();
    /// assert_eq!(names, ["get_metrics_summary", "get_prometheus_metrics", "list_operations", "list_session_metrics"]);
    /// assert!(tools.iter().all(|t| t.output_schema.is_some()));
    /// ```
    pub fn tools() -> Vec<Tool> {
        vec![
            definition::<SummaryArgs, MetricsSummary>(
                GET_METRICS_SUMMARY,
                "Session metrics summary",
                "Summarises the session metrics: per component and event type the success and \
                 failure counts, success ratio, failures by error_type, and mean and estimated \
                 p50/p95/p99 durations; per component active sessions, quality score, sessions \
                 started and ended and mean session duration; and overall totals. Optional \
                 filters: component, event_type.",
            ),
            definition::<PrometheusMetricsArgs, PrometheusMetrics>(
                GET_PROMETHEUS_METRICS,
                "Prometheus metrics",
                "Returns the metrics registry in the Prometheus text exposition format (or \
                 OpenMetrics with format: openmetrics), with its content type, number of \
                 metric families, size in bytes and timestamp. Optional filters: component, \
                 event_type (label values), metric_prefix (metric-name prefix).",
            ),
            definition::<ListOperationsArgs, OperationList>(
                LIST_OPERATIONS,
                "List operations",
                "Lists every instrumented operation of this binary, known before its first call: \
                 component, event_type, function (module path and name), source file and line, \
                 the metric family prefix it records into, the error_type labels it can produce \
                 and its service-level objective (success ratio, latency threshold and ratio). \
                 Optional filters: component, event_type.",
            ),
            definition::<ListMetricsArgs, MetricList>(
                LIST_SESSION_METRICS,
                "List session metrics",
                "Lists every metric family with its name, type, help text, label names, \
                 histogram buckets and current number of series. Optional filter: \
                 metric_prefix.",
            ),
        ]
    }

    /// Runs the tool `name` with the arguments of a `tools/call`; `None` if `name` is not one
    /// of the four. Invalid arguments give a tool error (`is_error: Some(true)`) whose text
    /// names the argument and the problem; answers are structured content.
    ///
    /// ```
    /// use session_metrics::mcp::MetricsTools;
    ///
    /// let tools = MetricsTools::default();
    /// let ok = tools.call("get_metrics_summary", None).unwrap();
    /// assert_eq!(ok.is_error, Some(false));
    /// assert_eq!(ok.structured_content.unwrap()["status"], "ok");
    ///
    /// let args = serde_json::json!({ "component": 42 });
    /// let bad = tools.call("get_metrics_summary", args.as_object()).unwrap();
    /// assert_eq!(bad.is_error, Some(true));
    /// assert!(tools.call("no_such_tool", None).is_none());
    /// ```
    pub fn call(&self, name: &str, arguments: Option<&JsonObject>) -> Option<CallToolResult> {
        let answer = match name {
            GET_PROMETHEUS_METRICS => PrometheusMetricsArgs::from_arguments(arguments)
                .map(|args| structured(&self.prometheus_metrics(&args))),
            LIST_SESSION_METRICS => ListMetricsArgs::from_arguments(arguments)
                .map(|args| structured(&self.list_metrics(&args))),
            GET_METRICS_SUMMARY => {
                SummaryArgs::from_arguments(arguments).map(|args| structured(&self.summary(&args)))
            }
            LIST_OPERATIONS => ListOperationsArgs::from_arguments(arguments)
                .map(|args| structured(&self.list_operations(&args))),
            _ => return None,
        };
        Some(answer.unwrap_or_else(|error| {
            CallToolResult::error(vec![ContentBlock::text(error.to_string())])
        }))
    }

    /// The four tools as a router for any rmcp server `S`, to add to the server's own
    /// router with `+` (or [`ToolRouter::merge`]). The tools do not use the server value.
    ///
    /// ```
    /// use rmcp::handler::server::router::tool::ToolRouter;
    /// use session_metrics::mcp::MetricsTools;
    ///
    /// struct MyServer;
    ///
    /// let router: ToolRouter<MyServer> = MetricsTools::default().router();
    /// assert!(router.has_route("get_prometheus_metrics"));
    /// assert_eq!(router.list_all().len(), 4);
    /// ```
    pub fn router<S: MaybeSend + 'static>(self) -> ToolRouter<S> {
        let mut router = ToolRouter::new();
        for tool in Self::tools() {
            let name = tool.name.clone();
            router.add_route(ToolRoute::new_dyn(
                tool,
                move |context: ToolCallContext<'_, S>| {
                    let result =
                        self.call(&name, context.arguments.as_ref())
                            .unwrap_or_else(|| {
                                CallToolResult::error(vec![ContentBlock::text("unknown tool")])
                            });
                    Box::pin(std::future::ready(Ok(CallToolResponse::from(result))))
                },
            ));
        }
        router
    }
}

/// A server offering only the four tools, e.g. beside a server that has no rmcp router.
///
/// ```
/// use rmcp::ServerHandler;
/// use session_metrics::mcp::MetricsTools;
///
/// let info = MetricsTools::default().get_info();
/// assert!(info.capabilities.tools.is_some());
/// assert_eq!(MetricsTools::default().get_tool("list_session_metrics").unwrap().name, "list_session_metrics");
/// // Serve it with `MetricsTools::default().serve(rmcp::transport::stdio()).await?`.
/// ```
impl ServerHandler for MetricsTools {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build()).with_server_info(
            Implementation::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION")),
        )
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        self.call(&request.name, request.arguments.as_ref())
            .map(CallToolResponse::from)
            .ok_or_else(|| ErrorData::invalid_params("tool not found", None))
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(Self::tools()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        Self::tools().into_iter().find(|tool| tool.name == name)
    }
}

/// The Rust code of `docs/MCP.md`, compiled as doctests so the guide cannot drift from rmcp.
#[cfg(doctest)]
#[doc = include_str!("../../docs/MCP.md")]
struct McpGuide;

fn definition<A: JsonSchema + 'static, O: JsonSchema + 'static>(
    name: &'static str,
    title: &'static str,
    description: &'static str,
) -> Tool {
    // Derived schemas of structs are objects; the fallback only keeps this from panicking.
    let input = schema_for_input::<A>().unwrap_or_else(|_| {
        let mut object = JsonObject::new();
        object.insert("type".into(), "object".into());
        Arc::new(object)
    });
    let mut tool = Tool::new(name, description, input)
        .with_title(title)
        .with_raw_output_schema(schema_for_output::<O>())
        .with_annotations(
            ToolAnnotations::new()
                .read_only(true)
                .destructive(false)
                .idempotent(true)
                .open_world(false),
        );
    schema::standardise_tool(&mut tool);
    tool
}

fn structured<T: Serialize>(answer: &T) -> CallToolResult {
    match serde_json::to_value(answer) {
        Ok(value) => CallToolResult::structured(value),
        // Our answers are plain data and always serialise; report rather than panic.
        Err(error) => CallToolResult::error(vec![ContentBlock::text(format!(
            "could not serialise the answer: {error}"
        ))]),
    }
}

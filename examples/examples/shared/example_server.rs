//! The example MCP server's tools, shared by `mcp_server` (stdio) and `mcp_http_server`
//! (Streamable HTTP): the four metrics tools plus instrumented tools of its own: a fast one,
//! two slow async ones, one failing with `ErrorData`, one answering `isError`, one that
//! panics, and session start and end tools that drive the session metrics.
//!
//! `#[track_operation]` sits above `#[tool]` on some tools and below it on others: above, it
//! sees the `async fn`; below, the boxed future `#[tool]` made of it. Both time the real work.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::model::{CallToolResult, ContentBlock, Implementation, ServerCapabilities, ServerConfig};
use rmcp::{ErrorData, ServerHandler, tool, tool_handler, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use session_metrics::mcp::{MetricsTools, standard_schemas};
use session_metrics::{get_metrics, track_operation};

/// `component_name` of everything this server records.
const COMPONENT: &str = "mcp_server_example";
/// Longest delay the slow tools accept, so a caller cannot park a request for long.
const MAX_DELAY_MS: u64 = 10_000;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct SlowArgs {
    /// How long to work, in milliseconds (default 50, at most 10000).
    delay_ms: Option<u64>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct FailArgs {
    /// `invalid_params` (default) or `internal_error`: the JSON-RPC error to answer with.
    code: Option<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct StartArgs {
    /// The shell the session runs in (default `bash`).
    shell_type: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
struct Started {
    /// Identifies the session for `end_session`.
    session_id: u64,
    /// Sessions open now, this one included.
    active_sessions: usize,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct EndArgs {
    /// The session to end (default: the oldest open one).
    session_id: Option<u64>,
    /// How it ended (default `success`).
    status: Option<String>,
    /// Quality score of the session, 0 to 100.
    quality_score: Option<f64>,
}

#[derive(Debug, Serialize, JsonSchema)]
struct Ended {
    /// The session that ended.
    session_id: u64,
    /// How long it was open, in seconds.
    duration_seconds: f64,
    /// Sessions still open.
    active_sessions: usize,
}

/// Open sessions by id, with when they started.
#[derive(Debug, Default)]
struct Sessions {
    next_id: u64,
    open: BTreeMap<u64, Instant>,
}

#[derive(Clone)]
pub struct ExampleServer {
    tool_router: ToolRouter<Self>,
    sessions: Arc<Mutex<Sessions>>,
}

#[tool_router]
impl ExampleServer {
    pub fn new() -> Self {
        Self {
            // Our tools plus the four metrics tools over the global metrics.
            // Schemas without schemars' number formats (`uint64`, ...), which strict JSON
            // Schema validators warn about.
            tool_router: standard_schemas(Self::tool_router() + MetricsTools::default().router()),
            sessions: Arc::default(),
        }
    }

    fn sessions(&self) -> std::sync::MutexGuard<'_, Sessions> {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Answers at once: the cheapest instrumented call.
    #[track_operation("mcp_server_example", "fast_ping")]
    #[tool(description = "Answers `pong` at once (instrumented, no arguments).")]
    async fn fast_ping(&self) -> String {
        "pong".to_owned()
    }

    #[track_operation("mcp_server_example", "slow_work")]
    #[tool(
        description = "Sleeps `delay_ms` milliseconds (default 50) without blocking the server. \
                       Instrumented above #[tool]."
    )]
    async fn slow_work(&self, Parameters(args): Parameters<SlowArgs>) -> Result<String, ErrorData> {
        let delay = delay(&args)?;
        tokio::time::sleep(delay).await;
        Ok(format!("worked for {} ms", delay.as_millis()))
    }

    #[tool(
        description = "Like slow_work, but instrumented below #[tool], where the attribute sees \
                       the boxed future #[tool] built."
    )]
    #[track_operation("mcp_server_example", "slow_work_boxed")]
    async fn slow_work_boxed(
        &self,
        Parameters(args): Parameters<SlowArgs>,
    ) -> Result<String, ErrorData> {
        let delay = delay(&args)?;
        tokio::time::sleep(delay).await;
        Ok(format!("worked for {} ms", delay.as_millis()))
    }

    #[tool(
        description = "Always fails with a JSON-RPC error: `invalid_params` (default) or \
                       `internal_error`, as chosen by `code`."
    )]
    #[track_operation("mcp_server_example", "fail_with_error")]
    async fn fail_with_error(
        &self,
        Parameters(args): Parameters<FailArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        match args.code.as_deref() {
            None | Some("invalid_params") => Err(ErrorData::invalid_params(
                "this tool always rejects its parameters",
                None,
            )),
            Some("internal_error") => Err(ErrorData::internal_error(
                "this tool always fails inside",
                None,
            )),
            Some(other) => Err(ErrorData::invalid_params(
                format!("`code` must be `invalid_params` or `internal_error`, not {other:?}"),
                None,
            )),
        }
    }

    #[track_operation("mcp_server_example", "report_tool_error")]
    #[tool(description = "Runs and reports a failure to the caller (`isError: true`).")]
    async fn report_tool_error(&self) -> CallToolResult {
        CallToolResult::error(vec![ContentBlock::text(
            "the tool ran but could not do its job",
        )])
    }

    #[tool(
        description = "Panics, to show that the server answers with an internal error, records \
                       error_type=\"panic\" and goes on serving."
    )]
    async fn always_panics(&self) -> String {
        panic!("always_panics panicked, as it always does")
    }

    #[tool(
        description = "Starts a session: counts session_start_total{shell_type} and raises \
                       active_sessions."
    )]
    #[track_operation("mcp_server_example", "start_session")]
    async fn start_session(
        &self,
        Parameters(args): Parameters<StartArgs>,
    ) -> Result<Json<Started>, ErrorData> {
        let shell_type = args.shell_type.unwrap_or_else(|| "bash".to_owned());
        if shell_type.trim().is_empty() {
            return Err(ErrorData::invalid_params("`shell_type` is empty", None));
        }
        let mut sessions = self.sessions();
        sessions.next_id += 1;
        let session_id = sessions.next_id;
        sessions.open.insert(session_id, Instant::now());
        get_metrics().record_session_start(COMPONENT, &shell_type);
        get_metrics().increment_active_sessions(COMPONENT);
        eprintln!("mcp_server: session {session_id} started ({shell_type})");
        Ok(Json(Started {
            session_id,
            active_sessions: sessions.open.len(),
        }))
    }

    #[track_operation("mcp_server_example", "end_session")]
    #[tool(description = "Ends a session (default: the oldest open one): counts \
                       session_end_total{status}, observes its duration, lowers active_sessions \
                       and sets session_quality_score if given.")]
    async fn end_session(
        &self,
        Parameters(args): Parameters<EndArgs>,
    ) -> Result<Json<Ended>, ErrorData> {
        let status = args.status.unwrap_or_else(|| "success".to_owned());
        if let Some(score) = args.quality_score
            && !(0.0..=100.0).contains(&score)
        {
            return Err(ErrorData::invalid_params(
                format!("`quality_score` must be between 0 and 100, not {score}"),
                None,
            ));
        }
        let mut sessions = self.sessions();
        let session_id = match args.session_id {
            Some(id) => id,
            None => *sessions
                .open
                .keys()
                .next()
                .ok_or_else(|| ErrorData::invalid_params("no session is open", None))?,
        };
        let started = sessions.open.remove(&session_id).ok_or_else(|| {
            ErrorData::invalid_params(format!("session {session_id} is not open"), None)
        })?;
        let duration_seconds = started.elapsed().as_secs_f64();
        get_metrics().record_session_end(COMPONENT, &status, duration_seconds);
        get_metrics().decrement_active_sessions(COMPONENT);
        if let Some(score) = args.quality_score {
            get_metrics().set_session_quality_score(COMPONENT, score);
        }
        eprintln!("mcp_server: session {session_id} ended ({status}, {duration_seconds:.3} s)");
        Ok(Json(Ended {
            session_id,
            duration_seconds,
            active_sessions: sessions.open.len(),
        }))
    }
}

fn delay(args: &SlowArgs) -> Result<Duration, ErrorData> {
    let ms = args.delay_ms.unwrap_or(50);
    if ms > MAX_DELAY_MS {
        return Err(ErrorData::invalid_params(
            format!("`delay_ms` must be at most {MAX_DELAY_MS}, not {ms}"),
            None,
        ));
    }
    Ok(Duration::from_millis(ms))
}

/// Name of this server in its `serverInfo` (and in the client configuration of docs/MCP.md).
const SERVER_NAME: &str = "session-metrics-example";

#[tool_handler(router = self.tool_router)]
impl ServerHandler for ExampleServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(
                Implementation::new(SERVER_NAME, env!("CARGO_PKG_VERSION"))
                    .with_title("session-metrics example MCP server"),
            )
            .with_instructions(
                "Example server of session-metrics: instrumented demo tools plus \
                 get_prometheus_metrics, list_session_metrics and get_metrics_summary.",
            )
    }
}

//! The MCP server layer, [`Metered`]: measuring every request of an rmcp server.

mod families;
mod handler;
mod names;
mod pending;
mod session;
mod span;

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::pin;
use std::sync::Arc;

use futures::FutureExt;
use futures::future::{self, Either};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::{ErrorData, ServerHandler};

pub use families::MCP_DURATION_BUCKETS;
pub(crate) use families::existing_in;
#[cfg(feature = "http")]
pub(crate) use families::for_each_operation_series;
pub use names::{MAX_NAMES, OTHER};

use self::families::{ServerFamilies, families_in};
use self::pending::{Inspected, Pending};
use self::session::Session;
use self::span::RequestSpan;
use crate::exemplar::Scoped;
use crate::{
    CANCELLED_ERROR_TYPE, Error, ErrorLabel, PANIC_ERROR_TYPE, SessionMetrics, get_metrics,
};

/// How the server talks to its client: the `network_transport` label.
///
/// ```
/// use session_metrics::mcp::NetworkTransport;
///
/// assert_eq!(NetworkTransport::default().as_str(), "pipe");
/// assert_eq!(NetworkTransport::Tcp.as_str(), "tcp");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NetworkTransport {
    /// stdio, or any other pipe: `pipe`.
    #[default]
    Pipe,
    /// Streamable HTTP (or any other TCP transport): `tcp`.
    Tcp,
}

impl NetworkTransport {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            NetworkTransport::Pipe => "pipe",
            NetworkTransport::Tcp => "tcp",
        }
    }
}

/// A layer around an rmcp server handler `S` that measures every request it answers, by the
/// OpenTelemetry semantic conventions for MCP servers (status "Development").
///
/// | metric | type | labels |
/// |---|---|---|
/// | `mcp_server_operation_duration_seconds` | histogram | `mcp_method_name`, `gen_ai_tool_name` (`tools/call`), `gen_ai_prompt_name` (`prompts/get`), `error_type` (failures only), `mcp_protocol_version`, `network_transport` |
/// | `mcp_server_session_duration_seconds` | histogram | `mcp_protocol_version`, `network_transport`, `error_type` (a session ended by a panic) |
///
/// Both use the convention's buckets, [`MCP_DURATION_BUCKETS`]. A label that does not apply
/// is absent from the series, never empty.
///
/// Label values are bounded whatever a client sends:
/// - `mcp_method_name`: the MCP methods rmcp knows (`initialize`, `ping`, `tools/list`,
///   `tools/call`, `prompts/get`, `resources/read`, …); any other method is [`OTHER`].
/// - `gen_ai_tool_name`: a tool the server offers (its [`ServerHandler::get_tool`] knows it,
///   as `#[tool_handler]` servers do); any other name is [`OTHER`].
/// - `gen_ai_prompt_name`: a prompt the server has answered with success at least once; any
///   other name is [`OTHER`].
/// - At most [`MAX_NAMES`] tool names and as many prompt names per registry; later ones are
///   [`OTHER`].
/// - `error_type`: the JSON-RPC error by name, as [`ErrorLabel`] gives it for
///   [`ErrorData`] (`invalid_params`, `method_not_found`, `internal_error`, …, `mcp_error`
///   for other codes); [`TOOL_ERROR_TYPE`](super::TOOL_ERROR_TYPE) for a `CallToolResult` with `isError: true`;
///   [`CANCELLED_ERROR_TYPE`] for a request the client cancelled; [`PANIC_ERROR_TYPE`] for a
///   handler that panicked.
/// - `mcp_protocol_version`: a protocol version rmcp knows, else absent.
/// - `network_transport`: `pipe` (stdio, the default) or `tcp` (Streamable HTTP), as set with
///   [`Metered::network_transport`].
///
/// **Cancellation.** When the client sends `notifications/cancelled` for a request, or the
/// transport closes under it, rmcp cancels the request's `RequestContext::ct`; the layer then
/// drops the handler's future, so its work stops where it was waiting, and records the request
/// as `cancelled`. A `#[track_operation]` inside the handler records its own `cancelled`
/// failure, since the future it wraps is dropped. This needs nothing from the handler: tools
/// without a `RequestContext` parameter are cancelled too. rmcp sends no response for a
/// cancelled request.
///
/// **Tracing spans** (feature `tracing`). Each measured request also runs inside a span of
/// target `session_metrics::mcp` named after its method (a `tracing` span name is static), with
/// the OpenTelemetry name `{mcp.method.name} {target}` (e.g. `tools/call fast_ping`) in its
/// `otel.name` field, as `tracing-opentelemetry` reads it, and the fields `mcp.method.name`,
/// `gen_ai.tool.name` and `gen_ai.operation.name = "execute_tool"` (`tools/call`),
/// `gen_ai.prompt.name` (`prompts/get`), `jsonrpc.request.id`, `mcp.session.id` (Streamable
/// HTTP after `initialize`), `network.transport` and, on failure, `error.type`. Names are the
/// same bounded values as the labels. Spans opened by the handler nest under it.
///
/// **Exemplars.** A request whose `params._meta` carries a sampled W3C `traceparent`
/// (SEP-414) runs with that trace as its scoped context
/// ([`TraceContext::scope`](crate::exemplar::TraceContext::scope)): its bucket of
/// `mcp_server_operation_duration_seconds` and every `#[track_operation]` call inside the
/// handler keep the client's trace id (and its span id) as their exemplar, exported in
/// OpenMetrics. No OpenTelemetry SDK is needed in the server. A request without one keeps the
/// context of a configured source, if any (see [`crate::exemplar`]).
///
/// **Panics.** A handler that panics is answered with an `internal_error` and recorded as
/// `panic`; the server keeps serving. The panic message still goes to the panic hook (stderr
/// by default).
///
/// The families are registered in the [`SessionMetrics`] registry (the global one of
/// [`get_metrics`] for [`Metered::new`]) when the first layer is made, so the exposition,
/// `/metrics` and the metrics tools show them beside the session metrics. With metrics
/// disabled the layer records nothing and only passes requests through.
///
/// ```
/// use rmcp::handler::server::router::tool::ToolRouter;
/// use rmcp::{ServerHandler, tool, tool_handler, tool_router};
/// use session_metrics::mcp::{Metered, NetworkTransport};
///
/// #[derive(Clone)]
/// struct Server {
///     tool_router: ToolRouter<Self>,
/// }
///
/// #[tool_router]
/// impl Server {
///     #[tool(description = "Answers pong")]
///     async fn ping(&self) -> String {
///         "pong".into()
///     }
/// }
///
/// #[tool_handler(router = self.tool_router)]
/// impl ServerHandler for Server {}
///
/// let server = Metered::new(Server { tool_router: Server::tool_router() });
/// assert_eq!(server.transport(), NetworkTransport::Pipe);
/// // Serve it with `server.serve(rmcp::transport::stdio()).await?.waiting().await?`.
/// ```
///
/// `Metered<S>` is itself a [`ServerHandler`] forwarding every method to `S`, so it is served
/// like `S`: `Metered::new(server).serve(transport)`, or made by the service factory of rmcp's
/// Streamable HTTP server. Each request method is measured on its way to `S`; requests rmcp
/// refuses before dispatching them to a method (an unsupported protocol version in a request's
/// `_meta`, a tasks or skills request without that capability) are not, and
/// `subscriptions/listen`, which lasts as long as its subscription, is forwarded unmeasured.
///
/// Clones share one session (recorded once, when the last clone is dropped): make one
/// `Metered` per session, as the service factory of Streamable HTTP does.
///
/// ```
/// use session_metrics::mcp::{Metered, MetricsTools, NetworkTransport};
///
/// let metrics = Box::leak(Box::new(session_metrics::SessionMetrics::new(prometheus::Registry::new())?));
/// // The four metrics tools as a server of their own, measured into `metrics`, over TCP.
/// let server = Metered::with_metrics(MetricsTools::new(metrics), metrics)
///     .network_transport(NetworkTransport::Tcp);
/// assert_eq!(server.transport().as_str(), "tcp");
/// // `list_session_metrics` now lists the two families.
/// let list = MetricsTools::new(metrics).list_metrics(&Default::default());
/// assert!(list.families.iter().any(|f| f.name == "mcp_server_operation_duration_seconds"));
/// // Serve it with `server.serve(transport).await?.waiting().await?`.
/// # Ok::<(), session_metrics::Error>(())
/// ```
pub struct Metered<S> {
    inner: S,
    families: Option<Arc<ServerFamilies>>,
    transport: NetworkTransport,
    session: Arc<Session>,
}

impl<S: Clone> Clone for Metered<S> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            families: self.families.clone(),
            transport: self.transport,
            session: self.session.clone(),
        }
    }
}

impl<S> std::fmt::Debug for Metered<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metered")
            .field("enabled", &self.families.is_some())
            .field("transport", &self.transport)
            .finish_non_exhaustive()
    }
}

impl<S> Metered<S> {
    /// Measures `inner` into the global metrics of [`get_metrics`], as a `pipe` (stdio)
    /// server. Records nothing if the families cannot be registered (see
    /// [`register`](Self::register) to see why at start-up).
    pub fn new(inner: S) -> Self {
        Self::with_metrics(inner, get_metrics())
    }

    /// Measures `inner` into `metrics`, as a `pipe` (stdio) server. A non-global
    /// `SessionMetrics` can be made `'static` with `Box::leak`.
    pub fn with_metrics(inner: S, metrics: &'static SessionMetrics) -> Self {
        let families = families_in(metrics).ok().flatten();
        let transport = NetworkTransport::default();
        Self {
            inner,
            session: Arc::new(Session::new(families.clone(), transport)),
            families,
            transport,
        }
    }

    /// Registers the layer's two families in `metrics` now (idempotent), so that a clash is
    /// an error at start-up rather than a layer that records nothing.
    ///
    /// # Errors
    /// [`Error::InvalidFamily`] with prefix `mcp_server` when the registry refuses the
    /// families, e.g. because it already holds a metric with one of their names.
    ///
    /// ```
    /// let metrics = Box::leak(Box::new(session_metrics::SessionMetrics::new(prometheus::Registry::new())?));
    /// session_metrics::mcp::Metered::<()>::register(metrics)?;
    /// let names: Vec<_> = metrics.registry().gather().iter().map(|f| f.name().to_owned()).collect();
    /// assert!(names.is_empty()); // registered; exported once a request is recorded
    /// # Ok::<(), session_metrics::Error>(())
    /// ```
    pub fn register(metrics: &'static SessionMetrics) -> Result<(), Error> {
        families_in(metrics).map(drop)
    }

    /// Sets the `network_transport` label (the default is [`NetworkTransport::Pipe`]).
    pub fn network_transport(self, transport: NetworkTransport) -> Self {
        Self {
            session: Arc::new(Session::new(self.families.clone(), transport)),
            transport,
            ..self
        }
    }

    /// The `network_transport` label this layer records.
    pub fn transport(&self) -> NetworkTransport {
        self.transport
    }

    /// The wrapped server.
    pub fn inner(&self) -> &S {
        &self.inner
    }
}

impl<S: ServerHandler> Metered<S> {
    /// The `gen_ai_tool_name` of a call of `name`: the name if the server offers that tool
    /// (and there is room, see [`MAX_NAMES`]), else [`OTHER`]. With metrics disabled (no
    /// families, only the span needs it): the name if the server offers the tool.
    fn tool_label(&self, name: &str) -> Arc<str> {
        let Some(families) = self.families.as_deref() else {
            return match self.inner.get_tool(name) {
                Some(_) => Arc::from(name),
                None => Arc::from(OTHER),
            };
        };
        families
            .tools
            .known(name)
            .or_else(|| {
                self.inner
                    .get_tool(name)
                    .and_then(|_| families.tools.admit(name))
            })
            .unwrap_or_else(|| Arc::from(OTHER))
    }

    /// Starts measuring a request of `method` (with the tool label or prompt name it names).
    fn pending(
        &self,
        method: &'static str,
        tool: Option<Arc<str>>,
        prompt: Option<&str>,
        context: &RequestContext<RoleServer>,
    ) -> Option<Pending<'_>> {
        let families = self.families.as_deref()?;
        Some(Pending::new(
            families,
            &self.session,
            self.transport,
            method,
            tool,
            prompt.map(str::to_owned),
            context,
        ))
    }

    /// Runs the handler `make` builds, dropping it if `cancelled` completes first and catching
    /// its panic, and records the outcome `inspect` reads from a success; with the `tracing`
    /// feature, inside the request's `span`.
    fn measure<'a, T, F>(
        &'a self,
        pending: Option<Pending<'a>>,
        span: RequestSpan,
        cancelled: impl Future<Output = ()> + Send + 'a,
        make: impl FnOnce() -> F + Send + 'a,
        inspect: fn(&T) -> Inspected,
    ) -> impl Future<Output = Result<T, ErrorData>> + Send + 'a
    where
        F: Future<Output = Result<T, ErrorData>> + Send + 'a,
        T: Send + 'a,
    {
        let outer = span.outer();
        // The client's trace is current while the handler runs, so the calls it records keep
        // the client's trace id as their exemplars.
        let trace = pending.as_ref().and_then(Pending::trace);
        let measured = async move {
            // Built inside the catch too, so a handler that panics before its first await is
            // caught like one that panics later.
            let handler =
                AssertUnwindSafe(Scoped::maybe(trace, async move { make().await })).catch_unwind();
            let (answer, error_type, negotiated) =
                match future::select(pin!(handler), pin!(cancelled)).await {
                    Either::Left((Ok(Ok(result)), _)) => {
                        let (error_type, negotiated) = inspect(&result);
                        (Ok(result), error_type, negotiated)
                    }
                    Either::Left((Ok(Err(error)), _)) => {
                        let label = error.error_label();
                        (Err(error), label, None)
                    }
                    Either::Left((Err(_panic), _)) => (
                        Err(ErrorData::internal_error(
                            "the request handler panicked",
                            None,
                        )),
                        PANIC_ERROR_TYPE,
                        None,
                    ),
                    // rmcp sends no response for a cancelled request; this one is never seen.
                    Either::Right(((), _)) => (
                        Err(ErrorData::internal_error("the request was cancelled", None)),
                        CANCELLED_ERROR_TYPE,
                        None,
                    ),
                };
            let prompt = pending.and_then(|pending| pending.finish(error_type, negotiated));
            span.finish(error_type, prompt.as_deref());
            answer
        };
        span::instrument(measured, outer)
    }
}

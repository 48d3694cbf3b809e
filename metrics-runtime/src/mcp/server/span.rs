//! With the `tracing` feature, one span per request the layer handles, by the OpenTelemetry
//! conventions for MCP server spans; without it, nothing (a zero-sized stand-in).
//!
//! A `tracing` span's name is static, so each method's span is named after the method
//! (`tools/call`), and the convention's dynamic name `{mcp.method.name} {target}`
//! (`tools/call fast_ping`) goes in the `otel.name` field, which `tracing-opentelemetry` uses
//! as the exported span's name.

/// The request's span: entered whenever the handler's future is polled, so spans the handler
/// opens (`#[track_operation]`'s among them) nest under it. Dropped unfinished (the request's
/// future was dropped) it records `error.type = "cancelled"`.
#[cfg(feature = "tracing")]
pub(super) struct RequestSpan {
    span: tracing::Span,
    finished: bool,
}

#[cfg(not(feature = "tracing"))]
pub(super) struct RequestSpan;

/// Opens the span of a request of `$method` (a constant: a span name is static) named
/// `$otel_name` for OpenTelemetry, with the fields every request has plus `$($field)*`.
#[cfg(feature = "tracing")]
macro_rules! request_span {
    ($method:expr, $otel_name:expr, $layer:expr, $context:expr $(, $($field:tt)*)?) => {{
        let span = tracing::info_span!(
            target: "session_metrics::mcp",
            $method,
            otel.name = $otel_name,
            otel.kind = "server",
            mcp.method.name = $method,
            jsonrpc.request.id = %$context.id,
            mcp.session.id = tracing::field::Empty,
            network.transport = $layer.transport.as_str(),
            error.type = tracing::field::Empty,
            $($($field)*)?
        );
        $crate::mcp::server::span::RequestSpan::new(span, $context)
    }};
}

#[cfg(not(feature = "tracing"))]
macro_rules! request_span {
    ($($any:tt)*) => {
        $crate::mcp::server::span::RequestSpan
    };
}

pub(super) use request_span;

/// The OpenTelemetry span name `{method} {target}`.
#[cfg(feature = "tracing")]
pub(super) struct SpanName<'a>(pub(super) &'static str, pub(super) &'a str);

#[cfg(feature = "tracing")]
impl std::fmt::Display for SpanName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.0, self.1)
    }
}

/// At most this many bytes of a session id are recorded; a longer header is not recorded.
#[cfg(feature = "tracing")]
const MAX_SESSION_ID: usize = 128;

#[cfg(feature = "tracing")]
impl RequestSpan {
    pub(super) fn new(
        span: tracing::Span,
        context: &rmcp::service::RequestContext<rmcp::service::RoleServer>,
    ) -> Self {
        if let Some(id) = session_id(context) {
            span.record("mcp.session.id", id);
        }
        Self {
            span,
            finished: false,
        }
    }

    /// The span, to [`instrument`] the request's future with.
    pub(super) fn outer(&self) -> tracing::Span {
        self.span.clone()
    }

    /// Records the outcome: `error.type` unless `error_type` is empty, and for `prompts/get`
    /// the prompt's (folded) name.
    pub(super) fn finish(mut self, error_type: &'static str, prompt: Option<&str>) {
        self.finished = true;
        if !error_type.is_empty() {
            self.span.record("error.type", error_type);
        }
        // A `prompts/get` span; no name from the metrics when they are disabled.
        let prompt = match prompt {
            None if self.span.has_field("gen_ai.prompt.name") => Some(super::OTHER),
            prompt => prompt,
        };
        if let Some(prompt) = prompt {
            self.span.record("gen_ai.prompt.name", prompt);
            let name = SpanName(
                <rmcp::model::GetPromptRequestMethod as rmcp::model::ConstString>::VALUE,
                prompt,
            );
            self.span.record("otel.name", tracing::field::display(name));
        }
    }
}

#[cfg(not(feature = "tracing"))]
impl RequestSpan {
    pub(super) fn outer(&self) -> NoSpan {
        NoSpan
    }

    pub(super) fn finish(self, _error_type: &'static str, _prompt: Option<&str>) {}
}

/// `future`, entered into `span` whenever it is polled.
#[cfg(feature = "tracing")]
pub(super) fn instrument<F: std::future::Future>(
    future: F,
    span: tracing::Span,
) -> impl std::future::Future<Output = F::Output> {
    tracing::Instrument::instrument(future, span)
}

/// What a request is instrumented with without the `tracing` feature.
#[cfg(not(feature = "tracing"))]
pub(super) struct NoSpan;

/// `future` as it is.
#[cfg(not(feature = "tracing"))]
pub(super) fn instrument<F: std::future::Future>(
    future: F,
    _span: NoSpan,
) -> impl std::future::Future<Output = F::Output> {
    future
}

#[cfg(feature = "tracing")]
impl Drop for RequestSpan {
    fn drop(&mut self) {
        if !self.finished {
            self.span.record("error.type", crate::CANCELLED_ERROR_TYPE);
        }
    }
}

/// The Streamable HTTP session of the request: rmcp puts the HTTP request's parts in the
/// request's extensions, and every request after `initialize` carries the session's
/// `Mcp-Session-Id` header. stdio has no session id; nor has `initialize` (the server assigns
/// the id in its answer).
#[cfg(feature = "tracing")]
fn session_id(context: &rmcp::service::RequestContext<rmcp::service::RoleServer>) -> Option<&str> {
    let parts = context.extensions.get::<http::request::Parts>()?;
    let id = parts.headers.get("mcp-session-id")?.to_str().ok()?;
    (id.len() <= MAX_SESSION_ID).then_some(id)
}

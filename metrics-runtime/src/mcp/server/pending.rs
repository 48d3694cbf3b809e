//! One request being measured: its labels and start time.

use std::sync::Arc;
use std::time::Instant;

use rmcp::service::{RequestContext, RoleServer};

use super::NetworkTransport;
use super::families::ServerFamilies;
use super::names::{OTHER, known_version};
use super::session::Session;
use crate::CANCELLED_ERROR_TYPE;
use crate::exemplar::{self, TraceContext};

/// What a successful answer says: its `error_type` (empty for a success, `tool_error` for an
/// `isError` tool result) and, for `initialize`, the protocol version it negotiated.
pub(super) type Inspected = (&'static str, Option<&'static str>);

/// A request being handled. Dropped before [`finish`](Self::finish), i.e. when the request's
/// future is dropped, it records the request as cancelled.
pub(super) struct Pending<'a> {
    families: &'a ServerFamilies,
    session: &'a Session,
    start: Instant,
    method: &'static str,
    tool: Option<Arc<str>>,
    /// The name asked for; admitted as a label value only once the server answered it.
    prompt: Option<String>,
    version: Option<&'static str>,
    transport: &'static str,
    /// The client's sampled trace (SEP-414 `params._meta.traceparent`), if it sent one.
    trace: Option<TraceContext>,
    finished: bool,
}

impl<'a> Pending<'a> {
    pub(super) fn new(
        families: &'a ServerFamilies,
        session: &'a Session,
        transport: NetworkTransport,
        method: &'static str,
        tool: Option<Arc<str>>,
        prompt: Option<String>,
        context: &RequestContext<RoleServer>,
    ) -> Self {
        session.begin();
        // The request's own version (2026-07-28 lifecycle), else what `initialize` negotiated,
        // else what the client asked for; only versions rmcp knows.
        let version = context
            .meta
            .protocol_version()
            .as_ref()
            .and_then(known_version)
            .or_else(|| session.version())
            .or_else(|| context.protocol_version().as_ref().and_then(known_version));
        Self {
            families,
            session,
            start: Instant::now(),
            method,
            tool,
            prompt,
            version,
            transport: transport.as_str(),
            trace: context
                .meta
                .get_traceparent()
                .and_then(TraceContext::from_traceparent),
            finished: false,
        }
    }

    /// Records the request with `error_type` (empty on success) and, for `initialize`, the
    /// protocol version it negotiated. Returns the `gen_ai_prompt_name` it recorded, if any.
    pub(super) fn finish(
        mut self,
        error_type: &'static str,
        negotiated: Option<&'static str>,
    ) -> Option<Arc<str>> {
        if let Some(version) = negotiated {
            self.session.set_version(version);
            self.version = Some(version);
        }
        self.record(error_type)
    }

    /// The client's sampled trace context, from the request's `_meta.traceparent`.
    pub(super) fn trace(&self) -> Option<TraceContext> {
        self.trace
    }

    fn record(&mut self, error_type: &'static str) -> Option<Arc<str>> {
        self.finished = true;
        let seconds = self.start.elapsed().as_secs_f64();
        let prompt = self.prompt.as_deref().map(|name| {
            let names = &self.families.prompts;
            let admitted = if error_type.is_empty() {
                names.admit(name)
            } else {
                names.known(name)
            };
            admitted.unwrap_or_else(|| Arc::from(OTHER))
        });
        let histogram = self.families.operation.with(&[
            self.method,
            self.tool.as_deref().unwrap_or(""),
            prompt.as_deref().unwrap_or(""),
            error_type,
            self.version.unwrap_or(""),
            self.transport,
        ]);
        // The client's trace, else one current here (a source, an enclosing scope).
        exemplar::observe_in(&histogram, seconds, self.trace);
        prompt
    }
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        if !self.finished {
            let _ = self.record(CANCELLED_ERROR_TYPE);
        }
    }
}

//! `Metered<S>` as a [`ServerHandler`]: every method forwards to `S`; every request method is
//! measured on the way.
//!
//! rmcp's own `Service` impl for a `ServerHandler` dispatches each request to one of these
//! methods, so this sees every request the server answers, on any transport (Streamable HTTP
//! asks for a `ServerHandler`). Requests rmcp refuses before dispatching them (an unsupported
//! protocol version in a request's `_meta`, a tasks or skills request without the capability)
//! are not measured. `subscriptions/listen`, which lasts as long as the subscription, is
//! forwarded without being measured.

#![allow(deprecated)] // `subscribe` and `unsubscribe` are forwarded like the rest.

use std::borrow::Cow;
use std::future::Future;

use rmcp::model::*;
use rmcp::service::{
    MaybeSendFuture, NotificationContext, RequestContext, RoleServer, SubscriptionContext,
};
use rmcp::{ErrorData, ServerHandler};

use super::Metered;
use super::names::{OTHER, known_version};
use super::pending::Inspected;
#[cfg(feature = "tracing")]
use super::span::SpanName;
use super::span::request_span;
use crate::mcp::TOOL_ERROR_TYPE;

/// A success is a success.
fn success<T>(_: &T) -> Inspected {
    ("", None)
}

/// A tool result with `isError: true` is a `tool_error`.
fn tool_outcome(response: &CallToolResponse) -> Inspected {
    match response {
        CallToolResponse::Complete(result) if result.is_error == Some(true) => {
            (TOOL_ERROR_TYPE, None)
        }
        _ => ("", None),
    }
}

/// `initialize` fixes the session's protocol version.
fn negotiated(result: &InitializeResult) -> Inspected {
    ("", known_version(&result.protocol_version))
}

/// Forwards a request method with no tool or prompt name, measured under the method name of
/// `$method` (an rmcp `ConstString`).
macro_rules! measured {
    ($name:ident($($arg:ident: $ty:ty),*) -> $out:ty, $method:ty) => {
        fn $name(
            &self,
            $($arg: $ty,)*
            context: RequestContext<RoleServer>,
        ) -> impl Future<Output = Result<$out, ErrorData>> + MaybeSendFuture + '_ {
            const METHOD: &str = <$method as ConstString>::VALUE;
            let pending = self.pending(METHOD, None, None, &context);
            let span = request_span!(METHOD, METHOD, self, &context);
            let cancelled = context.ct.clone().cancelled_owned();
            self.measure(
                pending,
                span,
                cancelled,
                move || self.inner.$name($($arg,)* context),
                success,
            )
        }
    };
}

impl<S: ServerHandler> ServerHandler for Metered<S> {
    measured!(ping() -> (), PingRequestMethod);
    measured!(discover() -> DiscoverResult, DiscoverRequestMethod);
    measured!(complete(request: CompleteRequestParams) -> CompleteResult, CompleteRequestMethod);
    measured!(set_level(request: SetLevelRequestParams) -> (), SetLevelRequestMethod);
    measured!(
        list_prompts(request: Option<PaginatedRequestParams>) -> ListPromptsResult,
        ListPromptsRequestMethod
    );
    measured!(
        list_resources(request: Option<PaginatedRequestParams>) -> ListResourcesResult,
        ListResourcesRequestMethod
    );
    measured!(
        list_resource_templates(request: Option<PaginatedRequestParams>)
            -> ListResourceTemplatesResult,
        ListResourceTemplatesRequestMethod
    );
    measured!(
        read_resource(request: ReadResourceRequestParams) -> ReadResourceResponse,
        ReadResourceRequestMethod
    );
    measured!(subscribe(request: SubscribeRequestParams) -> (), SubscribeRequestMethod);
    measured!(unsubscribe(request: UnsubscribeRequestParams) -> (), UnsubscribeRequestMethod);
    measured!(
        list_tools(request: Option<PaginatedRequestParams>) -> ListToolsResult,
        ListToolsRequestMethod
    );
    measured!(get_task(request: GetTaskParams) -> GetTaskResult, GetTaskMethod);
    measured!(update_task(request: UpdateTaskParams) -> (), UpdateTaskMethod);
    measured!(cancel_task(request: CancelTaskParams) -> (), CancelTaskMethod);
    measured!(
        list_skills(request: Option<PaginatedRequestParams>) -> ListSkillsResult,
        ListSkillsRequestMethod
    );
    measured!(get_skill(request: GetSkillRequestParams) -> GetSkillResult, GetSkillRequestMethod);
    measured!(
        read_resource_directory(request: ReadResourceDirectoryRequestParams)
            -> ReadResourceDirectoryResult,
        ReadResourceDirectoryRequestMethod
    );

    fn initialize(
        &self,
        request: InitializeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<InitializeResult, ErrorData>> + MaybeSendFuture + '_ {
        const METHOD: &str = InitializeResultMethod::VALUE;
        let pending = self.pending(METHOD, None, None, &context);
        let span = request_span!(METHOD, METHOD, self, &context);
        let cancelled = context.ct.clone().cancelled_owned();
        self.measure(
            pending,
            span,
            cancelled,
            move || self.inner.initialize(request, context),
            negotiated,
        )
    }

    fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<CallToolResponse, ErrorData>> + MaybeSendFuture + '_ {
        const METHOD: &str = CallToolRequestMethod::VALUE;
        let tool = self.tool_label(&request.name);
        let span = request_span!(
            METHOD,
            tracing::field::display(SpanName(METHOD, &tool)),
            self,
            &context,
            gen_ai.tool.name = &*tool,
            gen_ai.operation.name = "execute_tool",
        );
        let pending = self.pending(METHOD, Some(tool), None, &context);
        let cancelled = context.ct.clone().cancelled_owned();
        self.measure(
            pending,
            span,
            cancelled,
            move || self.inner.call_tool(request, context),
            tool_outcome,
        )
    }

    fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<GetPromptResponse, ErrorData>> + MaybeSendFuture + '_ {
        const METHOD: &str = GetPromptRequestMethod::VALUE;
        let pending = self.pending(METHOD, None, Some(&request.name), &context);
        // The prompt's name, folded as its label is, is recorded once the server answered.
        let span = request_span!(
            METHOD,
            METHOD,
            self,
            &context,
            gen_ai.prompt.name = tracing::field::Empty,
        );
        let cancelled = context.ct.clone().cancelled_owned();
        self.measure(
            pending,
            span,
            cancelled,
            move || self.inner.get_prompt(request, context),
            success,
        )
    }

    /// A method outside the MCP method list: measured as [`OTHER`].
    fn on_custom_request(
        &self,
        request: CustomRequest,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<CustomResult, ErrorData>> + MaybeSendFuture + '_ {
        let pending = self.pending(OTHER, None, None, &context);
        let span = request_span!(OTHER, OTHER, self, &context);
        let cancelled = context.ct.clone().cancelled_owned();
        self.measure(
            pending,
            span,
            cancelled,
            move || self.inner.on_custom_request(request, context),
            success,
        )
    }

    // Not requests, or not measured: forwarded as they are.

    fn negotiate_initialize(
        &self,
        request: &InitializeRequestParams,
    ) -> Result<InitializeResult, ErrorData> {
        self.inner.negotiate_initialize(request)
    }

    fn supported_protocol_versions(&self) -> Cow<'static, [ProtocolVersion]> {
        self.inner.supported_protocol_versions()
    }

    fn accepted_subscription_filter(
        &self,
        requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        self.inner.accepted_subscription_filter(requested)
    }

    fn listen(
        &self,
        context: SubscriptionContext,
    ) -> impl Future<Output = Result<(), ErrorData>> + MaybeSendFuture + '_ {
        self.inner.listen(context)
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.inner.get_tool(name)
    }

    fn get_info(&self) -> ServerConfig {
        self.inner.get_info()
    }

    fn on_cancelled(
        &self,
        notification: CancelledNotificationParam,
        context: NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + MaybeSendFuture + '_ {
        self.inner.on_cancelled(notification, context)
    }

    fn on_progress(
        &self,
        notification: ProgressNotificationParam,
        context: NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + MaybeSendFuture + '_ {
        self.inner.on_progress(notification, context)
    }

    fn on_initialized(
        &self,
        context: NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + MaybeSendFuture + '_ {
        self.inner.on_initialized(context)
    }

    fn on_roots_list_changed(
        &self,
        context: NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + MaybeSendFuture + '_ {
        self.inner.on_roots_list_changed(context)
    }

    fn on_custom_notification(
        &self,
        notification: CustomNotification,
        context: NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + MaybeSendFuture + '_ {
        self.inner.on_custom_notification(notification, context)
    }
}

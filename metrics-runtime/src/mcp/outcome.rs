//! How rmcp tool results and errors count in `mcp_event_emit_*`.

use rmcp::ErrorData;
use rmcp::model::{CallToolResponse, CallToolResult, ErrorCode};

use crate::{CallOutcome, ErrorLabel, Outcome};

/// The `error_type` of a tool call that returned `Ok(CallToolResult { is_error: Some(true), .. })`:
/// the tool ran and reported a failure to its caller.
///
/// ```
/// use rmcp::model::{CallToolResult, ContentBlock};
/// use session_metrics::{CallOutcome, Outcome, mcp::TOOL_ERROR_TYPE};
///
/// let result = CallToolResult::error(vec![ContentBlock::text("no such file")]);
/// assert_eq!(result.call_outcome(), Outcome::Failure(TOOL_ERROR_TYPE));
/// ```
pub const TOOL_ERROR_TYPE: &str = "tool_error";

/// Labels an MCP protocol error by its JSON-RPC code: `invalid_params`, `internal_error`,
/// `method_not_found`, `resource_not_found`, `invalid_request`, `parse_error`, or `mcp_error`
/// for any other code (the set of labels stays bounded whatever codes a server invents).
///
/// ```
/// use rmcp::ErrorData;
/// use rmcp::model::ErrorCode;
/// use session_metrics::ErrorLabel;
///
/// assert_eq!(ErrorData::invalid_params("bad id", None).error_label(), "invalid_params");
/// assert_eq!(ErrorData::internal_error("db down", None).error_label(), "internal_error");
/// assert_eq!(ErrorData::new(ErrorCode(-32000), "custom", None).error_label(), "mcp_error");
/// ```
impl ErrorLabel for ErrorData {
    fn error_label(&self) -> &'static str {
        match self.code {
            ErrorCode::INVALID_PARAMS => "invalid_params",
            ErrorCode::INTERNAL_ERROR => "internal_error",
            ErrorCode::METHOD_NOT_FOUND => "method_not_found",
            ErrorCode::RESOURCE_NOT_FOUND => "resource_not_found",
            ErrorCode::INVALID_REQUEST => "invalid_request",
            ErrorCode::PARSE_ERROR => "parse_error",
            _ => "mcp_error",
        }
    }
}

/// A tool result with `is_error: Some(true)` is a failure labelled [`TOOL_ERROR_TYPE`];
/// any other result is a success.
///
/// ```
/// use rmcp::model::{CallToolResult, ContentBlock};
/// use session_metrics::{CallOutcome, Outcome};
///
/// assert_eq!(CallToolResult::success(vec![ContentBlock::text("ok")]).call_outcome(), Outcome::Success);
/// assert_eq!(CallToolResult::error(vec![]).call_outcome(), Outcome::Failure("tool_error"));
/// ```
impl CallOutcome for CallToolResult {
    fn call_outcome(&self) -> Outcome {
        if self.is_error == Some(true) {
            Outcome::Failure(TOOL_ERROR_TYPE)
        } else {
            Outcome::Success
        }
    }
}

/// A completed call counts like its [`CallToolResult`]; a call that asks the client for input
/// or was turned into a task did its part and counts as a success.
///
/// ```
/// use rmcp::model::{CallToolResponse, CallToolResult};
/// use session_metrics::{CallOutcome, Outcome};
///
/// let response = CallToolResponse::from(CallToolResult::error(vec![]));
/// assert_eq!(response.call_outcome(), Outcome::Failure("tool_error"));
/// ```
impl CallOutcome for CallToolResponse {
    fn call_outcome(&self) -> Outcome {
        match self {
            CallToolResponse::Complete(result) => result.call_outcome(),
            _ => Outcome::Success,
        }
    }
}

/// `Ok` counts like the [`CallToolResult`] (so `is_error` is a failure), `Err` is a failure
/// labelled by [`ErrorLabel`], e.g. `invalid_params` for an [`ErrorData`]. This is what
/// `#[track_operation]` uses for a `#[tool]` returning `Result<CallToolResult, ErrorData>`.
///
/// ```
/// use rmcp::{ErrorData, model::CallToolResult};
/// use session_metrics::{CallOutcome, Outcome};
///
/// let failed: Result<CallToolResult, ErrorData> = Err(ErrorData::internal_error("boom", None));
/// assert_eq!(failed.call_outcome(), Outcome::Failure("internal_error"));
/// let reported: Result<CallToolResult, ErrorData> = Ok(CallToolResult::error(vec![]));
/// assert_eq!(reported.call_outcome(), Outcome::Failure("tool_error"));
/// ```
impl<E: ErrorLabel> CallOutcome for Result<CallToolResult, E> {
    fn call_outcome(&self) -> Outcome {
        match self {
            Ok(result) => result.call_outcome(),
            Err(error) => Outcome::Failure(error.error_label()),
        }
    }
}

/// Like the impl for `Result<CallToolResult, E>`, for handlers returning a [`CallToolResponse`].
///
/// ```
/// use rmcp::{ErrorData, model::CallToolResponse};
/// use session_metrics::{CallOutcome, Outcome};
///
/// let failed: Result<CallToolResponse, ErrorData> = Err(ErrorData::invalid_params("x", None));
/// assert_eq!(failed.call_outcome(), Outcome::Failure("invalid_params"));
/// ```
impl<E: ErrorLabel> CallOutcome for Result<CallToolResponse, E> {
    fn call_outcome(&self) -> Outcome {
        match self {
            Ok(response) => response.call_outcome(),
            Err(error) => Outcome::Failure(error.error_label()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_standard_code_has_its_label() {
        let cases = [
            (ErrorCode::INVALID_PARAMS, "invalid_params"),
            (ErrorCode::INTERNAL_ERROR, "internal_error"),
            (ErrorCode::METHOD_NOT_FOUND, "method_not_found"),
            (ErrorCode::RESOURCE_NOT_FOUND, "resource_not_found"),
            (ErrorCode::INVALID_REQUEST, "invalid_request"),
            (ErrorCode::PARSE_ERROR, "parse_error"),
            (ErrorCode(-32000), "mcp_error"),
            (ErrorCode(1), "mcp_error"),
        ];
        for (code, label) in cases {
            assert_eq!(ErrorData::new(code, "m", None).error_label(), label);
        }
    }

    #[test]
    fn is_error_none_or_false_is_success() {
        let mut result = CallToolResult::success(vec![]);
        assert_eq!(result.call_outcome(), Outcome::Success);
        result.is_error = None;
        assert_eq!(result.call_outcome(), Outcome::Success);
        result.is_error = Some(true);
        assert_eq!(result.call_outcome(), Outcome::Failure(TOOL_ERROR_TYPE));
    }
}

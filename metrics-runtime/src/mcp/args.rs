//! The tools' optional filters: their JSON schemas and their validation.
//!
//! `#[schemars(description)]` keeps the rustdoc examples out of the input schemas.

use std::fmt;

use rmcp::model::JsonObject;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Longest accepted filter value, in bytes; label values and metric names are far shorter.
const MAX_FILTER_LEN: usize = 256;

/// Arguments of `get_prometheus_metrics`; all optional, so calling it with no arguments
/// returns the whole registry.
///
/// ```
/// use session_metrics::mcp::PrometheusMetricsArgs;
///
/// let args: serde_json::Map<String, serde_json::Value> =
///     serde_json::from_str(r#"{"metric_prefix": "session_", "component": "mahavishnu"}"#).unwrap();
/// let args = PrometheusMetricsArgs::from_arguments(Some(&args)).unwrap();
/// assert_eq!(args.metric_prefix.as_deref(), Some("session_"));
/// assert_eq!(PrometheusMetricsArgs::from_arguments(None).unwrap(), PrometheusMetricsArgs::default());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(
    description = "Arguments of `get_prometheus_metrics`; all optional, so calling it with no arguments returns the whole registry."
)]
#[serde(deny_unknown_fields)]
pub struct PrometheusMetricsArgs {
    /// Only series whose `component_name` label equals this value.
    pub component: Option<String>,
    /// Only series whose `event_type` label equals this value.
    pub event_type: Option<String>,
    /// Only metric families whose name starts with this prefix, e.g. `session_` or `mcp_event_`.
    pub metric_prefix: Option<String>,
    /// The exposition format of the answer: `text` (the default, Prometheus text 0.0.4) or
    /// `openmetrics` (OpenMetrics 1.0.0, with exemplars when unfiltered).
    pub format: Option<MetricsFormat>,
}

/// The exposition format `get_prometheus_metrics` answers in.
///
/// ```
/// use session_metrics::mcp::{MetricsFormat, PrometheusMetricsArgs};
///
/// let args = serde_json::json!({ "format": "openmetrics" });
/// let args = PrometheusMetricsArgs::from_arguments(args.as_object()).unwrap();
/// assert_eq!(args.format, Some(MetricsFormat::OpenMetrics));
/// let bad = serde_json::json!({ "format": "json" });
/// let error = PrometheusMetricsArgs::from_arguments(bad.as_object()).unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "invalid argument `format`: \"json\" is not a format; use `text` (the default) or `openmetrics`"
/// );
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(description = "The exposition format `get_prometheus_metrics` answers in.")]
pub enum MetricsFormat {
    /// Prometheus text format 0.0.4.
    #[default]
    #[serde(rename = "text")]
    Text,
    /// OpenMetrics 1.0.0.
    #[serde(rename = "openmetrics")]
    OpenMetrics,
}

impl MetricsFormat {
    /// The exposition [`Format`](crate::Format) this names.
    pub fn format(self) -> crate::Format {
        match self {
            MetricsFormat::Text => crate::Format::Text,
            MetricsFormat::OpenMetrics => crate::Format::OpenMetrics,
        }
    }
}

/// Arguments of `list_session_metrics`; calling it with no arguments lists every family.
///
/// ```
/// use session_metrics::mcp::ListMetricsArgs;
///
/// let args = serde_json::json!({ "metric_prefix": 7 });
/// let error = ListMetricsArgs::from_arguments(args.as_object()).unwrap_err();
/// assert_eq!(error.to_string(), "invalid argument `metric_prefix`: expected a string, got the number 7");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(
    description = "Arguments of `list_session_metrics`; calling it with no arguments lists every family."
)]
#[serde(deny_unknown_fields)]
pub struct ListMetricsArgs {
    /// Only metric families whose name starts with this prefix, e.g. `session_`.
    pub metric_prefix: Option<String>,
}

/// Arguments of `get_metrics_summary`; calling it with no arguments summarises everything.
///
/// ```
/// use session_metrics::mcp::SummaryArgs;
///
/// let args = serde_json::json!({ "component": "", "colour": "red" });
/// let error = SummaryArgs::from_arguments(args.as_object()).unwrap_err();
/// assert_eq!(error.argument, "colour"); // unknown arguments are reported first
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(
    description = "Arguments of `get_metrics_summary`; calling it with no arguments summarises everything."
)]
#[serde(deny_unknown_fields)]
pub struct SummaryArgs {
    /// Only this component (`component_name` label), for operations and sessions.
    pub component: Option<String>,
    /// Only operations with this `event_type`.
    pub event_type: Option<String>,
}

/// Arguments of `list_operations`; calling it with no arguments lists every operation.
///
/// ```
/// use session_metrics::mcp::ListOperationsArgs;
///
/// let args = serde_json::json!({ "event_type": "checkout" });
/// let args = ListOperationsArgs::from_arguments(args.as_object()).unwrap();
/// assert_eq!((args.component, args.event_type.as_deref()), (None, Some("checkout")));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(
    description = "Arguments of `list_operations`; calling it with no arguments lists every operation."
)]
#[serde(deny_unknown_fields)]
pub struct ListOperationsArgs {
    /// Only operations of this component (`component_name` label).
    pub component: Option<String>,
    /// Only operations with this `event_type`.
    pub event_type: Option<String>,
}

/// A tool argument that has the wrong type or value, or is not an argument of the tool.
///
/// The tools answer it as a tool error (`isError: true`) whose text is this error's
/// [`Display`](fmt::Display), so the caller can correct the call.
///
/// ```
/// use session_metrics::mcp::SummaryArgs;
///
/// let error = SummaryArgs::from_arguments(serde_json::json!({ "component": " " }).as_object()).unwrap_err();
/// assert_eq!(error.argument, "component");
/// assert!(error.to_string().starts_with("invalid argument `component`:"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgumentError {
    /// The argument's name as the caller sent it.
    pub argument: String,
    /// What is wrong with it.
    pub reason: String,
}

impl fmt::Display for ArgumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid argument `{}`: {}", self.argument, self.reason)
    }
}

impl std::error::Error for ArgumentError {}

/// Which checks a filter's value gets.
#[derive(Clone, Copy)]
enum Kind {
    LabelValue,
    MetricPrefix,
    /// One of [`crate::Format`]'s names.
    Format,
}

/// Reads the string filters `accepted` from `arguments`, in the order given.
/// `null` is the same as leaving an argument out.
fn parse<const N: usize>(
    arguments: Option<&JsonObject>,
    accepted: [(&str, Kind); N],
) -> Result<[Option<String>; N], ArgumentError> {
    let mut values = [const { None }; N];
    let Some(arguments) = arguments else {
        return Ok(values);
    };
    // Unknown names first: a typo in a name is the likelier mistake, and silently ignoring it
    // would widen the answer without the caller noticing.
    let mut unknown: Vec<&String> = arguments
        .keys()
        .filter(|key| !accepted.iter().any(|(name, _)| name == key))
        .collect();
    unknown.sort();
    if let Some(first) = unknown.first() {
        let names: Vec<String> = accepted.iter().map(|(n, _)| format!("`{n}`")).collect();
        let reason = if names.is_empty() {
            "this tool takes no arguments".to_owned()
        } else {
            format!(
                "not an argument of this tool; it accepts {}",
                names.join(", ")
            )
        };
        return Err(ArgumentError {
            argument: (*first).clone(),
            reason,
        });
    }
    for (slot, (name, kind)) in values.iter_mut().zip(accepted) {
        *slot = match arguments.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::String(value)) => Some(check(name, kind, value)?),
            Some(other) => {
                return Err(ArgumentError {
                    argument: name.to_owned(),
                    reason: format!("expected a string, got {}", describe(other)),
                });
            }
        };
    }
    Ok(values)
}

fn check(name: &str, kind: Kind, value: &str) -> Result<String, ArgumentError> {
    let invalid = |reason: String| ArgumentError {
        argument: name.to_owned(),
        reason,
    };
    if value.trim().is_empty() {
        return Err(invalid(
            "must not be empty or blank; leave it out to match everything".to_owned(),
        ));
    }
    if value.len() > MAX_FILTER_LEN {
        return Err(invalid(format!(
            "is {} bytes long; at most {MAX_FILTER_LEN} are accepted",
            value.len()
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(invalid("must not contain control characters".to_owned()));
    }
    if let Kind::Format = kind
        && crate::Format::from_name(value).is_none()
    {
        return Err(invalid(format!(
            "{value:?} is not a format; use `text` (the default) or `openmetrics`"
        )));
    }
    if let Kind::MetricPrefix = kind {
        let mut chars = value.chars();
        let valid_start = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':');
        if !valid_start || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
            return Err(invalid(format!(
                "{value:?} cannot start a metric name; metric names match [a-zA-Z_:][a-zA-Z0-9_:]*"
            )));
        }
    }
    Ok(value.to_owned())
}

/// A JSON value's type and, when short, the value itself, for error messages.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

impl PrometheusMetricsArgs {
    /// Validates the arguments of a `tools/call` (`None` when the call had none).
    ///
    /// # Errors
    /// An [`ArgumentError`] for an unknown argument, a value that is not a string or `null`,
    /// an empty, over-long or control-character value, or a prefix no metric name can have.
    ///
    /// ```
    /// use session_metrics::mcp::PrometheusMetricsArgs;
    ///
    /// let bad = serde_json::json!({ "metric_prefix": "session-" });
    /// let error = PrometheusMetricsArgs::from_arguments(bad.as_object()).unwrap_err();
    /// assert_eq!(error.argument, "metric_prefix");
    /// ```
    pub fn from_arguments(arguments: Option<&JsonObject>) -> Result<Self, ArgumentError> {
        let [component, event_type, metric_prefix, format] = parse(
            arguments,
            [
                ("component", Kind::LabelValue),
                ("event_type", Kind::LabelValue),
                ("metric_prefix", Kind::MetricPrefix),
                ("format", Kind::Format),
            ],
        )?;
        let format = format.map(|name| match crate::Format::from_name(&name) {
            Some(crate::Format::OpenMetrics) => MetricsFormat::OpenMetrics,
            _ => MetricsFormat::Text,
        });
        Ok(Self {
            component,
            event_type,
            metric_prefix,
            format,
        })
    }
}

impl ListMetricsArgs {
    /// Validates the arguments of a `tools/call` (`None` when the call had none).
    ///
    /// # Errors
    /// As for [`PrometheusMetricsArgs::from_arguments`].
    ///
    /// ```
    /// use session_metrics::mcp::ListMetricsArgs;
    ///
    /// let args = serde_json::json!({ "metric_prefix": "session_" });
    /// let args = ListMetricsArgs::from_arguments(args.as_object()).unwrap();
    /// assert_eq!(args.metric_prefix.as_deref(), Some("session_"));
    /// ```
    pub fn from_arguments(arguments: Option<&JsonObject>) -> Result<Self, ArgumentError> {
        let [metric_prefix] = parse(arguments, [("metric_prefix", Kind::MetricPrefix)])?;
        Ok(Self { metric_prefix })
    }
}

impl SummaryArgs {
    /// Validates the arguments of a `tools/call` (`None` when the call had none).
    ///
    /// # Errors
    /// As for [`PrometheusMetricsArgs::from_arguments`].
    ///
    /// ```
    /// use session_metrics::mcp::SummaryArgs;
    ///
    /// let args = serde_json::json!({ "component": "buddy", "event_type": null });
    /// let args = SummaryArgs::from_arguments(args.as_object()).unwrap();
    /// assert_eq!((args.component.as_deref(), args.event_type), (Some("buddy"), None));
    /// ```
    pub fn from_arguments(arguments: Option<&JsonObject>) -> Result<Self, ArgumentError> {
        let [component, event_type] = component_and_event_type(arguments)?;
        Ok(Self {
            component,
            event_type,
        })
    }
}

/// The `component` and `event_type` filters that two tools take.
fn component_and_event_type(
    arguments: Option<&JsonObject>,
) -> Result<[Option<String>; 2], ArgumentError> {
    parse(
        arguments,
        [
            ("component", Kind::LabelValue),
            ("event_type", Kind::LabelValue),
        ],
    )
}

impl ListOperationsArgs {
    /// Validates the arguments of a `tools/call` (`None` when the call had none).
    ///
    /// # Errors
    /// As for [`PrometheusMetricsArgs::from_arguments`].
    ///
    /// ```
    /// use session_metrics::mcp::ListOperationsArgs;
    ///
    /// let bad = serde_json::json!({ "metric_prefix": "mcp_" });
    /// let error = ListOperationsArgs::from_arguments(bad.as_object()).unwrap_err();
    /// assert_eq!(error.argument, "metric_prefix");
    /// ```
    pub fn from_arguments(arguments: Option<&JsonObject>) -> Result<Self, ArgumentError> {
        let [component, event_type] = component_and_event_type(arguments)?;
        Ok(Self {
            component,
            event_type,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(value: Value) -> JsonObject {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn no_arguments_and_nulls_mean_no_filter() {
        assert_eq!(
            SummaryArgs::from_arguments(None).unwrap(),
            SummaryArgs::default()
        );
        let empty = args(json!({}));
        assert_eq!(
            SummaryArgs::from_arguments(Some(&empty)).unwrap(),
            SummaryArgs::default()
        );
        let nulls = args(json!({ "component": null, "event_type": null }));
        assert_eq!(
            SummaryArgs::from_arguments(Some(&nulls)).unwrap(),
            SummaryArgs::default()
        );
    }

    #[test]
    fn values_are_kept() {
        let given = args(json!({ "component": "buddy", "event_type": "checkpoint" }));
        let parsed = SummaryArgs::from_arguments(Some(&given)).unwrap();
        assert_eq!(parsed.component.as_deref(), Some("buddy"));
        assert_eq!(parsed.event_type.as_deref(), Some("checkpoint"));
    }

    #[test]
    fn wrong_types_name_the_argument_and_the_type() {
        for (value, got) in [
            (json!(5), "the number 5"),
            (json!(true), "the boolean true"),
            (json!(["a"]), "an array"),
            (json!({ "a": 1 }), "an object"),
        ] {
            let given = args(json!({ "component": value }));
            let error = SummaryArgs::from_arguments(Some(&given)).unwrap_err();
            assert_eq!(
                error.to_string(),
                format!("invalid argument `component`: expected a string, got {got}")
            );
        }
    }

    #[test]
    fn unknown_arguments_list_the_accepted_ones() {
        let given = args(json!({ "metric_prefix": "x", "component": "c" }));
        let error = ListMetricsArgs::from_arguments(Some(&given)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid argument `component`: not an argument of this tool; it accepts `metric_prefix`"
        );
    }

    #[test]
    fn bad_values() {
        let cases = [
            (json!({ "component": "" }), "component", "must not be empty"),
            (
                json!({ "event_type": "  " }),
                "event_type",
                "must not be empty",
            ),
            (
                json!({ "component": "a\nb" }),
                "component",
                "control characters",
            ),
            (
                json!({ "component": "x".repeat(300) }),
                "component",
                "300 bytes",
            ),
            (
                json!({ "metric_prefix": "9lives" }),
                "metric_prefix",
                "cannot start a metric name",
            ),
            (
                json!({ "metric_prefix": "session-" }),
                "metric_prefix",
                "cannot start a metric name",
            ),
        ];
        for (given, argument, reason) in cases {
            let error = PrometheusMetricsArgs::from_arguments(Some(&args(given))).unwrap_err();
            assert_eq!(error.argument, argument);
            assert!(error.reason.contains(reason), "{error}");
        }
        let fine = args(json!({ "metric_prefix": "mcp_event_", "component": "ünïcode ok" }));
        assert!(PrometheusMetricsArgs::from_arguments(Some(&fine)).is_ok());
        for (value, got) in [
            (json!("xml"), "\"xml\" is not a format"),
            (json!(1), "the number 1"),
        ] {
            let given = args(json!({ "format": value }));
            let error = PrometheusMetricsArgs::from_arguments(Some(&given)).unwrap_err();
            assert_eq!(error.argument, "format");
            assert!(error.reason.contains(got), "{error}");
        }
        for (name, format) in [
            ("text", MetricsFormat::Text),
            ("openmetrics", MetricsFormat::OpenMetrics),
        ] {
            let given = args(json!({ "format": name }));
            let parsed = PrometheusMetricsArgs::from_arguments(Some(&given)).unwrap();
            assert_eq!(parsed.format, Some(format));
            // The answer echoes the filters: the name serialises back as it came.
            assert_eq!(serde_json::to_value(format).unwrap(), json!(name));
        }
    }

    #[test]
    fn schemas_reject_unknown_properties() {
        let schema = serde_json::to_value(schemars::schema_for!(SummaryArgs)).unwrap();
        assert_eq!(schema["additionalProperties"], json!(false));
        assert!(schema["properties"]["component"].is_object());
    }
}

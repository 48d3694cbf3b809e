//! Tool schemas that standard JSON Schema validators accept without warnings.
//!
//! schemars writes a `format` for every Rust integer and float (`uint`, `uint64`, `int32`,
//! `double`, …). JSON Schema defines none of them, so validators such as Ajv in strict mode
//! warn about (or reject) each one. The type and the bounds (`minimum: 0` for unsigned types)
//! already say what the format did, so the format goes and the rest stays.

use std::sync::Arc;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{JsonObject, Tool};
use serde_json::Value;

/// The `format` values schemars writes for Rust numbers; none is a JSON Schema format.
const NUMBER_FORMATS: &[&str] = &[
    "int", "int8", "int16", "int32", "int64", "int128", "uint", "uint8", "uint16", "uint32",
    "uint64", "uint128", "float", "double",
];

/// Removes the number `format`s schemars writes from `schema`, at every depth; everything
/// else (`type`, `minimum`, `maximum`, other formats such as `date-time`) is kept.
///
/// ```
/// let mut schema = serde_json::json!({
///     "type": "object",
///     "properties": {
///         "count": { "type": "integer", "format": "uint64", "minimum": 0 },
///         "when": { "type": "string", "format": "date-time" }
///     }
/// });
/// session_metrics::mcp::standardise_schema(schema.as_object_mut().unwrap());
/// assert_eq!(schema["properties"]["count"], serde_json::json!({ "type": "integer", "minimum": 0 }));
/// assert_eq!(schema["properties"]["when"]["format"], "date-time");
/// ```
pub fn standardise_schema(schema: &mut JsonObject) {
    if schema
        .get("format")
        .and_then(Value::as_str)
        .is_some_and(|format| NUMBER_FORMATS.contains(&format))
    {
        schema.remove("format");
    }
    for value in schema.values_mut() {
        standardise_value(value);
    }
}

fn standardise_value(value: &mut Value) {
    match value {
        Value::Object(object) => standardise_schema(object),
        Value::Array(items) => items.iter_mut().for_each(standardise_value),
        _ => {}
    }
}

/// [`standardise_schema`] on a tool's input and output schemas.
pub fn standardise_tool(tool: &mut Tool) {
    standardise_schema(Arc::make_mut(&mut tool.input_schema));
    if let Some(output) = tool.output_schema.as_mut() {
        standardise_schema(Arc::make_mut(output));
    }
}

/// [`standardise_tool`] on every tool of `router`, e.g. a server's `#[tool_router]` merged
/// with [`MetricsTools::router`](super::MetricsTools::router).
///
/// ```
/// use rmcp::handler::server::router::tool::ToolRouter;
/// use session_metrics::mcp::{MetricsTools, standard_schemas};
///
/// let router: ToolRouter<()> = standard_schemas(MetricsTools::default().router());
/// let text = serde_json::to_string(&router.list_all()).unwrap();
/// assert!(!text.contains("\"uint"), "{text}");
/// assert!(text.contains("\"minimum\":0"));
/// ```
pub fn standard_schemas<S>(mut router: ToolRouter<S>) -> ToolRouter<S> {
    for route in router.map.values_mut() {
        standardise_tool(&mut route.attr);
    }
    router
}

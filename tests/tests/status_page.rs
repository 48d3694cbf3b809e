//! The live status page on the built-in server: `/`, its assets and `/status.json` (checked
//! against `docs/status.schema.json`), the security headers, and the setting turning it off.

use std::net::SocketAddr;

use serde_json::Value;
use session_metrics::SessionMetrics;
use session_metrics::http::{BlockingMetricsServer, STATUS_PATHS, ServerOptions};
use session_metrics::settings::Settings;
use session_metrics_tests::Exposition;
use session_metrics_tests::prom::agent;

const XSS: &str = "<script>alert(1)</script>";

fn workload() -> &'static SessionMetrics {
    let m = SessionMetrics::new(prometheus::Registry::new()).unwrap();
    for _ in 0..9 {
        m.record_mcp_event_success("store", "get", 0.003);
    }
    m.record_mcp_event_failure("store", "get", "Timeout", 0.3);
    m.record_mcp_event_success(XSS, "render", 0.02);
    m.record_session_start("store", "bash");
    m.record_session_end("store", "success", 120.0);
    m.set_session_quality_score("store", 88.0);
    Box::leak(Box::new(m))
}

fn start(options: ServerOptions) -> BlockingMetricsServer {
    BlockingMetricsServer::start("127.0.0.1:0".parse().unwrap(), workload(), options).unwrap()
}

fn get(addr: SocketAddr, path: &str) -> (u16, ureq::http::HeaderMap, String) {
    let mut response = agent().get(format!("http://{addr}{path}")).call().unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (
        status,
        headers,
        response.body_mut().read_to_string().unwrap(),
    )
}

fn schema() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/status.schema.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Checks `value` against the subset of JSON Schema that `docs/status.schema.json` uses
/// (`type`, `const`, `required`, `properties`, `additionalProperties`, `items`,
/// `minItems`/`maxItems`, `minimum`/`maximum`, local `$ref`), collecting every violation with
/// its JSON pointer. A keyword outside that subset is itself reported, so the schema cannot
/// grow a rule this check silently ignores.
fn violations(root: &Value, schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
    const KNOWN: &[&str] = &[
        "$schema",
        "$id",
        "$defs",
        "$ref",
        "title",
        "description",
        "type",
        "const",
        "required",
        "properties",
        "additionalProperties",
        "items",
        "minItems",
        "maxItems",
        "minimum",
        "maximum",
    ];
    let schema = schema.as_object().expect("a schema is an object");
    for keyword in schema.keys() {
        if !KNOWN.contains(&keyword.as_str()) {
            out.push(format!("{at}: schema keyword {keyword} is not checked"));
        }
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.strip_prefix("#/$defs/").expect("a local $ref");
        violations(root, &root["$defs"][name], value, at, out);
    }
    if let Some(types) = schema.get("type") {
        let types: Vec<&str> = match types {
            Value::String(one) => vec![one.as_str()],
            many => many
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap())
                .collect(),
        };
        let fits = |t: &str| match t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_u64() || value.is_i64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "null" => value.is_null(),
            other => panic!("unknown type {other}"),
        };
        if !types.iter().any(|t| fits(t)) {
            out.push(format!("{at}: {value} is not of type {types:?}"));
        }
    }
    if let Some(expected) = schema.get("const")
        && expected != value
    {
        out.push(format!("{at}: {value} is not {expected}"));
    }
    if let Some(number) = value.as_f64() {
        if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
            && number < min
        {
            out.push(format!("{at}: {number} is below {min}"));
        }
        if let Some(max) = schema.get("maximum").and_then(Value::as_f64)
            && number > max
        {
            out.push(format!("{at}: {number} is above {max}"));
        }
    }
    if let Some(object) = value.as_object() {
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !object.contains_key(name.as_str().unwrap()) {
                out.push(format!("{at}: {name} is missing"));
            }
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        for (name, member) in object {
            let member_at = format!("{at}/{name}");
            match (
                properties.and_then(|p| p.get(name)),
                schema.get("additionalProperties"),
            ) {
                (Some(member_schema), _) => {
                    violations(root, member_schema, member, &member_at, out);
                }
                (None, Some(Value::Bool(false))) => {
                    out.push(format!("{member_at}: not in the schema"));
                }
                (None, Some(extra @ Value::Object(_))) => {
                    violations(root, extra, member, &member_at, out);
                }
                (None, _) => {}
            }
        }
    }
    if let Some(array) = value.as_array() {
        if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
            && (array.len() as u64) < min
        {
            out.push(format!("{at}: {} items, fewer than {min}", array.len()));
        }
        if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
            && (array.len() as u64) > max
        {
            out.push(format!("{at}: {} items, more than {max}", array.len()));
        }
        if let Some(items) = schema.get("items") {
            for (i, item) in array.iter().enumerate() {
                violations(root, items, item, &format!("{at}/{i}"), out);
            }
        }
    }
}

fn check(document: &Value) -> Vec<String> {
    let schema = schema();
    let mut out = Vec::new();
    violations(&schema, &schema, document, "", &mut out);
    out
}

#[test]
fn status_json_follows_its_schema_and_matches_the_exposition() {
    let server = start(ServerOptions::default());
    let addr = server.local_addr();
    let (_, _, text) = get(addr, "/metrics");
    let (status, headers, body) = get(addr, "/status.json");
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let document: Value = serde_json::from_str(&body).unwrap();
    let problems = check(&document);
    assert!(problems.is_empty(), "{problems:#?}\n{document:#}");

    let exposition = Exposition::parse(&text);
    let ops = document["operations"].as_array().unwrap();
    assert_eq!(ops.len(), 2);
    let store = ops.iter().find(|op| op["component"] == "store").unwrap();
    let labels = [("component_name", "store"), ("event_type", "get")];
    let calls = exposition.value("mcp_event_emit_success_total", &labels)
        + exposition.value(
            "mcp_event_emit_failure_total",
            &[
                ("component_name", "store"),
                ("event_type", "get"),
                ("error_type", "Timeout"),
            ],
        );
    assert_eq!(store["calls_total"].as_f64(), Some(calls));
    assert_eq!(store["calls_total"], 10);
    let minute = &store["windows"][0];
    assert_eq!(minute["calls"], 10);
    assert_eq!(minute["error_ratio"], 0.1);
    assert_eq!(minute["failures_by_error_type"]["Timeout"], 1);
    // Rank 9.5 of 10: in the bucket (0.25, 0.5] holding the one 0.3 s call.
    let p95 = minute["p95_seconds"].as_f64().unwrap();
    assert!(p95 > 0.25 && p95 <= 0.5, "{p95}");
    // Labels are data: the XSS component comes back verbatim, as a JSON string.
    assert!(ops.iter().any(|op| op["component"] == XSS));
    assert_eq!(document["process"]["scrape_count"], 1);
    let session = &document["sessions"][0];
    assert_eq!(
        (&session["started"], &session["ended"]["success"]),
        (&Value::from(1), &Value::from(1))
    );
    assert_eq!(session["quality_score"], 88.0);
}

#[test]
fn a_document_outside_the_schema_is_caught() {
    // The checker itself: a missing field, a wrong type, an unknown field, a ratio above 1.
    let mut document: Value =
        serde_json::from_str(&session_metrics::http::StatusHistory::new().to_json(workload()))
            .unwrap();
    assert!(check(&document).is_empty(), "{:#?}", check(&document));
    document["operations"][0]["windows"][0]["error_ratio"] = Value::from(1.5);
    document["operations"][0]["calls_total"] = Value::from("ten");
    document["process"]["surprise"] = Value::from(true);
    document.as_object_mut().unwrap().remove("sessions");
    document["mcp_operations"] = serde_json::json!([{ "method": "ping", "tool": 3 }]);
    let problems = check(&document).join("\n");
    for expected in [
        "/operations/0/windows/0/error_ratio: 1.5 is above 1",
        "/operations/0/calls_total: \"ten\" is not of type",
        "/process/surprise: not in the schema",
        ": \"sessions\" is missing",
        "/mcp_operations/0/tool: 3 is not of type",
        "/mcp_operations/0: \"calls_total\" is missing",
    ] {
        assert!(problems.contains(expected), "{expected} not in\n{problems}");
    }
}

#[test]
fn the_page_and_its_assets_carry_a_strict_policy() {
    let server = start(ServerOptions::default());
    for path in STATUS_PATHS {
        let (status, headers, body) = get(server.local_addr(), path);
        assert_eq!(status, 200, "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        let csp = headers["content-security-policy"].to_str().unwrap();
        for directive in [
            "default-src 'none'",
            "script-src 'self'",
            "connect-src 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(directive), "{path}: {csp}");
        }
        assert!(!body.is_empty(), "{path}");
    }
    let (_, headers, body) = get(server.local_addr(), "/");
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert!(body.contains("<table id=\"operations\">"));
}

#[test]
fn turned_off_the_paths_are_404_and_metrics_stay() {
    let server = start(ServerOptions {
        status_page: false,
        ..ServerOptions::default()
    });
    for path in STATUS_PATHS {
        assert_eq!(get(server.local_addr(), path).0, 404, "{path}");
    }
    assert_eq!(get(server.local_addr(), "/metrics").0, 200);
}

#[test]
fn the_setting_is_read_from_the_environment_and_rejects_a_clashing_path() {
    let env = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|&(k, v)| (k.to_owned(), v.to_owned()))
            .collect::<Vec<_>>()
    };
    assert!(Settings::default().prometheus_metrics_status_page);
    let off = Settings::load_from(
        None,
        env(&[("SESSION_BUDDY_PROMETHEUS_METRICS_STATUS_PAGE", "false")]),
    )
    .unwrap();
    assert!(!off.prometheus_metrics_status_page);
    assert!(!ServerOptions::from_settings(&off).status_page);
    let error = Settings::load_from(
        None,
        env(&[("SESSION_BUDDY_PROMETHEUS_METRICS_STATUS_PAGE", "maybe")]),
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("SESSION_BUDDY_PROMETHEUS_METRICS_STATUS_PAGE") && error.contains("maybe"),
        "{error}"
    );
    let clash = Settings::load_from(
        None,
        env(&[("SESSION_BUDDY_PROMETHEUS_METRICS_PATH", "/status.json")]),
    )
    .unwrap_err()
    .to_string();
    assert!(
        clash.contains("prometheus_metrics_path") && clash.contains("status page"),
        "{clash}"
    );
    // With the page off, `/` is a metrics path like any other.
    let root = Settings::load_from(
        None,
        env(&[
            ("SESSION_BUDDY_PROMETHEUS_METRICS_PATH", "/"),
            ("SESSION_BUDDY_PROMETHEUS_METRICS_STATUS_PAGE", "off"),
        ]),
    )
    .unwrap();
    assert_eq!(root.prometheus_metrics_path, "/");
}

/// An rmcp server with three tools and a prompt, for the MCP rows.
mod mcp_rows {
    use rmcp::handler::server::router::prompt::PromptRouter;
    use rmcp::handler::server::router::tool::ToolRouter;
    use rmcp::handler::server::wrapper::Parameters;
    use rmcp::model::{
        CallToolRequestParams, CallToolResult, ContentBlock, GetPromptRequestParams, PromptMessage,
        Role, ServerCapabilities, ServerConfig,
    };
    use rmcp::{
        ErrorData, ServerHandler, prompt, prompt_handler, prompt_router, tool, tool_handler,
        tool_router,
    };

    #[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
    pub(super) struct Topic {
        /// What to talk about.
        topic: String,
    }

    #[derive(Clone)]
    pub(super) struct Server {
        tool_router: ToolRouter<Self>,
        prompt_router: PromptRouter<Self>,
    }

    #[tool_router]
    impl Server {
        pub(super) fn new() -> Self {
            Self {
                tool_router: Self::tool_router(),
                prompt_router: Self::prompt_router(),
            }
        }

        #[tool(description = "Answers at once.")]
        async fn ok(&self) -> String {
            "ok".into()
        }

        #[tool(description = "Fails with invalid params.")]
        async fn fails(&self) -> Result<CallToolResult, ErrorData> {
            Err(ErrorData::invalid_params("rejected", None))
        }

        #[tool(description = "Reports a failure in its result.")]
        async fn reports(&self) -> CallToolResult {
            CallToolResult::error(vec![ContentBlock::text("could not")])
        }
    }

    #[prompt_router]
    impl Server {
        #[prompt(description = "A prompt about a topic.")]
        async fn chat(&self, Parameters(t): Parameters<Topic>) -> Vec<PromptMessage> {
            vec![PromptMessage::new_text(
                Role::User,
                format!("Tell me about {}", t.topic),
            )]
        }
    }

    #[tool_handler(router = self.tool_router)]
    #[prompt_handler(router = self.prompt_router)]
    impl ServerHandler for Server {
        fn get_info(&self) -> ServerConfig {
            ServerConfig::new(
                ServerCapabilities::builder()
                    .enable_tools()
                    .enable_prompts()
                    .build(),
            )
        }
    }

    pub(super) use session_metrics_tests::mcp::{Client, connect};

    pub(super) async fn call(client: &Client, name: &'static str) {
        // Failures are what some calls are for: the layer records them either way.
        let _ = client.call_tool(CallToolRequestParams::new(name)).await;
    }

    pub(super) async fn chat(client: &Client) {
        let arguments = serde_json::from_value(serde_json::json!({ "topic": "otters" })).unwrap();
        client
            .get_prompt(GetPromptRequestParams::new("chat").with_arguments(arguments))
            .await
            .unwrap();
    }
}

/// The row of `document["mcp_operations"]` for this method, tool and prompt.
fn mcp_row<'a>(
    document: &'a Value,
    method: &str,
    tool: Option<&str>,
    prompt: Option<&str>,
) -> &'a Value {
    let rows = document["mcp_operations"].as_array().unwrap();
    rows.iter()
        .find(|r| {
            r["method"] == method && r["tool"].as_str() == tool && r["prompt"].as_str() == prompt
        })
        .unwrap_or_else(|| panic!("no row {method} {tool:?} {prompt:?} in {rows:#?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn mcp_rows_count_every_method_tool_and_prompt_as_the_exposition_does() {
    use session_metrics::http::StatusHistory;
    use session_metrics::mcp::Metered;

    const OPERATION: &str = "mcp_server_operation_duration_seconds";
    let metrics: &'static SessionMetrics = Box::leak(Box::new(
        SessionMetrics::new(prometheus::Registry::new()).unwrap(),
    ));
    let history = StatusHistory::new();
    let client = mcp_rows::connect(Metered::with_metrics(mcp_rows::Server::new(), metrics)).await;
    client.list_all_tools().await.unwrap();
    for _ in 0..3 {
        mcp_rows::call(&client, "ok").await;
    }
    // The ring's one sample: rows seen so far get a history, the later ones none.
    history.sample(metrics);
    for name in ["ok", "ok", "fails", "fails", "reports"] {
        mcp_rows::call(&client, name).await;
    }
    mcp_rows::chat(&client).await;
    let text = metrics.export_metrics();
    let document: Value = serde_json::from_str(&history.to_json(metrics)).unwrap();
    client.cancel().await.unwrap();
    let problems = check(&document);
    assert!(problems.is_empty(), "{problems:#?}\n{document:#}");

    let ok = mcp_row(&document, "tools/call", Some("ok"), None);
    assert_eq!(
        (&ok["calls_total"], &ok["failures_total"]),
        (&Value::from(5), &Value::from(0))
    );
    let minute = &ok["windows"][0];
    assert_eq!(
        (&minute["calls"], &minute["error_ratio"]),
        (&Value::from(5), &Value::from(0.0))
    );
    // Both are rounded through JSON: equal to the last bits, not exactly.
    let (rate, covered) = (
        minute["calls_per_second"].as_f64().unwrap(),
        minute["covered_seconds"].as_f64().unwrap(),
    );
    assert!(
        (rate - 5.0 / covered).abs() <= 1e-9 * rate.abs(),
        "{rate} calls/s over {covered} s"
    );
    assert_eq!(
        ok["sparkline"]["calls"],
        serde_json::json!([2]),
        "2 calls after the sample"
    );
    let fails = mcp_row(&document, "tools/call", Some("fails"), None);
    assert_eq!(fails["calls_total"], 2);
    assert_eq!(fails["windows"][2]["error_ratio"], 1.0);
    assert_eq!(
        fails["windows"][0]["failures_by_error_type"],
        serde_json::json!({ "invalid_params": 2 })
    );
    assert_eq!(
        fails["sparkline"]["calls"],
        serde_json::json!([]),
        "no history yet"
    );
    let reports = mcp_row(&document, "tools/call", Some("reports"), None);
    assert_eq!(
        reports["windows"][1]["failures_by_error_type"],
        serde_json::json!({ "tool_error": 1 })
    );
    let chat = mcp_row(&document, "prompts/get", None, Some("chat"));
    assert_eq!(
        (&chat["calls_total"], &chat["failures_total"]),
        (&Value::from(1), &Value::from(0))
    );
    for method in ["initialize", "tools/list"] {
        assert_eq!(
            mcp_row(&document, method, None, None)["calls_total"],
            1,
            "{method}"
        );
    }
    // No series of the operations families: the MCP layer's rows are apart.
    assert_eq!(document["operations"], serde_json::json!([]));

    // Every row against the exposition: its `_count` and its p95 from the buckets, summed over
    // protocol versions and transports; and no series without a row.
    let exposition = Exposition::parse(&text);
    let counts = exposition.matching(&format!("{OPERATION}_count"), &[]);
    let label = |labels: &[(String, String)], name: &str| {
        labels
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let row_of = |labels: &[(String, String)]| {
        (
            label(labels, "mcp_method_name").unwrap(),
            label(labels, "gen_ai_tool_name"),
            label(labels, "gen_ai_prompt_name"),
        )
    };
    let mut expected: std::collections::BTreeMap<_, f64> = Default::default();
    for (labels, count) in &counts {
        *expected.entry(row_of(labels)).or_default() += count;
    }
    let rows = document["mcp_operations"].as_array().unwrap();
    assert_eq!(rows.len(), expected.len(), "{expected:?}");
    for ((method, tool, prompt), count) in &expected {
        let row = mcp_row(&document, method, tool.as_deref(), prompt.as_deref());
        assert_eq!(
            row["calls_total"].as_f64(),
            Some(*count),
            "{method} {tool:?}"
        );
        let mut buckets: std::collections::BTreeMap<String, f64> = Default::default();
        for (labels, value) in exposition.matching(&format!("{OPERATION}_bucket"), &[]) {
            if row_of(&labels) == (method.clone(), tool.clone(), prompt.clone()) {
                *buckets.entry(label(&labels, "le").unwrap()).or_default() += value;
            }
        }
        let mut pairs: Vec<(f64, f64)> = buckets
            .into_iter()
            .map(|(le, v)| (le.parse::<f64>().unwrap(), v))
            .collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let p95 = session_metrics::histogram_quantile(0.95, &pairs);
        assert_eq!(
            row["windows"][0]["p95_seconds"].as_f64(),
            Some(p95),
            "{method} {tool:?}"
        );
    }
}

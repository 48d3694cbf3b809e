//! The call-site catalogue of this test binary: exactly its annotated functions, with their
//! module path, file, line, family and objective, known before any of them is called; and the
//! zero-valued series the lazily created global metrics get for them.

use std::collections::BTreeMap;
use std::future::Future;

use session_metrics::{
    ErrorLabel, Objective, Operation, OperationFamily, get_metrics, operations, track_operation,
};

static DB: OperationFamily = OperationFamily::new("catalogue_db", &[0.01, 0.1, 1.0]);
static CHECKOUT: Objective = Objective::new("checkout")
    .success_ratio(0.999)
    .latency(0.25, 0.99);

#[derive(Debug, ErrorLabel)]
#[allow(dead_code)] // only `Timeout` is constructed: the others are there for their labels
enum StoreError {
    Timeout,
    #[error_label("not_found")]
    Missing,
    Io(std::io::Error),
}

#[track_operation("catalogue", "plain")]
fn plain(fail: bool) -> Result<u32, StoreError> {
    if fail {
        Err(StoreError::Timeout)
    } else {
        Ok(1)
    }
}

#[track_operation("catalogue", "asynchronous")]
async fn asynchronous() -> Result<(), StoreError> {
    Ok(())
}

#[track_operation("catalogue", "returns_future")]
#[allow(clippy::manual_async_fn)] // the shape under test
fn returns_future() -> impl Future<Output = Result<(), StoreError>> {
    async { Ok(()) }
}

#[track_operation("catalogue", "generic")]
fn generic<E: std::fmt::Debug>(error: E) -> Result<(), E> {
    Err(error)
}

#[track_operation("catalogue", "io")]
fn io() -> std::io::Result<()> {
    Ok(())
}

#[track_operation("catalogue", "caller")]
#[track_caller]
fn caller() -> u32 {
    std::panic::Location::caller().line()
}

#[track_operation("catalogue", "in_family", family = DB)]
fn in_family() {}

#[track_operation("catalogue", "checkout", objective = CHECKOUT)]
fn checkout() -> Result<(), StoreError> {
    Ok(())
}

struct Store;

impl Store {
    #[track_operation("catalogue", "method")]
    fn method(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

mod inner {
    use session_metrics::track_operation;

    #[track_operation("catalogue", "nested")]
    pub(crate) fn nested() {}
}

/// Never called anywhere: catalogued all the same.
#[track_operation("catalogue", "never_called")]
#[allow(dead_code)]
fn never_called() -> Result<(), super_error::Failure> {
    Ok(())
}

mod super_error {
    #[derive(Debug, session_metrics::ErrorLabel)]
    #[error_label("failure")]
    pub(crate) struct Failure;
}

/// `fn NAME` of every annotated function of this file, with its line, read from the source.
fn annotated_in_source() -> BTreeMap<String, u32> {
    let source = include_str!("catalogue.rs");
    let lines: Vec<&str> = source.lines().collect();
    let mut found = BTreeMap::new();
    for (i, line) in lines.iter().enumerate() {
        if !line.trim_start().starts_with("#[track_operation(") {
            continue;
        }
        // The function's name is on the first `fn` line after the attribute.
        let (offset, fn_line) = lines[i..]
            .iter()
            .enumerate()
            .find(|(_, l)| l.contains("fn "))
            .expect("a function after the attribute");
        let name = fn_line.split("fn ").nth(1).unwrap();
        let name: String = name
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        found.insert(name, u32::try_from(i + offset + 1).unwrap());
    }
    found
}

fn mine() -> Vec<&'static Operation> {
    operations().filter(|op| op.file() == file!()).collect()
}

#[test]
fn the_catalogue_holds_exactly_the_annotated_functions_of_this_binary() {
    let expected = annotated_in_source();
    assert_eq!(expected.len(), 11, "the source scan found {expected:?}");
    let mut seen = BTreeMap::new();
    for op in mine() {
        let name = op.function().rsplit("::").next().unwrap().to_owned();
        assert!(
            seen.insert(name.clone(), op.line()).is_none(),
            "{name} registered twice"
        );
        assert_eq!(op.event_type(), name, "{op:?}");
        assert_eq!(op.component(), "catalogue");
    }
    assert_eq!(seen, expected, "function name -> line");
    // Everything else comes from the library's own instrumented functions.
    for op in operations().filter(|op| op.file() != file!()) {
        assert!(
            op.file().starts_with("metrics-runtime/src/"),
            "an operation from elsewhere: {op:?}"
        );
    }
}

#[test]
fn function_paths_families_objectives_and_error_labels() {
    let by_name: BTreeMap<&str, &Operation> =
        mine().into_iter().map(|op| (op.event_type(), op)).collect();
    assert_eq!(by_name["plain"].function(), "catalogue::plain");
    assert_eq!(by_name["nested"].function(), "catalogue::inner::nested");
    assert_eq!(by_name["method"].function(), "catalogue::method");
    assert_eq!(by_name["in_family"].family(), "catalogue_db");
    assert_eq!(by_name["plain"].family(), "mcp_event_emit");
    assert_eq!(by_name["checkout"].objective(), Some(&CHECKOUT));
    assert!(std::ptr::eq(
        by_name["checkout"].objective().unwrap(),
        &CHECKOUT
    ));
    assert_eq!(by_name["plain"].objective(), None);
    // Labels known before the first call: a derived ErrorLabel named in the signature.
    let labels = ["Timeout", "not_found", "Io"];
    for name in [
        "plain",
        "asynchronous",
        "returns_future",
        "checkout",
        "method",
    ] {
        assert_eq!(by_name[name].error_labels(), labels, "{name}");
    }
    assert_eq!(by_name["never_called"].error_labels(), ["failure"]);
    // Not known: a generic error, an alias, no Result at all.
    for name in ["generic", "io", "caller", "in_family", "nested"] {
        assert!(by_name[name].error_labels().is_empty(), "{name}");
    }
}

/// The only test here that calls the functions (the others read the catalogue only), so it
/// sees every series before its first call.
#[test]
fn the_lazy_global_has_every_operation_at_zero_before_its_first_call() {
    let text = get_metrics().export_metrics();
    for event in ["plain", "asynchronous", "never_called", "method", "nested"] {
        let labels = format!(r#"component_name="catalogue",event_type="{event}""#);
        for line in [
            format!("mcp_event_emit_duration_seconds_count{{{labels}}} 0\n"),
            format!("mcp_event_emit_duration_seconds_sum{{{labels}}} 0\n"),
            format!("mcp_event_emit_duration_seconds_bucket{{{labels},le=\"+Inf\"}} 0\n"),
            format!("mcp_event_emit_success_total{{{labels}}} 0\n"),
        ] {
            assert!(text.contains(&line), "missing {line:?} in\n{text}");
        }
    }
    assert!(text.contains(
        r#"catalogue_db_duration_seconds_bucket{component_name="catalogue",event_type="in_family",le="0.01"} 0"#
    ));
    assert!(text.contains(
        r#"mcp_event_emit_failure_total{component_name="catalogue",error_type="not_found",event_type="plain"} 0"#
    ));
    assert!(text.contains(
        r#"mcp_event_emit_failure_total{component_name="catalogue",error_type="failure",event_type="never_called"} 0"#
    ));
    // Unknown error types appear at their first failure, as before.
    assert!(!text.contains(r#"event_type="io",error_type"#));
    assert!(!text.contains(r#"error_type="String""#));
    // And a call counts from there.
    plain(true).unwrap_err();
    let text = get_metrics().export_metrics();
    assert!(text.contains(
        r#"mcp_event_emit_failure_total{component_name="catalogue",error_type="Timeout",event_type="plain"} 1"#
    ));
    assert!(text.contains(
        r#"mcp_event_emit_failure_total{component_name="catalogue",error_type="not_found",event_type="plain"} 0"#
    ));
    // The instrumented functions work as written.
    assert_eq!(plain(false).unwrap(), 1);
    futures::executor::block_on(async {
        asynchronous().await.unwrap();
        returns_future().await.unwrap();
    });
    assert!(generic("e").is_err());
    io().unwrap();
    assert_eq!(caller(), line!());
    in_family();
    checkout().unwrap();
    Store.method().unwrap();
    inner::nested();
}

// `family = STATIC`, `enabled = EXPR` and `error_level = ".."` with every shape.
use std::future::Future;

use session_metrics::{OperationFamily, track_operation};

static OPS: OperationFamily = OperationFamily::new("ui_operation", &[0.1, 1.0]);

mod nested {
    pub static OPS: session_metrics::OperationFamily =
        session_metrics::OperationFamily::new("ui_nested", &[1.0]);
}

#[track_operation("ui", "family", family = OPS, enabled = true, error_level = "debug")]
fn with_family() -> Result<(), String> {
    Ok(())
}

#[track_operation(component = "ui", event_type = "nested", family = nested::OPS)]
async fn nested_family(x: u32) -> u32 {
    x
}

#[track_operation("ui", "enabled", enabled = n > 1 && std::env::var("NEVER_SET_HERE").is_err())]
fn gated(n: u32) -> u32 {
    n
}

#[track_operation("ui", "future", enabled = fast, error_level = "ERROR")]
fn later(fast: bool) -> impl Future<Output = bool> {
    async move { fast }
}

fn main() {
    with_family().unwrap();
    assert_eq!(gated(2), 2);
    futures::executor::block_on(async {
        assert_eq!(nested_family(3).await, 3);
        assert!(later(true).await);
    });
    let text = session_metrics::get_metrics().export_metrics();
    assert!(text.contains(r#"ui_operation_success_total{component_name="ui",event_type="family"} 1"#));
    assert!(text.contains(r#"ui_nested_success_total{component_name="ui",event_type="nested"} 1"#));
}

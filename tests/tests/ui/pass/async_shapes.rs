// `async fn`, `impl Future`, `Pin<Box<dyn Future>>`, `BoxFuture`, `#[async_trait]` in both
// attribute orders, async methods on `&self` / `&mut self`, and `crate = path`.
use std::future::Future;
use std::pin::Pin;

use futures::future::BoxFuture;
use session_metrics::{get_metrics, track_operation};

mod reexport {
    pub use ::session_metrics;
}

#[track_operation("ui_async", "async_fn")]
async fn async_fn(x: &str) -> Result<usize, std::num::ParseIntError> {
    let n: usize = x.parse()?;
    Ok(n)
}

#[track_operation("ui_async", "impl_future")]
fn impl_future(x: u32) -> impl Future<Output = u32> + Send {
    async move { x + 1 }
}

#[track_operation("ui_async", "boxed")]
fn boxed<'a>(x: &'a str) -> Pin<Box<dyn Future<Output = Result<u32, String>> + Send + 'a>> {
    Box::pin(async move { x.parse().map_err(|_| x.to_owned()) })
}

#[track_operation("ui_async", "box_future")]
fn box_future(x: u32) -> BoxFuture<'static, u32> {
    Box::pin(async move { x })
}

#[track_operation("ui_async", "crate_path", crate = crate::reexport::session_metrics)]
async fn crate_path() {}

struct S {
    n: u32,
}

impl S {
    #[track_operation("ui_async", "async_ref")]
    async fn get(&self) -> u32 {
        self.n
    }

    #[track_operation("ui_async", "async_mut")]
    async fn incr(&mut self) -> &mut u32 {
        self.n += 1;
        &mut self.n
    }
}

#[async_trait::async_trait]
trait Job {
    async fn run(&self) -> u32;
    async fn run_outer(&self) -> u32;
}

#[async_trait::async_trait]
impl Job for S {
    // Below the impl's #[async_trait]: sees the boxed-future method it generates.
    #[track_operation("ui_async", "async_trait")]
    async fn run(&self) -> u32 {
        self.n
    }

    #[track_operation("ui_async", "async_trait_outer")]
    async fn run_outer(&self) -> u32 {
        self.n + 1
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        assert_eq!(async_fn("4").await.unwrap(), 4);
        assert!(async_fn("x").await.is_err());
        assert_eq!(impl_future(1).await, 2);
        assert_eq!(boxed("9").await.unwrap(), 9);
        assert_eq!(box_future(3).await, 3);
        crate_path().await;
        let mut s = S { n: 1 };
        assert_eq!(s.get().await, 1);
        *s.incr().await += 1;
        assert_eq!(s.n, 3);
        assert_eq!(s.run().await, 3);
        assert_eq!(s.run_outer().await, 4);
    });
    let text = get_metrics().export_metrics();
    for event in [
        "async_fn", "impl_future", "boxed", "box_future", "crate_path", "async_ref", "async_mut",
        "async_trait", "async_trait_outer",
    ] {
        let needle = format!(
            "mcp_event_emit_success_total{{component_name=\"ui_async\",event_type=\"{event}\"}} 1\n"
        );
        assert!(text.contains(&needle), "{event} missing in\n{text}");
    }
    assert!(text.contains(r#"error_type="ParseIntError",event_type="async_fn"} 1"#));
}

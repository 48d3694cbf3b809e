// Receivers `Box<Self>`, `Pin<&mut Self>`, `Arc<Self>`; const generics; native `async fn` in
// traits (futures stay `Send`); recursion; `#[track_caller]`; stacking with `#[tokio::main]`,
// `#[tokio::test]` and `#[tracing::instrument]` in both orders.
#![deny(warnings)]

use std::pin::Pin;
use std::sync::Arc;

use session_metrics::{get_metrics, track_operation};

struct Node {
    n: u32,
}

impl Node {
    #[track_operation("ui_more", "boxed_self")]
    fn boxed(self: Box<Self>) -> u32 {
        self.n
    }

    #[track_operation("ui_more", "pinned_self")]
    fn pinned(self: Pin<&mut Self>) -> u32 {
        self.get_mut().n += 1;
        1
    }

    #[track_operation("ui_more", "arc_self")]
    fn shared(self: Arc<Self>) -> u32 {
        self.n
    }

    #[track_operation("ui_more", "async_pinned_self")]
    async fn async_pinned(self: Pin<&mut Self>) -> u32 {
        self.n
    }
}

#[track_operation("ui_more", "const_generic")]
fn first<const N: usize, T: Copy + Default>(items: [T; N]) -> T {
    items.first().copied().unwrap_or_default()
}

trait Service {
    async fn call(&self, x: u32) -> Result<u32, String>;

    #[track_operation("ui_more", "trait_async_default")]
    async fn call_twice(&self, x: u32) -> Result<u32, String> {
        let once = self.call(x).await?;
        self.call(once).await
    }
}

struct Doubler;

impl Service for Doubler {
    #[track_operation("ui_more", "trait_async_impl")]
    async fn call(&self, x: u32) -> Result<u32, String> {
        if x > 100 { Err("too big".to_owned()) } else { Ok(x * 2) }
    }
}

fn assert_send<T: Send>(value: T) -> T {
    value
}

#[track_operation("ui_more", "recursive")]
fn factorial(n: u64) -> u64 {
    if n <= 1 { 1 } else { n * factorial(n - 1) }
}

#[track_operation("ui_more", "recursive_async")]
fn countdown(n: u32) -> Pin<Box<dyn Future<Output = u32> + Send>> {
    Box::pin(async move { if n == 0 { 0 } else { 1 + countdown(n - 1).await } })
}

#[track_operation("ui_more", "outer_instrument")]
#[tracing::instrument]
fn instrumented_inside(x: u32) -> u32 {
    x + 1
}

#[tracing::instrument]
#[track_operation("ui_more", "inner_instrument")]
async fn instrumented_outside(x: u32) -> u32 {
    x + 2
}

#[track_operation("ui_more", "track_caller")]
#[track_caller]
fn located() -> u32 {
    std::panic::Location::caller().line()
}

#[track_operation("ui_more", "tokio_main")]
#[tokio::main(flavor = "current_thread")]
async fn main() {
    assert_eq!(Box::new(Node { n: 1 }).boxed(), 1);
    let mut node = Node { n: 1 };
    assert_eq!(Pin::new(&mut node).pinned(), 1);
    assert_eq!(Pin::new(&mut node).async_pinned().await, 2);
    assert_eq!(Arc::new(Node { n: 3 }).shared(), 3);
    assert_eq!(first([4, 5]), 4);
    assert_eq!(assert_send(Doubler.call_twice(3)).await, Ok(12));
    assert!(Doubler.call_twice(60).await.is_err());
    assert_eq!(factorial(5), 120);
    assert_eq!(countdown(3).await, 3);
    assert_eq!(instrumented_inside(1), 2);
    assert_eq!(instrumented_outside(1).await, 3);
    assert_eq!(located(), line!());
    check();
}

#[tokio::test]
#[track_operation("ui_more", "tokio_test_inner")]
async fn never_run_as_a_test() {}

fn check() {
    let text = get_metrics().export_metrics();
    let count = |event: &str, kind: &str| -> u32 {
        let prefix = format!("mcp_event_emit_{kind}{{component_name=\"ui_more\",");
        text.lines()
            .filter(|l| l.starts_with(&prefix) && l.contains(&format!("event_type=\"{event}\"")))
            .map(|l| l.rsplit(' ').next().unwrap().parse::<u32>().unwrap())
            .sum()
    };
    for (event, calls) in [
        ("boxed_self", 1),
        ("pinned_self", 1),
        ("async_pinned_self", 1),
        ("arc_self", 1),
        ("const_generic", 1),
        ("trait_async_default", 1),
        ("trait_async_impl", 3),
        ("recursive", 5),
        ("recursive_async", 4),
        ("outer_instrument", 1),
        ("inner_instrument", 1),
        ("track_caller", 1),
    ] {
        assert_eq!(count(event, "success_total"), calls, "{event}\n{text}");
    }
    assert_eq!(count("trait_async_default", "failure_total"), 1);
    assert_eq!(count("trait_async_impl", "failure_total"), 1);
}

//! `async fn`, returned futures (`impl Future`, `Pin<Box<dyn Future>>`), `#[async_trait]`,
//! cancellation and panics inside futures.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Waker};
use std::time::Duration;

use session_metrics::{ErrorLabel, track_operation};
use session_metrics_tests::Site;

#[derive(Debug, ErrorLabel)]
enum JobError {
    Failed,
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
}

#[track_operation("futures", "async_fn")]
async fn async_fn(fail: bool) -> Result<u32, JobError> {
    tokio::time::sleep(Duration::from_millis(20)).await;
    if fail {
        return Err(JobError::Failed);
    }
    let n: u32 = "2".parse().map_err(|_| JobError::Failed)?;
    Ok(n)
}

#[test]
fn async_fn_records_outcome_and_awaited_time() {
    let rt = rt();
    let future = async_fn(false);
    // Building the future records nothing.
    assert_eq!(Site::global("futures", "async_fn").count, 0.0);
    assert_eq!(rt.block_on(future).unwrap(), 2);
    assert!(rt.block_on(async_fn(true)).is_err());
    let site = Site::global("futures", "async_fn");
    assert_eq!(site.success, 1.0);
    assert_eq!(site.failed("Failed"), 1.0);
    assert_eq!(site.count, 2.0);
    assert!(site.sum >= 0.040, "sum {}", site.sum);
}

#[track_operation("futures", "cancelled")]
async fn pending_forever() -> Result<(), JobError> {
    std::future::pending::<()>().await;
    Ok(())
}

#[test]
fn future_dropped_before_completion_is_cancelled() {
    let mut future = Box::pin(pending_forever());
    let mut cx = Context::from_waker(Waker::noop());
    assert!(future.as_mut().poll(&mut cx).is_pending());
    assert_eq!(Site::global("futures", "cancelled").count, 0.0);
    drop(future);
    let site = Site::global("futures", "cancelled");
    assert_eq!(site.failed("cancelled"), 1.0);
    assert_eq!(site.success, 0.0);
    assert_eq!(site.count, 1.0);
}

#[test]
fn future_never_polled_records_nothing() {
    drop(pending_forever_unpolled());
    assert_eq!(Site::global("futures", "unpolled").count, 0.0);
}

#[track_operation("futures", "unpolled")]
async fn pending_forever_unpolled() {}

#[track_operation("futures", "async_panic")]
async fn async_panic() -> u32 {
    tokio::task::yield_now().await;
    panic!("boom in a task");
}

#[test]
fn panic_inside_a_spawned_task_counts_as_panic_not_cancelled() {
    let rt = rt();
    let error = rt
        .block_on(async { tokio::spawn(async_panic()).await })
        .unwrap_err();
    assert!(error.is_panic());
    let payload = error.into_panic();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom in a task"));
    let site = Site::global("futures", "async_panic");
    assert_eq!(site.failed("panic"), 1.0);
    assert_eq!(site.failed("cancelled"), 0.0);
}

fn boom() -> u32 {
    panic!("boom in place")
}

/// No `return`, `?` or macro call: the body runs in the function's own future (no second
/// `async` block), and a panic in it is still recorded as a panic while the poll unwinds.
#[track_operation("futures", "in_place_panic")]
async fn in_place_panic() -> u32 {
    tokio::task::yield_now().await;
    boom()
}

#[test]
fn panic_in_a_body_run_in_place_counts_as_panic_not_cancelled() {
    let rt = rt();
    let error = rt
        .block_on(async { tokio::spawn(in_place_panic()).await })
        .unwrap_err();
    assert_eq!(
        error.into_panic().downcast_ref::<&str>(),
        Some(&"boom in place")
    );
    let site = Site::global("futures", "in_place_panic");
    assert_eq!(site.failed("panic"), 1.0);
    assert_eq!(site.failed("cancelled"), 0.0);
    assert_eq!(site.count, 1.0);
}

/// The same body shape, dropped at its `.await`: a cancellation, timed from the first poll.
#[track_operation("futures", "in_place_cancelled")]
async fn in_place_cancelled(n: u64) -> u64 {
    std::future::pending::<()>().await;
    n
}

#[test]
fn body_run_in_place_dropped_before_completion_is_cancelled() {
    let mut future = Box::pin(in_place_cancelled(7));
    let mut cx = Context::from_waker(Waker::noop());
    assert!(future.as_mut().poll(&mut cx).is_pending());
    assert!(future.as_mut().poll(&mut cx).is_pending());
    assert_eq!(Site::global("futures", "in_place_cancelled").count, 0.0);
    drop(future);
    let site = Site::global("futures", "in_place_cancelled");
    assert_eq!(site.failed("cancelled"), 1.0);
    assert_eq!((site.success, site.count), (0.0, 1.0));
}

struct Service {
    delay: Duration,
}

impl Service {
    #[track_operation("futures", "boxed")]
    fn boxed(
        &self,
        fail: bool,
    ) -> Pin<Box<dyn Future<Output = Result<u32, JobError>> + Send + '_>> {
        Box::pin(async move {
            tokio::time::sleep(self.delay).await;
            if fail { Err(JobError::Failed) } else { Ok(7) }
        })
    }

    #[track_operation("futures", "impl_future")]
    #[allow(clippy::manual_async_fn)] // this shape is what is under test
    fn impl_future(&self) -> impl Future<Output = Result<u32, JobError>> + '_ {
        async move {
            tokio::time::sleep(self.delay).await;
            let n: u32 = "5".parse().map_err(|_| JobError::Failed)?;
            Ok(n)
        }
    }
}

#[test]
fn returned_boxed_future_is_timed_until_it_completes() {
    let rt = rt();
    let service = Service {
        delay: Duration::from_millis(50),
    };
    let future = service.boxed(false);
    // Nothing is recorded while the future is built.
    assert_eq!(Site::global("futures", "boxed").count, 0.0);
    assert_eq!(rt.block_on(future).unwrap(), 7);
    assert!(rt.block_on(service.boxed(true)).is_err());
    let site = Site::global("futures", "boxed");
    assert_eq!(site.success, 1.0);
    assert_eq!(site.failed("Failed"), 1.0);
    assert_eq!(site.count, 2.0);
    assert!(
        site.sum >= 0.100,
        "the sleeps are included: sum {}",
        site.sum
    );
}

#[test]
fn returned_impl_future_is_timed_until_it_completes() {
    let rt = rt();
    let service = Service {
        delay: Duration::from_millis(30),
    };
    let future = service.impl_future();
    assert_eq!(Site::global("futures", "impl_future").count, 0.0);
    assert_eq!(rt.block_on(future).unwrap(), 5);
    let site = Site::global("futures", "impl_future");
    assert_eq!(site.success, 1.0);
    assert!(site.sum >= 0.030, "sum {}", site.sum);
}

#[async_trait::async_trait]
trait Job {
    async fn run(&self, fail: bool) -> Result<u32, JobError>;
}

struct SleepJob;

#[async_trait::async_trait]
impl Job for SleepJob {
    #[track_operation("futures", "async_trait")]
    async fn run(&self, fail: bool) -> Result<u32, JobError> {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if fail { Err(JobError::Failed) } else { Ok(1) }
    }
}

struct OuterJob;

// Our attribute above `#[async_trait]`'s rewrite sees the `async fn` as written.
impl OuterJob {
    #[track_operation("futures", "native_async_method")]
    async fn run(&mut self) -> u32 {
        tokio::time::sleep(Duration::from_millis(5)).await;
        3
    }
}

#[test]
fn async_trait_methods_are_timed_to_completion() {
    let rt = rt();
    let job: Box<dyn Job + Send + Sync> = Box::new(SleepJob);
    assert_eq!(rt.block_on(job.run(false)).unwrap(), 1);
    assert!(rt.block_on(job.run(true)).is_err());
    let site = Site::global("futures", "async_trait");
    assert_eq!(site.success, 1.0);
    assert_eq!(site.failed("Failed"), 1.0);
    assert!(site.sum >= 0.040, "sum {}", site.sum);

    assert_eq!(rt.block_on(OuterJob.run()), 3);
    assert_eq!(Site::global("futures", "native_async_method").success, 1.0);
}

#[track_operation("futures", "spawned")]
async fn spawned(i: u64) -> Result<u64, JobError> {
    tokio::task::yield_now().await;
    if i.is_multiple_of(4) {
        Err(JobError::Failed)
    } else {
        Ok(i)
    }
}

#[test]
fn instrumented_futures_are_send_and_count_exactly_on_a_multi_thread_runtime() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {
        let handles: Vec<_> = (0..400).map(|i| tokio::spawn(spawned(i))).collect();
        for handle in handles {
            let _ = handle.await.unwrap();
        }
    });
    let site = Site::global("futures", "spawned");
    assert_eq!(site.success, 300.0);
    assert_eq!(site.failed("Failed"), 100.0);
    assert_eq!(site.count, 400.0);
}

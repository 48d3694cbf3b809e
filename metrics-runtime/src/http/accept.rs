//! The accept loop: admitting each connection under the cap, then serving it with its
//! timeouts, one response at a time.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::HeaderValue;
use http::header::CONNECTION;
use hyper::body::Incoming;
use hyper::server::conn::http1::Builder;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

use super::ServerOptions;
use super::activity::{Activity, Timeouts};
use super::deadline::WithDeadline;
use super::handler::{self, Body};
use super::slots::Slots;
use super::status::{self, StatusHistory};
use super::watched_io::WatchedIo;
use crate::SessionMetrics;

/// Sent to a connection that finds every place taken by connections making progress.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
content-type: text/plain; charset=utf-8\r\n\
content-length: 21\r\n\
retry-after: 1\r\n\
connection: close\r\n\
\r\n\
too many connections\n";

struct Shared {
    metrics: &'static SessionMetrics,
    options: ServerOptions,
    /// The status page's history, when the page is on.
    status: Option<Arc<StatusHistory>>,
}

pub(super) async fn accept_loop(
    listener: TcpListener,
    metrics: &'static SessionMetrics,
    options: ServerOptions,
    mut stopped: oneshot::Receiver<()>,
) {
    let graceful = GracefulShutdown::new();
    let mut http = Builder::new();
    // The head timeout is ours (see Activity): hyper's would also run while a keep-alive
    // connection is idle. Read-ahead is bounded by the head size. Vectored writes send the
    // rendered body from where it is, without copying it into a buffer.
    http.header_read_timeout(None)
        .max_header_size(options.max_header_bytes)
        .max_buf_size(options.max_header_bytes)
        .writev(true);
    let timeouts = Timeouts {
        idle: options.idle_timeout,
        head: options.header_read_timeout,
        write: options.write_timeout,
    };
    let grace = options.shutdown_grace;
    let slots = Slots::new(options.max_connections);
    let epoch = Instant::now();
    let status = options.status_page.then(|| {
        Arc::new(StatusHistory::with_sample_interval(
            options.status_sample_interval,
        ))
    });
    // Samples the cells for the page's history, off the recording path; ends with the loop.
    let sampler = status
        .clone()
        .map(|history| tokio::spawn(status::sample_periodically(history, metrics)));
    let shared = Arc::new(Shared {
        metrics,
        options,
        status,
    });
    loop {
        let stream = tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors and similar: back off instead of spinning.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let activity = Arc::new(Activity::new(epoch));
        let slot = tokio::select! {
            _ = &mut stopped => break,
            slot = slots.admit(&activity) => slot,
        };
        let Some(slot) = slot else {
            // Best effort: a fresh socket's send buffer is empty, so this does not block.
            let _ = stream.try_write(BUSY);
            continue;
        };
        let id = slot.id();
        let connection = serve(&http, &graceful, &shared, stream, activity, timeouts);
        let task = tokio::spawn(async move {
            let _slot = slot;
            connection.await;
        });
        slots.serving(id, task.abort_handle());
    }
    drop(listener);
    if let Some(sampler) = sampler {
        sampler.abort();
    }
    let _ = tokio::time::timeout(grace, graceful.shutdown()).await;
}

/// Serves `stream` until it closes, fails or overstays a timeout. Responses are rendered
/// only when hyper polls the service's future, which it does once the previous response is
/// out: a connection holds one response at a time however many requests it pipelines.
fn serve(
    http: &Builder,
    graceful: &GracefulShutdown,
    shared: &Arc<Shared>,
    stream: TcpStream,
    activity: Arc<Activity>,
    timeouts: Timeouts,
) -> impl Future<Output = ()> + Send + use<> {
    let io = TokioIo::new(WatchedIo::new(stream, activity.clone()));
    let service = {
        let activity = activity.clone();
        let shared = shared.clone();
        service_fn(move |request: Request<Incoming>| {
            let number = activity.on_request();
            let shared = shared.clone();
            let activity = activity.clone();
            async move {
                let mut response = route(&shared, &request);
                if number >= shared.options.max_requests_per_connection as u64 {
                    response
                        .headers_mut()
                        .insert(CONNECTION, HeaderValue::from_static("close"));
                }
                activity.on_response();
                Ok::<_, Infallible>(response)
            }
        })
    };
    let connection = graceful.watch(http.serve_connection(io, service));
    let connection = WithDeadline::new(connection, activity, timeouts);
    async move {
        // Errors and timeouts are per connection; they affect nobody else.
        let _ = connection.await;
    }
}

fn route(shared: &Shared, request: &Request<Incoming>) -> Response<Body> {
    if let Some(problem) = handler::host_problem(request.version(), request.headers()) {
        return handler::bad_request(problem);
    }
    let path = request.uri().path();
    if path == shared.options.path {
        if let Some(history) = &shared.status {
            history.count_scrape();
        }
        return handler::render(shared.metrics, request.method(), request.headers());
    }
    if path == shared.options.health_path {
        return handler::health(request.method());
    }
    shared
        .status
        .as_deref()
        .and_then(|history| {
            status::status_response(history, shared.metrics, request.method(), path)
        })
        .unwrap_or_else(handler::not_found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_busy_response_is_framed_by_its_length() {
        let text = std::str::from_utf8(BUSY).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("content-length: {}", body.len())));
    }
}

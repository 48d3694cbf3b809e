//! The built-in server: accept loop, per-connection limits, graceful shutdown.

use std::convert::Infallible;
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::handler::{self, Body};
use crate::SessionMetrics;

/// How the built-in server behaves.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Where the metrics are served; must start with `/`. Default `/metrics`.
    pub path: String,
    /// A liveness path answering `200 ok`. Default `/health`.
    pub health_path: String,
    /// A client must send its whole request head within this time. Default 5 s.
    pub header_read_timeout: Duration,
    /// Largest accepted request head in bytes (larger gets `431`). Default 16 KiB.
    pub max_header_bytes: usize,
    /// How long a graceful shutdown waits for open requests. Default 5 s.
    pub shutdown_grace: Duration,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            path: "/metrics".into(),
            health_path: "/health".into(),
            header_read_timeout: Duration::from_secs(5),
            max_header_bytes: 16 * 1024,
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

/// Why the server could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServeError {
    /// The address could not be bound, e.g. because it is in use.
    Bind {
        /// The address we tried.
        addr: SocketAddr,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// An option is invalid.
    InvalidOption(String),
    /// The runtime thread of a [`BlockingMetricsServer`] could not be started.
    Runtime(std::io::Error),
}

impl fmt::Display for ServeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServeError::Bind { addr, source } => {
                write!(f, "cannot serve metrics on {addr}: {source}")?;
                if source.kind() == std::io::ErrorKind::AddrInUse && addr.port() == 9090 {
                    write!(
                        f,
                        " (9090 is also Prometheus' own default port; set \
                         SESSION_BUDDY_PROMETHEUS_METRICS_PORT to another port)"
                    )?;
                }
                Ok(())
            }
            ServeError::InvalidOption(reason) => write!(f, "invalid server option: {reason}"),
            ServeError::Runtime(e) => write!(f, "cannot start the metrics server thread: {e}"),
        }
    }
}

impl std::error::Error for ServeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ServeError::Bind { source, .. } | ServeError::Runtime(source) => Some(source),
            ServeError::InvalidOption(_) => None,
        }
    }
}

impl ServerOptions {
    /// The defaults with the path from `settings`; the address is
    /// [`Settings::socket_addr`](crate::settings::Settings::socket_addr).
    pub fn from_settings(settings: &crate::settings::Settings) -> Self {
        Self {
            path: settings.prometheus_metrics_path.clone(),
            ..Self::default()
        }
    }

    fn validate(&self) -> Result<(), ServeError> {
        let invalid = |reason: String| Err(ServeError::InvalidOption(reason));
        for (name, path) in [("path", &self.path), ("health_path", &self.health_path)] {
            if !path.starts_with('/') {
                return invalid(format!("{name} {path:?} must start with `/`"));
            }
        }
        if self.path == self.health_path {
            return invalid(format!("path and health_path are both {:?}", self.path));
        }
        if self.max_header_bytes < 8192 {
            return invalid(format!(
                "max_header_bytes {} is below hyper's minimum of 8192",
                self.max_header_bytes
            ));
        }
        if self.header_read_timeout.is_zero() {
            return invalid("header_read_timeout must be above zero".into());
        }
        Ok(())
    }
}

/// A running metrics server on the current tokio runtime.
///
/// Dropping it without [`shutdown`](Self::shutdown) stops accepting connections at once.
#[derive(Debug)]
pub struct MetricsServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl MetricsServer {
    /// Binds `addr` (port 0 picks a free port) and serves `metrics` in a background task.
    ///
    /// # Errors
    /// [`ServeError::Bind`] naming the address when it cannot be bound, or
    /// [`ServeError::InvalidOption`].
    pub async fn start(
        addr: SocketAddr,
        metrics: &'static SessionMetrics,
        options: ServerOptions,
    ) -> Result<Self, ServeError> {
        options.validate()?;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind { addr, source })?;
        let local = listener
            .local_addr()
            .map_err(|source| ServeError::Bind { addr, source })?;
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(accept_loop(listener, metrics, options, stopped));
        Ok(Self {
            addr: local,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// Serves the global metrics where `settings` say (bind address, port, path).
    ///
    /// # Errors
    /// As [`start`](Self::start).
    pub async fn start_from_settings(
        settings: &crate::settings::Settings,
    ) -> Result<Self, ServeError> {
        Self::start(
            settings.socket_addr(),
            crate::get_metrics(),
            ServerOptions::from_settings(settings),
        )
        .await
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, lets open requests finish (up to the grace period), then returns.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    metrics: &'static SessionMetrics,
    options: ServerOptions,
    mut stopped: oneshot::Receiver<()>,
) {
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(options.header_read_timeout)
        .max_header_size(options.max_header_bytes)
        .max_buf_size(options.max_header_bytes.max(64 * 1024));
    let options = std::sync::Arc::new(options);
    loop {
        let stream = tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Running out of file descriptors and similar: back off instead of spinning.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let options = options.clone();
        let service = service_fn(move |request: Request<Incoming>| {
            let response = route(metrics, &options, &request);
            async move { Ok::<_, Infallible>(response) }
        });
        let connection = http.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // Errors here are per-connection (timeouts, resets); they affect nobody else.
            let _ = connection.await;
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(options.shutdown_grace, graceful.shutdown()).await;
}

fn route(
    metrics: &SessionMetrics,
    options: &ServerOptions,
    request: &Request<Incoming>,
) -> Response<Body> {
    let path = request.uri().path();
    if path == options.path {
        handler::render(metrics, request.method(), request.headers())
    } else if path == options.health_path {
        handler::health(request.method())
    } else {
        handler::not_found()
    }
}

/// A metrics server on its own thread and single-threaded runtime, for programs without tokio.
///
/// Dropping the handle shuts the server down and joins its thread.
#[derive(Debug)]
pub struct BlockingMetricsServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BlockingMetricsServer {
    /// Starts serving `metrics` on `addr` from a new thread; returns once the port is bound.
    ///
    /// ```
    /// use session_metrics::http::{BlockingMetricsServer, ServerOptions};
    ///
    /// let server = BlockingMetricsServer::start(
    ///     "127.0.0.1:0".parse().unwrap(),
    ///     session_metrics::get_metrics(),
    ///     ServerOptions::default(),
    /// )?;
    /// assert_ne!(server.local_addr().port(), 0);
    /// server.shutdown();
    /// # Ok::<(), session_metrics::http::ServeError>(())
    /// ```
    ///
    /// # Errors
    /// As [`MetricsServer::start`], or [`ServeError::Runtime`].
    pub fn start(
        addr: SocketAddr,
        metrics: &'static SessionMetrics,
        options: ServerOptions,
    ) -> Result<Self, ServeError> {
        options.validate()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(ServeError::Runtime)?;
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("session-metrics-http".into())
            .spawn(move || {
                runtime.block_on(async move {
                    match MetricsServer::start(addr, metrics, options).await {
                        Ok(server) => {
                            let _ = ready_tx.send(Ok(server.local_addr()));
                            let _ = stopped.await;
                            server.shutdown().await;
                        }
                        Err(error) => {
                            let _ = ready_tx.send(Err(error));
                        }
                    }
                });
            })
            .map_err(ServeError::Runtime)?;
        let addr = ready_rx.recv().map_err(|_| {
            ServeError::Runtime(std::io::Error::other("metrics server thread exited"))
        })??;
        Ok(Self {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Shuts down gracefully and joins the server thread.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for BlockingMetricsServer {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

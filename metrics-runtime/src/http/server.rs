//! The built-in server's handles: [`MetricsServer`] on the caller's tokio runtime and
//! [`BlockingMetricsServer`] on a thread of its own; both stop gracefully.

use std::net::SocketAddr;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::accept::accept_loop;
use super::{ServeError, ServerOptions};
use crate::SessionMetrics;

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

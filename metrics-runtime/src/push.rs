//! Pushing the registry to a Prometheus Pushgateway (cargo feature `push`).
//!
//! Uses hyper's async client on tokio, so pushing never blocks an async runtime's thread.
//! Plain `http://` gateways only; put a TLS-terminating proxy in front of an `https` one.
//!
//! ```no_run
//! # async fn doc() -> Result<(), session_metrics::push::PushError> {
//! use session_metrics::push::Pushgateway;
//!
//! let gateway = Pushgateway::new("http://127.0.0.1:9091", "nightly-import")?
//!     .grouping("instance", "worker/1")?; // values with `/` use the gateway's base64 form
//! gateway.push(session_metrics::get_metrics()).await?; // PUT: replaces the group
//! gateway.delete().await?;
//! # Ok(()) }
//! ```

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE;
use bytes::Bytes;
use http::{Method, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::SessionMetrics;

/// A Pushgateway group: base URL, `job` and grouping labels.
#[derive(Clone)]
pub struct Pushgateway {
    base: String,
    job: String,
    grouping: Vec<(String, String)>,
    timeout: Duration,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl fmt::Debug for Pushgateway {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pushgateway")
            .field("url", &self.url())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Pushgateway {
    /// The default time limit of one request, connection included.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

    /// A group `job` on the gateway at `base_url` (e.g. `http://127.0.0.1:9091`).
    ///
    /// # Errors
    /// [`PushErrorKind::InvalidUrl`] for a URL that is not `http://host[:port][/prefix]`,
    /// [`PushErrorKind::InvalidLabel`] for an empty job.
    pub fn new(base_url: &str, job: &str) -> Result<Self, PushError> {
        let base = base_url.trim_end_matches('/').to_owned();
        let invalid = |reason: &str| PushError {
            url: base_url.to_owned(),
            kind: PushErrorKind::InvalidUrl(reason.to_owned()),
        };
        let uri: Uri = base.parse().map_err(|_| invalid("not a valid URL"))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => return Err(invalid("https is not supported; use http")),
            _ => return Err(invalid("the URL must start with http://")),
        }
        if uri.host().is_none_or(str::is_empty) {
            return Err(invalid("the URL has no host"));
        }
        if uri.query().is_some() {
            return Err(invalid("the URL must not have a query"));
        }
        if job.is_empty() {
            return Err(PushError {
                url: base_url.to_owned(),
                kind: PushErrorKind::InvalidLabel("the job name must not be empty".into()),
            });
        }
        Ok(Self {
            base,
            job: job.to_owned(),
            grouping: Vec::new(),
            timeout: Self::DEFAULT_TIMEOUT,
            client: Client::builder(TokioExecutor::new()).build_http(),
        })
    }

    /// The group configured in `settings` (URL, job, grouping labels, timeout), or `None`
    /// when no URL is set.
    ///
    /// # Errors
    /// As [`new`](Self::new) and [`grouping`](Self::grouping).
    pub fn from_settings(
        settings: &crate::settings::PushgatewaySettings,
    ) -> Result<Option<Self>, PushError> {
        let Some(url) = &settings.url else {
            return Ok(None);
        };
        let mut gateway = Self::new(url, &settings.job)?.timeout(settings.timeout);
        for (name, value) in &settings.grouping {
            gateway = gateway.grouping(name, value)?;
        }
        Ok(Some(gateway))
    }

    /// Adds a grouping label. Any value works: ones with `/` or other reserved characters are
    /// sent in the gateway's base64 form.
    ///
    /// # Errors
    /// [`PushErrorKind::InvalidLabel`] for an invalid, reserved or repeated label name.
    pub fn grouping(mut self, name: &str, value: &str) -> Result<Self, PushError> {
        let valid = name
            .chars()
            .enumerate()
            .all(|(i, c)| c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit()));
        let reason = if name.is_empty() || !valid {
            Some(format!("{name:?} is not a valid label name"))
        } else if name == "job" || name.starts_with("__") {
            Some(format!("{name:?} is reserved"))
        } else if self.grouping.iter().any(|(n, _)| n == name) {
            Some(format!("{name:?} is given twice"))
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(PushError {
                url: self.url(),
                kind: PushErrorKind::InvalidLabel(reason),
            });
        }
        self.grouping.push((name.to_owned(), value.to_owned()));
        Ok(self)
    }

    /// Sets the time limit of each request (default [`Self::DEFAULT_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The group's URL, e.g. `http://host:9091/metrics/job/name/instance/a`.
    pub fn url(&self) -> String {
        let mut url = format!("{}/metrics/job{}", self.base, path_value(&self.job));
        for (name, value) in &self.grouping {
            url.push('/');
            url.push_str(name);
            url.push_str(&path_value(value));
        }
        url
    }

    /// `PUT`: replaces every metric of the group with the registry's current values.
    ///
    /// # Errors
    /// A [`PushError`] carrying the URL and the status or cause; never panics, and gives up
    /// after the timeout.
    pub async fn push(&self, metrics: &SessionMetrics) -> Result<(), PushError> {
        self.send(Method::PUT, Some(metrics)).await
    }

    /// `POST`: replaces only the metrics with the same names, keeping the group's others.
    ///
    /// # Errors
    /// As [`push`](Self::push).
    pub async fn push_add(&self, metrics: &SessionMetrics) -> Result<(), PushError> {
        self.send(Method::POST, Some(metrics)).await
    }

    /// `DELETE`: removes the whole group from the gateway.
    ///
    /// # Errors
    /// As [`push`](Self::push).
    pub async fn delete(&self) -> Result<(), PushError> {
        self.send(Method::DELETE, None).await
    }

    async fn send(
        &self,
        method: Method,
        metrics: Option<&SessionMetrics>,
    ) -> Result<(), PushError> {
        let url = self.url();
        let error = |kind| PushError {
            url: url.clone(),
            kind,
        };
        let body = match metrics {
            Some(metrics) => metrics
                .try_export_metrics()
                .map_err(|e| error(PushErrorKind::Encode(e.to_string())))?,
            None => String::new(),
        };
        let request = Request::builder()
            .method(method)
            .uri(&url)
            .header(http::header::CONTENT_TYPE, crate::http_text_content_type())
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| error(PushErrorKind::InvalidUrl(e.to_string())))?;
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| PushErrorKind::Transport(error_chain(&e)))?;
            let status = response.status();
            if status.is_success() {
                return Ok(());
            }
            // Keep a bounded piece of the gateway's explanation for the error message.
            let body = Limited::new(response.into_body(), 4096)
                .collect()
                .await
                .map(|b| String::from_utf8_lossy(&b.to_bytes()).trim().to_owned())
                .unwrap_or_default();
            Err(PushErrorKind::Status { status, body })
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(result) => result.map_err(error),
            Err(_) => Err(error(PushErrorKind::Timeout(self.timeout))),
        }
    }

    /// Pushes (`PUT`) every `interval` in a background task until [`PushTask::stop`], which
    /// pushes once more so the final values are not lost.
    pub fn spawn_periodic(self, metrics: &'static SessionMetrics, interval: Duration) -> PushTask {
        let last_error = Arc::new(Mutex::new(None));
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let errors = last_error.clone();
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(interval.max(Duration::from_millis(10)));
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                let last = tokio::select! {
                    _ = ticks.tick() => false,
                    _ = &mut stopped => true,
                };
                let result = self.push(metrics).await.err();
                *errors.lock().unwrap_or_else(PoisonError::into_inner) = result;
                if last {
                    break;
                }
            }
        });
        PushTask {
            stop: Some(stop),
            task,
            last_error,
        }
    }
}

/// A running periodic push; see [`Pushgateway::spawn_periodic`].
#[derive(Debug)]
pub struct PushTask {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    last_error: Arc<Mutex<Option<PushError>>>,
}

impl PushTask {
    /// The error of the latest push, if it failed.
    pub fn last_error(&self) -> Option<PushError> {
        self.last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Pushes a final time and stops. Returns that push's error, if any.
    pub async fn stop(mut self) -> Option<PushError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
        self.last_error()
    }
}

/// A path segment for a label value: as is when safe, else `@base64/<url-safe base64>`.
fn path_value(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    if plain {
        format!("/{value}")
    } else if value.is_empty() {
        // The gateway's spelling of an empty value.
        "@base64/=".to_owned()
    } else {
        format!("@base64/{}", URL_SAFE.encode(value))
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// A failed push, always naming the URL.
#[derive(Debug, Clone)]
pub struct PushError {
    url: String,
    kind: PushErrorKind,
}

/// What went wrong with a push.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum PushErrorKind {
    /// The gateway URL is unusable.
    InvalidUrl(String),
    /// A job or grouping label is unusable.
    InvalidLabel(String),
    /// The registry could not be encoded.
    Encode(String),
    /// No connection or a broken one (refused, reset, DNS, ...).
    Transport(String),
    /// No complete answer within the timeout.
    Timeout(Duration),
    /// The gateway answered with an error status.
    Status {
        /// The HTTP status.
        status: StatusCode,
        /// The start of the gateway's explanation.
        body: String,
    },
}

impl PushError {
    /// The URL of the failed request.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// What went wrong.
    pub fn kind(&self) -> &PushErrorKind {
        &self.kind
    }
}

impl fmt::Display for PushError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = &self.url;
        match &self.kind {
            PushErrorKind::InvalidUrl(reason) => {
                write!(f, "invalid Pushgateway URL {url:?}: {reason}")
            }
            PushErrorKind::InvalidLabel(reason) => {
                write!(f, "invalid Pushgateway group at {url}: {reason}")
            }
            PushErrorKind::Encode(reason) => write!(f, "cannot push to {url}: {reason}"),
            PushErrorKind::Transport(cause) => {
                write!(f, "cannot reach the Pushgateway at {url}: {cause}")
            }
            PushErrorKind::Timeout(limit) => {
                write!(
                    f,
                    "the Pushgateway at {url} did not answer within {limit:?}"
                )
            }
            PushErrorKind::Status { status, body } if body.is_empty() => {
                write!(f, "the Pushgateway at {url} answered {status}")
            }
            PushErrorKind::Status { status, body } => {
                write!(f, "the Pushgateway at {url} answered {status}: {body}")
            }
        }
    }
}

impl std::error::Error for PushError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_use_base64_for_awkward_values() {
        let g = Pushgateway::new("http://gw:9091/", "batch/job")
            .unwrap()
            .grouping("instance", "host-1")
            .unwrap()
            .grouping("path", "/var/tmp")
            .unwrap()
            .grouping("empty", "")
            .unwrap();
        assert_eq!(
            g.url(),
            "http://gw:9091/metrics/job@base64/YmF0Y2gvam9i/instance/host-1/path@base64/L3Zhci90bXA=/empty@base64/="
        );
    }

    #[test]
    fn bad_urls_and_labels_are_rejected_with_the_reason() {
        let e = Pushgateway::new("https://gw", "j").unwrap_err();
        assert!(e.to_string().contains("https is not supported"), "{e}");
        let e = Pushgateway::new("gw:9091", "j").unwrap_err();
        assert!(e.to_string().contains("\"gw:9091\""), "{e}");
        let e = Pushgateway::new("http://gw", "").unwrap_err();
        assert!(e.to_string().contains("job name must not be empty"), "{e}");
        let g = Pushgateway::new("http://gw", "j").unwrap();
        let e = g.clone().grouping("9x", "v").unwrap_err();
        assert!(
            e.to_string().contains("\"9x\" is not a valid label name"),
            "{e}"
        );
        let e = g.grouping("job", "v").unwrap_err();
        assert!(e.to_string().contains("reserved"), "{e}");
    }
}

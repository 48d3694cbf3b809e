//! Pushing the registry to a Prometheus Pushgateway (cargo feature `push`).
//!
//! Uses hyper's async client on tokio, so pushing never blocks an async runtime's thread.
//! Plain `http://` gateways only; put a TLS-terminating proxy in front of an `https` one.
//! A user and password in the URL (`http://user:secret@host:9091`) are sent as HTTP Basic
//! auth; wherever the URL is shown (errors, `Debug`, [`Pushgateway::url`]) the password is
//! `***`.
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

mod error;
mod periodic;

use std::fmt;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderValue, Method, Request, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use percent_encoding::percent_decode_str;

pub use self::error::{PushError, PushErrorKind};
pub use self::periodic::{PushChange, PushTask};
use crate::SessionMetrics;
use crate::settings::url::{UrlParts, redact_userinfo};

/// A Pushgateway group: base URL, `job` and grouping labels.
#[derive(Clone)]
pub struct Pushgateway {
    /// The base URL requests go to: no userinfo.
    base: String,
    /// The base URL as shown: a password as `***`.
    shown: String,
    /// `Basic ...` from the URL's userinfo, marked sensitive.
    authorization: Option<HeaderValue>,
    job: String,
    grouping: Vec<(String, String)>,
    timeout: Duration,
    client: Client<HttpConnector, Full<Bytes>>,
}

/// Shows the URL with any password as `***`, and whether Basic auth is sent.
impl fmt::Debug for Pushgateway {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pushgateway")
            .field("url", &self.url())
            .field("basic_auth", &self.authorization.is_some())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Pushgateway {
    /// The default time limit of one request, connection included.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

    /// A group `job` on the gateway at `base_url` (e.g. `http://127.0.0.1:9091`).
    ///
    /// A user and password in the URL (`http://user:secret@host:9091`, percent-encoded as in
    /// any URL) are sent as an `Authorization: Basic` header, never as part of the request
    /// target, and shown as `user:***` (a user name alone, which may be a token, as `***`).
    ///
    /// ```
    /// use session_metrics::push::Pushgateway;
    ///
    /// let gateway = Pushgateway::new("http://ci:s3cret@127.0.0.1:9091", "nightly")?;
    /// assert_eq!(gateway.url(), "http://ci:***@127.0.0.1:9091/metrics/job/nightly");
    /// assert!(!format!("{gateway:?}").contains("s3cret"));
    ///
    /// let error = Pushgateway::new("http://ci:s3cret@127.0.0.1:99999", "nightly").unwrap_err();
    /// assert_eq!(
    ///     error.to_string(),
    ///     "invalid Pushgateway URL \"http://ci:***@127.0.0.1:99999\": \
    ///      the port 99999 is out of range: a port is at most 65535",
    /// );
    /// # Ok::<(), session_metrics::push::PushError>(())
    /// ```
    ///
    /// # Errors
    /// [`PushErrorKind::InvalidUrl`] for a URL that is not
    /// `http://[user[:password]@]host[:port][/prefix]` with a port from 1 to 65535,
    /// [`PushErrorKind::InvalidLabel`] for an empty job.
    pub fn new(base_url: &str, job: &str) -> Result<Self, PushError> {
        let trimmed = base_url.trim_end_matches('/');
        let shown_input = redact_userinfo(base_url);
        let invalid = |reason: String| PushError {
            url: shown_input.clone(),
            kind: PushErrorKind::InvalidUrl(reason),
        };
        let parts = UrlParts::split(trimmed)
            .ok_or_else(|| invalid("the URL must start with http://".into()))?;
        match parts.scheme.to_ascii_lowercase().as_str() {
            "http" => {}
            "https" => return Err(invalid("https is not supported; use http".into())),
            _ => return Err(invalid("the URL must start with http://".into())),
        }
        // `http::Uri` takes any digits as a port, and hyper then connects to port 80.
        parts.check_port().map_err(invalid)?;
        let base = parts.without_userinfo();
        let uri: Uri = base
            .parse()
            .map_err(|_| invalid("not a valid URL".into()))?;
        if uri.host().is_none_or(str::is_empty) {
            return Err(invalid("the URL has no host".into()));
        }
        if uri.query().is_some() {
            return Err(invalid("the URL must not have a query".into()));
        }
        let authorization = parts
            .userinfo
            .map(basic_auth)
            .transpose()
            .map_err(invalid)?;
        if job.is_empty() {
            return Err(PushError {
                url: shown_input,
                kind: PushErrorKind::InvalidLabel("the job name must not be empty".into()),
            });
        }
        Ok(Self {
            base,
            shown: redact_userinfo(trimmed),
            authorization,
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

    /// The group's URL as shown in messages, e.g.
    /// `http://host:9091/metrics/job/name/instance/a`; a password in it is `***`.
    pub fn url(&self) -> String {
        self.group_url(&self.shown)
    }

    fn group_url(&self, base: &str) -> String {
        let mut url = format!("{base}/metrics/job{}", path_value(&self.job));
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
        let error = |kind| PushError {
            url: self.url(),
            kind,
        };
        let body = match metrics {
            Some(metrics) => metrics
                .try_export_metrics()
                .map_err(|e| error(PushErrorKind::Encode(e.to_string())))?,
            None => String::new(),
        };
        let mut request = Request::builder()
            .method(method)
            .uri(self.group_url(&self.base))
            .header(CONTENT_TYPE, crate::http_text_content_type());
        if let Some(authorization) = &self.authorization {
            request = request.header(AUTHORIZATION, authorization.clone());
        }
        let request = request
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
}

/// The `Authorization` value for the URL's `user[:password]`, percent-decoded.
fn basic_auth(userinfo: &str) -> Result<HeaderValue, String> {
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let mut credentials: Vec<u8> = percent_decode_str(user).collect();
    credentials.push(b':');
    credentials.extend(percent_decode_str(password));
    let mut value = HeaderValue::try_from(format!("Basic {}", STANDARD.encode(credentials)))
        .map_err(|_| "the user and password cannot be sent as Basic auth".to_owned())?;
    value.set_sensitive(true);
    Ok(value)
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
        let e = Pushgateway::new("http://127.0.0.1:99999", "j").unwrap_err();
        assert!(e.to_string().contains("port 99999 is out of range"), "{e}");
        let e = Pushgateway::new("http://127.0.0.1:", "j").unwrap_err();
        assert!(e.to_string().contains("no port number"), "{e}");
    }

    #[test]
    fn credentials_become_basic_auth_and_are_never_shown() {
        let g = Pushgateway::new("http://us%40er:p%3Ass@gw:9091/", "j").unwrap();
        assert_eq!(g.base, "http://gw:9091");
        assert_eq!(g.url(), "http://us%40er:***@gw:9091/metrics/job/j");
        let auth = g.authorization.as_ref().unwrap();
        assert!(auth.is_sensitive());
        // base64("us@er:p:ss")
        assert_eq!(auth, "Basic dXNAZXI6cDpzcw==");
        let shown = format!("{g:?} {}", g.clone().grouping("9", "x").unwrap_err());
        assert!(
            !shown.contains("p%3Ass") && !shown.contains("p:ss"),
            "{shown}"
        );
        let e = Pushgateway::new("ftp://u:p%3Ass@gw", "j").unwrap_err();
        assert!(!format!("{e} {e:?}").contains("p%3Ass"), "{e:?}");
        let token = Pushgateway::new("http://t0ken@gw", "j").unwrap();
        assert_eq!(token.url(), "http://***@gw/metrics/job/j");
        assert_eq!(token.authorization.unwrap(), "Basic dDBrZW46");
        assert!(
            Pushgateway::new("http://gw", "j")
                .unwrap()
                .authorization
                .is_none()
        );
    }
}

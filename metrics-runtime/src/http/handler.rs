//! Turning a request into the exposition response, for our server and for users' routers.

use std::io::Write;

use bytes::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;
use http::header::{
    ACCEPT, ACCEPT_ENCODING, ALLOW, CONNECTION, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE,
    HOST, VARY,
};
use http::uri::Authority;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, Version};
use http_body_util::Full;

use crate::{Format, SessionMetrics};

/// The content type of the Prometheus text format.
pub const TEXT_CONTENT_TYPE: &str = crate::http_text_content_type();

/// The body type of every response we build.
pub type Body = Full<Bytes>;

/// Answers a request for the metrics, whatever its path: GET and HEAD get the registry in the
/// format the `Accept` header prefers ([`Format::from_accept`]: OpenMetrics when preferred,
/// the text format otherwise), gzip-compressed when the request accepts gzip; other methods
/// `405` with `Allow`.
///
/// Mount it on your own router:
///
/// ```
/// # async fn doc() {
/// use session_metrics::http::metrics_response;
///
/// // axum: Router::new().route("/metrics", get(|req: axum::extract::Request| async move {
/// //     metrics_response(session_metrics::get_metrics(), &req)
/// // }));
/// let request = http::Request::get("/metrics").body(()).unwrap();
/// let response = metrics_response(session_metrics::get_metrics(), &request);
/// assert_eq!(response.status(), 200);
/// # }
/// ```
pub fn metrics_response<B>(metrics: &SessionMetrics, request: &Request<B>) -> Response<Body> {
    render(metrics, request.method(), request.headers())
}

/// Like [`metrics_response`], from the method and headers alone.
pub fn render(metrics: &SessionMetrics, method: &Method, headers: &HeaderMap) -> Response<Body> {
    if method != Method::GET && method != Method::HEAD {
        return method_not_allowed();
    }
    if !metrics.is_enabled() {
        return text(
            StatusCode::SERVICE_UNAVAILABLE,
            "metrics are disabled (enable_prometheus_metrics is false)\n",
        );
    }
    let format = Format::from_accept_headers(
        headers
            .get_all(ACCEPT)
            .iter()
            .filter_map(|value| value.to_str().ok()),
    );
    let body = match metrics.try_export(format) {
        Ok(body) => body,
        Err(error) => {
            return text(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("cannot encode metrics: {error}\n"),
            );
        }
    };
    let mut builder = Response::builder()
        .status(StatusCode::OK)
        .header(CONTENT_TYPE, format.content_type())
        .header(VARY, "Accept, Accept-Encoding");
    let mut body = if accepts_gzip(headers) {
        match gzip(body.as_bytes()) {
            Ok(compressed) => {
                builder = builder.header(CONTENT_ENCODING, "gzip");
                compressed
            }
            Err(_) => body.into_bytes(),
        }
    } else {
        body.into_bytes()
    };
    // The buffer grew by doubling; a slow client holds the body until it is sent, so it
    // should hold its length, not up to twice that.
    body.shrink_to_fit();
    builder = builder.header(CONTENT_LENGTH, body.len());
    let body = if method == Method::HEAD {
        Bytes::new()
    } else {
        Bytes::from(body)
    };
    builder
        .body(Full::new(body))
        .unwrap_or_else(|_| text(StatusCode::INTERNAL_SERVER_ERROR, "cannot build response\n"))
}

/// `200 ok` for liveness probes.
pub(crate) fn health(method: &Method) -> Response<Body> {
    if method != Method::GET && method != Method::HEAD {
        return method_not_allowed();
    }
    text(StatusCode::OK, "ok\n")
}

/// What is wrong with the request's `Host` header, if anything (RFC 9112 section 3.2): an
/// HTTP/1.1 request needs exactly one, no request may have two, and its value must be a host
/// with an optional port (or empty).
pub(crate) fn host_problem(version: Version, headers: &HeaderMap) -> Option<&'static str> {
    let mut hosts = headers.get_all(HOST).iter();
    match (hosts.next(), hosts.next()) {
        (None, _) if version == Version::HTTP_11 => Some("an HTTP/1.1 request needs a Host header"),
        (None, _) => None,
        (Some(_), Some(_)) => Some("a request cannot have two Host headers"),
        (Some(host), None) if !valid_host(host) => Some("the Host header is not a host[:port]"),
        (Some(_), None) => None,
    }
}

fn valid_host(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    bytes.is_empty() || (!bytes.contains(&b'@') && Authority::try_from(bytes).is_ok())
}

/// `400` saying why, closing the connection: what follows a malformed request cannot be
/// trusted to be framed as the client meant.
pub(crate) fn bad_request(reason: &str) -> Response<Body> {
    let mut response = text(StatusCode::BAD_REQUEST, &format!("{reason}\n"));
    response
        .headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("close"));
    response
}

pub(crate) fn not_found() -> Response<Body> {
    text(StatusCode::NOT_FOUND, "not found\n")
}

fn method_not_allowed() -> Response<Body> {
    let mut response = text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
    response
        .headers_mut()
        .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
    response
}

fn text(status: StatusCode, body: &str) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_owned())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn gzip(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(data.len() / 4), Compression::fast());
    encoder.write_all(data)?;
    encoder.finish()
}

/// Whether `Accept-Encoding` lists `gzip` (or `*`) with a non-zero quality.
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|param| {
                param
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(accept: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(ACCEPT_ENCODING, HeaderValue::from_str(accept).unwrap());
        h
    }

    #[test]
    fn host_is_required_once_in_http_1_1() {
        let one = |value: &str| {
            let mut h = HeaderMap::new();
            h.insert(HOST, HeaderValue::from_str(value).unwrap());
            h
        };
        let mut two = one("a");
        two.append(HOST, HeaderValue::from_static("b"));
        assert_eq!(host_problem(Version::HTTP_11, &one("localhost:9090")), None);
        assert_eq!(host_problem(Version::HTTP_11, &one("[::1]:9090")), None);
        assert_eq!(host_problem(Version::HTTP_11, &one("")), None);
        assert_eq!(host_problem(Version::HTTP_10, &HeaderMap::new()), None);
        assert!(host_problem(Version::HTTP_11, &HeaderMap::new()).is_some());
        assert!(host_problem(Version::HTTP_10, &two).is_some());
        assert!(host_problem(Version::HTTP_11, &one("a/b")).is_some());
        assert!(host_problem(Version::HTTP_11, &one("user@host")).is_some());
    }

    #[test]
    fn accept_encoding_is_read_with_qualities() {
        assert!(accepts_gzip(&headers("gzip")));
        assert!(accepts_gzip(&headers("deflate, GZIP;q=0.5")));
        assert!(accepts_gzip(&headers("*")));
        assert!(!accepts_gzip(&headers("gzip;q=0")));
        assert!(!accepts_gzip(&headers("identity")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}

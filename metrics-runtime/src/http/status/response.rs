//! The status page's responses: the embedded assets and `/status.json`, each with the
//! security headers.

use bytes::Bytes;
use http::header::{ALLOW, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderName, HeaderValue, Method, Response, StatusCode};
use http_body_util::Full;

use super::StatusHistory;
use crate::SessionMetrics;
use crate::http::Body;

const INDEX_HTML: &str = include_str!("assets/index.html");
const PAGE_JS: &str = include_str!("assets/status.js");
const PAGE_CSS: &str = include_str!("assets/status.css");

/// The paths the status page answers: the page, its script and style, and its data.
pub const STATUS_PATHS: [&str; 4] = crate::settings::STATUS_PAGE_PATHS;

/// Same origin only for scripts, styles and requests; no inline script or style, no plugins,
/// no framing, no `<base>`, no form posts. `img-src data:` is the page's empty favicon.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; connect-src 'self'; img-src data:; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// The response for `path` when it is one of [`STATUS_PATHS`], else `None`. GET and HEAD are
/// answered; other methods get `405` with `Allow`.
pub fn status_response(
    history: &StatusHistory,
    metrics: &SessionMetrics,
    method: &Method,
    path: &str,
) -> Option<Response<Body>> {
    let (content_type, body): (&str, Bytes) = match path {
        "/" => (
            "text/html; charset=utf-8",
            Bytes::from_static(INDEX_HTML.as_bytes()),
        ),
        "/status.js" => (
            "text/javascript; charset=utf-8",
            Bytes::from_static(PAGE_JS.as_bytes()),
        ),
        "/status.css" => (
            "text/css; charset=utf-8",
            Bytes::from_static(PAGE_CSS.as_bytes()),
        ),
        "/status.json" if method == Method::GET || method == Method::HEAD => {
            ("application/json", Bytes::from(history.to_json(metrics)))
        }
        "/status.json" => ("application/json", Bytes::new()),
        _ => return None,
    };
    let mut response = if method == Method::GET || method == Method::HEAD {
        let length = body.len();
        let body = if method == Method::HEAD {
            Bytes::new()
        } else {
            body
        };
        let mut response = Response::new(Full::new(body));
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    } else {
        let mut response = Response::new(Full::new(Bytes::from_static(b"method not allowed\n")));
        *response.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
        let headers = response.headers_mut();
        headers.insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        response
    };
    let headers = response.headers_mut();
    headers.insert(
        HeaderName::from_static("content-security-policy"),
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        HeaderName::from_static("referrer-policy"),
        HeaderValue::from_static("no-referrer"),
    );
    Some(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_path_has_the_security_headers() {
        let history = StatusHistory::new();
        let metrics = SessionMetrics::new(prometheus::Registry::new()).unwrap();
        for path in STATUS_PATHS {
            for method in [Method::GET, Method::HEAD, Method::POST] {
                let response = status_response(&history, &metrics, &method, path).unwrap();
                let expected = if method == Method::POST { 405 } else { 200 };
                assert_eq!(response.status(), expected, "{method} {path}");
                let headers = response.headers();
                assert_eq!(headers["x-content-type-options"], "nosniff");
                let csp = headers["content-security-policy"].to_str().unwrap();
                assert!(
                    csp.starts_with("default-src 'none'; script-src 'self';"),
                    "{csp}"
                );
                assert!(!csp.contains("unsafe"), "{csp}");
            }
        }
        assert!(status_response(&history, &metrics, &Method::GET, "/metrics").is_none());
    }

    #[test]
    fn the_page_loads_its_script_and_style_from_this_server_only() {
        assert!(INDEX_HTML.contains(r#"<script src="/status.js""#));
        assert!(INDEX_HTML.contains(r#"href="/status.css""#));
        for asset in [INDEX_HTML, PAGE_JS, PAGE_CSS] {
            // The SVG namespace is a name, not a request.
            let asset = asset.replace("http://www.w3.org/2000/svg", "");
            assert!(!asset.contains("http://") && !asset.contains("https://"));
            assert!(!asset.contains("//cdn") && !asset.contains("@import"));
        }
        // Label values reach the page as text only.
        assert!(!PAGE_JS.contains("innerHTML"));
        assert!(!PAGE_JS.contains("insertAdjacentHTML"));
        assert!(!INDEX_HTML.contains("<script>"), "no inline script");
    }
}

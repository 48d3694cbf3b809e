//! The built-in `/metrics` server: routing, methods, HEAD, gzip, limits, concurrency, errors.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use session_metrics::SessionMetrics;
use session_metrics::http::{BlockingMetricsServer, ServeError, ServerOptions};
use session_metrics_tests::Exposition;
use session_metrics_tests::prom::{agent, serve};

fn leaked_metrics() -> &'static SessionMetrics {
    let m = SessionMetrics::new(prometheus::Registry::new()).unwrap();
    m.record_session_start("http", "bash");
    m.record_mcp_event_success("http", "op", 0.01);
    Box::leak(Box::new(m))
}

fn start(options: ServerOptions) -> BlockingMetricsServer {
    BlockingMetricsServer::start("127.0.0.1:0".parse().unwrap(), leaked_metrics(), options).unwrap()
}

fn url(addr: SocketAddr, path: &str) -> String {
    format!("http://{addr}{path}")
}

#[test]
fn get_serves_the_exposition_with_its_content_type() {
    let server = start(ServerOptions::default());
    let mut response = agent()
        .get(url(server.local_addr(), "/metrics"))
        .call()
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let body = response.body_mut().read_to_string().unwrap();
    let e = Exposition::parse(&body);
    assert_eq!(
        e.get(
            "session_start_total",
            &[("component_name", "http"), ("shell_type", "bash")]
        ),
        Some(1.0)
    );
}

#[test]
fn head_gets_headers_and_no_body() {
    let server = start(ServerOptions::default());
    let agent = agent();
    let get_len = agent
        .get(url(server.local_addr(), "/metrics"))
        .call()
        .unwrap()
        .body_mut()
        .read_to_vec()
        .unwrap()
        .len();
    let mut head = agent
        .head(url(server.local_addr(), "/metrics"))
        .call()
        .unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(
        head.headers()["content-length"],
        get_len.to_string().as_str()
    );
    assert!(head.body_mut().read_to_vec().unwrap().is_empty());
}

#[test]
fn gzip_when_the_client_accepts_it() {
    let server = start(ServerOptions::default());
    let agent = agent();
    let plain = agent
        .get(url(server.local_addr(), "/metrics"))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    let mut response = agent
        .get(url(server.local_addr(), "/metrics"))
        .header("Accept-Encoding", "gzip")
        .call()
        .unwrap();
    assert_eq!(response.headers()["content-encoding"], "gzip");
    let compressed = response.body_mut().read_to_vec().unwrap();
    let mut inflated = String::new();
    flate2::read::GzDecoder::new(&compressed[..])
        .read_to_string(&mut inflated)
        .unwrap();
    assert_eq!(inflated, plain);
}

#[test]
fn unknown_paths_are_404_and_other_methods_405_with_allow() {
    let server = start(ServerOptions::default());
    let agent = agent();
    let addr = server.local_addr();
    assert_eq!(agent.get(url(addr, "/nope")).call().unwrap().status(), 404);
    assert_eq!(
        agent
            .get(url(addr, "/metrics/extra"))
            .call()
            .unwrap()
            .status(),
        404
    );
    let post = agent.post(url(addr, "/metrics")).send("x").unwrap();
    assert_eq!(post.status(), 405);
    assert_eq!(post.headers()["allow"], "GET, HEAD");
    assert_eq!(
        agent.delete(url(addr, "/metrics")).call().unwrap().status(),
        405
    );
    let mut health = agent.get(url(addr, "/health")).call().unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.body_mut().read_to_string().unwrap(), "ok\n");
}

#[test]
fn custom_path_is_honoured() {
    let server = start(ServerOptions {
        path: "/internal/prom".into(),
        ..ServerOptions::default()
    });
    let agent = agent();
    assert_eq!(
        agent
            .get(url(server.local_addr(), "/internal/prom"))
            .call()
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        agent
            .get(url(server.local_addr(), "/metrics"))
            .call()
            .unwrap()
            .status(),
        404
    );
}

#[test]
fn disabled_metrics_answer_503_saying_so() {
    let disabled: &'static SessionMetrics = Box::leak(Box::new(SessionMetrics::disabled()));
    let server = serve(disabled);
    let mut response = agent()
        .get(url(server.local_addr(), "/metrics"))
        .call()
        .unwrap();
    assert_eq!(response.status(), 503);
    assert!(
        response
            .body_mut()
            .read_to_string()
            .unwrap()
            .contains("metrics are disabled")
    );
}

#[test]
fn a_client_that_never_finishes_its_headers_is_dropped_while_scrapes_succeed() {
    let server = start(ServerOptions {
        header_read_timeout: Duration::from_millis(500),
        ..ServerOptions::default()
    });
    let mut slow = TcpStream::connect(server.local_addr()).unwrap();
    slow.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    // Meanwhile a normal scrape is served.
    let ok = agent()
        .get(url(server.local_addr(), "/metrics"))
        .call()
        .unwrap();
    assert_eq!(ok.status(), 200);
    let started = Instant::now();
    let mut rest = Vec::new();
    // The server closes the connection (possibly after a 408) once the timeout passes.
    let _ = slow.read_to_end(&mut rest);
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(5), "dropped after {waited:?}");
    let text = String::from_utf8_lossy(&rest);
    assert!(
        rest.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text}"
    );
}

#[test]
fn oversized_headers_get_431() {
    let server = start(ServerOptions::default());
    let mut stream = TcpStream::connect(server.local_addr()).unwrap();
    let big = "a".repeat(64 * 1024);
    let request = format!("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: {big}\r\n\r\n");
    let _ = stream.write_all(request.as_bytes());
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 431"), "{text}");
}

#[test]
fn two_hundred_concurrent_scrapes_all_get_complete_bodies() {
    let server = start(ServerOptions::default());
    let addr = server.local_addr();
    let expected = agent()
        .get(url(addr, "/metrics"))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    let bodies: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..200)
            .map(|_| {
                s.spawn(move || {
                    let mut response = agent().get(url(addr, "/metrics")).call().unwrap();
                    assert_eq!(response.status(), 200);
                    response.body_mut().read_to_string().unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(bodies.len(), 200);
    assert!(bodies.iter().all(|b| *b == expected));
}

#[test]
fn a_port_in_use_is_an_error_naming_the_address() {
    let server = start(ServerOptions::default());
    let taken = server.local_addr();
    let error = BlockingMetricsServer::start(taken, leaked_metrics(), ServerOptions::default())
        .unwrap_err();
    assert!(matches!(error, ServeError::Bind { .. }), "{error}");
    assert!(error.to_string().contains(&taken.to_string()), "{error}");
}

#[test]
fn invalid_options_are_rejected() {
    let error = BlockingMetricsServer::start(
        "127.0.0.1:0".parse().unwrap(),
        leaked_metrics(),
        ServerOptions {
            path: "metrics".into(),
            ..ServerOptions::default()
        },
    )
    .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("\"metrics\" must start with `/`"),
        "{error}"
    );
}

#[test]
fn async_server_shuts_down_gracefully() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let server = session_metrics::http::MetricsServer::start(
            "127.0.0.1:0".parse().unwrap(),
            leaked_metrics(),
            ServerOptions::default(),
        )
        .await
        .unwrap();
        let addr = server.local_addr();
        let status = tokio::task::spawn_blocking(move || {
            agent().get(url(addr, "/metrics")).call().unwrap().status()
        })
        .await
        .unwrap();
        assert_eq!(status, 200);
        server.shutdown().await;
        assert!(
            TcpStream::connect(addr).is_err(),
            "still accepting after shutdown"
        );
    });
}

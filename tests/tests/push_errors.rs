//! Pushgateway failures that need no gateway: nothing listening, and one that never answers.

use std::time::{Duration, Instant};

use session_metrics::SessionMetrics;
use session_metrics::push::{PushErrorKind, Pushgateway};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn an_unreachable_gateway_is_an_error_naming_the_url() {
    // Bind then drop: the port is very likely closed.
    let port = session_metrics_tests::prom::free_port();
    let gateway = Pushgateway::new(&format!("http://127.0.0.1:{port}"), "job").unwrap();
    let metrics = SessionMetrics::new(prometheus::Registry::new()).unwrap();
    let error = rt().block_on(gateway.push(&metrics)).unwrap_err();
    assert!(
        matches!(error.kind(), PushErrorKind::Transport(_)),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains(&format!("127.0.0.1:{port}/metrics/job/job")),
        "{error}"
    );
}

#[test]
fn a_silent_gateway_times_out() {
    let rt = rt();
    let (addr, _listener) = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        (listener.local_addr().unwrap(), listener)
    });
    // The listener accepts (the kernel backlog does) but never answers.
    let gateway = Pushgateway::new(&format!("http://{addr}"), "job")
        .unwrap()
        .timeout(Duration::from_millis(300));
    let started = Instant::now();
    let error = rt.block_on(gateway.delete()).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(matches!(error.kind(), PushErrorKind::Timeout(_)), "{error}");
    assert!(
        error.to_string().contains("did not answer within 300ms"),
        "{error}"
    );
}

#[test]
fn a_port_above_65535_is_refused_instead_of_pushing_to_port_80() {
    let error = Pushgateway::new("http://127.0.0.1:99999", "job").unwrap_err();
    assert!(
        matches!(error.kind(), PushErrorKind::InvalidUrl(_)),
        "{error}"
    );
    assert_eq!(
        error.to_string(),
        "invalid Pushgateway URL \"http://127.0.0.1:99999\": the port 99999 is out of range: \
         a port is at most 65535"
    );
    for url in [
        "http://127.0.0.1:65536",
        "http://[::1]:100000/x",
        "http://gw:0",
    ] {
        assert!(Pushgateway::new(url, "job").is_err(), "{url}");
    }
    assert!(Pushgateway::new("http://[::1]:65535/prefix", "job").is_ok());
}

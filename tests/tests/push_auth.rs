//! Credentials in a Pushgateway URL: sent as HTTP Basic auth, never in the request target,
//! and never shown (errors, `Debug`, the settings). A loopback listener sees the raw request;
//! the real Pushgateway checks that such a push is accepted.

mod fake_gateway;

use fake_gateway::FakeGateway;
use session_metrics::SessionMetrics;
use session_metrics::push::{PushErrorKind, Pushgateway};
use session_metrics::settings::Settings;
use session_metrics_tests::prom;

/// The password in every URL below: percent-encoded `s3cr:t`.
const PASSWORD: &str = "s3cr%3At";

fn metrics() -> SessionMetrics {
    let metrics = SessionMetrics::new(prometheus::Registry::new()).unwrap();
    metrics.record_session_start("auth", "zsh");
    metrics
}

#[track_caller]
fn assert_hidden(text: &str) {
    assert!(!text.contains(PASSWORD), "password shown in: {text}");
    assert!(
        !text.contains("s3cr:t"),
        "decoded password shown in: {text}"
    );
}

#[tokio::test]
async fn credentials_are_sent_as_basic_auth_and_never_shown() {
    // The first request is accepted, the second refused.
    let fake = FakeGateway::start(|n| Some(if n == 0 { 200 } else { 401 })).await;
    let url = format!("http://us%40er:{PASSWORD}@{}", fake.addr);
    let gateway = Pushgateway::new(&url, "job").unwrap();
    let metrics = metrics();
    gateway.push(&metrics).await.unwrap();

    let request = &fake.requests()[0];
    assert_eq!(request.line, "PUT /metrics/job/job HTTP/1.1");
    // base64("us@er:s3cr:t"): the userinfo percent-decoded.
    assert_eq!(
        request.header("authorization"),
        Some("Basic dXNAZXI6czNjcjp0")
    );
    assert_eq!(request.header("host"), Some(fake.addr.to_string().as_str()));
    assert!(request.body.contains("session_start_total"), "{request:?}");
    for (name, value) in &request.headers {
        if name != "authorization" {
            assert_hidden(value);
        }
    }

    let error = gateway.push(&metrics).await.unwrap_err();
    assert!(
        matches!(error.kind(), PushErrorKind::Status { status, .. } if status.as_u16() == 401),
        "{error}"
    );
    let shown = format!("{error} | {error:?} | {gateway:?} | {}", gateway.url());
    assert_hidden(&shown);
    assert!(
        error
            .to_string()
            .contains(&format!("http://us%40er:***@{}/metrics/job/job", fake.addr)),
        "{error}"
    );
    assert!(format!("{gateway:?}").contains("basic_auth: true"));
    assert_eq!(fake.count(), 2);
}

#[tokio::test]
async fn credentials_from_the_settings_are_sent_and_hidden_there_too() {
    let fake = FakeGateway::start(|_| Some(200)).await;
    let env = [(
        "SESSION_BUDDY_PUSHGATEWAY_URL".to_owned(),
        format!("http://ci:{PASSWORD}@{}", fake.addr),
    )];
    let settings = Settings::load_from(None, env).unwrap();
    assert_hidden(&format!("{settings:?}"));
    assert_hidden(settings.source_description());
    let gateway = Pushgateway::from_settings(&settings.pushgateway)
        .unwrap()
        .unwrap();
    gateway.push(&metrics()).await.unwrap();
    // base64("ci:s3cr:t")
    assert_eq!(
        fake.requests()[0].header("authorization"),
        Some("Basic Y2k6czNjcjp0")
    );
}

#[test]
fn the_real_pushgateway_accepts_a_push_with_credentials() {
    let Some(gateway) = prom::start_pushgateway() else {
        return;
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let with_credentials = gateway
        .url
        .replacen("http://", &format!("http://ci:{PASSWORD}@"), 1);
    let group = Pushgateway::new(&with_credentials, "auth-job").unwrap();
    rt.block_on(group.push(&metrics())).unwrap();
    let (status, text) = prom::get(&format!("{}/metrics", gateway.url)).unwrap();
    assert_eq!(status, 200);
    assert!(
        text.lines().any(|l| l.starts_with("session_start_total{")
            && l.contains(r#"job="auth-job""#)
            && l.contains(r#"component_name="auth""#)),
        "the pushed group is missing:\n{text}"
    );
}

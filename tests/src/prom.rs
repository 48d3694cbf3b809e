//! Real Prometheus and Pushgateway processes for end-to-end tests.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::tools;

/// A port that was free a moment ago (the OS picks it; we release it for the child).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Serves `metrics` with the default options on an ephemeral loopback port.
pub fn serve(
    metrics: &'static session_metrics::SessionMetrics,
) -> session_metrics::http::BlockingMetricsServer {
    session_metrics::http::BlockingMetricsServer::start(
        "127.0.0.1:0".parse().expect("a socket address"),
        metrics,
        session_metrics::http::ServerOptions::default(),
    )
    .expect("start the metrics server")
}

/// A temporary directory removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates a fresh directory under the system temp dir.
    pub fn new(prefix: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!("{prefix}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        Self(dir)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A child process killed on drop, with its log kept for failure messages.
pub struct Daemon {
    child: Child,
    log: PathBuf,
    /// `http://127.0.0.1:PORT`
    pub url: String,
    _dir: TempDir,
}

impl Daemon {
    fn spawn(program: &Path, args: &[String], port: u16, dir: TempDir, ready_path: &str) -> Self {
        let log = dir.path().join("daemon.log");
        let log_file = std::fs::File::create(&log).expect("log file");
        let child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("log file"))
            .stderr(log_file)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        let mut daemon = Daemon {
            child,
            log,
            url: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = daemon.child.try_wait() {
                panic!(
                    "{} exited with {status}:\n{}",
                    program.display(),
                    daemon.log()
                );
            }
            if get(&format!("{}{ready_path}", daemon.url)).is_some_and(|(s, _)| s == 200) {
                return daemon;
            }
            assert!(
                Instant::now() < deadline,
                "{} never became ready:\n{}",
                program.display(),
                daemon.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// What the process printed so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts Prometheus (never on 9090) with `config` (YAML, may name files in `dir`).
/// Returns `None` only when the binary is missing outside CI.
pub fn start_prometheus(config: &str, dir: TempDir) -> Option<Daemon> {
    start_prometheus_with(config, dir, &[])
}

/// [`start_prometheus`] with more command-line flags (e.g. `--enable-feature=exemplar-storage`).
pub fn start_prometheus_with(config: &str, dir: TempDir, flags: &[&str]) -> Option<Daemon> {
    let program = tools::require("prometheus")?;
    let port = free_port();
    let config_path = dir.path().join("prometheus.yml");
    std::fs::write(&config_path, config).expect("write config");
    let args = vec![
        format!("--config.file={}", config_path.display()),
        format!("--storage.tsdb.path={}", dir.path().join("data").display()),
        format!("--web.listen-address=127.0.0.1:{port}"),
        "--log.level=warn".to_owned(),
    ];
    let args: Vec<String> = args
        .into_iter()
        .chain(flags.iter().map(|&f| f.to_owned()))
        .collect();
    Some(Daemon::spawn(&program, &args, port, dir, "/-/ready"))
}

/// Starts a Pushgateway with no persistence. `None` only when missing outside CI.
pub fn start_pushgateway() -> Option<Daemon> {
    let program =
        tools::require("prometheus-pushgateway").or_else(|| tools::require("pushgateway"))?;
    let port = free_port();
    let args = vec![
        format!("--web.listen-address=127.0.0.1:{port}"),
        "--persistence.file=".to_owned(),
        "--log.level=warn".to_owned(),
    ];
    Some(Daemon::spawn(
        &program,
        &args,
        port,
        TempDir::new("pushgateway"),
        "/-/ready",
    ))
}

/// A blocking HTTP client that returns error statuses as responses, with a 10 s limit.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

/// GET `url`: `(status, body)`, or `None` if nothing answered.
pub fn get(url: &str) -> Option<(u16, String)> {
    let mut response = agent().get(url).call().ok()?;
    let status = response.status().as_u16();
    Some((
        status,
        response.body_mut().read_to_string().unwrap_or_default(),
    ))
}

/// GET `url` asking for OpenMetrics 1.0.0, as Prometheus does: `(status, body)`, or `None` if
/// nothing answered.
pub fn get_openmetrics(url: &str) -> Option<(u16, String)> {
    let mut response = agent()
        .get(url)
        .header("Accept", "application/openmetrics-text; version=1.0.0")
        .call()
        .ok()?;
    let status = response.status().as_u16();
    Some((
        status,
        response.body_mut().read_to_string().unwrap_or_default(),
    ))
}

/// An instant query through Prometheus' HTTP API: the `data.result` array. Panics (failing
/// the test) if Prometheus reports an error for the expression.
pub fn query(prometheus: &Daemon, expr: &str) -> Vec<Value> {
    let mut response = agent()
        .get(format!("{}/api/v1/query", prometheus.url))
        .query("query", expr)
        .call()
        .expect("query Prometheus");
    let body: Value = serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(body["status"], "success", "query {expr:?} failed: {body}");
    body["data"]["result"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The exemplars Prometheus stored for the series of `expr` between `start` and `end` (Unix
/// seconds), through `/api/v1/query_exemplars`: the `data` array, one entry per series with
/// its `seriesLabels` and `exemplars`. Panics if Prometheus reports an error.
pub fn query_exemplars(prometheus: &Daemon, expr: &str, start: f64, end: f64) -> Vec<Value> {
    let mut response = agent()
        .get(format!("{}/api/v1/query_exemplars", prometheus.url))
        .query("query", expr)
        .query("start", format!("{start:.3}"))
        .query("end", format!("{end:.3}"))
        .call()
        .expect("query Prometheus' exemplars");
    let body: Value = serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(body["status"], "success", "exemplars of {expr:?}: {body}");
    body["data"].as_array().cloned().unwrap_or_default()
}

/// The single value of a query returning one sample (a vector of one, or a scalar).
pub fn query_value(prometheus: &Daemon, expr: &str) -> Option<f64> {
    let result = query(prometheus, expr);
    match result.as_slice() {
        [one] => one["value"][1].as_str()?.parse().ok(),
        _ => None,
    }
}

/// Polls `check` every 200 ms until it returns `Some`, or panics after `limit`.
pub fn eventually<T>(limit: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Waits (bounded) until Prometheus has evaluated every loaded rule and all are healthy;
/// panics naming any rule that fails, and returns them all.
pub fn healthy_rules(prometheus: &Daemon) -> Vec<Value> {
    eventually(Duration::from_secs(20), "every rule evaluated", || {
        let (_, body) = get(&format!("{}/api/v1/rules", prometheus.url))?;
        let body: Value = serde_json::from_str(&body).ok()?;
        let rules: Vec<Value> = body["data"]["groups"]
            .as_array()?
            .iter()
            .flat_map(|g| g["rules"].as_array().cloned().unwrap_or_default())
            .collect();
        let bad: Vec<String> = rules
            .iter()
            .filter(|r| r["health"] != "ok")
            .map(|r| format!("{} {} {}", r["name"], r["health"], r["lastError"]))
            .collect();
        assert!(
            bad.iter().all(|b| b.contains("unknown")),
            "rules failing: {bad:?}"
        );
        (!rules.is_empty() && bad.is_empty()).then_some(rules)
    })
}

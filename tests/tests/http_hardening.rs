//! The built-in server under hostile clients: many idle keep-alive connections, pipelining
//! clients that never read, slow readers of a large registry, a pipelined flood, bad `Host`.
//!
//! The scenarios with a thousand clients run the server in a child process (this test binary
//! started again with [`CHILD_ENV`] set, running only the same test) whose descriptor limit is
//! lowered to [`FD_LIMIT`], so the limit and the memory measured are the server's alone. They
//! read `/proc`, hence Linux only. The scenarios run one at a time (see [`one_at_a_time`]).
//! No wall-clock threshold decides a test: timeouts are hang guards only; the assertions are
//! on statuses, complete bodies, descriptor counts, response counts and memory.
#![cfg(target_os = "linux")]

use std::io::{self, BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use prometheus::{IntCounterVec, Opts, Registry};
use session_metrics::SessionMetrics;
use session_metrics::http::{BlockingMetricsServer, ServerOptions};
use session_metrics_tests::Exposition;

/// Set in the child: the server to run, e.g. `series=1000,write_timeout_ms=500`.
const CHILD_ENV: &str = "SESSION_METRICS_HARDENING_SERVER";
/// The child's `RLIMIT_NOFILE`.
const FD_LIMIT: u64 = 1024;
/// How many hostile clients a scenario opens: more than the child has descriptors.
const HOSTILE: usize = 1_100;
/// Hang guard of every read and connect.
const GUARD: Duration = Duration::from_secs(30);
/// The metric that makes the registry as large as a scenario asks.
const FILLER: &str = "hardening_filler_total";

// ---------------------------------------------------------------------------------------------
// The server process.

/// Runs the server instead of the test when this process is the child; never returns then.
fn serve_if_child() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    set_fd_limit(FD_LIMIT);
    let spec = Spec::parse(&spec);
    let metrics = filled_metrics(spec.series);
    let mut options = ServerOptions::default();
    if let Some(ms) = spec.write_timeout_ms {
        options.write_timeout = Duration::from_millis(ms);
    }
    let server = BlockingMetricsServer::start("127.0.0.1:0".parse().unwrap(), metrics, options)
        .expect("start the server");
    println!("listening on {}", server.local_addr());
    io::stdout().flush().unwrap();
    // Serve until the parent closes our stdin (or dies).
    let _ = io::stdin().read_to_end(&mut Vec::new());
    std::process::exit(0);
}

struct Spec {
    series: usize,
    write_timeout_ms: Option<u64>,
}

impl Spec {
    fn parse(text: &str) -> Self {
        let mut spec = Spec {
            series: 0,
            write_timeout_ms: None,
        };
        for item in text.split(',').filter(|s| !s.is_empty()) {
            let (key, value) = item.split_once('=').expect("key=value");
            match key {
                "series" => spec.series = value.parse().unwrap(),
                "write_timeout_ms" => spec.write_timeout_ms = Some(value.parse().unwrap()),
                other => panic!("unknown child setting {other}"),
            }
        }
        spec
    }
}

/// Our metrics plus `series` series of [`FILLER`] (registered directly, so no limit of
/// ours on label values applies).
fn filled_metrics(series: usize) -> &'static SessionMetrics {
    let registry = Registry::new();
    let filler = IntCounterVec::new(Opts::new(FILLER, "Series to make the body large."), &["n"])
        .expect("filler metric");
    registry
        .register(Box::new(filler.clone()))
        .expect("register filler");
    for n in 0..series {
        filler.with_label_values(&[&format!("{n:06}")]).inc();
    }
    let metrics = SessionMetrics::new(registry).expect("metrics");
    metrics.record_session_start("hardening", "bash");
    Box::leak(Box::new(metrics))
}

fn set_fd_limit(soft: u64) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct we pass.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        limit.rlim_cur = soft.min(limit.rlim_max);
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0);
    }
}

/// Makes room for `needed` descriptors in this (the client) process, up to its hard limit.
fn ensure_fd_room(needed: u64) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: as in set_fd_limit.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
    }
    assert!(
        limit.rlim_max >= needed,
        "these tests open {needed} sockets; the descriptor hard limit is {}",
        limit.rlim_max
    );
    if limit.rlim_cur < needed {
        set_fd_limit(needed);
    }
}

/// The scenarios open over a thousand sockets each; running them together would only
/// measure each other.
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The server child: killed on drop.
struct ServerProcess {
    child: Child,
    _stdin: ChildStdin,
    addr: SocketAddr,
}

impl ServerProcess {
    /// Starts this binary again running only `test`, as the server described by `spec`.
    fn start(test: &str, spec: &str) -> Self {
        ensure_fd_room(2 * HOSTILE as u64 + 64);
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([test, "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, spec)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the server process");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut addr = None;
        for line in stdout.lines() {
            let line = line.expect("child output");
            // libtest may have written `test NAME ... ` on the same line.
            if let Some((_, rest)) = line.split_once("listening on ") {
                addr = Some(rest.trim().parse().expect("an address"));
                break;
            }
        }
        Self {
            addr: addr.expect("the server process never said where it listens"),
            child,
            _stdin: stdin,
        }
    }

    fn status_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("server process status");
        status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.trim().strip_suffix(" kB"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {field} in /proc/PID/status"))
    }

    /// Resident memory now, in bytes.
    fn rss(&self) -> u64 {
        self.status_kib("VmRSS:") * 1024
    }

    /// The largest resident memory so far, in bytes.
    fn peak_rss(&self) -> u64 {
        self.status_kib("VmHWM:") * 1024
    }

    /// Descriptors the server process has open.
    fn open_fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.child.id()))
            .expect("server process descriptors")
            .count()
    }

    fn assert_alive(&mut self) {
        assert!(
            self.child.try_wait().unwrap().is_none(),
            "the server process exited"
        );
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// A raw HTTP/1.1 client: the tests need requests no ordinary client sends.

#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&addr, GUARD)?;
    stream.set_read_timeout(Some(GUARD))?;
    stream.set_write_timeout(Some(GUARD))?;
    Ok(stream)
}

/// A connection like a reader at the end of a slow network: an Ethernet-sized segment (on
/// loopback the kernel would size the server's send buffer for 64 KiB segments, about 4 MiB)
/// and a receive buffer of a few KiB, so the server's writes block long before a large body
/// is out and the body stays in the server's memory.
fn connect_small_window(addr: SocketAddr) -> io::Result<TcpStream> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    socket.set_tcp_mss(1460)?;
    socket.set_recv_buffer_size(4096)?;
    socket.connect_timeout(&addr.into(), GUARD)?;
    let stream: TcpStream = socket.into();
    stream.set_read_timeout(Some(GUARD))?;
    stream.set_write_timeout(Some(GUARD))?;
    Ok(stream)
}

fn request(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").into_bytes()
}

/// Reads one response (its body by `Content-Length`); an error at EOF or on a reset.
fn read_response(reader: &mut impl BufRead) -> io::Result<Response> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Err(ErrorKind::UnexpectedEof.into());
    }
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::other(format!("bad status line {line:?}")))?;
    let mut headers = Vec::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(ErrorKind::UnexpectedEof.into());
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| io::Error::other("bad header"))?;
        headers.push((name.to_owned(), value.trim().to_owned()));
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map_or(Ok(0), |(_, v)| v.parse())
        .map_err(io::Error::other)?;
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(Response {
        status,
        headers,
        body,
    })
}

/// One request on a fresh connection, read to the end of its body.
fn fetch(addr: SocketAddr, path: &str) -> io::Result<Response> {
    let mut stream = connect(addr)?;
    stream.write_all(&request(path))?;
    read_response(&mut BufReader::new(stream))
}

/// A fresh scrape: `200` with a complete body holding all `series` filler series.
fn assert_fresh_scrape_is_answered(addr: SocketAddr, series: usize) -> usize {
    let started = Instant::now();
    let response = fetch(addr, "/metrics").expect("the fresh scrape got a response");
    // Reported, not asserted: timings on a loaded machine prove nothing either way.
    println!("fresh scrape answered in {:?}", started.elapsed());
    assert_eq!(response.status, 200, "{response:?}");
    let body = String::from_utf8(response.body).expect("UTF-8 body");
    let exposition = Exposition::parse(&body);
    assert_eq!(
        exposition.matching(FILLER, &[]).len(),
        series,
        "incomplete body"
    );
    assert_eq!(
        exposition.get(
            "session_start_total",
            &[("component_name", "hardening"), ("shell_type", "bash")]
        ),
        Some(1.0)
    );
    body.len()
}

/// A client that writes up to `count` pipelined requests for `path` and never reads; it
/// stops writing where the server stops reading.
fn pipeline_without_reading(addr: SocketAddr, path: &str, count: usize) -> io::Result<TcpStream> {
    let mut stream = connect_small_window(addr)?;
    stream.set_nonblocking(true)?;
    let batch = request(path).repeat(count);
    let mut written = 0;
    while written < batch.len() {
        match stream.write(&batch[written..]) {
            Ok(n) => written += n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            // Closed by the server: still a hostile client that held a connection.
            Err(_) => break,
        }
    }
    Ok(stream)
}

/// The server's open descriptors may exceed the ones it has before any client by at most
/// the connection cap plus the connection being admitted.
fn assert_descriptors_bounded(server: &ServerProcess, before: usize) {
    let cap = ServerOptions::default().max_connections;
    let now = server.open_fds();
    println!("server descriptors: {before} before the clients, {now} with them (cap {cap})");
    assert!(
        now <= before + cap + 1,
        "the server has {now} descriptors open: {before} of its own, more than {cap} + 1 for \
         connections"
    );
}

// ---------------------------------------------------------------------------------------------
// The scenarios.

#[test]
fn pipelining_clients_that_never_read_leave_room_for_a_fresh_scrape() {
    serve_if_child();
    let _one = one_at_a_time();
    const SERIES: usize = 1_000;
    let mut server = ServerProcess::start(
        "pipelining_clients_that_never_read_leave_room_for_a_fresh_scrape",
        &format!("series={SERIES}"),
    );
    let fds_before = server.open_fds();
    let hostile: Vec<TcpStream> = (0..HOSTILE)
        .map(|_| pipeline_without_reading(server.addr, "/metrics", 16))
        .collect::<Result<_, _>>()
        .expect("every hostile client connected");
    assert_eq!(hostile.len(), HOSTILE);
    assert_fresh_scrape_is_answered(server.addr, SERIES);
    assert_descriptors_bounded(&server, fds_before);
    server.assert_alive();
    drop(hostile);
}

#[test]
fn idle_keep_alive_clients_give_way_to_a_fresh_scrape() {
    serve_if_child();
    let _one = one_at_a_time();
    const SERIES: usize = 100;
    let server = ServerProcess::start(
        "idle_keep_alive_clients_give_way_to_a_fresh_scrape",
        &format!("series={SERIES}"),
    );
    let fds_before = server.open_fds();
    let health = request("/health");
    // Each client polls /health on its keep-alive connection, reconnecting when the server
    // has closed it; two rounds, then a fresh scrape while all of them stay connected.
    let mut clients: Vec<Option<BufReader<TcpStream>>> = (0..HOSTILE).map(|_| None).collect();
    for round in 0..2 {
        let mut answered = 0;
        let mut reconnected = 0;
        for client in &mut clients {
            let reuse = client.take().and_then(|mut reader| {
                reader.get_mut().write_all(&health).ok()?;
                read_response(&mut reader).ok().map(|r| (reader, r))
            });
            let (reader, response) = match reuse {
                Some(done) => done,
                None => {
                    reconnected += 1;
                    let mut stream = connect(server.addr).expect("connect");
                    stream.write_all(&health).expect("send /health");
                    let mut reader = BufReader::new(stream);
                    let response = read_response(&mut reader).expect("a /health response");
                    (reader, response)
                }
            };
            answered += usize::from(response.status == 200 && response.body == b"ok\n");
            *client = Some(reader);
        }
        println!("round {round}: {answered} answered, {reconnected} (re)connected");
        assert_eq!(answered, HOSTILE, "round {round}");
    }
    assert_fresh_scrape_is_answered(server.addr, SERIES);
    assert_descriptors_bounded(&server, fds_before);
}

#[test]
fn slow_readers_of_a_large_registry_add_bounded_memory() {
    serve_if_child();
    let _one = one_at_a_time();
    const SERIES: usize = 10_000;
    const SLOW: usize = 1_000;
    let server = ServerProcess::start(
        "slow_readers_of_a_large_registry_add_bounded_memory",
        &format!("series={SERIES}"),
    );
    let body = assert_fresh_scrape_is_answered(server.addr, SERIES);
    let before = server.rss();
    // Each asks for the metrics twice and never reads the answers.
    let slow: Vec<TcpStream> = (0..SLOW)
        .map(|_| pipeline_without_reading(server.addr, "/metrics", 2))
        .collect::<Result<_, _>>()
        .expect("every slow reader connected");
    // Answered after every slow reader before it was admitted.
    assert_fresh_scrape_is_answered(server.addr, SERIES);
    let grown = server.peak_rss().saturating_sub(before);
    let options = ServerOptions::default();
    // The bound ServerOptions states: per connection one response plus under 64 KiB (read
    // buffer, hyper's and tokio's state), for the cap plus the connection being admitted;
    // plus one rendering of the registry (the child runs one runtime thread), under 32 MiB.
    let per_connection = (body + 64 * 1024) as u64;
    let bound = (options.max_connections as u64 + 1) * per_connection + 32 * 1024 * 1024;
    println!(
        "{SLOW} slow readers of a {body}-byte body: peak RSS grew by {} MiB (bound {} MiB)",
        grown >> 20,
        bound >> 20
    );
    assert!(grown < bound, "grew by {grown} bytes, bound {bound}");
    assert!(grown < 256 * 1024 * 1024, "grew by {grown} bytes");
    drop(slow);
}

#[test]
fn a_pipelined_flood_that_is_never_read_is_cut_off() {
    serve_if_child();
    let _one = one_at_a_time();
    const SERIES: usize = 1_000;
    let mut server = ServerProcess::start(
        "a_pipelined_flood_that_is_never_read_is_cut_off",
        &format!("series={SERIES},write_timeout_ms=500"),
    );
    assert_fresh_scrape_is_answered(server.addr, SERIES);
    let before = server.rss();
    let mut flood = connect_small_window(server.addr).unwrap();
    flood.set_nonblocking(true).unwrap();
    let batch = request("/metrics").repeat(2048);
    // Far more than the socket buffers of both ends hold: the server must stop reading.
    let budget: usize = 512 * 1024 * 1024;
    let mut written = 0;
    let deadline = Instant::now() + GUARD;
    let closed = loop {
        match flood.write(&batch) {
            Ok(n) => written += n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => break e,
        }
        assert!(
            written < budget,
            "the server read {written} bytes of requests"
        );
        assert!(
            Instant::now() < deadline,
            "the server never closed the flood"
        );
    };
    assert!(
        matches!(
            closed.kind(),
            ErrorKind::BrokenPipe | ErrorKind::ConnectionReset
        ),
        "{closed}"
    );
    let grown = server.peak_rss().saturating_sub(before);
    println!(
        "flood: {} KiB of requests written before the server closed; peak RSS grew by {} KiB",
        written >> 10,
        grown >> 10
    );
    assert!(grown < 16 * 1024 * 1024, "grew by {grown} bytes");
    assert_fresh_scrape_is_answered(server.addr, SERIES);
    server.assert_alive();
}

// ---------------------------------------------------------------------------------------------
// In-process: the smaller bounds, each with its own server.

fn small_metrics() -> &'static SessionMetrics {
    filled_metrics(3)
}

fn start(options: ServerOptions) -> BlockingMetricsServer {
    BlockingMetricsServer::start("127.0.0.1:0".parse().unwrap(), small_metrics(), options)
        .expect("start the server")
}

/// Sends `raw` on a fresh connection; the response, and whether the server then closed.
fn exchange(addr: SocketAddr, raw: &str) -> (Response, bool) {
    let mut stream = connect(addr).unwrap();
    stream.write_all(raw.as_bytes()).unwrap();
    let mut reader = BufReader::new(stream);
    let response = read_response(&mut reader).expect("a response");
    let closed = matches!(reader.read(&mut [0; 1]), Ok(0));
    (response, closed)
}

#[test]
fn http_1_1_requests_need_exactly_one_valid_host() {
    serve_if_child();
    let server = start(ServerOptions::default());
    let addr = server.local_addr();
    for (raw, reason) in [
        ("GET /metrics HTTP/1.1\r\n\r\n", "needs a Host"),
        (
            "GET /metrics HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            "two Host",
        ),
        (
            "GET /health HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n",
            "two Host",
        ),
        ("GET /metrics HTTP/1.1\r\nHost: a/b\r\n\r\n", "not a host"),
    ] {
        let (response, closed) = exchange(addr, raw);
        assert_eq!(response.status, 400, "{raw:?}");
        let body = String::from_utf8_lossy(&response.body);
        assert!(body.contains(reason), "{raw:?}: {body}");
        assert_eq!(response.header("connection"), Some("close"), "{raw:?}");
        assert!(closed, "{raw:?}: the connection stayed open");
    }
    for raw in [
        "GET /metrics HTTP/1.0\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:9090\r\nConnection: close\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nHost: [::1]\r\nConnection: close\r\n\r\n",
    ] {
        let (response, _) = exchange(addr, raw);
        assert_eq!(response.status, 200, "{raw:?}");
    }
}

#[test]
fn a_pipelined_flood_gets_only_max_requests_per_connection_answers() {
    serve_if_child();
    const MAX: usize = 50;
    let server = start(ServerOptions {
        max_requests_per_connection: MAX,
        ..ServerOptions::default()
    });
    let stream = connect(server.local_addr()).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let flood = std::thread::spawn(move || {
        // The server stops reading after the last answer; the rest may fail to send.
        let _ = writer.write_all(&request("/health").repeat(3 * MAX));
    });
    let mut reader = BufReader::new(stream);
    let mut answers = Vec::new();
    while let Ok(response) = read_response(&mut reader) {
        answers.push(response);
        assert!(answers.len() <= 3 * MAX);
    }
    flood.join().unwrap();
    assert_eq!(answers.len(), MAX);
    assert!(answers.iter().all(|r| r.status == 200 && r.body == b"ok\n"));
    assert_eq!(answers[MAX - 1].header("connection"), Some("close"));
    assert_eq!(answers[MAX - 2].header("connection"), None);
}

#[test]
fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    serve_if_child();
    // The head timeout is far beyond the read guard: only the idle timeout can close it.
    let server = start(ServerOptions {
        idle_timeout: Duration::from_millis(200),
        header_read_timeout: Duration::from_secs(600),
        ..ServerOptions::default()
    });
    let mut stream = connect(server.local_addr()).unwrap();
    stream.write_all(&request("/health")).unwrap();
    let mut reader = BufReader::new(stream);
    assert_eq!(read_response(&mut reader).unwrap().status, 200);
    // Nothing more is sent: the server closes (EOF), well before the read timeout.
    assert_eq!(reader.read(&mut [0; 1]).expect("closed, not timed out"), 0);
}

#[test]
fn an_idle_keep_alive_connection_outlives_the_head_timeout() {
    serve_if_child();
    let server = start(ServerOptions {
        header_read_timeout: Duration::from_millis(100),
        ..ServerOptions::default()
    });
    let mut reader = BufReader::new(connect(server.local_addr()).unwrap());
    for _ in 0..2 {
        reader.get_mut().write_all(&request("/health")).unwrap();
        assert_eq!(read_response(&mut reader).unwrap().status, 200);
        // Idle for ten head timeouts: the head timer runs only once a request has begun.
        std::thread::sleep(Duration::from_secs(1));
    }
}

#[test]
fn at_the_cap_the_longest_idle_connection_gives_way() {
    serve_if_child();
    let server = start(ServerOptions {
        max_connections: 2,
        ..ServerOptions::default()
    });
    let addr = server.local_addr();
    let keep_alive = |reader: &mut BufReader<TcpStream>| {
        reader.get_mut().write_all(&request("/health"))?;
        read_response(reader)
    };
    let mut first = BufReader::new(connect(addr).unwrap());
    let mut second = BufReader::new(connect(addr).unwrap());
    assert_eq!(keep_alive(&mut first).unwrap().status, 200);
    assert_eq!(keep_alive(&mut second).unwrap().status, 200);
    // A third connection is answered; the first, idle the longest, was closed for it.
    let mut third = BufReader::new(connect(addr).unwrap());
    assert_eq!(keep_alive(&mut third).unwrap().status, 200);
    assert_eq!(first.read(&mut [0; 1]).expect("closed, not timed out"), 0);
    assert_eq!(keep_alive(&mut second).unwrap().status, 200);
    assert_eq!(keep_alive(&mut third).unwrap().status, 200);
}

#[test]
fn the_connection_cap_comes_from_settings_and_zero_is_refused() {
    serve_if_child();
    use session_metrics::settings::Settings;
    let var = "SESSION_BUDDY_PROMETHEUS_METRICS_MAX_CONNECTIONS";
    let load = |value: &str| Settings::load_from(None, [(var.to_owned(), value.to_owned())]);
    let settings = load("40").unwrap();
    assert_eq!(settings.prometheus_metrics_max_connections, Some(40));
    assert_eq!(ServerOptions::from_settings(&settings).max_connections, 40);
    let defaults = ServerOptions::from_settings(&Settings::default());
    assert_eq!(
        defaults.max_connections,
        ServerOptions::default().max_connections
    );
    for bad in ["0", "-3", "many"] {
        let error = load(bad).unwrap_err().to_string();
        assert!(
            error.contains("prometheus_metrics_max_connections") && error.contains(var),
            "{error}"
        );
        assert!(error.contains(bad), "{error}");
    }
}

//! A loopback HTTP/1.1 listener standing in for a Pushgateway: it records every request
//! (line, headers, body) and answers with the status its `answer` function picks by the
//! request's number, or never answers. Used where a test must see the raw request or count
//! requests; the real Pushgateway is used elsewhere.

// Each test binary that includes this module uses a part of it.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as received.
#[derive(Debug, Clone)]
pub struct Captured {
    /// `PUT /metrics/job/x HTTP/1.1`
    pub line: String,
    /// Header names in lower case, with their values.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Captured {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The status for request number `n` (from 0), or `None` to never answer it.
pub type Answer = fn(usize) -> Option<u16>;

/// A running fake gateway on the current tokio runtime.
pub struct FakeGateway {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Captured>>>,
}

/// Requests larger than this are not expected from the client under test.
const MAX_REQUEST_BYTES: usize = 1 << 20;

impl FakeGateway {
    pub async fn start(answer: Answer) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, seen.clone(), answer));
            }
        });
        Self { addr, requests }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Captured> {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn count(&self) -> usize {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Waits until at least `n` requests arrived; panics after a generous 20 s (a hang guard,
    /// not a measurement).
    pub async fn wait_for(&self, n: usize) {
        for _ in 0..2000 {
            if self.count() >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("only {} of {n} requests arrived", self.count());
    }
}

/// Reads requests off one (keep-alive) connection until it closes.
async fn serve(mut stream: TcpStream, seen: Arc<Mutex<Vec<Captured>>>, answer: Answer) {
    let mut buffer = Vec::new();
    loop {
        let Some(captured) = read_request(&mut stream, &mut buffer).await else {
            return;
        };
        let number = {
            let mut seen = seen.lock().unwrap_or_else(PoisonError::into_inner);
            seen.push(captured);
            seen.len() - 1
        };
        match answer(number) {
            Some(status) => {
                let reply = format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\n\r\n");
                if stream.write_all(reply.as_bytes()).await.is_err() {
                    return;
                }
            }
            None => {
                // Hold the connection open without answering until the client gives up.
                let mut rest = [0u8; 64];
                while matches!(stream.read(&mut rest).await, Ok(n) if n > 0) {}
                return;
            }
        }
    }
}

async fn read_request(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<Captured> {
    let head_end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        if !fill(stream, buffer).await {
            return None;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let line = lines.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let body_start = head_end + 4;
    while buffer.len() < body_start + length {
        if !fill(stream, buffer).await {
            return None;
        }
    }
    let body = String::from_utf8_lossy(&buffer[body_start..body_start + length]).into_owned();
    buffer.drain(..body_start + length);
    Some(Captured {
        line,
        headers,
        body,
    })
}

async fn fill(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> bool {
    let mut chunk = [0u8; 8192];
    match stream.read(&mut chunk).await {
        Ok(n) if n > 0 && buffer.len() + n <= MAX_REQUEST_BYTES => {
            buffer.extend_from_slice(&chunk[..n]);
            true
        }
        _ => false,
    }
}

//! The server's own cost, separated from the upstream's: a fixed-answer upstream, closed-loop
//! clients, and the server's CPU time and memory read from `/proc`.
//!
//! The upstream answers every call with bytes prepared once, so what a measure shows is the
//! MCP server's work: read the request, check it, call the upstream, shape the answer, write
//! it. The clients are closed loops (each sends its next call when the last one is answered)
//! on kept-alive HTTP/1.1 connections, written against hyper's connection API so the load
//! generator costs little next to the server it measures.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

/// The answers of the fixed upstream, by Digistore24 function (the last path segment).
pub type Answers = HashMap<String, Bytes>;

/// Serves `answers` on a loopback port until the process ends: `POST|GET …/<function>` gets
/// the prepared envelope of that function, anything else a Digistore24 "unknown function"
/// envelope. It reads the request (so connections stay alive) and does nothing else.
pub async fn fixed_upstream(answers: Answers) -> anyhow::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let answers = Arc::new(answers);
    let unknown = Bytes::from_static(
        br#"{"api_version":"1.2","result":"error","code":9,"message":"Unknown function"}"#,
    );
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let _ = tcp.set_nodelay(true);
            let answers = answers.clone();
            let unknown = unknown.clone();
            let service =
                hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let function = req.uri().path().rsplit('/').next().unwrap_or("").to_owned();
                    let body = answers
                        .get(&function)
                        .cloned()
                        .unwrap_or_else(|| unknown.clone());
                    async move {
                        // Read the form, as a real server would, so the connection can be reused.
                        let _ = req.into_body().collect().await;
                        hyper::Response::builder()
                            .header(http::header::CONTENT_TYPE, "application/json")
                            .body(Full::new(body))
                    }
                });
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tcp), service)
                    .await;
            });
        }
    });
    Ok(addr)
}

/// One kind of request the clients send, and how its answer is judged.
pub struct Call {
    /// Request path, e.g. `/mcp`.
    pub path: String,
    /// Headers besides Host and Content-Length.
    pub headers: Vec<(http::HeaderName, http::HeaderValue)>,
    /// The body for a JSON-RPC id (ids are unique within a run).
    pub body: Box<dyn Fn(u64) -> Bytes + Send + Sync>,
    /// Whether a 200 answer counts; `full` asks for the thorough check, which the clients run
    /// on every 64th answer (and the official server's answers on all of them).
    pub check: Check,
}

/// Whether an answer's body passes; the flag asks for the thorough check.
pub type Check = Box<dyn Fn(&[u8], bool) -> bool + Send + Sync>;

/// What one closed-loop measure saw.
#[derive(Debug, Default)]
pub struct Level {
    /// Concurrent clients.
    pub clients: usize,
    /// Answers that counted, within the measured time.
    pub ok: u64,
    /// Answers that did not count (errors, wrong answers, timeouts).
    pub failed: u64,
    /// Clients that had no counted answer at all.
    pub silent: usize,
    /// The measured time.
    pub seconds: f64,
    /// Latency of each counted answer, in microseconds.
    pub latencies: Vec<u32>,
}

/// Where the clients stop: after `duration`, or when `budget` calls were counted.
#[derive(Clone)]
pub struct Stop {
    deadline: Instant,
    budget: Option<Arc<AtomicU64>>,
}

impl Stop {
    /// Stops after `duration`.
    pub fn after(duration: Duration) -> Self {
        Self {
            deadline: Instant::now() + duration,
            budget: None,
        }
    }

    /// Stops when `calls` answers were counted (or after `limit`).
    pub fn after_calls(calls: u64, limit: Duration) -> Self {
        Self {
            deadline: Instant::now() + limit,
            budget: Some(Arc::new(AtomicU64::new(calls))),
        }
    }

    fn done(&self) -> bool {
        Instant::now() >= self.deadline
            || self
                .budget
                .as_ref()
                .is_some_and(|b| b.load(Ordering::Relaxed) == 0)
    }

    /// Takes one call from the budget; false when none is left.
    fn take(&self) -> bool {
        match &self.budget {
            None => true,
            Some(b) => b
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok(),
        }
    }
}

/// Counted answers so far, shared with a sampler (the soak reads memory as calls go by).
pub type Progress = Arc<AtomicU64>;

/// Runs `clients` closed loops against `addr` until `stop`.
pub async fn closed_loop(
    addr: SocketAddr,
    call: Arc<Call>,
    clients: usize,
    stop: Stop,
    ids: Arc<AtomicU64>,
    progress: Progress,
) -> Level {
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (call, stop, ids, progress) =
                (call.clone(), stop.clone(), ids.clone(), progress.clone());
            tokio::spawn(async move { client(addr, &call, &stop, &ids, &progress).await })
        })
        .collect();
    let mut level = Level {
        clients,
        ..Level::default()
    };
    for task in tasks {
        let Ok((ok, failed, latencies)) = task.await else {
            level.silent += 1;
            continue;
        };
        level.ok += ok;
        level.failed += failed;
        if ok == 0 {
            level.silent += 1;
        }
        level.latencies.extend(latencies);
    }
    // Answers after the deadline do not count, so neither does the time spent waiting for them.
    let planned = stop.deadline.saturating_duration_since(started);
    level.seconds = started.elapsed().min(planned).as_secs_f64();
    level
}

/// A call that gets no answer within this time is abandoned and counted as failed.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

async fn client(
    addr: SocketAddr,
    call: &Call,
    stop: &Stop,
    ids: &AtomicU64,
    progress: &AtomicU64,
) -> (u64, u64, Vec<u32>) {
    let host = http::HeaderValue::from_str(&addr.to_string()).ok();
    let mut sender: Option<http1::SendRequest<Full<Bytes>>> = None;
    let (mut ok, mut failed, mut latencies) = (0u64, 0u64, Vec::new());
    while !stop.done() && stop.take() {
        let s = match &mut sender {
            Some(s) => s,
            None => match connect(addr).await {
                Ok(s) => sender.insert(s),
                Err(_) => {
                    failed += 1;
                    tokio::time::sleep(Duration::from_millis(10)).await; // back off, then reconnect
                    continue;
                }
            },
        };
        let id = ids.fetch_add(1, Ordering::Relaxed);
        let mut req = hyper::Request::post(call.path.as_str());
        if let Some(host) = &host {
            req = req.header(http::header::HOST, host);
        }
        for (name, value) in &call.headers {
            req = req.header(name, value);
        }
        let Ok(req) = req.body(Full::new((call.body)(id))) else {
            failed += 1;
            continue;
        };
        let t = Instant::now();
        let answer = tokio::time::timeout(CALL_TIMEOUT, async {
            let res = s.send_request(req).await?;
            let status = res.status();
            let body = res.into_body().collect().await?.to_bytes();
            Ok::<_, hyper::Error>((status, body))
        })
        .await;
        let elapsed = t.elapsed();
        match answer {
            Ok(Ok((status, body))) => {
                if status == http::StatusCode::OK && (call.check)(&body, id.is_multiple_of(64)) {
                    if Instant::now() <= stop.deadline {
                        ok += 1;
                        progress.fetch_add(1, Ordering::Relaxed);
                        latencies.push(u32::try_from(elapsed.as_micros()).unwrap_or(u32::MAX));
                    }
                } else {
                    failed += 1;
                }
            }
            _ => {
                failed += 1;
                sender = None;
            }
        }
    }
    (ok, failed, latencies)
}

async fn connect(addr: SocketAddr) -> anyhow::Result<http1::SendRequest<Full<Bytes>>> {
    let tcp = tokio::time::timeout(CALL_TIMEOUT, tokio::net::TcpStream::connect(addr)).await??;
    tcp.set_nodelay(true)?;
    let (sender, conn) = http1::handshake(TokioIo::new(tcp)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

/// One request on a fresh connection: status and body (start-up probes, session set-up).
pub async fn once(
    addr: SocketAddr,
    path: &str,
    headers: &[(http::HeaderName, http::HeaderValue)],
    body: Bytes,
) -> anyhow::Result<(http::StatusCode, http::HeaderMap, Bytes)> {
    let mut sender = connect(addr).await?;
    let mut req = hyper::Request::post(path).header(http::header::HOST, addr.to_string());
    for (name, value) in headers {
        req = req.header(name, value);
    }
    let res = tokio::time::timeout(
        CALL_TIMEOUT,
        sender.send_request(req.body(Full::new(body))?),
    )
    .await??;
    let (parts, body) = res.into_parts();
    let body = body.collect().await?.to_bytes();
    Ok((parts.status, parts.headers, body))
}

// ------------------------------------------------------------------ /proc

/// CPU time (user + system) of a process so far, in seconds.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may contain spaces; the fields after it are fixed.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of stat(5), 12 and 13 after the name and state.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    #[allow(clippy::cast_precision_loss)]
    Some(ticks as f64 / clock_ticks())
}

fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// Resident memory of a process, in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The 1-minute load average, for the report: the machine's quiet matters to every number.
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// One measure of a server at one concurrency, as the report holds it.
pub fn level_json(
    level: &mut Level,
    cpu_s: Option<f64>,
    rss: Option<u64>,
    own_cpu_s: f64,
) -> Value {
    level.latencies.sort_unstable();
    let at = |q: f64| -> Option<u32> {
        if level.latencies.is_empty() {
            return None;
        }
        #[allow(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss
        )]
        let i = ((level.latencies.len() - 1) as f64 * q).round() as usize;
        level.latencies.get(i).copied()
    };
    #[allow(clippy::cast_precision_loss)]
    let ok = level.ok as f64;
    json!({
        "clients": level.clients,
        "calls": level.ok,
        "failed": level.failed,
        "silent_clients": level.silent,
        "seconds": round3(level.seconds),
        "calls_per_s": (ok / level.seconds).round(),
        "server_cpu_s": cpu_s.map(round3),
        "cpu_us_per_call": cpu_s.filter(|_| ok > 0.0).map(|c| round3(c * 1e6 / ok)),
        "p50_us": at(0.5),
        "p99_us": at(0.99),
        "rss_kib": rss,
        // The load generator and the upstream share the other core: when this nears 1, the
        // calls/s of this level are the generator's limit, not the server's.
        "generator_core_busy": round3(own_cpu_s / level.seconds),
    })
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

//! `bash bench/soak.sh`: ten minutes of mixed load against the release binary, with the
//! sandbox injecting upstream faults, to show the server holds up over time.
//!
//! Clients send reads, writes (renaming one product), invalid arguments, unknown tools,
//! oversized argument lists and `tools/list`, as fast as the server answers, while the sandbox
//! fails a share of calls with HTTP 500 and delays every answer. The run passes when every request got an answer, every
//! upstream fault came back as an `isError` tool result (never a protocol error or an HTTP
//! error), and the server's resident memory after warm-up grew by less than 5 %.
//!
//! Settings (environment): `SOAK_SECONDS` (600), `SOAK_CLIENTS` (16), `SOAK_FAIL_RATE` (0.05),
//! `SOAK_LATENCY_MS` (20), `DS24_MCP_BIN` (target/release/ds24-mcp).
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// What the clients send, with how often (weights).
const MIX: &[(Kind, u32)] = &[
    (Kind::Read, 50),
    (Kind::Write, 15),
    (Kind::InvalidArguments, 12),
    (Kind::UnknownTool, 8),
    (Kind::List, 10),
    (Kind::Oversized, 5),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Read,
    Write,
    InvalidArguments,
    UnknownTool,
    List,
    Oversized,
}

/// Outcome counters, shared by the clients.
#[derive(Default)]
struct Counts {
    sent: AtomicU64,
    ok: AtomicU64,
    tool_errors: AtomicU64,
    upstream_faults: AtomicU64,
    protocol_errors_expected: AtomicU64,
    unanswered: AtomicU64,
    wrong: AtomicU64,
}

fn env<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}

/// A small xorshift generator: the mix needs spread, not cryptographic randomness.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn pick(rng: &mut Rng) -> Kind {
    let total: u32 = MIX.iter().map(|(_, w)| w).sum();
    let mut at = u32::try_from(rng.below(u64::from(total))).unwrap_or(0);
    for (kind, weight) in MIX {
        if at < *weight {
            return *kind;
        }
        at -= weight;
    }
    Kind::Read
}

fn request(kind: Kind, rng: &mut Rng, oversized: &str, product: &str) -> (String, &'static str) {
    let call = |name: &str, args: Value| {
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
               "params": {"name": name, "arguments": args}})
        .to_string()
    };
    match kind {
        Kind::Read => {
            let body = match rng.below(4) {
                0 => call("ping", json!({})),
                1 => call("listProducts", json!({})),
                2 => call("listPurchases", json!({"page_size": 20})),
                _ => call("getGlobalSettings", json!({})),
            };
            (body, "sandbox-read")
        }
        // Renaming one product: a write every time, while the account keeps its size (creating
        // products would grow every listProducts answer, and the server's memory with it).
        Kind::Write => (
            call(
                "updateProduct",
                json!({"product_id": product, "data": {"name_de": format!("Soak {}", rng.below(1_000_000))}}),
            ),
            "sandbox-full",
        ),
        Kind::InvalidArguments => {
            let body = match rng.below(3) {
                0 => call("getProduct", json!({"product_id": "abc"})),
                1 => call("listPurchases", json!({"frm": "-7d"})),
                _ => call(
                    "createBuyUrl",
                    json!({"product_id": "1", "placeholders": {"a][b": "x"}}),
                ),
            };
            (body, "sandbox-read")
        }
        Kind::UnknownTool => (call("noSuchTool", json!({})), "sandbox-read"),
        Kind::List => (
            json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}).to_string(),
            "sandbox-read",
        ),
        Kind::Oversized => (oversized.to_owned(), "sandbox-full"),
    }
}

/// Checks one answer against what its kind must get; `false` marks a wrong answer.
fn judge(kind: Kind, status: u16, body: &str, counts: &Counts) -> bool {
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        return false;
    };
    if status != 200 {
        return false;
    }
    match kind {
        Kind::UnknownTool => {
            let ok = v["error"]["code"] == -32602;
            if ok {
                counts
                    .protocol_errors_expected
                    .fetch_add(1, Ordering::Relaxed);
            }
            ok
        }
        Kind::List => v["result"]["tools"]
            .as_array()
            .is_some_and(|t| !t.is_empty()),
        Kind::InvalidArguments | Kind::Oversized => {
            let ok = v["result"]["isError"] == true
                && v["result"]["structuredContent"]["error"]["kind"] == "invalid_arguments"
                && body.len() <= 16 * 1024;
            if ok {
                counts.tool_errors.fetch_add(1, Ordering::Relaxed);
            }
            ok
        }
        Kind::Read | Kind::Write => {
            if v.get("error").is_some() {
                return false;
            }
            if v["result"]["isError"] == true {
                // Upstream faults (HTTP 500 from the sandbox) are tool errors with a hint.
                let kind = &v["result"]["structuredContent"]["error"]["kind"];
                let fault = kind == "server_error" || kind == "bad_response";
                if fault {
                    counts.upstream_faults.fetch_add(1, Ordering::Relaxed);
                }
                fault
            } else {
                counts.ok.fetch_add(1, Ordering::Relaxed);
                v["result"]["structuredContent"].is_object()
            }
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let seconds: u64 = env("SOAK_SECONDS", 600);
    let clients: usize = env("SOAK_CLIENTS", 16);
    let fail_rate: f64 = env("SOAK_FAIL_RATE", 0.05);
    let latency_ms: u64 = env("SOAK_LATENCY_MS", 20);
    let bin = std::env::var("DS24_MCP_BIN").unwrap_or_else(|_| "target/release/ds24-mcp".into());

    let mut opts = ds24_sandbox::SandboxOptions::in_memory();
    opts.fail_rate = fail_rate;
    opts.latency = Duration::from_millis(latency_ms);
    let sandbox = ds24_sandbox::start(opts, "127.0.0.1:0".parse()?).await?;
    let mut server = Command::new(&bin)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--api-url",
            &sandbox.api_url(),
            "--key-rate-limit",
            "0",
            "--ip-rate-limit",
            "0",
        ])
        .env("DS24_MCP_LOG", "warn,ds24_mcp::run=info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            anyhow::anyhow!("cannot run {bin} (cargo build --release -p ds24-mcp): {e}")
        })?;
    // The server says where it listens (an info line; everything else at warn), within 30 s.
    let stderr = server.stderr.take().unwrap();
    let (ready, address) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut ready = Some(ready);
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("MCP endpoint ready at ").nth(1)
                && let Some(ready) = ready.take()
            {
                let _ = ready.send(
                    rest.split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_owned(),
                );
            }
        }
    });
    let url = match address.recv_timeout(Duration::from_secs(30)) {
        Ok(url) => url,
        Err(_) => {
            let _ = server.kill();
            anyhow::bail!("{bin} did not say where it listens within 30 s");
        }
    };
    let pid = server.id();

    let mut data = String::new();
    for i in 0..80_000 {
        if i > 0 {
            data.push(',');
        }
        data.push_str(&format!("\"a{i:05}\":1"));
    }
    let oversized: Arc<str> = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"createProduct","arguments":{{"data":{{{data}}}}}}}}}"#
    )
    .into();

    // The product the writes rename, read from the sandbox's own wire.
    let products: Value = reqwest::Client::new()
        .post(format!("{}/listProducts", sandbox.api_url()))
        .header("x-ds-api-key", "sandbox-read")
        .header("accept", "application/json")
        .send()
        .await?
        .json()
        .await?;
    let product: Arc<str> = products["data"]["products"][0]["id"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("the sandbox lists no product: {products}"))?
        .into();

    let counts = Arc::new(Counts::default());
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let warm_up = Duration::from_secs((seconds / 10).max(5));
    println!(
        "soak: {seconds} s, {clients} clients, sandbox fail rate {fail_rate}, latency {latency_ms} ms, server pid {pid}"
    );
    let workers: Vec<_> = (0..clients)
        .map(|c| {
            let counts = counts.clone();
            let url = url.clone();
            let oversized = oversized.clone();
            let product = product.clone();
            tokio::spawn(async move {
                let http = reqwest::Client::builder()
                    .timeout(Duration::from_secs(60))
                    .build()
                    .unwrap();
                let mut rng =
                    Rng(0x9E37_79B9_7F4A_7C15 ^ (c as u64 + 1).wrapping_mul(0xA24B_AED4_963E_E407));
                while Instant::now() < deadline {
                    let kind = pick(&mut rng);
                    let (body, key) = request(kind, &mut rng, &oversized, &product);
                    counts.sent.fetch_add(1, Ordering::Relaxed);
                    let answer = http
                        .post(&url)
                        .header("authorization", format!("Bearer {key}"))
                        .header("content-type", "application/json")
                        .header("accept", "application/json, text/event-stream")
                        .header("mcp-protocol-version", "2025-11-25")
                        .body(body)
                        .send()
                        .await;
                    let answered = match answer {
                        Ok(r) => {
                            let status = r.status().as_u16();
                            r.text().await.ok().map(|t| (status, t))
                        }
                        Err(_) => None,
                    };
                    match answered {
                        None => {
                            counts.unanswered.fetch_add(1, Ordering::Relaxed);
                        }
                        Some((status, text)) => {
                            if !judge(kind, status, &text, &counts)
                                && counts.wrong.fetch_add(1, Ordering::Relaxed) < 5
                            {
                                eprintln!(
                                    "wrong answer to {kind:?}: HTTP {status} {}",
                                    &text[..text.len().min(300)]
                                );
                            }
                        }
                    }
                }
            })
        })
        .collect();

    // Memory: sampled every 5 s. The baseline is the highest sample of the minute after the
    // warm-up, the end the highest sample of the last minute: windows of the same length, so
    // the comparison is not tilted by one window simply holding more samples.
    let mut samples: Vec<(Duration, u64)> = Vec::new();
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_secs(5)).await;
        samples.push((started.elapsed(), rss_kib(pid)));
    }
    for w in workers {
        w.await?;
    }
    let _ = server.kill();
    let _ = server.wait();
    sandbox.shutdown().await;

    let window = |from: Duration, to: Duration| {
        samples
            .iter()
            .filter(|(t, _)| *t >= from && *t <= to)
            .map(|(_, r)| *r)
            .max()
    };
    let minute = Duration::from_secs(60);
    let base = window(warm_up, warm_up + minute)
        .or_else(|| samples.first().map(|(_, r)| *r))
        .unwrap_or(0);
    let total = Duration::from_secs(seconds);
    let end = window(total.saturating_sub(minute).max(warm_up), total).unwrap_or(base);
    let peak = samples.iter().map(|(_, r)| *r).max().unwrap_or(0);
    #[allow(clippy::cast_precision_loss)]
    let growth = if base == 0 {
        0.0
    } else {
        (end as f64 - base as f64) / base as f64 * 100.0
    };
    let n = |a: &AtomicU64| a.load(Ordering::Relaxed);
    let report = json!({
        "seconds": seconds,
        "clients": clients,
        "requests": n(&counts.sent),
        "ok": n(&counts.ok),
        "upstream_faults_as_is_error": n(&counts.upstream_faults),
        "invalid_arguments_as_is_error": n(&counts.tool_errors),
        "unknown_tool_protocol_errors": n(&counts.protocol_errors_expected),
        "unanswered": n(&counts.unanswered),
        "wrong_answers": n(&counts.wrong),
        "rss_kib": {"after_warm_up": base, "last_minute_max": end, "peak": peak},
        // Every 30 s, to see where memory settles.
        "rss_kib_every_30_s": samples
            .iter()
            .filter(|(t, _)| t.as_secs() % 30 < 5)
            .map(|(_, r)| *r)
            .collect::<Vec<_>>(),
        "rss_growth_percent": (growth * 10.0).round() / 10.0,
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    #[allow(clippy::cast_precision_loss)]
    let rate = n(&counts.sent) as f64 / seconds as f64;
    println!(
        "\n| measure | value |\n|---|---|\n| duration, clients | {seconds} s, {clients} |\n| requests (rate) | {} ({rate:.0}/s) |\n| upstream faults answered as `isError` | {} |\n| unanswered requests | {} |\n| wrong answers | {} |\n| RSS after warm-up → last minute (peak) | {:.1} MiB → {:.1} MiB ({:.1} MiB) |\n| RSS growth after warm-up | {growth:.1} % |",
        n(&counts.sent),
        n(&counts.upstream_faults),
        n(&counts.unanswered),
        n(&counts.wrong),
        base as f64 / 1024.0,
        end as f64 / 1024.0,
        peak as f64 / 1024.0,
    );
    let passed = n(&counts.unanswered) == 0
        && n(&counts.wrong) == 0
        && n(&counts.upstream_faults) > 0
        && growth < 5.0;
    if !passed {
        anyhow::bail!(
            "soak failed: unanswered requests, wrong answers, no faults seen, or RSS grew 5 % or more"
        );
    }
    println!("\nsoak passed");
    Ok(())
}

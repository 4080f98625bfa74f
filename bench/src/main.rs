//! `bash bench/run.sh`: what ds24-mcp costs on top of the Digistore24 call it makes.
//!
//! One run starts the sandbox in-process and the release `ds24-mcp serve` in front of it, then
//! times the same calls directly on the Digistore24 wire and through MCP. Results are ratios
//! and differences measured in the same run on the same machine, so they compare across
//! machines better than absolute times do.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const KEY: &str = "sandbox-read";

struct Stats {
    median: Duration,
    p95: Duration,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    Stats {
        median: at(0.5),
        p95: at(0.95),
    }
}

async fn time<F, Fut>(n: usize, mut f: F) -> Stats
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for _ in 0..n / 10 {
        f().await; // warm-up: connections, caches
    }
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f().await;
        samples.push(t.elapsed());
    }
    stats(samples)
}

async fn direct(http: &reqwest::Client, api: &str, function: &str) {
    let r = http
        .post(format!("{api}/{function}"))
        .header("X-DS-API-KEY", KEY)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("language=en")
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["result"], "success", "{v}");
}

async fn mcp(http: &reqwest::Client, url: &str, method: &str, params: Value) {
    let r = http
        .post(url)
        .header("authorization", format!("Bearer {KEY}"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-11-25")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}))
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert!(
        v.get("result").is_some() && v["result"]["isError"] != true,
        "{v}"
    );
}

async fn throughput<F, Fut>(clients: usize, per_client: usize, f: F) -> f64
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let t = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let f = f.clone();
            tokio::spawn(async move {
                for _ in 0..per_client {
                    f().await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    (clients * per_client) as f64 / t.elapsed().as_secs_f64()
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn us(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n: usize = std::env::var("BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(400);
    let bin = std::env::var("DS24_MCP_BIN").unwrap_or_else(|_| "target/release/ds24-mcp".into());
    let sandbox = ds24_sandbox::start(
        ds24_sandbox::SandboxOptions::in_memory(),
        "127.0.0.1:0".parse()?,
    )
    .await?;
    let api = sandbox.api_url();
    let mut server = Command::new(&bin)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--api-url",
            &api,
            "--key-rate-limit",
            "0",
        ])
        .env("DS24_MCP_LOG", "warn,ds24_mcp=info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot run {bin} (build it with cargo build --release -p ds24-mcp): {e}"
            )
        })?;
    let mut lines = BufReader::new(server.stderr.take().unwrap()).lines();
    let url = loop {
        let line = lines
            .next()
            .ok_or_else(|| anyhow::anyhow!("server exited"))??;
        if let Some(rest) = line.split("MCP endpoint ready at ").nth(1) {
            break rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned();
        }
    };
    std::thread::spawn(move || lines.for_each(drop));
    let pid = server.id();
    let http = reqwest::Client::new();
    let rss_idle = rss_kib(pid);

    let ping_direct = time(n, || direct(&http, &api, "ping")).await;
    let ping_mcp = time(n, || {
        mcp(
            &http,
            &url,
            "tools/call",
            json!({"name": "ping", "arguments": {}}),
        )
    })
    .await;
    let list_direct = time(n, || direct(&http, &api, "listProducts")).await;
    let list_mcp = time(n, || {
        mcp(
            &http,
            &url,
            "tools/call",
            json!({"name": "listProducts", "arguments": {}}),
        )
    })
    .await;
    let tools_list = time(n, || mcp(&http, &url, "tools/list", json!({}))).await;

    let (h1, a1) = (http.clone(), api.clone());
    let tp_direct = throughput(8, n / 4, move || {
        let (h, a) = (h1.clone(), a1.clone());
        async move { direct(&h, &a, "ping").await }
    })
    .await;
    let (h2, u2) = (http.clone(), url.clone());
    let tp_mcp = throughput(8, n / 4, move || {
        let (h, u) = (h2.clone(), u2.clone());
        async move {
            mcp(
                &h,
                &u,
                "tools/call",
                json!({"name": "ping", "arguments": {}}),
            )
            .await
        }
    })
    .await;
    let rss_loaded = rss_kib(pid);
    let _ = server.kill();
    let _ = server.wait();
    sandbox.shutdown().await;

    println!(
        "ds24-mcp benchmark ({n} sequential calls each, 8 concurrent clients for throughput)\n"
    );
    println!("| measure | direct Digistore24 wire | through ds24-mcp | ratio | added |");
    println!("|---|---|---|---|---|");
    for (name, d, m) in [
        ("ping, median", &ping_direct, &ping_mcp),
        ("listProducts, median", &list_direct, &list_mcp),
    ] {
        println!(
            "| {name} | {} | {} | {:.2}x | {} |",
            us(d.median),
            us(m.median),
            m.median.as_secs_f64() / d.median.as_secs_f64(),
            us(m.median.saturating_sub(d.median))
        );
        println!(
            "| {} p95 | {} | {} | {:.2}x | |",
            name.trim_end_matches(", median"),
            us(d.p95),
            us(m.p95),
            m.p95.as_secs_f64() / d.p95.as_secs_f64()
        );
    }
    println!(
        "| ping throughput | {tp_direct:.0} calls/s | {tp_mcp:.0} calls/s | {:.2}x | |",
        tp_mcp / tp_direct
    );
    println!(
        "\ntools/list (93 tools, 85 KB): median {}, p95 {} = {:.2}x a direct ping",
        us(tools_list.median),
        us(tools_list.p95),
        tools_list.median.as_secs_f64() / ping_direct.median.as_secs_f64()
    );
    if let (Some(idle), Some(loaded)) = (rss_idle, rss_loaded) {
        println!(
            "server memory (RSS): {:.1} MiB idle, {:.1} MiB after the run",
            idle as f64 / 1024.0,
            loaded as f64 / 1024.0
        );
    }
    Ok(())
}

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

/// One MCP request that returns the JSON-RPC message (JSON or SSE body) and its size on the wire.
async fn mcp_raw(
    http: &reqwest::Client,
    url: &str,
    session: Option<&str>,
    method: &str,
    params: Value,
) -> (Value, usize) {
    let mut req = http
        .post(url)
        .header("authorization", format!("Bearer {KEY}"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-06-18");
    if let Some(id) = session {
        req = req.header("mcp-session-id", id);
    }
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let text = req.json(&body).send().await.unwrap().text().await.unwrap();
    let msg = serde_json::from_str(&text).unwrap_or_else(|_| {
        text.lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .filter_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
            .next_back()
            .unwrap_or(Value::Null)
    });
    (msg, text.len())
}

/// Digistore24's own MCP server (TypeScript), if `DS24_OFFICIAL_SERVER` names its built
/// `build/index.js`, run against the same sandbox for a side-by-side comparison.
async fn official(
    http: &reqwest::Client,
    api: &str,
    n: usize,
) -> anyhow::Result<Option<(Stats, Stats, Stats, (usize, usize), usize, Option<u64>)>> {
    let Ok(script) = std::env::var("DS24_OFFICIAL_SERVER") else {
        return Ok(None);
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut child = Command::new("node")
        .args([
            script.as_str(),
            "--transport=streamable-http",
            &format!("--port={port}"),
        ])
        .env("DIGISTORE_API_BASE_URL", api)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let base = format!("http://127.0.0.1:{port}");
    let mut ready = false;
    for _ in 0..100 {
        if http
            .get(format!("{base}/health"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::ensure!(ready, "the official server did not come up");
    let url = format!("{base}/mcp");
    let init = http
        .post(&url)
        .header("authorization", format!("Bearer {KEY}"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .json(&json!({"jsonrpc": "2.0", "id": 0, "method": "initialize",
                      "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "0"}}}))
        .send()
        .await?;
    let session = init
        .headers()
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let session = session.as_deref();
    mcp_raw(http, &url, session, "notifications/initialized", json!({})).await;
    let call = |name: &'static str| {
        let url = url.clone();
        async move {
            let (msg, _) = mcp_raw(
                http,
                &url,
                session,
                "tools/call",
                json!({"name": name, "arguments": {}}),
            )
            .await;
            assert!(msg.get("result").is_some(), "{msg}");
        }
    };
    let ping = time(n, || call("ping")).await;
    let list = time(n, || call("listProducts")).await;
    let tools = time(n, || async {
        mcp_raw(http, &url, session, "tools/list", json!({})).await;
    })
    .await;
    let (list_msg, list_bytes) = mcp_raw(
        http,
        &url,
        session,
        "tools/call",
        json!({"name": "listProducts", "arguments": {}}),
    )
    .await;
    let (_, tools_bytes) = mcp_raw(http, &url, session, "tools/list", json!({})).await;
    let rss = rss_kib(child.id());
    let _ = child.kill();
    let _ = child.wait();
    Ok(Some((
        ping,
        list,
        tools,
        (list_bytes, text_len(&list_msg)),
        tools_bytes,
        rss,
    )))
}

/// Length of a tool result's text block: what a model reads.
fn text_len(msg: &Value) -> usize {
    msg["result"]["content"][0]["text"]
        .as_str()
        .map_or(0, str::len)
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
    let (our_list_msg, our_list_bytes) = mcp_raw(
        &http,
        &url,
        None,
        "tools/call",
        json!({"name": "listProducts", "arguments": {}}),
    )
    .await;
    let (_, our_tools_bytes) = mcp_raw(&http, &url, None, "tools/list", json!({})).await;
    let theirs = official(&http, &api, n).await?;
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
    if let Some((ping, list, tools, (list_bytes, list_text), tools_bytes, rss)) = theirs {
        let our_list_text = text_len(&our_list_msg);
        let ratio = |ours: Duration, theirs: Duration| theirs.as_secs_f64() / ours.as_secs_f64();
        println!("\nDigistore24's own MCP server (Node.js) on the same sandbox, same run:\n");
        println!("| measure | ds24-mcp | official server | official / ds24-mcp |");
        println!("|---|---|---|---|");
        println!(
            "| ping, median | {} | {} | {:.2}x |",
            us(ping_mcp.median),
            us(ping.median),
            ratio(ping_mcp.median, ping.median)
        );
        println!(
            "| listProducts, median | {} | {} | {:.2}x |",
            us(list_mcp.median),
            us(list.median),
            ratio(list_mcp.median, list.median)
        );
        println!(
            "| tools/list, median | {} | {} | {:.2}x |",
            us(tools_list.median),
            us(tools.median),
            ratio(tools_list.median, tools.median)
        );
        println!(
            "| listProducts text block (what the model reads) | {our_list_text} B | {list_text} B | {:.2}x |",
            list_text as f64 / our_list_text as f64
        );
        println!(
            "| listProducts whole answer (text + structuredContent) | {our_list_bytes} B | {list_bytes} B | {:.2}x |",
            list_bytes as f64 / our_list_bytes as f64
        );
        println!(
            "| tools/list size | {our_tools_bytes} B | {tools_bytes} B | {:.2}x |",
            tools_bytes as f64 / our_tools_bytes as f64
        );
        if let (Some(ours), Some(theirs)) = (rss_loaded, rss) {
            println!(
                "| memory after the run (RSS) | {:.1} MiB | {:.1} MiB | {:.2}x |",
                ours as f64 / 1024.0,
                theirs as f64 / 1024.0,
                theirs as f64 / ours as f64
            );
        }
    }
    Ok(())
}

//! The server's own cost per call, side by side with Digistore24's server: both in front of the
//! same fixed-answer upstream, pinned to one core, driven by closed-loop clients.
//!
//! `listProducts` answers 20 products, taken once from the sandbox (its 13 seeded products and
//! copies of the first 7), so the rows look like a real account's. Each server runs alone on
//! core 0 (`taskset -c 0`); the clients and the upstream share core 1. A level runs
//! `BENCH_SECONDS` (10) seconds at 1, 16 and 64 concurrent clients; the server's CPU seconds
//! come from `/proc/<pid>/stat`, so "CPU per call" is the server's work alone, and "calls per
//! CPU second" is its throughput per core even where the clients, not the server, set the pace.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::{Value, json};

use crate::load::{self, Call, Stop};

/// Concurrency levels of every measure.
pub const LEVELS: [usize; 3] = [1, 16, 64];
/// Products in the fixed `listProducts` answer.
pub const PRODUCTS: usize = 20;
/// Calls of the soak (`--soak`): memory must stay flat over them.
pub const SOAK_CALLS: u64 = 1_000_000;
/// How often the soak reads memory, in calls.
const SOAK_SAMPLE_EVERY: u64 = 100_000;
const KEY: &str = "sandbox-read";
const API_PATH: &str = "/api/call";

/// What the fixed measures run.
pub struct Plan {
    /// Seconds per level.
    pub seconds: u64,
    /// ds24-mcp binaries to measure: (label, path). The first is this build.
    pub ours: Vec<(String, String)>,
    /// Digistore24's server (`build/index.js`), if set.
    pub official: Option<String>,
    /// Also run the 1,000,000-call soak on the first binary.
    pub soak: bool,
    /// Pin each server to core 0 (this process is on core 1).
    pub pin: bool,
}

/// The bytes the fixed upstream answers, built from the sandbox at `api`.
pub async fn answers(http: &reqwest::Client, api: &str) -> anyhow::Result<load::Answers> {
    let list = |http: reqwest::Client| {
        let url = format!("{api}/listProducts");
        async move {
            http.post(url)
                .header("X-DS-API-KEY", "sandbox-full")
                .form(&[("language", "en")])
                .send()
                .await?
                .bytes()
                .await
        }
    };
    let first: Value = serde_json::from_slice(&list(http.clone()).await?)?;
    let ids: Vec<String> = first["data"]["products"]
        .as_array()
        .map(|p| {
            p.iter()
                .filter_map(|p| p["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    anyhow::ensure!(!ids.is_empty(), "the sandbox lists no products: {first}");
    for id in ids.iter().cycle().take(PRODUCTS.saturating_sub(ids.len())) {
        let r: Value = http
            .post(format!("{api}/copyProduct"))
            .header("X-DS-API-KEY", "sandbox-full")
            .form(&[("language", "en"), ("product_id", id)])
            .send()
            .await?
            .json()
            .await?;
        anyhow::ensure!(r["result"] == "success", "copyProduct: {r}");
    }
    let mut envelope: Value = serde_json::from_slice(&list(http.clone()).await?)?;
    if let Some(products) = envelope["data"]["products"].as_array_mut() {
        products.truncate(PRODUCTS);
    }
    let n = envelope["data"]["products"].as_array().map_or(0, Vec::len);
    anyhow::ensure!(n == PRODUCTS, "{n} products instead of {PRODUCTS}");
    let mut answers = load::Answers::new();
    answers.insert(
        "listProducts".into(),
        Bytes::from(serde_json::to_vec(&envelope)?),
    );
    Ok(answers)
}

/// Runs the plan against the fixed upstream serving `answers`.
pub async fn measure(plan: &Plan, answers: load::Answers) -> anyhow::Result<Value> {
    let upstream_bytes = answers.get("listProducts").map_or(0, Bytes::len);
    let upstream = load::fixed_upstream(answers).await?;
    let api = format!("http://{upstream}{API_PATH}");
    let load_at_start = load::load_average();
    let mut servers = Vec::new();
    for (label, bin) in &plan.ours {
        let mut server = ours(bin, &api, plan.pin).await?;
        let mut r = run_levels(&mut server, plan.seconds).await?;
        r["label"] = json!(label);
        server.stop();
        servers.push(r);
    }
    let official = match &plan.official {
        None => Value::Null,
        Some(script) => {
            let mut server = official(script, &api, plan.pin).await?;
            let r = run_levels(&mut server, plan.seconds).await?;
            server.stop();
            r
        }
    };
    // The soak last, on a fresh server, so the side-by-side levels above run close together.
    if plan.soak
        && let (Some((_, bin)), Some(first)) = (plan.ours.first(), servers.first_mut())
    {
        let mut server = ours(bin, &api, plan.pin).await?;
        first["soak"] = soak(&mut server).await?;
        server.stop();
    }
    Ok(json!({
        "seconds": plan.seconds,
        "levels": LEVELS,
        "products": PRODUCTS,
        "upstream_bytes": upstream_bytes,
        "load_average": {"start": load_at_start, "end": load::load_average()},
        "ours": servers,
        "official": official,
    }))
}

/// A server under measure.
struct Server {
    child: Child,
    addr: SocketAddr,
    path: String,
    headers: Vec<(http::HeaderName, http::HeaderValue)>,
    /// The name `listProducts` has on this server.
    list_products: String,
    official: bool,
    startup_ms: f64,
    tools: usize,
    ids: Arc<AtomicU64>,
}

impl Server {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn request(&self, method: &str, params: &Value) -> impl Fn(u64) -> Bytes + Send + Sync + use<> {
        let (method, params) = (method.to_owned(), params.to_string());
        move |id| {
            Bytes::from(format!(
                r#"{{"jsonrpc":"2.0","id":{id},"method":"{method}","params":{params}}}"#
            ))
        }
    }

    fn list_products_call(&self) -> Call {
        let params = json!({"name": self.list_products, "arguments": {}});
        let official = self.official;
        Call {
            path: self.path.clone(),
            headers: self.headers.clone(),
            body: Box::new(self.request("tools/call", &params)),
            check: Box::new(move |body, full| {
                if official {
                    return crate::official_success(&message(body));
                }
                let Ok(text) = std::str::from_utf8(body) else {
                    return false;
                };
                if !(text.starts_with(r#"{"jsonrpc":"2.0""#)
                    && text.contains(r#""structuredContent":{"#)
                    && text.contains(r#""products":["#)
                    && !text.contains(r#""isError":true"#))
                {
                    return false;
                }
                !full || ours_list_products_ok(&message(body))
            }),
        }
    }

    fn tools_list_call(&self) -> Call {
        let tools = self.tools;
        let official = self.official;
        Call {
            path: self.path.clone(),
            headers: self.headers.clone(),
            body: Box::new(self.request("tools/list", &json!({}))),
            check: Box::new(move |body, full| {
                if official || full {
                    return message(body)["result"]["tools"]
                        .as_array()
                        .is_some_and(|t| t.len() == tools);
                }
                std::str::from_utf8(body).is_ok_and(|text| {
                    text.starts_with(r#"{"jsonrpc":"2.0""#)
                        && text.contains(r#""result":{"tools":["#)
                })
            }),
        }
    }
}

/// Whether a ds24-mcp `listProducts` answer carries all products in both views.
fn ours_list_products_ok(msg: &Value) -> bool {
    let result = &msg["result"];
    let structured = result["structuredContent"]["products"]
        .as_array()
        .map_or(0, Vec::len);
    // The text lists the products as records, or as a table (`columns`, then `rows`).
    let text = result["content"][0]["text"]
        .as_str()
        .and_then(|t| serde_json::from_str::<Value>(t).ok())
        .and_then(|t| {
            let products = &t["products"];
            products
                .as_array()
                .or_else(|| products["rows"].as_array())
                .map(Vec::len)
        })
        .unwrap_or(0);
    result["isError"] != true && structured == PRODUCTS && text == PRODUCTS
}

/// The JSON-RPC message of an answer, JSON or SSE.
fn message(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or_else(|_| {
        String::from_utf8_lossy(body)
            .lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .filter_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
            .next_back()
            .unwrap_or(Value::Null)
    })
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// `program`, pinned to core 0 when `pin`.
fn pinned(program: &str, pin: bool) -> Command {
    if pin {
        let mut cmd = Command::new("taskset");
        cmd.args(["-c", "0", program]);
        cmd
    } else {
        Command::new(program)
    }
}

fn header(
    name: &'static str,
    value: &str,
) -> anyhow::Result<(http::HeaderName, http::HeaderValue)> {
    Ok((
        http::HeaderName::from_static(name),
        http::HeaderValue::from_str(value)?,
    ))
}

fn mcp_headers(version: &str) -> anyhow::Result<Vec<(http::HeaderName, http::HeaderValue)>> {
    Ok(vec![
        header("authorization", &format!("Bearer {KEY}"))?,
        header("content-type", "application/json")?,
        header("accept", "application/json, text/event-stream")?,
        header("mcp-protocol-version", version)?,
    ])
}

/// Polls `probe` until it succeeds (the server is starting), for at most 20 s.
async fn until_up<F, Fut, T>(mut probe: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match probe().await {
            Ok(t) => return Ok(t),
            Err(e) if Instant::now() > deadline => return Err(e),
            Err(_) => tokio::time::sleep(Duration::from_millis(1)).await, // waiting for a process
        }
    }
}

/// Starts ds24-mcp in front of the fixed upstream; start-up is timed to the first answered
/// `tools/list`.
async fn ours(bin: &str, api: &str, pin: bool) -> anyhow::Result<Server> {
    let port = free_port()?;
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse()?;
    let started = Instant::now();
    let child = pinned(bin, pin)
        .args([
            "serve",
            "--listen",
            &addr.to_string(),
            "--api-url",
            api,
            "--key-rate-limit",
            "0",
        ])
        // No per-address limit either (one address drives all the load); by environment, so
        // an older binary without the setting runs too.
        .env("DS24_MCP_IP_RATE_LIMIT", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| {
            anyhow::anyhow!("cannot run {bin} (cargo build --release -p ds24-mcp): {e}")
        })?;
    let headers = mcp_headers("2025-11-25")?;
    let body = Bytes::from_static(br#"{"jsonrpc":"2.0","id":0,"method":"tools/list"}"#);
    let first = until_up(|| {
        let (headers, body) = (headers.clone(), body.clone());
        async move {
            let (status, _, body) = load::once(addr, "/mcp", &headers, body).await?;
            anyhow::ensure!(status == http::StatusCode::OK, "{status}");
            Ok(message(&body))
        }
    })
    .await?;
    let startup_ms = started.elapsed().as_secs_f64() * 1000.0;
    let tools = first["result"]["tools"].as_array().map_or(0, Vec::len);
    anyhow::ensure!(tools > 0, "{bin}: tools/list answered {first}");
    Ok(Server {
        child,
        addr,
        path: "/mcp".into(),
        headers,
        list_products: "listProducts".into(),
        official: false,
        startup_ms,
        tools,
        ids: Arc::new(AtomicU64::new(1)),
    })
}

/// Starts Digistore24's server in front of the fixed upstream, with one session that every
/// client shares (it answers only its latest session's requests); start-up is timed to the
/// first answered `tools/list` (initialize, initialized, tools/list).
async fn official(script: &str, api: &str, pin: bool) -> anyhow::Result<Server> {
    let port = free_port()?;
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse()?;
    let started = Instant::now();
    let child = pinned("node", pin)
        .args([
            script,
            "--transport=streamable-http",
            &format!("--port={port}"),
        ])
        .env("DIGISTORE_API_BASE_URL", api)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let mut headers = mcp_headers("2025-06-18")?;
    let init = Bytes::from_static(
        br#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"0"}}}"#,
    );
    let session = until_up(|| {
        let (headers, init) = (headers.clone(), init.clone());
        async move {
            let (status, answer, _) = load::once(addr, "/mcp", &headers, init).await?;
            anyhow::ensure!(status == http::StatusCode::OK, "{status}");
            answer
                .get("mcp-session-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
                .ok_or_else(|| anyhow::anyhow!("no session id"))
        }
    })
    .await?;
    headers.push(header("mcp-session-id", &session)?);
    load::once(
        addr,
        "/mcp",
        &headers,
        Bytes::from_static(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#),
    )
    .await?;
    let (_, _, body) = load::once(
        addr,
        "/mcp",
        &headers,
        Bytes::from_static(br#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}"#),
    )
    .await?;
    let startup_ms = started.elapsed().as_secs_f64() * 1000.0;
    let tools = message(&body)["result"]["tools"]
        .as_array()
        .map_or(0, Vec::len);
    anyhow::ensure!(tools > 0, "the official server's tools/list is empty");
    let list_products = ds24_catalog::get("listProducts")
        .map(ds24_catalog::Function::official_name)
        .unwrap_or_else(|| "listProducts".into());
    Ok(Server {
        child,
        addr,
        path: "/mcp".into(),
        headers,
        list_products,
        official: true,
        startup_ms,
        tools,
        ids: Arc::new(AtomicU64::new(2)),
    })
}

/// One closed-loop measure with the server's CPU time, memory and the generator's own load.
async fn level(server: &Server, call: &Arc<Call>, clients: usize, stop: Stop) -> Value {
    let own = std::process::id();
    let (cpu0, own0) = (load::cpu_seconds(server.pid()), load::cpu_seconds(own));
    let mut level = load::closed_loop(
        server.addr,
        call.clone(),
        clients,
        stop,
        server.ids.clone(),
        Arc::default(),
    )
    .await;
    let (cpu1, own1) = (load::cpu_seconds(server.pid()), load::cpu_seconds(own));
    let cpu = cpu0.zip(cpu1).map(|(a, b)| b - a);
    let own_cpu = own0.zip(own1).map_or(0.0, |(a, b)| b - a);
    load::level_json(&mut level, cpu, load::rss_kib(server.pid()), own_cpu)
}

async fn run_levels(server: &mut Server, seconds: u64) -> anyhow::Result<Value> {
    let rss_start = load::rss_kib(server.pid());
    let mut out = json!({
        "startup_ms": (server.startup_ms * 10.0).round() / 10.0,
        "tools": server.tools,
        "rss_start_kib": rss_start,
    });
    for (name, call) in [
        ("list_products", server.list_products_call()),
        ("tools_list", server.tools_list_call()),
    ] {
        let call = Arc::new(call);
        // Warm-up: connections, caches, the JIT of the other server.
        level(server, &call, 4, Stop::after(Duration::from_secs(1))).await;
        let mut levels = Vec::new();
        for clients in LEVELS {
            let r = level(
                server,
                &call,
                clients,
                Stop::after(Duration::from_secs(seconds)),
            )
            .await;
            eprintln!(
                "{} {name} c={clients}: {} calls/s, {} µs CPU per call",
                if server.official {
                    "official"
                } else {
                    "ds24-mcp"
                },
                r["calls_per_s"],
                r["cpu_us_per_call"]
            );
            levels.push(r);
        }
        out[name] = Value::Array(levels);
    }
    out["rss_end_kib"] = json!(load::rss_kib(server.pid()));
    Ok(out)
}

/// 1,000,000 `listProducts` calls at 16 clients, reading the server's memory every 100,000.
async fn soak(server: &mut Server) -> anyhow::Result<Value> {
    let call = Arc::new(server.list_products_call());
    let clients = 16;
    let progress: load::Progress = Arc::default();
    let pid = server.pid();
    let samples = Arc::new(std::sync::Mutex::new(vec![
        json!({"calls": 0, "rss_kib": load::rss_kib(pid)}),
    ]));
    let finished = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let (progress, samples, finished) = (progress.clone(), samples.clone(), finished.clone());
        tokio::spawn(async move {
            let mut next = SOAK_SAMPLE_EVERY;
            while !finished.load(Ordering::Relaxed) {
                let done = progress.load(Ordering::Relaxed);
                if done >= next && next < SOAK_CALLS {
                    let sample = json!({"calls": done, "rss_kib": load::rss_kib(pid)});
                    samples.lock().map(|mut s| s.push(sample)).ok();
                    next += SOAK_SAMPLE_EVERY;
                }
                tokio::time::sleep(Duration::from_millis(20)).await; // sampling, not syncing
            }
        })
    };
    let cpu0 = load::cpu_seconds(pid);
    let level = load::closed_loop(
        server.addr,
        call,
        clients,
        Stop::after_calls(SOAK_CALLS, Duration::from_secs(3600)),
        server.ids.clone(),
        progress.clone(),
    )
    .await;
    let cpu = load::cpu_seconds(pid).zip(cpu0).map(|(b, a)| b - a);
    finished.store(true, Ordering::Relaxed);
    sampler.await?;
    let mut samples = samples.lock().map(|s| s.clone()).unwrap_or_default();
    samples.push(json!({"calls": level.ok, "rss_kib": load::rss_kib(pid)}));
    // Flat means: after the first sample under load, memory neither grows nor shrinks by
    // more than the stated spread.
    let warm: Vec<u64> = samples
        .iter()
        .skip(1)
        .filter_map(|s| s["rss_kib"].as_u64())
        .collect();
    let (min, max) = (
        warm.iter().copied().min().unwrap_or(0),
        warm.iter().copied().max().unwrap_or(0),
    );
    #[allow(clippy::cast_precision_loss)]
    let spread = if min > 0 {
        ((max - min) as f64 / min as f64 * 1000.0).round() / 10.0
    } else {
        f64::NAN
    };
    #[allow(clippy::cast_precision_loss)]
    Ok(json!({
        "clients": clients,
        "calls": level.ok,
        "failed": level.failed,
        "seconds": (level.seconds * 10.0).round() / 10.0,
        "cpu_us_per_call": cpu.map(|c| (c * 1e7 / level.ok.max(1) as f64).round() / 10.0),
        "samples": samples,
        "rss_min_kib": min,
        "rss_max_kib": max,
        "spread_pct": spread,
    }))
}

// ------------------------------------------------------------------ rendering

fn f64_of(v: &Value) -> Option<f64> {
    v.as_f64().filter(|x| x.is_finite())
}

/// `1,234` for counts, so the tables read easily.
fn thousands(x: f64) -> String {
    #[allow(clippy::cast_possible_truncation)]
    let n = x.round() as i64;
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

fn cell(v: &Value, f: impl Fn(f64) -> String) -> String {
    f64_of(v).map_or_else(|| "–".to_owned(), f)
}

fn calls_per_cpu_second(level: &Value) -> Value {
    f64_of(&level["cpu_us_per_call"])
        .filter(|c| *c > 0.0)
        .map_or(Value::Null, |c| json!((1e6 / c).round()))
}

fn times(a: &Value, b: &Value) -> String {
    match (f64_of(a), f64_of(b)) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.1}×", a / b),
        _ => "–".to_owned(),
    }
}

fn mib(v: &Value) -> String {
    cell(v, |k| format!("{:.1} MiB", k / 1024.0))
}

/// The rows of one server at every level.
fn server_rows(md: &mut String, name: &str, levels: &Value) {
    let levels = levels.as_array().map_or(&[][..], Vec::as_slice);
    let row = |md: &mut String, what: &str, f: &dyn Fn(&Value) -> String| {
        md.push_str(&format!("| {name}: {what} |"));
        for l in levels {
            md.push_str(&format!(" {} |", f(l)));
        }
        md.push('\n');
    };
    row(md, "calls/s", &|l| {
        let mut s = cell(&l["calls_per_s"], thousands);
        let silent = l["silent_clients"].as_u64().unwrap_or(0);
        if silent > 0 {
            s.push_str(&format!(
                " ({silent} of {} clients never answered)",
                l["clients"]
            ));
        }
        let failed = l["failed"].as_u64().unwrap_or(0);
        if failed > 0 {
            s.push_str(&format!(", {} failed", thousands(failed as f64)));
        }
        s
    });
    row(md, "server CPU per call", &|l| {
        cell(&l["cpu_us_per_call"], |c| format!("{c:.0} µs"))
    });
    row(md, "calls per CPU second", &|l| {
        cell(&calls_per_cpu_second(l), thousands)
    });
    row(md, "p50 / p99", &|l| {
        format!(
            "{} / {}",
            cell(&l["p50_us"], |x| format!("{:.2} ms", x / 1000.0)),
            cell(&l["p99_us"], |x| format!("{:.2} ms", x / 1000.0))
        )
    });
}

/// The fixed-upstream section of the README block.
pub fn render(f: &Value) -> String {
    let ours = f["ours"].as_array().map_or(&[][..], Vec::as_slice);
    let Some(now) = ours.first() else {
        return String::new();
    };
    let levels: Vec<String> = f["levels"]
        .as_array()
        .map(|l| l.iter().map(|c| format!("c={c}")).collect())
        .unwrap_or_default();
    let load = |v: &Value| cell(v, |x| format!("{x:.2}"));
    let mut md = format!(
        "\n**The server's own cost.** Each server alone on core 0 (`taskset -c 0`), the clients and a \
         fixed-answer upstream on core 1; the upstream answers `listProducts` with the same {products} \
         products ({bytes} B) every time and does no work. Closed-loop clients at {levels} for {seconds} s \
         each; CPU seconds from `/proc/<pid>/stat`; 1-minute load average {l0} at the start, {l1} at the \
         end. A call counts only with a complete answer (every 64th ds24-mcp answer and every answer of \
         Digistore24's server parsed in full).\n",
        products = f["products"],
        bytes = thousands(f64_of(&f["upstream_bytes"]).unwrap_or(0.0)),
        levels = levels.join(", "),
        seconds = f["seconds"],
        l0 = load(&f["load_average"]["start"]),
        l1 = load(&f["load_average"]["end"]),
    );
    let t = &f["official"];
    for (key, title) in [
        ("list_products", "`tools/call listProducts`"),
        ("tools_list", "`tools/list`"),
    ] {
        md.push_str(&format!("\n| {title} | {} |\n|---|", levels.join(" | ")));
        md.push_str(&"---|".repeat(levels.len()));
        md.push('\n');
        for s in ours {
            let name = match s["label"].as_str() {
                Some("ds24-mcp") | None => "ds24-mcp".to_owned(),
                Some(label) => format!("ds24-mcp {label}"),
            };
            server_rows(&mut md, &name, &s[key]);
        }
        if !t.is_null() {
            server_rows(&mut md, "Digistore24's server", &t[key]);
            let pairs = |f: &dyn Fn(&Value, &Value) -> String| -> String {
                let (o, th) = (&now[key], &t[key]);
                (0..levels.len())
                    .map(|i| f(&o[i], &th[i]))
                    .collect::<Vec<_>>()
                    .join(" | ")
            };
            md.push_str(&format!(
                "| ratio, calls/s | {} |\n",
                pairs(&|o, th| times(&o["calls_per_s"], &th["calls_per_s"]))
            ));
            md.push_str(&format!(
                "| ratio, calls per CPU second | {} |\n",
                pairs(&|o, th| times(&calls_per_cpu_second(o), &calls_per_cpu_second(th)))
            ));
        }
        if let Some(before) = ours.get(1) {
            let label = before["label"].as_str().unwrap_or("before");
            let row: Vec<String> = (0..levels.len())
                .map(|i| {
                    times(
                        &calls_per_cpu_second(&now[key][i]),
                        &calls_per_cpu_second(&before[key][i]),
                    )
                })
                .collect();
            md.push_str(&format!(
                "| ds24-mcp now / {label}, calls per CPU second | {} |\n",
                row.join(" | ")
            ));
        }
    }
    md.push_str("\n| | ");
    let mut names: Vec<String> = ours
        .iter()
        .map(|s| match s["label"].as_str() {
            Some("ds24-mcp") | None => "ds24-mcp".to_owned(),
            Some(label) => format!("ds24-mcp {label}"),
        })
        .collect();
    let mut all: Vec<&Value> = ours.iter().collect();
    if !t.is_null() {
        names.push("Digistore24's server".into());
        all.push(t);
    }
    md.push_str(&names.join(" | "));
    md.push_str(" |\n|---|");
    md.push_str(&"---|".repeat(all.len()));
    md.push('\n');
    let row = |what: &str, f: &dyn Fn(&Value) -> String| -> String {
        let cells: Vec<String> = all.iter().map(|s| f(s)).collect();
        format!("| {what} | {} |\n", cells.join(" | "))
    };
    md.push_str(&row("start-up to the first `tools/list` answer", &|s| {
        cell(&s["startup_ms"], |x| format!("{x:.0} ms"))
    }));
    md.push_str(&row(
        "memory (RSS) after start-up → after the run",
        &|s| format!("{} → {}", mib(&s["rss_start_kib"]), mib(&s["rss_end_kib"])),
    ));
    md.push_str(&row("tools listed", &|s| s["tools"].to_string()));
    if let Some(soak) = now.get("soak").filter(|s| s.is_object()) {
        let samples: Vec<String> = soak["samples"]
            .as_array()
            .map(|s| s.iter().map(|s| mib(&s["rss_kib"])).collect())
            .unwrap_or_default();
        md.push_str(&format!(
            "\n**Memory over {calls} calls** (`listProducts`, {clients} clients, {seconds} s, {cpu} µs \
             CPU per call{failed}): RSS every 100,000 calls {samples}; after the first 100,000 it stays \
             within {min}–{max} ({spread} % spread).\n",
            calls = thousands(f64_of(&soak["calls"]).unwrap_or(0.0)),
            clients = soak["clients"],
            seconds = cell(&soak["seconds"], |x| format!("{x:.0}")),
            cpu = cell(&soak["cpu_us_per_call"], |x| format!("{x:.0}")),
            failed = match soak["failed"].as_u64() {
                Some(0) | None => String::new(),
                Some(n) => format!(", {n} failed"),
            },
            samples = samples.join(", "),
            min = mib(&soak["rss_min_kib"]),
            max = mib(&soak["rss_max_kib"]),
            spread = cell(&soak["spread_pct"], |x| format!("{x:.1}")),
        ));
    }
    md
}

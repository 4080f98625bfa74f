//! `bash bench/run.sh`: what ds24-mcp costs on top of the Digistore24 call it makes.
//!
//! One run starts the sandbox in-process and the release `ds24-mcp serve` in front of it, then
//! times the same calls directly on the Digistore24 wire and through MCP. Results are ratios
//! and differences measured in the same run on the same machine, so they compare across
//! machines better than absolute times do.
//!
//! Everything the run reports is first collected into one JSON report, and the Markdown that
//! is printed is rendered from that report alone: labels, counts, sizes and the date included.
//! `bash bench/run.sh --save` also writes the report to `bench/last-run.json` and puts the
//! rendered Markdown into README.md between its bench markers; a test checks that the README
//! block is exactly the saved report rendered, so the README shows a real run and nothing else.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

mod fixed;
mod load;
mod stages;

/// The server's allocator, so that `--stages` times the JSON work as the server does it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const KEY: &str = "sandbox-read";
/// Where `--save` keeps the report the README block is rendered from (relative to the repository).
const SAVED: &str = "bench/last-run.json";
const README: &str = "README.md";
const BEGIN: &str = "<!-- bench:begin: rendered from bench/last-run.json by `bash bench/run.sh --save`; do not edit -->";
const END: &str = "<!-- bench:end -->";
/// Concurrent clients of the throughput measure.
const CLIENTS: usize = 8;

struct Stats {
    median: Duration,
    p95: Duration,
}

impl Stats {
    fn json(&self) -> Value {
        json!({"median_us": micros(self.median), "p95_us": micros(self.p95)})
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
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

async fn direct(http: &reqwest::Client, api: &str, function: &str) -> Value {
    direct_with(http, api, function, &[]).await
}

/// A direct Digistore24 call with form parameters.
async fn direct_with(
    http: &reqwest::Client,
    api: &str,
    function: &str,
    params: &[(&str, &str)],
) -> Value {
    let mut form = vec![("language", "en")];
    form.extend_from_slice(params);
    let r = http
        .post(format!("{api}/{function}"))
        .header("X-DS-API-KEY", KEY)
        .form(&form)
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["result"], "success", "{v}");
    v
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

/// Whether a tools/call answer of Digistore24's own MCP server is a successful Digistore24 call.
///
/// That server puts Digistore24's reply into the text block as
/// `API Response (Status: 200):\n{ …pretty-printed envelope… }`, and it reports Digistore24
/// errors, HTTP failures and unknown tools as ordinary text too (no `isError`). So an answer
/// counts only when its text holds the Digistore24 envelope and the envelope says
/// `"result": "success"`.
fn official_success(msg: &Value) -> bool {
    let result = &msg["result"];
    if msg.get("error").is_some() || result["isError"] == true {
        return false;
    }
    let Some(text) = result["content"][0]["text"].as_str() else {
        return false;
    };
    let Some(start) = text.find('{') else {
        return false;
    };
    serde_json::from_str::<Value>(&text[start..])
        .is_ok_and(|envelope| envelope["result"] == "success")
}

/// Digistore24's own MCP server (TypeScript), if `DS24_OFFICIAL_SERVER` names its built
/// `build/index.js`, run against the same sandbox for a side-by-side comparison.
async fn official(
    http: &reqwest::Client,
    api: &str,
    n: usize,
    purchase: &str,
) -> anyhow::Result<Value> {
    let Ok(script) = std::env::var("DS24_OFFICIAL_SERVER") else {
        return Ok(Value::Null);
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
        tokio::time::sleep(Duration::from_millis(100)).await; // polling for start-up, with a deadline
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
            assert!(
                official_success(&msg),
                "the official server's {name} is not a successful Digistore24 call (is DIGISTORE_API_BASE_URL honoured?): {msg}"
            );
        }
    };
    // One call of each first, so a server that cannot reach the sandbox stops the run at once.
    call("ping").await;
    call("listProducts").await;
    let ping = time(n, || call("ping")).await;
    let list = time(n, || call("listProducts")).await;
    let tools_list = time(n, || async {
        let (msg, _) = mcp_raw(http, &url, session, "tools/list", json!({})).await;
        assert!(
            msg["result"]["tools"]
                .as_array()
                .is_some_and(|t| !t.is_empty()),
            "{msg}"
        );
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
    assert!(official_success(&list_msg), "{list_msg}");
    let (tools_msg, tools_bytes) = mcp_raw(http, &url, session, "tools/list", json!({})).await;
    let reads = model_reads(
        http,
        &url,
        session,
        purchase,
        |f| {
            ds24_catalog::get(f)
                .map(ds24_catalog::Function::official_name)
                .unwrap_or_else(|| f.to_owned())
        },
        true,
    )
    .await;
    let rss = rss_kib(child.id());
    let _ = child.kill();
    let _ = child.wait();
    Ok(json!({
        "ping": ping.json(),
        "list_products": list.json(),
        "tools_list": tools_list.json(),
        "tools": tools_msg["result"]["tools"].as_array().map(Vec::len),
        "tools_list_bytes": tools_bytes,
        "list_products_text_bytes": text_len(&list_msg),
        "list_products_bytes": list_bytes,
        "model_reads": reads,
        "rss_kib": rss,
    }))
}

/// The calls whose text the model reads, compared between the two servers: (Digistore24
/// function, arguments). `{purchase}` is replaced by an order id of the last week.
const MODEL_READS: &[(&str, &str)] = &[
    ("listProducts", "{}"),
    ("listPurchases", r#"{"from": "-7d", "to": "now"}"#),
    ("getPurchase", r#"{"purchase_id": "{purchase}"}"#),
    ("listTransactions", r#"{"from": "-7d", "to": "now"}"#),
];

/// The text block length of each [`MODEL_READS`] call on one server. `name` turns a function
/// into that server's tool name. A call must succeed and carry all its rows (no `_truncated`):
/// the comparison is between the same data in both servers' words.
async fn model_reads(
    http: &reqwest::Client,
    url: &str,
    session: Option<&str>,
    purchase: &str,
    name: impl Fn(&str) -> String,
    official: bool,
) -> Value {
    let mut out = serde_json::Map::new();
    for (function, args) in MODEL_READS {
        let args: Value = serde_json::from_str(&args.replace("{purchase}", purchase)).unwrap();
        let (msg, _) = mcp_raw(
            http,
            url,
            session,
            "tools/call",
            json!({"name": name(function), "arguments": args}),
        )
        .await;
        if official {
            assert!(official_success(&msg), "{function}: {msg}");
        } else {
            assert!(
                msg["result"]["isError"] != true
                    && msg["result"]["structuredContent"]
                        .get("_truncated")
                        .is_none(),
                "{function}: {msg}"
            );
        }
        out.insert((*function).to_owned(), json!(text_len(&msg)));
    }
    Value::Object(out)
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

/// CPU cores this process may use.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Today's date in UTC, `YYYY-MM-DD`.
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    civil(i64::try_from(secs / 86_400).unwrap_or(0))
}

/// Days since 1970-01-01 as a proleptic Gregorian date (Howard Hinnant's `civil_from_days`).
fn civil(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

// ------------------------------------------------------------------ rendering

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

fn us(v: &Value) -> String {
    format!("{:.0} µs", num(v))
}

fn ms_added(slow: &Value, fast: &Value) -> String {
    format!("{:.2} ms", (num(slow) - num(fast)) / 1000.0)
}

fn ratio(a: &Value, b: &Value) -> String {
    format!("{:.2}x", num(a) / num(b))
}

fn kb(v: &Value) -> String {
    format!("{:.1} KB", num(v) / 1000.0)
}

fn mib(v: &Value) -> String {
    format!("{:.1} MiB", num(v) / 1024.0)
}

/// The Markdown for a report: everything in it comes from the report.
fn render(r: &Value) -> String {
    let mut md = render_sandbox(r);
    if r["fixed"].is_object() {
        md.push_str(&fixed::render(&r["fixed"]));
    }
    md
}

/// The measures against the sandbox: what ds24-mcp adds to a Digistore24 call.
fn render_sandbox(r: &Value) -> String {
    let o = &r["ours"];
    let mut md = format!(
        "Measured by `bash bench/run.sh` on {date} (ds24-mcp {version}, {cores} CPU cores, sandbox on \
         loopback): {calls} sequential calls per measure, {clients} concurrent clients for throughput.\n\n",
        date = r["date"].as_str().unwrap_or("?"),
        version = r["version"].as_str().unwrap_or("?"),
        cores = r["cores"],
        calls = r["calls"],
        clients = r["clients"],
    );
    md.push_str("| measure | direct Digistore24 wire | through ds24-mcp | ratio | added |\n");
    md.push_str("|---|---|---|---|---|\n");
    let list_label = format!("`listProducts` ({} products)", o["products"]);
    for (label, direct, through) in [
        ("`ping`", &o["ping_direct"], &o["ping_mcp"]),
        (list_label.as_str(), &o["list_direct"], &o["list_mcp"]),
    ] {
        for (q, key) in [("median", "median_us"), ("p95", "p95_us")] {
            let added = if q == "median" {
                ms_added(&through[key], &direct[key])
            } else {
                String::new()
            };
            md.push_str(&format!(
                "| {label}, {q} | {} | {} | {} | {added} |\n",
                us(&direct[key]),
                us(&through[key]),
                ratio(&through[key], &direct[key]),
            ));
        }
    }
    md.push_str(&format!(
        "| `ping` throughput, {} clients | {:.0} calls/s | {:.0} calls/s | {} | |\n\n",
        r["clients"],
        num(&o["throughput_direct"]),
        num(&o["throughput_mcp"]),
        ratio(&o["throughput_mcp"], &o["throughput_direct"]),
    ));
    md.push_str(&format!(
        "`tools/list` ({} tools, {}): median {}, p95 {}, {} a direct `ping`.",
        o["tools"],
        kb(&o["tools_list_bytes"]),
        us(&o["tools_list"]["median_us"]),
        us(&o["tools_list"]["p95_us"]),
        ratio(
            &o["tools_list"]["median_us"],
            &o["ping_direct"]["median_us"]
        ),
    ));
    if o["rss_idle_kib"].is_number() && o["rss_loaded_kib"].is_number() {
        md.push_str(&format!(
            " Server memory (RSS): {} idle, {} after the run.",
            mib(&o["rss_idle_kib"]),
            mib(&o["rss_loaded_kib"])
        ));
    }
    md.push('\n');
    let t = &r["official"];
    if t.is_null() {
        md.push_str(
            "\nDigistore24's own MCP server was not part of this run (it runs only when \
             `DS24_OFFICIAL_SERVER` names its `build/index.js`).\n",
        );
        return md;
    }
    md.push_str(
        "\nDigistore24's own MCP server (Node.js) on the same sandbox, same run (a call counts only \
         when its answer holds Digistore24's `\"result\": \"success\"`):\n\n\
         | measure | ds24-mcp | Digistore24's server | theirs / ours |\n|---|---|---|---|\n",
    );
    for (label, ours, theirs) in [
        (
            "`ping`, median",
            &o["ping_mcp"]["median_us"],
            &t["ping"]["median_us"],
        ),
        (
            "`listProducts`, median",
            &o["list_mcp"]["median_us"],
            &t["list_products"]["median_us"],
        ),
        (
            "`tools/list`, median",
            &o["tools_list"]["median_us"],
            &t["tools_list"]["median_us"],
        ),
    ] {
        md.push_str(&format!(
            "| {label} | {} | {} | {} |\n",
            us(ours),
            us(theirs),
            ratio(theirs, ours)
        ));
    }
    for (label, ours, theirs) in [
        (
            "`listProducts` text block (what the model reads)",
            &o["list_products_text_bytes"],
            &t["list_products_text_bytes"],
        ),
        (
            "`listProducts` whole answer",
            &o["list_products_bytes"],
            &t["list_products_bytes"],
        ),
        (
            "`tools/list` size",
            &o["tools_list_bytes"],
            &t["tools_list_bytes"],
        ),
    ] {
        // With the model-reads rows below, listProducts' text has its row there.
        let said_below = label.contains("text block") && o["model_reads"].is_object();
        if !said_below {
            md.push_str(&format!(
                "| {label} | {ours} B | {theirs} B | {} |\n",
                ratio(theirs, ours)
            ));
        }
    }
    for (function, args) in MODEL_READS {
        let (ours, theirs) = (&o["model_reads"][function], &t["model_reads"][function]);
        if ours.is_number() && theirs.is_number() {
            let args = if args.contains("-7d") {
                ", one week"
            } else {
                ""
            };
            md.push_str(&format!(
                "| `{function}`{args}: text the model reads | {ours} B | {theirs} B | {} |\n",
                ratio(theirs, ours)
            ));
        }
    }
    if o["rss_loaded_kib"].is_number() && t["rss_kib"].is_number() {
        md.push_str(&format!(
            "| memory after the run (RSS) | {} | {} | {} |\n",
            mib(&o["rss_loaded_kib"]),
            mib(&t["rss_kib"]),
            ratio(&t["rss_kib"], &o["rss_loaded_kib"])
        ));
    }
    md
}

/// `readme` with the text between the bench markers replaced by `block`.
fn replace_block(readme: &str, block: &str) -> anyhow::Result<String> {
    let (Some(b), Some(e)) = (readme.find(BEGIN), readme.find(END)) else {
        anyhow::bail!("{README} lacks the bench markers:\n{BEGIN}\n{END}");
    };
    anyhow::ensure!(b < e, "{README}: the bench markers are out of order");
    Ok(format!(
        "{}{BEGIN}\n{}{}",
        &readme[..b],
        block,
        &readme[e..]
    ))
}

/// The text between the bench markers.
fn current_block(readme: &str) -> Option<&str> {
    let start = readme.find(BEGIN)? + BEGIN.len() + 1;
    let end = readme.find(END)?;
    readme.get(start..end)
}

// ------------------------------------------------------------------ the run

async fn measure(n: usize) -> anyhow::Result<Value> {
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
            // Whole answers, so the text comparison with the other server covers the same rows.
            "--max-result-bytes",
            "100000000",
        ])
        // No per-address limit either (one address drives all the load); by environment, so
        // an older binary without the setting runs too.
        .env("DS24_MCP_IP_RATE_LIMIT", "0")
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

    let products = direct(&http, &api, "listProducts").await["data"]["products"]
        .as_array()
        .map_or(0, Vec::len);
    let ping_direct = time(n, || async {
        direct(&http, &api, "ping").await;
    })
    .await;
    let ping_mcp = time(n, || {
        mcp(
            &http,
            &url,
            "tools/call",
            json!({"name": "ping", "arguments": {}}),
        )
    })
    .await;
    let list_direct = time(n, || async {
        direct(&http, &api, "listProducts").await;
    })
    .await;
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
    let tp_direct = throughput(CLIENTS, n / 4, move || {
        let (h, a) = (h1.clone(), a1.clone());
        async move {
            direct(&h, &a, "ping").await;
        }
    })
    .await;
    let (h2, u2) = (http.clone(), url.clone());
    let tp_mcp = throughput(CLIENTS, n / 4, move || {
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
    let (list_msg, list_bytes) = mcp_raw(
        &http,
        &url,
        None,
        "tools/call",
        json!({"name": "listProducts", "arguments": {}}),
    )
    .await;
    let (tools_msg, tools_bytes) = mcp_raw(&http, &url, None, "tools/list", json!({})).await;
    let purchase = direct_with(&http, &api, "listPurchases", &[("from", "-7d")]).await["data"]
        ["purchase_list"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let reads = model_reads(&http, &url, None, &purchase, str::to_owned, false).await;
    let theirs = official(&http, &api, n, &purchase).await?;
    let _ = server.kill();
    let _ = server.wait();
    sandbox.shutdown().await;

    Ok(json!({
        "date": today(),
        "version": env!("CARGO_PKG_VERSION"),
        "cores": cores(),
        "calls": n,
        "clients": CLIENTS,
        "ours": {
            "products": products,
            "ping_direct": ping_direct.json(),
            "ping_mcp": ping_mcp.json(),
            "list_direct": list_direct.json(),
            "list_mcp": list_mcp.json(),
            "tools_list": tools_list.json(),
            "throughput_direct": tp_direct.round(),
            "throughput_mcp": tp_mcp.round(),
            "tools": tools_msg["result"]["tools"].as_array().map_or(0, Vec::len),
            "tools_list_bytes": tools_bytes,
            "list_products_text_bytes": text_len(&list_msg),
            "list_products_bytes": list_bytes,
            "model_reads": reads,
            "rss_idle_kib": rss_idle,
            "rss_loaded_kib": rss_loaded,
        },
        "official": theirs,
    }))
}

/// Whether README.md's block is `bench/last-run.json` rendered (`--check`), with the difference.
fn check_readme(root: &Path) -> anyhow::Result<()> {
    let readme = std::fs::read_to_string(root.join(README))?;
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(root.join(SAVED))?)?;
    let block = current_block(&readme)
        .ok_or_else(|| anyhow::anyhow!("{README} lacks the bench markers:\n{BEGIN}\n{END}"))?;
    let want = render(&saved);
    anyhow::ensure!(
        block == want,
        "{README}'s performance table is not {SAVED} rendered: run `bash bench/run.sh --save` and commit both.\n\
         --- in {README}:\n{block}--- {SAVED} rendered:\n{want}"
    );
    Ok(())
}

/// Pins this process (every thread) to core 1, for the fixed measures: the server under
/// measure gets core 0 to itself.
fn pin_to_core_1() -> bool {
    Command::new("taskset")
        .args(["-a", "-p", "-c", "1", &std::process::id().to_string()])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The fixed-upstream measures, on a single-threaded runtime of their own (the clients and the
/// upstream share one core; one thread serves them without handing work between threads).
async fn measure_fixed(soak: bool) -> anyhow::Result<Value> {
    let seconds = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let bin = std::env::var("DS24_MCP_BIN").unwrap_or_else(|_| "target/release/ds24-mcp".into());
    let mut ours = vec![("ds24-mcp".to_owned(), bin)];
    if let Ok(before) = std::env::var("DS24_MCP_BASELINE") {
        let label = std::env::var("DS24_MCP_BASELINE_LABEL").unwrap_or_else(|_| "before".into());
        ours.push((label, before));
    }
    let answers = fixed_answers().await?;
    let pin = cores() >= 2 && pin_to_core_1();
    let plan = fixed::Plan {
        seconds,
        ours,
        official: std::env::var("DS24_OFFICIAL_SERVER").ok(),
        soak,
        pin,
    };
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
            .block_on(fixed::measure(&plan, answers))
    })
    .join()
    .map_err(|_| anyhow::anyhow!("the fixed measures panicked"))?
}

/// The fixed upstream's answers, built from an in-memory sandbox.
async fn fixed_answers() -> anyhow::Result<load::Answers> {
    let sandbox = ds24_sandbox::start(
        ds24_sandbox::SandboxOptions::in_memory(),
        "127.0.0.1:0".parse()?,
    )
    .await?;
    let answers = fixed::answers(&reqwest::Client::new(), &sandbox.api_url()).await;
    sandbox.shutdown().await;
    answers
}

const USAGE: &str = "usage: ds24-bench [--save] [--soak] | --stages | --check\n  \
    --save   writes bench/last-run.json and the README block\n  \
    --soak   adds 1,000,000 listProducts calls, reading the server's memory every 100,000\n  \
    --stages the JSON work of one listProducts call, stage by stage, in process (BENCH_N iterations, 5000)\n  \
    --check  compares the README block with bench/last-run.json rendered\n\
    env: BENCH_N (calls per sandbox measure, 400), BENCH_SECONDS (seconds per fixed level, 10),\n  \
    BENCH_FIXED_ONLY=1 (only the fixed-upstream measures, not saved),\n  \
    DS24_OFFICIAL_SERVER (Digistore24's build/index.js), DS24_MCP_BASELINE (an older ds24-mcp binary\n  \
    to measure side by side, labelled DS24_MCP_BASELINE_LABEL or \"before\")";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (mut save, mut soak) = (false, false);
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--save" => save = true,
            "--soak" => soak = true,
            "--stages" => {
                let body = fixed_answers()
                    .await?
                    .remove("listProducts")
                    .ok_or_else(|| {
                        anyhow::anyhow!("the fixed upstream has no listProducts answer")
                    })?;
                let iterations = std::env::var("BENCH_N")
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(5000);
                println!("{}", stages::render(&stages::measure(&body, iterations)?));
                return Ok(());
            }
            "--check" => {
                check_readme(Path::new("."))?;
                println!("{README}'s performance table is {SAVED} rendered");
                return Ok(());
            }
            other => anyhow::bail!("unknown argument {other}; {USAGE}"),
        }
    }
    let n: usize = std::env::var("BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(400);
    // BENCH_FIXED_ONLY=1 skips the sandbox measures (for profiling and quick comparisons).
    let fixed_only = std::env::var("BENCH_FIXED_ONLY").is_ok_and(|v| v == "1");
    let mut report = if fixed_only {
        anyhow::ensure!(
            !save,
            "--save needs the whole run (without BENCH_FIXED_ONLY)"
        );
        json!({"date": today(), "version": env!("CARGO_PKG_VERSION"), "cores": cores()})
    } else {
        measure(n).await?
    };
    report["fixed"] = measure_fixed(soak).await?;
    let md = if fixed_only {
        fixed::render(&report["fixed"])
    } else {
        render(&report)
    };
    println!("{md}");
    if save {
        std::fs::write(SAVED, serde_json::to_string_pretty(&report)? + "\n")?;
        let readme = std::fs::read_to_string(README)?;
        std::fs::write(README, replace_block(&readme, &md)?)?;
        check_readme(Path::new("."))?;
        println!("saved {SAVED} and the table in {README}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn official_answer(text: &str) -> Value {
        json!({"jsonrpc": "2.0", "id": 1, "result": {"content": [{"type": "text", "text": text}]}})
    }

    #[test]
    fn an_official_answer_counts_only_with_result_success() {
        let ok = "API Response (Status: 200):\n{\n  \"api_version\": \"1.2\",\n  \"current_time\": \"2026-11-27 10:00:00\",\n  \"result\": \"success\",\n  \"data\": {\n    \"server_time\": \"2026-11-27 10:00:00\"\n  }\n}";
        assert!(official_success(&official_answer(ok)));
        // What it answers when Digistore24 refuses, fails, or the tool does not exist: text all
        // the same, without isError.
        for text in [
            "API Response (Status: 200):\n{\n  \"api_version\": \"1.2\",\n  \"result\": \"error\",\n  \"code\": 2,\n  \"message\": \"Invalid API key\"\n}",
            "API Error: Status 500 (Internal Server Error). Response: <html>oops</html>",
            "API Network Error: No response received from server. (Code: ECONNREFUSED)",
            "Unknown tool: ping",
            "API Response (Status: 200):\n<html>success</html>",
            "API Response (Status: 200):\n{\"data\": {\"note\": \"\\\"result\\\": \\\"success\\\"\"}}",
            "",
        ] {
            assert!(!official_success(&official_answer(text)), "{text}");
        }
        let mut flagged = official_answer(ok);
        flagged["result"]["isError"] = json!(true);
        assert!(!official_success(&flagged));
        assert!(!official_success(
            &json!({"jsonrpc": "2.0", "id": 1, "error": {"code": -32603, "message": "x"}})
        ));
        assert!(!official_success(
            &json!({"jsonrpc": "2.0", "id": 1, "result": {"content": []}})
        ));
        assert!(!official_success(&Value::Null));
    }

    fn stats(median: u64, p95: u64) -> Value {
        json!({"median_us": median, "p95_us": p95})
    }

    fn report(official: Value) -> Value {
        json!({
            "date": "2031-02-03", "version": "9.8.7", "cores": 5, "calls": 123, "clients": CLIENTS,
            "ours": {
                "products": 17,
                "ping_direct": stats(100, 150), "ping_mcp": stats(400, 600),
                "list_direct": stats(500, 700), "list_mcp": stats(1500, 2100),
                "tools_list": stats(1200, 1800),
                "throughput_direct": 10000.0, "throughput_mcp": 4000.0,
                "tools": 91, "tools_list_bytes": 84321,
                "list_products_text_bytes": 10101, "list_products_bytes": 21900,
                "rss_idle_kib": 10240, "rss_loaded_kib": 15360,
            },
            "official": official,
        })
    }

    #[test]
    fn the_table_says_what_the_report_holds() {
        let md = render(&report(Value::Null));
        for want in [
            "on 2031-02-03",
            "ds24-mcp 9.8.7",
            "5 CPU cores",
            "123 sequential calls",
            "8 concurrent clients",
            "| `ping`, median | 100 µs | 400 µs | 4.00x | 0.30 ms |",
            "| `ping`, p95 | 150 µs | 600 µs | 4.00x |  |",
            "| `listProducts` (17 products), median | 500 µs | 1500 µs | 3.00x | 1.00 ms |",
            "| `ping` throughput, 8 clients | 10000 calls/s | 4000 calls/s | 0.40x | |",
            "`tools/list` (91 tools, 84.3 KB): median 1200 µs, p95 1800 µs, 12.00x a direct `ping`.",
            "10.0 MiB idle, 15.0 MiB after the run",
            "was not part of this run",
        ] {
            assert!(md.contains(want), "{want:?} not in:\n{md}");
        }
        assert!(!md.contains("theirs / ours"), "{md}");

        let md = render(&report(json!({
            "ping": stats(3000, 4000), "list_products": stats(4500, 6000),
            "tools_list": stats(3600, 5000), "tools": 93, "tools_list_bytes": 62800,
            "list_products_text_bytes": 16599, "list_products_bytes": 18900, "rss_kib": 153600,
        })));
        for want in [
            "| `ping`, median | 400 µs | 3000 µs | 7.50x |",
            "| `listProducts`, median | 1500 µs | 4500 µs | 3.00x |",
            "| `tools/list`, median | 1200 µs | 3600 µs | 3.00x |",
            "| `listProducts` text block (what the model reads) | 10101 B | 16599 B | 1.64x |",
            "| `tools/list` size | 84321 B | 62800 B | 0.74x |",
            "| memory after the run (RSS) | 15.0 MiB | 150.0 MiB | 10.00x |",
        ] {
            assert!(md.contains(want), "{want:?} not in:\n{md}");
        }
    }

    #[test]
    fn the_readme_block_is_the_saved_run_rendered() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        if let Err(e) = check_readme(&root) {
            panic!("{e:#}");
        }
    }

    #[test]
    fn saving_replaces_only_the_block() {
        let readme = format!("# x\n\nbefore\n{BEGIN}\nold table\n{END}\nafter\n");
        let new = replace_block(&readme, "new table\n").unwrap();
        assert_eq!(
            new,
            format!("# x\n\nbefore\n{BEGIN}\nnew table\n{END}\nafter\n")
        );
        assert_eq!(current_block(&new), Some("new table\n"));
        assert!(replace_block("no markers", "t").is_err());
    }

    #[test]
    fn dates_are_civil() {
        assert_eq!(civil(0), "1970-01-01");
        assert_eq!(civil(11_016), "2000-02-29");
        assert_eq!(civil(11_017), "2000-03-01");
        assert_eq!(civil(19_723), "2024-01-01");
        assert_eq!(civil(20_819), "2027-01-01");
        assert_eq!(civil(-1), "1969-12-31");
    }
}

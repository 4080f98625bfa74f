//! Test harness: the real binary over real HTTP, the sandbox as upstream, and a recording
//! proxy between them that keeps exactly what reached "Digistore24".
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde_json::{Value, json};

pub const READ_KEY: &str = "sandbox-read";
pub const FULL_KEY: &str = "sandbox-full";
/// A developer key the test sandbox accepts (the interactive key flow only).
pub const DEVELOPER_KEY: &str = "sandbox-developer";

/// One request as it reached the upstream.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub function: String,
    pub key: Option<String>,
    pub content_type: Option<String>,
    pub form: Vec<(String, String)>,
}

/// A proxy that records each request and forwards it to the sandbox.
pub struct Upstream {
    pub addr: SocketAddr,
    pub records: Arc<Mutex<Vec<Recorded>>>,
    pub sandbox: Option<ds24_sandbox::RunningSandbox>,
    /// The most requests the proxy had in flight at once.
    pub max_in_flight: Arc<AtomicUsize>,
}

impl Upstream {
    pub fn api_url(&self) -> String {
        format!("http://{}/api/call", self.addr)
    }
    pub fn take(&self) -> Vec<Recorded> {
        std::mem::take(&mut *self.records.lock().unwrap())
    }
    pub fn count(&self) -> usize {
        self.records.lock().unwrap().len()
    }
    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight.load(Ordering::SeqCst)
    }
}

#[derive(Clone)]
struct ProxyState {
    target: String,
    records: Arc<Mutex<Vec<Recorded>>>,
    http: reqwest::Client,
    in_flight: Arc<AtomicUsize>,
    max_in_flight: Arc<AtomicUsize>,
}

/// The sandbox (in memory, with `error_status`) behind a recording proxy.
pub async fn upstream_with(error_status: ds24_sandbox::ErrorStatus) -> Upstream {
    let mut opts = ds24_sandbox::SandboxOptions::in_memory();
    opts.error_status = error_status;
    upstream_opts(opts).await
}

/// The sandbox with these options (and the developer key) behind a recording proxy.
pub async fn upstream_opts(mut opts: ds24_sandbox::SandboxOptions) -> Upstream {
    opts.keys.push(ds24_sandbox::KeySpec::new(
        DEVELOPER_KEY,
        ds24_sandbox::KeyPermission::Developer,
    ));
    let sandbox = ds24_sandbox::start(opts, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("sandbox starts");
    let records = Arc::new(Mutex::new(Vec::new()));
    let max_in_flight = Arc::new(AtomicUsize::new(0));
    let state = ProxyState {
        target: sandbox.api_url(),
        records: records.clone(),
        http: reqwest::Client::new(),
        in_flight: Arc::new(AtomicUsize::new(0)),
        max_in_flight: max_in_flight.clone(),
    };
    let app = axum::Router::new()
        .route("/api/call/{function}", axum::routing::post(forward))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Upstream {
        addr,
        records,
        sandbox: Some(sandbox),
        max_in_flight,
    }
}

pub async fn upstream() -> Upstream {
    upstream_with(ds24_sandbox::ErrorStatus::Envelope).await
}

async fn forward(
    State(s): State<ProxyState>,
    Path(function): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let now = s.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    s.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let answer = forward_counted(&s, function, headers, body).await;
    s.in_flight.fetch_sub(1, Ordering::SeqCst);
    answer
}

async fn forward_counted(
    s: &ProxyState,
    function: String,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let form = form_urlencoded::parse(&body).into_owned().collect();
    s.records.lock().unwrap().push(Recorded {
        function: function.clone(),
        key: header("x-ds-api-key"),
        content_type: header("content-type"),
        form,
    });
    let mut req = s
        .http
        .post(format!("{}/{function}", s.target))
        .body(body.to_vec());
    for name in ["x-ds-api-key", "content-type", "accept"] {
        if let Some(v) = header(name) {
            req = req.header(name, v);
        }
    }
    match req.send().await {
        Ok(resp) => {
            let status = StatusCode::from_u16(resp.status().as_u16()).unwrap();
            let ct = resp
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("application/json")
                .to_owned();
            (
                status,
                [("content-type", ct)],
                resp.bytes().await.unwrap_or_default(),
            )
                .into_response()
        }
        Err(e) => (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    }
}

/// A TCP listener that accepts connections and never answers.
pub async fn black_hole() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    addr
}

/// The real `ds24-mcp serve` process.
pub struct Server {
    child: Child,
    pub base: String,
    pub logs: Arc<Mutex<String>>,
    /// Woken whenever a log line arrives, so tests wait for a line rather than for time.
    logged: Arc<tokio::sync::Notify>,
    /// Checked when the server is dropped at the end of a passing test: the audit file against
    /// what reached the upstream (see [`serve_audited`]).
    audit_check: Option<(std::path::PathBuf, Arc<Mutex<Vec<Recorded>>>)>,
}

impl Server {
    pub fn url(&self) -> String {
        format!("{}/mcp", self.base)
    }
    pub fn logs(&self) -> String {
        self.logs.lock().unwrap().clone()
    }
    /// The first log line `wanted` accepts, waiting (at most 10 s) for it to be written: the
    /// server's stderr is read on a thread of its own, so a line can trail the answer it
    /// belongs to.
    pub async fn log_line(&self, wanted: impl Fn(&str) -> bool) -> String {
        let found = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                let arrived = self.logged.notified();
                tokio::pin!(arrived);
                arrived.as_mut().enable();
                if let Some(line) = self.logs().lines().find(|l| wanted(l)) {
                    return line.to_owned();
                }
                arrived.await;
            }
        })
        .await;
        found.unwrap_or_else(|_| panic!("no such log line within 10 s:\n{}", self.logs()))
    }
    /// The audit file of a server started with [`serve_audited`].
    pub fn audit_path(&self) -> Option<std::path::PathBuf> {
        self.audit_check.as_ref().map(|(p, _)| p.clone())
    }
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
    /// Waits for the process to exit (after a signal) and returns its status.
    pub fn wait(&mut self) -> std::process::ExitStatus {
        self.child.wait().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some((path, records)) = self.audit_check.take()
            && !std::thread::panicking()
        {
            let records = records.lock().unwrap().clone();
            if let Err(problem) = audit_matches(&path, &records) {
                panic!("audit trail: {problem}");
            }
        }
    }
}

/// A fresh path for an audit file, in a directory of its own that holds nothing yet. The
/// process id alone does not make it fresh: ids come round again, and a directory an earlier
/// run left behind would hand a test that run's audit lines.
pub fn temp_path(name: &str) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!(
        "ds24-mcp-test-{}-{}-{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// The audit file's lines, each parsed.
pub fn audit_lines(path: &std::path::Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("audit line is not JSON ({e}): {l}"))
        })
        .collect()
}

/// Every write that reached the upstream has exactly one audit line that says it was sent, in
/// the same order and with an outcome, and no line names a key.
pub fn audit_matches(path: &std::path::Path, records: &[Recorded]) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    for key in [READ_KEY, FULL_KEY] {
        if text.contains(key) {
            return Err(format!("the key {key} appears in the audit file"));
        }
    }
    let writes: Vec<&str> = records
        .iter()
        .map(|r| r.function.as_str())
        .filter(|f| ds24_catalog::get(f).is_some_and(|f| f.writes()))
        .collect();
    let lines = audit_lines(path);
    let sent: Vec<&str> = lines
        .iter()
        .filter(|l| l["sent"] == true && l["writes"] == true)
        .map(|l| l["function"].as_str().unwrap_or("?"))
        .collect();
    if writes != sent {
        return Err(format!(
            "writes that reached the upstream {writes:?} differ from the audited sent writes {sent:?}"
        ));
    }
    if let Some(l) = lines
        .iter()
        .find(|l| l["outcome"] == "pending" || l["outcome"].is_null())
    {
        return Err(format!("a line has no outcome: {l}"));
    }
    Ok(())
}

/// Like [`serve`], with an audit file that is checked against `up`'s records when the server
/// is dropped at the end of a passing test.
pub fn serve_audited(up: &Upstream, args: &[&str]) -> Server {
    let path = temp_path("audit.log");
    let path_text = path.to_str().unwrap().to_owned();
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--api-url", "", "--audit-log", &path_text]);
    let api = up.api_url();
    let at = all.len() - 3;
    all[at] = &api;
    let mut server = serve(&all);
    server.audit_check = Some((path, up.records.clone()));
    server
}

/// The binary under test: this build's, or `DS24_MCP_TEST_BIN` (to show that a test fails
/// against an older build).
pub fn bin() -> String {
    std::env::var("DS24_MCP_TEST_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_ds24-mcp").to_owned())
}

/// Starts `ds24-mcp serve --listen 127.0.0.1:0 <args>` and waits until it says where it listens.
pub fn serve(args: &[&str]) -> Server {
    serve_env(args, &[])
}

pub fn serve_env(args: &[&str], env: &[(&str, &str)]) -> Server {
    spawn_serve("127.0.0.1:0", args, env)
        .unwrap_or_else(|logs| panic!("server did not start; logs:\n{logs}"))
}

/// A loopback port that was free a moment ago, for a server that must know its port before it
/// starts (its public URL names it). Another process may take it first: callers that can,
/// retry.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `ds24-mcp serve` on a free port that it also announces as its public URL
/// (`--public-url http://127.0.0.1:PORT`), for the OAuth flows whose redirects name it.
pub fn serve_public(args: &[&str], env: &[(&str, &str)]) -> Server {
    let mut last = String::new();
    // A port found free can be taken before the server binds it: try a few.
    for _ in 0..5 {
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let public = format!("http://127.0.0.1:{port}");
        let mut all = vec!["--public-url", public.as_str()];
        all.extend_from_slice(args);
        match spawn_serve(&listen, &all, env) {
            Ok(server) => return server,
            Err(logs) => last = logs,
        }
    }
    panic!("server did not start; logs:\n{last}")
}

fn spawn_serve(listen: &str, args: &[&str], env: &[(&str, &str)]) -> Result<Server, String> {
    let mut cmd = Command::new(bin());
    cmd.arg("serve").arg("--listen").arg(listen).args(args);
    cmd.env("DS24_MCP_LOG", "debug,hyper=info,reqwest=info,h2=info");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    let stderr = child.stderr.take().unwrap();
    let logs = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    let sink = logs.clone();
    let logged = Arc::new(tokio::sync::Notify::new());
    let wake = logged.clone();
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("MCP endpoint ready at http://").nth(1)
                && let Some(tx) = tx.take()
            {
                let addr = rest.split(['/', ' ']).next().unwrap_or_default().to_owned();
                let _ = tx.send(addr);
            }
            let mut l = sink.lock().unwrap();
            l.push_str(&line);
            l.push('\n');
            drop(l);
            wake.notify_waiters();
        }
    });
    let Ok(addr) = rx.recv_timeout(Duration::from_secs(30)) else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(logs.lock().unwrap().clone());
    };
    Ok(Server {
        child,
        base: format!("http://{addr}"),
        logs,
        logged,
        audit_check: None,
    })
}

/// Protocol era of a test client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Era {
    Legacy,
    Modern,
}

/// A small MCP client speaking raw JSON-RPC over HTTP, so tests see exactly what goes over the
/// wire (the external stage drives the same server with the official clients).
#[derive(Clone)]
pub struct Mcp {
    pub http: reqwest::Client,
    pub url: String,
    pub key: Option<String>,
    pub era: Era,
    pub headers: Vec<(String, String)>,
    pub elicitation: bool,
}

pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Mcp {
    pub fn new(url: impl Into<String>, key: Option<&str>, era: Era) -> Self {
        Self {
            http: reqwest::Client::new(),
            url: url.into(),
            key: key.map(str::to_owned),
            era,
            headers: vec![],
            elicitation: false,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    fn version(&self) -> &'static str {
        match self.era {
            Era::Legacy => "2025-11-25",
            Era::Modern => "2026-07-28",
        }
    }

    /// Sends one JSON-RPC request and returns the HTTP status and the decoded body.
    pub async fn raw(&self, method: &str, mut params: Value) -> Reply {
        let mut req = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream");
        if method != "initialize" {
            req = req.header("mcp-protocol-version", self.version());
        }
        if let Some(k) = &self.key {
            req = req.header("authorization", format!("Bearer {k}"));
        }
        for (k, v) in &self.headers {
            req = req.header(k, v);
        }
        if self.era == Era::Modern {
            req = req.header("mcp-method", method);
            let name = match method {
                "tools/call" | "prompts/get" => params["name"].as_str(),
                "resources/read" => params["uri"].as_str(),
                _ => None,
            };
            if let Some(name) = name {
                req = req.header("mcp-name", name);
            }
            let caps = if self.elicitation {
                json!({"elicitation": {"form": {}}})
            } else {
                json!({})
            };
            params["_meta"] = json!({
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientCapabilities": caps,
                "io.modelcontextprotocol/clientInfo": {"name": "ds24-mcp-tests", "version": "0"}
            });
        }
        let resp = req
            .json(&json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}))
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let body = parse_body(&text);
        Reply {
            status,
            headers,
            body,
        }
    }

    /// Like [`raw`](Self::raw) but expects HTTP 200 and returns the JSON-RPC message.
    pub async fn rpc(&self, method: &str, params: Value) -> Value {
        let reply = self.raw(method, params).await;
        assert_eq!(reply.status, 200, "{method}: {}", reply.body);
        reply.body
    }

    /// Legacy handshake (no-op for the modern era, which has none).
    pub async fn connect(&self) -> Value {
        match self.era {
            Era::Legacy => {
                let init = self
                    .rpc(
                        "initialize",
                        json!({"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}),
                    )
                    .await;
                assert!(init["result"]["serverInfo"]["name"].is_string(), "{init}");
                init
            }
            Era::Modern => self.rpc("server/discover", json!({})).await,
        }
    }

    pub async fn list_tools(&self) -> Vec<Value> {
        let r = self.rpc("tools/list", json!({})).await;
        r["result"]["tools"]
            .as_array()
            .unwrap_or_else(|| panic!("{r}"))
            .clone()
    }

    pub async fn tool_names(&self) -> Vec<String> {
        self.list_tools()
            .await
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Calls a tool and returns the JSON-RPC `result` (panics on a JSON-RPC error).
    pub async fn call(&self, name: &str, args: Value) -> Value {
        let r = self
            .rpc("tools/call", json!({"name": name, "arguments": args}))
            .await;
        assert!(r.get("error").is_none(), "{name}: {r}");
        r["result"].clone()
    }

    /// Calls a tool that must succeed and returns its structured content.
    pub async fn ok(&self, name: &str, args: Value) -> Value {
        let result = self.call(name, args.clone()).await;
        assert_ne!(
            result["isError"],
            json!(true),
            "{name}({args}) failed: {result}"
        );
        result["structuredContent"].clone()
    }
}

fn parse_body(text: &str) -> Value {
    if let Ok(v) = serde_json::from_str(text) {
        return v;
    }
    // SSE: the last data line that holds a JSON-RPC response.
    text.lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .filter_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
        .rfind(|v| v.get("id").is_some())
        .unwrap_or_else(|| Value::String(text.to_owned()))
}

/// The text block of a tool result.
pub fn text(result: &Value) -> String {
    result["content"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// A form field's value, if present.
pub fn field<'a>(r: &'a Recorded, key: &str) -> Option<&'a str> {
    r.form
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

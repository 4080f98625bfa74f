//! The stdio front door, driven as a local client would drive it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};
use support::*;

struct StdioClient {
    child: std::process::Child,
    lines: mpsc::Receiver<String>,
    next_id: u64,
}

impl StdioClient {
    fn start(args: &[&str], key: Option<&str>) -> Self {
        Self::start_with(args, key, json!({}))
    }

    /// Started as a client that declares `capabilities` at `initialize` (2025-11-25).
    fn start_with(args: &[&str], key: Option<&str>, capabilities: Value) -> Self {
        let mut cmd = Command::new(bin());
        cmd.arg("stdio").args(args).env_remove("DS24_API_KEY");
        if let Some(k) = key {
            cmd.env("DS24_API_KEY", k);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut c = Self {
            child,
            lines,
            next_id: 0,
        };
        let init = c.request("initialize", json!({"protocolVersion": "2025-11-25", "capabilities": capabilities, "clientInfo": {"name": "t", "version": "0"}}));
        assert_eq!(init["result"]["serverInfo"]["name"], "ds24-mcp", "{init}");
        c.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        c
    }

    fn send(&mut self, msg: Value) {
        let stdin = self.child.stdin.as_mut().unwrap();
        writeln!(stdin, "{msg}").unwrap();
        stdin.flush().unwrap();
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(20))
                .expect("a reply on stdout");
            let v: Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("stdout carries only JSON-RPC, got {line:?}: {e}"));
            if v["id"] == json!(id) {
                return v;
            }
        }
    }

    fn call(&mut self, name: &str, args: Value) -> Value {
        self.request("tools/call", json!({"name": name, "arguments": args}))["result"].clone()
    }

    /// Calls a tool, answering every `elicitation/create` the server sends meanwhile with
    /// `answer`; returns the result and the questions asked.
    fn call_answering(&mut self, name: &str, args: Value, answer: &Value) -> (Value, Vec<Value>) {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                         "params": {"name": name, "arguments": args}}));
        let mut asked = Vec::new();
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(20))
                .expect("a message on stdout");
            let v: Value = serde_json::from_str(&line).unwrap();
            if v["method"] == "elicitation/create" {
                asked.push(v["params"].clone());
                self.send(json!({"jsonrpc": "2.0", "id": v["id"], "result": answer}));
            } else if v["id"] == json!(id) {
                return (v["result"].clone(), asked);
            }
        }
    }
}

impl Drop for StdioClient {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn stdio_lists_and_calls_with_the_key_from_the_environment() {
    let up = upstream().await;
    let mut c = StdioClient::start(&["--api-url", &up.api_url()], Some(READ_KEY));
    let tools = c.request("tools/list", json!({}));
    assert_eq!(
        tools["result"]["tools"].as_array().unwrap().len(),
        ds24_catalog::all().filter(|f| f.is_default()).count()
    );
    let r = c.call("listProducts", json!({}));
    assert_ne!(r["isError"], true, "{r}");
    assert!(r["structuredContent"]["products"].is_array(), "{r}");
    let r = c.call("createProduct", json!({"data": {"name_de": "x"}}));
    assert_eq!(r["isError"], true, "read-only key: {r}");
    let recorded = up.take();
    assert_eq!(recorded.len(), 2);
    assert!(recorded.iter().all(|r| r.key.as_deref() == Some(READ_KEY)));
}

#[tokio::test(flavor = "multi_thread")]
async fn stdio_honours_read_only_and_official_names() {
    let up = upstream().await;
    let mut c = StdioClient::start(
        &[
            "--api-url",
            &up.api_url(),
            "--read-only",
            "--tool-names",
            "official",
        ],
        Some(FULL_KEY),
    );
    let tools = c.request("tools/list", json!({}));
    let names: Vec<&str> = tools["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"GetGetproduct") && !names.contains(&"PostCreateproduct"),
        "{names:?}"
    );
    let r = c.call("PostCreateproduct", json!({"data": {"name_de": "x"}}));
    assert_eq!(r["isError"], true);
    assert!(
        r["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("read-only"),
        "{r}"
    );
    assert_eq!(up.count(), 0);
}

#[test]
fn stdio_without_a_key_explains_and_exits_2() {
    let out = Command::new(bin())
        .arg("stdio")
        .env_remove("DS24_API_KEY")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "nothing on stdout");
    assert!(String::from_utf8_lossy(&out.stderr).contains("DS24_API_KEY"));
}

#[test]
fn stdio_audit_lines_name_the_client_from_initialize_and_have_their_own_ids() {
    let path = temp_path("audit.log");
    let mut c = StdioClient::start(
        &[
            "--sandbox",
            "--state",
            ":memory:",
            "--audit-log",
            path.to_str().unwrap(),
        ],
        Some(FULL_KEY),
    );
    for _ in 0..2 {
        let r = c.call("createProduct", json!({"data": {"name_de": "Über stdio"}}));
        assert_ne!(r["isError"], json!(true), "{r}");
    }
    drop(c);
    let lines = audit_lines(&path);
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert_eq!(lines[0]["client"], json!({"name": "t", "version": "0"}));
    assert_eq!(lines[0]["outcome"], "ok");
    // Each call has an id of its own here too, to find its log lines.
    let ids: Vec<&str> = lines
        .iter()
        .map(|l| {
            l["request_id"]
                .as_str()
                .unwrap_or_else(|| panic!("no id: {l}"))
        })
        .collect();
    assert!(ids.iter().all(|id| id.len() == 32), "{ids:?}");
    assert_ne!(ids[0], ids[1]);
    assert!(!std::fs::read_to_string(&path).unwrap().contains(FULL_KEY));
}

/// A local client before 2026-07-28 that declared elicitation can confirm: a destructive call
/// asks it during the call (`elicitation/create`), and runs only on an explicit yes.
#[tokio::test(flavor = "multi_thread")]
async fn stdio_asks_a_client_that_can_confirm_before_a_destructive_call() {
    let up = upstream().await;
    let mut c = StdioClient::start_with(
        &["--api-url", &up.api_url(), "--toolsets", "all"],
        Some(FULL_KEY),
        json!({"elicitation": {}}),
    );
    let decline = json!({"action": "decline"});
    let (r, asked) = c.call_answering("deleteVoucher", json!({"code": "SPRING24"}), &decline);
    assert_eq!(asked.len(), 1, "{r}");
    let message = asked[0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("cannot be undone"), "{message}");
    assert_eq!(asked[0]["requestedSchema"]["required"], json!(["confirm"]));
    assert_eq!(r["isError"], true, "declined: {r}");
    assert_eq!(up.count(), 0, "nothing sent after a no");

    let no_yes = json!({"action": "accept", "content": {"confirm": false}});
    let (r, asked) = c.call_answering("deleteVoucher", json!({"code": "SPRING24"}), &no_yes);
    assert_eq!((asked.len(), r["isError"].clone()), (1, json!(true)), "{r}");
    assert_eq!(up.count(), 0, "accepting without a yes is a no");

    let yes = json!({"action": "accept", "content": {"confirm": true}});
    let (r, asked) = c.call_answering("deleteVoucher", json!({"code": "SPRING24"}), &yes);
    assert_eq!(asked.len(), 1);
    assert_eq!(r["structuredContent"]["is_deleted"], "Y", "{r}");
    let sent = up.take();
    assert_eq!(sent.len(), 1, "sent once, after the yes");
    assert_eq!(sent[0].function, "deleteVoucher");

    // Reads and plain writes are not asked about.
    let (r, asked) = c.call_answering("listVouchers", json!({}), &yes);
    assert!(asked.is_empty(), "{r}");
    assert_eq!(up.take().len(), 1);
}

/// A local client that did not declare elicitation is not sent questions it cannot answer:
/// its own approval prompt (driven by `destructiveHint`) is the confirmation.
#[tokio::test(flavor = "multi_thread")]
async fn stdio_does_not_ask_a_client_that_cannot_confirm() {
    let up = upstream().await;
    let mut c = StdioClient::start(
        &["--api-url", &up.api_url(), "--toolsets", "all"],
        Some(FULL_KEY),
    );
    let (r, asked) = c.call_answering("deleteVoucher", json!({"code": "SPRING24"}), &json!({}));
    assert!(asked.is_empty(), "{r}");
    assert_eq!(up.take().len(), 1);
}

/// Compact mode over stdio: `callDestructiveTool` asks a client that can confirm, like the
/// function's own tool, and runs only on an explicit yes; `callTool` refuses the same call
/// without asking (its approval does not cover destructive calls) and sends nothing.
#[tokio::test(flavor = "multi_thread")]
async fn stdio_compact_mode_asks_before_a_destructive_call() {
    let up = upstream().await;
    let mut c = StdioClient::start_with(
        &[
            "--api-url",
            &up.api_url(),
            "--toolsets",
            "all",
            "--mode",
            "compact",
        ],
        Some(FULL_KEY),
        json!({"elicitation": {}}),
    );
    let call = json!({"name": "deleteVoucher", "arguments": {"code": "SPRING24"}});
    let yes = json!({"action": "accept", "content": {"confirm": true}});

    let (r, asked) = c.call_answering("callTool", call.clone(), &yes);
    assert!(asked.is_empty(), "callTool asks nothing: {r}");
    assert_eq!(r["isError"], true, "{r}");
    assert!(text(&r).contains("callDestructiveTool"), "{r}");
    assert_eq!(up.count(), 0, "callTool sent nothing");

    let decline = json!({"action": "decline"});
    let (r, asked) = c.call_answering("callDestructiveTool", call.clone(), &decline);
    assert_eq!(asked.len(), 1, "{r}");
    let message = asked[0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("cannot be undone"), "{message}");
    assert_eq!(r["isError"], true, "declined: {r}");
    assert_eq!(up.count(), 0, "nothing sent after a no");

    let (r, asked) = c.call_answering("callDestructiveTool", call, &yes);
    assert_eq!(asked.len(), 1, "{r}");
    assert_eq!(r["structuredContent"]["is_deleted"], "Y", "{r}");
    let sent = up.take();
    assert_eq!(sent.len(), 1, "sent once, after the yes");
    assert_eq!(sent[0].function, "deleteVoucher");
}

/// Protocol review F1: a client that cancels a destructive call while its user is being asked
/// (a request timeout fires while the dialog is open) has given up on the call. A "yes" that
/// arrives after the cancellation must not send it: the client would never learn that money
/// moved. The server is then closed, and its end (after its calls end) shows what was sent.
#[tokio::test(flavor = "multi_thread")]
async fn stdio_a_destructive_call_cancelled_while_asked_is_not_sent() {
    let up = upstream().await;
    let mut c = StdioClient::start_with(
        &["--api-url", &up.api_url(), "--toolsets", "all"],
        Some(FULL_KEY),
        json!({"elicitation": {}}),
    );
    c.next_id += 1;
    let id = c.next_id;
    c.send(json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                  "params": {"name": "deleteVoucher", "arguments": {"code": "SPRING24"}}}));
    let question = loop {
        let line = c
            .lines
            .recv_timeout(Duration::from_secs(20))
            .expect("the server asks");
        let v: Value = serde_json::from_str(&line).unwrap();
        if v["method"] == "elicitation/create" {
            break v;
        }
    };
    c.send(
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
                  "params": {"requestId": id, "reason": "request timed out"}}),
    );
    c.send(json!({"jsonrpc": "2.0", "id": question["id"],
                  "result": {"action": "accept", "content": {"confirm": true}}}));
    // Closing stdin ends the session; the server exits once its calls are done.
    drop(c.child.stdin.take());
    let mut answers = Vec::new();
    while let Ok(line) = c.lines.recv_timeout(Duration::from_secs(20)) {
        answers.push(line);
    }
    let status = c.child.wait().unwrap();
    assert!(status.success(), "{status}");
    assert_eq!(
        up.count(),
        0,
        "nothing was sent after the cancellation: {answers:?}"
    );
    assert!(
        !answers.iter().any(|a| a.contains("is_deleted")),
        "{answers:?}"
    );
}

/// Protocol review F1, for reads: a report the client cancels stops where it is instead of
/// reading every page for an answer nobody reads. Here Digistore24 is slow: the client
/// cancels while the report's first call (the clock ping) is in flight, and no page is read.
#[tokio::test(flavor = "multi_thread")]
async fn stdio_a_cancelled_report_reads_no_further_page() {
    let mut opts = ds24_sandbox::SandboxOptions::in_memory();
    opts.latency = Duration::from_millis(1500);
    let up = upstream_opts(opts).await;
    let mut c = StdioClient::start(&["--api-url", &up.api_url()], Some(FULL_KEY));
    c.next_id += 1;
    let id = c.next_id;
    c.send(json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                  "params": {"name": "summarizePurchases", "arguments": {"from": "start"}}}));
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while up.max_in_flight() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the report never called"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    c.send(
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
                  "params": {"requestId": id, "reason": "the user stopped it"}}),
    );
    drop(c.child.stdin.take());
    while c.lines.recv_timeout(Duration::from_secs(20)).is_ok() {}
    assert!(c.child.wait().unwrap().success());
    let calls: Vec<String> = up.take().into_iter().map(|r| r.function).collect();
    assert!(
        !calls.iter().any(|f| f == "listPurchases"),
        "a page was read after the cancellation: {calls:?}"
    );
}

/// Protocol review F2: a client that declared elicitation in URL mode only is never sent a
/// form (the spec's MUST NOT); like a client without elicitation, it confirms through its own
/// approval prompt, driven by `destructiveHint`. A client that names form mode is asked.
#[tokio::test(flavor = "multi_thread")]
async fn stdio_a_client_with_url_elicitation_only_is_not_sent_a_form() {
    let up = upstream().await;
    let args = ["--api-url", &up.api_url(), "--toolsets", "all"];
    let yes = json!({"action": "accept", "content": {"confirm": true}});
    let mut url_only =
        StdioClient::start_with(&args, Some(FULL_KEY), json!({"elicitation": {"url": {}}}));
    let (r, asked) = url_only.call_answering("deleteVoucher", json!({"code": "SPRING24"}), &yes);
    assert!(
        asked.is_empty(),
        "asked a URL-only client with a form: {asked:?}"
    );
    assert_eq!(r["structuredContent"]["is_deleted"], "Y", "{r}");
    let mut form =
        StdioClient::start_with(&args, Some(FULL_KEY), json!({"elicitation": {"form": {}}}));
    let (_, asked) = form.call_answering("deleteVoucher", json!({"code": "SUMMER10"}), &yes);
    assert_eq!(asked.len(), 1);
}

/// On stdio too, a known method with parameters that do not fit is -32602 with the reason and
/// the request's id, not "method not found". Protocol review F3.
#[tokio::test(flavor = "multi_thread")]
async fn stdio_malformed_params_are_invalid_params() {
    let up = upstream().await;
    let mut c = StdioClient::start(&["--api-url", &up.api_url()], Some(READ_KEY));
    for (method, params) in [
        ("tools/call", json!({"name": 5})),
        ("tools/call", json!({"name": "ping", "arguments": []})),
        ("resources/read", json!({})),
    ] {
        let r = c.request(method, params.clone());
        assert_eq!(r["error"]["code"], -32602, "{method} {params}: {r}");
        let message = r["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(method), "{message}");
    }
    let r = c.request("tools/list", json!({"cursor": "next"}));
    assert_eq!(r["error"]["code"], -32602, "{r}");
    assert!(
        c.call("ping", json!({}))["isError"] != true,
        "still serving"
    );
}

/// F5 (rmcp's stdio transport): a line that is not JSON, or a request JSON cannot hold whole
/// (`1e400` in its arguments), was dropped without an answer, so the client waited forever for
/// that id. Now such a line gets a parse error (with the request's id when it can be read), an
/// overlong line too, and the server goes on serving.
#[tokio::test(flavor = "multi_thread")]
async fn stdio_answers_a_line_it_cannot_read_and_goes_on() {
    let up = upstream().await;
    let mut c = StdioClient::start(&["--api-url", &up.api_url()], Some(READ_KEY));
    let next = |c: &mut StdioClient| -> Value {
        let line = c
            .lines
            .recv_timeout(Duration::from_secs(20))
            .expect("an answer on stdout");
        serde_json::from_str(&line).unwrap()
    };
    let stdin = c.child.stdin.as_mut().unwrap();
    writeln!(
        stdin,
        r#"{{"jsonrpc":"2.0","id":41,"method":"tools/call","params":{{"name":"listProducts","arguments":{{"page_size":1e400}}}}}}"#
    )
    .unwrap();
    stdin.flush().unwrap();
    let r = next(&mut c);
    assert_eq!(r["id"], 41, "{r}");
    assert_eq!(r["error"]["code"], -32700, "{r}");
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("number out of range"),
        "{r}"
    );

    let stdin = c.child.stdin.as_mut().unwrap();
    writeln!(stdin, "not json").unwrap();
    stdin.flush().unwrap();
    let r = next(&mut c);
    assert_eq!(r["error"]["code"], -32700, "{r}");
    assert!(r.get("id").is_none(), "no id to give: {r}");

    // A line of 5 MiB: refused without holding it, and the next line is read as usual.
    let stdin = c.child.stdin.as_mut().unwrap();
    let long = format!(
        r#"{{"jsonrpc":"2.0","id":42,"method":"ping","params":{{"x":"{}"}}}}"#,
        "y".repeat(5 << 20)
    );
    writeln!(stdin, "{long}").unwrap();
    stdin.flush().unwrap();
    let r = next(&mut c);
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("longer than"),
        "{r}"
    );
    assert!(
        c.call("ping", json!({}))["isError"] != true,
        "still serving"
    );
}

/// Second journey review: the question before cancelling a delivery said only "Update
/// delivery cannot be undone (Update a delivery's status and parcel tracking.)", so the user
/// approved a cancellation without being told. It now says when the call is destructive.
#[tokio::test(flavor = "multi_thread")]
async fn stdio_the_question_for_a_cancellation_says_it_cancels() {
    let up = upstream().await;
    let mut c = StdioClient::start_with(
        &["--api-url", &up.api_url()],
        Some(FULL_KEY),
        json!({"elicitation": {}}),
    );
    let decline = json!({"action": "decline"});
    let (r, asked) = c.call_answering(
        "updateDelivery",
        json!({"delivery_id": 1, "data": {"is_shipped": false}}),
        &decline,
    );
    assert_eq!(asked.len(), 1, "{r}");
    let message = asked[0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("cancels the delivery"), "{message}");
    assert_eq!(up.count(), 0, "nothing sent after a no");
}

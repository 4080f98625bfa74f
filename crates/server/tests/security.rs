//! The findings of the adversarial review (issue 9), each reproduced against the real binary
//! over real HTTP, with the sandbox as upstream behind the recording proxy.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::{Value, json};
use support::*;

/// A process's resident memory in KiB, current (`VmRSS`) or peak (`VmHWM`).
fn memory_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

/// `createProduct` with `n` made-up names inside `data`: about 11 bytes of request per name.
fn many_unknown_names(n: usize) -> String {
    let mut data = String::with_capacity(n * 12);
    for i in 0..n {
        if i > 0 {
            data.push(',');
        }
        data.push_str(&format!("\"a{i:05}\":1"));
    }
    format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"createProduct","arguments":{{"data":{{{data}}}}}}}}}"#
    )
}

async fn post_raw(url: &str, key: &str, body: String) -> (u16, String) {
    let r = reqwest::Client::new()
        .post(url)
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn finding_1_validation_errors_do_not_amplify() {
    let up = upstream().await;
    let server = serve(&["--api-url", &up.api_url(), "--key-rate-limit", "0"]);
    let body = many_unknown_names(80_000);
    assert!(
        body.len() > 800_000 && body.len() < 1 << 20,
        "{}",
        body.len()
    );

    // One request: a bounded answer that still says what is wrong.
    let (status, answer) = post_raw(&server.url(), FULL_KEY, body.clone()).await;
    assert_eq!(status, 200, "{answer}");
    assert!(
        answer.len() <= 16 * 1024,
        "error answer of {} bytes for a {} byte request",
        answer.len(),
        body.len()
    );
    let reply: Value = serde_json::from_str(&answer).unwrap();
    let result = &reply["result"];
    assert_eq!(result["isError"], true, "{answer}");
    let t = text(result);
    assert!(t.contains("`data"), "names the argument: {t}");
    assert!(t.contains("more"), "says how many more problems: {t}");
    assert!(
        t.matches("name_intern").count() <= 1,
        "valid names at most once: {t}"
    );

    // Sixteen at once, each under a different made-up key: memory stays bounded.
    let before = memory_kib(server.pid(), "VmRSS");
    let calls: Vec<_> = (0..16)
        .map(|i| {
            let url = server.url();
            let body = body.clone();
            tokio::spawn(async move { post_raw(&url, &format!("made-up-{i}"), body).await })
        })
        .collect();
    for call in calls {
        let (status, answer) = call.await.unwrap();
        assert_eq!(status, 200);
        assert!(answer.len() <= 16 * 1024, "{} bytes", answer.len());
    }
    let peak = memory_kib(server.pid(), "VmHWM");
    eprintln!(
        "answer {} bytes; RSS before the burst {before} KiB, peak {peak} KiB",
        answer.len()
    );
    // Sixteen bodies of up to 1 MiB are in flight at once; the bound allows three times that
    // for buffers and the allocator. Building each request's 80,000 names (what the limits
    // prevent) takes several times more per request. The bound is on the growth, not the
    // total: a debug build's resting size alone was within 3 MiB of a 64 MiB total bound.
    assert!(
        peak.saturating_sub(before) < 48 * 1024,
        "peak RSS {peak} KiB, {} KiB above the {before} KiB before the burst",
        peak.saturating_sub(before)
    );
    assert_eq!(up.count(), 0, "nothing reached Digistore24");
}

#[tokio::test(flavor = "multi_thread")]
async fn finding_1_limits_on_count_length_and_depth_are_tool_errors() {
    let up = upstream().await;
    let server = serve(&[
        "--api-url",
        &up.api_url(),
        "--key-rate-limit",
        "0",
        "--toolsets",
        "all",
    ]);
    let mcp = Mcp::new(server.url(), Some(FULL_KEY), Era::Legacy);
    let long = "x".repeat(70_000);
    let many_items: Vec<Value> = (0..1_001).map(|i| json!(i.to_string())).collect();
    let mut deep = json!("leaf");
    for _ in 0..20 {
        deep = json!({ "k": deep });
    }
    let mut names = serde_json::Map::new();
    for i in 0..1_001 {
        names.insert(format!("n{i}"), json!(1));
    }
    for (tool, args, expect) in [
        (
            "createProduct",
            json!({"data": {"description_de": long}}),
            "`data.description_de`: text longer than",
        ),
        (
            "createBuyUrl",
            json!({"product_id": "1", "settings": {"pay_methods": many_items}}),
            "more than 1000 items",
        ),
        (
            "createProduct",
            json!({"data": {"name_de": deep}}),
            "nested deeper than",
        ),
        (
            "createProduct",
            json!({"data": Value::Object(names)}),
            "more than 1000 argument names",
        ),
    ] {
        let r = mcp.call(tool, args).await;
        assert_eq!(r["isError"], true, "{tool}: {r}");
        assert!(text(&r).contains(expect), "{tool}: want {expect:?}: {r}");
        assert!(r.to_string().len() < 16 * 1024);
    }
    assert_eq!(up.count(), 0, "nothing reached Digistore24");
    assert_ne!(mcp.call("ping", json!({})).await["isError"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn finding_10_bracketed_or_empty_names_and_null_required_are_invalid() {
    let up = upstream().await;
    let server = serve(&["--api-url", &up.api_url(), "--toolsets", "all"]);
    let mcp = Mcp::new(server.url(), Some(FULL_KEY), Era::Legacy);
    for (tool, args, expect) in [
        (
            "createBuyUrl",
            json!({"product_id": "1", "placeholders": {"TITLE][injected": "v"}}),
            "`placeholders`: name string \"TITLE][injected\" is not allowed",
        ),
        (
            "createBuyUrl",
            json!({"product_id": "1", "placeholders": {"": "x"}}),
            "`placeholders`: name string \"\" is not allowed",
        ),
        (
            "getProduct",
            json!({"product_id": null}),
            "`product_id`: required, got null",
        ),
    ] {
        let r = mcp.call(tool, args.clone()).await;
        assert_eq!(r["isError"], true, "{args}: {r}");
        assert!(text(&r).contains(expect), "{args}: want {expect:?}: {r}");
    }
    assert_eq!(up.count(), 0, "nothing reached Digistore24");
}

/// Raw HTTP over one TCP connection, for requests no well-behaved client would send.
mod raw {
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    pub async fn connect(base: &str) -> TcpStream {
        TcpStream::connect(base.trim_start_matches("http://"))
            .await
            .unwrap()
    }

    /// A request head for the MCP endpoint with these extra header lines.
    pub fn head(extra: &[&str], content_length: usize) -> String {
        let mut head = String::from(
            "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nAuthorization: Bearer sandbox-full\r\n",
        );
        for line in extra {
            head.push_str(line);
            head.push_str("\r\n");
        }
        head.push_str(&format!("Content-Length: {content_length}\r\n\r\n"));
        head
    }

    /// Reads one response (head and a `Content-Length` body); `None` if the connection closed
    /// first. Gives up after `within`.
    pub async fn response(s: &mut TcpStream, within: Duration) -> Option<(u16, String)> {
        tokio::time::timeout(within, async {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            loop {
                if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&buf[..end]).to_string();
                    let length: usize = head
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("content-length")
                                .then(|| v.trim().parse().ok())?
                        })
                        .unwrap_or(0);
                    if buf.len() >= end + 4 + length {
                        let status = head.split(' ').nth(1)?.parse().ok()?;
                        let body = String::from_utf8_lossy(&buf[end + 4..end + 4 + length]);
                        return Some((status, body.to_string()));
                    }
                }
                match s.read(&mut chunk).await {
                    Ok(0) | Err(_) => return None,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
        })
        .await
        .expect("an answer or a closed connection in time")
    }

    /// Whether the server closes the connection within `within` (reading nothing more).
    pub async fn closed_within(s: &mut TcpStream, within: Duration) -> bool {
        let mut chunk = [0u8; 1024];
        matches!(
            tokio::time::timeout(within, s.read(&mut chunk)).await,
            Ok(Ok(0) | Err(_))
        )
    }

    pub async fn send(s: &mut TcpStream, bytes: &[u8]) {
        s.write_all(bytes).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn finding_3_unfinished_heads_idle_connections_and_slow_bodies_are_cut_off() {
    use std::time::Duration;
    let up = upstream().await;
    let server = serve(&[
        "--api-url",
        &up.api_url(),
        // 3 s, not 1: each connection below is opened and then written to, and a stall
        // between the two on a loaded machine must not cut a head that does arrive.
        "--header-read-timeout",
        "3",
        "--keep-alive-timeout",
        "1",
        "--body-read-timeout",
        "1",
    ]);
    // 200 connections that never finish their request head.
    let mut held = Vec::new();
    for _ in 0..200 {
        let mut s = raw::connect(&server.base).await;
        raw::send(&mut s, b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n").await;
        held.push(s);
    }
    for (i, s) in held.iter_mut().enumerate() {
        assert!(
            raw::closed_within(s, Duration::from_secs(20)).await,
            "connection {i} with an unfinished head is still open"
        );
    }
    // A kept-alive connection that goes quiet after an answer.
    let mut s = raw::connect(&server.base).await;
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}"#;
    raw::send(
        &mut s,
        format!(
            "{}{body}",
            raw::head(&["MCP-Protocol-Version: 2025-11-25"], body.len())
        )
        .as_bytes(),
    )
    .await;
    let (status, _) = raw::response(&mut s, Duration::from_secs(10))
        .await
        .expect("answered");
    assert_eq!(status, 200);
    assert!(
        raw::closed_within(&mut s, Duration::from_secs(20)).await,
        "the idle connection is closed"
    );
    // A body that stops arriving.
    let mut s = raw::connect(&server.base).await;
    raw::send(
        &mut s,
        format!("{}{{\"jsonrpc\"", raw::head(&[], 200)).as_bytes(),
    )
    .await;
    let (status, answer) = raw::response(&mut s, Duration::from_secs(20))
        .await
        .expect("answered");
    assert_eq!(status, 408, "{answer}");
    assert!(answer.contains("did not arrive within 1 s"), "{answer}");
    let mcp = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy);
    assert_eq!(
        mcp.raw("tools/list", json!({})).await.status,
        200,
        "still serving"
    );
}

/// Connections with a request in flight keep their slots: a new connection at the cap waits
/// for one of them to finish.
#[tokio::test(flavor = "multi_thread")]
async fn finding_3_connections_beyond_the_cap_wait_for_a_free_slot() {
    use std::time::Duration;
    let up = upstream().await;
    let server = serve(&[
        "--api-url",
        &up.api_url(),
        "--max-connections",
        "4",
        "--body-read-timeout",
        "60",
    ]);
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut s = raw::connect(&server.base).await;
        // A request whose body is still coming: in flight, not idle.
        raw::send(
            &mut s,
            b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer sandbox-read\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 100\r\n\r\n{",
        )
        .await;
        held.push(s);
    }
    let logs = server.logs.clone();
    let mcp = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy);
    let mut fifth = tokio::spawn({
        let mcp = mcp.clone();
        async move { mcp.raw("tools/list", json!({})).await.status }
    });
    tokio::time::timeout(Duration::from_secs(10), async {
        while !logs.lock().unwrap().contains("connection limit reached") {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the server says it reached the limit");
    assert!(
        tokio::time::timeout(Duration::from_millis(500), &mut fifth)
            .await
            .is_err(),
        "a fifth connection is not served while four are held"
    );
    drop(held.pop());
    let status = tokio::time::timeout(Duration::from_secs(10), fifth)
        .await
        .expect("served once a slot is free")
        .unwrap();
    assert_eq!(status, 200);
}

/// Review of the front door (F1): at the cap, connections that hold a slot without using it
/// (idle between requests, or stalled on a request head) are closed to make room, the
/// longest-unused first, so one client keeping every slot with keep-alive requests cannot lock
/// everyone else out. Before, a new connection waited until one of them timed out (60 s).
#[tokio::test(flavor = "multi_thread")]
async fn finding_15_unused_connections_make_room_at_the_cap() {
    use std::time::Duration;
    use tokio::io::AsyncReadExt;
    let up = upstream().await;
    let server = serve(&[
        "--api-url",
        &up.api_url(),
        "--max-connections",
        "4",
        "--header-read-timeout",
        "60",
        "--keep-alive-timeout",
        "600",
    ]);
    // A new connection with one answered /healthz on it, kept open (idle from then on).
    let answered_once = |within: u64| {
        let base = server.base.clone();
        async move {
            let mut s = raw::connect(&base).await;
            raw::send(&mut s, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").await;
            let (status, _) = raw::response(&mut s, Duration::from_secs(within))
                .await
                .expect("answered in time");
            assert_eq!(status, 200);
            s
        }
    };
    // Three connections answered once and kept alive (idle), one stalled in its head.
    let mut idle = Vec::new();
    for _ in 0..3 {
        idle.push(answered_once(10).await);
    }
    let mut stalled = raw::connect(&server.base).await;
    raw::send(&mut stalled, b"GET /healthz HTTP/1.1\r\nHo").await;
    // Four new clients, each on a connection of its own that it keeps, are each served
    // promptly (long before any timeout): every unused connection gives way, the
    // longest-unused first (a stalled head only once it has stalled for a second).
    let mut fresh = Vec::new();
    for _ in 0..4 {
        // Served while the old connections would still be open.
        fresh.push(answered_once(20).await);
    }
    // The idle ones, unused longest, were closed by the server to make room.
    for s in &mut idle {
        let mut buf = [0u8; 64];
        let read = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf)).await;
        assert!(matches!(read, Ok(Ok(0)) | Ok(Err(_))), "closed: {read:?}");
    }
    assert!(server.logs().contains("connection limit reached"));
}

#[tokio::test(flavor = "multi_thread")]
async fn finding_7_a_truncated_body_is_400_and_nothing_runs() {
    use std::time::Duration;
    use tokio::io::AsyncWriteExt;
    let up = upstream().await;
    let server = serve(&["--api-url", &up.api_url()]);
    let body =
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"ping","arguments":{}}}"#;
    let mut s = raw::connect(&server.base).await;
    raw::send(
        &mut s,
        format!(
            "{}{body}",
            raw::head(&["MCP-Protocol-Version: 2025-11-25"], 4000)
        )
        .as_bytes(),
    )
    .await;
    s.shutdown().await.unwrap();
    let answer = raw::response(&mut s, Duration::from_secs(20)).await;
    let (status, text) = answer.expect("the server answers the half-closed request");
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("could not be read completely"), "{text}");
    let mcp = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy);
    assert_ne!(mcp.call("ping", json!({})).await["isError"], true);
    assert_eq!(up.count(), 1, "only the complete call reached Digistore24");
}

#[tokio::test(flavor = "multi_thread")]
async fn finding_6_repeated_narrowing_headers_narrow_and_unreadable_ones_are_400() {
    let up = upstream().await;
    let server = serve(&["--api-url", &up.api_url()]);
    let base = Mcp::new(server.url(), Some(FULL_KEY), Era::Legacy);
    let all = base.list_tools().await;
    assert!(all.iter().any(|t| t["annotations"]["readOnlyHint"] != true));

    let both = base
        .clone()
        .header("X-DS24-Read-Only", "false")
        .header("X-DS24-Read-Only", "true");
    let tools = both.list_tools().await;
    assert!(
        tools
            .iter()
            .all(|t| t["annotations"]["readOnlyHint"] == true),
        "false then true reads as read-only"
    );
    let r = both
        .call("createProduct", json!({"data": {"name_de": "x"}}))
        .await;
    assert!(text(&r).contains("read-only"), "{r}");

    let sets = base
        .clone()
        .header("X-DS24-Toolsets", "products,statistics")
        .header("X-DS24-Toolsets", "all")
        .header("X-DS24-Toolsets", "products");
    let names = sets.tool_names().await;
    assert!(!names.is_empty());
    assert!(
        names
            .iter()
            .all(|n| ds24_catalog::get(n).unwrap().toolset.id == "products"),
        "only toolsets every header names: {names:?}"
    );

    for name in ["X-DS24-Read-Only", "X-DS24-Toolsets"] {
        let value = reqwest::header::HeaderValue::from_bytes(b"tr\xe4ue").unwrap();
        let r = reqwest::Client::new()
            .post(server.url())
            .header("authorization", format!("Bearer {FULL_KEY}"))
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2025-11-25")
            .header(name, value)
            .body(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{name}");
        let body = r.text().await.unwrap();
        assert!(
            body.contains(name) && body.contains("not readable"),
            "{body}"
        );
    }
    assert_eq!(up.count(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn finding_13_host_parser_cors_preflight_and_plain_logs() {
    let up = upstream().await;
    let server = serve(&[
        "--api-url",
        &up.api_url(),
        "--allowed-origins",
        "https://app.example",
    ]);
    let port = server.base.rsplit(':').next().unwrap().to_owned();
    for host in [
        "[::1]evil.example".to_owned(),
        format!("[::1]evil.example:{port}"),
        "localhost:80:80".to_owned(),
    ] {
        let mcp = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy).header("host", &host);
        assert_eq!(mcp.raw("tools/list", json!({})).await.status, 403, "{host}");
    }
    let ok = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy).header("host", "[::1]");
    assert_eq!(ok.raw("tools/list", json!({})).await.status, 200);

    let client = reqwest::Client::new();
    let preflight = |origin: &'static str| {
        client
            .request(reqwest::Method::OPTIONS, server.url())
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type, mcp-protocol-version",
            )
            .send()
    };
    let r = preflight("https://app.example").await.unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let h = r.headers();
    assert_eq!(h["access-control-allow-origin"], "https://app.example");
    assert!(
        h["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );
    let allowed = h["access-control-allow-headers"].to_str().unwrap();
    // Every request header the README documents (operator review: X-DS24-Mode and
    // X-DS24-Operator were missing, so browsers could not send them).
    for needed in [
        "authorization",
        "content-type",
        "mcp-protocol-version",
        "x-ds24-mode",
        "x-ds24-operator",
        "x-ds24-read-only",
        "x-ds24-toolsets",
    ] {
        assert!(allowed.contains(needed), "{allowed}");
    }
    assert_eq!(
        preflight("https://evil.example").await.unwrap().status(),
        403
    );
    let call = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy)
        .header("origin", "https://app.example")
        .raw("tools/list", json!({}))
        .await;
    assert_eq!(call.status, 200);
    assert_eq!(
        call.headers["access-control-allow-origin"],
        "https://app.example"
    );

    let logs = server.logs();
    assert!(logs.contains("MCP endpoint ready"), "{logs}");
    assert!(
        !logs.contains('\u{1b}'),
        "no colour codes when stderr is not a terminal:\n{logs}"
    );
}

/// An upstream that answers every call with a redirect to `target` (a misconfigured or hostile
/// endpoint in front of the API; no Digistore24 semantics involved).
async fn redirector(status: u16, target: String) -> std::net::SocketAddr {
    use axum::response::IntoResponse;
    let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
        let location = format!("{target}{}", uri.path().trim_start_matches("/api/call"));
        async move {
            (
                axum::http::StatusCode::from_u16(status).unwrap(),
                [("location", location)],
            )
                .into_response()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

#[tokio::test(flavor = "multi_thread")]
async fn finding_4_redirects_are_never_followed() {
    let up = upstream().await;
    for status in [307u16, 302, 301, 308] {
        let hop = redirector(status, up.api_url()).await;
        let server = serve(&[
            "--api-url",
            &format!("http://{hop}/api/call"),
            "--toolsets",
            "all",
        ]);
        let mcp = Mcp::new(server.url(), Some(FULL_KEY), Era::Legacy);
        for (tool, args) in [
            ("deleteVoucher", json!({"code": "LAUNCH10"})),
            ("listProducts", json!({})),
        ] {
            let r = mcp.call(tool, args).await;
            assert_eq!(r["isError"], true, "{status} {tool}: {r}");
            assert!(
                text(&r).contains(&format!("redirect (HTTP {status})")),
                "{status} {tool}: {r}"
            );
            assert!(!r.to_string().contains(&up.addr.to_string()), "{r}");
        }
    }
    assert_eq!(
        up.count(),
        0,
        "the key never followed a redirect to another host"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn finding_4_api_url_must_be_https_unless_loopback() {
    for (url, ok) in [
        ("http://api.example.com/api/call", false),
        ("ftp://127.0.0.1/api/call", false),
        ("not a url", false),
        ("http://localhost:9/api/call", true),
        ("http://[::1]:9/api/call", true),
        ("http://127.0.0.2:9/api/call", true),
    ] {
        let mut child = std::process::Command::new(bin())
            .args(["serve", "--listen", "127.0.0.1:0", "--api-url", url])
            .env("DS24_MCP_LOG", "info")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Until it says it is ready, or exits (its stderr ends).
        let mut said = String::new();
        let mut started = false;
        let stderr = child.stderr.take().unwrap();
        for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)).map_while(Result::ok) {
            said.push_str(&line);
            said.push('\n');
            if line.contains("MCP endpoint ready") {
                started = true;
                break;
            }
        }
        let _ = child.kill();
        let status = child.wait().unwrap();
        assert_eq!(started, ok, "{url}: {said}");
        if !ok {
            assert!(!status.success(), "{url}");
            assert!(said.contains("--api-url"), "{url}: {said}");
            if url.starts_with("http://api") {
                assert!(
                    said.contains("https://") && said.contains("loopback"),
                    "{said}"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn finding_5_upstream_answers_beyond_the_cap_are_refused_while_streaming() {
    let up = upstream().await;
    let server = serve(&["--api-url", &up.api_url(), "--max-upstream-bytes", "65536"]);
    let mcp = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy);
    let r = mcp
        .call(
            "listPurchases",
            json!({"from": "start", "to": "now", "page_size": 1000}),
        )
        .await;
    assert_eq!(r["isError"], true, "{r}");
    assert_eq!(r["structuredContent"]["error"]["kind"], "too_large", "{r}");
    let t = text(&r);
    assert!(t.contains("65536 bytes") && t.contains("paging"), "{t}");
    let small = mcp
        .call(
            "listPurchases",
            json!({"from": "start", "to": "now", "page_size": 5}),
        )
        .await;
    assert_ne!(small["isError"], true, "small answers pass: {small}");
}

#[tokio::test(flavor = "multi_thread")]
async fn finding_11_connect_failures_and_answer_timeouts_say_what_happened_and_no_url() {
    use std::time::Duration;
    // A listener whose accept queue is full: connecting hangs until the connect timeout.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let full = socket.listen(1).unwrap();
    let full_addr = full.local_addr().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..8 {
        let s = tokio::net::TcpSocket::new_v4().unwrap();
        if let Ok(Ok(c)) =
            tokio::time::timeout(Duration::from_millis(300), s.connect(full_addr)).await
        {
            fillers.push(c);
        }
    }
    let server = serve(&[
        "--api-url",
        &format!("http://{full_addr}/api/call"),
        "--connect-timeout",
        "0.5",
        "--timeout",
        "5",
    ]);
    let mcp = Mcp::new(server.url(), Some(FULL_KEY), Era::Legacy);
    let r = mcp
        .call("createProduct", json!({"data": {"name_de": "x"}}))
        .await;
    let t = text(&r);
    assert_eq!(
        r["structuredContent"]["error"]["kind"], "unreachable",
        "{r}"
    );
    assert!(
        t.contains("could not connect") && t.contains("nothing was sent; safe to retry"),
        "{t}"
    );
    assert!(!t.contains("sent but not confirmed"), "{t}");
    assert!(!r.to_string().contains(&full_addr.to_string()), "{r}");

    // Refused outright: same story, and no address or path in the text. (Bound but never
    // listening, and held to the end of the test, so no other test can take the port.)
    let held = tokio::net::TcpSocket::new_v4().unwrap();
    held.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let dead = held.local_addr().unwrap();
    let server = serve(&["--api-url", &format!("http://{dead}/api/call")]);
    let mcp = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy);
    let r = mcp.call("ping", json!({})).await;
    assert!(text(&r).contains("could not connect"), "{r}");
    for internal in [dead.to_string(), "/api/call".to_owned()] {
        assert!(!r.to_string().contains(&internal), "{internal} in {r}");
    }

    // Sent, then silence.
    let hole = black_hole().await;
    let server = serve(&[
        "--api-url",
        &format!("http://{hole}/api/call"),
        "--timeout",
        "1",
    ]);
    let mcp = Mcp::new(server.url(), Some(FULL_KEY), Era::Legacy);
    let r = mcp
        .call("createProduct", json!({"data": {"name_de": "x"}}))
        .await;
    let t = text(&r);
    assert!(
        t.contains("sent, no answer within 1 s") && t.contains("whether it took effect"),
        "{t}"
    );
    assert!(!r.to_string().contains(&hole.to_string()), "{r}");
    // A read that timed out gets advice for a read, not a write's.
    let r = mcp.call("listProducts", json!({})).await;
    let t = text(&r);
    assert!(
        t.contains("sent, no answer within 1 s")
            && t.contains("Try again later")
            && !t.contains("write"),
        "{t}"
    );
    drop(fillers);
}

#[tokio::test(flavor = "multi_thread")]
async fn finding_12_made_up_keys_are_limited_by_client_address() {
    let up = upstream().await;
    let server = serve(&[
        "--api-url",
        &up.api_url(),
        "--ip-rate-limit",
        "1",
        "--key-rate-limit",
        "0",
    ]);
    // A new key and a new X-Forwarded-For per call: neither escapes the address limit (1/s,
    // bursts of 2, refilling while the calls run: at most 2 plus one per second pass).
    let calls = 8;
    let started = std::time::Instant::now();
    let mut limited = 0;
    for i in 0..calls {
        let mcp = Mcp::new(server.url(), Some(&format!("made-up-{i}")), Era::Legacy)
            .header("x-forwarded-for", &format!("203.0.113.{i}"));
        let r = mcp.call("ping", json!({})).await;
        if r["structuredContent"]["error"]["kind"] == "rate_limited" {
            assert!(text(&r).contains("from this client address"), "{r}");
            limited += 1;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let passed = calls - limited;
    assert!(limited >= 1, "none of {calls} limited");
    assert!(
        f64::from(passed) <= 2.0 + elapsed.ceil(),
        "{passed} of {calls} passed in {elapsed:.2} s at 1/s, burst 2"
    );
    assert_eq!(
        up.count(),
        usize::try_from(passed).unwrap(),
        "only the calls that passed reached Digistore24"
    );

    // Behind a trusted proxy, X-Forwarded-For tells clients apart.
    let up = upstream().await;
    let server = serve(&[
        "--api-url",
        &up.api_url(),
        "--ip-rate-limit",
        "1",
        "--trusted-proxies",
        "127.0.0.1",
    ]);
    let first = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy)
        .header("x-forwarded-for", "203.0.113.7");
    let mut first_limited = false;
    for _ in 0..6 {
        let r = first.call("ping", json!({})).await;
        if r["structuredContent"]["error"]["kind"] == "rate_limited" {
            first_limited = true;
            break;
        }
    }
    assert!(first_limited, "one forwarded client is limited");
    let second = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy)
        .header("x-forwarded-for", "203.0.113.8");
    let r = second.call("ping", json!({})).await;
    assert_ne!(r["isError"], true, "another forwarded client is not: {r}");
}

#[tokio::test(flavor = "multi_thread")]
async fn finding_12_a_key_digistore24_rejected_is_refused_without_another_call() {
    let up = upstream().await;
    let server = serve(&["--api-url", &up.api_url()]);
    let bad = Mcp::new(server.url(), Some("123-made-up-key"), Era::Legacy);
    let first = bad.call("ping", json!({})).await;
    assert_eq!(first["structuredContent"]["error"]["code"], 2, "{first}");
    let second = bad.call("listProducts", json!({})).await;
    assert_eq!(second["isError"], true, "{second}");
    assert_eq!(
        second["structuredContent"]["error"]["kind"], "invalid_key",
        "{second}"
    );
    assert!(text(&second).contains("not sent again"), "{second}");
    assert_eq!(up.count(), 1, "the rejected key was sent once");
    let good = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy);
    assert_ne!(good.call("ping", json!({})).await["isError"], true);
    assert!(!server.logs().contains("123-made-up-key"));
}

#[tokio::test(flavor = "multi_thread")]
async fn finding_12_upstream_calls_are_capped_across_all_keys() {
    let mut opts = ds24_sandbox::SandboxOptions::in_memory();
    opts.latency = std::time::Duration::from_millis(300);
    let up = upstream_opts(opts).await;
    let server = serve(&[
        "--api-url",
        &up.api_url(),
        "--max-upstream-concurrency",
        "2",
        "--key-rate-limit",
        "0",
        "--ip-rate-limit",
        "0",
    ]);
    let calls: Vec<_> = (0..8)
        .map(|i| {
            let key = if i % 2 == 0 { READ_KEY } else { FULL_KEY };
            let mcp = Mcp::new(server.url(), Some(key), Era::Legacy);
            tokio::spawn(async move { mcp.call("ping", json!({})).await })
        })
        .collect();
    for call in calls {
        let r = call.await.unwrap();
        assert_ne!(r["isError"], true, "{r}");
    }
    assert_eq!(up.count(), 8);
    assert_eq!(up.max_in_flight(), 2, "never more than the cap at once");
}

#[tokio::test(flavor = "multi_thread")]
async fn finding_8_a_confirmation_expires() {
    let up = upstream().await;
    let ttl = std::time::Duration::from_millis(200);
    let server = serve(&[
        "--api-url",
        &up.api_url(),
        "--toolsets",
        "all",
        "--confirmation-ttl",
        "0.2",
    ]);
    let mut mcp = Mcp::new(server.url(), Some(FULL_KEY), Era::Modern);
    mcp.elicitation = true;
    let args = json!({"code": "NO-SUCH-VOUCHER"});
    let first = mcp.call("deleteVoucher", args.clone()).await;
    // The server sealed the question before it answered: its expiry is at most `ttl` from now.
    let asked_by = std::time::SystemTime::now();
    assert_eq!(first["resultType"], "input_required", "{first}");
    let state = first["requestState"].as_str().unwrap().to_owned();
    // Wait for the clock (the server's, on this machine) to pass the expiry.
    while std::time::SystemTime::now() < asked_by + ttl + std::time::Duration::from_millis(20) {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let answer = json!({"name": "deleteVoucher", "arguments": args, "requestState": state,
        "inputResponses": {"confirm": {"action": "accept", "content": {"confirm": true}}}});
    let expired = mcp.rpc("tools/call", answer).await;
    let message = expired["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("expired") && message.contains("call the tool again"),
        "{expired}"
    );
    assert_eq!(up.count(), 0, "an expired answer sends nothing");
    // Asking anew works.
    let fresh = mcp
        .call("deleteVoucher", json!({"code": "NO-SUCH-VOUCHER"}))
        .await;
    assert_eq!(fresh["resultType"], "input_required", "{fresh}");
}

/// Lines of the server's log that say a read was retried, once the log shows `calls` tool
/// calls finished (the log arrives through a pipe, a little after the answer).
async fn retries_after(server: &Server, calls: usize) -> usize {
    tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            let logs = server.logs();
            if logs.matches("tool call").count() >= calls {
                return logs
                    .matches("retrying read after connection failure")
                    .count();
            }
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the server logged the calls")
}

#[tokio::test(flavor = "multi_thread")]
async fn finding_9_write_triggering_arguments_make_a_call_a_write() {
    let cases = [
        (
            "getDelivery",
            json!({"delivery_id": 1}),
            json!({"delivery_id": 1, "set_in_progress": "Y"}),
        ),
        ("getTestpayKey", json!({}), json!({"do_recreate": "Y"})),
    ];
    // Nothing listens: reads are retried once, writes never. (Bound but never listening, and
    // held to the end of the test, so no other test can take the port.)
    let held = tokio::net::TcpSocket::new_v4().unwrap();
    held.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let dead = held.local_addr().unwrap();
    let server = serve(&[
        "--api-url",
        &format!("http://{dead}/api/call"),
        "--toolsets",
        "all",
    ]);
    let mcp = Mcp::new(server.url(), Some(FULL_KEY), Era::Legacy);
    let mut calls = 0;
    for (tool, read, write) in &cases {
        let before = retries_after(&server, calls).await;
        let r = mcp.call(tool, read.clone()).await;
        calls += 1;
        assert_eq!(
            r["structuredContent"]["error"]["kind"], "unreachable",
            "{r}"
        );
        assert_eq!(
            retries_after(&server, calls).await,
            before + 1,
            "{tool}: a read is retried"
        );
        let r = mcp.call(tool, write.clone()).await;
        calls += 1;
        assert_eq!(
            r["structuredContent"]["error"]["kind"], "unreachable",
            "{r}"
        );
        assert_eq!(
            retries_after(&server, calls).await,
            before + 1,
            "{tool}({write}): a write is not retried"
        );
    }
    // Sent, no answer: a read may simply be repeated, a write must be checked first.
    let hole = black_hole().await;
    let server = serve(&[
        "--api-url",
        &format!("http://{hole}/api/call"),
        "--timeout",
        "1",
        "--toolsets",
        "all",
    ]);
    let mcp = Mcp::new(server.url(), Some(FULL_KEY), Era::Legacy);
    for (tool, read, write) in &cases {
        let r = mcp.call(tool, read.clone()).await;
        assert!(text(&r).contains("Try again later"), "{tool}: {r}");
        let r = mcp.call(tool, write.clone()).await;
        let t = text(&r);
        assert!(
            t.contains("not retried automatically") && t.contains("before calling again"),
            "{tool}({write}): {t}"
        );
        assert!(!t.contains("Try again later"), "{t}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn finding_3_slow_bodies_are_cut_off_on_every_route() {
    use std::time::Duration;
    let up = upstream().await;
    let server = serve(&[
        "--api-url",
        &up.api_url(),
        "--public-url",
        "https://ds24-mcp.example.com",
        "--body-read-timeout",
        "1",
    ]);
    // The OAuth token endpoint reads a form body of its own, outside the MCP front door.
    let mut s = raw::connect(&server.base).await;
    raw::send(
        &mut s,
        b"POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\ngrant_type=",
    )
    .await;
    let answer = raw::response(&mut s, Duration::from_secs(20)).await;
    if let Some((status, body)) = answer {
        assert!((400..500).contains(&status), "{status} {body}");
    }
    let mcp = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy);
    assert_eq!(mcp.raw("tools/list", json!({})).await.status, 200);
}

/// Review of the front door (F3, F5): a message whose `id`, `method` or `params` cannot be used
/// gets HTTP 400 naming the field (rmcp answered 415 "unrecognized JSON-RPC message", which
/// blames the content type); an id with line breaks or escapes is refused before any log line
/// could carry it, so no client can forge a log line or drive the operator's terminal.
#[tokio::test(flavor = "multi_thread")]
async fn finding_14_unusable_ids_methods_and_params_are_400_naming_the_field() {
    let up = upstream().await;
    let server = serve(&["--api-url", &up.api_url()]);
    let url = server.url();
    let forged = "1\n2026-11-28T00:51:00.000000Z  INFO ds24_mcp::pipeline: tool call function=\"deleteProduct\" outcome=\"ok\" FORGED";
    let cases: Vec<(Value, &str)> = vec![
        (json!(1.5), "`id` must be a string or an integer between"),
        (
            json!(9_223_372_036_854_775_808u64),
            "`id` must be a string or an integer between",
        ),
        (json!({"a": 1}), "`id` must be a string or an integer."),
        (json!([1]), "`id` must be a string or an integer."),
        (json!(true), "`id` must be a string or an integer."),
        (json!(null), "`id` must be a string or an integer."),
        (json!(forged), "`id` must not contain control characters"),
        (
            json!("X\u{1b}[2J\u{1b}[31mRED\rCR"),
            "`id` must not contain control characters",
        ),
        (json!("x".repeat(257)), "`id` is longer than 256 bytes"),
    ];
    for (id, expect) in cases {
        let body = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                          "params": {"name": "noSuchTool", "arguments": {}}});
        let (status, text) = post_raw(&url, READ_KEY, body.to_string()).await;
        assert_eq!(status, 400, "{id}: {text}");
        let answer: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(answer["error"]["code"], -32600, "{text}");
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap()
                .contains(expect),
            "{id}: {text}"
        );
        assert!(
            answer.get("id").is_none(),
            "an unusable id is not echoed, and not answered as null (MCP's schema has no null id): {text}"
        );
    }
    for (body, expect) in [
        (
            json!({"jsonrpc": "2.0", "id": 7, "method": 5}),
            "`method` must be a method name",
        ),
        (
            json!({"jsonrpc": "2.0", "id": 7, "method": "tools/\ncall"}),
            "`method` must be a method name",
        ),
        (
            json!({"jsonrpc": "2.0", "id": 7}),
            "the message has no `method`",
        ),
        (
            json!({"jsonrpc": "2.0", "id": 7, "method": "tools/list", "params": [1]}),
            "`params` must be an object",
        ),
        (
            json!({"jsonrpc": "2.0", "id": 7, "method": "tools/list", "params": "x"}),
            "`params` must be an object",
        ),
    ] {
        let (status, text) = post_raw(&url, READ_KEY, body.to_string()).await;
        assert_eq!(status, 400, "{body}: {text}");
        let answer: Value = serde_json::from_str(&text).unwrap();
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap()
                .contains(expect),
            "{body}: {text}"
        );
        assert_eq!(answer["id"], 7, "a usable id is echoed: {text}");
    }
    // Usable ids at the edges still work, and the server keeps serving.
    for id in [
        json!(i64::MAX),
        json!(i64::MIN),
        json!("x".repeat(256)),
        json!("ä-1"),
    ] {
        let body = json!({"jsonrpc": "2.0", "id": id, "method": "tools/list", "params": {}});
        let (status, text) = post_raw(&url, READ_KEY, body.to_string()).await;
        assert_eq!(status, 200, "{id}: {text}");
        assert!(text.contains("listProducts"), "{text}");
    }
    assert_eq!(up.count(), 0);
    assert!(!server.logs().contains("FORGED"), "{}", server.logs());
}

/// Review of the front door (F2): the request bytes the server holds at once are bounded, not
/// `--max-connections` times the largest body and the largest head. Beyond the first 8 KiB of
/// each body (every ordinary request), bodies share a budget of 64 of the largest: a flood of
/// large bodies gets 503 with Retry-After while ordinary requests still go through; a head
/// over 128 KiB is refused.
#[tokio::test(flavor = "multi_thread")]
async fn finding_16_request_bytes_held_at_once_are_bounded() {
    use std::time::Duration;
    use tokio::io::AsyncReadExt;
    let up = upstream().await;
    let server = serve(&[
        "--api-url",
        &up.api_url(),
        "--max-body-bytes",
        "20000",
        "--body-read-timeout",
        "60",
        "--ip-rate-limit",
        "0",
    ]);
    // 130 bodies declaring 20,000 bytes (19,000 of them sent): 11,808 counted bytes each
    // against a budget of 64 x 20,000, so at most 108 fit and the rest are refused.
    let connections = 130;
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..connections {
        let base = server.base.clone();
        set.spawn(async move {
            let mut s = raw::connect(&base).await;
            raw::send(&mut s, raw::head(&[], 20_000).as_bytes()).await;
            // A refused body's connection may already be closed.
            let _ = tokio::io::AsyncWriteExt::write_all(&mut s, &vec![b' '; 19_000]).await;
            // An answer now can only be a refusal: the body is not complete.
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            // Outcome: `Ok(Some(head))` answered, `Ok(None)` closed by the server (a refusal
            // whose answer the reset overtook: the rest of the body was never read),
            // `Err(_)` still held when the time was up.
            let outcome = tokio::time::timeout(Duration::from_secs(5), async {
                loop {
                    if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        return Some(String::from_utf8_lossy(&buf[..end]).to_string());
                    }
                    match s.read(&mut chunk).await {
                        Ok(0) | Err(_) => return None,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
            })
            .await;
            (outcome, s)
        });
    }
    let mut refused = 0;
    let mut waiting = Vec::new();
    for (outcome, s) in set.join_all().await {
        match outcome {
            Ok(Some(head)) => {
                assert!(head.starts_with("HTTP/1.1 503"), "{head}");
                assert!(
                    head.to_ascii_lowercase().contains("retry-after: 1"),
                    "{head}"
                );
                refused += 1;
            }
            Ok(None) => refused += 1,
            Err(_) => waiting.push(s),
        }
    }
    assert!(refused >= connections - 108, "{refused} refused");
    assert_eq!(
        waiting.len(),
        108,
        "bodies held: as many as the budget takes"
    );
    // While those are held, one more large body is refused from its head alone, with 503 and
    // Retry-After (nothing of it unread, so no reset can overtake the answer).
    let mut more = raw::connect(&server.base).await;
    raw::send(&mut more, raw::head(&[], 20_000).as_bytes()).await;
    let (status, body) = raw::response(&mut more, Duration::from_secs(10))
        .await
        .expect("an answer");
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("too many large requests"), "{body}");
    // Ordinary requests are not counted and still go through meanwhile.
    let mcp = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy);
    assert_eq!(mcp.raw("tools/list", json!({})).await.status, 200);
    // Once the held bodies are gone, large ones are accepted again.
    drop(waiting);
    let big = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "listProducts", "arguments": {"pad": "x".repeat(15_000)}}});
    let answered = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let (status, text) = post_raw(&server.url(), READ_KEY, big.to_string()).await;
            if status != 503 {
                return (status, text);
            }
            // The server notices the closed connections as it reads them.
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("large bodies accepted again");
    assert_eq!(answered.0, 200, "{}", answered.1);
    assert!(
        answered.1.contains("`pad`: unknown argument"),
        "read and checked: {}",
        answered.1
    );
    // A head over 128 KiB is refused; one of 100 KiB is not.
    for (pad, refused) in [(100 * 1024, false), (200 * 1024, true)] {
        let mut s = raw::connect(&server.base).await;
        let header = format!("X-Pad: {}", "p".repeat(pad));
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).to_string();
        let request = format!("{}{body}", raw::head(&[&header], body.len()));
        // The server may answer and close while a refused head is still being written.
        let wrote = tokio::io::AsyncWriteExt::write_all(&mut s, request.as_bytes()).await;
        let status = raw::response(&mut s, Duration::from_secs(10))
            .await
            .map(|r| r.0);
        if refused {
            // 431, or a reset that overtook it; never an answer to the request.
            assert!(matches!(status, Some(431) | None), "{pad}: {status:?}");
        } else {
            assert!(wrote.is_ok(), "{pad}: {wrote:?}");
            assert_eq!(status, Some(200), "{pad}");
        }
    }
    assert_eq!(up.count(), 0);
}

/// Review of the front door (F5): an unknown `MCP-Protocol-Version` is a JSON-RPC error that
/// names the versions this server speaks (and echoes nothing odd); a path that is not an
/// endpoint is a 404 that names the endpoints, whatever the method and with or without a key.
#[tokio::test(flavor = "multi_thread")]
async fn finding_17_unknown_versions_and_paths_say_what_is_there() {
    let up = upstream().await;
    let server = serve(&["--api-url", &up.api_url()]);
    let http = reqwest::Client::new();
    let list = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/list"}).to_string();
    for (version, shown) in [
        ("2099-01-01", true),
        ("2099-01-01<script>alert(1)</script>", false),
    ] {
        let r = http
            .post(server.url())
            .header("authorization", format!("Bearer {READ_KEY}"))
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", version)
            .body(list.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let body: Value = r.json().await.unwrap();
        let message = body["error"]["message"].as_str().unwrap();
        assert_eq!(body["id"], 3, "{body}");
        assert!(
            message.contains("it speaks")
                && message.contains("2025-11-25")
                && message.contains("2026-07-28"),
            "{message}"
        );
        assert_eq!(message.contains(version), shown, "{message}");
        assert!(!message.contains("<script>"), "{message}");
    }
    for (method, path, key) in [
        ("POST", "/mcp/", Some(READ_KEY)),
        ("POST", "/MCP", Some(READ_KEY)),
        ("POST", "/nope", None),
        ("GET", "/favicon.ico", None),
    ] {
        let mut request = http
            .request(method.parse().unwrap(), format!("{}{path}", server.base))
            .header("content-type", "application/json")
            .body(list.clone());
        if let Some(key) = key {
            request = request.header("authorization", format!("Bearer {key}"));
        }
        let r = request.send().await.unwrap();
        assert_eq!(r.status(), 404, "{method} {path}");
        let body: Value = r.json().await.unwrap();
        assert!(body["error"].as_str().unwrap().contains("/mcp"), "{body}");
    }
    // The endpoint itself still answers, and non-POST there is still 405.
    let r = http.get(server.url()).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(up.count(), 0);
}

/// Review of secrets and audit (S2): Digistore24 repeats IDs in its error messages ("Order 'X'
/// not found"), so text a client chose reaches the log inside an upstream message. In the text
/// log format (the default) it must not start a line of its own: a forged "deleteProduct
/// outcome=ok" line under a real key's fingerprint would lie in the operator's record.
#[tokio::test(flavor = "multi_thread")]
async fn finding_18_text_digistore24_repeats_cannot_forge_a_log_line() {
    let up = upstream().await;
    let server = serve(&["--api-url", &up.api_url(), "--log-format", "text"]);
    let forged = "X'\n2026-11-28T03:00:00.000000Z  INFO ds24_mcp::pipeline: tool call function=\"deleteProduct\" outcome=\"ok\" FORGED\r\n'";
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                      "params": {"name": "getPurchase", "arguments": {"purchase_id": forged}}});
    let (status, text) = post_raw(&server.url(), FULL_KEY, body.to_string()).await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("\"isError\":true"), "{text}");
    assert_eq!(
        up.count(),
        1,
        "the call reached Digistore24, which repeated the id"
    );
    // The log is written beside the answer, not before it: wait for the line (CI once read
    // the log between the two).
    server.log_line(|l| l.contains("FORGED")).await;
    let logs = server.logs();
    for line in logs.lines() {
        assert!(
            !line.starts_with("2026-11-28T03:00:00") && !line.starts_with('\''),
            "a line of the log was written by the client: {line:?}\n{logs}"
        );
    }
}

/// Secrets (S3): Digistore24 repeats what it was sent in its error messages ("API key request
/// 'X' not found"), and those messages go to the log and the model. A secret argument (here a
/// key request's token, which collects a new API key) is masked like the API key itself: the
/// log and the answer carry `<token>`, never the value.
#[tokio::test(flavor = "multi_thread")]
async fn finding_19_a_secret_argument_repeated_by_digistore24_stays_out_of_the_log() {
    let up = upstream().await;
    let server = serve(&[
        "--api-url",
        &up.api_url(),
        "--log-format",
        "text",
        "--tools",
        "retrieveApiKey",
    ]);
    let token = "tok-7Hq2Vx9Lm4Kp";
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                      "params": {"name": "retrieveApiKey", "arguments": {"token": token}}});
    let (status, answer) = post_raw(&server.url(), "sandbox-developer", body.to_string()).await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("\"isError\":true"), "{answer}");
    assert_eq!(up.count(), 1, "the call reached Digistore24");
    assert!(
        answer.contains("'<token>' not found"),
        "Digistore24's message, with the token masked: {answer}"
    );
    let line = server
        .log_line(|l| l.contains("retrieveApiKey") && l.contains("outcome"))
        .await;
    assert!(line.contains("<token>"), "{line}");
    // The log names the failure as the audit line does (it used to say only "error").
    assert!(line.contains("not_found"), "{line}");
    let logs = server.logs();
    assert!(!logs.contains(token), "the token reached the log: {logs}");
    assert!(!answer.contains(token), "{answer}");
}

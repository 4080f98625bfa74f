//! Running it as a service: the audit trail, request ids, metrics and JSON logs, through the
//! real binary over real HTTP, with the sandbox behind a recording proxy as the upstream.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::{Value, json};
use support::*;

fn line_for<'a>(lines: &'a [Value], tool: &str, outcome: &str) -> &'a Value {
    lines
        .iter()
        .find(|l| l["tool"] == tool && l["outcome"] == outcome)
        .unwrap_or_else(|| panic!("no {tool}/{outcome} line in {lines:#?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn writes_and_refusals_are_audited_once_with_who_and_why_and_never_the_key() {
    let up = upstream().await;
    // A low rate limit (2 calls/s, bursts of 4) so one key can be refused for speed.
    let server = serve_audited(&up, &["--toolsets", "default", "--key-rate-limit", "2"]);
    let full = Mcp::new(server.url(), Some(FULL_KEY), Era::Legacy)
        .header("X-DS24-Operator", "Jürgen Müller")
        .header("X-Request-Id", "req-create-1")
        .header("User-Agent", "legacy-agent/1.0");

    // A write that succeeds; the personal data in it is masked.
    let products = full.ok("listProducts", json!({})).await;
    let product = &products["products"][0];
    let product_id = product
        .get("product_id")
        .or(product.get("id"))
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
        .unwrap();
    let reply = full
        .raw(
            "tools/call",
            json!({"name": "createBuyUrl", "arguments": {
                "product_id": product_id,
                "buyer": {"email": "anna@example.com", "first_name": "Anna", "last_name": "Schmidt"}
            }}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let create_id = reply.headers["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(create_id.len(), 32, "our own id comes back: {create_id}");
    // A write refused by Digistore24 (read-only key): code 8, sent.
    let read = Mcp::new(server.url(), Some(READ_KEY), Era::Modern);
    let r = read
        .call("createProduct", json!({"data": {"name_de": "X"}}))
        .await;
    assert_eq!(r["isError"], true, "{r}");
    // Refused before anything is sent: read-only connection, invalid arguments, a tool the
    // server does not offer, and the rate limit.
    let ro = Mcp::new(
        format!("{}/mcp/readonly", server.base),
        Some(FULL_KEY),
        Era::Legacy,
    );
    let r = ro
        .call("createProduct", json!({"data": {"name_de": "X"}}))
        .await;
    assert_eq!(r["isError"], true);
    let other = Mcp::new(server.url(), Some("another-key"), Era::Legacy);
    let r = other
        .call("createVoucher", json!({"data": "not an object"}))
        .await;
    assert_eq!(r["isError"], true);
    let r = other
        .call("refundPurchase", json!({"purchase_id": "ABC"}))
        .await;
    assert_eq!(r["isError"], true);
    let mut limited = 0;
    for _ in 0..8 {
        let r = other.call("listProducts", json!({})).await;
        if r["structuredContent"]["error"]["kind"] == "rate_limited" {
            limited += 1;
        }
    }
    assert!(limited > 0, "the rate limit refused some calls");

    let path = server.audit_path().unwrap();
    drop(server); // checks every sent write against the upstream's records
    let lines = audit_lines(&path);
    let text = std::fs::read_to_string(&path).unwrap();
    for secret in [
        FULL_KEY,
        READ_KEY,
        "another-key",
        "anna@example.com",
        "Schmidt",
    ] {
        assert!(
            !text.contains(secret),
            "{secret} is in the audit file:\n{text}"
        );
    }

    let ok = line_for(&lines, "createBuyUrl", "ok");
    assert_eq!(ok["request_id"], create_id.as_str());
    assert_eq!(ok["client_request_id"], "req-create-1");
    assert_eq!(ok["operator"], "Jürgen Müller");
    assert_eq!(ok["sent"], true);
    assert_eq!(ok["writes"], true);
    assert_eq!(
        ok["client"],
        Value::Null,
        "legacy stateless calls carry no clientInfo"
    );
    assert_eq!(ok["user_agent"], "legacy-agent/1.0");
    assert_eq!(ok["arguments"]["buyer"]["email"], "***");
    assert_eq!(ok["arguments"]["product_id"], product_id.as_str());
    assert!(ok["key"].as_str().unwrap().len() == 12);
    assert!(ok["duration_ms"].is_u64());
    assert!(ok["time"].as_str().unwrap().ends_with('Z'));

    let denied = line_for(&lines, "createProduct", "permission_denied");
    assert_eq!(denied["code"], 8);
    assert_eq!(denied["sent"], true);
    assert_eq!(
        denied["client"]["name"], "ds24-mcp-tests",
        "2026-07-28 requests name their client"
    );
    assert_ne!(denied["key"], ok["key"], "keys are told apart");
    assert_eq!(
        denied["request_id"].as_str().unwrap().len(),
        32,
        "generated"
    );

    let read_only = line_for(&lines, "createProduct", "read_only");
    assert_eq!(read_only["sent"], false);
    assert_eq!(
        line_for(&lines, "createVoucher", "invalid_arguments")["sent"],
        false
    );
    assert_eq!(
        line_for(&lines, "refundPurchase", "not_enabled")["sent"],
        false
    );
    let rate = line_for(&lines, "listProducts", "rate_limited");
    assert_eq!(rate["writes"], false, "refused reads are audited too");
    assert_eq!(
        lines
            .iter()
            .filter(|l| l["outcome"] == "rate_limited")
            .count(),
        limited,
        "one line per refused call"
    );
    assert!(
        lines
            .iter()
            .all(|l| l["outcome"] != "ok" || l["writes"] == true),
        "successful reads are not audited by default"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn confirmations_and_declines_are_audited() {
    let up = upstream().await;
    let server = serve_audited(&up, &["--toolsets", "all"]);
    let mut mcp = Mcp::new(server.url(), Some(FULL_KEY), Era::Modern);
    mcp.elicitation = true;
    let args = json!({"code": "NO-SUCH-VOUCHER"});
    let first = mcp.call("deleteVoucher", args.clone()).await;
    let state = first["requestState"].as_str().unwrap().to_owned();
    let declined = mcp
        .rpc(
            "tools/call",
            json!({"name": "deleteVoucher", "arguments": args, "requestState": state,
                   "inputResponses": {"confirm": {"action": "decline"}}}),
        )
        .await;
    assert_eq!(declined["result"]["isError"], true, "{declined}");
    let path = server.audit_path().unwrap();
    drop(server);
    let lines = audit_lines(&path);
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert_eq!(lines[0]["outcome"], "confirmation_requested");
    assert_eq!(lines[1]["outcome"], "declined");
    assert!(lines.iter().all(|l| l["sent"] == false));
    assert_eq!(up.count(), 0);
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn audit_required_refuses_writes_it_cannot_record_and_sends_nothing() {
    let up = upstream().await;
    // /dev/full opens, and refuses every write with "no space left on device".
    let server = serve(&[
        "--api-url",
        &up.api_url(),
        "--audit-log",
        "/dev/full",
        "--audit-required",
    ]);
    let mcp = Mcp::new(server.url(), Some(FULL_KEY), Era::Legacy);
    let r = mcp
        .call(
            "createProduct",
            json!({"data": {"name_de": "Nicht gesendet"}}),
        )
        .await;
    assert_eq!(r["isError"], true, "{r}");
    assert!(text(&r).contains("audit log"), "{r}");
    assert!(
        !text(&r).contains("/dev/full"),
        "no server paths for clients: {r}"
    );
    assert_eq!(up.count(), 0, "nothing reached Digistore24");
    // Reads are not refused; their failed audit lines are logged instead.
    mcp.ok("listProducts", json!({})).await;
    assert_eq!(up.take().len(), 1);
    server
        .log_line(|l| l.contains("write refused: it cannot be audited"))
        .await;

    // Without --audit-required the same write goes through, and the log says what was lost.
    let lenient = serve(&["--api-url", &up.api_url(), "--audit-log", "/dev/full"]);
    let mcp = Mcp::new(lenient.url(), Some(FULL_KEY), Era::Legacy);
    mcp.ok("createProduct", json!({"data": {"name_de": "Gesendet"}}))
        .await;
    assert_eq!(up.take().len(), 1);
    let record = lenient
        .log_line(|l| l.contains("audit line not written") && l.contains("\"outcome\":"))
        .await;
    let logs = lenient.logs();
    assert!(
        record.contains("createProduct") && record.contains("\"outcome\":\"ok\""),
        "{record}"
    );
    assert!(!logs.contains(FULL_KEY));
}

#[tokio::test(flavor = "multi_thread")]
async fn audit_all_records_reads_too_and_stderr_works() {
    let up = upstream().await;
    let server = serve_audited(&up, &["--audit", "all"]);
    let mcp = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy);
    mcp.ok("listProducts", json!({})).await;
    let path = server.audit_path().unwrap();
    drop(server);
    let lines = audit_lines(&path);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["outcome"], "ok");
    assert_eq!(lines[0]["writes"], false);

    // `-` writes whole lines to stderr.
    let server = serve(&["--api-url", &up.api_url(), "--audit-log", "-"]);
    let mcp = Mcp::new(server.url(), Some(FULL_KEY), Era::Legacy);
    mcp.ok("createProduct", json!({"data": {"name_de": "Auf stderr"}}))
        .await;
    let line = server
        .log_line(|l| l.starts_with('{') && l.contains("\"tool\":\"createProduct\""))
        .await;
    let logs = server.logs();
    let v: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["outcome"], "ok");
    assert!(!logs.contains(FULL_KEY));
}

/// The metrics address the server logged.
fn metrics_url(server: &Server) -> String {
    for _ in 0..100 {
        let logs = server.logs();
        if let Some(rest) = logs.split("metrics at ").nth(1) {
            return rest
                .split_whitespace()
                .next()
                .unwrap()
                .trim_matches('"')
                .to_owned();
        }
        std::thread::sleep(std::time::Duration::from_millis(50)); // polling a log with a deadline
    }
    panic!("no metrics address in the logs:\n{}", server.logs());
}

fn sample(text: &str, name_and_labels: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(name_and_labels) && l[name_and_labels.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_count_calls_latency_refusals_on_their_own_listener() {
    let up = upstream().await;
    let server = serve(&[
        "--api-url",
        &up.api_url(),
        "--metrics-listen",
        "127.0.0.1:0",
        "--key-rate-limit",
        "1",
    ]);
    let url = metrics_url(&server);
    // Every counter is on the first scrape, at 0 (operator review: the skipped-refusals counter
    // appeared only after its first event).
    let first = reqwest::get(&url).await.unwrap().text().await.unwrap();
    for counter in [
        "ds24_mcp_auth_refusals_total",
        "ds24_mcp_rate_limited_total",
        "ds24_mcp_audit_failures_total",
        "ds24_mcp_audit_refusals_skipped_total",
    ] {
        assert_eq!(sample(&first, counter), Some(0.0), "{counter}: {first}");
    }
    let mcp = Mcp::new(server.url(), Some(FULL_KEY), Era::Legacy);
    // 1 call/s, bursts of 2: the first two calls pass (the refused createProduct takes a token
    // too: the rate check comes before argument validation), then the key waits. How many of
    // the later calls pass depends on how long they take, so the bound counts the refill.
    let started = std::time::Instant::now();
    mcp.ok("listProducts", json!({})).await;
    let r = mcp.call("createProduct", json!({"data": "nope"})).await;
    assert_eq!(r["isError"], true);
    let list_calls = 4u8;
    for _ in 1..list_calls {
        mcp.call("listProducts", json!({})).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let anonymous = Mcp::new(server.url(), None, Era::Legacy);
    assert_eq!(anonymous.raw("tools/list", json!({})).await.status, 401);

    let text = reqwest::get(&url).await.unwrap().text().await.unwrap();
    let count = |labels: &str| sample(&text, labels).unwrap_or(0.0);
    let ok = count(r#"ds24_mcp_tool_calls_total{tool="listProducts",outcome="ok"}"#);
    let limited = count(r#"ds24_mcp_tool_calls_total{tool="listProducts",outcome="rate_limited"}"#);
    assert!(ok >= 1.0, "{text}");
    assert_eq!(ok + limited, f64::from(list_calls), "{text}");
    assert_eq!(count("ds24_mcp_rate_limited_total"), limited, "{text}");
    // Burst 2, plus 1 per second of the loop, less the createProduct's token.
    assert!(
        ok <= 2.0 + elapsed.ceil() - 1.0,
        "{ok} listProducts passed in {elapsed:.2} s at 1/s, burst 2: {text}"
    );
    assert!(
        limited >= 1.0 || elapsed >= 1.0,
        "nothing limited in {elapsed:.2} s: {text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"ds24_mcp_tool_calls_total{tool="createProduct",outcome="invalid_arguments"}"#
        ),
        Some(1.0)
    );
    assert_eq!(sample(&text, "ds24_mcp_auth_refusals_total"), Some(1.0));
    // A report is timed as the Digistore24 calls it makes (operator review: it was one sample
    // under the report's own name, past the histogram's last bucket for long reports).
    // Another key: this one's rate limit is spent.
    Mcp::new(server.url(), Some(READ_KEY), Era::Legacy)
        .ok("summarizePurchases", json!({"from": "-7d"}))
        .await;
    let text = reqwest::get(&url).await.unwrap().text().await.unwrap();
    assert!(
        sample(
            &text,
            r#"ds24_mcp_upstream_duration_seconds_count{function="listPurchases"}"#
        )
        .is_some_and(|n| n >= 1.0),
        "{text}"
    );
    assert!(
        !text
            .contains(r#"ds24_mcp_upstream_duration_seconds_count{function="summarizePurchases"}"#),
        "{text}"
    );
    assert!(
        sample(
            &text,
            r#"ds24_mcp_upstream_duration_seconds_count{function="listProducts"}"#
        )
        .unwrap()
            >= 1.0,
        "{text}"
    );
    assert!(text.contains(
        r#"ds24_mcp_upstream_duration_seconds_bucket{function="listProducts",le="0.1"}"#
    ));
    assert_eq!(sample(&text, "ds24_mcp_http_requests_in_flight"), Some(0.0));
    assert!(text.contains(&format!(
        r#"ds24_mcp_build_info{{version="{}"}} 1"#,
        env!("CARGO_PKG_VERSION")
    )));
    assert!(text.contains("# TYPE ds24_mcp_tool_calls_total counter"));
    assert!(!text.contains(FULL_KEY));
    // Not on the MCP port, and not without the flag.
    let mcp_port = reqwest::Client::new()
        .get(format!("{}/metrics", server.base))
        .send()
        .await
        .unwrap();
    assert_ne!(mcp_port.status(), 200);
    let plain = serve(&["--api-url", &up.api_url()]);
    assert!(!plain.logs().contains("metrics at"));
}

#[tokio::test(flavor = "multi_thread")]
async fn json_logs_carry_the_request_id_and_it_comes_back() {
    let up = upstream().await;
    let server = serve(&["--api-url", &up.api_url(), "--log-format", "json"]);
    let mcp =
        Mcp::new(server.url(), Some(FULL_KEY), Era::Legacy).header("X-Request-Id", "trace-me-42");
    let reply = mcp
        .raw(
            "tools/call",
            json!({"name": "listProducts", "arguments": {}}),
        )
        .await;
    let id = reply.headers["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 32, "ours: {id}");
    let line = server
        .log_line(|l| {
            serde_json::from_str::<Value>(l).is_ok_and(|v| v["fields"]["message"] == "tool call")
        })
        .await;
    let line: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(line["span"]["request_id"], id.as_str(), "{line}");
    assert_eq!(line["span"]["client_request_id"], "trace-me-42", "{line}");
    // A request id that is not a sane token is not kept, never echoed.
    let odd = Mcp::new(server.url(), Some(FULL_KEY), Era::Legacy).header("X-Request-Id", "a b");
    let reply = odd.raw("tools/list", json!({})).await;
    let id = reply.headers["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 32, "{id}");
    // A 401 has one too.
    let anonymous = Mcp::new(server.url(), None, Era::Legacy);
    let reply = anonymous.raw("tools/list", json!({})).await;
    assert_eq!(reply.status, 401);
    assert!(reply.headers.contains_key("x-request-id"));
    // An unprintable operator is refused with a clear 400.
    let bad = Mcp::new(server.url(), Some(FULL_KEY), Era::Legacy)
        .header("X-DS24-Operator", &"x".repeat(200));
    let reply = bad.raw("tools/list", json!({})).await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(reply.body.to_string().contains("X-DS24-Operator"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_write_whose_client_gave_up_still_gets_its_outcome() {
    // An upstream that accepts the call and never answers: the write is sent, the client gives up.
    let hole = black_hole().await;
    let path = temp_path("audit.log");
    let server = serve(&[
        "--api-url",
        &format!("http://{hole}/api/call"),
        "--audit-log",
        path.to_str().unwrap(),
        "--timeout",
        "2",
    ]);
    let gave_up = reqwest::Client::new()
        .post(server.url())
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-11-25")
        .header("authorization", format!("Bearer {FULL_KEY}"))
        .timeout(std::time::Duration::from_millis(1500))
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                      "params": {"name": "createProduct", "arguments": {"data": {"name_de": "Hängt"}}}}))
        .send()
        .await;
    assert!(gave_up.is_err(), "the client timed out");
    // The line was written ahead ("pending"); the call goes on without its client (a write is
    // not abandoned halfway) and its line gets the real outcome. Poll the file with a deadline.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let lines = loop {
        let lines = audit_lines(&path);
        if lines.iter().any(|l| l["outcome"] != "pending") || std::time::Instant::now() > deadline {
            break lines;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert_eq!(lines[0]["outcome"], "timeout", "{lines:#?}");
    assert_eq!(lines[0]["sent"], true);
    assert!(lines[0]["duration_ms"].as_u64().unwrap() >= 2000);
}

/// The fingerprint the server gave `key`: from the line of a write that key made.
fn fingerprint_of(lines: &[Value], tool: &str) -> String {
    line_for(lines, tool, "ok")["key"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_writes_say_who_and_what() {
    // Review finding 4: a write refused before the key was looked at (read-only connection,
    // not enabled, narrowed out) was logged without key, function or arguments.
    let up = upstream().await;
    let server = serve_audited(&up, &["--toolsets", "default"]);
    let full = Mcp::new(server.url(), Some(FULL_KEY), Era::Legacy);
    full.ok("createProduct", json!({"data": {"name_de": "Gesendet"}}))
        .await;
    let ro = Mcp::new(
        format!("{}/mcp/readonly", server.base),
        Some(FULL_KEY),
        Era::Legacy,
    );
    let r = ro
        .call("createProduct", json!({"data": {"name_de": "Nur lesen"}}))
        .await;
    assert_eq!(r["isError"], true, "{r}");
    let r = full
        .call("refundPurchase", json!({"purchase_id": "ABC"}))
        .await;
    assert_eq!(r["isError"], true, "{r}");
    let narrowed = full.clone().header("X-DS24-Toolsets", "purchases");
    let r = narrowed
        .call("createProduct", json!({"data": {"name_de": "Eingeengt"}}))
        .await;
    assert_eq!(r["isError"], true, "{r}");
    let path = server.audit_path().unwrap();
    drop(server);
    let lines = audit_lines(&path);
    let fp = fingerprint_of(&lines, "createProduct");
    for (tool, outcome, function) in [
        ("createProduct", "read_only", "createProduct"),
        ("refundPurchase", "not_enabled", "refundPurchase"),
        ("createProduct", "narrowed_out", "createProduct"),
    ] {
        let l = line_for(&lines, tool, outcome);
        assert_eq!(l["key"], fp.as_str(), "who: {l}");
        assert_eq!(l["function"], function, "what: {l}");
        assert_eq!(l["writes"], true, "{l}");
        assert_eq!(l["sent"], false, "{l}");
    }
    assert_eq!(
        line_for(&lines, "createProduct", "read_only")["arguments"]["data"]["name_de"],
        "Nur lesen",
        "arguments shown as for any other call of the tool"
    );
    assert_eq!(
        line_for(&lines, "refundPurchase", "not_enabled")["arguments"]["purchase_id"],
        "ABC"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn compact_mode_refusals_are_audited_and_counted() {
    // Review finding 5: compact mode's own refusals (bad callTool arguments, a rate-limited
    // searchTools) returned before the pipeline: no audit line, no metric.
    let up = upstream().await;
    let server = serve_audited(
        &up,
        &["--key-rate-limit", "1", "--metrics-listen", "127.0.0.1:0"],
    );
    let metrics = metrics_url(&server);
    let compact = Mcp::new(
        format!("{}/mcp/compact", server.base),
        Some(FULL_KEY),
        Era::Legacy,
    );
    let r = compact
        .call(
            "callTool",
            json!({"name": "deleteProduct", "arguments": "product 42, please"}),
        )
        .await;
    assert_eq!(r["isError"], true, "{r}");
    let mut limited = 0;
    for _ in 0..6 {
        let r = compact
            .call("searchTools", json!({"query": "refund"}))
            .await;
        if r["structuredContent"]["error"]["kind"] == "rate_limited" {
            limited += 1;
        }
    }
    assert!(limited > 0, "the rate limit refused some searches");
    let text = reqwest::get(&metrics).await.unwrap().text().await.unwrap();
    assert_eq!(
        sample(
            &text,
            r#"ds24_mcp_tool_calls_total{tool="callTool",outcome="invalid_arguments"}"#
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"ds24_mcp_tool_calls_total{tool="searchTools",outcome="rate_limited"}"#
        ),
        Some(limited as f64),
        "{text}"
    );
    assert_eq!(
        sample(&text, "ds24_mcp_rate_limited_total"),
        Some(limited as f64)
    );
    let path = server.audit_path().unwrap();
    drop(server);
    let lines = audit_lines(&path);
    let bad = line_for(&lines, "callTool", "invalid_arguments");
    assert_eq!(bad["function"], "deleteProduct", "{bad}");
    assert_eq!(bad["writes"], true, "{bad}");
    assert_eq!(bad["sent"], false, "{bad}");
    assert_eq!(bad["key"].as_str().map(str::len), Some(12), "{bad}");
    assert_eq!(bad["arguments"]["name"], "deleteProduct", "{bad}");
    assert_eq!(
        lines
            .iter()
            .filter(|l| l["tool"] == "searchTools" && l["outcome"] == "rate_limited")
            .count(),
        limited,
        "{lines:#?}"
    );
    assert!(
        lines.iter().all(|l| l["outcome"] != "ok"),
        "successful searches are reads: not audited by default"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn personal_data_in_affiliate_names_and_free_text_is_masked() {
    // Review finding 6: affiliate ids (ID, user name or e-mail), referrers, affiliate names and
    // free text reached the audit file as given.
    let up = upstream().await;
    let server = serve_audited(&up, &["--toolsets", "all", "--audit", "all"]);
    let mcp = Mcp::new(server.url(), Some(FULL_KEY), Era::Legacy);
    let calls = [
        (
            "getAffiliateCommission",
            json!({"affiliate_id": "jane.doe@example.com"}),
        ),
        (
            "setReferringAffiliate",
            json!({"referrer_id": "Erika Musterfrau", "affiliate_id": "jane.doe@example.com"}),
        ),
        (
            "setAffiliateForEmail",
            json!({"email": "buyer@example.com", "affiliate": "maxmustermann"}),
        ),
        (
            "listPurchases",
            json!({"search": {"affiliate_name": "Max Mustermann"}}),
        ),
        (
            "createEticket",
            json!({"buyer": {"last_name": "Mustermann"}, "product_id": "1", "location_id": "1",
                   "template_id": "1", "date": "2030-01-01", "note": "For Max Mustermann, Hauptstr. 5"}),
        ),
        (
            "reportFraud",
            json!({"transaction_id": 1, "who": "buyer", "comment": "Max Mustermann used a stolen card"}),
        ),
        (
            "updateServiceProofRequest",
            json!({"service_proof_id": 1, "data": {"request_status": "proof_provided",
                   "message": "Delivered to Max Mustermann at his home"}}),
        ),
        // The safety net: an e-mail address in a parameter that is not personal data.
        (
            "createProduct",
            json!({"data": {"name_de": "Beratung", "description_de": "Fragen an jane.doe@example.com"}}),
        ),
    ];
    for (tool, args) in calls.clone() {
        // Some fail upstream or are refused; every one gets a line.
        mcp.call(tool, args).await;
    }
    let path = server.audit_path().unwrap();
    drop(server);
    let text = std::fs::read_to_string(&path).unwrap();
    for personal in [
        "jane.doe@example.com",
        "buyer@example.com",
        "Erika Musterfrau",
        "maxmustermann",
        "Max Mustermann",
        "Hauptstr",
    ] {
        assert!(
            !text.contains(personal),
            "{personal} is in the audit file:\n{text}"
        );
    }
    let lines = audit_lines(&path);
    for (tool, _) in calls {
        assert!(
            lines.iter().any(|l| l["tool"] == tool),
            "no line for {tool}: {lines:#?}"
        );
    }
    let product = lines.iter().find(|l| l["tool"] == "createProduct").unwrap();
    assert_eq!(product["arguments"]["data"]["name_de"], "Beratung");
    assert_eq!(product["arguments"]["data"]["description_de"], "***");
}

/// Every audit line of `path` and its rotated files, oldest first.
fn all_audit_lines(path: &std::path::Path) -> Vec<Value> {
    let mut files = vec![path.to_owned()];
    for n in 1.. {
        let rotated = std::path::PathBuf::from(format!("{}.{n}", path.display()));
        if !rotated.exists() {
            break;
        }
        files.push(rotated);
    }
    files.iter().rev().flat_map(|p| audit_lines(p)).collect()
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn the_audit_file_survives_external_rotation_truncation_and_removal() {
    // Review finding 3: the writer kept its own handle and size; after `mv` (logrotate),
    // lines went to the moved file and the next size rotation failed on every write; after
    // `copytruncate` lines were written at the old offset behind a run of NUL bytes.
    let up = upstream().await;
    let path = temp_path("audit.log");
    let server = serve(&[
        "--api-url",
        &up.api_url(),
        "--audit-log",
        path.to_str().unwrap(),
        "--audit-max-bytes",
        "4000",
        "--audit-required",
    ]);
    let mcp = Mcp::new(server.url(), Some(FULL_KEY), Era::Legacy);
    let write = |name: String| {
        let mcp = &mcp;
        async move {
            let r = mcp
                .call("createProduct", json!({"data": {"name_de": name}}))
                .await;
            assert_ne!(r["isError"], true, "{r}");
        }
    };
    write("Vorher".into()).await;

    // logrotate's default: the file is moved away, the server must start a new one.
    let moved = path.with_file_name("moved.log");
    std::fs::rename(&path, &moved).unwrap();
    for i in 0..12 {
        write(format!("Verschoben {i}")).await;
    }
    assert_eq!(
        audit_lines(&moved).len(),
        1,
        "nothing more goes to the moved file"
    );
    let after_move = all_audit_lines(&path);
    assert_eq!(after_move.len(), 12, "{after_move:#?}");
    assert!(
        std::fs::metadata(&path).unwrap().len() <= 4000,
        "size rotation still works"
    );

    // copytruncate: the file is copied, then cut to nothing in place.
    let _ = std::fs::copy(&path, path.with_file_name("copied.log")).unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(0)
        .unwrap();
    for i in 0..3 {
        write(format!("Abgeschnitten {i}")).await;
    }
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with('{') && !text.contains('\0'), "{text:?}");
    assert_eq!(audit_lines(&path).len(), 3);

    // Removed: a fresh file takes the next line.
    std::fs::remove_file(&path).unwrap();
    write("Nach dem Löschen".into()).await;
    let lines = audit_lines(&path);
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert_eq!(lines[0]["outcome"], "ok");
    assert_eq!(up.take().len(), 1 + 12 + 3 + 1, "every write was sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn request_ids_are_ours_and_the_callers_is_kept_beside() {
    // Hardening: X-Request-Id is the caller's choice, so two callers (or one, on purpose) can
    // reuse an id. Audit lines and logs carry an id the server generated, always unique, and
    // the caller's id next to it.
    let up = upstream().await;
    let server = serve_audited(&up, &["--log-format", "json"]);
    let mut ids = Vec::new();
    for _ in 0..2 {
        let mcp =
            Mcp::new(server.url(), Some(FULL_KEY), Era::Legacy).header("X-Request-Id", "same-id");
        let reply = mcp
            .raw(
                "tools/call",
                json!({"name": "createProduct", "arguments": {"data": {"name_de": "Zweimal"}}}),
            )
            .await;
        assert_eq!(reply.status, 200);
        ids.push(reply.headers["x-request-id"].to_str().unwrap().to_owned());
    }
    // An id that is not a sane token is not kept at all.
    let odd = Mcp::new(server.url(), Some(FULL_KEY), Era::Legacy).header("X-Request-Id", "a b");
    let reply = odd
        .raw(
            "tools/call",
            json!({"name": "createProduct", "arguments": {"data": {"name_de": "Seltsam"}}}),
        )
        .await;
    ids.push(reply.headers["x-request-id"].to_str().unwrap().to_owned());
    let logged = server
        .log_line(|l| {
            serde_json::from_str::<Value>(l).is_ok_and(|v| v["fields"]["message"] == "tool call")
        })
        .await;
    let path = server.audit_path().unwrap();
    drop(server);
    let lines = audit_lines(&path);
    assert_eq!(lines.len(), 3, "{lines:#?}");
    for (line, id) in lines.iter().zip(&ids) {
        assert_eq!(
            line["request_id"],
            id.as_str(),
            "the response names the line"
        );
        assert_eq!(id.len(), 32, "generated: {id}");
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    }
    assert_ne!(
        ids[0], ids[1],
        "one id per request, whatever the caller sent"
    );
    assert_eq!(lines[0]["client_request_id"], "same-id");
    assert_eq!(lines[1]["client_request_id"], "same-id");
    assert_eq!(lines[2]["client_request_id"], Value::Null);
    let logged: Value = serde_json::from_str(&logged).unwrap();
    assert_eq!(logged["span"]["request_id"], ids[0].as_str(), "{logged}");
    assert_eq!(logged["span"]["client_request_id"], "same-id", "{logged}");
}

/// Review of operations, finding 2: any bearer string can make refused calls, and each one
/// used to write an audit line, so a flood rotated the lines of real writes out of the kept
/// files. Refusals now have a budget per client address (10 lines a second, bursts of 20);
/// the rest are counted in a metric. A write that reaches Digistore24 is always audited.
#[tokio::test(flavor = "multi_thread")]
async fn a_flood_of_refused_calls_cannot_flush_the_audit_trail() {
    let up = upstream().await;
    let server = serve_audited(&up, &["--key-rate-limit", "0"]);
    let http = reqwest::Client::new();
    let started = std::time::Instant::now();
    let flood = 300;
    for i in 0..flood {
        let r = http
            .post(server.url())
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("authorization", format!("Bearer made-up-{i}"))
            .json(&json!({"jsonrpc": "2.0", "id": i, "method": "tools/call",
                          "params": {"name": "noSuchTool", "arguments": {}}}))
            .send()
            .await
            .unwrap();
        assert!(
            r.status().is_success() || r.status() == 429,
            "{}",
            r.status()
        );
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mcp = Mcp::new(server.url(), Some(FULL_KEY), Era::Legacy);
    mcp.ok(
        "createProduct",
        json!({"data": {"name_de": "Nach der Flut"}}),
    )
    .await;
    let path = server.audit_path().unwrap();
    let lines = audit_lines(&path);
    let refusals = lines.iter().filter(|l| l["tool"] == "noSuchTool").count();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let budget = 20 + (10.0 * elapsed).ceil() as usize + 1;
    assert!(
        refusals <= budget && refusals < flood,
        "{refusals} refusal lines for {flood} refused calls in {elapsed:.2} s (budget {budget})"
    );
    assert!(refusals >= 1, "refusals are still audited");
    assert!(
        lines
            .iter()
            .any(|l| l["tool"] == "createProduct" && l["outcome"] == "ok"),
        "{lines:?}"
    );
}

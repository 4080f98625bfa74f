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
    eprintln!("RSS before the burst {before} KiB, peak {peak} KiB");
    assert!(
        peak < 64 * 1024,
        "peak RSS {peak} KiB (before the burst: {before} KiB)"
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

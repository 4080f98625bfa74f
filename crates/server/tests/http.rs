//! The HTTP front door, end to end: the real binary, real HTTP, the sandbox as upstream behind
//! a recording proxy.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::{Value, json};
use support::*;

async fn setup() -> (Upstream, Server) {
    let up = upstream().await;
    let server = serve(&["--api-url", &up.api_url()]);
    (up, server)
}

#[tokio::test(flavor = "multi_thread")]
async fn both_eras_list_and_call_on_every_endpoint_path() {
    let (up, server) = setup().await;
    for era in [Era::Legacy, Era::Modern] {
        for path in ["/mcp", "/"] {
            let mcp = Mcp::new(format!("{}{path}", server.base), Some(READ_KEY), era);
            let hello = mcp.connect().await;
            assert!(hello.get("error").is_none(), "{hello}");
            let names = mcp.tool_names().await;
            assert_eq!(
                names.len(),
                ds24_catalog::all().filter(|f| f.is_default()).count(),
                "{era:?} {path}"
            );
            let mut sorted = names.clone();
            sorted.sort();
            assert_eq!(names, sorted, "deterministic order");
            let data = mcp.ok("listProducts", json!({})).await;
            assert!(!data["products"].as_array().unwrap().is_empty(), "{data}");
        }
    }
    let recorded = up.take();
    assert_eq!(recorded.len(), 4);
    for r in &recorded {
        assert_eq!(r.function, "listProducts");
        assert_eq!(r.key.as_deref(), Some(READ_KEY));
        assert_eq!(
            r.content_type.as_deref(),
            Some("application/x-www-form-urlencoded; charset=utf-8")
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn modern_results_carry_cache_hints_and_result_type() {
    let (_up, server) = setup().await;
    let mcp = Mcp::new(server.url(), Some(READ_KEY), Era::Modern);
    let r = mcp.rpc("tools/list", json!({})).await;
    assert_eq!(
        r["result"]["resultType"], "complete",
        "{}",
        r["result"]["resultType"]
    );
    assert!(r["result"]["ttlMs"].as_u64().unwrap() > 0);
    assert_eq!(r["result"]["cacheScope"], "public");
    let narrowed = mcp.clone().header("X-DS24-Read-Only", "true");
    let r = narrowed.rpc("tools/list", json!({})).await;
    assert_eq!(r["result"]["cacheScope"], "private");
    let legacy = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy);
    let r = legacy.rpc("tools/list", json!({})).await;
    assert!(r["result"].get("ttlMs").is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn call_encodes_nested_arguments_and_returns_structured_and_compact_text() {
    let (up, server) = setup().await;
    let mcp = Mcp::new(server.url(), Some(FULL_KEY), Era::Legacy);
    let created = mcp
        .call(
            "createProduct",
            json!({"data": {"name_de": "Kurs für Ärzte", "name_intern": "kurs-aerzte", "is_active": false, "product_type_id": 1}}),
        )
        .await;
    assert_ne!(created["isError"], json!(true), "{created}");
    let structured = &created["structuredContent"];
    assert!(structured.is_object());
    assert_eq!(
        text(&created),
        structured.to_string(),
        "text block is the compact JSON of structuredContent"
    );
    let r = up.take().pop().unwrap();
    assert_eq!(r.function, "createProduct");
    assert_eq!(r.key.as_deref(), Some(FULL_KEY));
    assert_eq!(field(&r, "data[name_de]"), Some("Kurs für Ärzte"));
    assert_eq!(field(&r, "data[is_active]"), Some("N"));
    assert_eq!(field(&r, "data[product_type_id]"), Some("1"));
    // No answer language here: Digistore24 would make it the product's checkout language.
    assert_eq!(field(&r, "language"), None);
    let id = structured["product_id"]
        .to_string()
        .trim_matches('"')
        .to_owned();
    let got = mcp
        .ok(
            "getProduct",
            json!({"product_id": id.parse::<i64>().unwrap()}),
        )
        .await;
    assert!(got.to_string().contains("Kurs für Ärzte"), "{got}");
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_or_malformed_key_is_401_with_instructions() {
    let (up, server) = setup().await;
    for auth in [None, Some("Basic abc"), Some("Bearer ")] {
        let mut mcp = Mcp::new(server.url(), None, Era::Legacy);
        if let Some(a) = auth {
            mcp = mcp.header("authorization", a);
        }
        let r = mcp.raw("tools/list", json!({})).await;
        assert_eq!(r.status, 401, "{auth:?}");
        assert_eq!(
            r.headers["www-authenticate"],
            r#"Bearer realm="digistore24""#
        );
        assert!(
            r.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("Authorization: Bearer"),
            "{}",
            r.body
        );
        assert!(r.body.get("id").is_none(), "never a null id: {}", r.body);
    }
    assert_eq!(up.count(), 0);
    let health = reqwest::get(format!("{}/healthz", server.base))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn foreign_origin_and_host_are_403_get_is_405() {
    let (_up, server) = setup().await;
    let evil = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy)
        .header("origin", "https://evil.example");
    assert_eq!(evil.raw("tools/list", json!({})).await.status, 403);
    let evil_no_key =
        Mcp::new(server.url(), None, Era::Legacy).header("origin", "https://evil.example");
    assert_eq!(
        evil_no_key.raw("tools/list", json!({})).await.status,
        403,
        "rebinding is refused before auth"
    );
    let host = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy).header("host", "evil.example");
    assert_eq!(host.raw("tools/list", json!({})).await.status, 403);
    let get = reqwest::Client::new()
        .get(server.url())
        .header("authorization", "Bearer x")
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 405);
    assert_eq!(get.headers()["allow"], "POST");
    let port = server.base.rsplit(':').next().unwrap().to_owned();
    for own in [
        format!("http://127.0.0.1:{port}"),
        format!("http://localhost:{port}"),
    ] {
        let local = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy).header("origin", &own);
        assert_eq!(
            local.raw("tools/list", json!({})).await.status,
            200,
            "a page on an allowed host: {own}"
        );
    }
    let fine = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy);
    assert_eq!(
        fine.raw("tools/list", json!({})).await.status,
        200,
        "still serving"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn allowed_origins_admit_listed_browser_origins() {
    let up = upstream().await;
    let server = serve(&[
        "--api-url",
        &up.api_url(),
        "--allowed-origins",
        "https://app.example",
    ]);
    let ok =
        Mcp::new(server.url(), Some(READ_KEY), Era::Legacy).header("origin", "https://app.example");
    assert_eq!(ok.raw("tools/list", json!({})).await.status, 200);
    let other = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy)
        .header("origin", "https://other.example");
    assert_eq!(other.raw("tools/list", json!({})).await.status, 403);
}

async fn assert_api_error(error_status: ds24_sandbox::ErrorStatus, expected_http: u16) {
    let up = upstream_with(error_status).await;
    let server = serve(&["--api-url", &up.api_url()]);
    let mcp = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy);
    let r = mcp
        .call("getPurchase", json!({"purchase_id": "ZZZZ9999"}))
        .await;
    assert_eq!(r["isError"], true, "{r}");
    let err = &r["structuredContent"]["error"];
    assert_eq!(err["code"], 4, "{r}");
    assert_eq!(err["kind"], "not_found");
    assert_eq!(err["http_status"], expected_http);
    assert!(text(&r).contains("Digistore24 error 4"), "{r}");
    // A read-only key on a write function: permission denied, with the two-key hint.
    let r = mcp
        .call("createProduct", json!({"data": {"name_de": "x"}}))
        .await;
    assert_eq!(r["isError"], true, "{r}");
    assert_eq!(r["structuredContent"]["error"]["code"], 8, "{r}");
    assert!(
        text(&r).contains("needs a full-access API key; the key in use is read-only"),
        "{r}"
    );
    // An unknown key.
    let bad = Mcp::new(server.url(), Some("123-not-a-key"), Era::Legacy);
    let r = bad.call("ping", json!({})).await;
    assert_eq!(r["structuredContent"]["error"]["code"], 2, "{r}");
    assert!(text(&r).contains("Check the API key"), "{r}");
}

#[tokio::test(flavor = "multi_thread")]
async fn upstream_error_envelope_with_http_200_becomes_is_error() {
    assert_api_error(ds24_sandbox::ErrorStatus::Envelope, 200).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn upstream_error_envelope_with_http_4xx_becomes_is_error() {
    assert_api_error(ds24_sandbox::ErrorStatus::Http, 404).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn upstream_that_never_answers_times_out_as_is_error() {
    let hole = black_hole().await;
    let server = serve(&[
        "--api-url",
        &format!("http://{hole}/api/call"),
        "--timeout",
        "1",
    ]);
    let mcp = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy);
    let started = std::time::Instant::now();
    let r = mcp.call("listProducts", json!({})).await;
    let took = started.elapsed();
    assert_eq!(r["isError"], true, "{r}");
    assert_eq!(r["structuredContent"]["error"]["kind"], "timeout", "{r}");
    assert!(took < std::time::Duration::from_secs(5), "took {took:?}");
    let r = mcp
        .call("createProduct", json!({"data": {"name_de": "x"}}))
        .await;
    assert!(text(&r).contains("not retried automatically"), "{r}");
}

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_and_garbage_upstreams_are_is_errors() {
    // Bound but never listening, and held to the end of the test: connections are refused,
    // and no other test can take the port meanwhile.
    let held = tokio::net::TcpSocket::new_v4().unwrap();
    held.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let dead = held.local_addr().unwrap();
    let server = serve(&["--api-url", &format!("http://{dead}/api/call")]);
    let mcp = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy);
    let r = mcp.call("ping", json!({})).await;
    assert_eq!(
        r["structuredContent"]["error"]["kind"], "unreachable",
        "{r}"
    );

    let mut opts = ds24_sandbox::SandboxOptions::in_memory();
    opts.fail_rate = 1.0;
    let failing = ds24_sandbox::start(opts, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let server = serve(&["--api-url", &failing.api_url()]);
    let mcp = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy);
    let r = mcp.call("ping", json!({})).await;
    assert_eq!(r["isError"], true, "{r}");
    assert!(text(&r).contains("HTTP 500"), "{r}");
    assert_eq!(
        mcp.raw("tools/list", json!({})).await.status,
        200,
        "still serving"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_argument_type_names_the_argument_and_sends_nothing() {
    let (up, server) = setup().await;
    for era in [Era::Legacy, Era::Modern] {
        let mcp = Mcp::new(server.url(), Some(FULL_KEY), era);
        let r = mcp.call("getProduct", json!({"product_id": "abc"})).await;
        assert_eq!(r["isError"], true, "{r}");
        assert!(
            text(&r).contains("`product_id`: expected an integer"),
            "{r}"
        );
        let r = mcp
            .call(
                "createPaymentplan",
                json!({"product_id": "1", "data": {"first_amount": true}}),
            )
            .await;
        assert!(
            text(&r).contains("`data.first_amount`: expected a number"),
            "{r}"
        );
        let r = mcp.call("listPurchases", json!({"frm": "-7d"})).await;
        assert!(text(&r).contains("`frm`: unknown argument"), "{r}");
    }
    assert_eq!(up.count(), 0, "nothing reached Digistore24");
    let mcp = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy);
    let r = mcp
        .rpc("tools/call", json!({"name": "noSuchTool", "arguments": {}}))
        .await;
    assert_eq!(r["error"]["code"], -32602, "{r}");
    for bad in [
        json!({"name": "ping", "arguments": "x"}),
        json!({"arguments": {}}),
        json!({"name": 5}),
    ] {
        let r = mcp.rpc("tools/call", bad.clone()).await;
        assert_eq!(r["error"]["code"], -32602, "{bad}: {r}");
        assert_eq!(r["id"], 1, "the error answers the request");
    }
    assert_eq!(up.count(), 0);
}

/// A request for a method the server has, with parameters that do not fit it, is -32602 with
/// the reason (not -32601 "method not found", which in the 2026-07-28 era also came as HTTP 404
/// and told the client the server had no tools); a cursor, which this server never issues, is
/// refused instead of answered with the first page again. Protocol review F3 and F7.
#[tokio::test(flavor = "multi_thread")]
async fn malformed_params_and_unknown_cursors_are_invalid_params() {
    let (up, server) = setup().await;
    for era in [Era::Legacy, Era::Modern] {
        let mcp = Mcp::new(server.url(), Some(READ_KEY), era);
        mcp.connect().await;
        for (method, params) in [
            ("resources/read", json!({})),
            ("resources/read", json!({"uri": 5})),
            (
                "prompts/get",
                json!({"name": "copy_product", "arguments": [1]}),
            ),
            ("prompts/get", json!({})),
            (
                "tools/call",
                json!({"name": "ping", "arguments": {}, "requestState": 5}),
            ),
        ] {
            let r = mcp.raw(method, params.clone()).await;
            assert_eq!(r.status, 200, "{era:?} {method} {params}: {}", r.body);
            assert_eq!(
                r.body["error"]["code"], -32602,
                "{era:?} {method} {params}: {}",
                r.body
            );
            assert_eq!(r.body["id"], 1, "{}", r.body);
            let message = r.body["error"]["message"].as_str().unwrap_or_default();
            assert!(message.contains(method), "{message}");
        }
        for method in [
            "tools/list",
            "prompts/list",
            "resources/list",
            "resources/templates/list",
        ] {
            let r = mcp.raw(method, json!({"cursor": "bogus"})).await;
            assert_eq!(
                r.body["error"]["code"], -32602,
                "{era:?} {method}: {}",
                r.body
            );
            assert!(r.body["error"]["message"].to_string().contains("cursor"));
            let r = mcp.rpc(method, json!({})).await;
            assert!(
                r["result"].is_object(),
                "{era:?} {method} without a cursor: {r}"
            );
        }
        let r = mcp.raw("no/such/method", json!({})).await;
        assert_eq!(r.body["error"]["code"], -32601, "{era:?}: {}", r.body);
        // A missing resource's URI comes back whole in the error's data (the conformance
        // suite's sep-2164 check); only its message shortens it.
        let uri = "test://nonexistent-resource-for-conformance-testing";
        let r = mcp.raw("resources/read", json!({ "uri": uri })).await;
        assert_eq!(r.body["error"]["data"]["uri"], uri, "{era:?}: {}", r.body);
        // A client's value is repeated only in part: a 1 MB cursor is no 1 MB answer.
        // Far more than any error may answer, and under the reader's limit for one text (so
        // the request reaches the method's own checks).
        let huge = "B".repeat(50_000);
        let r = mcp.raw("tools/list", json!({"cursor": huge})).await;
        assert_eq!(r.body["error"]["code"], -32602, "{era:?}");
        assert!(
            r.body.to_string().len() < 16_000,
            "{era:?}: {} bytes",
            r.body.to_string().len()
        );
        for (method, params) in [
            ("prompts/get", json!({"name": huge})),
            ("resources/read", json!({"uri": huge})),
            (
                "initialize",
                json!({"protocolVersion": 5, "capabilities": huge}),
            ),
            ("prompts/get", json!({"name": [huge]})),
            // The parser's own account quotes the offending value (`invalid type: string "…"`).
            (
                "prompts/get",
                json!({"name": "copy_product", "arguments": huge}),
            ),
        ] {
            let r = mcp.raw(method, params).await;
            let size = r.body.to_string().len();
            assert!(size < 16_000, "{era:?} {method}: {size} bytes");
        }
    }
    // In the 2026-07-28 era `initialize` and `ping` are removed methods: 404 and -32601, as the
    // official conformance suite checks (sep-2575), whatever their params.
    for method in ["initialize", "ping"] {
        let meta = json!({
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
            "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "0"}
        });
        let r = reqwest::Client::new()
            .post(server.url())
            .header("authorization", format!("Bearer {READ_KEY}"))
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2026-07-28")
            .header("mcp-method", method)
            .json(
                &json!({"jsonrpc": "2.0", "id": 500, "method": method, "params": {"_meta": meta}}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{method}");
        let body: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        assert_eq!(body["error"]["code"], -32601, "{method}: {body}");
    }
    assert_eq!(up.count(), 0, "nothing reached Digistore24");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_key_never_reaches_the_logs() {
    let secret = "98765-SeCrEtKeYdOnOtLoG0123456789";
    let up = upstream().await;
    let server = serve(&["--api-url", &up.api_url()]);
    let mcp = Mcp::new(server.url(), Some(secret), Era::Legacy);
    mcp.connect().await;
    let r = mcp.call("ping", json!({})).await;
    assert_eq!(
        r["isError"], true,
        "an unknown key is refused upstream: {r}"
    );
    assert!(
        !r.to_string().contains("SeCrEt"),
        "not echoed in the result"
    );
    let _ = mcp.call("getProduct", json!({"product_id": "abc"})).await;
    let bad = Mcp::new(server.url(), None, Era::Legacy)
        .header("authorization", &format!("Basic {secret}"));
    let reply = bad.raw("tools/list", json!({})).await;
    assert!(!reply.body.to_string().contains("SeCrEt"));
    let logs = server.logs();
    assert!(
        logs.contains("tool call"),
        "the call was logged at all:\n{logs}"
    );
    assert!(!logs.contains("SeCrEt"), "key leaked into logs:\n{logs}");
    assert_eq!(
        up.take().pop().unwrap().key.as_deref(),
        Some(secret),
        "but it was forwarded upstream"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_body_is_413_and_malformed_json_is_a_parse_error() {
    let (_up, server) = setup().await;
    let client = reqwest::Client::new();
    let big = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{{"x":"{}"}}}}"#,
        "a".repeat(2 << 20)
    );
    let r = client
        .post(server.url())
        .header("authorization", "Bearer sandbox-read")
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let r = client
        .post(server.url())
        .header("authorization", "Bearer sandbox-read")
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let body: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(body["error"]["code"], -32700, "{status} {body}");
    assert_eq!(status, 400);
    assert!(
        body.get("id").is_none(),
        "no id could be read, so none is answered (MCP's schema has no null id): {body}"
    );
    // JSON in form that cannot be read whole (a number beyond a float's range): the answer
    // names the request it refuses, so a client can match it (this stop's F5 follow-up).
    let r = client
        .post(server.url())
        .header("authorization", "Bearer sandbox-read")
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(r#"{"jsonrpc":"2.0","id":77,"method":"tools/call","params":{"name":"listProducts","arguments":{"page_size":1e400}}}"#)
        .send()
        .await
        .unwrap();
    let body: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(body["error"]["code"], -32700, "{body}");
    assert_eq!(body["id"], 77, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("number out of range"),
        "{body}"
    );
    let r = client
        .post(server.url())
        .header("authorization", "Bearer sandbox-read")
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(r#"{"foo": 1}"#)
        .send()
        .await
        .unwrap();
    let body: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(body["error"]["code"], -32600, "{body}");
    assert!(body.get("id").is_none(), "{body}");
    let mcp = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy);
    assert_eq!(
        mcp.raw("tools/list", json!({})).await.status,
        200,
        "still serving"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn calls_are_rate_limited_per_key() {
    let up = upstream().await;
    let server = serve(&["--api-url", &up.api_url(), "--key-rate-limit", "1"]);
    let mcp = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy);
    // A burst of twice the rate passes, then the key has to wait. The bucket refills while
    // the calls run, so how many pass depends on how long they take: at most the burst plus
    // one per second.
    let started = std::time::Instant::now();
    let mut passed = 0u32;
    let mut limited = None;
    for _ in 0..10 {
        let r = mcp.call("ping", json!({})).await;
        if r["isError"] == true {
            limited = Some(r);
            break;
        }
        passed += 1;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let r = limited.expect("a key is limited");
    assert_eq!(
        r["structuredContent"]["error"]["kind"], "rate_limited",
        "{r}"
    );
    assert!(text(&r).contains("retry in"), "{r}");
    assert!(passed >= 2, "the burst of 2 passes: {passed}");
    assert!(
        f64::from(passed) <= 2.0 + elapsed.ceil(),
        "{passed} calls passed in {elapsed:.2} s at 1/s, burst 2"
    );
    let other = Mcp::new(server.url(), Some(FULL_KEY), Era::Legacy);
    assert_ne!(
        other.call("ping", json!({})).await["isError"],
        true,
        "other keys are not affected"
    );
    assert_eq!(
        up.count(),
        usize::try_from(passed).unwrap() + 1,
        "the limited call was not sent"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_legacy_protocol_version_initializes() {
    let (_up, server) = setup().await;
    for version in ["2025-11-25", "2025-06-18", "2025-03-26"] {
        let mcp = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy);
        let r = mcp
            .raw(
                "initialize",
                json!({"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}),
            )
            .await;
        assert_eq!(r.status, 200);
        assert_eq!(r.body["result"]["protocolVersion"], version, "{}", r.body);
        assert!(
            r.headers.get("mcp-session-id").is_none(),
            "stateless: no session"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_lets_in_flight_calls_finish() {
    let mut opts = ds24_sandbox::SandboxOptions::in_memory();
    opts.latency = std::time::Duration::from_millis(1500);
    let slow = ds24_sandbox::start(opts, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let mut server = serve(&["--api-url", &slow.api_url()]);
    let mcp = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy);
    let call = tokio::spawn({
        let mcp = mcp.clone();
        async move { mcp.call("ping", json!({})).await }
    });
    // Signal once the call is in flight: the server logs each HTTP request it starts.
    let logs = server.logs.clone();
    tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while !logs.lock().unwrap().contains("tools/call") {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the call reached the server");
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &server.pid().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let result = call.await.unwrap();
    assert_ne!(
        result["isError"], true,
        "the in-flight call completed: {result}"
    );
    let status = server.wait();
    assert!(status.success(), "clean exit: {status:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_results_keep_leading_rows_and_explain_paging() {
    let (_up, server) = setup().await;
    let mcp = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy);
    let big = mcp
        .call(
            "listPurchases",
            json!({"from": "start", "to": "now", "page_size": 1000}),
        )
        .await;
    assert_ne!(big["isError"], true, "{big}");
    let s = &big["structuredContent"];
    // The cap (48 KB by default) holds for the whole answer: the text plus structured content.
    let both = text(&big).len() + s.to_string().len();
    assert!(both <= 48_000, "{both} bytes");
    let shown = s["purchase_list"].as_array().unwrap().len();
    assert_eq!(s["_truncated"]["shown"], shown);
    // The named next call continues exactly at the first row that was cut.
    let next = &s["_truncated"]["next"];
    let continued = mcp
        .ok(
            "listPurchases",
            json!({"from": "start", "to": "now", "page_size": next["page_size"], "page_no": next["page_no"]}),
        )
        .await;
    // Row number `shown` (counting from 0) of the whole list, on a page of one.
    let first_cut = mcp
        .ok(
            "listPurchases",
            json!({"from": "start", "to": "now", "page_size": 1, "page_no": shown + 1}),
        )
        .await;
    assert!(first_cut["purchase_list"][0]["id"].is_string());
    assert_eq!(
        continued["purchase_list"][0]["id"], first_cut["purchase_list"][0]["id"],
        "the first row of the next call is the first row that was cut"
    );
    assert!(s["_truncated"]["of"].as_u64().unwrap() > shown as u64);
    assert!(
        s["_truncated"]["note"]
            .as_str()
            .unwrap()
            .contains("page_no")
    );
    let small = mcp
        .call(
            "listPurchases",
            json!({"from": "start", "to": "now", "page_size": 20}),
        )
        .await;
    assert!(small["structuredContent"].get("_truncated").is_none());
    assert_eq!(
        small["structuredContent"]["purchase_list"]
            .as_array()
            .unwrap()
            .len(),
        20
    );
}

/// Review of operations, finding 9: SIGHUP (what log rotation sends by habit) used to end the
/// server at once, in-flight calls and all. It is logged and ignored; the server serves on.
#[tokio::test(flavor = "multi_thread")]
async fn sighup_is_ignored_and_the_server_serves_on() {
    let (_up, server) = setup().await;
    let hup = std::process::Command::new("kill")
        .args(["-HUP", &server.pid().to_string()])
        .status()
        .unwrap();
    assert!(hup.success());
    server.log_line(|l| l.contains("SIGHUP ignored")).await;
    let mcp = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy);
    mcp.ok("listProducts", json!({})).await;
}

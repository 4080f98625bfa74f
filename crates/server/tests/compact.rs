//! Compact mode over real HTTP: four small tools reach every function, narrowing still
//! applies, and the vendor's examples leave the same account state as with the full tools.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::{Value, json};
use support::*;

/// A compact-mode client: the `/mcp/compact` path.
fn compact(server: &Server, key: &str, era: Era) -> Mcp {
    Mcp::new(format!("{}/mcp/compact", server.base), Some(key), era)
}

#[tokio::test(flavor = "multi_thread")]
async fn four_tools_in_under_5_kb_by_path_header_or_flag() {
    let up = upstream().await;
    let server = serve(&["--api-url", &up.api_url()]);
    for mcp in [
        compact(&server, READ_KEY, Era::Legacy),
        Mcp::new(server.url(), Some(READ_KEY), Era::Modern).header("X-DS24-Mode", "compact"),
    ] {
        let reply = mcp.rpc("tools/list", json!({})).await;
        let tools = reply["result"]["tools"].as_array().unwrap();
        let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert_eq!(
            names,
            [
                "searchTools",
                "describeTool",
                "callTool",
                "callDestructiveTool"
            ]
        );
        let bytes = reply["result"]["tools"].to_string().len();
        assert!(bytes <= 5 * 1024, "{bytes} bytes");
    }
    let full = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy);
    assert!(
        full.tool_names().await.len() > 3,
        "the plain path stays full"
    );
    let bad = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy).header("X-DS24-Mode", "tiny");
    assert_eq!(bad.raw("tools/list", json!({})).await.status, 400);
    let flagged = serve(&["--api-url", &up.api_url(), "--mode", "compact"]);
    let mcp = Mcp::new(flagged.url(), Some(READ_KEY), Era::Legacy);
    assert_eq!(mcp.tool_names().await.len(), 4);
    // Where nothing can write there is no destructive call tool.
    let read_only = Mcp::new(
        format!("{}/mcp/readonly", flagged.base),
        Some(READ_KEY),
        Era::Legacy,
    );
    assert_eq!(
        read_only.tool_names().await,
        ["searchTools", "describeTool", "callTool"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn search_describe_and_call_reach_a_function() {
    let up = upstream().await;
    let server = serve(&["--api-url", &up.api_url()]);
    let mcp = compact(&server, READ_KEY, Era::Legacy);
    let found = mcp
        .ok("searchTools", json!({"query": "list products"}))
        .await;
    let names: Vec<&str> = found["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"listProducts"), "{found}");
    let described = mcp.ok("describeTool", json!({"name": "getProduct"})).await;
    assert_eq!(described["inputSchema"]["required"], json!(["product_id"]));
    assert_eq!(described["toolset"], "products");
    let listed = mcp
        .ok("callTool", json!({"name": "listProducts", "arguments": {}}))
        .await;
    assert!(!listed["products"].as_array().unwrap().is_empty());
    let sent = up.take();
    assert_eq!(sent.len(), 1, "search and describe send nothing");
    assert_eq!(sent[0].function, "listProducts");
    // Bad arguments are checked as for a direct call, before anything is sent.
    let bad = mcp
        .call(
            "callTool",
            json!({"name": "getProduct", "arguments": {"product_id": "abc"}}),
        )
        .await;
    assert_eq!(bad["isError"], true);
    assert!(text(&bad).contains("`product_id`"), "{bad}");
    assert_eq!(up.count(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn narrowing_and_read_only_apply_to_what_compact_mode_reaches() {
    let up = upstream().await;
    let server = serve(&["--api-url", &up.api_url()]);
    let mcp = compact(&server, FULL_KEY, Era::Legacy)
        .header("X-DS24-Read-Only", "true")
        .header("X-DS24-Toolsets", "vouchers");
    let found = mcp
        .ok("searchTools", json!({"query": "product voucher"}))
        .await;
    for t in found["tools"].as_array().unwrap() {
        assert_eq!(t["kind"], "read", "{t}");
        let name = t["name"].as_str().unwrap();
        assert_eq!(ds24_catalog::get(name).unwrap().toolset.id, "vouchers");
    }
    let hidden = mcp
        .call("describeTool", json!({"name": "createVoucher"}))
        .await;
    assert_eq!(hidden["isError"], true);
    let refused = mcp
        .call(
            "callTool",
            json!({"name": "createVoucher", "arguments": {"data": {"code": "X1"}}}),
        )
        .await;
    assert_eq!(refused["isError"], true);
    assert!(text(&refused).contains("read-only"), "{refused}");
    let narrowed = mcp
        .call("callTool", json!({"name": "listProducts", "arguments": {}}))
        .await;
    assert_eq!(narrowed["isError"], true);
    assert_eq!(up.count(), 0, "refusals send nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn destructive_calls_through_call_tool_are_confirmed() {
    let up = upstream().await;
    let server = serve(&[
        "--api-url",
        &up.api_url(),
        "--tools",
        "deleteVoucher,createVoucher",
    ]);
    let mut mcp = compact(&server, FULL_KEY, Era::Modern);
    mcp.elicitation = true;
    mcp.ok("callTool", json!({"name": "createVoucher", "arguments": {"data": {"code": "GONE10", "first_rate": 10}}}))
        .await;
    up.take();
    let asked = mcp
        .call(
            "callDestructiveTool",
            json!({"name": "deleteVoucher", "arguments": {"code": "GONE10"}}),
        )
        .await;
    assert_eq!(asked["resultType"], "input_required", "{asked}");
    assert_eq!(up.count(), 0, "nothing happens before the user answers");
    let state = asked["requestState"].as_str().unwrap();
    let answered = mcp
        .rpc(
            "tools/call",
            json!({"name": "callDestructiveTool", "arguments": {"name": "deleteVoucher", "arguments": {"code": "GONE10"}},
                   "requestState": state,
                   "inputResponses": {"confirm": {"action": "accept", "content": {"confirm": true}}}}),
        )
        .await;
    assert_ne!(answered["result"]["isError"], true, "{answered}");
    let sent = up.take();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].function, "deleteVoucher");
}

/// Review of secrets and compact mode (S4): a client that cannot answer the server's
/// confirmation question relies on its own approval prompt, per tool. `callTool` is not
/// destructive and refuses destructive calls, naming `callDestructiveTool`, so approving
/// `callTool` for reads ("always allow") never approves a delete or a refund.
#[tokio::test(flavor = "multi_thread")]
async fn call_tool_refuses_destructive_calls_for_the_destructive_call_tool() {
    let up = upstream().await;
    let server = serve(&["--api-url", &up.api_url(), "--toolsets", "all"]);
    let mcp = compact(&server, FULL_KEY, Era::Legacy);
    let tools = mcp.rpc("tools/list", json!({})).await["result"]["tools"].clone();
    let hint = |name: &str| {
        tools
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .map(|t| t["annotations"]["destructiveHint"].clone())
    };
    assert_eq!(hint("callTool"), Some(json!(false)), "{tools}");
    assert_eq!(hint("callDestructiveTool"), Some(json!(true)), "{tools}");
    mcp.ok(
        "callTool",
        json!({"name": "createVoucher", "arguments": {"data": {"code": "KEEP10", "first_rate": 10}}}),
    )
    .await;
    up.take();
    // Destructive by function, under its name and its hosted-server alias, and destructive by
    // value (cancelling a delivery).
    let alias = ds24_catalog::get("deleteVoucher").unwrap().official_name();
    for (name, args) in [
        ("deleteVoucher", json!({"code": "KEEP10"})),
        (alias.as_str(), json!({"code": "KEEP10"})),
        (
            "updateDelivery",
            json!({"delivery_id": "1", "data": {"type": "cancel"}}),
        ),
    ] {
        let refused = mcp
            .call("callTool", json!({"name": name, "arguments": args}))
            .await;
        assert_eq!(refused["isError"], true, "{refused}");
        assert!(text(&refused).contains("callDestructiveTool"), "{refused}");
        assert_eq!(up.count(), 0, "{name}: nothing was sent");
    }
    assert!(
        mcp.ok(
            "callTool",
            json!({"name": "getVoucher", "arguments": {"code": "KEEP10"}})
        )
        .await
        .to_string()
        .contains("KEEP10"),
        "the voucher is still there"
    );
    up.take();
    let deleted = mcp
        .call(
            "callDestructiveTool",
            json!({"name": "deleteVoucher", "arguments": {"code": "KEEP10"}}),
        )
        .await;
    assert_ne!(deleted["isError"], true, "{deleted}");
    assert_eq!(up.take()[0].function, "deleteVoucher");
}

/// The vendor's examples, once through the full tools and once through compact mode, on two
/// sandboxes generated from the same seed: the accounts end up the same.
#[tokio::test(flavor = "multi_thread")]
async fn the_vendors_examples_leave_the_same_state_in_both_modes() {
    async fn run(compact_mode: bool) -> Vec<Value> {
        let up = upstream().await;
        let server = serve(&["--api-url", &up.api_url()]);
        let mcp = if compact_mode {
            compact(&server, FULL_KEY, Era::Legacy)
        } else {
            Mcp::new(server.url(), Some(FULL_KEY), Era::Legacy)
        };
        let call = |name: &'static str, args: Value| {
            let mcp = mcp.clone();
            async move {
                if compact_mode {
                    let tool = if name == "updatePaymentplan" {
                        "callDestructiveTool"
                    } else {
                        "callTool"
                    };
                    mcp.ok(tool, json!({"name": name, "arguments": args})).await
                } else {
                    mcp.ok(name, args).await
                }
            }
        };
        let source = call("listProducts", json!({})).await["products"][0]["id"]
            .as_str()
            .map(str::to_owned)
            .unwrap();
        let copy = call(
            "copyProduct",
            json!({"product_id": source, "data": {"name_en": "Webinar October", "is_active": false}}),
        )
        .await;
        let copy_id = copy["product_id"].to_string().trim_matches('"').to_owned();
        let plans = call("listPaymentPlans", json!({"product_id": copy_id})).await;
        let plan_id = plans["items"][0]["id"]
            .to_string()
            .trim_matches('"')
            .to_owned();
        call(
            "updatePaymentplan",
            json!({"paymentplan_id": plan_id, "data": {"first_amount": 89.99, "currency": "EUR", "number_of_installments": 1}}),
        )
        .await;
        let created = call(
            "createProduct",
            json!({"data": {"name_en": "Masterclass Pricing", "salespage_url": "https://example.com/m"}}),
        )
        .await;
        let created_id = created["product_id"]
            .to_string()
            .trim_matches('"')
            .to_owned();
        call(
            "createVoucher",
            json!({"data": {"code": "LAUNCH10", "product_ids": source, "first_rate": 10, "expires_at": "7d"}}),
        )
        .await;
        let mut state = Vec::new();
        for (name, args) in [
            ("getProduct", json!({"product_id": copy_id})),
            ("listPaymentPlans", json!({"product_id": copy_id})),
            ("getProduct", json!({"product_id": created_id})),
            ("getVoucher", json!({"code": "LAUNCH10"})),
        ] {
            state.push(without_times(call(name, args).await));
        }
        state
    }
    let full = run(false).await;
    let compact_state = run(true).await;
    assert_eq!(full, compact_state);
    assert!(
        full[1]["items"][0]["first_amount"] == "89.99",
        "{}",
        full[1]
    );
}

/// Drops timestamps, which differ by the seconds between the two runs.
fn without_times(v: Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| !k.ends_with("_at") && k != "expires" && k != "modified")
                .map(|(k, v)| (k, without_times(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_times).collect()),
        other => other,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn search_arguments_are_bounded_and_searches_count_against_the_rate_limit() {
    let up = upstream().await;
    let server = serve(&["--api-url", &up.api_url(), "--key-rate-limit", "1"]);
    let mcp = compact(&server, READ_KEY, Era::Legacy);
    let long = mcp
        .call("searchTools", json!({"query": "ab ".repeat(10_000)}))
        .await;
    assert_eq!(long["isError"], true, "{long}");
    assert!(text(&long).contains("at most 200 characters"), "{long}");
    let unknown = mcp
        .call(
            "describeTool",
            json!({"name": "getProduct", "verbose": true}),
        )
        .await;
    assert_eq!(unknown["isError"], true, "{unknown}");
    // A burst of two per second, then "slow down", without any call upstream.
    let mut limited = false;
    for _ in 0..10 {
        let r = mcp.call("searchTools", json!({"query": "vouchers"})).await;
        if r["isError"] == true {
            assert!(text(&r).contains("slow down"), "{r}");
            limited = true;
        }
    }
    assert!(limited, "searches are rate limited");
    assert_eq!(up.count(), 0);
}

/// A misspelled function named to callTool is a tool error pointing to searchTools, which the
/// model can act on: not a protocol error telling it to call tools/list (which in compact mode
/// lists only the four tools), and which many clients keep from the model. In both eras.
#[tokio::test(flavor = "multi_thread")]
async fn call_tool_with_an_unknown_function_points_to_search_tools() {
    let up = upstream().await;
    let server = serve(&["--api-url", &up.api_url()]);
    for era in [Era::Legacy, Era::Modern] {
        let mcp = compact(&server, FULL_KEY, era);
        for tool in ["callTool", "callDestructiveTool"] {
            let r = mcp
                .call(
                    tool,
                    json!({"name": "getProdukt", "arguments": {"product_id": 1}}),
                )
                .await;
            assert_eq!(r["isError"], true, "{tool}: {r}");
            assert!(text(&r).contains("searchTools"), "{tool}: {r}");
        }
    }
    assert_eq!(up.count(), 0);
}

/// Protocol review F9: a 2026-07-28 retry that carries the question's state but not its answer
/// (no `inputResponses`, another key, or an accept without content) is asked again, as the
/// spec asks, instead of ending the call as "the user declined" when nobody was asked.
#[tokio::test(flavor = "multi_thread")]
async fn a_retry_without_the_answer_is_asked_again() {
    let up = upstream().await;
    let server = serve(&["--api-url", &up.api_url(), "--toolsets", "all"]);
    let mut mcp = Mcp::new(server.url(), Some(FULL_KEY), Era::Modern);
    mcp.elicitation = true;
    let args = json!({"code": "SPRING24"});
    let asked = mcp.call("deleteVoucher", args.clone()).await;
    assert_eq!(asked["resultType"], "input_required", "{asked}");
    let state = asked["requestState"].as_str().unwrap().to_owned();
    for responses in [
        None,
        Some(json!({"other": {"action": "accept", "content": {"confirm": true}}})),
        Some(json!({"confirm": {"action": "accept"}})),
    ] {
        let mut params = json!({"name": "deleteVoucher", "arguments": args, "requestState": state});
        if let Some(r) = &responses {
            params["inputResponses"] = r.clone();
        }
        let again = mcp.rpc("tools/call", params).await;
        assert_eq!(
            again["result"]["resultType"], "input_required",
            "{responses:?}: {again}"
        );
    }
    assert_eq!(up.count(), 0, "nothing was sent");
}

//! Toolsets, read-only mode and per-request narrowing over HTTP, and the confirmation of
//! destructive calls for clients that can confirm.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::json;
use support::*;

#[tokio::test(flavor = "multi_thread")]
async fn read_only_server_hides_and_refuses_writes() {
    let up = upstream().await;
    let server = serve(&["--api-url", &up.api_url(), "--read-only"]);
    let mcp = Mcp::new(server.url(), Some(FULL_KEY), Era::Legacy);
    let tools = mcp.list_tools().await;
    assert!(!tools.is_empty());
    assert!(
        tools
            .iter()
            .all(|t| t["annotations"]["readOnlyHint"] == true),
        "only reads are listed"
    );
    assert!(!tools.iter().any(|t| t["name"] == "createProduct"));
    let get_delivery = tools
        .iter()
        .find(|t| t["name"] == "getDelivery")
        .expect("reads with a write option stay");
    assert!(
        get_delivery["inputSchema"]["properties"]
            .get("set_in_progress")
            .is_none(),
        "minus the write option"
    );
    let r = mcp
        .call("createProduct", json!({"data": {"name_de": "x"}}))
        .await;
    assert_eq!(r["isError"], true);
    let t = text(&r);
    assert!(
        t.contains("read-only") && t.contains("--read-only") && t.contains("write connection"),
        "{t}"
    );
    let r = mcp
        .call(
            "getDelivery",
            json!({"delivery_id": 1, "set_in_progress": true}),
        )
        .await;
    assert!(
        text(&r).contains("`set_in_progress`: unknown argument"),
        "{r}"
    );
    assert_eq!(up.count(), 0, "nothing was sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn per_request_narrowing_never_widens() {
    let up = upstream().await;
    let server = serve(&[
        "--api-url",
        &up.api_url(),
        "--toolsets",
        "products,statistics,refunds",
    ]);
    let base = Mcp::new(server.url(), Some(FULL_KEY), Era::Legacy);
    let all = base.tool_names().await;
    assert!(all.contains(&"refundPurchase".to_owned()) && all.contains(&"statsSales".to_owned()));
    assert!(!all.contains(&"listPurchases".to_owned()));

    let narrowed = base.clone().header("X-DS24-Toolsets", "products,purchases");
    let names = narrowed.tool_names().await;
    assert!(
        names
            .iter()
            .all(|n| ds24_catalog::get(n).unwrap().toolset.id == "products"),
        "{names:?}"
    );
    assert!(
        !names.contains(&"listPurchases".to_owned()),
        "a header cannot enable a toolset the server left out"
    );
    let r = narrowed.call("statsSales", json!({})).await;
    assert!(text(&r).contains("X-DS24-Toolsets"), "{r}");

    for (path, header) in [
        ("/readonly", None),
        ("/mcp/readonly", None),
        ("/mcp", Some("true")),
    ] {
        let mut mcp = Mcp::new(
            format!("{}{path}", server.base),
            Some(FULL_KEY),
            Era::Modern,
        );
        if let Some(h) = header {
            mcp = mcp.header("X-DS24-Read-Only", h);
        }
        let tools = mcp.list_tools().await;
        assert!(
            tools
                .iter()
                .all(|t| t["annotations"]["readOnlyHint"] == true),
            "{path}"
        );
        let r = mcp
            .call("refundPurchase", json!({"purchase_id": "ABCD1234"}))
            .await;
        assert_eq!(r["isError"], true);
        assert!(text(&r).contains("read-only"), "{r}");
    }
    let bad = base.clone().header("X-DS24-Toolsets", "prodcts");
    let r = bad.raw("tools/list", json!({})).await;
    assert_eq!(r.status, 400);
    assert!(r.body.to_string().contains("prodcts"));
    assert_eq!(up.count(), 0, "refusals send nothing upstream");
}

#[tokio::test(flavor = "multi_thread")]
async fn disabled_tools_explain_how_to_enable_them() {
    let up = upstream().await;
    let server = serve(&[
        "--api-url",
        &up.api_url(),
        "--exclude-tools",
        "listProducts",
    ]);
    let mcp = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy);
    let names = mcp.tool_names().await;
    assert_eq!(
        names.len(),
        ds24_catalog::all().filter(|f| f.is_default()).count() - 1
    );
    assert!(!names.contains(&"listProducts".to_owned()));
    let r = mcp.call("ipnInfo", json!({})).await;
    assert!(text(&r).contains("--toolsets ipn"), "{r}");
    let r = mcp.call("listProducts", json!({})).await;
    assert_eq!(r["isError"], true);
    assert_eq!(up.count(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn destructive_calls_are_confirmed_by_modern_clients_that_can() {
    let up = upstream().await;
    let server = serve(&["--api-url", &up.api_url(), "--toolsets", "all"]);
    let mut mcp = Mcp::new(server.url(), Some(FULL_KEY), Era::Modern);
    mcp.elicitation = true;
    let args = json!({"code": "NO-SUCH-VOUCHER"});
    let first = mcp.call("deleteVoucher", args.clone()).await;
    assert_eq!(first["resultType"], "input_required", "{first}");
    let state = first["requestState"]
        .as_str()
        .expect("sealed state")
        .to_owned();
    assert!(
        first["inputRequests"]["confirm"]["params"]["message"]
            .as_str()
            .unwrap()
            .contains("cannot be undone"),
        "{first}"
    );
    assert_eq!(up.count(), 0, "nothing happens before the user answers");

    let declined = mcp
        .rpc(
            "tools/call",
            json!({"name": "deleteVoucher", "arguments": args, "requestState": state,
                   "inputResponses": {"confirm": {"action": "decline"}}}),
        )
        .await;
    assert_eq!(declined["result"]["isError"], true, "{declined}");
    assert_eq!(up.count(), 0);

    let forged = mcp
        .rpc(
            "tools/call",
            json!({"name": "deleteVoucher", "arguments": {"code": "OTHER"}, "requestState": state,
                   "inputResponses": {"confirm": {"action": "accept", "content": {"confirm": true}}}}),
        )
        .await;
    assert!(
        forged.get("error").is_some(),
        "state bound to other arguments is refused: {forged}"
    );

    // A declined question is used up; the client asks again.
    let again = mcp.call("deleteVoucher", args.clone()).await;
    let state = again["requestState"]
        .as_str()
        .expect("sealed state")
        .to_owned();
    let accept = json!({"name": "deleteVoucher", "arguments": args, "requestState": state,
                        "inputResponses": {"confirm": {"action": "accept", "content": {"confirm": true}}}});
    let accepted = mcp.rpc("tools/call", accept.clone()).await;
    assert!(accepted["result"]["content"].is_array(), "{accepted}");
    assert_eq!(up.take().len(), 1, "sent once, after confirmation");
    // The same "yes" again (a retry) does not run the call a second time.
    let replayed = mcp.rpc("tools/call", accept).await;
    assert!(replayed.get("error").is_some(), "{replayed}");
    assert_eq!(up.count(), 0, "one confirmation, one call");

    // Legacy clients cannot be asked in a stateless server: their own approval prompt,
    // driven by destructiveHint, is the confirmation.
    let legacy = Mcp::new(server.url(), Some(FULL_KEY), Era::Legacy);
    let tools = legacy.list_tools().await;
    let t = tools.iter().find(|t| t["name"] == "deleteVoucher").unwrap();
    assert_eq!(t["annotations"]["destructiveHint"], true);
    legacy.call("deleteVoucher", args).await;
    assert_eq!(up.take().len(), 1);
}

/// A write that only some values make destructive: cancelling a delivery is asked about,
/// adding a tracking number is not (Digistore24: type cancel or return, or is_shipped N,
/// cancels the delivery).
#[tokio::test(flavor = "multi_thread")]
async fn cancelling_a_delivery_is_confirmed_and_tracking_is_not() {
    let up = upstream().await;
    let server = serve(&["--api-url", &up.api_url()]);
    let mut mcp = Mcp::new(server.url(), Some(FULL_KEY), Era::Modern);
    mcp.elicitation = true;
    for data in [
        json!({"type": "cancel"}),
        json!({"type": "return"}),
        json!({"is_shipped": false}),
        json!({"quantity_delivered": 1, "type": "cancel"}),
    ] {
        let args = json!({"delivery_id": 6446755, "data": data, "notify_via_email": false});
        let r = mcp.call("updateDelivery", args.clone()).await;
        assert_eq!(r["resultType"], "input_required", "{args}: {r}");
        assert_eq!(
            up.count(),
            0,
            "{args}: nothing sent before the user answers"
        );
    }
    for data in [
        json!({"type": "delivery"}),
        json!({"is_shipped": true}),
        json!({"add_quantity_delivered": 1}),
    ] {
        let args = json!({"delivery_id": 6446755, "data": data,
                          "tracking": [{"parcel_service": "dhl", "tracking_id": "1234567890"}]});
        let r = mcp.call("updateDelivery", args.clone()).await;
        assert!(
            r.get("resultType").is_none_or(|t| t == "complete"),
            "{args}: {r}"
        );
        assert_eq!(up.take().len(), 1, "{args}: sent without a question");
    }
    let tools = mcp.rpc("tools/list", json!({})).await;
    let tool = tools["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "updateDelivery")
        .unwrap();
    assert_eq!(tool["annotations"]["destructiveHint"], true, "{tool}");
    assert!(
        tool["annotations"].get("idempotentHint").is_none(),
        "{tool}"
    );
}

//! Prompts for the vendor's workflows and reference data as resources, over real HTTP in both
//! protocol eras.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::json;
use support::*;

#[tokio::test(flavor = "multi_thread")]
async fn prompts_are_listed_and_rendered_with_their_arguments() {
    let up = upstream().await;
    let server = serve(&["--api-url", &up.api_url()]);
    for era in [Era::Legacy, Era::Modern] {
        let mcp = Mcp::new(server.url(), Some(READ_KEY), era);
        let list = mcp.rpc("prompts/list", json!({})).await;
        let prompts = list["result"]["prompts"].as_array().unwrap();
        let names: Vec<&str> = prompts
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "copy_product",
                "create_product",
                "launch_discount_code",
                "sales_report"
            ],
            "{era:?}"
        );
        if era == Era::Modern {
            assert!(list["result"]["ttlMs"].is_number(), "{list}");
        }
        let got = mcp
            .rpc(
                "prompts/get",
                json!({"name": "copy_product", "arguments": {"product_id": "12345", "name": "Webinar October", "price": "89.99"}}),
            )
            .await;
        let text = got["result"]["messages"][0]["content"]["text"]
            .as_str()
            .unwrap();
        assert!(
            text.contains("copy product 12345 as 'Webinar October'") && text.contains("89.99 EUR"),
            "{text}"
        );
        // A one-time plan keeps no follow-up amount of the plan it was copied from.
        assert!(text.contains("other_amounts 0"), "{text}");
        let missing = mcp
            .rpc(
                "prompts/get",
                json!({"name": "copy_product", "arguments": {"name": "x"}}),
            )
            .await;
        assert_eq!(missing["error"]["code"], -32602, "{missing}");
        assert!(
            missing["error"]["message"]
                .as_str()
                .unwrap()
                .contains("product_id")
        );
        // Journey review 4: a value the workflow cannot use is refused, not written in.
        let vague = mcp
            .rpc(
                "prompts/get",
                json!({"name": "launch_discount_code", "arguments": {"code": "X", "percent": "15", "days": "two weeks"}}),
            )
            .await;
        assert_eq!(vague["error"]["code"], -32602, "{vague}");
        assert!(
            vague["error"]["message"]
                .as_str()
                .unwrap()
                .contains("`days` must be a whole number of days"),
            "{vague}"
        );
    }
    assert_eq!(up.count(), 0, "prompts need no Digistore24 call");
}

#[tokio::test(flavor = "multi_thread")]
async fn reference_resources_read_digistore24_through_the_pipeline() {
    let up = upstream().await;
    let server = serve(&["--api-url", &up.api_url()]);
    let mcp = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy);
    let list = mcp.rpc("resources/list", json!({})).await;
    let uris: Vec<&str> = list["result"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uri"].as_str().unwrap())
        .collect();
    assert!(uris.contains(&"ds24://reference/countries"), "{list}");
    let read = mcp
        .rpc(
            "resources/read",
            json!({"uri": "ds24://reference/countries"}),
        )
        .await;
    let contents = &read["result"]["contents"][0];
    assert_eq!(contents["mimeType"], "application/json");
    let countries: serde_json::Value =
        serde_json::from_str(contents["text"].as_str().unwrap()).unwrap();
    assert!(countries.to_string().contains("DE"), "{countries}");
    let sent = up.take();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].function, "listCountries");
    assert_eq!(sent[0].key.as_deref(), Some(READ_KEY));
    // Narrowing applies: a connection limited to another toolset cannot read it.
    let narrowed =
        Mcp::new(server.url(), Some(READ_KEY), Era::Legacy).header("X-DS24-Toolsets", "products");
    let refused = narrowed
        .rpc(
            "resources/read",
            json!({"uri": "ds24://reference/countries"}),
        )
        .await;
    // Protocol review F6: a read that fails is an internal error, not an invalid request.
    assert_eq!(refused["error"]["code"], -32603, "{refused}");
    let listed = narrowed.rpc("resources/list", json!({})).await;
    let listed: Vec<&str> = listed["result"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uri"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        ["ds24://reference/product-types"],
        "only what the connection may read"
    );
    // "Resource not found" per era: -32002 before 2026-07-28, -32602 since.
    let unknown = mcp
        .rpc("resources/read", json!({"uri": "ds24://reference/nope"}))
        .await;
    assert_eq!(unknown["error"]["code"], -32002, "{unknown}");
    let modern = Mcp::new(server.url(), Some(READ_KEY), Era::Modern);
    let unknown = modern
        .rpc("resources/read", json!({"uri": "ds24://reference/nope"}))
        .await;
    assert_eq!(unknown["error"]["code"], -32602, "{unknown}");
    assert_eq!(up.count(), 0);
}

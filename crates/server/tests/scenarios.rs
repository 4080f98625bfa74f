//! The documented example prompts as the tool-call sequences an agent makes, through the real
//! MCP server, each checked afterwards against the sandbox's own state, read directly over the
//! Digistore24 wire protocol (not through the server under test).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::{Duration, NaiveDateTime, Utc};
use serde_json::{Value, json};
use support::*;

/// Calls the sandbox directly, as any Digistore24 client would.
async fn sandbox(up: &Upstream, function: &str, form: &[(&str, &str)]) -> Value {
    let url = format!("{}/{function}", up.sandbox.as_ref().unwrap().api_url());
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let resp = reqwest::Client::new()
        .post(url)
        .header("X-DS-API-KEY", FULL_KEY)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["result"], "success", "{function}: {v}");
    v["data"].clone()
}

/// Every value stored under `key` anywhere in `v`.
fn values_of<'a>(v: &'a Value, key: &str, out: &mut Vec<&'a Value>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                if k == key {
                    out.push(x);
                }
                values_of(x, key, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|x| values_of(x, key, out)),
        _ => {}
    }
}

fn has(v: &Value, key: &str, want: &str) -> bool {
    let mut found = Vec::new();
    values_of(v, key, &mut found);
    found
        .iter()
        .any(|x| x.as_str() == Some(want) || x.as_f64().is_some_and(|n| want.parse() == Ok(n)))
}

fn id_of(v: &Value, key: &str) -> String {
    let x = &v[key];
    x.as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| x.to_string())
}

fn count(v: &Value) -> u64 {
    v["item_count"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .or(v["item_count"].as_u64())
        .unwrap_or_else(|| panic!("no item_count in {v}"))
}

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// Every row of a paged list, fetched page by page as an agent would: when an answer is cut to
/// fit, it follows the answer's own `_truncated.next` call, which must continue exactly at the
/// first row that was cut.
async fn all_rows(mcp: &Mcp, tool: &str, mut args: Value, field: &str) -> Vec<Value> {
    let mut rows = Vec::new();
    args["page_no"] = json!(1);
    args["page_size"] = json!(100);
    loop {
        let got = mcp.ok(tool, args.clone()).await;
        rows.extend(got[field].as_array().unwrap().iter().cloned());
        if let Some(next) = got.get("_truncated").map(|t| &t["next"]) {
            args["page_no"] = next["page_no"].clone();
            args["page_size"] = next["page_size"].clone();
            continue;
        }
        let pages: u64 = got["page_count"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or(1);
        let page = args["page_no"].as_u64().unwrap();
        if page >= pages {
            break;
        }
        args["page_no"] = json!(page + 1);
    }
    rows
}

async fn setup() -> (Upstream, Server, Mcp) {
    let up = upstream().await;
    // Every write of every scenario is checked against the audit trail when the server stops.
    let server = serve_audited(&up, &[]);
    let mcp = Mcp::new(server.url(), Some(FULL_KEY), Era::Legacy);
    (up, server, mcp)
}

async fn some_product(mcp: &Mcp) -> String {
    let list = mcp.ok("listProducts", json!({})).await;
    let p = &list["products"][0];
    if p.get("product_id").is_some() {
        id_of(p, "product_id")
    } else {
        id_of(p, "id")
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn copy_a_product_as_webinar_october_inactive_with_a_one_time_payment() {
    let (up, _server, mcp) = setup().await;
    let source = some_product(&mcp).await;
    let copy = mcp
        .ok("copyProduct", json!({"product_id": source, "data": {"name_en": "Webinar October", "name_de": "Webinar Oktober", "is_active": "N"}}))
        .await;
    let new_id = id_of(&copy, "product_id");
    assert_ne!(new_id, source);
    let plan = mcp
        .ok(
            "createPaymentplan",
            json!({"product_id": new_id, "data": {"first_amount": 89.99, "currency": "EUR", "number_of_installments": 1}}),
        )
        .await;
    assert!(plan.is_object());
    let product = sandbox(&up, "getProduct", &[("product_id", &new_id)]).await;
    assert!(has(&product, "name_en", "Webinar October"), "{product}");
    assert!(has(&product, "is_active", "N"), "{product}");
    let plans = sandbox(&up, "listPaymentPlans", &[("product_id", &new_id)]).await;
    assert!(
        has(&plans, "first_amount", "89.99") && has(&plans, "currency", "EUR"),
        "{plans}"
    );
    let original = sandbox(&up, "getProduct", &[("product_id", &source)]).await;
    assert!(
        !has(&original, "name_en", "Webinar October"),
        "the source is untouched"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn create_a_product_with_description_sales_page_and_image() {
    let (up, _server, mcp) = setup().await;
    let created = mcp
        .ok(
            "createProduct",
            json!({"data": {
                "name_en": "Masterclass Pricing",
                "description_en": "Six lessons on pricing digital products.",
                "salespage_url": "https://example.com/masterclass",
                "image_url": "https://example.com/masterclass.png"
            }}),
        )
        .await;
    let id = id_of(&created, "product_id");
    let product = sandbox(&up, "getProduct", &[("product_id", &id)]).await;
    assert!(has(&product, "name_en", "Masterclass Pricing"), "{product}");
    assert!(
        has(
            &product,
            "description_en",
            "Six lessons on pricing digital products."
        ),
        "{product}"
    );
    assert!(
        has(&product, "salespage_url", "https://example.com/masterclass"),
        "{product}"
    );
    assert!(
        has(&product, "image_url", "https://example.com/masterclass.png"),
        "{product}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn create_discount_code_launch10_for_two_products_for_seven_days() {
    let (up, _server, mcp) = setup().await;
    let list = mcp.ok("listProducts", json!({})).await;
    let ids: Vec<String> = list["products"]
        .as_array()
        .unwrap()
        .iter()
        .take(2)
        .map(|p| {
            if p.get("product_id").is_some() {
                id_of(p, "product_id")
            } else {
                id_of(p, "id")
            }
        })
        .collect();
    let products = ids.join(",");
    mcp.ok(
        "createVoucher",
        json!({"data": {"code": "LAUNCH10", "product_ids": products, "first_rate": 10, "other_rates": 10, "expires_at": "7d"}}),
    )
    .await;
    let voucher = sandbox(&up, "getVoucher", &[("code", "LAUNCH10")]).await;
    assert!(has(&voucher, "code", "LAUNCH10"), "{voucher}");
    for id in &ids {
        assert!(
            voucher.to_string().contains(id.as_str()),
            "{id} in {voucher}"
        );
    }
    let mut expires = Vec::new();
    values_of(&voucher, "expires_at", &mut expires);
    let expires = at(expires[0].as_str().unwrap());
    let in_a_week = Utc::now().naive_utc() + Duration::days(7);
    assert!(
        (expires - in_a_week).num_hours().abs() <= 26,
        "expires {expires}, expected about {in_a_week}"
    );
    let valid = mcp
        .ok("validateCouponCode", json!({"code": "LAUNCH10"}))
        .await;
    assert_eq!(valid["status"], "success", "{valid}");
    let unknown = mcp
        .ok("validateCouponCode", json!({"code": "LAUNCH11"}))
        .await;
    assert_eq!(unknown["status"], "error", "{unknown}");
}

#[tokio::test(flavor = "multi_thread")]
async fn count_one_products_transactions_in_a_period_for_one_billing_type() {
    let (up, _server, mcp) = setup().await;
    let product = some_product(&mcp).await;
    let args = json!({"from": "-90d", "to": "now", "search": {"product_id": product, "billing_type": "subscription"}, "page_size": 1000});
    let via_mcp = mcp.ok("listTransactions", args).await;
    let direct = sandbox(
        &up,
        "listTransactions",
        &[
            ("from", "-90d"),
            ("to", "now"),
            ("search[product_id]", &product),
            ("search[billing_type]", "subscription"),
            ("page_size", "1000"),
        ],
    )
    .await;
    assert_eq!(count(&via_mcp), count(&direct));
    let all = sandbox(
        &up,
        "listTransactions",
        &[("from", "-90d"), ("to", "now"), ("page_size", "1000")],
    )
    .await;
    assert!(count(&all) > count(&via_mcp), "the filter narrows");
}

#[tokio::test(flavor = "multi_thread")]
async fn count_one_products_sales_with_payments_in_progress() {
    let (up, _server, mcp) = setup().await;
    // "Payments in progress" is billing status `paying`; listPurchases has no filter for it, so
    // the agent lists the product's purchases and counts that status.
    let rows = all_rows(
        &mcp,
        "listPurchases",
        json!({"from": "start", "to": "now"}),
        "purchase_list",
    )
    .await;
    let product = rows
        .iter()
        .find(|r| r["billing_status"] == "paying")
        .map(|r| id_of(r, "product_id"))
        .expect("some purchase is paying");
    let listed = all_rows(
        &mcp,
        "listPurchases",
        json!({"from": "start", "to": "now", "search": {"product_id": product}}),
        "purchase_list",
    )
    .await;
    let paying = listed
        .iter()
        .filter(|r| r["billing_status"] == "paying")
        .count();
    assert!(paying > 0);
    let direct = sandbox(
        &up,
        "listPurchases",
        &[
            ("from", "start"),
            ("to", "now"),
            ("search[product_id]", &product),
            ("page_size", "1000"),
        ],
    )
    .await;
    let direct_paying = direct["purchase_list"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["billing_status"] == "paying")
        .count();
    assert_eq!(paying, direct_paying);
}

#[tokio::test(flavor = "multi_thread")]
async fn list_the_purchases_of_the_last_24_hours() {
    let (up, _server, mcp) = setup().await;
    let got = mcp
        .ok("listPurchases", json!({"from": "-24h", "to": "now"}))
        .await;
    let rows = got["purchase_list"].as_array().unwrap();
    assert!(!rows.is_empty(), "the demo account always has recent sales");
    let since = Utc::now().naive_utc() - Duration::hours(26);
    for r in rows {
        assert!(at(r["created_at"].as_str().unwrap()) >= since, "{r}");
    }
    let direct = sandbox(&up, "listPurchases", &[("from", "-24h"), ("to", "now")]).await;
    assert_eq!(count(&got), count(&direct));
}

#[tokio::test(flavor = "multi_thread")]
async fn show_the_transactions_of_the_last_7_days() {
    let (up, _server, mcp) = setup().await;
    let rows = all_rows(
        &mcp,
        "listTransactions",
        json!({"from": "-7d", "to": "now"}),
        "transaction_list",
    )
    .await;
    assert!(!rows.is_empty());
    let since = Utc::now().naive_utc() - Duration::days(7) - Duration::hours(2);
    for r in &rows {
        assert!(at(r["created_at"].as_str().unwrap()) >= since, "{r}");
    }
    let direct = sandbox(
        &up,
        "listTransactions",
        &[("from", "-7d"), ("to", "now"), ("page_size", "1000")],
    )
    .await;
    assert_eq!(rows.len() as u64, count(&direct));
}

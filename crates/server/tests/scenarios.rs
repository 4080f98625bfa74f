//! The documented example prompts as the tool-call sequences an agent makes, through the real
//! MCP server, each checked afterwards against the sandbox's own state, read directly over the
//! Digistore24 wire protocol (not through the server under test).
//!
//! Times: the sandbox stamps and resolves times (`now`, `-24h`, `7d`) on its own clock, in its
//! own zone. The reference clock of every time assertion is therefore the sandbox's `ping`
//! (`server_time`), read just before and just after the action, so the windows are exact (no
//! slack beyond the seconds between the two pings) whatever `TZ` the test process has.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDateTime};
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

/// Every row of a paged list, read directly from the sandbox.
async fn sandbox_rows(
    up: &Upstream,
    function: &str,
    form: &[(&str, &str)],
    field: &str,
) -> Vec<Value> {
    let mut rows = Vec::new();
    for page in 1.. {
        let page_no = page.to_string();
        let mut form = form.to_vec();
        form.extend([("page_no", page_no.as_str()), ("page_size", "1000")]);
        let got = sandbox(up, function, &form).await;
        rows.extend(got[field].as_array().unwrap().iter().cloned());
        if page >= int(&got["page_count"]) {
            break;
        }
    }
    rows
}

/// The sandbox's clock: `ping`'s `server_time`.
async fn sandbox_now(up: &Upstream) -> NaiveDateTime {
    let pong = sandbox(up, "ping", &[]).await;
    at(pong["server_time"]
        .as_str()
        .unwrap_or_else(|| panic!("ping without server_time: {pong}")))
}

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn stamp(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// An id or other scalar as a string (Digistore24 sends both "123" and 123).
fn text_of(v: &Value) -> String {
    v.as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| v.to_string())
}

/// A whole number sent as a string or a number.
fn int(v: &Value) -> u64 {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or_else(|| panic!("not a whole number: {v}"))
}

/// A listProducts row's id (`product_id` or `id`).
fn product_id(p: &Value) -> String {
    text_of(p.get("product_id").unwrap_or(&p["id"]))
}

fn created(r: &Value) -> NaiveDateTime {
    at(r["created_at"]
        .as_str()
        .unwrap_or_else(|| panic!("no created_at: {r}")))
}

fn ids(rows: &[Value]) -> BTreeSet<String> {
    rows.iter().map(|r| text_of(&r["id"])).collect()
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
        let page = int(&args["page_no"]);
        if page >= int(&got["page_count"]) {
            assert_eq!(
                rows.len() as u64,
                int(&got["item_count"]),
                "every page read"
            );
            break;
        }
        args["page_no"] = json!(page + 1);
    }
    rows
}

async fn setup_with(extra: &[&str]) -> (Upstream, Server, Mcp) {
    let up = upstream().await;
    // Every write of every scenario is checked against the audit trail when the server stops.
    let server = serve_audited(&up, extra);
    let mcp = Mcp::new(server.url(), Some(FULL_KEY), Era::Legacy);
    (up, server, mcp)
}

async fn setup() -> (Upstream, Server, Mcp) {
    setup_with(&[]).await
}

async fn plans_of(up: &Upstream, product: &str) -> Vec<Value> {
    let plans = sandbox(up, "listPaymentPlans", &[("product_id", product)]).await;
    plans
        .as_array()
        .unwrap_or_else(|| panic!("listPaymentPlans is a list: {plans}"))
        .clone()
}

/// "Copy product X as 'Webinar October', keep it deactivated, change the payment plan to a
/// one-time payment of €89.99", with the server's default tools, as the README's recipe does it:
/// the copy's first plan becomes the one-time payment, its other plans go.
#[tokio::test(flavor = "multi_thread")]
async fn copy_a_product_as_webinar_october_inactive_with_a_one_time_payment() {
    let (up, _server, mcp) = setup().await;

    // The source: a product with several plans, one of them in instalments, so the copy starts
    // out with plans that are not what the vendor asked for.
    let products = sandbox(&up, "listProducts", &[]).await;
    let mut source = None;
    for p in products["products"].as_array().unwrap() {
        let id = product_id(p);
        let plans = plans_of(&up, &id).await;
        if plans.len() >= 2 && plans.iter().any(|p| int(&p["number_of_installments"]) > 1) {
            source = Some((id, plans));
            break;
        }
    }
    let (source, source_plans) =
        source.expect("the demo account has a product with several plans, one in instalments");
    let source_product = sandbox(&up, "getProduct", &[("product_id", &source)]).await;

    // What the agent does (README: "What the agent gets"), with the default tools.
    let copy = mcp
        .ok("copyProduct", json!({"product_id": source, "data": {"name_en": "Webinar October", "name_de": "Webinar Oktober", "is_active": false}}))
        .await;
    let new_id = text_of(&copy["product_id"]);
    assert_ne!(new_id, source);
    let copied = mcp
        .ok("listPaymentPlans", json!({"product_id": new_id}))
        .await;
    let copied = copied["items"].as_array().unwrap().clone();
    assert_eq!(
        copied.len(),
        source_plans.len(),
        "the copy starts with the source's plans"
    );
    let plan_id = text_of(&copied[0]["id"]);
    let updated = mcp
        .ok(
            "updatePaymentplan",
            json!({"paymentplan_id": plan_id, "data": {"first_amount": 89.99, "other_amounts": 0, "currency": "EUR", "number_of_installments": 1}}),
        )
        .await;
    assert_eq!(updated["is_modified"], "Y", "{updated}");
    for other in &copied[1..] {
        let deleted = mcp
            .ok(
                "deletePaymentplan",
                json!({"paymentplan_id": text_of(&other["id"])}),
            )
            .await;
        assert_eq!(deleted["is_deleted"], "Y", "{deleted}");
    }

    // The copy, read back from the sandbox.
    let product = sandbox(&up, "getProduct", &[("product_id", &new_id)]).await;
    let product = &product["product"];
    assert_eq!(product["name_en"], "Webinar October", "{product}");
    assert_eq!(product["name_de"], "Webinar Oktober", "{product}");
    assert_eq!(product["is_active"], "N", "{product}");
    let plans = plans_of(&up, &new_id).await;
    assert_eq!(plans.len(), 1, "exactly one plan: {plans:#?}");
    let plan = &plans[0];
    assert_eq!(text_of(&plan["id"]), plan_id, "{plan}");
    assert_eq!(text_of(&plan["product_id"]), new_id, "{plan}");
    assert_eq!(plan["first_amount"], "89.99", "{plan}");
    assert_eq!(plan["currency"], "EUR", "{plan}");
    assert_eq!(
        int(&plan["number_of_installments"]),
        1,
        "one payment: {plan}"
    );
    assert_eq!(
        plan["other_amounts"], "0.00",
        "no follow-up payments: {plan}"
    );

    // The source is untouched.
    assert_eq!(plans_of(&up, &source).await, source_plans);
    assert_eq!(
        sandbox(&up, "getProduct", &[("product_id", &source)]).await,
        source_product
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
    let id = text_of(&created["product_id"]);
    let product = sandbox(&up, "getProduct", &[("product_id", &id)]).await;
    let product = &product["product"];
    assert_eq!(product["name_en"], "Masterclass Pricing", "{product}");
    assert_eq!(
        product["description_en"], "Six lessons on pricing digital products.",
        "{product}"
    );
    assert_eq!(
        product["salespage_url"], "https://example.com/masterclass",
        "{product}"
    );
    assert_eq!(
        product["image_url"], "https://example.com/masterclass.png",
        "{product}"
    );
}

/// Digistore24 gives a product created without `data.language` the session language as its
/// order form's language. The server's own answer language (English) must not be that session
/// language: a German vendor's product named in German got an English checkout. Sandbox
/// review S6; fails without `keeps_account_language`.
#[tokio::test(flavor = "multi_thread")]
async fn a_created_product_gets_the_accounts_language_unless_one_is_given() {
    let (up, _server, mcp) = setup().await;
    // The account's own language: what Digistore24 uses for a call that names none.
    let account = sandbox(&up, "createProduct", &[("data[name_de]", "Referenz")]).await;
    let reference = sandbox(
        &up,
        "getProduct",
        &[("product_id", &text_of(&account["product_id"]))],
    )
    .await;
    let account_language = reference["product"]["language"].clone();
    assert!(account_language.is_string(), "{reference}");
    let created = mcp
        .ok(
            "createProduct",
            json!({"data": {"name_de": "Kurs über MCP"}}),
        )
        .await;
    let product = sandbox(
        &up,
        "getProduct",
        &[("product_id", &text_of(&created["product_id"]))],
    )
    .await;
    assert_eq!(
        product["product"]["language"], account_language,
        "{product}"
    );
    for language in ["de", "en"] {
        let created = mcp
            .ok(
                "createProduct",
                json!({"data": {"name_de": "Kurs", "language": language}}),
            )
            .await;
        let product = sandbox(
            &up,
            "getProduct",
            &[("product_id", &text_of(&created["product_id"]))],
        )
        .await;
        assert_eq!(product["product"]["language"], language, "{product}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn create_discount_code_launch10_for_two_products_for_seven_days() {
    let (up, _server, mcp) = setup().await;
    let list = mcp.ok("listProducts", json!({})).await;
    let chosen: BTreeSet<String> = list["products"]
        .as_array()
        .unwrap()
        .iter()
        .take(2)
        .map(product_id)
        .collect();
    assert_eq!(chosen.len(), 2, "two different products");
    let products = chosen.iter().cloned().collect::<Vec<_>>().join(",");
    let before = sandbox_now(&up).await;
    mcp.ok(
        "createVoucher",
        json!({"data": {"code": "LAUNCH10", "product_ids": products, "first_rate": 10, "other_rates": 10, "expires_at": "7d"}}),
    )
    .await;
    let after = sandbox_now(&up).await;

    let voucher = sandbox(&up, "getVoucher", &[("code", "LAUNCH10")]).await;
    let voucher = &voucher["coupon"];
    assert_eq!(voucher["code"], "LAUNCH10", "{voucher}");
    assert_eq!(voucher["first_rate"], "10.00", "{voucher}");
    assert_eq!(voucher["other_rates"], "10.00", "{voucher}");
    let stored: BTreeSet<String> = voucher["product_ids"]
        .as_str()
        .unwrap_or_else(|| panic!("product_ids is a comma list: {voucher}"))
        .split(',')
        .map(|s| s.trim().to_owned())
        .collect();
    assert_eq!(stored, chosen, "{voucher}");
    let expires = at(voucher["expires_at"].as_str().unwrap());
    let (earliest, latest) = (before + Duration::days(7), after + Duration::days(7));
    assert!(
        earliest <= expires && expires <= latest,
        "expires {expires}, expected in [{earliest}, {latest}] (seven days after the call, on the sandbox's clock)"
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

/// Asserts that every row of `got` matches the filter, that `got` is exactly the rows of `all`
/// that match it (by id), and that the filter selects some rows of `all` and not all of them.
fn assert_filtered(what: &str, got: &[Value], all: &[Value], matches: impl Fn(&Value) -> bool) {
    for r in got {
        assert!(matches(r), "{what}: a row that does not match: {r}");
    }
    let want: Vec<Value> = all.iter().filter(|r| matches(r)).cloned().collect();
    assert_eq!(ids(got), ids(&want), "{what}: the rows the filter selects");
    assert!(
        !got.is_empty() && got.len() < all.len(),
        "{what}: {} of {} rows; a filter that can fail selects some and not all",
        got.len(),
        all.len()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn count_one_products_transactions_in_a_period_for_one_billing_type() {
    let (up, _server, mcp) = setup().await;
    // A fixed window on the sandbox's clock: every call below sees the same rows.
    let now = sandbox_now(&up).await;
    let (from, to) = (stamp(now - Duration::days(90)), stamp(now));
    let window = [("from", from.as_str()), ("to", to.as_str())];
    let all = sandbox_rows(&up, "listTransactions", &window, "transaction_list").await;

    // The product with the most subscription payments in the window.
    let mut per_product: BTreeMap<String, usize> = BTreeMap::new();
    for r in all.iter().filter(|r| r["billing_type"] == "subscription") {
        *per_product.entry(text_of(&r["product_id"])).or_default() += 1;
    }
    let product = per_product
        .iter()
        .max_by_key(|(_, n)| **n)
        .map(|(p, _)| p.clone())
        .expect("the window holds subscription transactions");
    let billing_types: BTreeSet<String> = all.iter().map(|r| text_of(&r["billing_type"])).collect();
    assert!(billing_types.len() > 1, "{billing_types:?}");

    let list = |search: Value| {
        all_rows(
            &mcp,
            "listTransactions",
            json!({"from": from, "to": to, "search": search}),
            "transaction_list",
        )
    };
    let of_product = |r: &Value| text_of(&r["product_id"]) == product;
    let subscription = |r: &Value| r["billing_type"] == "subscription";
    // The prompt: this product's subscription transactions in the period.
    let got = list(json!({"product_id": product, "billing_type": "subscription"})).await;
    assert_filtered("product and billing type", &got, &all, |r| {
        of_product(r) && subscription(r)
    });
    // Each filter on its own narrows, to exactly its rows.
    let by_product = list(json!({"product_id": product})).await;
    assert_filtered("product", &by_product, &all, of_product);
    let by_type = list(json!({"billing_type": "subscription"})).await;
    assert_filtered("billing type", &by_type, &all, subscription);
    // And the billing type counts inside the product too: the other types select exactly the
    // product's rows of that type (none, where the product is sold one way only).
    for other in billing_types.iter().filter(|t| *t != "subscription") {
        let got = list(json!({"product_id": product, "billing_type": other})).await;
        let want: Vec<Value> = all
            .iter()
            .filter(|r| text_of(&r["product_id"]) == product && r["billing_type"] == *other)
            .cloned()
            .collect();
        assert_eq!(
            ids(&got),
            ids(&want),
            "product {product}, billing type {other}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn count_one_products_sales_with_payments_in_progress() {
    let (up, _server, mcp) = setup().await;
    // "Payments in progress" is billing status `paying`; listPurchases has no filter for it, so
    // the agent lists the product's purchases and counts that status.
    let now = stamp(sandbox_now(&up).await);
    let window = [("from", "start"), ("to", now.as_str())];
    let all = sandbox_rows(&up, "listPurchases", &window, "purchase_list").await;
    let paying = |rows: &[Value], product: &str| {
        rows.iter()
            .filter(|r| text_of(&r["product_id"]) == product && r["billing_status"] == "paying")
            .count()
    };
    // The product with the most purchases in progress that also has others.
    let product = all
        .iter()
        .map(|r| text_of(&r["product_id"]))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter(|p| {
            let n = all
                .iter()
                .filter(|r| text_of(&r["product_id"]) == *p)
                .count();
            paying(&all, p) < n
        })
        .max_by_key(|p| paying(&all, p))
        .expect("the demo account has products");
    assert!(
        paying(&all, &product) > 0,
        "no product of the demo account has a purchase in progress (billing status paying)"
    );

    let listed = all_rows(
        &mcp,
        "listPurchases",
        json!({"from": "start", "to": now, "search": {"product_id": product}}),
        "purchase_list",
    )
    .await;
    assert_filtered("product", &listed, &all, |r| {
        text_of(&r["product_id"]) == product
    });
    let in_progress = paying(&listed, &product);
    assert_eq!(in_progress, paying(&all, &product));
    assert!(
        in_progress > 0 && in_progress < listed.len(),
        "{in_progress} of {} purchases are paying",
        listed.len()
    );
}

/// Checks a relative window (`from: -<span>, to: now`) resolved by the sandbox at some moment
/// between `before` and `after`: every row is inside the widest possible window, every row of
/// `all` inside the narrowest one is there, and the window leaves older rows out.
fn assert_last(
    span: Duration,
    got: &[Value],
    all: &[Value],
    before: NaiveDateTime,
    after: NaiveDateTime,
) {
    assert!(before <= after, "the sandbox clock runs forward");
    for r in got {
        let t = created(r);
        assert!(
            before - span <= t && t <= after,
            "{t} is outside [{}, {after}]: {r}",
            before - span
        );
    }
    let got_ids = ids(got);
    let must: Vec<&Value> = all
        .iter()
        .filter(|r| after - span <= created(r) && created(r) <= before)
        .collect();
    for r in &must {
        assert!(got_ids.contains(&text_of(&r["id"])), "missing {r}");
    }
    assert!(!must.is_empty(), "the demo account always has recent rows");
    assert!(
        got.len() < all.len(),
        "the window leaves older rows out: {} of {}",
        got.len(),
        all.len()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn list_the_purchases_of_the_last_24_hours() {
    let (up, _server, mcp) = setup().await;
    let before = sandbox_now(&up).await;
    let got = all_rows(
        &mcp,
        "listPurchases",
        json!({"from": "-24h", "to": "now"}),
        "purchase_list",
    )
    .await;
    let after = sandbox_now(&up).await;
    let all = sandbox_rows(
        &up,
        "listPurchases",
        &[("from", "start"), ("to", &stamp(after))],
        "purchase_list",
    )
    .await;
    assert_last(Duration::hours(24), &got, &all, before, after);
}

#[tokio::test(flavor = "multi_thread")]
async fn show_the_transactions_of_the_last_7_days() {
    let (up, _server, mcp) = setup().await;
    let before = sandbox_now(&up).await;
    let got = all_rows(
        &mcp,
        "listTransactions",
        json!({"from": "-7d", "to": "now"}),
        "transaction_list",
    )
    .await;
    let after = sandbox_now(&up).await;
    let all = sandbox_rows(
        &up,
        "listTransactions",
        &[("from", "start"), ("to", &stamp(after))],
        "transaction_list",
    )
    .await;
    assert_last(Duration::days(7), &got, &all, before, after);
}

/// A rate is a percentage: the schema says 0 to 100 (as `minimum`/`maximum`), and a call
/// beyond it is refused with what to change before anything reaches Digistore24. A voucher of
/// "150 % off" is a typo for a model to correct, not a call to send.
#[tokio::test(flavor = "multi_thread")]
async fn rates_are_percentages_from_0_to_100() {
    let (up, _server, mcp) = setup().await;
    let tools = mcp.list_tools().await;
    let voucher = tools.iter().find(|t| t["name"] == "createVoucher").unwrap();
    let rate = &voucher["inputSchema"]["properties"]["data"]["properties"]["first_rate"];
    assert_eq!(
        (rate["minimum"].clone(), rate["maximum"].clone()),
        (json!(0), json!(100)),
        "{rate}"
    );

    for bad in [json!(150), json!(-5), json!("100.5")] {
        let r = mcp
            .call(
                "createVoucher",
                json!({"data": {"code": "TYPO150", "first_rate": bad}}),
            )
            .await;
        assert_eq!(r["isError"], true, "{bad}: {r}");
        let t = text(&r);
        assert!(
            t.contains("first_rate") && t.contains("between 0 and 100"),
            "{t}"
        );
    }
    assert_eq!(up.count(), 0, "nothing was sent");

    mcp.ok(
        "createVoucher",
        json!({"data": {"code": "FULL100", "first_rate": 100}}),
    )
    .await;
    assert_eq!(up.count(), 1);
    // 100 is a rate like any other: the voucher reads back with it (the assertion here could
    // not fail before: it checked that an answer was not empty).
    let voucher = sandbox(&up, "getVoucher", &[("code", "FULL100")]).await;
    assert_eq!(voucher["coupon"]["first_rate"], "100.00", "{voucher}");
}

/// Journey leftovers: a model that writes `-7d` for "a week from now" created a voucher that
/// had expired before it existed, and a voucher without any rate or amount was created too;
/// neither can ever be used. Both are refused with what to send, and nothing is sent; the
/// corrected calls create the voucher.
#[tokio::test(flavor = "multi_thread")]
async fn a_voucher_that_could_never_be_used_is_refused() {
    let (up, _server, mcp) = setup().await;
    let r = mcp
        .call(
            "createVoucher",
            json!({"data": {"code": "PAST7", "first_rate": 10, "expires_at": "-7d"}}),
        )
        .await;
    assert_eq!(r["isError"], true, "{r}");
    let t = text(&r);
    assert!(
        t.contains("data.expires_at") && t.contains("already passed") && t.contains("`+7d`"),
        "{t}"
    );
    assert!(!t.contains(".."), "one full stop between sentences: {t}");
    // Journey review: Digistore24 reads a date as its 00:00, so "valid until today" made a
    // code that had expired when it was created.
    let r = mcp
        .call(
            "createVoucher",
            json!({"data": {"code": "TODAYONLY", "first_rate": 10, "expires_at": "today"}}),
        )
        .await;
    assert_eq!(r["isError"], true, "{r}");
    assert!(text(&r).contains("23:59:59"), "{r}");
    // E-tickets for a day already over (second journey review: "-2d" issued them).
    let r = mcp
        .call(
            "createEticket",
            json!({"buyer": {"email": "a@example.com"}, "product_id": "1", "location_id": "1",
                   "template_id": "1", "date": "-2d"}),
        )
        .await;
    assert_eq!(r["isError"], true, "{r}");
    assert!(text(&r).contains("`date` (-2d) has already passed"), "{r}");
    // A buy URL that would be over before it is made (journey review 7).
    let r = mcp
        .call(
            "createBuyUrl",
            json!({"product_id": "512341", "valid_until": "-7d"}),
        )
        .await;
    assert_eq!(r["isError"], true, "{r}");
    assert!(
        text(&r).contains("`valid_until` (-7d) has already passed"),
        "{r}"
    );
    // Journey review: times in no form Digistore24 documents went to Digistore24 unchecked.
    for vague in ["next friday", "in 14 days", "14"] {
        let r = mcp
            .call(
                "createVoucher",
                json!({"data": {"code": "VAGUE", "first_rate": 10, "expires_at": vague}}),
            )
            .await;
        assert_eq!(r["isError"], true, "{vague}: {r}");
        assert!(
            text(&r).contains("`data.expires_at`: not in a form Digistore24 documents"),
            "{vague}: {r}"
        );
    }
    // A zero rate is no discount either (this stop's review: it reached Digistore24).
    for none in [json!(null), json!(0), json!("0.00")] {
        let r = mcp
            .call(
                "createVoucher",
                json!({"data": {"code": "NOTHING", "expires_at": "+7d", "first_rate": none}}),
            )
            .await;
        assert_eq!(r["isError"], true, "{none}: {r}");
        let t = text(&r);
        assert!(
            t.contains(
                "`data`: needs at least one of first_rate, other_rates, first_amount, other_amounts, not zero"
            ),
            "{none}: {t}"
        );
    }
    assert_eq!(up.count(), 0, "nothing was sent");

    mcp.ok(
        "createVoucher",
        json!({"data": {"code": "PAST7", "first_rate": 10, "expires_at": "+7d"}}),
    )
    .await;
    mcp.ok(
        "createVoucher",
        json!({"data": {"code": "NOTHING", "other_amounts": 5, "currency": "EUR"}}),
    )
    .await;
    for code in ["PAST7", "NOTHING"] {
        let voucher = sandbox(&up, "getVoucher", &[("code", code)]).await;
        assert_eq!(voucher["coupon"]["code"], code, "{voucher}");
    }
    // Review of this stop: a zoned time two hours ahead was read as its own wall clock, in
    // UTC five hours behind, and refused as past.
    let zone = chrono::FixedOffset::west_opt(5 * 3600).unwrap();
    let ahead = (chrono::Utc::now() + Duration::hours(2))
        .with_timezone(&zone)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string();
    mcp.ok(
        "createVoucher",
        json!({"data": {"code": "ZONED", "first_rate": 5, "expires_at": ahead}}),
    )
    .await;
    // Review of this stop: the time-form check refused the empty value that removes a
    // voucher's expiry (Digistore24: "leave empty to remove").
    mcp.ok(
        "updateVoucher",
        json!({"code": "PAST7", "data": {"expires_at": ""}}),
    )
    .await;
    let voucher = sandbox(&up, "getVoucher", &[("code", "PAST7")]).await;
    let expiry = &voucher["coupon"]["expires_at"];
    assert!(
        expiry.is_null() || expiry == "",
        "the expiry is removed: {voucher}"
    );
}

/// Journey review 1: Digistore24 answers a refund it does not make with `result: success` and
/// the refusal inside (`status: error`, "already fully refunded"). That answer was a success
/// for the model and `ok` in the audit trail, so an agent could report money that never
/// moved. Now it is a tool error (`not_done`) with Digistore24's note, audited as such; the
/// refund that was made is `ok`, and nothing is retried.
#[tokio::test(flavor = "multi_thread")]
async fn a_refund_digistore24_does_not_make_is_an_error_and_audited_as_not_done() {
    let (up, server, mcp) = setup_with(&["--toolsets", "default,refunds"]).await;
    let purchases = sandbox(&up, "listPurchases", &[("from", "-14d")]).await;
    let purchase = purchases["purchase_list"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|p| p["billing_status"] == "paying" || p["billing_status"] == "completed")
        .unwrap_or_else(|| panic!("a paid order: {purchases}"))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let args = json!({"purchase_id": purchase, "force": true});
    let done = mcp.ok("refundPurchase", args.clone()).await;
    assert_eq!(done["status"], "completed", "{done}");

    let before = up.count();
    let again = mcp.call("refundPurchase", args).await;
    assert_eq!(again["isError"], true, "{again}");
    let error = &again["structuredContent"]["error"];
    assert_eq!(error["kind"], "not_done", "{again}");
    assert_eq!(error["status"], "error", "{again}");
    let t = text(&again);
    assert!(
        t.contains("was not done") && t.contains("already been fully refunded"),
        "{t}"
    );
    assert_eq!(up.count(), before + 1, "sent once, not retried");

    // A refund row cannot be refunded: the same for refundTransaction.
    let rows = sandbox(&up, "listTransactions", &[("from", "-1d")]).await;
    let refund = rows["transaction_list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["purchase_id"] == purchase.as_str() && t["transaction_type"] == "refund")
        .unwrap_or_else(|| panic!("the refund of {purchase} just made"))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = mcp
        .call("refundTransaction", json!({"transaction_id": refund}))
        .await;
    assert_eq!(r["structuredContent"]["error"]["kind"], "not_done", "{r}");

    let lines = audit_lines(&server.audit_path().unwrap());
    let outcomes: Vec<(&str, &str, bool)> = lines
        .iter()
        .filter(|l| l["tool"].as_str().is_some_and(|t| t.starts_with("refund")))
        .map(|l| {
            (
                l["tool"].as_str().unwrap(),
                l["outcome"].as_str().unwrap(),
                l["sent"] == true,
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("refundPurchase", "ok", true),
            ("refundPurchase", "not_done", true),
            ("refundTransaction", "not_done", true),
        ],
        "{lines:#?}"
    );
}

/// Journey review 5: an allowed value written in another case (`M` where the list says `m`,
/// as `getBuyer` answers) and a whole number written as a float (`2.0`) were refused; both are
/// what the model meant. They go out in the catalog's spelling and as an integer. A fraction
/// is still refused.
#[tokio::test(flavor = "multi_thread")]
async fn case_and_float_spellings_of_valid_values_are_understood() {
    let (up, _server, mcp) = setup().await;
    let before = up.count();
    mcp.ok("statsSales", json!({"period": "Month"})).await;
    mcp.ok("listPurchases", json!({"page_size": 2.0})).await;
    let sent = up.records.lock().unwrap()[before..].to_vec();
    assert_eq!(field(&sent[0], "period"), Some("month"), "{sent:?}");
    assert_eq!(field(&sent[1], "page_size"), Some("2"), "{sent:?}");
    let r = mcp.call("listPurchases", json!({"page_size": 2.5})).await;
    assert_eq!(r["isError"], true, "{r}");
    assert!(text(&r).contains("expected an integer"), "{r}");
}

/// Journey review 6: statsAffiliateToplist takes months (`2026-09`); months are read as times
/// (the time-form check must not refuse them), and a window of months that ends before it
/// starts is refused like any other instead of answering an empty list.
#[tokio::test(flavor = "multi_thread")]
async fn a_toplist_takes_months_and_refuses_them_backwards() {
    let (up, _server, mcp) = setup().await;
    mcp.ok(
        "statsAffiliateToplist",
        json!({"from": "2026-09", "to": "2026-11"}),
    )
    .await;
    let before = up.count();
    let r = mcp
        .call(
            "statsAffiliateToplist",
            json!({"from": "2026-11", "to": "2026-09"}),
        )
        .await;
    assert_eq!(r["isError"], true, "{r}");
    assert!(text(&r).contains("is after `to`"), "{r}");
    assert_eq!(up.count(), before, "nothing was sent");
}

/// Second journey review 1: a product whose German description is 24 KB came back from
/// getProduct as an empty `_truncated` note, with advice (filters, fewer IDs) getProduct cannot
/// follow. The description is now cut, the product's other fields stay, and the answer says
/// what was cut.
#[tokio::test(flavor = "multi_thread")]
async fn a_product_with_a_long_description_can_still_be_read() {
    let (up, _server, mcp) = setup().await;
    let products = sandbox(&up, "listProducts", &[]).await;
    let id = products["products"][0]["id"].as_str().unwrap().to_owned();
    let copy = "<p>Lorem ipsum dolor sit amet.</p>".repeat(700);
    mcp.ok(
        "updateProduct",
        json!({"product_id": id, "data": {"description_de": copy}}),
    )
    .await;
    let product = mcp.ok("getProduct", json!({"product_id": id})).await;
    assert_eq!(product["product"]["id"], id.as_str(), "{product}");
    assert!(product.get("_truncated").is_none(), "{product}");
    let cut = &product["_shortened"]["fields"][0];
    assert_eq!(cut["field"], "product.description_de", "{product}");
    assert_eq!(cut["of_chars"], copy.len(), "{product}");
}

/// Journey leftover: Digistore24 spells the commission `affiliate_commission` in
/// `createProduct` and `affiliate_commision` in `updateProduct`. A model that writes the
/// first spelling in an update is understood: the field goes out under the name Digistore24
/// documents for the function, and the product reads back with the new commission. Both
/// spellings at once are refused, and nothing is sent.
#[tokio::test(flavor = "multi_thread")]
async fn the_commission_is_understood_in_either_spelling() {
    let (up, _server, mcp) = setup().await;
    let products = sandbox(&up, "listProducts", &[]).await;
    let id = products["products"][0]["id"].as_str().unwrap().to_owned();
    let before = up.count();
    mcp.ok(
        "updateProduct",
        json!({"product_id": id, "data": {"affiliate_commission": 42}}),
    )
    .await;
    let sent = up.records.lock().unwrap()[before..].to_vec();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(
        field(&sent[0], "data[affiliate_commision]"),
        Some("42"),
        "{sent:?}"
    );
    assert_eq!(
        field(&sent[0], "data[affiliate_commission]"),
        None,
        "{sent:?}"
    );
    let product = sandbox(&up, "getProduct", &[("product_id", &id)]).await;
    let commission = product["product"]["affiliate_commission"].as_str().unwrap();
    assert_eq!(commission.parse::<f64>().unwrap(), 42.0, "{product}");

    let r = mcp
        .call(
            "updateProduct",
            json!({"product_id": id, "data": {"affiliate_commission": 10, "affiliate_commision": 20}}),
        )
        .await;
    assert_eq!(r["isError"], true, "{r}");
    let t = text(&r);
    assert!(
        t.contains("another spelling") && t.contains("give one"),
        "{t}"
    );
    assert_eq!(up.count(), before + 1, "nothing more was sent");
}

/// A shipping policy's order-form label is one field per language (`label_de`, `label_en`):
/// the schema gives the names as a pattern, the server takes any two-letter code and sends it
/// as Digistore24 names it, and the policy reads back with both labels. A name outside the
/// pattern is refused with the pattern explained, and nothing is sent.
#[tokio::test(flavor = "multi_thread")]
async fn a_shipping_policy_gets_a_label_per_language() {
    let (up, _server, mcp) = setup().await;
    let tools = mcp.list_tools().await;
    let create = tools
        .iter()
        .find(|t| t["name"] == "createShippingCostPolicy")
        .unwrap();
    let data = &create["inputSchema"]["properties"]["data"];
    assert_eq!(
        data["patternProperties"]["^label_[a-z]{2}$"]["type"], "string",
        "{data}"
    );

    let r = mcp
        .call(
            "createShippingCostPolicy",
            json!({"data": {"name": "EU", "label_german": "Versand"}}),
        )
        .await;
    assert_eq!(r["isError"], true, "{r}");
    let t = text(&r);
    assert!(t.contains("label_german") && t.contains("label_de"), "{t}");
    assert_eq!(up.count(), 0, "nothing was sent");

    let made = mcp
        .ok(
            "createShippingCostPolicy",
            json!({"data": {"name": "EU shipping", "label_de": "Versand", "label_en": "Shipping",
                            "fee_type": "total_fee", "currency": "EUR", "scale_1_amount": 4.9}}),
        )
        .await;
    let sent = up.records.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert_eq!(field(&sent[0], "data[label_de]"), Some("Versand"));
    assert_eq!(field(&sent[0], "data[label_en]"), Some("Shipping"));
    let id = made["policy_id"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| made["policy_id"].as_i64().map(|n| n.to_string()))
        .unwrap_or_else(|| panic!("no policy_id: {made}"));
    let policy = sandbox(&up, "getShippingCostPolicy", &[("policy_id", &id)]).await;
    let text = policy.to_string();
    assert!(
        text.contains("Versand") && text.contains("Shipping"),
        "{policy}"
    );
}

/// Schema review F2: `flex_elements_order` is the display order of the three blocks, one of
/// the six comma-joined orders (the spec's enum, split at its commas by its generator), not
/// one block's name.
#[tokio::test(flavor = "multi_thread")]
async fn an_order_form_takes_the_order_of_its_three_blocks() {
    let (up, _server, mcp) = setup().await;
    let r = mcp
        .call(
            "createOrderform",
            json!({"data": {"name": "One block", "flex_elements_order": "order_bumper"}}),
        )
        .await;
    assert_eq!(r["isError"], true, "{r}");
    assert_eq!(up.count(), 0);
    let order = "refund_waiver,order_bumper,order_summary";
    let made = mcp
        .ok(
            "createOrderform",
            json!({"data": {"name": "Refund waiver first", "flex_elements_order": order}}),
        )
        .await;
    let id = made["orderform_id"]
        .to_string()
        .trim_matches('"')
        .to_owned();
    let form = sandbox(&up, "getOrderform", &[("orderform_id", &id)]).await;
    assert!(form.to_string().contains(order), "{form}");
}

/// Schema review F3: `reportFraud` reports the buyer and the affiliate together with
/// `who: "buyer,affiliate"` (dev.digistore24.com article 93), one confirmed call instead of two.
#[tokio::test(flavor = "multi_thread")]
async fn fraud_can_be_reported_for_buyer_and_affiliate_in_one_call() {
    let (up, _server, mcp) = setup_with(&["--toolsets", "all"]).await;
    let rows = sandbox(
        &up,
        "listTransactions",
        &[
            ("from", "start"),
            ("search[has_affiliate]", "Y"),
            ("page_size", "1"),
        ],
    )
    .await;
    let id = rows["transaction_list"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let answer = mcp
        .ok(
            "reportFraud",
            json!({"transaction_id": id, "who": "buyer,affiliate", "comment": "Self-referral"}),
        )
        .await;
    assert_eq!(answer["buyer_status"], "success", "{answer}");
    assert_eq!(answer["affiliate_status"], "success", "{answer}");
}

/// Schema review F4: Digistore24's search fields match by part, so `search.email` takes
/// "example.com" (it used to be refused as not an e-mail address).
#[tokio::test(flavor = "multi_thread")]
async fn a_purchase_search_by_part_of_an_email_address_is_sent() {
    let (_up, _server, mcp) = setup().await;
    for tool in ["listPurchases", "listTransactions"] {
        let r = mcp
            .ok(
                tool,
                json!({"from": "start", "search": {"email": "example.com"}, "page_size": 1}),
            )
            .await;
        assert!(
            r["item_count"].as_str().unwrap_or("0") != "0",
            "{tool}: {r}"
        );
    }
}

/// Schema review F5 and F6: `requestApiKey` takes both spellings of read access the sources
/// use, and `ipnSetup`'s categories are named as Digistore24 documents them.
#[tokio::test(flavor = "multi_thread")]
async fn api_key_permissions_take_both_spellings_and_ipn_categories_are_documented() {
    let up = upstream().await;
    let server = serve_audited(&up, &["--toolsets", "all"]);
    let dev = Mcp::new(server.url(), Some("sandbox-developer"), Era::Legacy);
    for permissions in ["readonly", "read-only"] {
        let r = dev
            .ok(
                "requestApiKey",
                json!({"permissions": permissions, "return_url": "https://app.example.com/done"}),
            )
            .await;
        assert!(
            r.to_string().contains("request_token"),
            "{permissions}: {r}"
        );
    }
    let tools = dev.list_tools().await;
    let ipn = tools.iter().find(|t| t["name"] == "ipnSetup").unwrap();
    let categories = ipn["inputSchema"]["properties"]["categories"]["description"]
        .as_str()
        .unwrap_or_default();
    assert!(
        categories.contains("e-tickets") && categories.contains("custom forms"),
        "{categories}"
    );
}

/// Schema review F7: a buyer's salutation can be cleared with `""` (Digistore24's enum is
/// `'', M, F`); the empty value stays out of the schema's `enum`, which some clients refuse.
#[tokio::test(flavor = "multi_thread")]
async fn a_buyers_salutation_can_be_cleared() {
    let (up, _server, mcp) = setup().await;
    let rows = sandbox(&up, "listBuyers", &[("page_size", "50")]).await;
    let buyer = rows["items"]
        .as_array()
        .and_then(|b| b.iter().find(|b| b["salutation"] != ""))
        .expect("a buyer with a salutation");
    let id = buyer["id"].as_str().unwrap().to_owned();
    mcp.ok(
        "updateBuyer",
        json!({"buyer_id": id, "data": {"salutation": ""}}),
    )
    .await;
    let after = sandbox(&up, "getBuyer", &[("buyer_id", &id)]).await;
    assert_eq!(after["buyer"]["salutation"], "", "{after}");
    let r = mcp
        .call(
            "updateBuyer",
            json!({"buyer_id": id, "data": {"salutation": "X"}}),
        )
        .await;
    assert_eq!(r["isError"], true, "{r}");
}

/// Money has two decimal places: an amount a model computed (`0.1 + 0.2` is
/// `0.30000000000000004`) or typed with three is refused with what to send before anything
/// reaches Digistore24, which refuses it anyway; two places pass, as a number or as text.
#[tokio::test(flavor = "multi_thread")]
async fn amounts_have_at_most_two_decimal_places() {
    let (up, _server, mcp) = setup().await;
    for bad in [
        json!(0.30000000000000004),
        json!(19.999),
        json!("5.005"),
        json!(1e-7),
    ] {
        let r = mcp
            .call(
                "createVoucher",
                json!({"data": {"code": "CENTS", "first_amount": bad, "currency": "EUR"}}),
            )
            .await;
        assert_eq!(r["isError"], true, "{bad}: {r}");
        let t = text(&r);
        assert!(
            t.contains("first_amount") && t.contains("2 decimal places"),
            "{t}"
        );
    }
    assert_eq!(up.count(), 0, "nothing was sent");
    for (code, good) in [
        ("CENTS1", json!(0.3)),
        ("CENTS2", json!("19.99")),
        ("CENTS3", json!(5)),
    ] {
        mcp.ok(
            "createVoucher",
            json!({"data": {"code": code, "first_amount": good, "currency": "EUR"}}),
        )
        .await;
    }
    assert_eq!(up.count(), 3);
}

/// Review of a vendor's journeys (finding 8): a voucher valid from a date after it expires was
/// created, never usable. It is refused with both dates named, and nothing is sent.
#[tokio::test(flavor = "multi_thread")]
async fn a_voucher_that_expires_before_it_starts_is_refused() {
    let (up, _server, mcp) = setup().await;
    let r = mcp
        .call(
            "createVoucher",
            json!({"data": {"code": "BACKWARDS", "first_rate": 10,
                            "valid_from": "2027-01-01", "expires_at": "2026-12-01"}}),
        )
        .await;
    assert_eq!(r["isError"], true, "{r}");
    let t = text(&r);
    assert!(
        t.contains("data.valid_from") && t.contains("data.expires_at"),
        "{t}"
    );
    assert_eq!(up.count(), 0, "nothing was sent");
    mcp.ok(
        "createVoucher",
        json!({"data": {"code": "FORWARDS", "first_rate": 10,
                        "valid_from": "2026-12-01", "expires_at": "2027-01-01"}}),
    )
    .await;
}

//! The report tools answer the vendor's report questions in one call, with the same numbers as
//! counting the list rows of the sandbox read over its own wire.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;

use chrono::{Duration, NaiveDateTime};
use serde_json::{Value, json};
use support::*;

/// One Digistore24 call answered by the sandbox directly (not through ds24-mcp): its `data`.
async fn direct(up: &Upstream, function: &str, form: &[(String, String)]) -> Value {
    let sandbox = up.sandbox.as_ref().unwrap();
    let body: Value = reqwest::Client::new()
        .post(format!("{}/{function}", sandbox.api_url()))
        .header("X-DS-API-KEY", READ_KEY)
        .form(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["result"], "success", "{body}");
    body["data"].clone()
}

/// Every row of a Digistore24 list, read directly from the sandbox (not through ds24-mcp).
async fn direct_rows(
    up: &Upstream,
    function: &str,
    form: &[(&str, &str)],
    field: &str,
) -> Vec<Value> {
    let mut rows = Vec::new();
    for page in 1.. {
        let mut form: Vec<(String, String)> = form
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        form.push(("page_no".into(), page.to_string()));
        form.push(("page_size".into(), "1000".into()));
        let data = direct(up, function, &form).await;
        rows.extend(data[field].as_array().unwrap().iter().cloned());
        let pages: u64 = data["page_count"].as_str().unwrap().parse().unwrap();
        if page >= pages {
            break;
        }
    }
    rows
}

fn cents(v: &Value) -> i64 {
    let s = v.as_str().unwrap();
    let (whole, frac) = s
        .trim_start_matches('-')
        .split_once('.')
        .unwrap_or((s, "0"));
    let c =
        whole.parse::<i64>().unwrap() * 100 + format!("{frac:0<2}")[..2].parse::<i64>().unwrap();
    if s.starts_with('-') { -c } else { c }
}

fn sum(rows: &[Value], currency: &str, field: &str) -> i64 {
    rows.iter()
        .filter(|r| r["currency"] == currency)
        .map(|r| cents(&r[field]))
        .sum()
}

/// The sandbox's clock (`ping`'s `server_time`), read directly.
async fn sandbox_now(up: &Upstream) -> NaiveDateTime {
    at(direct(up, "ping", &[]).await["server_time"]
        .as_str()
        .unwrap())
}

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn stamp(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The window a report with a relative `from` (`to` now) fixed on Digistore24's clock: after
/// its `ping`, every list page is sent with the same absolute `from` and `to`, `span` apart,
/// `to` being a moment the sandbox's clock showed between `before` and `after` (read directly
/// around the report). Reading the sandbox with exactly this window gives the report's rows;
/// resolving the relative window again would give a window a few moments later.
fn fixed_window(
    sent: &[Recorded],
    span: chrono::Duration,
    before: NaiveDateTime,
    after: NaiveDateTime,
) -> (String, String) {
    assert_eq!(sent[0].function, "ping", "Digistore24's clock first");
    let pages = &sent[1..];
    assert!(!pages.is_empty());
    let from = field(&pages[0], "from").unwrap();
    let to = field(&pages[0], "to").unwrap();
    for page in pages {
        assert_eq!(field(page, "from"), Some(from), "the window cannot slide");
        assert_eq!(field(page, "to"), Some(to), "the window cannot slide");
    }
    assert!(
        from.len() == 19 && from.as_bytes()[4] == b'-',
        "absolute: {from}"
    );
    let (start, end) = (at(from), at(to));
    assert!(
        before <= end && end <= after,
        "to {to} is not a moment between {before} and {after}"
    );
    assert_eq!(end - start, span, "{from} .. {to}");
    (from.to_owned(), to.to_owned())
}

async fn setup(flags: &[&str]) -> (Upstream, Server, Mcp) {
    let up = upstream().await;
    let mut args = vec!["--api-url".to_owned(), up.api_url()];
    args.extend(flags.iter().map(|s| (*s).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let server = serve(&args);
    let mcp = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy);
    (up, server, mcp)
}

#[tokio::test(flavor = "multi_thread")]
async fn transactions_of_one_product_in_a_period_for_one_billing_type() {
    let (up, _server, mcp) = setup(&[]).await;
    // The product is picked from rows well inside the window the report will fix a moment
    // later (a day from its older edge).
    let before = sandbox_now(&up).await;
    let inside = [
        ("from", stamp(before - Duration::days(89))),
        ("to", stamp(before)),
    ];
    let inside: Vec<(&str, &str)> = inside.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let product = direct_rows(&up, "listTransactions", &inside, "transaction_list")
        .await
        .iter()
        .find(|r| r["billing_type"] == "subscription")
        .map(|r| r["product_id"].as_str().unwrap().to_owned())
        .expect("the demo account has subscription payments");
    let report = mcp
        .ok(
            "summarizeTransactions",
            json!({"from": "-90d", "to": "now", "where": {"product_id": product, "billing_type": "subscription"}}),
        )
        .await;
    let after = sandbox_now(&up).await;
    // First Digistore24's clock, then the list with the window fixed to absolute times on that
    // clock (so it cannot slide between pages), with only the filters Digistore24 knows as its
    // own search filters.
    let sent = up.take();
    let (from, to) = fixed_window(&sent, Duration::days(90), before, after);
    let pages = &sent[1..];
    assert!(pages.iter().all(|r| r.function == "listTransactions"));
    for page in pages {
        assert_eq!(field(page, "search[product_id]"), Some(product.as_str()));
        assert_eq!(field(page, "search[billing_type]"), Some("subscription"));
        // The account's own sales: other vendors' orders it earns on as an affiliate stay out.
        assert_eq!(field(page, "search[role]"), Some("vendor"));
    }
    assert_eq!(
        report["role"], "vendor",
        "the answer says whose sales: {report}"
    );
    // The same numbers as counting the rows of that window.
    let window = [("from", from.as_str()), ("to", to.as_str())];
    let all = direct_rows(&up, "listTransactions", &window, "transaction_list").await;
    let expected: Vec<Value> = all
        .iter()
        .filter(|r| r["product_id"] == product.as_str() && r["billing_type"] == "subscription")
        .cloned()
        .collect();
    assert!(!expected.is_empty() && expected.len() < all.len());
    assert_eq!(report["count"], expected.len(), "{report}");
    assert_eq!(report["complete"], true);
    let currency = expected[0]["currency"].as_str().unwrap();
    assert_eq!(
        cents(&report["amounts"][currency]["amount"]),
        sum(&expected, currency, "amount"),
        "{report}"
    );
    assert!(
        report.to_string().len() < 1000,
        "a few hundred bytes: {report}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sales_of_one_product_with_payments_in_progress() {
    let (up, _server, mcp) = setup(&[]).await;
    let all = direct_rows(
        &up,
        "listPurchases",
        &[("from", "start"), ("to", "now")],
        "purchase_list",
    )
    .await;
    let product = all
        .iter()
        .find(|r| r["billing_status"] == "paying")
        .map(|r| r["product_id"].as_str().unwrap().to_owned())
        .expect("some purchase is paying");
    let expected = all
        .iter()
        .filter(|r| r["product_id"] == product.as_str() && r["billing_status"] == "paying")
        .count();
    let of_product = all
        .iter()
        .filter(|r| r["product_id"] == product.as_str())
        .count();
    assert!(
        expected > 0 && expected < of_product,
        "the status filter must narrow"
    );
    let report = mcp
        .ok(
            "summarizePurchases",
            json!({"from": "start", "to": "now", "where": {"product_id": product, "billing_status": "paying"}}),
        )
        .await;
    assert_eq!(report["count"], expected, "{report}");
    // billing_status is not a Digistore24 search filter: it was matched on the rows.
    let sent = up.take();
    assert!(
        sent.iter()
            .all(|r| field(r, "search[billing_status]").is_none())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn purchases_of_the_last_24_hours_by_hour_bucket_and_currency() {
    let (up, _server, mcp) = setup(&[]).await;
    let before = sandbox_now(&up).await;
    let report = mcp
        .ok(
            "summarizePurchases",
            json!({"from": "-24h", "to": "now", "group_by": "currency"}),
        )
        .await;
    let after = sandbox_now(&up).await;
    // The rows of the window the report fixed, not of "-24h" resolved again a moment later.
    let (from, to) = fixed_window(&up.take(), Duration::hours(24), before, after);
    let expected = direct_rows(
        &up,
        "listPurchases",
        &[("from", &from), ("to", &to)],
        "purchase_list",
    )
    .await;
    assert!(!expected.is_empty());
    assert_eq!(report["count"], expected.len(), "{report}");
    let groups = report["groups"].as_array().unwrap();
    let currencies: BTreeSet<&str> = expected
        .iter()
        .map(|r| r["currency"].as_str().unwrap())
        .collect();
    assert_eq!(groups.len(), currencies.len(), "{report}");
    for g in groups {
        let c = g["key"].as_str().unwrap();
        let n = expected.iter().filter(|r| r["currency"] == c).count();
        assert_eq!(g["count"], n, "{c}");
        assert_eq!(
            cents(&g["amounts"][c]["amount"]),
            sum(&expected, c, "amount")
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn transactions_of_the_last_7_days_by_day_and_by_type() {
    let (up, _server, mcp) = setup(&[]).await;
    let before = sandbox_now(&up).await;
    let report = mcp
        .ok(
            "summarizeTransactions",
            json!({"from": "-7d", "group_by": "day"}),
        )
        .await;
    let after = sandbox_now(&up).await;
    // The rows of the window the report fixed ("to" defaults to now), not of "-7d" resolved
    // again a moment later.
    let (from, to) = fixed_window(&up.take(), Duration::days(7), before, after);
    let expected = direct_rows(
        &up,
        "listTransactions",
        &[("from", &from), ("to", &to)],
        "transaction_list",
    )
    .await;
    assert_eq!(report["count"], expected.len(), "{report}");
    let days = report["groups"].as_array().unwrap();
    let keys: Vec<&str> = days.iter().map(|g| g["key"].as_str().unwrap()).collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(keys, sorted, "days in time order");
    assert!(days.len() >= 7 && days.len() <= 8, "{keys:?}");
    let total: u64 = days.iter().map(|g| g["count"].as_u64().unwrap()).sum();
    assert_eq!(total, expected.len() as u64);
    // The same window again, fixed: "-7d" now would be a few moments later.
    let by_type = mcp
        .ok(
            "summarizeTransactions",
            json!({"from": from, "to": to, "group_by": "transaction_type"}),
        )
        .await;
    for g in by_type["groups"].as_array().unwrap() {
        let t = g["key"].as_str().unwrap();
        let n = expected
            .iter()
            .filter(|r| r["transaction_type"] == t)
            .count();
        assert_eq!(g["count"], n, "{t}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_stops_at_the_row_limit_and_says_so() {
    let (up, _server, mcp) = setup(&["--report-max-rows", "50"]).await;
    let report = mcp
        .ok(
            "summarizeTransactions",
            json!({"from": "start", "to": "now"}),
        )
        .await;
    assert_eq!(report["rows_read"], 50, "{report}");
    assert_eq!(report["complete"], false);
    assert!(
        report["note"]
            .as_str()
            .unwrap()
            .contains("--report-max-rows")
    );
    assert!(up.count() >= 1);
    // A row filter that matches nothing still stops at the limit, and does not claim to be
    // complete.
    up.take();
    let filtered = mcp
        .ok(
            "summarizePurchases",
            json!({"from": "start", "to": "now", "where": {"country": "XX"}}),
        )
        .await;
    assert_eq!(filtered["rows_read"], 50, "{filtered}");
    assert_eq!(filtered["count"], 0);
    assert_eq!(filtered["complete"], false, "{filtered}");
    assert_eq!(
        up.take()
            .iter()
            .filter(|r| r.function == "listPurchases")
            .count(),
        1,
        "one page is enough for 50 rows"
    );
    // Filters are bounded before anything is sent.
    let alternatives = vec!["XX"; 500].join(",");
    let refused = mcp
        .call(
            "summarizePurchases",
            json!({"where": {"country": alternatives}}),
        )
        .await;
    assert_eq!(refused["isError"], true, "{refused}");
    assert_eq!(up.count(), 0);
    // A comma list on a field Digistore24 searches itself (one value there) would match
    // nothing and count 0 as if complete: refused, naming what works instead.
    let list = mcp
        .call(
            "summarizeTransactions",
            json!({"from": "start", "where": {"email": "a@example.com,b@example.com"}}),
        )
        .await;
    assert_eq!(list["isError"], true, "{list}");
    assert!(text(&list).contains("buyer.email"), "{list}");
    // For a field the rows name alike, only asking once per value works: the hint says that
    // alone (filtering on the row's field would go to Digistore24's search again).
    let list = mcp
        .call(
            "summarizeTransactions",
            json!({"from": "start", "where": {"product_id": "1,2"}}),
        )
        .await;
    assert_eq!(list["isError"], true, "{list}");
    let t = text(&list);
    assert!(
        t.contains("ask once per value") && !t.contains("row's own field"),
        "{t}"
    );
    assert_eq!(up.count(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_with_a_progress_token_streams_progress_before_its_answer() {
    let (_up, server, _mcp) = setup(&[]).await;
    let body = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {
        "name": "summarizeTransactions",
        "arguments": {"from": "start", "to": "now"},
        "_meta": {"progressToken": "p-1"}
    }});
    let text = reqwest::Client::new()
        .post(server.url())
        .header("authorization", format!("Bearer {READ_KEY}"))
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-11-25")
        .json(&body)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let messages: Vec<Value> = text
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .filter_map(|d| serde_json::from_str(d.trim()).ok())
        .collect();
    let progress: Vec<&Value> = messages
        .iter()
        .filter(|m| m["method"] == "notifications/progress")
        .collect();
    assert!(!progress.is_empty(), "{text}");
    assert!(
        progress
            .iter()
            .all(|p| p["params"]["progressToken"] == "p-1")
    );
    let last = messages.last().unwrap();
    assert_eq!(last["id"], 7);
    assert!(
        last["result"]["structuredContent"]["count"]
            .as_u64()
            .unwrap()
            > 1000
    );
}

/// Review of a vendor's journeys, finding 1: "how many payments today / yesterday" gives what
/// the list gives for the same window. A day named as the end of a window is its last second,
/// as Digistore24 reads it; the report used to end it at midnight before the day and count 0.
#[tokio::test(flavor = "multi_thread")]
async fn a_report_over_today_or_yesterday_counts_what_the_list_holds() {
    let (up, _server, mcp) = setup(&[]).await;
    let mut total = 0;
    for (from, to) in [
        ("today", "today"),
        ("yesterday", "yesterday"),
        ("yesterday", "today"),
    ] {
        let rows = direct_rows(
            &up,
            "listTransactions",
            &[("from", from), ("to", to)],
            "transaction_list",
        )
        .await;
        let report = mcp
            .ok("summarizeTransactions", json!({"from": from, "to": to}))
            .await;
        assert_eq!(report["complete"], true, "{report}");
        assert_eq!(report["count"], json!(rows.len()), "{from}..{to}: {report}");
        total += rows.len();
    }
    assert!(total > 0, "the sandbox has payments in these days");
}

/// Finding 2: a filter on a field no row has cannot be answered, so the report says so and
/// names the fields a row has, instead of counting 0 as if that were the answer; values
/// written the ways the server's instructions suggest (a number for an amount, a boolean for
/// a flag, lower case for a code) match the rows' text; and when nothing matches, the note
/// shows what the rows hold.
#[tokio::test(flavor = "multi_thread")]
async fn report_filters_that_cannot_match_say_so() {
    let (up, _server, mcp) = setup(&[]).await;
    // Nothing counted under the default role: the answer says how to count other roles
    // (an affiliate's key got `count: 0, complete: true` and nothing else). Diff review 5.
    let r = mcp
        .ok(
            "summarizePurchases",
            json!({"from": "start", "where": {"product_id": "999999999"}}),
        )
        .await;
    assert_eq!(r["count"], 0, "{r}");
    assert_eq!(r["role"], "vendor", "{r}");
    assert!(
        r["note"].as_str().is_some_and(|n| n.contains("where.role")),
        "{r}"
    );
    // Journey review 6: a mistyped product ID read like "no sales"; the note points to the IDs.
    assert!(
        r["note"]
            .as_str()
            .is_some_and(|n| n.contains("product_id 999999999; listProducts")),
        "{r}"
    );
    let every = mcp
        .ok(
            "summarizePurchases",
            json!({"from": "start", "where": {"role": "vendor,affiliate,other"}}),
        )
        .await;
    assert!(every["count"].as_u64().unwrap_or(0) > 0, "{every}");
    let r = mcp
        .call(
            "summarizeTransactions",
            json!({"from": "-7d", "where": {"billing_status": "paying"}}),
        )
        .await;
    assert_eq!(r["isError"], true, "{r}");
    let t = text(&r);
    assert!(
        t.contains("where.billing_status") && t.contains("transaction_type"),
        "names the field and the fields a row has: {t}"
    );
    // Rows were read from Digistore24 before the field was found missing: the message must not
    // say that nothing was sent (journey review 6).
    assert!(!t.contains("Nothing was sent"), "{t}");
    let r = mcp
        .call(
            "summarizePurchases",
            json!({"from": "-7d", "group_by": "no_such_field"}),
        )
        .await;
    assert_eq!(r["isError"], true, "{r}");
    // Journey review 3: a comma means "any of", so an amount with a decimal comma counted
    // "44 or 66", 0 rows, as if that were the answer.
    let r = mcp
        .call(
            "summarizePurchases",
            json!({"from": "-7d", "where": {"earned_amount": "44,66"}}),
        )
        .await;
    assert_eq!(r["isError"], true, "{r}");
    let t = text(&r);
    assert!(t.contains("decimal point (44.66)"), "{t}");
    for (german, meant) in [("10,5", "(10.5)"), ("1.234,56", "(1234.56)")] {
        let r = mcp
            .call(
                "summarizePurchases",
                json!({"from": "-7d", "where": {"amount": german}}),
            )
            .await;
        assert!(text(&r).contains(meant), "{german}: {r}");
    }
    // Two amounts written with points are still a list of two, and answered.
    mcp.ok(
        "summarizePurchases",
        json!({"from": "-7d", "where": {"earned_amount": "44.00,66.00"}}),
    )
    .await;

    let rows = direct_rows(&up, "listPurchases", &[("from", "start")], "purchase_list").await;
    let row = rows
        .iter()
        .find(|r| r["rebilling_active"] == "Y" && r["country"] != "")
        .expect("a subscription with a country");
    let amount = row["amount"].as_str().unwrap().to_owned();
    let country = row["country"].as_str().unwrap().to_owned();
    let expected = |f: &dyn Fn(&Value) -> bool| rows.iter().filter(|r| f(r)).count();
    let by_amount = expected(&|r| r["amount"] == amount.as_str());
    let number: f64 = amount.parse().unwrap();
    for (filter, want) in [
        (json!({"amount": number}), by_amount),
        (
            json!({"rebilling_active": true}),
            expected(&|r| r["rebilling_active"] == "Y"),
        ),
        (
            json!({"country": country.to_lowercase()}),
            expected(&|r| r["country"] == country.as_str()),
        ),
    ] {
        let report = mcp
            .ok(
                "summarizePurchases",
                json!({"from": "start", "where": filter}),
            )
            .await;
        assert_eq!(report["count"], json!(want), "{filter}: {report}");
        assert!(want > 0, "{filter}");
    }

    let none = mcp
        .ok(
            "summarizePurchases",
            json!({"from": "start", "where": {"billing_status": "Payments in progress"}}),
        )
        .await;
    assert_eq!(none["count"], 0, "{none}");
    let note = none["note"].as_str().unwrap_or_default();
    assert!(
        note.contains("paying"),
        "shows the values rows hold: {none}"
    );
}

/// Finding 3: a window whose start is after its end (`7d` for `-7d`) is refused with the
/// sign to use, in the reports and the lists alike, and nothing is sent.
#[tokio::test(flavor = "multi_thread")]
async fn an_inverted_window_is_refused_with_the_sign_to_use() {
    let (up, _server, mcp) = setup(&[]).await;
    for tool in ["summarizePurchases", "listPurchases"] {
        let r = mcp.call(tool, json!({"from": "7d"})).await;
        assert_eq!(r["isError"], true, "{tool}: {r}");
        assert!(text(&r).contains("`-7d`"), "{tool}: {r}");
        let r = mcp.call(tool, json!({"from": "now", "to": "-7d"})).await;
        assert_eq!(r["isError"], true, "{tool}: {r}");
    }
    assert_eq!(up.count(), 0, "nothing was sent");
}

/// Journey review 6: a window of whole days came back as written from summarizePurchases
/// (`"to": "2026-01-31"`) and resolved from summarizeTransactions (`"2026-01-31 23:59:59"`).
/// Both reports now show the seconds they counted.
#[tokio::test(flavor = "multi_thread")]
async fn both_reports_show_a_window_of_days_as_the_seconds_counted() {
    let (_up, _server, mcp) = setup(&[]).await;
    for tool in ["summarizePurchases", "summarizeTransactions"] {
        let r = mcp
            .ok(tool, json!({"from": "2026-01-01", "to": "2026-01-31"}))
            .await;
        assert_eq!(r["from"], "2026-01-01 00:00:00", "{tool}: {r}");
        assert_eq!(r["to"], "2026-01-31 23:59:59", "{tool}: {r}");
    }
}

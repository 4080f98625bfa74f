//! The wire protocol: URL forms, key sources, body encodings, positional arguments, envelope,
//! error codes and both error-status modes.

#![allow(clippy::unwrap_used)] // helpers outside #[test] functions may panic too

mod common;

use common::*;
use ds24_sandbox::{ErrorStatus, KeyPermission, KeySpec, SandboxOptions};
use serde_json::{Value, json};

fn is_timestamp(v: &Value) -> bool {
    let t = s(v);
    t.len() == 19
        && t.as_bytes()[4] == b'-'
        && t.as_bytes()[10] == b' '
        && t.as_bytes()[13] == b':'
        && t.bytes().filter(u8::is_ascii_digit).count() == 14
}

#[tokio::test]
async fn envelope_has_the_documented_shape() {
    let sb = Sb::start().await;
    let (status, v) = sb.raw(FULL, "ping", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(v["api_version"], "1.2");
    assert_eq!(v["result"], "success");
    assert!(is_timestamp(&v["current_time"]), "{v}");
    assert!(is_timestamp(&v["data"]["server_time"]), "{v}");
    assert!(v["runtime_seconds"].is_number());

    let (status, v) = sb
        .raw(FULL, "getPurchase", &[("purchase_id", "ZZZZ9999")])
        .await;
    assert_eq!(status, 200);
    assert_eq!(v["result"], "error");
    assert_eq!(v["code"], 4);
    assert!(v["message"].is_string());
    assert!(v.get("data").is_none());
    assert!(is_timestamp(&v["current_time"]));
}

#[tokio::test]
async fn values_are_strings_like_the_real_api() {
    let sb = Sb::start().await;
    let list = sb
        .ok("listPurchases", &[("from", "-30d"), ("page_size", "5")])
        .await;
    assert!(list["page_no"].is_string() && list["item_count"].is_string());
    let p = &list["purchase_list"][0];
    let id = s(&p["id"]);
    assert_eq!(id.len(), 8);
    assert!(
        id.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    );
    let full = sb.ok("getPurchase", &[("purchase_id", id.as_str())]).await;
    for field in ["amount", "vat_amount", "vat_rate", "other_amounts"] {
        let v = s(&full[field]);
        assert!(full[field].is_string(), "{field}");
        assert_eq!(v.split('.').nth(1).map(str::len), Some(2), "{field}={v}");
    }
    assert!(full["buyer"]["id"].is_string());
    assert!(matches!(s(&full["has_etickets"]).as_str(), "Y" | "N"));
    assert!(!s(&full["billing_status_msg"]).is_empty());
    assert!(is_timestamp(&full["created_at"]));
}

#[tokio::test]
async fn all_url_forms_and_key_sources_work() {
    let sb = Sb::start().await;
    let base = sb.sb.api_url();
    let form = |body: &'static str| {
        sb.http
            .post(format!("{base}/getProduct"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
    };
    // Form B: no /format/json.
    let v: Value = form("product_id=512340")
        .header("X-DS-API-KEY", READ)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["data"]["product"]["id"], "512340", "{v}");
    // Form C: legacy, key in the path, positional arg1, extra connector parameters.
    let purchases = sb.ok("listPurchases", &[("from", "-30d")]).await;
    let pid = s(&purchases["purchase_list"][0]["id"]);
    let v: Value = sb
        .http
        .post(format!("{base}/{READ}/json/getPurchase"))
        .header(
            "Content-Type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )
        .body(format!("arg1={pid}&language=de&operator=&ds24ver=1.1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["result"], "success", "{v}");
    assert_eq!(v["data"]["id"], pid.as_str());
    // A wrong key in the legacy path is a bad key.
    let v: Value = sb
        .http
        .post(format!("{base}/123-nope/json/ping"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["code"], 2);
    // GET with a query string, brackets included.
    let v: Value = sb
        .http
        .get(format!(
            "{base}/listPurchases/format/json?from=-30d&search[product_id]=512341&page_size=3"
        ))
        .header("X-DS-API-KEY", READ)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["result"], "success", "{v}");
    for row in v["data"]["purchase_list"].as_array().unwrap() {
        assert_eq!(row["product_id"], "512341");
    }
}

#[tokio::test]
async fn raw_and_percent_encoded_brackets_are_the_same() {
    let sb = Sb::start().await;
    let (_, a) = sb
        .body(
            FULL,
            "listTransactions",
            "from=-30d&search[product_id]=512341,512348&search[transaction_type]=payment".into(),
        )
        .await;
    let (_, b) = sb
        .body(
            FULL,
            "listTransactions",
            "from=-30d&search%5Bproduct_id%5D=512341%2C512348&search%5Btransaction_type%5D=payment"
                .into(),
        )
        .await;
    assert_eq!(a["data"]["item_count"], b["data"]["item_count"]);
    let n: usize = s(&a["data"]["item_count"]).parse().unwrap();
    assert!(n > 0);
    for row in a["data"]["transaction_list"].as_array().unwrap() {
        assert!(["512341", "512348"].contains(&row["product_id"].as_str().unwrap()));
        assert_eq!(row["transaction_type"], "payment");
    }
    // Nested brackets: per-reseller approval.
    let (_, v) = sb
        .body(
            FULL,
            "updateProduct",
            "product_id=512340&data%5Bapproval_status%5D%5B3%5D=pending".into(),
        )
        .await;
    assert_eq!(v["data"]["modified"], "Y", "{v}");
    let p = sb.ok("getProduct", &[("product_id", "512340")]).await;
    let uk = p["product"]["approval_status_list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["reseller_id"] == "3")
        .unwrap()
        .clone();
    assert_eq!(uk["approval_status"], "pending");
}

#[tokio::test]
async fn json_bodies_are_accepted() {
    let sb = Sb::start().await;
    let post = |function: &str, body: Value| {
        sb.http
            .post(sb.url(function))
            .header("X-DS-API-KEY", FULL)
            .json(&body)
            .send()
    };
    let v: Value = post(
        "createProduct",
        json!({"data": {"name_de": "JSON-Produkt", "currency": "EUR"}, "language": "en"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let id = s(&v["data"]["product_id"]);
    assert!(!id.is_empty(), "{v}");
    let v: Value = post(
        "getProduct",
        json!({"product_id": id.parse::<u64>().unwrap()}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(v["data"]["product"]["name_de"], "JSON-Produkt");
    let v: Value = post(
        "listPurchases",
        json!({"from": "-30d", "search": {"product_id": "512341"}, "load_transactions": true}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let rows = v["data"]["purchase_list"].as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| r["product_id"] == "512341" && r["transaction_list"].is_array())
    );
    // Broken JSON is a parameter error.
    let resp = sb
        .http
        .post(sb.url("ping"))
        .header("X-DS-API-KEY", FULL)
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["code"], 3);
}

#[tokio::test]
async fn positional_and_named_arguments_agree() {
    let sb = Sb::start().await;
    // The last 7 days as one absolute window on the sandbox's clock: "-7d" and "now" would be
    // resolved anew by each call, and a row on the edge could be in one window and not the next.
    let now = s(&sb.ok("ping", &[]).await["server_time"]);
    let from = (chrono::NaiveDateTime::parse_from_str(&now, "%Y-%m-%d %H:%M:%S").unwrap()
        - chrono::Duration::days(7))
    .format("%Y-%m-%d %H:%M:%S")
    .to_string();
    let named = sb
        .ok(
            "listPurchases",
            &[
                ("from", &from),
                ("to", &now),
                ("search[billing_type]", "subscription"),
            ],
        )
        .await;
    let positional = sb
        .ok(
            "listPurchases",
            &[
                ("arg1", &from),
                ("arg2", &now),
                ("arg3[billing_type]", "subscription"),
            ],
        )
        .await;
    assert_eq!(named["item_count"], positional["item_count"]);
    assert_eq!(named["purchase_list"], positional["purchase_list"]);
    let n: usize = s(&named["item_count"]).parse().unwrap();
    let all = sb
        .ok("listPurchases", &[("from", &from), ("to", &now)])
        .await;
    assert!(n > 0 && n < s(&all["item_count"]).parse::<usize>().unwrap());
    // createPaymentplan(product_id, data) positionally.
    let plan = sb
        .ok(
            "createPaymentplan",
            &[("arg1", "512340"), ("arg2[first_amount]", "12.00")],
        )
        .await;
    assert_eq!(plan["is_valid"], "Y");
}

#[tokio::test]
async fn keys_and_permissions() {
    let mut opts = SandboxOptions::in_memory();
    opts.keys
        .push(KeySpec::new("dev-key", KeyPermission::Developer));
    let sb = Sb::with(opts).await;
    let (code, msg) = sb.err("nope", "ping", &[]).await;
    assert_eq!(code, 2, "{msg}");
    let (code, _) = sb.err("", "ping", &[]).await;
    assert_eq!(code, 2);
    let (code, msg) = sb.err(FULL, "getPurchaes", &[]).await;
    assert_eq!(code, 9);
    assert!(msg.contains("getPurchaes"));
    let (code, _) = sb.err(FULL, "getpurchase", &[("purchase_id", "X")]).await;
    assert_eq!(code, 9, "function names are case-sensitive");
    let (code, msg) = sb
        .err(READ, "createProduct", &[("data[name_de]", "x")])
        .await;
    assert_eq!(code, 8);
    assert!(
        msg.contains("read-only") && msg.contains("Full access is required"),
        "{msg}"
    );
    let (code, _) = sb.err(READ, "listInvoices", &[("purchase_id", "X")]).await;
    assert_eq!(code, 8, "listInvoices needs full access although it reads");
    sb.ok_as(READ, "listProducts", &[]).await;
    sb.ok_as("dev-key", "ping", &[]).await;
    sb.ok_as(
        "dev-key",
        "validateAffiliate",
        &[("affiliate_name", "anna_s24"), ("product_ids", "512340")],
    )
    .await;
    let (code, _) = sb.err("dev-key", "listProducts", &[]).await;
    assert_eq!(code, 8);
    // A read key may read the test-pay key but not rotate it.
    sb.ok_as(READ, "getTestpayKey", &[]).await;
    let (code, _) = sb.err(READ, "getTestpayKey", &[("do_recreate", "Y")]).await;
    assert_eq!(code, 8);
}

#[tokio::test]
async fn messages_and_labels_follow_language() {
    let sb = Sb::start().await;
    let (_, de) = sb
        .raw(FULL, "getPurchase", &[("purchase_id", "ZZZZ9999")])
        .await;
    let (_, en) = sb
        .raw(
            FULL,
            "getPurchase",
            &[("purchase_id", "ZZZZ9999"), ("language", "en")],
        )
        .await;
    assert!(s(&de["message"]).contains("nicht gefunden"), "{de}");
    assert!(s(&en["message"]).contains("not found"), "{en}");
    let list = sb
        .ok("listPurchases", &[("from", "-30d"), ("page_size", "50")])
        .await;
    let row = list["purchase_list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["billing_type"] == "single_payment")
        .unwrap()
        .clone();
    assert_eq!(row["billing_type_msg"], "Einmalzahlung");
    let list_en = sb
        .ok(
            "listPurchases",
            &[("from", "-30d"), ("page_size", "50"), ("language", "en")],
        )
        .await;
    let row_en = list_en["purchase_list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == row["id"])
        .unwrap()
        .clone();
    assert_eq!(row_en["billing_type_msg"], "Single payment");
}

#[tokio::test]
async fn booleans_and_time_expressions() {
    let sb = Sb::start().await;
    for yes in ["1", "Y", "yes", "T", "true"] {
        let d = sb
            .ok(
                "listPurchases",
                &[
                    ("from", "-3d"),
                    ("load_transactions", yes),
                    ("page_size", "1"),
                ],
            )
            .await;
        assert!(
            d["purchase_list"][0]["transaction_list"].is_array(),
            "{yes}"
        );
    }
    for no in ["0", "N", "no", "F", "false"] {
        let d = sb
            .ok(
                "listPurchases",
                &[
                    ("from", "-3d"),
                    ("load_transactions", no),
                    ("page_size", "1"),
                ],
            )
            .await;
        assert!(
            d["purchase_list"][0].get("transaction_list").is_none(),
            "{no}"
        );
    }
    let (code, msg) = sb
        .err(FULL, "listPurchases", &[("load_transactions", "maybe")])
        .await;
    assert_eq!(code, 3);
    assert!(msg.contains("load_transactions"));

    let now = sb.ok("ping", &[]).await;
    let today = s(&now["server_time"])[..10].to_string();
    let count = |d: &Value| s(&d["item_count"]).parse::<usize>().unwrap();
    let rel = sb.ok("listTransactions", &[("from", "-7d")]).await;
    let week = count(&rel);
    assert!(week > 0);
    for (from, to) in [
        ("today", "now"),
        (today.as_str(), "now"),
        ("-24h", "now"),
        ("-1440m", "0s"),
        ("-86400s", "+0h"),
        ("start", "now"),
        ("2020-01-01T00:00:00+02:00", "now"),
        ("-2Y", "1Y"),
        ("-6M", "today"),
    ] {
        let d = sb
            .ok("listTransactions", &[("from", from), ("to", to)])
            .await;
        assert!(d["from"].is_string(), "{from}");
    }
    let all = count(&sb.ok("listTransactions", &[("from", "start")]).await);
    assert!(all > week);
    let (code, msg) = sb
        .err(FULL, "listTransactions", &[("to", "next week")])
        .await;
    assert_eq!(code, 3);
    assert!(msg.contains("'to'"), "{msg}");
}

async fn status_of(sb: &Sb, key: &str, function: &str, pairs: &[(&str, &str)]) -> (u16, i64) {
    let (status, v) = sb.raw(key, function, pairs).await;
    (status, v["code"].as_i64().unwrap_or(-1))
}

#[tokio::test]
async fn error_status_modes() {
    let envelope = Sb::start().await;
    let http = Sb::with(SandboxOptions {
        error_status: ErrorStatus::Http,
        ..SandboxOptions::in_memory()
    })
    .await;
    type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], u16, i64);
    let cases: [Case; 5] = [
        (FULL, "getProduct", &[], 400, 3),
        ("wrong-key", "ping", &[], 401, 2),
        (READ, "createProduct", &[("data[name_de]", "x")], 403, 8),
        (FULL, "getProduct", &[("product_id", "1")], 404, 4),
        (FULL, "noSuchFunction", &[], 404, 9),
    ];
    for (key, f, pairs, http_status, code) in cases {
        assert_eq!(
            status_of(&envelope, key, f, pairs).await,
            (200, code),
            "{f}"
        );
        assert_eq!(
            status_of(&http, key, f, pairs).await,
            (http_status, code),
            "{f}"
        );
    }
    let (status, v) = http.raw(FULL, "ping", &[]).await;
    assert_eq!((status, v["result"].as_str()), (200, Some("success")));
}

/// Hostile bodies (a security finding): a key with 20,000 `[]` levels used to overflow the
/// parser's stack and abort the whole process. Now it is Digistore24's invalid-parameter error
/// (code 3), and the sandbox keeps serving.
#[tokio::test]
async fn hostile_nesting_is_a_parameter_error_not_a_crash() {
    let sb = Sb::start().await;
    let deep = format!("a{}=1", "[]".repeat(20_000));
    let encoded = format!("a{}=1", "%5B%5D".repeat(20_000));
    for body in [deep.clone(), encoded] {
        let (status, v) = sb.body(FULL, "ping", body).await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["result"], "error", "{v}");
        assert_eq!(v["code"], 3, "{v}");
    }
    // In the query string too.
    let resp = sb
        .http
        .get(format!("{}?{deep}", sb.url("ping")))
        .header("X-DS-API-KEY", FULL)
        .send()
        .await
        .unwrap();
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["code"], 3, "{v}");
    // JSON: deep nesting, and a deep bracket key.
    let nested = format!("{{\"a\":{}1{}}}", "[".repeat(20_000), "]".repeat(20_000));
    let key = format!("{{\"a{}\":1}}", "[]".repeat(20_000));
    let just_over = format!("{{\"a\":{}1{}}}", "[".repeat(17), "]".repeat(17));
    for body in [nested, key, just_over] {
        let resp = sb
            .http
            .post(sb.url("ping"))
            .header("X-DS-API-KEY", FULL)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["code"], 3, "{v}");
    }
    // Too many values.
    let many = "ids[]=1&".repeat(10_001);
    let (_, v) = sb.body(FULL, "ping", many).await;
    assert_eq!(v["code"], 3, "{v}");
    // Sixteen levels are still fine, and the sandbox still answers.
    let ok = format!("search{}=1", "[x]".repeat(16));
    let (_, v) = sb.body(FULL, "ping", ok).await;
    assert_eq!(v["result"], "success", "{v}");
    sb.ok("ping", &[]).await;
    let data = sb
        .ok("listPurchases", &[("from", "-7d"), ("page_size", "1")])
        .await;
    assert!(data["purchase_list"].is_array());
}

/// Found by fuzzing (fuzz/fuzz_targets/sandbox_wire.rs): a path that is not UTF-8 once
/// percent-decoded, or no path at all, names no function, and is answered like one, with an
/// envelope.
#[tokio::test]
async fn a_path_that_is_not_text_is_an_unknown_function() {
    let sb = Sb::start().await;
    let base = sb.sb.api_url();
    let urls = ["getPro%FFduct", "ping/%C3", "%80/json/ping"]
        .map(|p| sb.url(p))
        .into_iter()
        .chain([base.clone(), format!("{base}/")]);
    for path in urls {
        let resp = sb
            .http
            .post(&path)
            .header("X-DS-API-KEY", FULL)
            .send()
            .await
            .unwrap();
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["result"], "error", "{path}: {v}");
        assert_eq!(v["code"], 9, "{path}: {v}");
    }
    sb.ok("ping", &[]).await;
}

/// requestApiKey's approval page: the request waits for the vendor, Approve hands the key out
/// once, Decline never does, and a request is answered only once.
#[tokio::test]
async fn api_key_requests_wait_for_the_approval_page() {
    let sb = Sb::start().await;
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let request = |comment: &'static str| {
        let sb = &sb;
        async move {
            sb.ok(
                "requestApiKey",
                &[
                    ("permissions", "read-only"),
                    // A local app: the sandbox serves the page on this machine, so it accepts it.
                    ("return_url", "http://localhost:8787/oauth/callback?flow=a"),
                    (
                        "cancel_url",
                        "http://localhost:8787/oauth/callback?flow=a&result=cancel",
                    ),
                    ("comment", comment),
                ],
            )
            .await
        }
    };
    let req = request("ds24-mcp: <b>Claude</b>").await;
    let url = s(&req["request_url"]);
    let addr = sb.sb.local_addr();
    assert_eq!(
        url,
        format!("http://{addr}/api_key_request/{}", s(&req["request_token"]))
    );
    let token = s(&req["request_token"]);
    let pending = sb.ok("retrieveApiKey", &[("token", token.as_str())]).await;
    assert_eq!(
        (
            s(&pending["api_key"]).as_str(),
            s(&pending["request_status"]).as_str()
        ),
        ("", "pending")
    );

    let page = browser
        .get(&url)
        .header("accept-language", "en-US,en;q=0.9")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Approve an API key") && html.contains("Read only"),
        "{html}"
    );
    assert!(
        html.contains("&lt;b&gt;Claude&lt;/b&gt;") && !html.contains("<b>Claude"),
        "escaped: {html}"
    );
    assert!(html.contains(r#"name="decision" value="approve""#));
    let german = browser
        .get(&url)
        .header("accept-language", "de-DE,de;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(german.contains("API-Schlüssel freigeben"), "{german}");

    let approved = browser
        .post(&url)
        .form(&[("decision", "approve")])
        .send()
        .await
        .unwrap();
    assert_eq!(approved.status(), 303);
    assert_eq!(
        approved.headers()["location"],
        "http://localhost:8787/oauth/callback?flow=a"
    );
    let again = browser
        .post(&url)
        .form(&[("decision", "decline")])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409, "answered once");
    let got = sb.ok("retrieveApiKey", &[("token", token.as_str())]).await;
    let key = s(&got["api_key"]);
    assert_eq!(s(&got["request_status"]), "completed");
    sb.ok_as(&key, "listProducts", &[]).await;
    let (code, _) = sb
        .err(&key, "createProduct", &[("data[name_de]", "x")])
        .await;
    assert_eq!(code, 8, "read-only, as requested");
    let twice = sb.ok("retrieveApiKey", &[("token", token.as_str())]).await;
    assert_eq!(s(&twice["api_key"]), "", "handed out once");

    let declined = request("declined app").await;
    let url = s(&declined["request_url"]);
    let answer = browser
        .post(&url)
        .form(&[("decision", "decline")])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 303);
    assert_eq!(
        answer.headers()["location"],
        "http://localhost:8787/oauth/callback?flow=a&result=cancel"
    );
    let got = sb
        .ok(
            "retrieveApiKey",
            &[("token", s(&declined["request_token"]).as_str())],
        )
        .await;
    assert_eq!(
        (
            s(&got["api_key"]).as_str(),
            s(&got["request_status"]).as_str()
        ),
        ("", "aborted")
    );

    let unknown = browser
        .get(format!("http://{addr}/api_key_request/NOSUCHTOKEN"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let (code, _) = sb
        .err(
            FULL,
            "requestApiKey",
            &[
                ("permissions", "writable"),
                ("return_url", "http://app.example.com/x"),
            ],
        )
        .await;
    assert_eq!(code, 3, "a public app still needs https");
}

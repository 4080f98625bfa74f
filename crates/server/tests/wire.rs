//! Every tool, called once with example arguments through the real server: the exact request
//! that reaches Digistore24 (function path, key header, decoded form fields) is checked against
//! expectations built here, independently of the server's encoder.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use ds24_catalog::{Format, Param, Ty};
use serde_json::{Map, Value, json};
use support::*;

/// Example arguments for `params`, and the form pairs they must become on the wire.
fn example(
    params: &[Param],
    prefix: Option<&str>,
    args: &mut Map<String, Value>,
    wire: &mut Vec<(String, String)>,
) {
    for p in params {
        // A per-language field (`label_XX`) goes out under a language's name (`label_de`).
        let name = p.name_in("de");
        let key = match prefix {
            Some(pre) => format!("{pre}[{name}]"),
            None => name.clone(),
        };
        let (value, pairs): (Value, Vec<(String, String)>) = match &p.ty {
            Ty::String if !p.values.is_empty() => {
                (json!(p.values[0]), vec![(key, p.values[0].to_owned())])
            }
            Ty::String => {
                let v = match p.format {
                    Some(Format::Email) => "a.b+c@example.com".to_owned(),
                    Some(Format::Uri) => "https://example.com/a?b=ä&c=[x]".to_owned(),
                    None => {
                        let v = format!("{} ä&=[x]", p.name);
                        let max = p.max_len.map_or(usize::MAX, |m| m as usize);
                        v.chars().take(max).collect()
                    }
                };
                (json!(v), vec![(key, v)])
            }
            Ty::Integer => {
                let n = 7.max(p.min.unwrap_or(7)).min(p.max.unwrap_or(7));
                (json!(n), vec![(key, n.to_string())])
            }
            Ty::Number => (json!(12.5), vec![(key, "12.5".into())]),
            Ty::Boolean => (json!(true), vec![(key, "Y".into())]),
            Ty::DateTime if p.not_past => (json!("+7d"), vec![(key, "+7d".into())]),
            Ty::DateTime => (json!("-7d"), vec![(key, "-7d".into())]),
            Ty::Date if p.not_past => (json!("2099-01-31"), vec![(key, "2099-01-31".into())]),
            Ty::Date => (json!("2026-01-31"), vec![(key, "2026-01-31".into())]),
            Ty::StringList if !p.values.is_empty() => (
                json!([p.values[0], p.values[p.values.len() - 1]]),
                vec![
                    (format!("{key}[0]"), p.values[0].into()),
                    (format!("{key}[1]"), p.values[p.values.len() - 1].into()),
                ],
            ),
            // Per reseller: a map of the allowed values.
            Ty::TextOrMap if !p.values.is_empty() => (
                json!({"1": p.values[p.values.len() - 1]}),
                vec![(format!("{key}[1]"), p.values[p.values.len() - 1].into())],
            ),
            Ty::TextOrMap => (
                json!({"1234": "5"}),
                vec![(format!("{key}[1234]"), "5".into())],
            ),
            Ty::StringList => (
                json!(["a", "b"]),
                vec![
                    (format!("{key}[0]"), "a".into()),
                    (format!("{key}[1]"), "b".into()),
                ],
            ),
            Ty::Object([]) => (
                json!({"TITLE": "Pro"}),
                vec![(format!("{key}[TITLE]"), "Pro".into())],
            ),
            Ty::Array([]) => (
                json!([{"k": "v"}]),
                vec![(format!("{key}[0][k]"), "v".into())],
            ),
            Ty::Object(fields) => {
                let mut inner = Map::new();
                let mut pairs = Vec::new();
                example(fields, Some(&key), &mut inner, &mut pairs);
                (Value::Object(inner), pairs)
            }
            Ty::Array(fields) => {
                let mut inner = Map::new();
                let mut pairs = Vec::new();
                example(fields, Some(&format!("{key}[0]")), &mut inner, &mut pairs);
                (json!([Value::Object(inner)]), pairs)
            }
        };
        args.insert(name, value);
        wire.extend(pairs);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_tool_sends_the_exact_wire_request() {
    let up = upstream().await;
    let server = serve(&[
        "--api-url",
        &up.api_url(),
        "--toolsets",
        "all",
        // About 120 calls in a row from one key and one address: no limit may cut them short
        // on a fast machine.
        "--key-rate-limit",
        "0",
        "--ip-rate-limit",
        "0",
    ]);
    let mcp = Mcp::new(server.url(), Some(FULL_KEY), Era::Legacy);
    let mut checked = 0;
    // Reports are not Digistore24 functions; tests/reports.rs checks what they send.
    let api = || ds24_catalog::all().filter(|f| f.kind == ds24_catalog::Kind::Api);
    // `unregister` revokes the calling key, and a key Digistore24 then rejects is not sent
    // again for a while: it goes last.
    let mut functions: Vec<_> = api().collect();
    functions.sort_by_key(|f| f.name == "unregister");
    for f in functions {
        let mut args = Map::new();
        let mut expected = Vec::new();
        example(f.params, None, &mut args, &mut expected);
        // The configured answer language rides along unless the function has its own
        // `language` parameter, which then wins, or Digistore24 reads the session language as
        // content (createProduct: the checkout language), which the account then decides.
        if !f.params.iter().any(|p| p.name == "language") && !f.language_is_content {
            expected.push(("language".to_owned(), "en".to_owned()));
        }
        let result = mcp.call(f.name, Value::Object(args.clone())).await;
        assert!(result["content"].is_array(), "{}: {result}", f.name);
        let recorded = up.take();
        assert_eq!(
            recorded.len(),
            1,
            "{}: one request upstream, got {recorded:?}; result {result}",
            f.name
        );
        let r = &recorded[0];
        assert_eq!(r.function, f.name);
        assert_eq!(r.key.as_deref(), Some(FULL_KEY));
        let mut got = r.form.clone();
        got.sort();
        expected.sort();
        assert_eq!(got, expected, "{} with {}", f.name, Value::Object(args));
        checked += 1;
    }
    assert_eq!(checked, api().count());
}

/// A function whose own `language` parameter filters (the marketplace's language) gets none
/// when the caller gives none: the answer language must not narrow what was left open.
#[tokio::test(flavor = "multi_thread")]
async fn a_language_filter_left_open_stays_open() {
    let up = upstream().await;
    let server = serve(&["--api-url", &up.api_url(), "--toolsets", "all"]);
    let mcp = Mcp::new(server.url(), Some(FULL_KEY), Era::Legacy);
    let with_filter: Vec<_> = ds24_catalog::all()
        .filter(|f| f.kind == ds24_catalog::Kind::Api)
        .filter(|f| f.params.iter().any(|p| p.name == "language"))
        .filter(|f| f.params.iter().all(|p| !p.required))
        .collect();
    assert!(
        with_filter.iter().any(|f| f.name == "statsMarketplace"),
        "statsMarketplace filters by language"
    );
    for f in with_filter {
        mcp.call(f.name, json!({})).await;
        let recorded = up.take();
        assert_eq!(recorded.len(), 1, "{}: {recorded:?}", f.name);
        assert!(
            recorded[0].form.iter().all(|(k, _)| k != "language"),
            "{}: {:?}",
            f.name,
            recorded[0].form
        );
    }
    // Everything else still gets the answer language.
    mcp.call("listProducts", json!({})).await;
    assert!(
        up.take()[0]
            .form
            .contains(&("language".to_owned(), "en".to_owned()))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn official_names_call_the_same_functions() {
    let up = upstream().await;
    let server = serve(&["--api-url", &up.api_url(), "--tool-names", "official"]);
    let mcp = Mcp::new(server.url(), Some(READ_KEY), Era::Modern);
    let names = mcp.tool_names().await;
    assert!(
        names.contains(&"GetGetproduct".to_owned()) && !names.contains(&"getProduct".to_owned())
    );
    mcp.ok("PostListvouchers", json!({})).await;
    mcp.ok("listVouchers", json!({})).await; // the Digistore24 name still works as an alias
    let fns: Vec<_> = up.take().into_iter().map(|r| r.function).collect();
    assert_eq!(fns, ["listVouchers", "listVouchers"]);
}

/// `updateProduct` sets the approval per reseller as Digistore24 documents it
/// (`data[approval_status][1]=pending`) as well as for all at once; each value is checked.
#[tokio::test(flavor = "multi_thread")]
async fn approval_status_per_reseller_goes_out_in_brackets() {
    let up = upstream().await;
    let server = serve(&["--api-url", &up.api_url(), "--toolsets", "all"]);
    let mcp = Mcp::new(server.url(), Some(FULL_KEY), Era::Legacy);
    let r = mcp
        .call(
            "updateProduct",
            json!({"product_id": 512341, "data": {"approval_status": {"1": "pending", "3": "new"}}}),
        )
        .await;
    assert_ne!(r["isError"], true, "the sandbox took it: {r}");
    let sent = up.take();
    assert_eq!(sent.len(), 1);
    let form = &sent[0].form;
    assert!(
        form.contains(&("data[approval_status][1]".to_owned(), "pending".to_owned())),
        "{form:?}"
    );
    assert!(
        form.contains(&("data[approval_status][3]".to_owned(), "new".to_owned())),
        "{form:?}"
    );
    let r = mcp
        .call(
            "updateProduct",
            json!({"product_id": 512341, "data": {"approval_status": "pending"}}),
        )
        .await;
    assert_ne!(r["isError"], true, "{r}");
    assert_eq!(
        up.take()[0]
            .form
            .iter()
            .filter(|(k, _)| k.starts_with("data[approval_status]"))
            .count(),
        1
    );
    let r = mcp
        .call(
            "updateProduct",
            json!({"product_id": 512341, "data": {"approval_status": {"1": "approved"}}}),
        )
        .await;
    assert_eq!(r["isError"], true, "{r}");
    assert!(text(&r).contains("expected each of new, pending"), "{r}");
    assert_eq!(up.count(), 0);
}

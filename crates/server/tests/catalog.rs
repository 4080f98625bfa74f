//! The catalog as users and strict clients see it: snapshots of tools/list over HTTP, invariants
//! every tool must keep, a cross-check against Digistore24's OpenAPI spec, and the README table.
//!
//! Regenerate snapshots and the README table after a deliberate catalog change with
//! `UPDATE_GENERATED=1 cargo test -p ds24-mcp --test catalog`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use ds24_catalog::{Effect, Ty};
use ds24_mcp::tools::{Inventory, NameStyle, Scope, Selection};
use serde_json::{Value, json};
use support::*;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn updating() -> bool {
    std::env::var_os("UPDATE_GENERATED").is_some()
}

/// Compares `actual` with the checked-in file, or rewrites it when updating.
fn check_generated(path: PathBuf, actual: &str) {
    if updating() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected != actual {
        let diff = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{} is out of date (first difference at line {}). If the change is intended, run:\n    UPDATE_GENERATED=1 cargo test -p ds24-mcp --test catalog",
            path.display(),
            diff + 1
        );
    }
}

fn one_tool_per_line(tools: &[Value]) -> String {
    let mut out = String::from("[\n");
    for (i, t) in tools.iter().enumerate() {
        out.push_str(&t.to_string());
        out.push_str(if i + 1 < tools.len() { ",\n" } else { "\n" });
    }
    out.push_str("]\n");
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn tools_list_snapshots() {
    let unused = "http://127.0.0.1:9/api/call";
    let cases: [(&str, &[&str]); 4] = [
        ("default", &[]),
        ("all", &["--toolsets", "all"]),
        ("read-only", &["--toolsets", "all", "--read-only"]),
        ("official-names", &["--tool-names", "official"]),
    ];
    for (name, flags) in cases {
        let mut args = vec!["--api-url", unused];
        args.extend_from_slice(flags);
        let server = serve(&args);
        let tools = Mcp::new(server.url(), Some(READ_KEY), Era::Legacy)
            .list_tools()
            .await;
        check_generated(
            manifest_dir().join(format!("tests/snapshots/tools-{name}.json")),
            &one_tool_per_line(&tools),
        );
        match name {
            "default" => assert_eq!(tools.len(), 93),
            "all" => assert_eq!(tools.len(), 123),
            "read-only" => assert!(
                tools
                    .iter()
                    .all(|t| t["annotations"]["readOnlyHint"] == true)
            ),
            _ => assert!(
                tools.iter().any(|t| t["name"] == "PostCreateproduct")
                    && tools.iter().any(|t| t["name"] == "updateProduct")
            ),
        }
    }
}

fn all_tools(style: NameStyle) -> Inventory {
    Inventory::new(style, Selection::new("all", &[], &[], false).unwrap())
}

fn walk_schemas(
    schema: &Value,
    at: &str,
    visit: &mut impl FnMut(&str, &serde_json::Map<String, Value>),
) {
    if let Value::Object(map) = schema {
        visit(at, map);
        for (k, v) in map {
            match v {
                Value::Object(_) => walk_schemas(v, &format!("{at}/{k}"), visit),
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        walk_schemas(item, &format!("{at}/{k}/{i}"), visit);
                    }
                }
                _ => {}
            }
        }
    }
}

#[test]
fn every_tool_keeps_the_invariants() {
    let name_ok = |n: &str| {
        !n.is_empty() && n.len() <= 40 && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    };
    for style in [NameStyle::Ds24, NameStyle::Official] {
        let inv = all_tools(style);
        let mut seen = BTreeSet::new();
        for (entry, tool) in inv.visible(&Scope::default()) {
            let f = entry.function;
            assert!(name_ok(&tool.name), "bad name {}", tool.name);
            assert!(
                seen.insert(tool.name.to_string()),
                "duplicate {}",
                tool.name
            );
            let t = serde_json::to_value(tool).unwrap();
            let desc = t["description"].as_str().unwrap();
            assert!(
                desc.len() <= 400,
                "{} description is {} chars",
                f.name,
                desc.len()
            );
            assert!(t["title"].is_string());
            let a = &t["annotations"];
            assert_eq!(
                a["destructiveHint"] == true,
                f.effect == Effect::Destructive,
                "{}",
                f.name
            );
            assert_eq!(
                desc.contains("DESTRUCTIVE"),
                f.effect == Effect::Destructive,
                "{}",
                f.name
            );
            assert_eq!(
                a["readOnlyHint"] == true,
                !f.writes() && !f.params.iter().any(|p| p.mutating),
                "{}",
                f.name
            );
            assert_eq!(a["openWorldHint"], true);
            let key_sentence = [
                "Any key.",
                "Read-only key suffices.",
                "Needs a full-access key",
                "Needs a developer key.",
            ];
            assert!(
                key_sentence.iter().any(|s| desc.contains(s)),
                "{}: {desc}",
                f.name
            );
            let text = t["inputSchema"].to_string();
            for banned in ["$ref", "$defs", "$schema"] {
                assert!(!text.contains(banned), "{} schema has {banned}", f.name);
            }
            walk_schemas(&t["inputSchema"], f.name, &mut |at, map| {
                if map.get("type") == Some(&json!("object")) {
                    match map.get("additionalProperties") {
                        Some(Value::Bool(false)) => {}
                        Some(Value::Object(typed)) => {
                            assert_eq!(typed.get("type"), Some(&json!("string")), "{at}")
                        }
                        other => panic!("{at}: object without additionalProperties: {other:?}"),
                    }
                }
                if let Some(e) = map.get("enum") {
                    assert!(
                        e.as_array().unwrap().iter().all(Value::is_string),
                        "{at}: non-string enum"
                    );
                }
                assert!(
                    !map.contains_key("anyOf") && !map.contains_key("oneOf"),
                    "{at}"
                );
            });
            assert_eq!(t["inputSchema"]["type"], "object");
        }
    }
}

#[test]
fn the_default_tools_list_fits_the_context_budget() {
    let inv = Inventory::new(NameStyle::Ds24, Selection::default());
    let tools: Vec<_> = inv
        .visible(&Scope::default())
        .map(|(_, t)| t.clone())
        .collect();
    let bytes = serde_json::to_string(&json!({"tools": tools}))
        .unwrap()
        .len();
    assert_eq!(tools.len(), 93);
    assert!(
        bytes <= 90 * 1024,
        "default tools/list is {bytes} bytes; the budget is 90 KiB"
    );
}

/// Our parameters that the spec lacks, each with the evidence for it.
const BEYOND_SPEC: &[(&str, &str, &str)] = &[
    (
        "getProduct",
        "show_deleted",
        "documented on dev.digistore24.com",
    ),
    (
        "listOrderforms",
        "layout",
        "community OpenAPI spec (HEPTACOM); unverified",
    ),
    (
        "updateUpsells",
        "data",
        "the spec's request body lists no properties; the wire takes data[...] (protocol.md 4.3)",
    ),
];

fn spec() -> BTreeMap<String, Value> {
    let text =
        std::fs::read_to_string(manifest_dir().join("tests/fixtures/openapi-facts.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["functions"]
        .as_object()
        .unwrap()
        .clone()
        .into_iter()
        .collect()
}

#[test]
fn parameters_match_the_openapi_spec() {
    let spec = spec();
    let mut problems = Vec::new();
    let mut used_exceptions = BTreeSet::new();
    let in_spec: BTreeSet<&str> = ds24_catalog::all()
        .filter(|f| f.in_spec)
        .map(|f| f.name)
        .collect();
    let spec_names: BTreeSet<&str> = spec.keys().map(String::as_str).collect();
    assert_eq!(
        in_spec, spec_names,
        "catalog and spec list the same functions"
    );
    assert_eq!(ds24_catalog::all().count(), 123);
    for f in ds24_catalog::all().filter(|f| f.in_spec) {
        let s = &spec[f.name];
        let method = format!("{:?}", f.spec_method).to_uppercase();
        if s["method"] != json!(method) {
            problems.push(format!("{}: method {method}, spec {}", f.name, s["method"]));
        }
        if s["operationId"].as_str() != f.operation_id {
            problems.push(format!(
                "{}: operationId {:?}, spec {}",
                f.name, f.operation_id, s["operationId"]
            ));
        }
        let top: BTreeMap<&str, bool> = f.params.iter().map(|p| (p.name, p.required)).collect();
        let data: BTreeMap<&str, bool> = f
            .params
            .iter()
            .find(|p| p.name == "data")
            .and_then(|p| {
                if let Ty::Object(fields) = &p.ty {
                    Some(fields.iter().map(|x| (x.name, x.required)).collect())
                } else {
                    None
                }
            })
            .unwrap_or_default();
        let mut covered = BTreeSet::new();
        for q in s["query"].as_array().unwrap() {
            let (name, required) = (q[0].as_str().unwrap(), q[1].as_bool().unwrap());
            covered.insert(name);
            match top.get(name) {
                None => problems.push(format!("{}: spec parameter `{name}` missing", f.name)),
                Some(&r) if r != required => problems.push(format!(
                    "{}: `{name}` required={r}, spec {required}",
                    f.name
                )),
                _ => {}
            }
        }
        // Request-body properties travel either as top-level parameters (createUpgrade,
        // ipnSetup, updateDelivery's data/tracking) or inside the `data[...]` block
        // (protocol.md §4.3).
        let mut body_in_data = false;
        for b in s["body"].as_array().unwrap() {
            let (name, required) = (b[0].as_str().unwrap(), b[1].as_bool().unwrap());
            let found = match data.get(name) {
                Some(&r) => {
                    body_in_data = true;
                    Some(r)
                }
                None => top.get(name).copied(),
            };
            match found {
                None => problems.push(format!("{}: spec body property `{name}` missing", f.name)),
                Some(r) if r != required => problems.push(format!(
                    "{}: body `{name}` required={r}, spec {required}",
                    f.name
                )),
                _ => {
                    covered.insert(name);
                }
            }
        }
        if body_in_data {
            covered.insert("data");
        }
        for p in f.params {
            let beyond = BEYOND_SPEC
                .iter()
                .any(|(func, param, _)| *func == f.name && *param == p.name);
            if beyond {
                used_exceptions.insert((f.name, p.name));
            }
            let known = covered.contains(p.name) || beyond;
            if !known {
                problems.push(format!(
                    "{}: `{}` is not in the spec and not listed in BEYOND_SPEC",
                    f.name, p.name
                ));
            }
        }
    }
    for (func, param, _) in BEYOND_SPEC {
        if !used_exceptions.contains(&(*func, *param)) {
            problems.push(format!(
                "BEYOND_SPEC lists {func}.{param}, which the catalog no longer has"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "catalog vs OpenAPI:\n{}",
        problems.join("\n")
    );
}

#[test]
fn official_names_follow_the_hosted_server() {
    let spec = spec();
    for f in ds24_catalog::all().filter(|f| f.in_spec) {
        let s = &spec[f.name];
        let expected = match s["operationId"].as_str() {
            Some(id) => id.to_owned(),
            None => {
                let m = s["method"].as_str().unwrap();
                let m = format!("{}{}", &m[..1], m[1..].to_lowercase());
                format!(
                    "{m}{}{}",
                    f.name[..1].to_uppercase(),
                    f.name[1..].to_lowercase()
                )
            }
        };
        assert_eq!(f.official_name(), expected);
    }
    assert_eq!(
        ds24_catalog::get("createProduct").unwrap().official_name(),
        "PostCreateproduct"
    );
    assert_eq!(
        ds24_catalog::get("getProduct").unwrap().official_name(),
        "GetGetproduct"
    );
    assert_eq!(
        ds24_catalog::get("listVouchers").unwrap().official_name(),
        "PostListvouchers"
    );
    assert_eq!(
        ds24_catalog::get("updateProduct").unwrap().official_name(),
        "updateProduct"
    );
}

#[test]
fn readme_tool_table_is_current() {
    let readme_path = manifest_dir().join("../../README.md");
    let readme = std::fs::read_to_string(&readme_path).unwrap();
    let table = ds24_mcp::docs::markdown(&all_tools(NameStyle::Ds24));
    let (start, end) = (ds24_mcp::docs::README_START, ds24_mcp::docs::README_END);
    let (Some(a), Some(b)) = (readme.find(start), readme.find(end)) else {
        panic!("README.md lacks the generated-table markers {start} … {end}");
    };
    let current = &readme[a + start.len()..b];
    let wanted = format!("\n{}\n", table.trim_end());
    if current != wanted {
        if updating() {
            let updated = format!("{}{}{}{}", &readme[..a], start, wanted, &readme[b..]);
            std::fs::write(&readme_path, updated).unwrap();
        } else {
            panic!(
                "README.md's tool table is out of date. Regenerate it with:\n    UPDATE_GENERATED=1 cargo test -p ds24-mcp --test catalog"
            );
        }
    }
}

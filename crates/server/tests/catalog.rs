//! The catalog as users and strict clients see it: snapshots of tools/list over HTTP, invariants
//! every derived tool must keep, and the README table. (The entries' own rules and the
//! cross-check against Digistore24's OpenAPI spec live in the catalog crate.)
//!
//! Regenerate snapshots and the README table after a deliberate catalog change with
//! `UPDATE_GENERATED=1 cargo test -p ds24-mcp --test catalog`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;
use std::path::PathBuf;

use ds24_catalog::Effect;
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
            "default" => assert_eq!(
                tools.len(),
                ds24_catalog::all().filter(|f| f.is_default()).count()
            ),
            "all" => assert_eq!(tools.len(), ds24_catalog::all().count()),
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
    Inventory::new(style, Selection::new(Some("all"), &[], &[], false).unwrap())
}

/// Every description and title in a tool, for checks on what the model reads.
fn text_of(tool: &Value) -> String {
    let mut out = format!("{}\n", tool["description"].as_str().unwrap_or(""));
    walk_schemas(&tool["inputSchema"], "", &mut |_, map| {
        for key in ["description", "title"] {
            if let Some(Value::String(s)) = map.get(key) {
                out.push_str(s);
                out.push('\n');
            }
        }
    });
    out
}

/// Visits every schema node: the root, each property's schema and each `items` schema.
fn walk_schemas(
    schema: &Value,
    at: &str,
    visit: &mut impl FnMut(&str, &serde_json::Map<String, Value>),
) {
    let Value::Object(map) = schema else { return };
    visit(at, map);
    if let Some(Value::Object(props)) = map.get("properties") {
        for (name, sub) in props {
            walk_schemas(sub, &format!("{at}/{name}"), visit);
        }
    }
    if let Some(Value::Object(patterns)) = map.get("patternProperties") {
        for (pattern, sub) in patterns {
            walk_schemas(sub, &format!("{at}/{pattern}"), visit);
        }
    }
    if let Some(items) = map.get("items") {
        walk_schemas(items, &format!("{at}[]"), visit);
    }
    if let Some(additional @ Value::Object(_)) = map.get("additionalProperties") {
        walk_schemas(additional, &format!("{at}/*"), visit);
    }
}

/// Second journey review: update schemas advertised creation defaults inside `data`
/// (`updateShippingCostPolicy` `for_countries: "all"`, `updateProductGroup` `position: 10`).
/// In an update a field left out stays as it is, so a client that fills in defaults (a form)
/// would overwrite a rule's country list with "all". No `data` field of an update has one.
#[test]
fn update_schemas_advertise_no_defaults_for_their_changes() {
    let inv = all_tools(NameStyle::Ds24);
    for (entry, tool) in inv.visible(&Scope::default()) {
        if !entry.function.name.starts_with("update") {
            continue;
        }
        let tool = serde_json::to_value(tool).unwrap();
        let data = &tool["inputSchema"]["properties"]["data"];
        walk_schemas(data, "data", &mut |at, map| {
            assert!(
                !map.contains_key("default"),
                "{}: `{at}` advertises a default",
                entry.function.name
            );
        });
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
            // A title is there only when it says more than the name.
            assert_eq!(t.get("title").is_some(), f.has_own_title(), "{}", f.name);
            let a = &t["annotations"];
            let reads = f.only_reads();
            // Annotations only where they differ from the spec's defaults, except that a
            // destructive tool always says so.
            if reads {
                assert_eq!(a, &json!({"readOnlyHint": true}), "{}", f.name);
            } else {
                // A write that some values make destructive (cancelling a delivery) says so too.
                assert_eq!(
                    a["destructiveHint"],
                    json!(f.effect == Effect::Destructive || f.destructive_when.is_some()),
                    "{}",
                    f.name
                );
                assert_eq!(
                    a.get("idempotentHint").is_some(),
                    f.is_idempotent(),
                    "{}",
                    f.name
                );
                assert!(a.get("readOnlyHint").is_none() && a.get("openWorldHint").is_none());
            }
            assert_eq!(
                desc.contains("Destructive."),
                f.effect == Effect::Destructive,
                "{}",
                f.name
            );
            assert_eq!(
                desc.contains("Destructive when "),
                f.destructive_when.is_some(),
                "{}: {desc}",
                f.name
            );
            assert_eq!(
                desc.contains("Needs a full-access key."),
                f.access == ds24_catalog::Access::Full && !f.writes(),
                "{}: {desc}",
                f.name
            );
            for noise in [
                "(docs wording",
                "appkit",
                "HEPTACOM",
                "unverified",
                "YYYY-MM-DD HH",
            ] {
                assert!(
                    !text_of(&t).contains(noise),
                    "{}: `{noise}` is a source note",
                    f.name
                );
            }
            let text = t["inputSchema"].to_string();
            for banned in ["$ref", "$defs", "$schema"] {
                assert!(!text.contains(banned), "{} schema has {banned}", f.name);
            }
            walk_schemas(&t["inputSchema"], f.name, &mut |at, map| {
                let object = map.get("type") == Some(&json!("object"))
                    || map.get("type") == Some(&json!(["string", "object"]));
                if object && !map.contains_key("properties") {
                    // A map without named fields types its values (the root of a tool without
                    // arguments is the only object with neither).
                    match map.get("additionalProperties") {
                        None => {
                            assert_eq!(at, f.name, "{at}: free-form object without typed values")
                        }
                        Some(Value::Object(typed)) => {
                            assert_eq!(typed.get("type"), Some(&json!("string")), "{at}")
                        }
                        other => panic!("{at}: free-form object without typed values: {other:?}"),
                    }
                }
                assert!(map.contains_key("type"), "{at}: untyped value");
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
    assert_eq!(
        tools.len(),
        ds24_catalog::all().filter(|f| f.is_default()).count()
    );
    // 23 % under the hosted Digistore24 server's 62.7 KB.
    assert!(
        bytes <= 48_000,
        "default tools/list is {bytes} bytes; the budget is 48 KB"
    );
}

#[test]
fn readme_context_economy_figures_are_current() {
    let readme_path = manifest_dir().join("../../README.md");
    let readme = std::fs::read_to_string(&readme_path).unwrap();
    let (start, end) = (ds24_mcp::docs::ECONOMY_START, ds24_mcp::docs::ECONOMY_END);
    let (Some(a), Some(b)) = (readme.find(start), readme.find(end)) else {
        panic!("README.md lacks the markers {start} … {end}");
    };
    let wanted = format!("\n{}\n", ds24_mcp::docs::economy());
    if readme[a + start.len()..b] != wanted {
        if updating() {
            let updated = format!("{}{}{}{}", &readme[..a], start, wanted, &readme[b..]);
            std::fs::write(&readme_path, updated).unwrap();
        } else {
            panic!(
                "README.md's context-economy figures are out of date. Regenerate them with:\n    UPDATE_GENERATED=1 cargo test -p ds24-mcp --test catalog"
            );
        }
    }
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

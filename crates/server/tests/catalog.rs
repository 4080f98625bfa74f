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
    assert_eq!(
        tools.len(),
        ds24_catalog::all().filter(|f| f.is_default()).count()
    );
    assert!(
        bytes <= 90 * 1024,
        "default tools/list is {bytes} bytes; the budget is 90 KiB"
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

//! Properties over every tool schema: arguments generated from the schema are accepted by
//! validation, form-encoded by the client, decoded by the sandbox's parser (the wire as
//! Digistore24 reads it), and come back equal.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ds24_catalog::{Format, Param, Ty};
use ds24_mcp::tools::{Inventory, NameStyle, Selection};
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Arguments for `params` as a model following the schema would send them.
fn arguments(params: &'static [Param]) -> BoxedStrategy<Map<String, Value>> {
    let fields: Vec<BoxedStrategy<Option<(String, Value)>>> = params
        .iter()
        .map(|p| {
            // A per-language field (`label_XX`) under a name its schema pattern allows.
            let name = p.name_in("de");
            let value = value(p).prop_map(move |v| (name.clone(), v));
            if p.required {
                value.prop_map(Some).boxed()
            } else {
                proptest::option::of(value).boxed()
            }
        })
        .collect();
    fields
        .prop_map(|fields| fields.into_iter().flatten().collect())
        .boxed()
}

/// Free-form names: what placeholders and custom fields are called.
fn free_name() -> impl Strategy<Value = String> {
    "[A-Za-z_][A-Za-z0-9_]{0,11}"
}

fn free_form() -> BoxedStrategy<Value> {
    proptest::collection::btree_map(free_name(), text(None), 1..4)
        .prop_map(|m| Value::Object(m.into_iter().collect()))
        .boxed()
}

/// Text of at most `max` characters, any Unicode but control characters.
fn text(max: Option<u32>) -> BoxedStrategy<Value> {
    let max = max.unwrap_or(24).min(24);
    proptest::string::string_regex(&format!("[^\\p{{Cc}}]{{0,{max}}}"))
        .unwrap()
        .prop_map(Value::String)
        .boxed()
}

fn value(p: &'static Param) -> BoxedStrategy<Value> {
    if !p.values.is_empty() {
        let pick = proptest::sample::select(p.values).prop_map(Value::from);
        return match p.ty {
            Ty::StringList => proptest::collection::vec(pick, 1..3)
                .prop_map(Value::Array)
                .boxed(),
            _ => pick.boxed(),
        };
    }
    match &p.ty {
        Ty::String => match p.format {
            Some(Format::Email) => "[a-z]{1,8}@[a-z]{1,8}\\.(de|com)"
                .prop_map(Value::String)
                .boxed(),
            Some(Format::Uri) => "https://[a-z]{1,10}\\.example/[a-z0-9]{0,8}"
                .prop_map(Value::String)
                .boxed(),
            _ => text(p.max_len),
        },
        Ty::Integer => {
            let lo = p.min.unwrap_or(-1_000_000);
            let hi = p.max.unwrap_or(1_000_000);
            (lo..=hi).prop_map(Value::from).boxed()
        }
        Ty::Number => {
            let lo = p.min.unwrap_or(-1_000_000) * 100;
            let hi = p.max.unwrap_or(1_000_000) * 100;
            #[allow(clippy::cast_precision_loss)]
            (lo..=hi)
                .prop_map(|cents| Value::from(cents as f64 / 100.0))
                .boxed()
        }
        Ty::Boolean => any::<bool>().prop_map(Value::Bool).boxed(),
        Ty::DateTime if p.not_past => {
            proptest::sample::select(&["+1h", "+24h", "7d", "2099-01-31 12:00:00"][..])
                .prop_map(Value::from)
                .boxed()
        }
        Ty::DateTime => {
            proptest::sample::select(&["now", "-24h", "-7d", "2026-01-31 12:00:00"][..])
                .prop_map(Value::from)
                .boxed()
        }
        Ty::Date if p.not_past => proptest::sample::select(&["today", "+7d", "2099-01-31"][..])
            .prop_map(Value::from)
            .boxed(),
        Ty::Date => proptest::sample::select(&["today", "-7d", "2026-01-31"][..])
            .prop_map(Value::from)
            .boxed(),
        Ty::Object([]) => free_form(),
        Ty::Object(fields) => arguments(fields)
            .prop_filter("an object with something in it", |m| !m.is_empty())
            .prop_filter("one of the fields it needs, not zero", |m| {
                p.needs_one_of.is_empty()
                    || p.needs_one_of
                        .iter()
                        .any(|f| m.get(*f).is_some_and(|v| v.as_f64() != Some(0.0)))
            })
            .prop_map(Value::Object)
            .boxed(),
        Ty::Array([]) => proptest::collection::vec(free_form(), 1..3)
            .prop_map(Value::Array)
            .boxed(),
        Ty::Array(fields) => proptest::collection::vec(
            arguments(fields)
                .prop_filter("an item with something in it", |m| !m.is_empty())
                .prop_map(Value::Object),
            1..3,
        )
        .prop_map(Value::Array)
        .boxed(),
        Ty::StringList => proptest::collection::vec(text(None), 1..4)
            .prop_map(Value::Array)
            .boxed(),
        Ty::TextOrMap => prop_oneof![text(p.max_len), free_form()].boxed(),
    }
}

/// The tree Digistore24 (PHP) reads from the client's form: lists are maps keyed by index,
/// every scalar is text, flags are Y/N.
fn php(value: &Value) -> Value {
    match value {
        Value::Bool(b) => Value::from(if *b { "Y" } else { "N" }),
        Value::Number(n) => Value::from(decimal(n)),
        Value::String(s) => Value::from(s.clone()),
        Value::Array(items) => Value::Object(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), php(v)))
                .collect(),
        ),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), php(v))).collect()),
        Value::Null => Value::Null,
    }
}

fn decimal(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    let f = n.as_f64().unwrap();
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{f:.0}")
    } else {
        format!("{f}")
    }
}

/// Decodes a form body the way Digistore24's PHP does: the sandbox's own parser.
fn decode(body: &str) -> Value {
    let params = ds24_sandbox::parse_params(
        Some("application/x-www-form-urlencoded; charset=utf-8"),
        body.as_bytes(),
    )
    .unwrap_or_else(|e| panic!("the sandbox refused {body}: {e:?}"));
    Value::Object(
        params
            .view()
            .entries()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    )
}

fn inventory() -> Inventory {
    Inventory::new(
        NameStyle::Ds24,
        Selection::new(Some("all"), &[], &[], false).unwrap(),
    )
}

#[test]
fn schema_arguments_are_accepted_encoded_and_read_back_equal() {
    let inventory = inventory();
    let entries: Vec<_> = inventory
        .entries()
        .iter()
        .filter(|e| e.function.kind == ds24_catalog::Kind::Api)
        .collect();
    assert!(!entries.is_empty());
    for entry in entries {
        let name = entry.function.name;
        // A runner per tool: a runner counts its cases over every run it makes.
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
            cases: 64,
            ..ProptestConfig::default()
        });
        runner
            .run(&arguments(entry.function.params), |args| {
                let normalised = entry.validate(false, &args).map_err(|p| {
                    TestCaseError::fail(format!("{name}: refused {args:?}: {}", p.summary()))
                })?;
                let body = ds24_client::form_body(&ds24_client::encode_form(&normalised));
                prop_assert_eq!(
                    decode(&body),
                    php(&Value::Object(normalised.clone())),
                    "{}: {}",
                    name,
                    body
                );
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

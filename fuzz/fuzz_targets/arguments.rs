//! Tool arguments through validation and form encoding, for every tool: whatever a model sends,
//! validation either refuses it with a bounded answer or returns arguments that validate again
//! to themselves and encode to well-formed PHP bracket keys, every one under a declared
//! parameter, that decode back to the same arguments.

#![no_main]

use std::sync::OnceLock;

use arbitrary::Unstructured;
use ds24_catalog::{Param, Ty};
use ds24_client::encode_form;
use ds24_mcp::tools::{Inventory, NameStyle, Selection};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};

fn inventory() -> &'static Inventory {
    static INVENTORY: OnceLock<Inventory> = OnceLock::new();
    INVENTORY.get_or_init(|| match Selection::new(Some("all"), &[], &[], false) {
        Ok(selection) => Inventory::new(NameStyle::Ds24, selection),
        Err(e) => panic!("selection: {e}"),
    })
}

fn names(params: &[Param], out: &mut Vec<&'static str>) {
    for p in params {
        out.push(p.name);
        if let Ty::Object(fields) | Ty::Array(fields) = &p.ty {
            names(fields, out);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let entries = inventory().entries();
    let Ok(i) = u.choose_index(entries.len()) else {
        return;
    };
    let entry = &entries[i];
    let Ok(read_only) = u.arbitrary::<bool>() else {
        return;
    };
    let mut known = Vec::new();
    names(entry.function.params, &mut known);
    let Ok(args) = ds24_mcp_fuzz::object(&mut u, &known, 4) else {
        return;
    };
    match entry.validate(read_only, &args) {
        Err(problems) => {
            assert!(
                problems.summary().len() <= 8 * 1024,
                "{}",
                problems.summary()
            );
        }
        Ok(normalised) => {
            assert_eq!(
                entry.validate(read_only, &normalised).as_ref(),
                Ok(&normalised),
                "normalised arguments validate to themselves"
            );
            let declared: Vec<&str> = entry.params(read_only).iter().map(|p| p.name).collect();
            let pairs = encode_form(&normalised);
            let mut decoded = Map::new();
            for (key, value) in &pairs {
                let path = split(key).unwrap_or_else(|| panic!("malformed key {key:?}"));
                assert!(declared.contains(&path[0].as_str()), "undeclared {key:?}");
                insert(&mut decoded, &path, value.clone());
            }
            assert_eq!(
                Value::Object(decoded),
                php(&Value::Object(normalised)),
                "{pairs:?}"
            );
        }
    }
});

/// `a[b][0]` → `["a", "b", "0"]`; `None` unless every part is non-empty and bracket-free.
fn split(key: &str) -> Option<Vec<String>> {
    let (head, mut rest) = match key.find('[') {
        Some(i) => (&key[..i], &key[i..]),
        None => (key, ""),
    };
    if head.is_empty() || head.contains(']') {
        return None;
    }
    let mut path = vec![head.to_owned()];
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[')?;
        let end = inner.find(']')?;
        let seg = &inner[..end];
        if seg.is_empty() || seg.contains('[') {
            return None;
        }
        path.push(seg.to_owned());
        rest = &inner[end + 1..];
    }
    Some(path)
}

fn insert(tree: &mut Map<String, Value>, path: &[String], value: String) {
    match path {
        [last] => {
            assert!(
                tree.insert(last.clone(), Value::String(value)).is_none(),
                "a key sent twice: {last}"
            );
        }
        [first, rest @ ..] => {
            let child = tree
                .entry(first.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            match child {
                Value::Object(map) => insert(map, rest, value),
                other => panic!("{first} is both a value ({other}) and a container"),
            }
        }
        [] => {}
    }
}

/// The tree Digistore24 (PHP) reads from the encoded form: lists are maps keyed by index,
/// every scalar is text, flags are Y/N, nulls and empty containers send nothing.
fn php(value: &Value) -> Value {
    let mut out = Map::new();
    if let Value::Object(map) = value {
        for (k, v) in map {
            if let Some(p) = php_value(v) {
                out.insert(k.clone(), p);
            }
        }
    }
    Value::Object(out)
}

fn php_value(v: &Value) -> Option<Value> {
    let container = |items: Vec<(String, &Value)>| {
        let map: Map<String, Value> = items
            .into_iter()
            .filter_map(|(k, v)| Some((k, php_value(v)?)))
            .collect();
        (!map.is_empty()).then_some(Value::Object(map))
    };
    match v {
        Value::Null => None,
        Value::Bool(b) => Some(Value::from(if *b { "Y" } else { "N" })),
        Value::Number(n) => Some(Value::from(decimal(n))),
        Value::String(s) => Some(Value::from(s.clone())),
        Value::Array(items) => container(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v))
                .collect(),
        ),
        Value::Object(map) => container(map.iter().map(|(k, v)| (k.clone(), v)).collect()),
    }
}

/// How the client writes a number (ds24_client's encoder), restated.
fn decimal(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        Some(f) => format!("{f}"),
        None => n.to_string(),
    }
}

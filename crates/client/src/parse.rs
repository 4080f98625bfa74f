//! Digistore24's answer parsed into a [`serde_json::Value`], the same value
//! `serde_json::from_str` gives, built with fewer allocations.
//!
//! Why not `serde_json::from_str`: its objects start empty and grow one insert at a time, so
//! every object of an answer rehashes and moves its entries several times on the way to its
//! size. That growth, with the hashing, was about a quarter of the work of turning a
//! `listProducts` answer into a tool result. Here an object's entries (and an array's items)
//! wait on one stack shared by the whole parse, and each object is built once at its final
//! size, from the entries in the order they came. Duplicate keys end as in `serde_json`: the
//! last value, at the first key's place.
//!
//! The parse itself is still `serde_json`'s (the same grammar, depth limit and errors); only
//! the building of values differs.

use std::fmt;

use serde::Deserializer as _;
use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Parses `text` as one JSON value with nothing but whitespace after it.
pub(crate) fn from_str(text: &str) -> serde_json::Result<Value> {
    let mut stacks = Stacks::default();
    let mut de = serde_json::Deserializer::from_str(text);
    let value = (&mut de).deserialize_any(Build {
        stacks: &mut stacks,
    })?;
    de.end()?;
    Ok(value)
}

/// Entries and items of the objects and arrays still open, innermost last.
#[derive(Default)]
struct Stacks {
    entries: Vec<(String, Value)>,
    items: Vec<Value>,
}

/// Builds one value, its open collections' parts kept on `stacks`.
struct Build<'s> {
    stacks: &'s mut Stacks,
}

impl<'de> DeserializeSeed<'de> for Build<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Build<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        // As serde_json: a float JSON cannot hold becomes null.
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let start = self.stacks.items.len();
        let items = loop {
            match seq.next_element_seed(Build {
                stacks: &mut *self.stacks,
            }) {
                Ok(Some(item)) => self.stacks.items.push(item),
                Ok(None) => break self.stacks.items.drain(start..).collect(),
                Err(e) => {
                    self.stacks.items.truncate(start);
                    return Err(e);
                }
            }
        };
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let start = self.stacks.entries.len();
        let entries = loop {
            let entry = match map.next_key::<String>() {
                Ok(Some(key)) => map
                    .next_value_seed(Build {
                        stacks: &mut *self.stacks,
                    })
                    .map(|value| Some((key, value))),
                Ok(None) => Ok(None),
                Err(e) => Err(e),
            };
            match entry {
                Ok(Some(entry)) => self.stacks.entries.push(entry),
                Ok(None) => break self.stacks.entries.drain(start..).collect::<Map<_, _>>(),
                Err(e) => {
                    self.stacks.entries.truncate(start);
                    return Err(e);
                }
            }
        };
        Ok(Value::Object(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::from_str;
    use proptest::prelude::*;
    use serde_json::Value;

    /// Same value, same key order, same error as serde_json.
    fn same_as_serde_json(text: &str) {
        let ours = from_str(text);
        let theirs = serde_json::from_str::<Value>(text);
        match (&ours, &theirs) {
            (Ok(a), Ok(b)) => {
                assert_eq!(
                    serde_json::to_string(a).unwrap(),
                    serde_json::to_string(b).unwrap(),
                    "{text}"
                );
            }
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{text}"),
            _ => panic!("{text}: ours {ours:?}, serde_json {theirs:?}"),
        }
    }

    #[test]
    fn values_as_serde_json_builds_them() {
        for text in [
            r#"{"api_version":"1.2","result":"success","data":{"products":[{"id":"1","name":"A","list":[]},{"id":"2","name":"B \u00e4 \"q\"","tags":["x",{"y":null}]}]}}"#,
            r#"{"b":1,"a":2,"c":{"z":[1,2,[3,[4,{}]]],"y":{}}}"#,
            // Duplicate keys: the last value, at the first key's place.
            r#"{"a":1,"b":2,"a":3}"#,
            r#"{"a":{"x":1},"b":[],"a":{"y":2}}"#,
            r#"[18446744073709551615,-9223372036854775808,1.5,-0.0,1e2,2.5E-3,0]"#,
            r#"  "text"  "#,
            "true",
            "null",
            "[]",
            "{}",
            "[[],[[]],{},{\"\":\"\"}]",
        ] {
            same_as_serde_json(text);
        }
    }

    #[test]
    fn errors_as_serde_json_reports_them() {
        let deep_ok = format!("{}{}", "[".repeat(127), "]".repeat(127));
        let too_deep = format!("{}{}", "[".repeat(129), "]".repeat(129));
        let deep_objects = format!("{}1{}", "{\"a\":".repeat(200), "}".repeat(200));
        for text in [
            "",
            "{",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "[1,2",
            "[1 2]",
            "{\"a\":1} x",
            "1e400",
            "\"\\ud800\"",
            "{\"a\":[1,{\"b\":tru}]}",
            "{1:2}",
            deep_ok.as_str(),
            too_deep.as_str(),
            deep_objects.as_str(),
        ] {
            same_as_serde_json(text);
        }
    }

    /// JSON text as a server might write it: nested objects and arrays, repeated keys, escapes,
    /// whitespace, integers at the edges and floats.
    fn json_text() -> impl Strategy<Value = String> {
        let key = prop::sample::select(vec!["id", "a", "b", "name", "\\u00e4", "x\\\"y", ""]);
        let leaf = prop_oneof![
            Just("null".to_owned()),
            Just("true".to_owned()),
            Just("false".to_owned()),
            any::<i64>().prop_map(|n| n.to_string()),
            any::<u64>().prop_map(|n| n.to_string()),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(|f| format!("{f:e}")),
            "[a-z\\\\/\"\u{e4}\u{1F600} ]{0,12}"
                .prop_map(|s| { format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")) }),
        ];
        leaf.prop_recursive(5, 64, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6)
                    .prop_map(|items| format!("[ {} ]", items.join(" , "))),
                prop::collection::vec((key.clone(), inner), 0..6).prop_map(|entries| {
                    let entries: Vec<String> = entries
                        .into_iter()
                        .map(|(k, v)| format!("\"{k}\" :{v}"))
                        .collect();
                    format!("{{{}}}", entries.join(","))
                }),
            ]
        })
    }

    proptest! {
        #[test]
        fn any_json_parses_as_serde_json_parses_it(text in json_text()) {
            same_as_serde_json(&text);
        }

        #[test]
        fn any_cut_json_fails_as_serde_json_fails(text in json_text(), cut in any::<prop::sample::Index>()) {
            let end = cut.index(text.len() + 1);
            if let Some(prefix) = text.get(..end) {
                same_as_serde_json(prefix);
            }
        }
    }

    #[test]
    fn the_stacks_are_left_empty_after_an_error_deep_inside() {
        // A failed parse leaves nothing behind that the next value could pick up.
        let mut stacks = super::Stacks::default();
        let mut de = serde_json::Deserializer::from_str(r#"{"a":[1,{"b":[2,3,x]}]}"#);
        let r = serde::Deserializer::deserialize_any(
            &mut de,
            super::Build {
                stacks: &mut stacks,
            },
        );
        assert!(r.is_err());
        assert!(stacks.entries.is_empty() && stacks.items.is_empty());
    }
}

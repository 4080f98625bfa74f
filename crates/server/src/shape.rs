//! Shaping Digistore24's answer into a tool result a model can afford.
//!
//! Two views of one answer: `structuredContent` keeps Digistore24's data as it came (for
//! clients and programs), and the text the model reads says the same in fewer tokens: no empty
//! strings, nulls, empty lists or objects, no `*_msg` labels that only translate a code shown
//! beside them, and lists of records as tables (`columns` once, then `rows` of values, with
//! values that are the same in every row said once under `same`). For a week of orders that is
//! about a fifth of the JSON Digistore24 sent.
//! `structuredContent` is always an object (legacy clients reject anything else). An answer
//! whose two views together exceed the size cap keeps its leading rows in both, and says
//! exactly which call returns the rows that were cut, instead of overflowing the client's limit
//! or being cut off mid-JSON by it.

use std::io::Write as _;

use serde_json::{Map, Value, json};

/// The two views of a tool result.
#[derive(Debug, Clone, PartialEq)]
pub struct Shaped {
    /// Lean JSON for the model (see the module docs).
    pub text: String,
    /// Digistore24's data as an object.
    pub structured: Value,
}

/// Where the answered page sits, for functions that page (`page_no`/`page_size`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// The page that was asked for (from 1).
    pub page_no: u64,
    /// Its size; 0 means "all rows on one page".
    pub page_size: u64,
}

/// Room kept for the `_truncated` note.
const NOTE_RESERVE: usize = 400;

/// Shapes the envelope's `data` so that text and structured content together stay within
/// about `max_bytes`.
pub fn shape(data: Value, max_bytes: usize, paging: Option<Paging>) -> Shaped {
    let mut result = match data {
        Value::Object(_) => data,
        Value::Array(items) => json!({ "items": items }),
        Value::Null => json!({}),
        other => json!({ "result": other }),
    };
    let mut text = compact_text(&result);
    if text.len() + json_len(&result) > max_bytes && truncate_rows(&mut result, max_bytes, paging) {
        text = compact_text(&result);
    }
    Shaped {
        text,
        structured: result,
    }
}

/// The value as the model reads it: empty values and redundant labels dropped, lists of records
/// turned into tables.
pub fn lean(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                // `billing_status_msg` only translates `billing_status`, which the model reads.
                if k.strip_suffix("_msg")
                    .is_some_and(|base| map.contains_key(base))
                {
                    continue;
                }
                let c = lean(v);
                if !is_empty(&c) {
                    out.insert(k.clone(), c);
                }
            }
            Value::Object(out)
        }
        Value::Array(items) if items.len() >= 2 && items.iter().all(Value::is_object) => {
            table(items)
        }
        Value::Array(items) => Value::Array(items.iter().map(lean).collect()),
        other => other.clone(),
    }
}

/// Records as a table: each column named once, values in rows (`""` where a record has none),
/// and columns with one value in every row said once under `same`.
fn table(items: &[Value]) -> Value {
    let rows: Vec<Map<String, Value>> = items
        .iter()
        .map(|item| {
            let mut flat = Map::new();
            if let Value::Object(fields) = lean(item) {
                flatten(&fields, "", &mut flat);
            }
            flat
        })
        .collect();
    let mut columns: Vec<&String> = Vec::new();
    for row in &rows {
        for key in row.keys() {
            if !columns.contains(&key) {
                columns.push(key);
            }
        }
    }
    let mut same = Map::new();
    let mut varying = Vec::new();
    for column in columns {
        let first = rows.first().and_then(|r| r.get(column));
        match first {
            Some(v) if rows.iter().all(|r| r.get(column) == Some(v)) => {
                same.insert(column.clone(), v.clone());
            }
            _ => varying.push(column),
        }
    }
    let values: Vec<Value> = rows
        .iter()
        .map(|row| {
            Value::Array(
                varying
                    .iter()
                    .map(|c| row.get(*c).cloned().unwrap_or_else(|| Value::from("")))
                    .collect(),
            )
        })
        .collect();
    let mut out = Map::new();
    if !same.is_empty() {
        out.insert("same".into(), Value::Object(same));
    }
    out.insert(
        "columns".into(),
        varying.iter().map(|c| Value::from(c.as_str())).collect(),
    );
    out.insert("rows".into(), Value::Array(values));
    Value::Object(out)
}

/// Nested objects become dotted columns (`buyer.email`).
fn flatten(fields: &Map<String, Value>, prefix: &str, out: &mut Map<String, Value>) {
    for (k, v) in fields {
        match v {
            Value::Object(inner) if !inner.is_empty() => {
                flatten(inner, &format!("{prefix}{k}."), out);
            }
            other => {
                out.insert(format!("{prefix}{k}"), other.clone());
            }
        }
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        Value::Bool(_) | Value::Number(_) => false,
    }
}

fn compact_text(value: &Value) -> String {
    lean(value).to_string()
}

/// The length of `value` as compact JSON, without building the string.
fn json_len(value: &Value) -> usize {
    struct Counter(usize);
    impl std::io::Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    if serde_json::to_writer(&mut counter, value).is_err() {
        return usize::MAX;
    }
    let _ = counter.flush();
    counter.0
}

/// Shortens the longest top-level list so both views fit, and says in `_truncated` how to get
/// the rest. Returns whether anything was cut.
fn truncate_rows(result: &mut Value, max_bytes: usize, paging: Option<Paging>) -> bool {
    let Value::Object(map) = result else {
        return false;
    };
    let Some(field) = map
        .iter()
        .filter_map(|(k, v)| v.as_array().map(|a| (k, a.len())))
        .max_by_key(|(_, n)| *n)
        .map(|(k, _)| k.clone())
    else {
        return false;
    };
    let Some(Value::Array(list)) = map.remove(&field) else {
        return false;
    };
    // What the answer costs without the list, in both views.
    let rest = Value::Object(map.clone());
    let fixed = json_len(&rest) + compact_text(&rest).len() + 2 * (field.len() + 6);
    let budget = max_bytes.saturating_sub(fixed + NOTE_RESERVE);
    let total = list.len();
    let mut used = 0;
    let mut keep = 0;
    for row in &list {
        let cost = json_len(row) + json_len(&lean(row)) + 2;
        if used + cost > budget {
            break;
        }
        used += cost;
        keep += 1;
    }
    if keep == total {
        map.insert(field, Value::Array(list));
        return false;
    }
    let mut list = list;
    list.truncate(keep);
    map.insert(field.clone(), Value::Array(list));
    map.insert("_truncated".into(), note(&field, keep, total, paging));
    true
}

/// The `_truncated` note: what was cut, and the exact call that returns it.
fn note(field: &str, keep: usize, total: usize, paging: Option<Paging>) -> Value {
    let shown = format!("Only the first {keep} of {total} rows of `{field}` fit in one answer.");
    let Some(paging) = paging.filter(|_| keep > 0) else {
        return json!({
            "field": field, "shown": keep, "of": total,
            "note": format!("{shown} Narrow the request (filters or a shorter time window) to see the rest."),
        });
    };
    let (page_no, page_size) = next_page(paging, keep as u64);
    json!({
        "field": field, "shown": keep, "of": total,
        "next": {"page_no": page_no, "page_size": page_size},
        "note": format!("{shown} For the next rows, call again with the same arguments and page_size={page_size} and page_no={page_no}."),
    })
}

/// The page (`page_no`, `page_size` ≤ `keep`) that starts exactly at the first row that was
/// cut: that row's index must be a multiple of the new page size.
fn next_page(paging: Paging, keep: u64) -> (u64, u64) {
    let first_cut = paging.page_no.saturating_sub(1) * paging.page_size + keep;
    let size = (1..=keep)
        .rev()
        .find(|s| first_cut.is_multiple_of(*s))
        .unwrap_or(1);
    (first_cut / size + 1, size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_objects_are_wrapped() {
        assert_eq!(
            shape(json!([1, 2]), 1000, None).structured,
            json!({"items": [1, 2]})
        );
        assert_eq!(shape(Value::Null, 1000, None).structured, json!({}));
        assert_eq!(
            shape(json!("x"), 1000, None).structured,
            json!({"result": "x"})
        );
    }

    #[test]
    fn the_text_drops_empty_values_and_labels_and_structured_content_keeps_them() {
        let data = json!({"one": [{"a": "", "b": null, "c": [], "d": {"e": ""}, "f": 0, "g": "x"}],
                          "status": "paying", "status_msg": "Zahlungen laufen", "other_msg": "kept", "n": "2"});
        let shaped = shape(data.clone(), 10_000, None);
        assert_eq!(shaped.structured, data);
        assert_eq!(
            shaped.text,
            r#"{"one":[{"f":0,"g":"x"}],"status":"paying","other_msg":"kept","n":"2"}"#
        );
    }

    #[test]
    fn records_become_tables_with_shared_values_said_once() {
        let data = json!({"list": [
            {"id": "1", "currency": "EUR", "buyer": {"email": "a@x.de", "first_name": "A"}, "note": ""},
            {"id": "2", "currency": "EUR", "buyer": {"email": "b@x.de"}, "note": "late"}
        ]});
        let text: Value = serde_json::from_str(&shape(data, 10_000, None).text).unwrap();
        assert_eq!(
            text,
            json!({"list": {
                "same": {"currency": "EUR"},
                "columns": ["id", "buyer.email", "buyer.first_name", "note"],
                "rows": [["1", "a@x.de", "A", ""], ["2", "b@x.de", "", "late"]]
            }})
        );
    }

    fn rows(n: usize) -> Vec<Value> {
        (0..n)
            .map(|i| json!({"id": i, "name": "a fairly long product name", "note": ""}))
            .collect()
    }

    #[test]
    fn oversized_lists_keep_leading_rows_in_both_views_and_say_so() {
        let data = json!({"purchase_list": rows(1000), "page_no": "1", "item_count": "1000"});
        let shaped = shape(data.clone(), 10_000, None);
        let both = shaped.text.len() + shaped.structured.to_string().len();
        assert!(both <= 10_000, "{both}");
        let kept = shaped.structured["purchase_list"].as_array().unwrap();
        assert!(kept.len() > 20 && kept.len() < 1000, "{}", kept.len());
        assert_eq!(kept[0]["id"], 0);
        assert_eq!(shaped.structured["_truncated"]["of"], 1000);
        assert_eq!(shaped.structured["_truncated"]["shown"], kept.len());
        assert_eq!(shaped.structured["item_count"], "1000");
        let text: Value = serde_json::from_str(&shaped.text).unwrap();
        assert_eq!(
            text["purchase_list"]["rows"].as_array().unwrap().len(),
            kept.len()
        );
        assert_eq!(
            shape(data.clone(), 1 << 20, None).structured,
            data,
            "small enough: untouched"
        );
    }

    #[test]
    fn the_next_call_starts_exactly_at_the_first_cut_row() {
        for (page_no, page_size, keep) in [
            (1, 500, 60),
            (2, 500, 60),
            (3, 100, 7),
            (1, 0, 33),
            (5, 1000, 999),
        ] {
            let (no, size) = next_page(Paging { page_no, page_size }, keep);
            assert!(size >= 1 && size <= keep);
            assert_eq!(
                (no - 1) * size,
                (page_no - 1) * page_size + keep,
                "{page_no} {page_size} {keep}"
            );
        }
        assert_eq!(
            next_page(
                Paging {
                    page_no: 1,
                    page_size: 500
                },
                60
            ),
            (2, 60)
        );
        let data = json!({"transaction_list": rows(500)});
        let shaped = shape(
            data,
            12_000,
            Some(Paging {
                page_no: 1,
                page_size: 500,
            }),
        );
        let t = &shaped.structured["_truncated"];
        let kept = t["shown"].as_u64().unwrap();
        assert_eq!(t["next"], json!({"page_no": 2, "page_size": kept}));
        assert!(
            t["note"]
                .as_str()
                .unwrap()
                .contains(&format!("page_size={kept} and page_no=2"))
        );
    }
}

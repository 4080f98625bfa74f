//! Shaping Digistore24's answer into a tool result a model can afford.
//!
//! Two views of one answer: `structuredContent` keeps Digistore24's data as it came (for
//! clients and programs), and the text the model reads drops what carries nothing (empty
//! strings, nulls, empty lists and objects), which is a third to a half of a typical row.
//! `structuredContent` is always an object (legacy clients reject anything else). An answer
//! whose two views together exceed the size cap keeps its leading rows in both, and says
//! exactly which call returns the rows that were cut, instead of overflowing the client's limit
//! or being cut off mid-JSON by it.

use serde_json::{Map, Value, json};

/// The two views of a tool result.
#[derive(Debug, Clone, PartialEq)]
pub struct Shaped {
    /// Compact JSON for the model: no empty values.
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
    // One walk gives the text and the size of the structured view.
    let (mut text, full_len) = compact_text(&result);
    if text.len() + full_len > max_bytes && truncate_rows(&mut result, max_bytes, paging) {
        text = compact_text(&result).0;
    }
    Shaped {
        text,
        structured: result,
    }
}

/// The value without empty strings, nulls, empty lists and empty objects (recursively).
/// Rows inside lists stay, even when nothing is left of them, so positions keep their meaning.
pub fn compact(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let c = compact(v);
                if !is_empty(&c) {
                    out.insert(k.clone(), c);
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(compact).collect()),
        other => other.clone(),
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

/// `compact(value)` as JSON text, and the length of `value` itself as compact JSON, in one walk
/// that builds no intermediate value.
fn compact_text(value: &Value) -> (String, usize) {
    let mut out = Vec::with_capacity(4096);
    let full = write_compact(value, &mut out);
    // Only JSON text and `str`s were written, so the bytes are UTF-8; the check stays because
    // it is cheap next to the walk and keeps this free of `unsafe`.
    let text = String::from_utf8(out)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    (text, full)
}

/// Writes `compact(value)` as JSON to `out` and returns the length `value` has as compact JSON
/// with nothing dropped. An object member is written first and taken back when its value turned
/// out empty (`null`, `""`, `[]`, `{}` are exactly the empty values' texts: a list keeps all its
/// items, so only an empty list writes `[]`, and only an object with no member left writes `{}`).
fn write_compact(value: &Value, out: &mut Vec<u8>) -> usize {
    match value {
        Value::Object(map) => {
            out.push(b'{');
            let mut full = 2 + map.len().saturating_sub(1);
            let mut first = true;
            for (key, v) in map {
                let mark = out.len();
                if !first {
                    out.push(b',');
                }
                let key_start = out.len();
                write_scalar(key, out);
                out.push(b':');
                let value_start = out.len();
                full += value_start - key_start + write_compact(v, out);
                if matches!(&out[value_start..], b"null" | b"\"\"" | b"[]" | b"{}") {
                    out.truncate(mark);
                } else {
                    first = false;
                }
            }
            out.push(b'}');
            full
        }
        Value::Array(items) => {
            out.push(b'[');
            let mut full = 2 + items.len().saturating_sub(1);
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                full += write_compact(item, out);
            }
            out.push(b']');
            full
        }
        scalar => {
            let start = out.len();
            write_scalar(scalar, out);
            out.len() - start
        }
    }
}

/// A string, number, bool or null exactly as serde_json writes it.
fn write_scalar<T: serde::Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) {
    // Writing to a Vec cannot fail, and these values always serialize.
    let _ = serde_json::to_writer(out, value);
}

/// The lengths of `value` as compact text and as compact JSON.
fn lengths(value: &Value, scratch: &mut Vec<u8>) -> (usize, usize) {
    scratch.clear();
    let full = write_compact(value, scratch);
    (scratch.len(), full)
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
    let mut scratch = Vec::new();
    let rest = Value::Object(map.clone());
    let (rest_text, rest_full) = lengths(&rest, &mut scratch);
    let fixed = rest_full + rest_text + 2 * (field.len() + 6);
    let budget = max_bytes.saturating_sub(fixed + NOTE_RESERVE);
    let total = list.len();
    let mut used = 0;
    let mut keep = 0;
    for row in &list {
        let (text, full) = lengths(row, &mut scratch);
        let cost = full + text + 2;
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
    fn the_one_walk_text_is_the_compacted_value_and_its_length_the_whole_value() {
        for value in [
            json!({}),
            json!([]),
            json!({"a": "", "b": null, "c": [], "d": {}, "e": {"f": {"g": ""}}}),
            json!({"rows": [{}, {"a": ""}, null, "", [], [null]], "n": 0, "t": true, "f": false}),
            json!({"q": "quote \" backslash \\ newline \n tab \t ctl \u{1} é € 😀 </script>"}),
            json!({"x": 1.5, "y": -3, "z": 18446744073709551615u64, "w": 1e300, "v": "0"}),
            json!({"nested": {"deeper": {"deepest": [{"k": ""}, {"k": "v"}]}, "empty": {"e": [], "n": null}}}),
            json!({"": "empty key", "k\"ey": {"": ""}}),
            json!(["top", "", null, {"a": null}]),
        ] {
            let (text, full) = compact_text(&value);
            assert_eq!(text, compact(&value).to_string(), "{value}");
            assert_eq!(full, value.to_string().len(), "{value}");
        }
    }

    #[test]
    fn the_text_drops_empty_values_and_structured_content_keeps_them() {
        let data = json!({"rows": [{"a": "", "b": null, "c": [], "d": {"e": ""}, "f": 0, "g": "x"}, {"a": ""}], "n": "2"});
        let shaped = shape(data.clone(), 10_000, None);
        assert_eq!(shaped.structured, data);
        assert_eq!(shaped.text, r#"{"rows":[{"f":0,"g":"x"},{}],"n":"2"}"#);
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
        assert_eq!(text["purchase_list"].as_array().unwrap().len(), kept.len());
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

//! Shaping Digistore24's answer into a tool result a model can hold.
//!
//! `structuredContent` is always an object (legacy clients reject anything else), and a
//! result too large for an agent's context (a 1000-row page is several hundred KB) keeps its
//! leading rows plus a note saying how many were left out and how to page, instead of
//! overflowing the client's limit or being cut off mid-JSON by it.

use serde_json::{Value, json};

/// The result object for the envelope's `data`, at most about `max_bytes` of JSON.
pub fn shape(data: Value, max_bytes: usize) -> Value {
    let mut result = match data {
        Value::Object(_) => data,
        Value::Array(items) => json!({ "items": items }),
        Value::Null => json!({}),
        other => json!({ "result": other }),
    };
    let size = result.to_string().len();
    if size > max_bytes {
        truncate_rows(&mut result, size, max_bytes);
    }
    result
}

/// Shortens the largest top-level list so the whole fits, and says so in `_truncated`.
fn truncate_rows(result: &mut Value, size: usize, max_bytes: usize) {
    let Value::Object(map) = result else { return };
    let Some((field, rows)) = map
        .iter()
        .filter_map(|(k, v)| v.as_array().map(|a| (k.clone(), a)))
        .max_by_key(|(_, a)| a.len())
        .map(|(k, a)| (k, a.len()))
    else {
        return;
    };
    let Some(Value::Array(list)) = map.get_mut(&field) else {
        return;
    };
    let budget = max_bytes
        .saturating_sub(size - Value::Array(list.clone()).to_string().len())
        .saturating_sub(400);
    let mut used = 2;
    let mut keep = 0;
    for row in list.iter() {
        let len = row.to_string().len() + 1;
        if used + len > budget {
            break;
        }
        used += len;
        keep += 1;
    }
    list.truncate(keep);
    map.insert(
        "_truncated".into(),
        json!({
            "field": field,
            "shown": keep,
            "of": rows,
            "note": format!(
                "Only the first {keep} of {rows} rows of `{field}` fit in one answer. Ask for fewer rows per call (page_size, a shorter time window or filters) and page with page_no."
            )
        }),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_objects_are_wrapped() {
        assert_eq!(shape(json!([1, 2]), 1000), json!({"items": [1, 2]}));
        assert_eq!(shape(Value::Null, 1000), json!({}));
        assert_eq!(shape(json!("x"), 1000), json!({"result": "x"}));
    }

    #[test]
    fn oversized_lists_keep_leading_rows_and_say_so() {
        let rows: Vec<Value> = (0..1000)
            .map(|i| json!({"id": i, "name": "a fairly long product name"}))
            .collect();
        let data = json!({"purchase_list": rows, "page_no": "1", "item_count": "1000"});
        let shaped = shape(data.clone(), 10_000);
        assert!(
            shaped.to_string().len() <= 10_000,
            "{}",
            shaped.to_string().len()
        );
        let kept = shaped["purchase_list"].as_array().unwrap();
        assert!(kept.len() > 50 && kept.len() < 1000);
        assert_eq!(kept[0]["id"], 0);
        assert_eq!(shaped["_truncated"]["of"], 1000);
        assert_eq!(shaped["_truncated"]["shown"], kept.len());
        assert_eq!(shaped["item_count"], "1000");
        assert_eq!(
            shape(data.clone(), 1 << 20),
            data,
            "small enough: untouched"
        );
    }
}

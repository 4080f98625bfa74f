//! Named arguments → `application/x-www-form-urlencoded` pairs, the way Digistore24 reads them.
//!
//! Nested objects and lists use PHP bracket notation (`data[name_intern]=x`,
//! `tracking[0][tracking_id]=y`), booleans become `Y`/`N` and numbers decimal strings with a
//! dot. The encoder is generic over JSON: the caller validates types against the catalog
//! first, so a JSON boolean here always means a Digistore24 boolean.

use serde_json::{Map, Value};

/// Ordered `(key, value)` pairs of a form body.
pub type FormPairs = Vec<(String, String)>;

/// Encodes named arguments. `null` values are left out (the API's way of "not given").
pub fn encode_form(args: &Map<String, Value>) -> FormPairs {
    let mut pairs = FormPairs::new();
    for (name, value) in args {
        push(&mut pairs, name.clone(), value);
    }
    pairs
}

fn push(pairs: &mut FormPairs, key: String, value: &Value) {
    match value {
        Value::Null => {}
        Value::Bool(b) => pairs.push((key, if *b { "Y" } else { "N" }.to_owned())),
        Value::Number(n) => pairs.push((key, decimal(n))),
        Value::String(s) => pairs.push((key, s.clone())),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                push(pairs, format!("{key}[{i}]"), item);
            }
        }
        Value::Object(fields) => {
            for (field, item) in fields {
                push(pairs, format!("{key}[{field}]"), item);
            }
        }
    }
}

/// A JSON number as Digistore24 wants it: plain decimal, dot separator, no exponent.
fn decimal(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    match n.as_f64() {
        // `{}` on f64 is the shortest representation that round-trips and never uses an
        // exponent, so 89.99 stays "89.99" and 1e21 becomes "1000000000000000000000".
        Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        Some(f) => format!("{f}"),
        None => n.to_string(),
    }
}

/// Serialises pairs as an `application/x-www-form-urlencoded` request body, exactly as the
/// client sends it.
pub fn form_body(pairs: &FormPairs) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn enc(v: Value) -> Vec<(String, String)> {
        encode_form(v.as_object().unwrap())
    }

    fn pair(k: &str, v: &str) -> (String, String) {
        (k.to_owned(), v.to_owned())
    }

    #[test]
    fn nested_objects_and_lists_use_php_brackets() {
        let pairs = enc(json!({
            "delivery_id": 7,
            "data": {"is_shipped": true, "approval_status": {"1": "pending"}},
            "tracking": [{"parcel_service": "dhl", "tracking_id": "123"}],
            "notify_via_email": false,
            "skip": null
        }));
        assert_eq!(
            pairs,
            vec![
                pair("delivery_id", "7"),
                pair("data[is_shipped]", "Y"),
                pair("data[approval_status][1]", "pending"),
                pair("tracking[0][parcel_service]", "dhl"),
                pair("tracking[0][tracking_id]", "123"),
                pair("notify_via_email", "N"),
            ]
        );
    }

    #[test]
    fn numbers_are_plain_decimals() {
        let pairs = enc(json!({"a": 89.99, "b": 9.0, "c": -10, "d": 0.5, "e": 1e20}));
        let values: Vec<_> = pairs.into_iter().map(|(_, v)| v).collect();
        assert_eq!(
            values,
            ["89.99", "9", "-10", "0.5", "100000000000000000000"]
        );
    }

    #[test]
    fn body_percent_encodes_brackets_and_utf8() {
        let body = form_body(&vec![pair("data[name_de]", "Kurs für Ä & B")]);
        assert_eq!(body, "data%5Bname_de%5D=Kurs+f%C3%BCr+%C3%84+%26+B");
    }
}

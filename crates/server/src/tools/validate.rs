//! Arguments are checked against the catalog before anything goes upstream, so a model gets
//! an error it can act on ("`data.first_amount`: expected a number, got \"abc\"") instead of
//! a vague Digistore24 message, and a malformed call never reaches the account.
//!
//! Validation is a little lenient where models commonly are: numbers and integers may come as
//! numeric strings, and flags as `Y`/`N` or `yes`/`no` as well as booleans. The result is
//! normalised so the encoder sees one representation (a flag is always a JSON boolean).

use ds24_catalog::{Format, Param, Ty};
use serde_json::{Map, Value};

/// Checks `args` against `params` and returns the normalised arguments, or every problem found.
pub(crate) fn validate(
    params: &[&Param],
    args: &Map<String, Value>,
) -> Result<Map<String, Value>, Vec<String>> {
    let mut problems = Vec::new();
    let out = check_object(params.iter().copied(), args, "", &mut problems);
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

fn check_object<'a>(
    params: impl Iterator<Item = &'a Param> + Clone,
    args: &Map<String, Value>,
    prefix: &str,
    problems: &mut Vec<String>,
) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, value) in args {
        let path = format!("{prefix}{name}");
        match params.clone().find(|p| p.name == name) {
            None => {
                let known: Vec<&str> = params.clone().map(|p| p.name).collect();
                problems.push(if known.is_empty() {
                    format!("`{path}`: unknown argument (this takes no arguments)")
                } else {
                    format!(
                        "`{path}`: unknown argument; expected one of: {}",
                        known.join(", ")
                    )
                });
            }
            Some(_) if value.is_null() => {}
            Some(param) => {
                if let Some(v) = check_value(param, value, &path, problems) {
                    out.insert(name.clone(), v);
                }
            }
        }
    }
    for p in params.filter(|p| p.required) {
        if !out.contains_key(p.name) && !args.contains_key(p.name) {
            problems.push(format!(
                "`{prefix}{}`: missing required argument ({})",
                p.name,
                describe(&p.ty)
            ));
        }
    }
    out
}

fn check_value(
    param: &Param,
    value: &Value,
    path: &str,
    problems: &mut Vec<String>,
) -> Option<Value> {
    let checked = match (&param.ty, value) {
        (Ty::String | Ty::DateTime | Ty::Date, Value::String(_)) => Some(value.clone()),
        (Ty::String | Ty::DateTime | Ty::Date, Value::Number(n)) if param.values.is_empty() => {
            Some(Value::from(n.to_string()))
        }
        (Ty::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => Some(value.clone()),
        (Ty::Integer, Value::String(s)) if s.trim().parse::<i64>().is_ok() => {
            Some(Value::from(s.trim()))
        }
        (Ty::Number, Value::Number(_)) => Some(value.clone()),
        (Ty::Number, Value::String(s)) if is_decimal(s.trim()) => Some(Value::from(s.trim())),
        (Ty::Boolean, Value::Bool(_)) => Some(value.clone()),
        (Ty::Boolean, Value::String(s)) => parse_bool(s).map(Value::Bool),
        (Ty::Object([]), Value::Object(map)) => free_form(map, path, problems),
        (Ty::Object(fields), Value::Object(map)) => Some(Value::Object(check_object(
            fields.iter(),
            map,
            &format!("{path}."),
            problems,
        ))),
        (Ty::Array(fields), Value::Array(items)) => Some(Value::Array(
            items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| {
                    let at = format!("{path}[{i}]");
                    match (fields.is_empty(), item) {
                        (true, Value::Object(map)) => free_form(map, &at, problems),
                        (false, Value::Object(map)) => Some(Value::Object(check_object(
                            fields.iter(),
                            map,
                            &format!("{at}."),
                            problems,
                        ))),
                        _ => {
                            problems
                                .push(format!("`{at}`: expected an object, got {}", shown(item)));
                            None
                        }
                    }
                })
                .collect(),
        )),
        (Ty::StringList, Value::Array(items)) if items.iter().all(Value::is_string) => {
            Some(value.clone())
        }
        (Ty::TextOrMap, Value::String(_)) => Some(value.clone()),
        (Ty::TextOrMap, Value::Number(n)) => Some(Value::from(n.to_string())),
        (Ty::TextOrMap, Value::Object(map)) => free_form(map, path, problems),
        _ => None,
    };
    let Some(checked) = checked else {
        problems.push(format!(
            "`{path}`: expected {}, got {}",
            describe(&param.ty),
            shown(value)
        ));
        return None;
    };
    if !param.values.is_empty() {
        let outside = match &checked {
            Value::String(s) => !param.values.contains(&s.as_str()),
            Value::Array(items) => items
                .iter()
                .any(|i| i.as_str().is_none_or(|s| !param.values.contains(&s))),
            _ => false,
        };
        if outside {
            problems.push(format!(
                "`{path}`: expected {} of {}, got {}",
                if checked.is_array() { "each" } else { "one" },
                param.values.join(", "),
                shown(value)
            ));
            return None;
        }
    }
    if let Some(problem) = limits(param, &checked) {
        problems.push(format!("`{path}`: {problem}, got {}", shown(value)));
        return None;
    }
    Some(checked)
}

/// The limits the schema states as keywords (`minimum`, `maximum`, `maxLength`, `format`),
/// enforced here so a call the schema forbids never reaches Digistore24.
fn limits(param: &Param, value: &Value) -> Option<String> {
    let number = match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) if matches!(param.ty, Ty::Integer | Ty::Number) => s.parse::<f64>().ok(),
        _ => None,
    };
    if let Some(n) = number {
        #[allow(clippy::cast_precision_loss)] // bounds are small integers
        let (min, max) = (param.min.map(|m| m as f64), param.max.map(|m| m as f64));
        match (min, max) {
            (Some(lo), Some(hi)) if n < lo || n > hi => {
                return Some(format!("must be between {lo} and {hi}"));
            }
            (Some(lo), _) if n < lo => return Some(format!("must be at least {lo}")),
            (_, Some(hi)) if n > hi => return Some(format!("must be at most {hi}")),
            _ => {}
        }
    }
    let text = value.as_str()?;
    if let Some(max) = param.max_len
        && text.chars().count() > max as usize
    {
        return Some(format!("must be at most {max} characters"));
    }
    match param.format {
        Some(Format::Email) if !looks_like_email(text) => {
            Some("must be an e-mail address".to_owned())
        }
        Some(Format::Uri) if !looks_like_url(text) => {
            Some("must be an absolute http(s) URL".to_owned())
        }
        _ => None,
    }
}

/// A plausible e-mail address: one `@` with text on both sides, a dot in the domain, no spaces.
/// Digistore24 does the real check; this catches what is clearly not an address.
fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.contains(char::is_whitespace)
        && !domain.contains('@')
}

/// An absolute http(s) URL with a host.
fn looks_like_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or("");
        !host.is_empty() && !s.contains(char::is_whitespace)
    })
}

fn free_form(map: &Map<String, Value>, path: &str, problems: &mut Vec<String>) -> Option<Value> {
    let mut out = Map::new();
    for (k, v) in map {
        match v {
            Value::String(_) => {
                out.insert(k.clone(), v.clone());
            }
            Value::Number(n) => {
                out.insert(k.clone(), Value::from(n.to_string()));
            }
            Value::Bool(b) => {
                out.insert(k.clone(), Value::from(if *b { "Y" } else { "N" }));
            }
            other => problems.push(format!("`{path}.{k}`: expected text, got {}", shown(other))),
        }
    }
    Some(Value::Object(out))
}

fn is_decimal(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let mut parts = digits.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let frac = parts.next();
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" | "true" | "1" => Some(true),
        "n" | "no" | "false" | "0" => Some(false),
        _ => None,
    }
}

fn describe(ty: &Ty) -> &'static str {
    match ty {
        Ty::String => "a string",
        Ty::Integer => "an integer",
        Ty::Number => "a number",
        Ty::Boolean => "a boolean",
        Ty::DateTime => {
            "a point in time as a string (e.g. \"2026-01-31 12:00:00\", \"-24h\", \"now\")"
        }
        Ty::Date => "a date as a string (e.g. \"2026-01-31\", \"today\", \"-7d\")",
        Ty::Object(_) => "an object",
        Ty::Array(_) => "an array of objects",
        Ty::StringList => "an array of strings",
        Ty::TextOrMap => "a string or an object of strings",
    }
}

fn shown(value: &Value) -> String {
    let kind = match value {
        Value::Null => return "null".into(),
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let mut text = value.to_string();
    if text.chars().count() > 40 {
        text = text.chars().take(40).collect::<String>() + "…";
    }
    format!("{kind} {text}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(name: &str, args: Value) -> Result<Map<String, Value>, Vec<String>> {
        let f = ds24_catalog::get(name).unwrap();
        let params: Vec<&Param> = f.params.iter().collect();
        validate(&params, args.as_object().unwrap())
    }

    #[test]
    fn wrong_type_names_the_argument() {
        let err = run("getProduct", json!({"product_id": "abc"})).unwrap_err();
        assert_eq!(
            err,
            ["`product_id`: expected an integer, got string \"abc\""]
        );
        let err = run(
            "createPaymentplan",
            json!({"product_id": "1", "data": {"first_amount": [1]}}),
        )
        .unwrap_err();
        assert!(
            err[0].starts_with("`data.first_amount`: expected a number"),
            "{err:?}"
        );
    }

    #[test]
    fn missing_and_unknown_arguments() {
        let err = run("getProduct", json!({"id": 1})).unwrap_err();
        assert!(
            err.iter()
                .any(|e| e.contains("`id`: unknown argument; expected one of: product_id")),
            "{err:?}"
        );
        assert!(
            err.iter()
                .any(|e| e.contains("`product_id`: missing required argument")),
            "{err:?}"
        );
    }

    #[test]
    fn lenient_forms_are_normalised() {
        let ok = run(
            "copyProduct",
            json!({"product_id": "12", "data": {"is_active": false, "product_group_id": "7"}}),
        )
        .unwrap();
        assert_eq!(ok["data"]["is_active"], false);
        assert_eq!(ok["data"]["product_group_id"], "7");
        let ok = run(
            "listPurchases",
            json!({"load_transactions": "Y", "search": {"billing_type": "subscription"}}),
        )
        .unwrap();
        assert_eq!(ok["load_transactions"], true);
        let err = run("listPurchases", json!({"sort_order": "up"})).unwrap_err();
        assert!(err[0].contains("expected one of asc, desc"), "{err:?}");
    }

    #[test]
    fn decimals() {
        assert!(is_decimal("89.99") && is_decimal("-1") && is_decimal("10"));
        assert!(!is_decimal("1.") && !is_decimal("1,5") && !is_decimal("") && !is_decimal("1e3"));
    }
}

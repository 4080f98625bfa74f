//! Request parameters: PHP-bracket form bodies, JSON bodies and positional `argN` values, turned
//! into one tree with typed, validating accessors.
//!
//! Digistore24 is a PHP application: `data[approval_status][1]=pending` arrives as nested arrays,
//! lists are objects keyed `0`, `1`, ... and every scalar is a string. We rebuild exactly that
//! tree (JSON bodies are folded into the same shape), so handlers read one representation no
//! matter how the client encoded it. Every accessor names the offending parameter in its
//! code-3 error, including the bracket path (`data[first_amount]`).

use chrono::NaiveDateTime;
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::time::{self, DateEnd};

/// All parameters of one call.
#[derive(Debug, Clone, Default)]
pub struct Params {
    map: Map<String, Value>,
}

/// Splits `a[b][0][c]` into `["a", "b", "0", "c"]`. `a[]` yields an empty last segment (append).
/// Keys that are not well-formed bracket expressions are returned whole, like PHP keeps them.
pub fn split_key(key: &str) -> Vec<String> {
    let Some(open) = key.find('[') else {
        return vec![key.to_string()];
    };
    if open == 0 {
        return vec![key.to_string()];
    }
    let mut segs = vec![key[..open].to_string()];
    let mut rest = &key[open..];
    while let Some(stripped) = rest.strip_prefix('[') {
        let Some(close) = stripped.find(']') else {
            return vec![key.to_string()];
        };
        segs.push(stripped[..close].to_string());
        rest = &stripped[close + 1..];
    }
    if !rest.is_empty() {
        // Trailing garbage after the last bracket (`a[b]c`): PHP ignores it.
        return segs;
    }
    segs
}

/// Inserts `value` at the bracket path `segs` into `tree`.
pub fn insert_path(tree: &mut Map<String, Value>, segs: &[String], value: Value) {
    let Some((first, rest)) = segs.split_first() else {
        return;
    };
    let key = if first.is_empty() {
        next_index(tree)
    } else {
        first.clone()
    };
    if rest.is_empty() {
        tree.insert(key, value);
        return;
    }
    let slot = tree.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = match std::mem::take(slot) {
            Value::Array(items) => Value::Object(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| (i.to_string(), v))
                    .collect(),
            ),
            _ => Value::Object(Map::new()),
        };
    }
    if let Value::Object(child) = slot {
        insert_path(child, rest, value);
    }
}

fn next_index(tree: &Map<String, Value>) -> String {
    let next = tree
        .keys()
        .filter_map(|k| k.parse::<u64>().ok())
        .max()
        .map_or(0, |m| m + 1);
    next.to_string()
}

impl Params {
    /// Parses an `application/x-www-form-urlencoded` body or query string. Brackets may be raw
    /// or percent-encoded; `+` is a space.
    #[cfg(test)]
    pub fn from_form(input: &[u8]) -> Self {
        let mut p = Self::default();
        p.merge_form(input);
        p
    }

    /// Adds the pairs of a form body or query string (later values win).
    pub fn merge_form(&mut self, input: &[u8]) {
        for (k, v) in form_urlencoded::parse(input) {
            if k.is_empty() {
                continue;
            }
            insert_path(&mut self.map, &split_key(&k), Value::String(v.into_owned()));
        }
    }

    /// Adds the members of a JSON object body. Top-level keys may themselves be bracket keys
    /// (`{"data[name]": "x"}`); nested objects and arrays are kept as they are.
    pub fn merge_json(&mut self, body: Map<String, Value>) {
        for (k, v) in body {
            insert_path(&mut self.map, &split_key(&k), v);
        }
    }

    /// Maps legacy positional `arg1..argN` onto `names` (the function's positional signature).
    /// A named parameter wins over its positional twin.
    pub fn apply_positional(&mut self, names: &[&str]) {
        for (i, name) in names.iter().enumerate() {
            let arg = format!("arg{}", i + 1);
            if let Some(v) = self.map.remove(&arg)
                && !self.map.contains_key(*name)
            {
                self.map.insert((*name).to_string(), v);
            }
        }
    }

    /// The parsed tree (for tests).
    #[cfg(test)]
    pub fn tree(&self) -> &Map<String, Value> {
        &self.map
    }

    /// The root as a [`View`] with all accessors.
    pub fn view(&self) -> View<'_> {
        View {
            map: &self.map,
            prefix: String::new(),
        }
    }
}

/// A (sub-)object of the parameters, with accessors that name `prefix[field]` in errors.
#[derive(Debug, Clone)]
pub struct View<'a> {
    map: &'a Map<String, Value>,
    prefix: String,
}

/// The scalar text of a value as PHP would see it; `None` for objects, arrays and null.
pub fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "Y" } else { "N" }.to_string()),
        _ => None,
    }
}

/// `1/Y/yes/T/true` and `0/N/no/F/false` (any case).
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "y" | "yes" | "t" | "true" | "j" | "ja" => Some(true),
        "0" | "n" | "no" | "f" | "false" | "nein" => Some(false),
        _ => None,
    }
}

/// A decimal money string with a dot (`"9"`, `"9.5"`, `"-10.00"`) in cents.
pub fn parse_money(s: &str) -> Option<i64> {
    let s = s.trim();
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac.len() > 2 && frac[2..].bytes().any(|b| b != b'0') {
        return None;
    }
    if int.len() > 12 {
        return None;
    }
    let units: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut cents_str: String = frac.chars().take(2).collect();
    while cents_str.len() < 2 {
        cents_str.push('0');
    }
    let cents: i64 = cents_str.parse().ok()?;
    let v = units * 100 + cents;
    Some(if neg { -v } else { v })
}

/// Cents as a wire money string: `1234` → `"12.34"`.
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let a = cents.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// Money as the German display text: `1234` → `"12,34"`.
pub fn money_de(cents: i64) -> String {
    money(cents).replace('.', ",")
}

impl<'a> View<'a> {
    /// The bracket path of a field of this view, for error messages.
    pub fn path(&self, name: &str) -> String {
        if self.prefix.is_empty() {
            name.to_string()
        } else {
            format!("{}[{name}]", self.prefix)
        }
    }

    /// The raw value.
    pub fn get(&self, name: &str) -> Option<&'a Value> {
        self.map.get(name)
    }

    /// Whether the field is present (even if empty).
    pub fn has(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    /// All fields of this object.
    pub fn entries(&self) -> impl Iterator<Item = (&'a String, &'a Value)> {
        self.map.iter()
    }

    /// Whether the object has no fields.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// A scalar as text; `None` when absent (or not a scalar). Empty strings are kept.
    pub fn raw_str(&self, name: &str) -> Option<String> {
        self.get(name).and_then(scalar)
    }

    /// A non-empty scalar, trimmed; `None` when absent or empty.
    pub fn opt_str(&self, name: &str) -> Option<String> {
        self.raw_str(name)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    }

    /// A required non-empty scalar.
    pub fn str(&self, name: &str) -> Result<String, ApiError> {
        self.opt_str(name)
            .ok_or_else(|| ApiError::missing(&self.path(name)))
    }

    /// A Y/N-style boolean.
    pub fn opt_bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.opt_str(name) {
            None => Ok(None),
            Some(s) => parse_bool(&s).map(Some).ok_or_else(|| {
                ApiError::invalid(
                    &self.path(name),
                    &format!("'{s}' ist kein Ja/Nein-Wert (Y/N, 1/0, true/false)."),
                    &format!("'{s}' is not a boolean (use Y/N, 1/0, true/false)."),
                )
            }),
        }
    }

    /// A boolean with a default.
    pub fn bool_or(&self, name: &str, default: bool) -> Result<bool, ApiError> {
        Ok(self.opt_bool(name)?.unwrap_or(default))
    }

    /// An integer.
    pub fn opt_int(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.opt_str(name) {
            None => Ok(None),
            Some(s) => s.parse::<i64>().map(Some).map_err(|_| {
                ApiError::invalid(
                    &self.path(name),
                    &format!("'{s}' ist keine ganze Zahl."),
                    &format!("'{s}' is not an integer."),
                )
            }),
        }
    }

    /// A required integer.
    pub fn int(&self, name: &str) -> Result<i64, ApiError> {
        self.opt_int(name)?
            .ok_or_else(|| ApiError::missing(&self.path(name)))
    }

    /// An integer within `min..=max`, or `default` when absent.
    pub fn int_in(&self, name: &str, default: i64, min: i64, max: i64) -> Result<i64, ApiError> {
        let v = self.opt_int(name)?.unwrap_or(default);
        if v < min || v > max {
            return Err(ApiError::invalid(
                &self.path(name),
                &format!("{v} liegt nicht zwischen {min} und {max}."),
                &format!("{v} is not between {min} and {max}."),
            ));
        }
        Ok(v)
    }

    /// A money amount in cents (`"9.00"`; a dot, never a comma).
    pub fn opt_money(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.opt_str(name) {
            None => Ok(None),
            Some(s) => parse_money(&s).map(Some).ok_or_else(|| {
                ApiError::invalid(
                    &self.path(name),
                    &format!("'{s}' ist kein Betrag (Dezimalzahl mit Punkt, z. B. 9.00)."),
                    &format!("'{s}' is not an amount (decimal with a dot, e.g. 9.00)."),
                )
            }),
        }
    }

    /// A required money amount in cents.
    pub fn money(&self, name: &str) -> Result<i64, ApiError> {
        self.opt_money(name)?
            .ok_or_else(|| ApiError::missing(&self.path(name)))
    }

    /// A point in time (`now`, `-24h`, `2024-05-14 10:31:07`, ISO 8601, ...).
    pub fn opt_time(
        &self,
        name: &str,
        now: NaiveDateTime,
        start: NaiveDateTime,
        end: DateEnd,
    ) -> Result<Option<NaiveDateTime>, ApiError> {
        match self.opt_str(name) {
            None => Ok(None),
            Some(s) => time::parse_point(&s, now, start, end)
                .map(Some)
                .ok_or_else(|| {
                    ApiError::invalid(
                        &self.path(name),
                        &format!(
                            "'{s}' ist kein gültiger Zeitpunkt (z. B. 2024-05-14 10:31:07, \
                             2024-05-14, now, today, start, -24h, -7d, 6M)."
                        ),
                        &format!(
                            "'{s}' is not a valid point in time (e.g. 2024-05-14 10:31:07, \
                             2024-05-14, now, today, start, -24h, -7d, 6M)."
                        ),
                    )
                }),
        }
    }

    /// One of `allowed`, or `None` when absent.
    pub fn opt_enum(&self, name: &str, allowed: &[&str]) -> Result<Option<String>, ApiError> {
        match self.opt_str(name) {
            None => Ok(None),
            Some(s) if allowed.contains(&s.as_str()) => Ok(Some(s)),
            Some(s) => {
                let list = allowed.join(", ");
                Err(ApiError::invalid(
                    &self.path(name),
                    &format!("'{s}' ist nicht erlaubt; erlaubt sind: {list}."),
                    &format!("'{s}' is not allowed; allowed values: {list}."),
                ))
            }
        }
    }

    /// A comma list (`"111,222"` or a JSON/bracket array), trimmed, empties dropped.
    pub fn list_str(&self, name: &str) -> Vec<String> {
        match self.get(name) {
            Some(Value::Array(items)) => items.iter().filter_map(scalar).collect(),
            Some(Value::Object(m)) => m.values().filter_map(scalar).collect(),
            Some(v) => scalar(v)
                .map(|s| {
                    s.split(',')
                        .map(|x| x.trim().to_string())
                        .filter(|x| !x.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            None => Vec::new(),
        }
        .into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
    }

    /// A nested object (`data[...]`); `None` when absent or empty. A scalar is an error.
    pub fn opt_obj(&self, name: &str) -> Result<Option<View<'a>>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(View {
                map: m,
                prefix: self.path(name),
            })),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::Array(a)) if a.is_empty() => Ok(None),
            Some(_) => Err(ApiError::invalid(
                &self.path(name),
                "ein Array wird erwartet, z. B. name[feld]=wert.",
                "an array is expected, e.g. name[field]=value.",
            )),
        }
    }

    /// A required nested object with at least one field.
    pub fn obj(&self, name: &str) -> Result<View<'a>, ApiError> {
        match self.opt_obj(name)? {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(ApiError::missing(&self.path(name))),
        }
    }

    /// An indexed list of objects (`tracking[0][...]`, or a JSON array of objects).
    pub fn list_obj(&self, name: &str) -> Result<Vec<View<'a>>, ApiError> {
        let bad = || {
            ApiError::invalid(
                &self.path(name),
                "eine Liste wird erwartet, z. B. name[0][feld]=wert.",
                "a list is expected, e.g. name[0][field]=value.",
            )
        };
        match self.get(name) {
            None => Ok(Vec::new()),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Value::Object(m) => Ok(View {
                        map: m,
                        prefix: format!("{}[{i}]", self.path(name)),
                    }),
                    _ => Err(bad()),
                })
                .collect(),
            Some(Value::Object(m)) => {
                // Either a list keyed 0,1,... or a single object given without an index.
                if m.values().all(Value::is_object) {
                    let mut entries: Vec<(&String, &Value)> = m.iter().collect();
                    entries.sort_by_key(|(k, _)| k.parse::<u64>().unwrap_or(u64::MAX));
                    Ok(entries
                        .into_iter()
                        .filter_map(|(k, v)| {
                            v.as_object().map(|m| View {
                                map: m,
                                prefix: format!("{}[{k}]", self.path(name)),
                            })
                        })
                        .collect())
                } else {
                    Ok(vec![View {
                        map: m,
                        prefix: self.path(name),
                    }])
                }
            }
            Some(_) => Err(bad()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn splits_keys() {
        assert_eq!(split_key("a"), vec!["a"]);
        assert_eq!(split_key("a[b][0][c]"), vec!["a", "b", "0", "c"]);
        assert_eq!(split_key("a[]"), vec!["a", ""]);
        assert_eq!(split_key("[x]"), vec!["[x]"]);
        assert_eq!(split_key("a[b"), vec!["a[b"]);
    }

    #[test]
    fn nested_form() {
        let p = Params::from_form(
            b"data[name_de]=Pro+Paket&data[approval_status][1]=pending&tracking[0][tracking_id]=1&tracking[0][parcel_service]=dhl&tracking[1][tracking_id]=2&ids[]=a&ids[]=b",
        );
        assert_eq!(
            Value::Object(p.tree().clone()),
            json!({
                "data": {"name_de": "Pro Paket", "approval_status": {"1": "pending"}},
                "tracking": {"0": {"tracking_id": "1", "parcel_service": "dhl"}, "1": {"tracking_id": "2"}},
                "ids": {"0": "a", "1": "b"}
            })
        );
        let v = p.view();
        let t = v.list_obj("tracking").unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[1].opt_str("tracking_id").as_deref(), Some("2"));
        assert_eq!(v.list_str("ids"), vec!["a", "b"]);
    }

    #[test]
    fn percent_encoded_brackets_equal_raw() {
        let a = Params::from_form(b"search%5Bproduct_id%5D=1%2C2&x=%3A");
        let b = Params::from_form(b"search[product_id]=1,2&x=:");
        assert_eq!(a.tree(), b.tree());
        assert_eq!(
            a.view().obj("search").unwrap().list_str("product_id"),
            vec!["1", "2"]
        );
    }

    #[test]
    fn json_bodies_fold_into_the_same_tree() {
        let mut p = Params::default();
        p.merge_json(
            json!({"data": {"name": "x"}, "search[role]": "vendor", "n": 5, "b": true})
                .as_object()
                .cloned()
                .unwrap(),
        );
        let v = p.view();
        assert_eq!(v.obj("data").unwrap().str("name").unwrap(), "x");
        assert_eq!(v.obj("search").unwrap().str("role").unwrap(), "vendor");
        assert_eq!(v.int("n").unwrap(), 5);
        assert_eq!(v.opt_bool("b").unwrap(), Some(true));
    }

    #[test]
    fn positional() {
        let mut p = Params::from_form(b"arg1=-7d&arg2=now&arg3[product_id]=5&to=later");
        p.apply_positional(&["from", "to", "search"]);
        let v = p.view();
        assert_eq!(v.str("from").unwrap(), "-7d");
        assert_eq!(v.str("to").unwrap(), "later", "named wins");
        assert_eq!(v.obj("search").unwrap().str("product_id").unwrap(), "5");
        assert!(v.get("arg1").is_none());
    }

    #[test]
    fn typed_accessors() {
        let p = Params::from_form(b"a=Y&b=no&c=maybe&m=9.5&bad=9,50&i=12&x=&d[f]=1");
        let v = p.view();
        assert_eq!(v.opt_bool("a").unwrap(), Some(true));
        assert_eq!(v.opt_bool("b").unwrap(), Some(false));
        let e = v.opt_bool("c").unwrap_err();
        assert_eq!(e.code(), 3);
        assert!(e.message(crate::error::Lang::En).contains("'c'"));
        assert_eq!(v.money("m").unwrap(), 950);
        assert!(v.money("bad").is_err());
        assert_eq!(v.int("i").unwrap(), 12);
        let e = v.str("x").unwrap_err();
        assert!(e.message(crate::error::Lang::En).contains("'x'"));
        let d = v.obj("d").unwrap();
        let e = d.money("amount").unwrap_err();
        assert!(e.message(crate::error::Lang::En).contains("d[amount]"));
        assert!(v.obj("a").is_err(), "a scalar where an array is expected");
    }

    #[test]
    fn money_round_trip() {
        assert_eq!(parse_money("10"), Some(1000));
        assert_eq!(parse_money("0.5"), Some(50));
        assert_eq!(parse_money("-3.25"), Some(-325));
        assert_eq!(parse_money("1.230"), Some(123));
        assert_eq!(parse_money("1.234"), None);
        assert_eq!(parse_money("abc"), None);
        assert_eq!(parse_money("."), None);
        assert_eq!(money(-325), "-3.25");
        assert_eq!(money(5), "0.05");
        assert_eq!(money_de(123_456), "1234,56");
    }
}

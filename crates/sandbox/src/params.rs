//! Request parameters: PHP-bracket form bodies, JSON bodies and positional `argN` values, turned
//! into one tree with typed, validating accessors.
//!
//! Digistore24 is a PHP application: `data[approval_status][1]=pending` arrives as nested arrays,
//! lists are objects keyed `0`, `1`, ... and every scalar is a string. We rebuild exactly that
//! tree (JSON bodies are folded into the same shape), so handlers read one representation no
//! matter how the client encoded it. Every accessor names the offending parameter in its
//! code-3 error, including the bracket path (`data[first_amount]`).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use serde_json::{Map, Value};

use crate::error::{ApiError, ErrorKind};
use crate::money::parse_money;
use crate::time::{self, DateEnd};

/// The deepest nesting a parameter may have: bracket segments after the name (`a[b][c]` is 2)
/// plus JSON object/array levels below it. Deeper input is refused with code 3; PHP's own
/// default (`max_input_nesting_level`) is 64, our documents never need more than 3.
pub const MAX_DEPTH: usize = 16;
/// The most scalar values one request may carry (form pairs plus JSON leaves), like PHP's
/// `max_input_vars`.
pub const MAX_PARAMS: usize = 10_000;

/// All parameters of one call.
#[derive(Debug, Clone, Default)]
pub struct Params {
    map: Map<String, Value>,
    /// Scalars taken in so far (bounded by [`MAX_PARAMS`]).
    count: usize,
    /// PHP's "next free element" per container path (`a[]=x` appends), so appending stays O(1).
    next_free: HashMap<String, u64>,
    /// Top-level names a handler read (debug builds; checked against the registry).
    #[cfg(debug_assertions)]
    reads: std::cell::RefCell<std::collections::BTreeSet<String>>,
}

/// Parses a request body into parameters: the one pure entry point for everything a client
/// controls (content type and bytes), bounded in nesting ([`MAX_DEPTH`]) and size
/// ([`MAX_PARAMS`]). JSON is chosen by the content type, or by a leading `{` when there is
/// none; everything else is a PHP-style form body. Errors are Digistore24's code 3.
pub fn parse_params(content_type: Option<&str>, body: &[u8]) -> Result<Params, ApiError> {
    let mut p = Params::default();
    p.merge_body(content_type, body)?;
    Ok(p)
}

fn too_deep() -> ApiError {
    ApiError::new(
        ErrorKind::BadParams,
        format!("Ungültige Parameter: höchstens {MAX_DEPTH} Verschachtelungsebenen sind erlaubt."),
        format!("Invalid parameters: at most {MAX_DEPTH} levels of nesting are allowed."),
    )
}

fn too_many() -> ApiError {
    ApiError::new(
        ErrorKind::BadParams,
        format!("Ungültige Parameter: höchstens {MAX_PARAMS} Werte pro Aufruf sind erlaubt."),
        format!("Invalid parameters: at most {MAX_PARAMS} values per call are allowed."),
    )
}

/// Splits `a[b][0][c]` into `["a", "b", "0", "c"]`. `a[]` yields an empty last segment (append).
/// Keys that are not well-formed bracket expressions are returned whole, like PHP keeps them.
/// `None` when the key has more than [`MAX_DEPTH`] bracket segments.
pub fn split_key(key: &str) -> Option<Vec<String>> {
    let Some(open) = key.find('[') else {
        return Some(vec![key.to_string()]);
    };
    if open == 0 {
        return Some(vec![key.to_string()]);
    }
    let mut segs = vec![key[..open].to_string()];
    let mut rest = &key[open..];
    while let Some(stripped) = rest.strip_prefix('[') {
        let Some(close) = stripped.find(']') else {
            return Some(vec![key.to_string()]);
        };
        if segs.len() > MAX_DEPTH {
            return None;
        }
        segs.push(stripped[..close].to_string());
        rest = &stripped[close + 1..];
    }
    // Trailing garbage after the last bracket (`a[b]c`): PHP ignores it.
    Some(segs)
}

/// The nesting depth of a JSON value (0 for a scalar), computed without recursion; stops
/// counting past `limit`.
fn json_depth(v: &Value, limit: usize) -> usize {
    let mut deepest = 0;
    let mut stack: Vec<(&Value, usize)> = vec![(v, 0)];
    while let Some((v, d)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match v {
            Value::Object(m) => Box::new(m.values()),
            Value::Array(a) => Box::new(a.iter()),
            _ => continue,
        };
        deepest = deepest.max(d + 1);
        if deepest > limit {
            return deepest;
        }
        stack.extend(children.map(|c| (c, d + 1)));
    }
    deepest
}

/// The number of scalars in a JSON value, counted without recursion.
fn json_leaves(v: &Value) -> usize {
    let mut n = 0;
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(m) => stack.extend(m.values()),
            Value::Array(a) => stack.extend(a.iter()),
            _ => n += 1,
        }
    }
    n
}

impl Params {
    /// Parses an `application/x-www-form-urlencoded` body or query string. Brackets may be raw
    /// or percent-encoded; `+` is a space.
    #[cfg(test)]
    pub fn from_form(input: &[u8]) -> Self {
        let mut p = Self::default();
        let _ = p.merge_form(input);
        p
    }

    /// Adds a request body (see [`parse_params`]). An all-whitespace body adds nothing.
    pub fn merge_body(&mut self, content_type: Option<&str>, body: &[u8]) -> Result<(), ApiError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        let ctype = content_type.unwrap_or("").to_ascii_lowercase();
        let looks_json = body
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == b'{');
        if ctype.contains("json") || (ctype.is_empty() && looks_json) {
            // serde_json stops at 128 levels on its own, so parsing cannot recurse deeply.
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(m)) => self.merge_json(m),
                _ => Err(ApiError::new(
                    ErrorKind::BadParams,
                    "Der JSON-Body ist kein gültiges JSON-Objekt.",
                    "The JSON body is not a valid JSON object.",
                )),
            }
        } else {
            self.merge_form(body)
        }
    }

    /// Adds the pairs of a form body or query string (later values win).
    pub fn merge_form(&mut self, input: &[u8]) -> Result<(), ApiError> {
        for (k, v) in form_urlencoded::parse(input) {
            if k.is_empty() {
                continue;
            }
            self.count += 1;
            if self.count > MAX_PARAMS {
                return Err(too_many());
            }
            let segs = split_key(&k).ok_or_else(too_deep)?;
            self.insert(&segs, Value::String(v.into_owned()));
        }
        Ok(())
    }

    /// Adds the members of a JSON object body. Top-level keys may themselves be bracket keys
    /// (`{"data[name]": "x"}`); nested objects and arrays are kept as they are.
    pub fn merge_json(&mut self, body: Map<String, Value>) -> Result<(), ApiError> {
        for (k, v) in body {
            let segs = split_key(&k).ok_or_else(too_deep)?;
            if segs.len() - 1 + json_depth(&v, MAX_DEPTH) > MAX_DEPTH {
                return Err(too_deep());
            }
            self.count += json_leaves(&v);
            if self.count > MAX_PARAMS {
                return Err(too_many());
            }
            self.insert(&segs, v);
        }
        Ok(())
    }

    /// Inserts `value` at the bracket path `segs` (at most [`MAX_DEPTH`] + 1 segments), with
    /// PHP's append semantics for empty segments.
    fn insert(&mut self, segs: &[String], value: Value) {
        let mut tree = &mut self.map;
        let mut path = String::new();
        let last = segs.len().saturating_sub(1);
        for (i, seg) in segs.iter().enumerate() {
            let key = if seg.is_empty() {
                let next = match self.next_free.get(&path) {
                    Some(n) => *n,
                    None => first_free(tree),
                };
                self.next_free.insert(path.clone(), next + 1);
                next.to_string()
            } else {
                if let Ok(n) = seg.parse::<u64>()
                    && let Some(next) = self.next_free.get_mut(&path)
                {
                    *next = (*next).max(n + 1);
                }
                seg.clone()
            };
            if i == last {
                if tree.get(&key).is_some_and(Value::is_object) {
                    // An object is replaced: the append positions below it are gone.
                    self.next_free.clear();
                }
                tree.insert(key, value);
                return;
            }
            path.push('\u{0}');
            path.push_str(&key);
            let slot = tree.entry(key).or_insert_with(|| Value::Object(Map::new()));
            if !slot.is_object() {
                self.next_free.clear();
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
            let Value::Object(child) = slot else {
                return;
            };
            tree = child;
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
            #[cfg(debug_assertions)]
            reads: Some(&self.reads),
        }
    }

    /// The `language` parameter, read without counting as a handler's read.
    pub fn language(&self) -> Option<String> {
        self.map
            .get("language")
            .and_then(scalar)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    }

    /// Forgets the recorded reads (debug builds), so a handler's reads can be told apart.
    pub fn clear_reads(&self) {
        #[cfg(debug_assertions)]
        self.reads.borrow_mut().clear();
    }

    /// The top-level names read through [`View`] accessors since [`Params::clear_reads`]
    /// (always empty in release builds, which do not record).
    pub fn reads(&self) -> std::collections::BTreeSet<String> {
        #[cfg(debug_assertions)]
        return self.reads.borrow().clone();
        #[cfg(not(debug_assertions))]
        std::collections::BTreeSet::new()
    }
}

/// The first free append index of a container: one past its largest numeric key.
fn first_free(tree: &Map<String, Value>) -> u64 {
    tree.keys()
        .filter_map(|k| k.parse::<u64>().ok())
        .max()
        .map_or(0, |m| m + 1)
}

/// A (sub-)object of the parameters, with accessors that name `prefix[field]` in errors.
#[derive(Debug, Clone)]
pub struct View<'a> {
    map: &'a Map<String, Value>,
    prefix: String,
    /// Where the root view records the names it hands out (debug builds; `None` below the
    /// root, whose reads are covered by the read of their top-level parameter).
    #[cfg(debug_assertions)]
    reads: Option<&'a std::cell::RefCell<std::collections::BTreeSet<String>>>,
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

impl<'a> View<'a> {
    /// The bracket path of a field of this view, for error messages.
    pub fn path(&self, name: &str) -> String {
        if self.prefix.is_empty() {
            name.to_string()
        } else {
            format!("{}[{name}]", self.prefix)
        }
    }

    /// Records a read of a top-level name (debug builds).
    fn note(&self, _name: &str) {
        #[cfg(debug_assertions)]
        if let Some(reads) = self.reads {
            reads.borrow_mut().insert(_name.to_string());
        }
    }

    /// The raw value.
    pub fn get(&self, name: &str) -> Option<&'a Value> {
        self.note(name);
        self.map.get(name)
    }

    /// Whether the field is present (even if empty).
    pub fn has(&self, name: &str) -> bool {
        self.note(name);
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

    /// A nested object that may be left out, read as one with no fields when it is.
    pub fn obj_or_empty(&self, name: &str) -> Result<View<'a>, ApiError> {
        static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);
        Ok(self.opt_obj(name)?.unwrap_or_else(|| View {
            map: &EMPTY,
            prefix: self.path(name),
            #[cfg(debug_assertions)]
            reads: None,
        }))
    }

    /// A nested object (`data[...]`); `None` when absent or empty. A scalar is an error.
    pub fn opt_obj(&self, name: &str) -> Result<Option<View<'a>>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(View {
                map: m,
                prefix: self.path(name),
                #[cfg(debug_assertions)]
                reads: None,
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
                        #[cfg(debug_assertions)]
                        reads: None,
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
                                #[cfg(debug_assertions)]
                                reads: None,
                            })
                        })
                        .collect())
                } else {
                    Ok(vec![View {
                        map: m,
                        prefix: self.path(name),
                        #[cfg(debug_assertions)]
                        reads: None,
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
        let sk = |k: &str| split_key(k).unwrap();
        assert_eq!(sk("a"), vec!["a"]);
        assert_eq!(sk("a[b][0][c]"), vec!["a", "b", "0", "c"]);
        assert_eq!(sk("a[]"), vec!["a", ""]);
        assert_eq!(sk("[x]"), vec!["[x]"]);
        assert_eq!(sk("a[b"), vec!["a[b"]);
        assert_eq!(
            split_key(&format!("a{}", "[]".repeat(MAX_DEPTH))).map(|s| s.len()),
            Some(MAX_DEPTH + 1)
        );
        assert_eq!(split_key(&format!("a{}", "[]".repeat(MAX_DEPTH + 1))), None);
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
        )
        .unwrap();
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
    fn appends_follow_php() {
        let p = Params::from_form(b"a[]=x&a[5]=y&a[]=z&b[c][]=1&b[c][]=2&a=s&a[]=t");
        assert_eq!(
            Value::Object(p.tree().clone()),
            json!({"a": {"0": "t"}, "b": {"c": {"0": "1", "1": "2"}}})
        );
        let p = Params::from_form(b"a[]=x&a[5]=y&a[]=z");
        assert_eq!(
            Value::Object(p.tree().clone()),
            json!({"a": {"0": "x", "5": "y", "6": "z"}})
        );
    }

    #[test]
    fn hostile_input_is_bounded() {
        let deep = format!("a{}=1", "[]".repeat(20_000));
        let e = parse_params(None, deep.as_bytes()).unwrap_err();
        assert_eq!(e.code(), 3);
        let ok = format!("a{}=1", "[x]".repeat(MAX_DEPTH));
        assert!(parse_params(None, ok.as_bytes()).is_ok());
        let nested = |n: usize| format!("{{\"a\":{}1{}}}", "{\"b\":".repeat(n), "}".repeat(n));
        assert!(parse_params(Some("application/json"), nested(MAX_DEPTH).as_bytes()).is_ok());
        let e =
            parse_params(Some("application/json"), nested(MAX_DEPTH + 1).as_bytes()).unwrap_err();
        assert_eq!(e.code(), 3);
        let e = parse_params(Some("application/json"), nested(20_000).as_bytes()).unwrap_err();
        assert_eq!(e.code(), 3);
        let mixed = format!("{{\"a{}\":{{\"b\":1}}}}", "[x]".repeat(MAX_DEPTH));
        assert_eq!(parse_params(None, mixed.as_bytes()).unwrap_err().code(), 3);
        let many = "a[]=1&".repeat(MAX_PARAMS + 1);
        assert_eq!(parse_params(None, many.as_bytes()).unwrap_err().code(), 3);
        let fine = "a[]=1&".repeat(MAX_PARAMS);
        let p = parse_params(None, fine.as_bytes()).unwrap();
        assert_eq!(p.view().list_str("a").len(), MAX_PARAMS);
    }
}

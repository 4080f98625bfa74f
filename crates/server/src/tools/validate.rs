//! Arguments are checked against the catalog before anything goes upstream, so a model gets
//! an error it can act on ("`data.first_amount`: expected a number, got \"abc\"") instead of
//! a vague Digistore24 message, and a malformed call never reaches the account.
//!
//! Validation is a little lenient where models commonly are: numbers and integers may come as
//! numeric strings, and flags as `Y`/`N` or `yes`/`no` as well as booleans. The result is
//! normalised so the encoder sees one representation (a flag is always a JSON boolean).
//!
//! It is also the first thing an anonymous caller can make the server work on, so its cost is
//! bounded by what the call carries, and its answer is bounded whatever the call carries:
//! arguments beyond [`LIMITS`] are refused before any other check, at most [`MAX_LISTED`]
//! problems are spelled out (then "and N more"), each object's valid names are listed once,
//! and no value or name is echoed beyond a short preview.

use std::collections::HashSet;

use ds24_catalog::{Format, Param, Ty};
use serde_json::{Map, Value};

use super::bounds::{self, LIMITS, PREVIEW_CHARS, preview_text};

/// How many problems an answer spells out; the rest are counted.
pub const MAX_LISTED: usize = 20;
/// Bytes of problem text an answer spells out at most, whatever [`MAX_LISTED`] allows.
const LISTED_BYTES: usize = 4096;

/// What is wrong with a call's arguments: the first few problems in full, the rest counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems {
    listed: Vec<String>,
    listed_bytes: usize,
    total: usize,
}

impl Problems {
    /// A single problem.
    pub fn one(problem: String) -> Self {
        Self::from(vec![problem])
    }

    fn push(&mut self, mut problem: String) {
        self.total += 1;
        if problem.len() > LISTED_BYTES {
            let mut cut = LISTED_BYTES - 3;
            while !problem.is_char_boundary(cut) {
                cut -= 1;
            }
            problem.truncate(cut);
            problem.push('…');
        }
        if self.listed.len() < MAX_LISTED && self.listed_bytes + problem.len() <= LISTED_BYTES {
            self.listed_bytes += problem.len();
            self.listed.push(problem);
        }
    }

    fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The problems spelled out, in the order found.
    pub fn listed(&self) -> &[String] {
        &self.listed
    }

    /// How many problems were found but not spelled out.
    pub fn more(&self) -> usize {
        self.total - self.listed.len()
    }

    /// One line for the model: the listed problems, then how many more there are.
    pub fn summary(&self) -> String {
        let mut text = self.listed.join("; ");
        if self.more() > 0 {
            text.push_str(&format!("; and {} more", self.more()));
        }
        text
    }
}

impl From<Vec<String>> for Problems {
    /// Problems found elsewhere (report settings, compact mode's own arguments), bounded the
    /// same way.
    fn from(list: Vec<String>) -> Self {
        let mut problems = Self::default();
        for p in list {
            problems.push(p);
        }
        problems
    }
}

/// Checks `args` against `params` and returns the normalised arguments, or what is wrong.
pub(crate) fn validate(
    params: &[&Param],
    args: &Map<String, Value>,
) -> Result<Map<String, Value>, Problems> {
    let mut problems = Problems::default();
    if let Err(problem) = bounds::check(args, LIMITS) {
        problems.push(problem);
        return Err(problems);
    }
    let mut listed_names = HashSet::new();
    let mut check = Checker {
        problems: &mut problems,
        listed_names: &mut listed_names,
    };
    let out = check.object(params.iter().copied(), args, "");
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// One validation pass: where problems go, and which objects' valid names were already listed.
struct Checker<'p> {
    problems: &'p mut Problems,
    /// Objects of the schema (by their first parameter) whose names a problem already listed.
    listed_names: &'p mut HashSet<usize>,
}

impl Checker<'_> {
    fn object<'a>(
        &mut self,
        params: impl Iterator<Item = &'a Param> + Clone,
        args: &Map<String, Value>,
        prefix: &str,
    ) -> Map<String, Value> {
        let mut out = Map::new();
        for (name, value) in args {
            let path = format!("{prefix}{}", preview_text(name));
            match params.clone().find(|p| p.is_named(name)) {
                None => self.unknown(params.clone(), &path),
                Some(p) if value.is_null() => {
                    if p.required {
                        self.problems.push(format!(
                            "`{path}`: required, got null ({})",
                            describe(&p.ty)
                        ));
                    }
                }
                Some(param) if param.alias == Some(name.as_str()) => {
                    if args.contains_key(param.name) {
                        self.problems.push(format!(
                            "`{path}` is another spelling of `{prefix}{}`, which is given too: give one",
                            param.name
                        ));
                    } else if let Some(v) = self.value(param, value, &path) {
                        out.insert(param.name.to_owned(), v);
                    }
                }
                Some(param) => {
                    if let Some(v) = self.value(param, value, &path) {
                        out.insert(name.clone(), v);
                    }
                }
            }
        }
        for p in params.filter(|p| p.required) {
            if !args.contains_key(p.name) {
                self.problems.push(format!(
                    "`{prefix}{}`: missing required argument ({})",
                    p.name,
                    describe(&p.ty)
                ));
            }
        }
        out
    }

    /// An unknown name; the object's valid names come with the first one only.
    fn unknown<'a>(&mut self, params: impl Iterator<Item = &'a Param> + Clone, path: &str) {
        let schema = params
            .clone()
            .next()
            .map_or(0, |p| std::ptr::from_ref(p) as usize);
        if !self.listed_names.insert(schema) {
            self.problems
                .push(format!("`{path}`: unknown argument (see above)"));
            return;
        }
        let known: Vec<String> = params
            .map(|p| match p.per_language {
                true => format!("{} (XX a language code: {})", p.name, p.name_in("de")),
                false => p.name.to_owned(),
            })
            .collect();
        self.problems.push(if known.is_empty() {
            format!("`{path}`: unknown argument (this takes no arguments)")
        } else {
            format!(
                "`{path}`: unknown argument; expected one of: {}",
                known.join(", ")
            )
        });
    }

    fn value(&mut self, param: &Param, value: &Value, path: &str) -> Option<Value> {
        let checked = match (&param.ty, value) {
            (Ty::String | Ty::DateTime | Ty::Date, Value::String(_)) => Some(value.clone()),
            (Ty::String | Ty::DateTime | Ty::Date, Value::Number(n)) if param.values.is_empty() => {
                Some(Value::from(n.to_string()))
            }
            (Ty::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => Some(value.clone()),
            // `2.0`: what a client that keeps every number as a float sends for 2.
            (Ty::Integer, Value::Number(n)) if whole(n).is_some() => whole(n).map(Value::from),
            (Ty::Integer, Value::String(s)) if s.trim().parse::<i64>().is_ok() => {
                Some(Value::from(s.trim()))
            }
            (Ty::Number, Value::Number(_)) => Some(value.clone()),
            (Ty::Number, Value::String(s)) if is_decimal(s.trim()) => Some(Value::from(s.trim())),
            (Ty::Boolean, Value::Bool(_)) => Some(value.clone()),
            (Ty::Boolean, Value::String(s)) => parse_bool(s).map(Value::Bool),
            (Ty::Object([]), Value::Object(map)) => self.free_form(map, path),
            (Ty::Object(fields), Value::Object(map)) => Some(Value::Object(self.object(
                fields.iter(),
                map,
                &format!("{path}."),
            ))),
            (Ty::Array(fields), Value::Array(items)) => Some(Value::Array(
                items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, item)| {
                        let at = format!("{path}[{i}]");
                        match (fields.is_empty(), item) {
                            (true, Value::Object(map)) => self.free_form(map, &at),
                            (false, Value::Object(map)) => Some(Value::Object(self.object(
                                fields.iter(),
                                map,
                                &format!("{at}."),
                            ))),
                            _ => {
                                self.problems.push(format!(
                                    "`{at}`: expected an object, got {}",
                                    shown(item)
                                ));
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
            (Ty::TextOrMap, Value::Object(map)) => self.free_form(map, path),
            _ => None,
        };
        let Some(checked) = checked else {
            self.problems.push(format!(
                "`{path}`: expected {}, got {}",
                describe(&param.ty),
                shown(value)
            ));
            return None;
        };
        // `M` where the list says `m`: the spelling the catalog gives is sent.
        let checked = match checked {
            Value::String(s) if !param.values.is_empty() => {
                Value::String(canonical(param.values, s))
            }
            Value::Array(items) if !param.values.is_empty() => Value::Array(
                items
                    .into_iter()
                    .map(|i| match i {
                        Value::String(s) => Value::String(canonical(param.values, s)),
                        other => other,
                    })
                    .collect(),
            ),
            Value::Object(map) if !param.values.is_empty() => Value::Object(
                map.into_iter()
                    .map(|(k, v)| match v {
                        Value::String(s) => (k, Value::String(canonical(param.values, s))),
                        other => (k, other),
                    })
                    .collect(),
            ),
            other => other,
        };
        if !param.values.is_empty() {
            let outside = match &checked {
                Value::String(s) if s.is_empty() && param.clearable => false,
                Value::String(s) => !param.values.contains(&s.as_str()),
                Value::Array(items) => items
                    .iter()
                    .any(|i| i.as_str().is_none_or(|s| !param.values.contains(&s))),
                // A map of them (per reseller): each value is one of them.
                Value::Object(map) => map
                    .values()
                    .any(|v| v.as_str().is_none_or(|s| !param.values.contains(&s))),
                _ => false,
            };
            if outside {
                self.problems.push(format!(
                    "`{path}`: expected {} of {}, got {}",
                    if checked.is_string() { "one" } else { "each" },
                    param.values.join(", "),
                    shown(value)
                ));
                return None;
            }
        }
        if let (Ty::DateTime | Ty::Date, Value::String(s)) = (&param.ty, &checked)
            && !(s.is_empty() && param.clearable)
            && !crate::window::is_time(s)
        {
            self.problems.push(format!(
                "`{path}`: not in a form Digistore24 documents for times; expected {}, got {}",
                describe(&param.ty),
                shown(value)
            ));
            return None;
        }
        if let Some(problem) = limits(param, &checked) {
            self.problems
                .push(format!("`{path}`: {problem}, got {}", shown(value)));
            return None;
        }
        // Judged on what was sent: a field given but refused above has its own problem. A zero
        // (a discount of 0 %) is no more than none.
        let given = |v: &Value| match v {
            Value::Null => false,
            Value::Number(n) => n.as_f64() != Some(0.0),
            Value::String(s) => s.trim().parse::<f64>() != Ok(0.0),
            _ => true,
        };
        if let Value::Object(map) = value
            && !param.needs_one_of.is_empty()
            && !param
                .needs_one_of
                .iter()
                .any(|f| map.get(*f).is_some_and(given))
        {
            self.problems.push(format!(
                "`{path}`: needs at least one of {}, not zero",
                param.needs_one_of.join(", ")
            ));
            return None;
        }
        Some(checked)
    }

    /// A map of names the model chooses (placeholders, custom fields). Its names become form
    /// keys inside brackets, so a name that is empty or carries a bracket would change the
    /// structure Digistore24 reads (`placeholders[TITLE][injected]`): refused, not sent raw.
    fn free_form(&mut self, map: &Map<String, Value>, path: &str) -> Option<Value> {
        let mut out = Map::new();
        for (k, v) in map {
            if k.is_empty() || k.contains(['[', ']']) {
                self.problems.push(format!(
                    "`{path}`: name {} is not allowed: names must be non-empty and contain no `[` or `]`",
                    shown(&Value::String(k.clone()))
                ));
                continue;
            }
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
                other => self.problems.push(format!(
                    "`{path}.{}`: expected text, got {}",
                    preview_text(k),
                    shown(other)
                )),
            }
        }
        Some(Value::Object(out))
    }
}

/// Digistore24 takes money and rates as decimals with at most two places (`89.99`); a
/// computed `0.1 + 0.2` arrives as `0.30000000000000004`. Refused with what to send rather
/// than rounded: an amount is not the server's to guess.
fn cents_problem(value: &Value) -> Option<String> {
    let text = match value {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_owned(),
        _ => return None,
    };
    let places = text.split_once('.').map_or(0, |(_, frac)| frac.len());
    if text.contains(['e', 'E']) || places > 2 {
        return Some(format!(
            "must have at most 2 decimal places, as in 89.99 (got {}); round it and call again",
            text.chars().take(32).collect::<String>()
        ));
    }
    None
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
    if matches!(param.ty, Ty::Number)
        && let Some(problem) = cents_problem(value)
    {
        return Some(problem);
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

fn is_decimal(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let mut parts = digits.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let frac = parts.next();
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

/// A number with nothing after the point, as an integer (`2.0` → 2); `None` otherwise. The
/// JSON reader has already made the number a float: a fraction below its precision
/// (`3.0000000000000001`) reads as whole, and above 2^52, where a float has no fractions at
/// all, the number is refused rather than sent rounded.
fn whole(n: &serde_json::Number) -> Option<i64> {
    let f = n.as_f64()?;
    #[allow(clippy::cast_possible_truncation)]
    (f.fract() == 0.0 && f.abs() < 4_503_599_627_370_496.0).then_some(f as i64)
}

/// `value` in the spelling `values` give it, when it differs only in case; else as it is.
fn canonical(values: &[&'static str], value: String) -> String {
    if values.contains(&value.as_str()) {
        return value;
    }
    match values.iter().find(|v| v.eq_ignore_ascii_case(&value)) {
        Some(v) => (*v).to_owned(),
        None => value,
    }
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
    format!("{kind} {}", preview(value))
}

/// The start of `value` as compact JSON, without serialising more of it than is shown.
fn preview(value: &Value) -> String {
    /// Accepts bytes until it holds enough for the preview, then stops the serialiser.
    struct Prefix(Vec<u8>);
    impl std::io::Write for Prefix {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            // Four bytes per character at most, plus one to know that more follows.
            if self.0.len() > PREVIEW_CHARS * 4 {
                return Err(std::io::ErrorKind::WriteZero.into());
            }
            self.0.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut out = Prefix(Vec::new());
    let complete = serde_json::to_writer(&mut out, value).is_ok();
    let text = String::from_utf8_lossy(&out.0);
    let mut shown: String = text.chars().take(PREVIEW_CHARS).collect();
    if !complete || text.chars().nth(PREVIEW_CHARS).is_some() {
        shown.push('…');
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(name: &str, args: Value) -> Result<Map<String, Value>, Vec<String>> {
        let f = ds24_catalog::get(name).unwrap();
        let params: Vec<&Param> = f.params.iter().collect();
        validate(&params, args.as_object().unwrap()).map_err(|p| p.listed().to_vec())
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

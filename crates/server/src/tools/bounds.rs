//! Bounds on what one call's arguments may carry.
//!
//! Arguments are the first thing an anonymous caller can make the server work on. The bounds
//! are far above anything a Digistore24 function takes and far below what would let one
//! request occupy the server; a call beyond them is refused with one problem naming the
//! argument, before any other check. The same budget is spent by every walk over
//! arguments: the HTTP front door's, over the raw JSON while it is parsed (so an oversized
//! call is never built in memory), and validation's, over parsed arguments (for every door).

use std::fmt;

use serde_json::{Map, Value};

/// Characters of a name shown in a problem.
pub(crate) const PREVIEW_CHARS: usize = 40;

/// Bounds on one call's arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// JSON values in the whole call (every name's value, every array item, nested or not).
    pub max_values: usize,
    /// Argument names in the whole call, counting nested objects.
    pub max_names: usize,
    /// Items in one array.
    pub max_items: usize,
    /// Bytes of one text value.
    pub max_text_bytes: usize,
    /// Bytes of one argument name.
    pub max_name_bytes: usize,
    /// Levels of objects and arrays below the arguments object.
    pub max_depth: usize,
}

/// The limits every call is held to.
pub const LIMITS: Limits = Limits {
    max_values: 10_000,
    max_names: 1000,
    max_items: 1000,
    max_text_bytes: 65_536,
    max_name_bytes: 256,
    max_depth: 8,
};

/// Where in the arguments a walk is, for problem texts: `data.addons[2].product_id`.
#[derive(Debug, Default, Clone)]
pub(crate) struct Path(Vec<Segment>);

#[derive(Debug, Clone)]
enum Segment {
    Name(String),
    Index(usize),
}

impl Path {
    /// Steps into the argument `name` (shortened for display).
    pub(crate) fn push_name(&mut self, name: &str) {
        self.0.push(Segment::Name(preview_text(name)));
    }

    /// Steps into item `index` of an array.
    pub(crate) fn push_index(&mut self, index: usize) {
        self.0.push(Segment::Index(index));
    }

    /// Steps back out.
    pub(crate) fn pop(&mut self) {
        self.0.pop();
    }

    /// `` `path`: `` for a problem about this place, or nothing at the top.
    fn prefix(&self) -> String {
        if self.0.is_empty() {
            String::new()
        } else {
            format!("`{self}`: ")
        }
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Segment::Name(n) if i == 0 => f.write_str(n)?,
                Segment::Name(n) => write!(f, ".{n}")?,
                Segment::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

/// A name as shown in a problem: at most [`PREVIEW_CHARS`] characters, control characters
/// replaced (so a problem's length is what is sent: JSON would escape each into six bytes).
pub(crate) fn preview_text(text: &str) -> String {
    let mut shown: String = text
        .chars()
        .take(PREVIEW_CHARS)
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect();
    if text.chars().nth(PREVIEW_CHARS).is_some() {
        shown.push('…');
    }
    shown
}

/// What a walk over one call's arguments has spent so far. Each method says, as a problem
/// text, when a bound is crossed.
#[derive(Debug)]
pub(crate) struct Budget {
    limits: Limits,
    values: usize,
    names: usize,
}

impl Budget {
    /// A fresh budget.
    pub(crate) fn new(limits: Limits) -> Self {
        Self {
            limits,
            values: 0,
            names: 0,
        }
    }

    /// One more value at `at`.
    pub(crate) fn value(&mut self, at: &Path) -> Result<(), String> {
        self.values += 1;
        if self.values > self.limits.max_values {
            return Err(format!(
                "{}more than {} values in total; send less",
                at.prefix(),
                self.limits.max_values
            ));
        }
        Ok(())
    }

    /// An object or array at `at`, `depth` levels below the arguments object.
    pub(crate) fn container(&self, depth: usize, at: &Path) -> Result<(), String> {
        if depth > self.limits.max_depth {
            return Err(format!(
                "{}nested deeper than {} levels",
                at.prefix(),
                self.limits.max_depth
            ));
        }
        Ok(())
    }

    /// A text of `len` bytes at `at`.
    pub(crate) fn text(&self, len: usize, at: &Path) -> Result<(), String> {
        if len > self.limits.max_text_bytes {
            return Err(format!(
                "{}text longer than {} bytes ({len} bytes)",
                at.prefix(),
                self.limits.max_text_bytes
            ));
        }
        Ok(())
    }

    /// The item with this (zero-based) `index` of the array at `at`.
    pub(crate) fn item(&self, index: usize, at: &Path) -> Result<(), String> {
        if index >= self.limits.max_items {
            return Err(format!(
                "{}more than {} items",
                at.prefix(),
                self.limits.max_items
            ));
        }
        Ok(())
    }

    /// One more argument name, `name`, in the object at `at`.
    pub(crate) fn name(&mut self, name: &str, at: &Path) -> Result<(), String> {
        self.names += 1;
        if self.names > self.limits.max_names {
            return Err(format!(
                "{}more than {} argument names in total; send fewer arguments",
                at.prefix(),
                self.limits.max_names
            ));
        }
        if name.len() > self.limits.max_name_bytes {
            return Err(format!(
                "`{}`: argument name longer than {} bytes",
                {
                    let mut inner = at.clone();
                    inner.push_name(name);
                    inner
                },
                self.limits.max_name_bytes
            ));
        }
        Ok(())
    }
}

/// The first way parsed `args` exceed `limits`, if any.
pub fn check(args: &Map<String, Value>, limits: Limits) -> Result<(), String> {
    let mut budget = Budget::new(limits);
    let mut path = Path::default();
    object(args, 0, &mut budget, &mut path)
}

fn object(
    map: &Map<String, Value>,
    depth: usize,
    budget: &mut Budget,
    path: &mut Path,
) -> Result<(), String> {
    for (name, value) in map {
        budget.name(name, path)?;
        path.push_name(name);
        walk(value, depth + 1, budget, path)?;
        path.pop();
    }
    Ok(())
}

fn walk(value: &Value, depth: usize, budget: &mut Budget, path: &mut Path) -> Result<(), String> {
    budget.value(path)?;
    match value {
        Value::String(s) => budget.text(s.len(), path),
        Value::Array(items) => {
            budget.container(depth, path)?;
            for (i, item) in items.iter().enumerate() {
                budget.item(i, path)?;
                path.push_index(i);
                walk(item, depth + 1, budget, path)?;
                path.pop();
            }
            Ok(())
        }
        Value::Object(map) => {
            budget.container(depth, path)?;
            object(map, depth, budget, path)
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problem(args: Value) -> String {
        check(args.as_object().unwrap(), LIMITS).unwrap_err()
    }

    #[test]
    fn each_bound_names_the_place() {
        assert!(check(json!({"a": {"b": [1, "x"]}}).as_object().unwrap(), LIMITS).is_ok());
        assert_eq!(
            problem(json!({"data": {"d": "x".repeat(70_000)}})),
            "`data.d`: text longer than 65536 bytes (70000 bytes)"
        );
        let mut deep = json!(1);
        for _ in 0..9 {
            deep = json!([deep]);
        }
        assert_eq!(
            problem(json!({ "a": deep })),
            "`a[0][0][0][0][0][0][0][0]`: nested deeper than 8 levels"
        );
        let items: Vec<Value> = (0..1001).map(Value::from).collect();
        assert_eq!(
            problem(json!({ "list": items })),
            "`list`: more than 1000 items"
        );
        let names: Map<String, Value> = (0..1001).map(|i| (format!("n{i}"), json!(1))).collect();
        assert_eq!(
            problem(json!({ "data": names })),
            "`data`: more than 1000 argument names in total; send fewer arguments"
        );
        let long = "k".repeat(300);
        assert!(problem(json!({ "x": { long: 1 } })).contains("argument name longer than 256"));
        let flat: Vec<Value> = (0..900).map(|_| json!([[[]]])).collect();
        let many: Vec<Value> = (0..12).map(|_| json!(flat.clone())).collect();
        assert!(
            problem(json!({ "m": many })).contains("more than 10000 values"),
            "nested lists cannot multiply past the value bound"
        );
    }

    #[test]
    fn previews_are_short_and_printable() {
        assert_eq!(preview_text("abc"), "abc");
        assert_eq!(preview_text("a\u{1b}[31m"), "a\u{fffd}[31m");
        assert_eq!(preview_text(&"x".repeat(100)).chars().count(), 41);
    }
}

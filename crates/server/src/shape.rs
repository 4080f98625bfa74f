//! Shaping Digistore24's answer into a tool result a model can afford.
//!
//! Two views of one answer: `structuredContent` keeps Digistore24's data as it came (for
//! clients and programs), and the text the model reads says the same in fewer tokens: no empty
//! strings, nulls, empty lists or objects, no `*_msg` labels that only translate a code shown
//! beside them, and lists of records as tables (`columns` once, then `rows` of values, with
//! values that are the same in every row said once under `same`). For a week of orders that is
//! about a fifth of the JSON Digistore24 sent.
//!
//! `structuredContent` is always an object (legacy clients reject anything else). The size cap
//! holds for the whole answer, both views together, measured on what is actually sent: an answer
//! over the cap has its largest collection (a list of rows, or records keyed by id) cut to the
//! leading entries that fit, in both views, and says so in `_truncated`, with the exact call that
//! continues where a paged list was cut, instead of overflowing the client's limit or being cut
//! off mid-JSON by it.

use std::io::Write as _;

use std::borrow::Cow;
use std::collections::HashMap;

use ds24_client::{Answer, Doc, Items, Json, Kind};
use serde::ser::Serialize;
use serde_json::{Value, json};

/// The two views of a tool result.
#[derive(Debug, Clone, PartialEq)]
pub struct Shaped {
    /// Lean JSON for the model (see the module docs).
    pub text: String,
    /// Digistore24's data as an object.
    pub structured: Structured,
}

/// The structured content: Digistore24's answer held in its `Doc` where it was an object that
/// fits (written out with its unescaped strings copied as they stood, see [`Doc`]), or a
/// `Value`.
#[derive(Debug, Clone)]
pub enum Structured {
    /// The answer's data, an object, whole, and its length as written.
    Answer {
        /// Digistore24's answer.
        answer: Answer,
        /// The bytes [`Structured::write_json`] writes.
        len: usize,
    },
    /// Data cut to fit, wrapped in an object, or naming a key twice.
    Value(Value),
}

impl Structured {
    /// As a `Value` (what rmcp's result types hold).
    pub fn into_value(self) -> Value {
        match self {
            Structured::Answer { answer, .. } => answer.into_value(),
            Structured::Value(value) => value,
        }
    }

    /// As a `Value`, copied.
    pub fn to_value(&self) -> Value {
        match self {
            Structured::Answer { answer, .. } => answer.data().to_value(),
            Structured::Value(value) => value.clone(),
        }
    }

    /// About how many bytes [`Structured::write_json`] writes (to reserve them): exactly, for
    /// an answer; nothing is reserved for a `Value`.
    pub fn size_hint(&self) -> usize {
        match self {
            Structured::Answer { len, .. } => *len,
            Structured::Value(_) => 0,
        }
    }

    /// Appends the compact JSON `serde_json` writes for [`Structured::to_value`].
    pub fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            Structured::Answer { answer, .. } => answer.data().write_json(out),
            Structured::Value(value) => {
                let _ = serde_json::to_writer(out, value);
            }
        }
    }
}

/// Equal as JSON values.
impl PartialEq for Structured {
    fn eq(&self, other: &Self) -> bool {
        self.to_value() == other.to_value()
    }
}

/// Where the answered page sits, for functions that page (`page_no`/`page_size`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// The page that was asked for (from 1).
    pub page_no: u64,
    /// Its size; 0 means "all rows on one page".
    pub page_size: u64,
}

/// Tables wider than this stay lists of records: a table pays off when records share fields.
const MAX_TABLE_COLUMNS: usize = 64;
/// Columns a table's first records may name before their names are looked up in a map: up to
/// a table's width a scan of the names costs about what hashing them would.
const LINEAR_COLUMNS: usize = MAX_TABLE_COLUMNS;
/// Collections cut before the answer is given up on as too large to cut into shape.
const MAX_CUTS: usize = 4;

/// Shapes the envelope's `data` so that text and structured content together stay within
/// `max_bytes`. An object that fits, the usual answer, is read where it lies and kept in its
/// `Doc`; anything else takes [`shape_value`]'s way.
pub fn shape(answer: Answer, max_bytes: usize, paging: Option<Paging>) -> Shaped {
    let data = answer.data();
    // A key twice in one object is written twice from the `Doc` but once from a `Value`, as
    // rmcp's path writes it: such an answer takes the `Value`'s way, so both paths agree.
    if data.is_object() && !answer.has_duplicate_keys() {
        let structured = data.json_len();
        if structured < max_bytes {
            let text = model_text(data);
            if text.len().saturating_add(structured) <= max_bytes {
                return Shaped {
                    text,
                    structured: Structured::Answer {
                        answer,
                        len: structured,
                    },
                };
            }
        }
    }
    shape_value(answer.into_value(), max_bytes, paging)
}

/// [`shape`] for data held as a `Value`: answers made here (compact mode's), and the ones
/// [`shape`] hands on (to be cut, wrapped, or with a key named twice).
pub fn shape_value(data: Value, max_bytes: usize, paging: Option<Paging>) -> Shaped {
    let mut result = match data {
        Value::Object(_) => data,
        Value::Array(items) => json!({ "items": items }),
        Value::Null => json!({}),
        other => json!({ "result": other }),
    };
    let mut cuts = 0;
    let mut shortened = false;
    let text = loop {
        let structured = json_len(&result);
        // The lean text only where it could fit beside the structured content: a large answer
        // goes to the cutting without a text of the whole of it.
        let text = (structured < max_bytes).then(|| model_text_of(&result));
        match text {
            Some(text) if text.len() + structured <= max_bytes => break text,
            // Long texts first (only in an answer that does not fit): a single record has no
            // rows to leave out.
            _ if !shortened => {
                shortened = true;
                shorten_long_texts(&mut result, max_bytes);
            }
            text => {
                if cuts == MAX_CUTS || !cut_largest_collection(&mut result, max_bytes, paging) {
                    let text = text.unwrap_or_else(|| model_text_of(&result));
                    let size = text.len() + structured;
                    result = json!({"_truncated": {
                        "note": format!(
                            "The answer ({size} bytes) is larger than one answer may be ({max_bytes} bytes) and cannot be shortened by leaving rows out. Narrow the request (filters, fewer IDs, a shorter time window)."
                        )
                    }});
                    break model_text_of(&result);
                }
                cuts += 1;
            }
        }
    };
    Shaped {
        text,
        structured: Structured::Value(result),
    }
}

/// The value as the model reads it: empty values and redundant labels dropped, lists of records
/// turned into tables. It borrows from `value`: nothing is copied or hashed on the way to the
/// text (this runs on every answer, and a copy of the answer cost more than the parse).
pub fn lean(value: Json<'_>) -> Lean<'_> {
    match value.kind() {
        Kind::Object(entries) => {
            let mut out = Vec::with_capacity(entries.len());
            let mut previous = None;
            let mut names = None;
            for (k, v) in entries {
                let shown = translates_a_shown_code(value, k, previous, &mut names);
                previous = Some((k, v));
                if shown {
                    continue;
                }
                let c = lean(v);
                if !c.is_empty() {
                    out.push((Cow::Borrowed(k), c));
                }
            }
            Lean::Object(out)
        }
        Kind::Array(items) if items.len() >= 2 && items.clone().all(Json::is_object) => {
            table(items)
        }
        Kind::Array(items) => Lean::Array(items.map(lean).collect()),
        _ => Lean::Leaf(value),
    }
}

/// The lean view of an answer: Digistore24's scalars borrowed, and the shape the model reads
/// (objects keep their order; a table is an object of `same`, `columns` and `rows`).
#[derive(Debug)]
pub enum Lean<'a> {
    /// A scalar of the answer.
    Leaf(Json<'a>),
    /// A name or filler of our own (a column name, `""` for a missing cell).
    Str(Cow<'a, str>),
    /// Fields in Digistore24's order, empty ones left out.
    Object(Vec<(Cow<'a, str>, Lean<'a>)>),
    /// A list that is not a table.
    Array(Vec<Lean<'a>>),
    /// A table's rows (boxed: the other forms are a few words, and the view moves a lot of them).
    Grid(Box<Grid<'a>>),
}

impl Lean<'_> {
    fn is_empty(&self) -> bool {
        match self {
            Lean::Leaf(v) => v.is_empty(),
            Lean::Str(s) => s.is_empty(),
            Lean::Object(entries) => entries.is_empty(),
            Lean::Array(items) => items.is_empty(),
            Lean::Grid(grid) => grid.rows == 0,
        }
    }

    /// The string this is, if it is one (a leaf or one of ours).
    fn as_str(&self) -> Option<&str> {
        match self {
            Lean::Leaf(v) => v.as_str(),
            Lean::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// Equal as JSON: a borrowed string and one of ours with the same text are the same value.
impl PartialEq for Lean<'_> {
    fn eq(&self, other: &Self) -> bool {
        if let (Some(a), Some(b)) = (self.as_str(), other.as_str()) {
            return a == b;
        }
        match (self, other) {
            (Lean::Grid(grid), other) | (other, Lean::Grid(grid)) => grid.eq_lean(other),
            (Lean::Leaf(a), Lean::Leaf(b)) => same_scalar(*a, *b),
            (Lean::Object(a), Lean::Object(b)) => a == b,
            (Lean::Array(a), Lean::Array(b)) => a == b,
            _ => false,
        }
    }
}

impl Lean<'_> {
    /// Appends this view as compact JSON, the bytes `serde_json` writes for it: a string the
    /// answer held without escapes is copied as it stood (see [`Json::write_json`]).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            Lean::Leaf(v) => v.write_json(out),
            Lean::Str(text) => write_str(text, out),
            Lean::Object(entries) => {
                out.push(b'{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_str(k, out);
                    out.push(b':');
                    v.write_json(out);
                }
                out.push(b'}');
            }
            Lean::Array(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    item.write_json(out);
                }
                out.push(b']');
            }
            Lean::Grid(grid) => grid.write_json(out),
        }
    }
}

/// A string as `serde_json` writes it.
fn write_str(text: &str, out: &mut Vec<u8>) {
    let _ = serde_json::to_writer(out, text);
}

/// The most cells a table makes room for before it has seen more than its first record.
const RESERVED_CELLS: usize = 4096;

/// Records as a table: each column named once, values in rows (`""` where a record has none),
/// and columns with one value in every row said once under `same`. Records that share few
/// fields stay a list: padding a sparse table would cost more than the names it saves.
///
/// This runs on nearly every answer (and on every list inside its rows), so it works in a few
/// flat buffers rather than a tree per record: every record's cells in one `Vec`, the grid in
/// another, and the rows are written from that grid (see [`Grid`]).
fn table(items: Items<'_>) -> Lean<'_> {
    // Every record's cells, flattened (`buyer.email`), one record after the other.
    let mut cells: Vec<(Cow<'_, str>, Lean<'_>)> = Vec::new();
    let count = items.len();
    let mut ends: Vec<usize> = Vec::with_capacity(count);
    for item in items {
        flat_lean(item, "", &mut cells);
        if ends.is_empty() {
            // Records of one list are mostly alike: room for the rest at the first one's width
            // (within reason: a hostile first record may be wide and the rest empty).
            cells.reserve(
                cells
                    .len()
                    .saturating_mul(count.saturating_sub(1))
                    .min(RESERVED_CELLS),
            );
        }
        ends.push(cells.len());
    }
    // Each cell's column; columns are named in order of first sight. Records of one answer
    // nearly always list their fields in one order, so a field is first looked for at its own
    // position within its record.
    let mut columns: Vec<Cow<'_, str>> = Vec::new();
    // Names to columns, built on the first field not found at its own position: records that
    // all list their fields in one order never need it.
    let mut position: Option<HashMap<Cow<'_, str>, usize>> = None;
    let mut column_of: Vec<usize> = Vec::with_capacity(cells.len());
    let mut start = 0;
    for &end in &ends {
        for (i, (key, _)) in cells[start..end].iter().enumerate() {
            let c = if columns.get(i).is_some_and(|c| c == key) {
                i
            } else if i == columns.len()
                && position.is_none()
                && columns.len() < LINEAR_COLUMNS
                && !columns.contains(key)
            {
                // A new column at the end of the first record(s) seen.
                columns.push(key.clone());
                i
            } else {
                let position = position.get_or_insert_with(|| {
                    columns
                        .iter()
                        .enumerate()
                        .map(|(c, name)| (name.clone(), c))
                        .collect()
                });
                if let Some(&c) = position.get(key) {
                    c
                } else {
                    columns.push(key.clone());
                    position.insert(key.clone(), columns.len() - 1);
                    columns.len() - 1
                }
            };
            column_of.push(c);
        }
        start = end;
    }
    // A name twice in one record (`a.b` beside `a: {b}`) is one cell: the later value in the
    // earlier place, as an object would hold it. So the cells a table would fill are counted
    // first, without a grid: `seen[c]` is the last record (from 1) that had column `c`. Records
    // that share few columns stay records, and a grid is only made for a table, where it is at
    // most twice the cells: sparse records never cost rows × columns.
    let width = columns.len();
    let rows = ends.len();
    let mut seen = vec![0usize; width];
    let mut filled = 0usize;
    let mut start = 0;
    for (r, &end) in ends.iter().enumerate() {
        for &c in &column_of[start..end] {
            if seen[c] != r + 1 {
                seen[c] = r + 1;
                filled += 1;
            }
        }
        start = end;
    }
    let mut cells = cells.into_iter().zip(column_of);
    if width > MAX_TABLE_COLUMNS || filled.saturating_mul(2) < rows.saturating_mul(width) {
        // Each record's fields in its own order: `seen[c]` is now the record (from 0) whose
        // fields hold column `c`, at `place[c]`.
        seen.fill(usize::MAX);
        let mut place = vec![0usize; width];
        let mut start = 0;
        let records = ends.iter().enumerate().map(|(r, &end)| {
            let mut fields: Vec<(Cow<'_, str>, Lean<'_>)> = Vec::with_capacity(end - start);
            for ((key, value), c) in cells.by_ref().take(end - start) {
                if seen[c] == r {
                    fields[place[c]].1 = value;
                } else {
                    seen[c] = r;
                    place[c] = fields.len();
                    fields.push((key, value));
                }
            }
            start = end;
            Lean::Object(fields)
        });
        return Lean::Array(records.collect());
    }
    let mut grid: Vec<Option<Lean<'_>>> = Vec::new();
    grid.resize_with(rows * width, || None);
    let mut start = 0;
    for (r, &end) in ends.iter().enumerate() {
        for ((_, value), c) in cells.by_ref().take(end - start) {
            grid[r * width + c] = Some(value);
        }
        start = end;
    }
    let mut same = Vec::new();
    let mut shown = Vec::with_capacity(width);
    for (c, column) in columns.into_iter().enumerate() {
        let one_value = match grid.get(c).and_then(Option::as_ref) {
            Some(first) => (1..rows).all(|r| grid[r * width + c].as_ref() == Some(first)),
            None => false,
        };
        if one_value {
            if let Some(v) = grid[c].take() {
                same.push((column, v));
            }
        } else {
            shown.push((c, column));
        }
    }
    let (shown, names): (Vec<usize>, Vec<Lean<'_>>) = shown
        .into_iter()
        .map(|(c, name)| (c, Lean::Str(name)))
        .unzip();
    let mut out = Vec::with_capacity(3);
    if !same.is_empty() {
        out.push((Cow::Borrowed("same"), Lean::Object(same)));
    }
    out.push((Cow::Borrowed("columns"), Lean::Array(names)));
    out.push((
        Cow::Borrowed("rows"),
        Lean::Grid(Box::new(Grid {
            rows,
            width,
            shown,
            cells: grid,
        })),
    ));
    Lean::Object(out)
}

/// A table's rows as the grid they were built in (one allocation for any number of rows): the
/// cells of the columns in `shown`, a missing one read as `""`. Equal to, and written as, the
/// list of lists it stands for.
#[derive(Debug)]
pub struct Grid<'a> {
    rows: usize,
    width: usize,
    shown: Vec<usize>,
    cells: Vec<Option<Lean<'a>>>,
}

// The view moves its values around a lot (into records, then into the grid); keep them small.
const _: () = assert!(std::mem::size_of::<Lean<'static>>() <= 32);

/// What a missing cell reads as.
static MISSING: Lean<'static> = Lean::Str(Cow::Borrowed(""));

impl<'a> Grid<'a> {
    /// The rows, each the cells of the shown columns.
    fn lines(&self) -> impl Iterator<Item = impl Iterator<Item = &Lean<'a>>> {
        (0..self.rows).map(move |r| {
            self.shown
                .iter()
                .map(move |&c| self.cells[r * self.width + c].as_ref().unwrap_or(&MISSING))
        })
    }

    /// Equal, as JSON, to `other`: another grid or a list of lists.
    fn eq_lean(&self, other: &Lean<'_>) -> bool {
        match other {
            Lean::Grid(other) => {
                self.rows == other.rows
                    && self.shown.len() == other.shown.len()
                    && self.lines().zip(other.lines()).all(|(a, b)| a.eq(b))
            }
            Lean::Array(items) => {
                items.len() == self.rows
                    && items
                        .iter()
                        .zip(self.lines())
                        .all(|(item, line)| match item {
                            Lean::Array(cells) => {
                                cells.len() == self.shown.len() && cells.iter().eq(line)
                            }
                            _ => false,
                        })
            }
            _ => false,
        }
    }

    fn write_json(&self, out: &mut Vec<u8>) {
        out.push(b'[');
        for (r, line) in self.lines().enumerate() {
            if r > 0 {
                out.push(b',');
            }
            out.push(b'[');
            for (i, cell) in line.enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                cell.write_json(out);
            }
            out.push(b']');
        }
        out.push(b']');
    }
}

/// A record's lean fields with nested objects as dotted names (`buyer.email`), appended to
/// `out`: what [`lean`] makes of `record`, flattened, without the tree in between.
fn flat_lean<'a>(record: Json<'a>, prefix: &str, out: &mut Vec<(Cow<'a, str>, Lean<'a>)>) {
    let Some(entries) = record.entries() else {
        return;
    };
    let mut previous = None;
    let mut names = None;
    for (k, v) in entries {
        let shown = translates_a_shown_code(record, k, previous, &mut names);
        previous = Some((k, v));
        if shown {
            continue;
        }
        // The prefix is built only for an object's fields: most fields are scalars.
        if v.is_object()
            && let Some(deeper) = nested_prefix(prefix, k)
        {
            flat_lean(v, &deeper, out);
            continue;
        }
        match lean(v) {
            c if c.is_empty() => {}
            Lean::Object(inner) => match nested_prefix(prefix, k) {
                Some(deeper) => flatten(inner, &deeper, out),
                None => out.push((dotted(prefix, k), Lean::Object(inner))),
            },
            c => out.push((dotted(prefix, k), c)),
        }
    }
}

/// `key` under `prefix` (`buyer.` and `email`: `buyer.email`), borrowed where there is none.
fn dotted<'a>(prefix: &str, key: &'a str) -> Cow<'a, str> {
    if prefix.is_empty() {
        Cow::Borrowed(key)
    } else {
        Cow::Owned(format!("{prefix}{key}"))
    }
}

/// The longest prefix of a dotted name (`buyer.address.`). Every flattened field repeats its
/// prefix, so a long key over many fields would cost their product (82 KB of answer made
/// 131 MB of text); objects below a longer prefix stay objects in their cell.
const MAX_FLAT_PREFIX: usize = 64;

/// The prefix for the fields of `key`'s object, if they are flattened.
fn nested_prefix(prefix: &str, key: &str) -> Option<String> {
    (prefix.len() + key.len() < MAX_FLAT_PREFIX).then(|| format!("{prefix}{key}."))
}

/// Nested objects become dotted columns (`buyer.email`). The values move, not copied.
fn flatten<'a>(
    fields: Vec<(Cow<'a, str>, Lean<'a>)>,
    prefix: &str,
    out: &mut Vec<(Cow<'a, str>, Lean<'a>)>,
) {
    for (k, v) in fields {
        let deeper = match &v {
            Lean::Object(inner) if !inner.is_empty() => nested_prefix(prefix, &k),
            _ => None,
        };
        match (v, deeper) {
            (Lean::Object(inner), Some(deeper)) => flatten(inner, &deeper, out),
            (other, _) if prefix.is_empty() => out.push((k, other)),
            (other, _) => out.push((Cow::Owned(format!("{prefix}{k}")), other)),
        }
    }
}

/// `billing_status_msg` only translates `billing_status`, which the model reads (as long as there
/// is one to read). A bare outcome is no such code: beside `status: error` the message is the
/// only place that says why (`validateCouponCode`: expired, used up or unknown), so it stays.
///
/// Digistore24 writes the label right after its code, so the entry before `key` is looked at
/// first; only otherwise is the record's name map (`names`, built on the first such miss)
/// asked. A scan of the record per label would make an answer of many labels cost the square
/// of its size.
fn translates_a_shown_code<'a>(
    record: Json<'a>,
    key: &str,
    previous: Option<(&str, Json<'a>)>,
    names: &mut Option<HashMap<&'a str, Json<'a>>>,
) -> bool {
    const OUTCOMES: [&str; 6] = ["error", "failure", "warning", "info", "success", "ok"];
    key.strip_suffix("_msg")
        .and_then(|base| match previous {
            Some((name, value)) if name == base => Some(value),
            // Collected in order, a later duplicate replacing an earlier one, as `get` finds it.
            _ => names
                .get_or_insert_with(|| record.entries().into_iter().flatten().collect())
                .get(base)
                .copied(),
        })
        .is_some_and(|base| {
            !base.is_empty()
                && !base
                    .as_str()
                    .is_some_and(|code| OUTCOMES.iter().any(|o| code.eq_ignore_ascii_case(o)))
        })
}

/// Two scalars of answers (what [`lean`] leaves as leaves) are the same JSON value.
fn same_scalar(a: Json<'_>, b: Json<'_>) -> bool {
    match (a.kind(), b.kind()) {
        (Kind::Null, Kind::Null) => true,
        (Kind::Bool(a), Kind::Bool(b)) => a == b,
        (Kind::Number(a), Kind::Number(b)) => a == b,
        (Kind::String(a), Kind::String(b)) => a == b,
        _ => false,
    }
}

/// The lean view of `value`, written.
pub fn lean_text(value: Json<'_>) -> String {
    let mut out = Vec::with_capacity(4096);
    lean(value).write_json(&mut out);
    // Written from UTF-8 strings and ASCII punctuation only.
    String::from_utf8(out).unwrap_or_default()
}

/// [`lean_text`] of a value held as a `Value` (the cutting works on those).
fn lean_text_of(value: &Value) -> String {
    lean_text(Doc::from_value(value).root())
}

/// The text the model reads. An answer whose every field is empty says so as it came
/// (`{"items":[]}`): a bare `{}` reads like a broken answer rather than "no payment plans".
fn model_text(value: Json<'_>) -> String {
    let text = lean_text(value);
    if text == "{}" && !value.is_empty() {
        return String::from_utf8(value.to_json()).unwrap_or(text);
    }
    text
}

/// [`model_text`] of a value held as a `Value`.
fn model_text_of(value: &Value) -> String {
    model_text(Doc::from_value(value).root())
}

/// The length of `value` as compact JSON, without building the string.
fn json_len(value: &impl Serialize) -> usize {
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

/// One step from a value to a part of it.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

/// A collection that can lose entries: a list, or an object whose entries are all records
/// (answers keyed by order id). Found by the bytes it holds, not its length.
fn largest_collection(root: &Value) -> Option<(Vec<Step>, usize)> {
    fn walk(v: &Value, path: &mut Vec<Step>, best: &mut Option<(Vec<Step>, usize)>) {
        let collection = match v {
            Value::Array(items) => !items.is_empty(),
            Value::Object(map) => map.len() >= 2 && map.values().all(Value::is_object),
            _ => false,
        };
        if collection {
            let size = json_len(v);
            if best.as_ref().is_none_or(|(_, b)| size > *b) {
                *best = Some((path.clone(), size));
            }
        }
        match v {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    path.push(Step::Index(i));
                    walk(item, path, best);
                    path.pop();
                }
            }
            Value::Object(map) => {
                for (k, item) in map {
                    path.push(Step::Key(k.clone()));
                    walk(item, path, best);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let mut best = None;
    walk(root, &mut Vec::new(), &mut best);
    best
}

fn at_mut<'a>(root: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    let mut v = root;
    for step in path {
        v = match (step, v) {
            (Step::Key(k), Value::Object(map)) => map.get_mut(k)?,
            (Step::Index(i), Value::Array(items)) => items.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

/// Texts longer than this share of the cap are cut to it, when an answer does not fit.
const LONG_TEXT_SHARE: usize = 4;

/// Cuts each text longer than a quarter of the cap to that length, and says so in
/// `_shortened`. A single record with a long text (a product's 24 KB sales copy, an order
/// form's custom CSS) appears twice in an answer, in the text and in the structured content,
/// and had no rows to leave out: it came back empty. Only answers that did not fit get here.
fn shorten_long_texts(result: &mut Value, max_bytes: usize) {
    /// Fields named in the note; more are counted.
    const NAMED: usize = 20;
    fn walk(v: &mut Value, path: &mut Vec<Step>, limit: usize, cut: &mut (Vec<Value>, usize)) {
        match v {
            Value::String(s) if s.len() > limit => {
                let mut end = limit;
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                if cut.0.len() < NAMED {
                    cut.0.push(json!({
                        "field": path_text(path),
                        "shown_chars": s[..end].chars().count(),
                        "of_chars": s.chars().count(),
                    }));
                }
                cut.1 += 1;
                s.truncate(end);
                s.push('…');
            }
            Value::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    path.push(Step::Index(i));
                    walk(item, path, limit, cut);
                    path.pop();
                }
            }
            Value::Object(map) => {
                for (k, item) in map.iter_mut() {
                    path.push(Step::Key(k.clone()));
                    walk(item, path, limit, cut);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let limit = max_bytes / LONG_TEXT_SHARE;
    let mut cut = (Vec::new(), 0);
    walk(result, &mut Vec::new(), limit, &mut cut);
    let (named, count) = cut;
    if count == 0 {
        return;
    }
    if let Value::Object(map) = result {
        let mut fields: Vec<&str> = named.iter().filter_map(|c| c["field"].as_str()).collect();
        let more = count - fields.len();
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        fields.dedup();
        let note = format!(
            "Texts longer than {limit} bytes were cut to fit one answer, ending in `…`: {}{more}. The rest of each is in the Digistore24 account.",
            fields.join(", ")
        );
        map.insert("_shortened".into(), json!({"fields": named, "note": note}));
    }
}

fn path_text(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    if out.is_empty() {
        "(the answer)".to_owned()
    } else {
        out
    }
}

/// Cuts the largest collection to its leading entries so the whole answer fits, and notes it in
/// `_truncated`. Returns false when there is nothing left to cut.
fn cut_largest_collection(result: &mut Value, max_bytes: usize, paging: Option<Paging>) -> bool {
    let Some((path, _)) = largest_collection(result) else {
        return false;
    };
    let Some(collection) = at_mut(result, &path).map(std::mem::take) else {
        return false;
    };
    let entries: Vec<(Option<String>, Value)> = match collection {
        Value::Array(items) => items.into_iter().map(|v| (None, v)).collect(),
        Value::Object(map) => map.into_iter().map(|(k, v)| (Some(k), v)).collect(),
        _ => return false,
    };
    let total = entries.len();
    let rebuild = |keep: usize| -> Value {
        let leading = entries.iter().take(keep).cloned();
        if entries.first().is_some_and(|(k, _)| k.is_some()) {
            Value::Object(leading.map(|(k, v)| (k.unwrap_or_default(), v)).collect())
        } else {
            Value::Array(leading.map(|(_, v)| v).collect())
        }
    };
    // The top-level row list of a paged answer can name the exact next call.
    let answer_paging = answer_paging(result, paging);
    let top_level_list = matches!(path.as_slice(), [Step::Key(_)])
        && entries.first().is_some_and(|(k, _)| k.is_none());
    let next_paging = if top_level_list { answer_paging } else { None };
    let field = path_text(&path);
    // A count that surely fits, from each entry's cost in both views (a table is never larger
    // than its records written out), then the largest count that fits, by bisection on the
    // rendered answer above it: a few renders of about the cap each, whatever the answer's size.
    let fixed = json_len(result) + lean_text_of(result).len() + 64;
    let mut estimate = 0usize;
    let mut used = fixed;
    for (_, entry) in &entries {
        used += json_len(entry) + lean_text_of(entry).len() + 2;
        if used > max_bytes {
            break;
        }
        estimate += 1;
    }
    let mut try_keep = |keep: usize| -> bool {
        if let Some(slot) = at_mut(result, &path) {
            *slot = rebuild(keep);
        }
        set_note(result, &field, keep, total, next_paging);
        lean_text_of(result).len() + json_len(result) <= max_bytes
    };
    let (mut lo, mut hi) = (0usize, total.min(estimate.saturating_mul(3) + 16));
    if !try_keep(0) {
        // Even without this collection the answer is too large; leave it empty and let the
        // caller cut the next one.
        return true;
    }
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if try_keep(mid) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    try_keep(lo);
    true
}

/// The answer's own paging fields (`page_no`, `page_size`), falling back to what the call asked.
fn answer_paging(result: &Value, asked: Option<Paging>) -> Option<Paging> {
    let asked = asked?;
    let number = |field: &str| match result.get(field) {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    Some(Paging {
        page_no: number("page_no").unwrap_or(asked.page_no).max(1),
        page_size: number("page_size").unwrap_or(asked.page_size),
    })
}

/// Records what was cut in the answer's top-level `_truncated`.
fn set_note(result: &mut Value, field: &str, keep: usize, total: usize, paging: Option<Paging>) {
    let Value::Object(map) = result else { return };
    let shown = format!("Only the first {keep} of {total} entries of `{field}` fit in one answer.");
    let note = match paging.filter(|_| keep > 0) {
        Some(paging) => {
            let next = next_page(paging, keep as u64);
            let repeats = if next.repeats > 0 {
                format!(" (its first {} rows were shown here already)", next.repeats)
            } else {
                String::new()
            };
            json!({
                "field": field, "shown": keep, "of": total,
                "next": {"page_no": next.page_no, "page_size": next.page_size},
                "note": format!("{shown} For the next rows, call again with the same arguments and page_size={} and page_no={}{repeats}.", next.page_size, next.page_no),
            })
        }
        None => json!({
            "field": field, "shown": keep, "of": total,
            "note": format!("{shown} Narrow the request (filters, fewer IDs or a shorter time window) to see the rest."),
        }),
    };
    map.insert("_truncated".into(), note);
}

/// The call that continues a cut page.
#[derive(Debug, PartialEq, Eq)]
struct NextPage {
    page_no: u64,
    page_size: u64,
    /// Leading rows of that page that this answer already showed.
    repeats: u64,
}

/// Pages of `keep` rows: the one that holds the first row that was cut. It starts exactly at
/// that row on a first page; further in, it may begin with a few rows already shown.
fn next_page(paging: Paging, keep: u64) -> NextPage {
    let first_cut = paging.page_no.saturating_sub(1) * paging.page_size + keep;
    let page_size = keep.max(1);
    NextPage {
        page_no: first_cut / page_size + 1,
        page_size,
        repeats: first_cut % page_size,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Map;

    /// A shaped answer, its structured content as a `Value`.
    struct Out {
        text: String,
        structured: Value,
    }

    /// What a call shapes from an answer whose data is `data`.
    fn shape(data: Value, max_bytes: usize, paging: Option<Paging>) -> Out {
        let shaped = super::shape(Answer::from(data), max_bytes, paging);
        Out {
            text: shaped.text,
            structured: shaped.structured.into_value(),
        }
    }

    fn lean_text(value: &Value) -> String {
        lean_text_of(value)
    }

    /// `translates_a_shown_code`, as first written on owned values.
    fn ref_translates(record: &Map<String, Value>, key: &str) -> bool {
        const OUTCOMES: [&str; 6] = ["error", "failure", "warning", "info", "success", "ok"];
        key.strip_suffix("_msg")
            .and_then(|base| record.get(base))
            .is_some_and(|base| {
                !is_empty(base)
                    && !base
                        .as_str()
                        .is_some_and(|code| OUTCOMES.iter().any(|o| code.eq_ignore_ascii_case(o)))
            })
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

    /// The lean view as first written, on owned values: the specification [`lean`] is checked
    /// against, byte for byte.
    fn reference_lean(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut out = Map::new();
                for (k, v) in map {
                    if ref_translates(map, k) {
                        continue;
                    }
                    let c = reference_lean(v);
                    if !is_empty(&c) {
                        out.insert(k.clone(), c);
                    }
                }
                Value::Object(out)
            }
            Value::Array(items) if items.len() >= 2 && items.iter().all(Value::is_object) => {
                reference_table(items)
            }
            Value::Array(items) => Value::Array(items.iter().map(reference_lean).collect()),
            other => other.clone(),
        }
    }

    fn reference_table(items: &[Value]) -> Value {
        fn flatten(fields: Map<String, Value>, prefix: &str, out: &mut Map<String, Value>) {
            for (k, v) in fields {
                match v {
                    Value::Object(inner)
                        if !inner.is_empty() && prefix.len() + k.len() < MAX_FLAT_PREFIX =>
                    {
                        flatten(inner, &format!("{prefix}{k}."), out);
                    }
                    other => {
                        out.insert(format!("{prefix}{k}"), other);
                    }
                }
            }
        }
        let mut rows: Vec<Map<String, Value>> = items
            .iter()
            .map(|item| {
                let mut flat = Map::new();
                if let Value::Object(fields) = reference_lean(item) {
                    flatten(fields, "", &mut flat);
                }
                flat
            })
            .collect();
        let mut columns: Vec<String> = Vec::new();
        let mut cells = 0usize;
        for row in &rows {
            cells += row.len();
            for key in row.keys() {
                if !columns.contains(key) {
                    columns.push(key.clone());
                }
            }
        }
        if columns.len() > MAX_TABLE_COLUMNS || cells * 2 < rows.len() * columns.len() {
            return Value::Array(rows.into_iter().map(Value::Object).collect());
        }
        let mut same = Map::new();
        let mut varying = Vec::new();
        for column in &columns {
            match rows.first().and_then(|r| r.get(column)) {
                Some(v) if rows.iter().all(|r| r.get(column) == Some(v)) => {
                    same.insert(column.clone(), v.clone());
                }
                _ => varying.push(column),
            }
        }
        let values: Vec<Value> = rows
            .iter_mut()
            .map(|row| {
                varying
                    .iter()
                    .map(|c| row.remove(*c).unwrap_or_else(|| Value::from("")))
                    .collect()
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

    /// Answers shaped like Digistore24's: few field names (so records share them), `_msg`
    /// labels, empty values, dotted names beside nested records, lists of records.
    fn answer() -> impl Strategy<Value = Value> {
        let key = prop::sample::select(vec![
            "id",
            "amount",
            "status",
            "status_msg",
            "buyer",
            "email",
            "a",
            "a.b",
            "b",
            "same",
            "columns",
            "rows",
            "x_msg",
            "x",
            // Longer than a dotted name's prefix may be: its object's fields stay an object.
            "a_key_long_enough_that_the_fields_of_its_object_are_not_flattened_out",
        ]);
        let leaf = prop_oneof![
            Just(Value::Null),
            Just(json!("")),
            Just(json!("EUR")),
            Just(json!("N")),
            Just(json!(0)),
            Just(json!(1.5)),
            Just(json!(true)),
            "[a-c]{1,2}".prop_map(Value::from),
        ];
        let object =
            |key: BoxedStrategy<&'static str>, value: BoxedStrategy<Value>, most: usize| {
                prop::collection::vec((key, value), 0..most).prop_map(|kv| {
                    Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
                })
            };
        let key = key.boxed();
        let nested = object(key.clone(), leaf.clone().boxed(), 4);
        // Lists inside records, from a few so that rows often share one: tables (written from
        // their grid) beside the objects and lists of lists that read the same as JSON, and a
        // table whose every column is the same (rows of no cells).
        let lists = prop::sample::select(vec![
            json!([{"id": "1", "s": "a"}, {"id": "2", "s": "a"}]),
            json!({"same": {"s": "a"}, "columns": ["id"], "rows": [["1"], ["2"]]}),
            json!([{"id": "1"}, {"id": "2"}]),
            json!([["1"], ["2"]]),
            json!([{"id": "1", "s": ""}, {"id": "2"}, {"s": "b"}]),
            json!([{"s": "a"}, {"s": "a"}]),
            json!({"same": {"s": "a"}, "columns": [], "rows": [[], []]}),
            json!([{}, {}]),
            json!([[], []]),
            // A missing cell beside the real `""` it reads as.
            json!([{"id": "1", "s": "a"}, {"id": "2"}]),
            json!({"columns": ["id", "s"], "rows": [["1", "a"], ["2", ""]]}),
            // Wider than a table may be: records, each in its own order.
            Value::Array(
                (0..2)
                    .map(|r| {
                        let fields = (0..=MAX_TABLE_COLUMNS)
                            .map(|c| ((c * (r + 1)) % (MAX_TABLE_COLUMNS + 1), c))
                            .map(|(c, v)| (format!("c{c}"), json!(v)));
                        Value::Object(fields.collect())
                    })
                    .collect(),
            ),
        ]);
        // A record: scalars, nested records (so its rows are flattened into columns) and lists.
        let record = object(
            key.clone(),
            prop_oneof![6 => leaf.clone(), 2 => nested, 1 => lists.clone()].boxed(),
            9,
        );
        let records = prop::collection::vec(record, 2..6).prop_map(|rows| json!({"list": rows}));
        // Records that all hold a list under one name, so that column is often said once.
        let listed = prop::collection::vec((leaf.clone(), lists.clone()), 2..4).prop_map(|rows| {
            let rows: Vec<Value> = rows
                .into_iter()
                .map(|(id, l)| json!({"id": id, "l": l}))
                .collect();
            json!({"list": rows})
        });
        let any = leaf.prop_recursive(5, 96, 8, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                object(key.clone(), inner.boxed(), 7),
            ]
        });
        prop_oneof![any, records, listed]
    }

    #[test]
    fn a_name_flattened_twice_is_one_cell_with_the_later_value() {
        for value in [
            json!({"list": [{"a.b": "1", "a": {"b": "2"}}, {"a.b": "3", "a": {"b": "4"}}]}),
            json!({"list": [{"a.b": "1", "a": {"b": "2"}}, {"c": "3"}, {"d": "4"}, {"e": "5"}]}),
        ] {
            assert_eq!(lean_text(&value), reference_lean(&value).to_string());
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn the_lean_view_is_the_reference_byte_for_byte(value in answer()) {
            let reference = reference_lean(&value).to_string();
            // From a document built from the value (every string held unescaped) and from one
            // parsed from its text (strings as spans of it, as Digistore24's answers are read).
            prop_assert_eq!(lean_text(&value), reference.clone());
            let parsed = Doc::parse(value.to_string()).unwrap();
            prop_assert_eq!(super::lean_text(parsed.root()), reference);
        }
    }

    fn both(s: &Out) -> usize {
        s.text.len() + s.structured.to_string().len()
    }

    /// Review of the `Doc` change, F2: a key named twice was written twice on the direct path
    /// (from the `Doc`) and once on rmcp's (from a `Value`). Such an answer now takes the
    /// `Value`'s way: one entry, the last value at the first key's place, in both views.
    #[test]
    fn a_key_named_twice_is_shaped_as_a_value_holds_it() {
        let body = br#"{"result":"success","data":{"status":"paid","n":"1","status":"refunded","status_msg":"Erstattet"}}"#;
        let answer = ds24_client::decode(200, body).unwrap();
        let shaped = super::shape(answer, 10_000, None);
        let mut written = Vec::new();
        shaped.structured.write_json(&mut written);
        assert_eq!(
            String::from_utf8(written).unwrap(),
            r#"{"status":"refunded","n":"1","status_msg":"Erstattet"}"#
        );
        assert_eq!(shaped.text, r#"{"status":"refunded","n":"1"}"#);
    }

    /// Review of the `Doc` change, F1: each `_msg` label whose code was not the entry before it
    /// scanned the whole record, so an answer of many labels cost the square of its size
    /// (minutes for a few MB). Now the record's names are mapped once.
    #[test]
    fn many_labels_cost_their_number_not_its_square() {
        let entries: Vec<String> = (0..60_000)
            .map(|i| format!(r#""k{i}_msg":"x","v{i}":"{i}""#))
            .collect();
        let body = format!(
            r#"{{"result":"success","data":{{"k1":"Y",{}}}}}"#,
            entries.join(",")
        );
        let answer = ds24_client::decode(200, body.as_bytes()).unwrap();
        let shaped = super::shape(answer, usize::MAX, None);
        // The one label with a code is dropped; the others (no code) stay.
        assert!(!shaped.text.contains(r#""k1_msg""#));
        assert!(shaped.text.contains(r#""k2_msg":"x""#));
        assert!(shaped.text.contains(r#""v59999":"59999""#));
    }

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
                          "status": "paying", "status_msg": "Zahlungen laufen", "other_msg": "kept",
                          "gone": "", "gone_msg": "kept when its code is empty", "n": "2"});
        let shaped = shape(data.clone(), 10_000, None);
        assert_eq!(shaped.structured, data);
        assert_eq!(
            shaped.text,
            r#"{"one":[{"f":0,"g":"x"}],"status":"paying","other_msg":"kept","gone_msg":"kept when its code is empty","n":"2"}"#
        );
    }

    /// An answer with nothing in it says what is empty, not `{}`.
    #[test]
    fn an_empty_list_reads_as_one() {
        assert_eq!(shape(json!([]), 10_000, None).text, r#"{"items":[]}"#);
        assert_eq!(shape(json!({}), 10_000, None).text, "{}");
    }

    /// Beside a bare outcome (`status: error`) the message is the reason, which the model needs
    /// to tell a vendor why a voucher code does not work.
    #[test]
    fn a_message_beside_a_bare_outcome_stays() {
        let data = json!({"status": "error", "status_msg": "The voucher code has expired.",
                          "result": "success", "result_msg": "Done."});
        let text = shape(data, 10_000, None).text;
        assert!(text.contains("The voucher code has expired."), "{text}");
        assert!(text.contains("Done."), "{text}");
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

    #[test]
    fn sparse_records_stay_a_list() {
        let rows: Vec<Value> = (0..500).map(|i| json!({ format!("k{i}"): "v" })).collect();
        let shaped = shape(json!({ "rows": rows }), 1 << 20, None);
        let text: Value = serde_json::from_str(&shaped.text).unwrap();
        assert!(text["rows"].is_array(), "no 500-column table");
        assert!(shaped.text.len() < 20_000, "{}", shaped.text.len());
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
        assert!(both(&shaped) <= 10_000, "{}", both(&shaped));
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
        // As many rows as fit: one more would not.
        let mut more = shaped.structured.clone();
        more["purchase_list"] =
            Value::Array(data["purchase_list"].as_array().unwrap()[..=kept.len()].to_vec());
        assert!(lean_text(&more).len() + more.to_string().len() > 10_000);
    }

    #[test]
    fn the_cap_holds_for_keyed_records_nested_lists_and_the_heaviest_list() {
        let keyed: Map<String, Value> = (0..300)
            .map(|i| {
                (
                    format!("ORDER{i:04}"),
                    json!({"amount": "12.00", "name": "a fairly long product name"}),
                )
            })
            .collect();
        let shaped = shape(Value::Object(keyed), 8_000, None);
        assert!(both(&shaped) <= 8_000, "keyed: {}", both(&shaped));
        assert!(shaped.structured["ORDER0000"].is_object());
        let nested = json!({"purchase": {"items": rows(3000)}});
        let shaped = shape(nested, 8_000, None);
        assert!(both(&shaped) <= 8_000, "nested: {}", both(&shaped));
        assert_eq!(shaped.structured["_truncated"]["field"], "purchase.items");
        let ids: Vec<u32> = (0..2000).collect();
        let heavy = json!({"ids": ids, "purchase_list": rows(1000)});
        let shaped = shape(heavy, 20_000, None);
        assert!(both(&shaped) <= 20_000);
        assert_eq!(
            shaped.structured["_truncated"]["field"], "purchase_list",
            "the list holding the bytes is cut"
        );
    }

    #[test]
    fn an_answer_that_cannot_be_cut_says_so() {
        // Many short fields: no long text to shorten, no rows to leave out.
        let fields: Map<String, Value> = (0..2_000)
            .map(|i| (format!("field_{i}"), json!(format!("value {i}"))))
            .collect();
        let shaped = shape(Value::Object(fields), 10_000, None);
        assert!(both(&shaped) <= 10_000);
        assert!(
            shaped.text.contains("cannot be shortened"),
            "{}",
            shaped.text
        );
    }

    /// Second journey review: a product with 24 KB of sales copy came back as an empty
    /// `_truncated` note (its two fields "cut" to none). A long text is now cut instead, and
    /// the answer says which and how long it was; the record's other fields stay.
    #[test]
    fn a_record_with_a_long_text_keeps_its_fields_and_says_what_was_cut() {
        let record = json!({"product": {
            "id": "512348", "name": "Kurs", "description_de": "ä".repeat(12_000),
        }, "note": "x"});
        let shaped = shape(record, 48_000, None);
        assert!(both(&shaped) <= 48_000);
        let s = &shaped.structured;
        assert_eq!(s["product"]["id"], "512348", "{s}");
        assert_eq!(s["product"]["name"], "Kurs", "{s}");
        let text = s["product"]["description_de"].as_str().unwrap();
        assert!(
            text.ends_with('…') && text.len() <= 12_000 + 3,
            "{}",
            text.len()
        );
        let cut = &s["_shortened"]["fields"][0];
        assert_eq!(cut["field"], "product.description_de", "{s}");
        assert_eq!(cut["of_chars"], 12_000, "{s}");
        assert!(
            shaped.text.contains("product.description_de") && shaped.text.contains("_shortened"),
            "the model reads it too"
        );
    }

    #[test]
    fn the_next_call_holds_the_first_cut_row() {
        for (page_no, page_size, keep) in [
            (1, 500, 60),
            (2, 500, 60),
            (3, 100, 7),
            (1, 0, 33),
            (5, 1000, 999),
        ] {
            let next = next_page(Paging { page_no, page_size }, keep);
            let first_cut = (page_no - 1) * page_size + keep;
            let start = (next.page_no - 1) * next.page_size;
            assert_eq!(next.page_size, keep);
            assert!(
                start <= first_cut && first_cut < start + next.page_size,
                "{page_no} {page_size} {keep}"
            );
            assert_eq!(start + next.repeats, first_cut);
        }
        assert_eq!(
            next_page(
                Paging {
                    page_no: 1,
                    page_size: 500
                },
                60
            ),
            NextPage {
                page_no: 2,
                page_size: 60,
                repeats: 0
            }
        );
        let data = json!({"transaction_list": rows(500), "page_no": "1", "page_size": "500"});
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

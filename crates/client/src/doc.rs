//! Digistore24's answer held as its own text plus a flat index of its values.
//!
//! Why not a [`serde_json::Value`]: a `Value` gives every string an allocation of its own and
//! every object a hash map whose keys are hashed one by one, and a tool call then walks it twice
//! to write it out again (the text the model reads, and the structured content). On a
//! `listProducts` answer that building, hashing, freeing and re-escaping were most of a call's
//! CPU. Here the answer's text stays as it came and one `Vec` of nodes says where each value
//! is: a string that had no escape in the text is a span of it, so it is neither copied nor
//! escaped again when it is written out (what `serde_json` writes for such a string is its
//! text between quotes). Nothing is hashed; an object is its entries in the order they came.
//!
//! The parse is `serde_json`'s (the same grammar, depth limit and errors); only what is built
//! differs. [`Json::to_value`] gives the `Value` `serde_json::from_str` gives, for the code that
//! wants one (reports, the OAuth flows). One difference, where a document is not what any JSON
//! encoder writes: a key twice in one object is kept twice by [`Json::entries`] and
//! [`Json::write_json`], where a `Value` keeps the last value at the first key's place
//! (Digistore24 encodes PHP arrays, whose keys are unique).

use std::collections::HashSet;
use std::fmt;
use std::hash::{BuildHasher as _, RandomState};

use serde::Deserializer as _;
use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap as _, SerializeSeq as _, Serializer};
use serde_json::{Map, Number, Value};

/// A JSON text and the index of its values.
#[derive(Clone)]
pub struct Doc {
    text: String,
    nodes: Vec<Node>,
    /// Strings that had escapes in the text, unescaped.
    escaped: Vec<String>,
    /// Whether an object names a key twice (see [`Doc::has_duplicate_keys`]).
    duplicates: bool,
}

impl fmt::Debug for Doc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Doc")
            .field("bytes", &self.text.len())
            .field("nodes", &self.nodes.len())
            .finish_non_exhaustive()
    }
}

/// One value in pre-order: a container is followed by its contents (an object's by key, value,
/// key, value...), `size` nodes in all, so that the next sibling is `size + 1` further on.
#[derive(Debug, Clone)]
enum Node {
    Null,
    Bool(bool),
    Number(Number),
    /// A string without escapes: `text[start..end]`.
    Span {
        start: usize,
        end: usize,
    },
    /// A string that had escapes: `escaped[i]`.
    Escaped(usize),
    Array {
        len: usize,
        size: usize,
    },
    Object {
        len: usize,
        size: usize,
    },
}

impl Doc {
    /// Parses `text` as one JSON value with nothing but whitespace after it.
    pub fn parse(text: String) -> Result<Self, NotJson> {
        let mut nodes = Vec::with_capacity(text.len() / 16);
        let mut escaped = Vec::new();
        let mut duplicates = false;
        let parsed = {
            let mut de = serde_json::Deserializer::from_str(&text);
            (&mut de)
                .deserialize_any(Tape {
                    text: &text,
                    nodes: &mut nodes,
                    escaped: &mut escaped,
                    duplicates: &mut duplicates,
                })
                .and_then(|()| de.end())
        };
        if let Err(error) = parsed {
            return Err(NotJson { error, text });
        }
        Ok(Self {
            text,
            nodes,
            escaped,
            duplicates,
        })
    }

    /// The document of `value`, built from it directly: its values exactly (a number is not
    /// written out and read again), each string held unescaped.
    pub fn from_value(value: &Value) -> Self {
        let mut doc = Self {
            text: String::new(),
            nodes: Vec::new(),
            escaped: Vec::new(),
            duplicates: false,
        };
        doc.push_value(value);
        doc
    }

    fn push_value(&mut self, value: &Value) {
        match value {
            Value::Null => self.nodes.push(Node::Null),
            Value::Bool(b) => self.nodes.push(Node::Bool(*b)),
            Value::Number(n) => self.nodes.push(Node::Number(n.clone())),
            Value::String(s) => self.push_string(s),
            Value::Array(items) => {
                let at = self.nodes.len();
                self.nodes.push(Node::Array { len: 0, size: 0 });
                for item in items {
                    self.push_value(item);
                }
                let size = self.nodes.len() - at - 1;
                self.nodes[at] = Node::Array {
                    len: items.len(),
                    size,
                };
            }
            Value::Object(map) => {
                let at = self.nodes.len();
                self.nodes.push(Node::Object { len: 0, size: 0 });
                for (k, v) in map {
                    self.push_string(k);
                    self.push_value(v);
                }
                let size = self.nodes.len() - at - 1;
                self.nodes[at] = Node::Object {
                    len: map.len(),
                    size,
                };
            }
        }
    }

    fn push_string(&mut self, s: &str) {
        self.escaped.push(s.to_owned());
        self.nodes.push(Node::Escaped(self.escaped.len() - 1));
    }

    /// Whether an object of the document names a key twice. [`Json::entries`] and
    /// [`Json::write_json`] keep both where a `Value` keeps one, so whoever must answer as a
    /// `Value` would takes the `Value` (which no PHP array, and so no Digistore24 answer, needs).
    pub fn has_duplicate_keys(&self) -> bool {
        self.duplicates
    }

    /// The text as it came.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text, given back.
    pub fn into_text(self) -> String {
        self.text
    }

    /// The whole document's value.
    pub fn root(&self) -> Json<'_> {
        Json { doc: self, at: 0 }
    }

    /// The value at node `at`, as [`Json::index`] gave it.
    pub fn at(&self, at: usize) -> Option<Json<'_>> {
        (at < self.nodes.len()).then_some(Json { doc: self, at })
    }

    /// Adds a `null` after the document and gives its index (a value the text lacks, such as
    /// an envelope without `data`).
    pub(crate) fn push_null(&mut self) -> usize {
        self.nodes.push(Node::Null);
        self.nodes.len() - 1
    }
}

/// A text that is not one JSON value: why, and the text given back.
#[derive(Debug)]
pub struct NotJson {
    /// serde_json's account of where it went wrong.
    pub error: serde_json::Error,
    /// The text.
    pub text: String,
}

/// One value of a [`Doc`], borrowed.
#[derive(Clone, Copy)]
pub struct Json<'d> {
    doc: &'d Doc,
    at: usize,
}

impl fmt::Debug for Json<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.to_json()))
    }
}

/// What a value is, with its contents borrowed.
#[derive(Debug, Clone, Copy)]
pub enum Kind<'d> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as `serde_json` holds it.
    Number(&'d Number),
    /// A string, unescaped.
    String(&'d str),
    /// An array's items.
    Array(Items<'d>),
    /// An object's entries.
    Object(Entries<'d>),
}

impl<'d> Json<'d> {
    /// What this value is.
    pub fn kind(self) -> Kind<'d> {
        let doc = self.doc;
        match &doc.nodes[self.at] {
            Node::Null => Kind::Null,
            Node::Bool(b) => Kind::Bool(*b),
            Node::Number(n) => Kind::Number(n),
            Node::Span { .. } | Node::Escaped(_) => Kind::String(self.str_at(self.at)),
            Node::Array { len, .. } => Kind::Array(Items {
                doc,
                next: self.at + 1,
                left: *len,
            }),
            Node::Object { len, .. } => Kind::Object(Entries {
                doc,
                next: self.at + 1,
                left: *len,
            }),
        }
    }

    /// Where this value is in its document (for [`Doc::at`]).
    pub fn index(self) -> usize {
        self.at
    }

    /// The string this is, if it is one.
    pub fn as_str(self) -> Option<&'d str> {
        match self.doc.nodes[self.at] {
            Node::Span { .. } | Node::Escaped(_) => Some(self.str_at(self.at)),
            _ => None,
        }
    }

    /// Whether this is an object.
    pub fn is_object(self) -> bool {
        matches!(self.doc.nodes[self.at], Node::Object { .. })
    }

    /// Whether this is `null`, `""`, `[]` or `{}`.
    pub fn is_empty(self) -> bool {
        match &self.doc.nodes[self.at] {
            Node::Null => true,
            Node::Span { start, end } => start == end,
            Node::Escaped(i) => self.doc.escaped.get(*i).is_none_or(String::is_empty),
            Node::Array { len, .. } | Node::Object { len, .. } => *len == 0,
            Node::Bool(_) | Node::Number(_) => false,
        }
    }

    /// The entries of this object, if it is one.
    pub fn entries(self) -> Option<Entries<'d>> {
        match self.kind() {
            Kind::Object(entries) => Some(entries),
            _ => None,
        }
    }

    /// The items of this array, if it is one.
    pub fn items(self) -> Option<Items<'d>> {
        match self.kind() {
            Kind::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The value of `key` in this object (the last one, as in a `Value`).
    pub fn get(self, key: &str) -> Option<Json<'d>> {
        self.entries()?
            .filter(|(k, _)| *k == key)
            .last()
            .map(|(_, v)| v)
    }

    /// This value as `serde_json::from_str` would have given it.
    pub fn to_value(self) -> Value {
        match self.kind() {
            Kind::Null => Value::Null,
            Kind::Bool(b) => Value::Bool(b),
            Kind::Number(n) => Value::Number(n.clone()),
            Kind::String(s) => Value::String(s.to_owned()),
            Kind::Array(items) => Value::Array(items.map(Json::to_value).collect()),
            Kind::Object(entries) => {
                let mut map = Map::with_capacity(entries.len());
                for (k, v) in entries {
                    map.insert(k.to_owned(), v.to_value());
                }
                Value::Object(map)
            }
        }
    }

    /// Appends this value as compact JSON: the bytes `serde_json::to_writer` writes for it.
    /// A string the text held without escapes is copied as it stood.
    pub fn write_json(self, out: &mut Vec<u8>) {
        match &self.doc.nodes[self.at] {
            Node::Null => out.extend_from_slice(b"null"),
            Node::Bool(true) => out.extend_from_slice(b"true"),
            Node::Bool(false) => out.extend_from_slice(b"false"),
            Node::Number(n) => {
                let _ = serde_json::to_writer(&mut *out, n);
            }
            Node::Span { start, end } => {
                out.push(b'"');
                out.extend_from_slice(&self.doc.text.as_bytes()[*start..*end]);
                out.push(b'"');
            }
            Node::Escaped(_) => write_escaped(self.str_at(self.at), out),
            Node::Array { .. } => {
                out.push(b'[');
                for (i, item) in self.items().into_iter().flatten().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    item.write_json(out);
                }
                out.push(b']');
            }
            Node::Object { len, .. } => {
                out.push(b'{');
                let mut at = self.at + 1;
                for i in 0..*len {
                    if i > 0 {
                        out.push(b',');
                    }
                    let (key, value) = self.entry_at(at);
                    key.write_json(out);
                    out.push(b':');
                    value.write_json(out);
                    at = value.after();
                }
                out.push(b'}');
            }
        }
    }

    /// This value as compact JSON (see [`Json::write_json`]).
    pub fn to_json(self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_json(&mut out);
        out
    }

    /// The length of [`Json::write_json`]'s bytes, without writing them.
    pub fn json_len(self) -> usize {
        match &self.doc.nodes[self.at] {
            Node::Null => 4,
            Node::Bool(true) => 4,
            Node::Bool(false) => 5,
            Node::Number(n) => n.to_string().len(),
            Node::Span { start, end } => end - start + 2,
            Node::Escaped(_) => escaped_len(self.str_at(self.at)),
            Node::Array { len, .. } => {
                2 + len.saturating_sub(1)
                    + self
                        .items()
                        .into_iter()
                        .flatten()
                        .map(Json::json_len)
                        .sum::<usize>()
            }
            Node::Object { len, .. } => {
                let mut total = 2 + len.saturating_sub(1);
                let mut at = self.at + 1;
                for _ in 0..*len {
                    let (key, value) = self.entry_at(at);
                    total += key.json_len() + 1 + value.json_len();
                    at = value.after();
                }
                total
            }
        }
    }

    /// The key and value of the entry whose key is node `at`.
    fn entry_at(self, at: usize) -> (Json<'d>, Json<'d>) {
        let doc = self.doc;
        (Json { doc, at }, Json { doc, at: at + 1 })
    }

    fn str_at(self, at: usize) -> &'d str {
        string_at(&self.doc.nodes, &self.doc.text, &self.doc.escaped, at)
    }

    /// The index of the value after this one and its contents.
    fn after(self) -> usize {
        after(&self.doc.nodes, self.at)
    }
}

/// The string node `at` holds (`""` for any other node).
fn string_at<'a>(nodes: &[Node], text: &'a str, escaped: &'a [String], at: usize) -> &'a str {
    match &nodes[at] {
        Node::Span { start, end } => text.get(*start..*end).unwrap_or_default(),
        Node::Escaped(i) => escaped.get(*i).map_or("", String::as_str),
        _ => "",
    }
}

/// The index of the value after the one at `at` and its contents.
fn after(nodes: &[Node], at: usize) -> usize {
    match nodes[at] {
        Node::Array { size, .. } | Node::Object { size, .. } => at + size + 1,
        _ => at + 1,
    }
}

fn write_escaped(s: &str, out: &mut Vec<u8>) {
    // serde_json's own escaping, so the bytes are the ones it writes.
    let _ = serde_json::to_writer(&mut *out, s);
}

fn escaped_len(s: &str) -> usize {
    let mut out = Vec::with_capacity(s.len() + 2);
    write_escaped(s, &mut out);
    out.len()
}

impl Serialize for Json<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.kind() {
            Kind::Null => s.serialize_unit(),
            Kind::Bool(b) => s.serialize_bool(b),
            Kind::Number(n) => n.serialize(s),
            Kind::String(text) => s.serialize_str(text),
            Kind::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&item)?;
                }
                seq.end()
            }
            Kind::Object(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, &v)?;
                }
                map.end()
            }
        }
    }
}

/// An array's items in order.
#[derive(Debug, Clone, Copy)]
pub struct Items<'d> {
    doc: &'d Doc,
    next: usize,
    left: usize,
}

impl<'d> Iterator for Items<'d> {
    type Item = Json<'d>;

    fn next(&mut self) -> Option<Json<'d>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let item = Json {
            doc: self.doc,
            at: self.next,
        };
        self.next = item.after();
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Items<'_> {}

/// An object's entries in the order they came.
#[derive(Debug, Clone, Copy)]
pub struct Entries<'d> {
    doc: &'d Doc,
    next: usize,
    left: usize,
}

impl<'d> Iterator for Entries<'d> {
    type Item = (&'d str, Json<'d>);

    fn next(&mut self) -> Option<(&'d str, Json<'d>)> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let key = Json {
            doc: self.doc,
            at: self.next,
        };
        let value = Json {
            doc: self.doc,
            at: self.next + 1,
        };
        self.next = value.after();
        Some((key.str_at(key.at), value))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Entries<'_> {}

/// Builds one value's nodes (and its contents') at the end of `nodes`.
struct Tape<'t> {
    /// The text being parsed: a string `serde_json` lends from it is a span of it, found by its
    /// address.
    text: &'t str,
    nodes: &'t mut Vec<Node>,
    escaped: &'t mut Vec<String>,
    duplicates: &'t mut bool,
}

impl Tape<'_> {
    fn again(&mut self) -> Tape<'_> {
        Tape {
            text: self.text,
            nodes: self.nodes,
            escaped: self.escaped,
            duplicates: self.duplicates,
        }
    }

    fn string(self, v: &str, lent: bool) {
        let start = (v.as_ptr() as usize).wrapping_sub(self.text.as_ptr() as usize);
        let len = self.text.len();
        let node = if lent && start <= len && v.len() <= len - start {
            Node::Span {
                start,
                end: start + v.len(),
            }
        } else {
            self.escaped.push(v.to_owned());
            Node::Escaped(self.escaped.len() - 1)
        };
        self.nodes.push(node);
    }

    /// The string node `at` holds (a key).
    fn key(&self, at: usize) -> &str {
        string_at(self.nodes, self.text, self.escaped, at)
    }

    /// The hashes of the keys the object at `object` names before the key at `key`.
    fn hashes_before(&self, object: usize, key: usize) -> (RandomState, HashSet<u64>) {
        let state = RandomState::new();
        let mut hashes = HashSet::new();
        let mut at = object + 1;
        while at < key {
            hashes.insert(state.hash_one(self.key(at)));
            at = self.next_key(at);
        }
        (state, hashes)
    }

    /// The key after the entry whose key is node `at`.
    fn next_key(&self, at: usize) -> usize {
        after(self.nodes, at + 1)
    }

    /// Whether the object at `object` names the key at `key` before it.
    fn named_before(&self, object: usize, key: usize) -> bool {
        let name = self.key(key);
        let mut at = object + 1;
        while at < key {
            if self.key(at) == name {
                return true;
            }
            at = self.next_key(at);
        }
        false
    }
}

/// Keys of an object checked against its fingerprint filter; beyond them, against a set of
/// hashes (the filter fills, and each taken place would mean a scan of the object).
const FILTERED_KEYS: usize = 64;
/// Taken places after which an object's keys are hashed all the same: keys made to share
/// places (same length and the same three bytes) would otherwise each mean a scan.
const FILTER_HITS: usize = 8;

/// A key's place in an object's 1,024-bit filter: its length and three of its bytes. Two keys
/// of one object share a place rarely enough that comparing the key with the object's earlier
/// ones then costs next to nothing, and hashing every key (what a `Value` does) is avoided.
fn fingerprint(key: &str) -> usize {
    let b = key.as_bytes();
    match (b.first(), b.last(), b.get(b.len() / 2)) {
        (Some(&first), Some(&last), Some(&middle)) => {
            (b.len() * 31
                + usize::from(first) * 7
                + usize::from(last) * 131
                + usize::from(middle) * 17)
                % 1024
        }
        _ => 0,
    }
}

impl<'de> DeserializeSeed<'de> for Tape<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Tape<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.nodes.push(Node::Bool(v));
        Ok(())
    }

    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.nodes.push(Node::Number(v.into()));
        Ok(())
    }

    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.nodes.push(Node::Number(v.into()));
        Ok(())
    }

    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        // As serde_json: a float JSON cannot hold becomes null.
        self.nodes
            .push(Number::from_f64(v).map_or(Node::Null, Node::Number));
        Ok(())
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<(), E> {
        self.string(v, true);
        Ok(())
    }

    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.string(v, false);
        Ok(())
    }

    fn visit_none<E>(self) -> Result<(), E> {
        self.nodes.push(Node::Null);
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        self.nodes.push(Node::Null);
        Ok(())
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        let at = self.nodes.len();
        self.nodes.push(Node::Array { len: 0, size: 0 });
        let mut len = 0;
        while seq.next_element_seed(self.again())?.is_some() {
            len += 1;
        }
        let size = self.nodes.len() - at - 1;
        self.nodes[at] = Node::Array { len, size };
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let at = self.nodes.len();
        self.nodes.push(Node::Object { len: 0, size: 0 });
        let mut len = 0;
        // The keys seen so far: by fingerprint in a small object, where a key whose place is
        // taken is compared with the object's earlier keys; by hash in a larger one, where
        // those comparisons would cost the square of its size.
        let mut seen = [0u64; 16];
        let mut hits = 0;
        let mut hashed: Option<(RandomState, HashSet<u64>)> = None;
        loop {
            let key = self.nodes.len();
            if map.next_key_seed(self.again())?.is_none() {
                break;
            }
            if !*self.duplicates {
                let repeated = if len < FILTERED_KEYS && hits < FILTER_HITS {
                    let place = fingerprint(self.key(key));
                    let (word, bit) = (place / 64, 1u64 << (place % 64));
                    let taken = seen[word] & bit != 0;
                    seen[word] |= bit;
                    hits += usize::from(taken);
                    taken && self.named_before(at, key)
                } else {
                    let (state, hashes) = hashed.get_or_insert_with(|| self.hashes_before(at, key));
                    // Equal hashes of different keys are possible, if never likely: compared.
                    !hashes.insert(state.hash_one(self.key(key))) && self.named_before(at, key)
                };
                *self.duplicates |= repeated;
            }
            map.next_value_seed(self.again())?;
            len += 1;
        }
        let size = self.nodes.len() - at - 1;
        self.nodes[at] = Node::Object { len, size };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Doc;
    use proptest::prelude::*;
    use serde_json::Value;

    /// Parses as serde_json parses, fails as it fails, and writes what it writes.
    fn same_as_serde_json(text: &str) {
        let ours = Doc::parse(text.to_owned()).map_err(|e| e.error);
        let theirs = serde_json::from_str::<Value>(text);
        match (&ours, &theirs) {
            (Ok(doc), Ok(value)) => {
                assert_eq!(doc.text(), text);
                let root = doc.root();
                assert_eq!(&root.to_value(), value, "{text}");
                // Written out and read back, what serde_json's own writing reads back as (a key
                // twice stays twice in the writing; read back, the last one wins at the first
                // one's place, as in the value; floats read back as serde_json reads them).
                let written: Value = serde_json::from_slice(&root.to_json()).unwrap();
                let theirs: Value = serde_json::from_str(&value.to_string()).unwrap();
                assert_eq!(written, theirs, "{text}");
                assert_eq!(root.json_len(), root.to_json().len(), "{text}");
                // Through serde as well.
                assert_eq!(serde_json::to_value(root).unwrap(), *value, "{text}");
                // Keys named twice are found, and where there are none the bytes written are
                // serde_json's, byte for byte.
                assert_eq!(doc.has_duplicate_keys(), repeats_a_key(root), "{text}");
                if !doc.has_duplicate_keys() {
                    assert_eq!(
                        String::from_utf8(root.to_json()).unwrap(),
                        value.to_string(),
                        "{text}"
                    );
                }
            }
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{text}"),
            _ => panic!("{text}: ours {ours:?}, serde_json {theirs:?}"),
        }
    }

    /// Whether an object under `v` names a key twice, the slow sure way.
    fn repeats_a_key(v: super::Json<'_>) -> bool {
        match v.kind() {
            super::Kind::Object(entries) => {
                let mut names = std::collections::HashSet::new();
                let mut repeats = false;
                for (k, v) in entries {
                    repeats |= !names.insert(k);
                    repeats |= repeats_a_key(v);
                }
                repeats
            }
            super::Kind::Array(items) => items.map(repeats_a_key).fold(false, |a, b| a | b),
            _ => false,
        }
    }

    #[test]
    fn keys_named_twice_are_found_wherever_they_are() {
        for (text, twice) in [
            (r#"{"a":1,"b":2,"a":3}"#, true),
            (r#"{"x":[{"id":"1","id":"2"}]}"#, true),
            (r#"{"a":{"b":1},"c":{"b":2}}"#, false),
            (r#"{"a\u0062":1,"ab":2}"#, true),
            (r#"{"page_no":1,"page_to":2,"":3,"":4}"#, true),
            (r#"{"page_no":1,"page_to":2}"#, false),
            (r#"[{"a":1},{"a":1}]"#, false),
        ] {
            let doc = Doc::parse(text.into()).unwrap();
            assert_eq!(doc.has_duplicate_keys(), twice, "{text}");
        }
        // A key first named among the first 64, again beyond them; values that are containers.
        let first: String = (0..70)
            .map(|i| format!("\"k{i}\":{{\"x\":[{i}]}},"))
            .collect();
        let doc = Doc::parse(format!("{{{first}\"k3\":[]}}")).unwrap();
        assert!(doc.has_duplicate_keys());
        let doc = Doc::parse(format!("{{{first}\"k70\":[]}}")).unwrap();
        assert!(!doc.has_duplicate_keys());
        // Keys made to share the filter's places: still exact.
        let alike: String = (b'0'..=b'z')
            .map(|c| format!("\"a{}bc\":1,", c as char))
            .collect();
        let doc = Doc::parse(format!("{{{alike}\"end\":0}}")).unwrap();
        assert!(!doc.has_duplicate_keys());
        let doc = Doc::parse(format!("{{{alike}\"aWbc\":0}}")).unwrap();
        assert!(doc.has_duplicate_keys());
        // Many keys, one filter: every pair is still told apart exactly.
        let many: String = (0..3000).map(|i| format!("\"k{i}\":{i},")).collect();
        let doc = Doc::parse(format!("{{{}\"end\":0}}", many)).unwrap();
        assert!(!doc.has_duplicate_keys());
        let doc = Doc::parse(format!("{{{}\"k1234\":0}}", many)).unwrap();
        assert!(doc.has_duplicate_keys());
    }

    /// Review of the `Doc` change, F3: a document made from a `Value` was its JSON read again,
    /// and serde_json does not read every float back to itself.
    #[test]
    fn a_document_from_a_value_holds_its_numbers_exactly() {
        let value: Value =
            serde_json::from_str(r#"{"x":[5.982717658385093e78,1,"a\"b"]}"#).unwrap();
        let doc = Doc::from_value(&value);
        assert_eq!(doc.root().to_value(), value);
        assert_eq!(
            String::from_utf8(doc.root().to_json()).unwrap(),
            value.to_string()
        );
    }

    /// A text without repeated keys is written byte for byte as serde_json writes what it
    /// reads from it.
    fn written_as_serde_json(value: &Value) {
        let text = serde_json::to_string(value).unwrap();
        let theirs = serde_json::from_str::<Value>(&text).unwrap().to_string();
        let doc = Doc::parse(text).unwrap();
        assert_eq!(String::from_utf8(doc.root().to_json()).unwrap(), theirs);
        assert_eq!(doc.root().json_len(), theirs.len());
    }

    #[test]
    fn values_as_serde_json_builds_them() {
        for text in [
            r#"{"api_version":"1.2","result":"success","data":{"products":[{"id":"1","name":"A","list":[]},{"id":"2","name":"B \u00e4 \"q\"","tags":["x",{"y":null}]}]}}"#,
            r#"{"b":1,"a":2,"c":{"z":[1,2,[3,[4,{}]]],"y":{}}}"#,
            r#"{"a":1,"b":2,"a":3}"#,
            r#"{"a":{"x":1},"b":[],"a":{"y":2}}"#,
            r#"[18446744073709551615,-9223372036854775808,1.5,-0.0,1e2,2.5E-3,0]"#,
            r#"  "text"  "#,
            r#""a\/b \u00fc \ud83d\ude00""#,
            "true",
            "null",
            "[]",
            "{}",
            "[[],[[]],{},{\"\":\"\"}]",
        ] {
            same_as_serde_json(text);
        }
    }

    #[test]
    fn errors_as_serde_json_reports_them() {
        let deep_ok = format!("{}{}", "[".repeat(127), "]".repeat(127));
        let too_deep = format!("{}{}", "[".repeat(129), "]".repeat(129));
        let deep_objects = format!("{}1{}", "{\"a\":".repeat(200), "}".repeat(200));
        for text in [
            "",
            "{",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "[1,2",
            "[1 2]",
            "{\"a\":1} x",
            "1e400",
            "\"\\ud800\"",
            "{\"a\":[1,{\"b\":tru}]}",
            "{1:2}",
            deep_ok.as_str(),
            too_deep.as_str(),
            deep_objects.as_str(),
        ] {
            same_as_serde_json(text);
        }
    }

    #[test]
    fn lookups_and_kinds() {
        let doc =
            Doc::parse(r#"{"a":"x","b":{"c":[1,"\u00e4",null]},"a":"y","e":""}"#.into()).unwrap();
        let root = doc.root();
        assert_eq!(root.get("a").and_then(|v| v.as_str()), Some("y"));
        let c = root.get("b").and_then(|b| b.get("c")).unwrap();
        assert_eq!(c.items().unwrap().len(), 3);
        assert_eq!(c.items().unwrap().nth(1).unwrap().as_str(), Some("ä"));
        assert!(root.get("e").unwrap().is_empty());
        assert!(root.get("missing").is_none());
        assert_eq!(root.entries().unwrap().len(), 4);
        let again = doc.at(c.index()).unwrap();
        assert_eq!(again.to_value(), c.to_value());
    }

    /// JSON text as a server might write it: nested objects and arrays, repeated keys, escapes,
    /// whitespace, integers at the edges and floats.
    fn json_text() -> impl Strategy<Value = String> {
        let key = prop::sample::select(vec!["id", "a", "b", "name", "\\u00e4", "x\\\"y", ""]);
        let leaf = prop_oneof![
            Just("null".to_owned()),
            Just("true".to_owned()),
            Just("false".to_owned()),
            any::<i64>().prop_map(|n| n.to_string()),
            any::<u64>().prop_map(|n| n.to_string()),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(|f| format!("{f:e}")),
            "[a-z\\\\/\"\u{e4}\u{1F600}\u{1} ]{0,12}".prop_map(|s| {
                format!(
                    "\"{}\"",
                    s.replace('\\', "\\\\")
                        .replace('"', "\\\"")
                        .replace('\u{1}', "\\u0001")
                )
            }),
        ];
        leaf.prop_recursive(5, 64, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6)
                    .prop_map(|items| format!("[ {} ]", items.join(" , "))),
                prop::collection::vec((key.clone(), inner), 0..6).prop_map(|entries| {
                    let entries: Vec<String> = entries
                        .into_iter()
                        .map(|(k, v)| format!("\"{k}\" :{v}"))
                        .collect();
                    format!("{{{}}}", entries.join(","))
                }),
            ]
        })
    }

    proptest! {
        #[test]
        fn any_json_parses_as_serde_json_parses_it(text in json_text()) {
            same_as_serde_json(&text);
            if let Ok(value) = serde_json::from_str::<Value>(&text) {
                written_as_serde_json(&value);
            }
        }

        #[test]
        fn any_cut_json_fails_as_serde_json_fails(text in json_text(), cut in any::<prop::sample::Index>()) {
            let end = cut.index(text.len() + 1);
            if let Some(prefix) = text.get(..end) {
                same_as_serde_json(prefix);
            }
        }
    }
}

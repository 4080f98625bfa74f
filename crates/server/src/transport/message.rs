//! One JSON-RPC message off the wire, read at a bounded cost.
//!
//! A body within `--max-body-bytes` can still describe far more than it weighs: 80,000 made-up
//! argument names fit in 0.9 MB and parse into tens of megabytes, and every layer that parses
//! the message again multiplies that. So the HTTP door reads each message in one pass that
//! spends a budget while it builds: the tool call's arguments (`params.arguments`) spend
//! [`LIMITS`], everything else [`MESSAGE_LIMITS`]. Arguments beyond their
//! bounds are not built: the reader skips the rest of them, leaves `{}` in their place and
//! reports the problem, so the call still gets its clear tool error (from the pipeline) while
//! nothing large ever exists in memory. Anything else beyond its bounds stops the read.

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::tools::bounds::{Budget, Path};
use crate::tools::{LIMITS, Limits};

/// Bounds on a message outside its tool arguments: generous for every MCP request, small
/// enough that no message is expensive to hold.
pub const MESSAGE_LIMITS: Limits = Limits {
    max_values: 10_000,
    max_names: 10_000,
    max_items: 10_000,
    max_text_bytes: 1 << 20,
    max_name_bytes: 1024,
    max_depth: 32,
};

/// A message, read.
#[derive(Debug)]
pub struct Message {
    /// The message, with oversized arguments replaced by `{}`.
    pub value: Value,
    /// Why the arguments were replaced, if they were.
    pub arguments_problem: Option<String>,
}

/// Why a body is not a readable message.
#[derive(Debug)]
pub enum ReadError {
    /// Not JSON (serde_json's description of what is wrong).
    Json(String),
    /// JSON, but beyond [`MESSAGE_LIMITS`] outside the arguments.
    TooLarge(String),
}

/// The object name serde_json gives a meaning of its own: `{"<it>": "[1,2]"}` read as a
/// `Value` is the array inside the text. What this reader counted (one short string) would then
/// not be what rmcp builds from the same bytes, so a message that uses it is refused; no MCP
/// message has a reason to.
pub const RAW_VALUE_KEY: &str = "$serde_json::private::RawValue";

/// Reads one message from `body`.
pub fn read(body: &[u8]) -> Result<Message, ReadError> {
    let mut reader = Reader {
        arguments: Budget::new(LIMITS),
        rest: Budget::new(MESSAGE_LIMITS),
        path: Path::default(),
        arguments_problem: None,
        rest_problem: None,
    };
    // The whole body is checked as UTF-8 first: arguments beyond their bounds are skipped, not
    // read, and serde_json skips a string's bytes without checking them, so invalid UTF-8 in
    // skipped arguments would pass where serde_json (and so rmcp) refuses the message.
    let Ok(text) = std::str::from_utf8(body) else {
        let why = serde_json::from_slice::<Value>(body)
            .err()
            .map_or_else(|| "invalid UTF-8".to_owned(), |e| e.to_string());
        return Err(ReadError::Json(why));
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = Node {
        reader: &mut reader,
        zone: Zone::Top,
        depth: 0,
    }
    .deserialize(&mut de)
    .and_then(|value| de.end().map(|()| value));
    match (parsed, reader.rest_problem) {
        (_, Some(problem)) => Err(ReadError::TooLarge(problem)),
        (Err(e), None) => Err(ReadError::Json(e.to_string())),
        (Ok(value), None) => Ok(Message {
            value,
            arguments_problem: reader.arguments_problem,
        }),
    }
}

/// The `id` of a request that is JSON in form but cannot be read whole (`1e400` in it, beyond
/// a float's range): the rest is skipped unread, so only the id is taken, and the answer to
/// the unreadable request can still name it. Only an id that is safe to echo: an integer, or
/// a short string without control characters.
pub fn request_id(text: &[u8]) -> Option<Value> {
    #[derive(serde::Deserialize)]
    struct IdOnly {
        id: Option<Value>,
    }
    serde_json::from_slice::<IdOnly>(text)
        .ok()?
        .id
        .filter(|id| match id {
            Value::Number(n) => n.is_i64(),
            Value::String(s) => s.len() <= 256 && !s.chars().any(char::is_control),
            _ => false,
        })
}

struct Reader {
    arguments: Budget,
    rest: Budget,
    /// Where in the arguments the read is.
    path: Path,
    arguments_problem: Option<String>,
    rest_problem: Option<String>,
}

/// Which part of the message a value belongs to, and so which budget it spends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Zone {
    /// The message object.
    Top,
    /// `params`.
    Params,
    /// `params.arguments` itself.
    ArgumentsRoot,
    /// Inside `params.arguments`.
    Arguments,
    /// Anything else.
    Rest,
}

/// One value being read.
struct Node<'r> {
    reader: &'r mut Reader,
    zone: Zone,
    /// Levels below the message (outside the arguments) or below the arguments object.
    depth: usize,
}

impl Node<'_> {
    fn in_arguments(&self) -> bool {
        matches!(self.zone, Zone::ArgumentsRoot | Zone::Arguments)
    }

    /// Whether the arguments were already found too large, so the rest is only skipped.
    fn skipping(&self) -> bool {
        self.in_arguments() && self.reader.arguments_problem.is_some()
    }

    /// Spends `spend` from this zone's budget; `Err` stops the whole read (outside the
    /// arguments), `Ok(false)` starts skipping (inside them).
    fn spend<E: de::Error>(
        &mut self,
        spend: impl FnOnce(&mut Budget, &Path) -> Result<(), String>,
    ) -> Result<bool, E> {
        let in_arguments = self.in_arguments();
        let r = &mut *self.reader;
        if in_arguments {
            if r.arguments_problem.is_some() {
                return Ok(false);
            }
            match spend(&mut r.arguments, &r.path) {
                Ok(()) => Ok(true),
                Err(problem) => {
                    r.arguments_problem = Some(problem);
                    Ok(false)
                }
            }
        } else {
            match spend(&mut r.rest, &Path::default()) {
                Ok(()) => Ok(true),
                Err(problem) => {
                    r.rest_problem = Some(problem);
                    Err(E::custom("message too large"))
                }
            }
        }
    }

    fn leaf<E: de::Error>(mut self, value: Value) -> Result<Value, E> {
        if self.zone == Zone::ArgumentsRoot {
            return Ok(value);
        }
        let kept = self.spend(|b, at| b.value(at))?;
        Ok(if kept { value } else { Value::Null })
    }

    fn child(&mut self, zone: Zone) -> Node<'_> {
        Node {
            reader: self.reader,
            zone,
            depth: self.depth + 1,
        }
    }
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        let Node {
            reader,
            zone,
            depth,
        } = self;
        let value = d.deserialize_any(Node {
            reader: &mut *reader,
            zone,
            depth,
        })?;
        // Arguments found too large are dropped whole, not half-built.
        if zone == Zone::ArgumentsRoot && reader.arguments_problem.is_some() {
            return Ok(Value::Object(Map::new()));
        }
        Ok(value)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.leaf(Value::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        self.leaf(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        self.leaf(Value::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        self.leaf(Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        self.leaf(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(mut self, v: &str) -> Result<Value, E> {
        // The same order as the check of parsed arguments: the value, then its length.
        let counted = self.zone == Zone::ArgumentsRoot || self.spend(|b, at| b.value(at))?;
        if !counted || !self.spend(|b, at| b.text(v.len(), at))? {
            return Ok(Value::Null);
        }
        Ok(Value::String(v.to_owned()))
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Value, A::Error> {
        let depth = self.depth;
        let zone = if self.in_arguments() {
            Zone::Arguments
        } else {
            Zone::Rest
        };
        let mut items = Vec::new();
        let mut keep = !self.skipping()
            && (self.zone == Zone::ArgumentsRoot || self.spend(|b, at| b.value(at))?)
            && self.spend(|b, at| b.container(depth, at))?;
        let mut index = 0;
        loop {
            if keep {
                keep = self.spend(|b, at| b.item(index, at))?;
            }
            if !keep {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                break;
            }
            if zone == Zone::Arguments {
                self.reader.path.push_index(index);
            }
            let item = seq.next_element_seed(self.child(zone));
            if zone == Zone::Arguments {
                self.reader.path.pop();
            }
            match item? {
                Some(v) => items.push(v),
                None => break,
            }
            keep = !self.skipping();
            index += 1;
        }
        Ok(if self.skipping() {
            Value::Null
        } else {
            Value::Array(items)
        })
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Value, A::Error> {
        let depth = self.depth;
        let mut out = Map::new();
        let mut keep = !self.skipping()
            && (matches!(self.zone, Zone::ArgumentsRoot | Zone::Top)
                || self.spend(|b, at| b.value(at))?)
            && (self.zone == Zone::ArgumentsRoot || self.spend(|b, at| b.container(depth, at))?);
        loop {
            if !keep {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                break;
            }
            let Some(key) = map.next_key::<String>()? else {
                break;
            };
            if key == RAW_VALUE_KEY {
                return Err(de::Error::custom(format!(
                    "the name `{RAW_VALUE_KEY}` is reserved (serde_json reads it as raw JSON text)"
                )));
            }
            if !self.spend(|b, at| b.name(&key, at))? {
                map.next_value::<IgnoredAny>()?;
                keep = false;
                continue;
            }
            let zone = match (self.zone, key.as_str()) {
                (Zone::Top, "params") => Zone::Params,
                (Zone::Params, "arguments") => Zone::ArgumentsRoot,
                (Zone::ArgumentsRoot | Zone::Arguments, _) => Zone::Arguments,
                _ => Zone::Rest,
            };
            let inside = zone == Zone::Arguments;
            if inside {
                self.reader.path.push_name(&key);
            }
            let mut child = self.child(zone);
            if zone == Zone::ArgumentsRoot {
                child.depth = 0;
            }
            let value = map.next_value_seed(child);
            if inside {
                self.reader.path.pop();
            }
            out.insert(key, value?);
            keep = !self.skipping();
        }
        Ok(if self.skipping() {
            Value::Null
        } else {
            Value::Object(out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn call(arguments: Value) -> Vec<u8> {
        serde_json::to_vec(&json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
            "params": {"name": "createProduct", "arguments": arguments}}))
        .unwrap()
    }

    #[test]
    fn small_messages_read_as_serde_json_reads_them() {
        for text in [
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"a":[1,2.5,null,true]}}}"#,
            r#"{"jsonrpc":"2.0","id":"x","method":"tools/call","params":{"name":"t","arguments":{"a":{"b":["c"]},"n":-1}}}"#,
            r#"[1,{"a":"\u00e4"}]"#,
            r#""just text""#,
        ] {
            let got = read(text.as_bytes()).unwrap();
            assert_eq!(
                got.value,
                serde_json::from_str::<Value>(text).unwrap(),
                "{text}"
            );
            assert!(got.arguments_problem.is_none());
        }
        assert!(matches!(read(b"{\"a\":"), Err(ReadError::Json(_))));
        assert!(matches!(read(b"{} x"), Err(ReadError::Json(_))));
    }

    /// Found by the fuzzer: serde_json reads an object named by its private raw-value key as
    /// the JSON text inside (or refuses it), where this reader saw a plain object. Refused, so
    /// no message is counted one way and built another.
    #[test]
    fn serde_jsons_raw_value_name_is_refused() {
        let inner = "[[1,2],[3,4]]";
        let text = format!(
            r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"t","arguments":{{"x":{{"{RAW_VALUE_KEY}":"{inner}"}}}}}}}}"#
        );
        let serde: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(serde["params"]["arguments"]["x"], json!([[1, 2], [3, 4]]));
        assert!(matches!(read(text.as_bytes()), Err(ReadError::Json(_))));
        let object = format!(r#"{{"{RAW_VALUE_KEY}":{{"name":"x"}}}}"#);
        assert!(serde_json::from_str::<Value>(&object).is_err());
        assert!(matches!(read(object.as_bytes()), Err(ReadError::Json(_))));
    }

    #[test]
    fn oversized_arguments_become_an_empty_object_and_a_problem() {
        let names: Map<String, Value> = (0..80_000).map(|i| (format!("a{i}"), json!(1))).collect();
        let big = read(&call(json!({ "data": names }))).unwrap();
        assert_eq!(big.value["params"]["arguments"], json!({}));
        assert_eq!(big.value["params"]["name"], "createProduct");
        assert_eq!(big.value["id"], 7);
        assert_eq!(
            big.arguments_problem.as_deref(),
            Some("`data`: more than 1000 argument names in total; send fewer arguments")
        );
        let long = read(&call(json!({"data": {"x": [1, "y".repeat(70_000)]}}))).unwrap();
        assert_eq!(
            long.arguments_problem.as_deref(),
            Some("`data.x[1]`: text longer than 65536 bytes (70000 bytes)")
        );
        let mut deep = json!(1);
        for _ in 0..20 {
            deep = json!({ "k": deep });
        }
        let args = json!({ "d": deep });
        let streamed = read(&call(args.clone())).unwrap().arguments_problem;
        assert_eq!(
            streamed.as_deref(),
            Some("`d.k.k.k.k.k.k.k.k`: nested deeper than 8 levels")
        );
        assert_eq!(
            streamed.unwrap(),
            crate::tools::bounds::check(args.as_object().unwrap(), LIMITS).unwrap_err(),
            "the same problem as validation finds in parsed arguments"
        );
    }

    /// Found by the fuzz smoke in CI (message_reader): skipped arguments were not checked as
    /// UTF-8, so a message serde_json refuses was read.
    #[test]
    fn invalid_utf8_in_skipped_arguments_is_still_not_json() {
        let names: Map<String, Value> = (0..2_000).map(|i| (format!("a{i}"), json!(1))).collect();
        let mut body = call(json!({ "data": names, "z": "MARK" }));
        let at = body.windows(4).position(|w| w == b"MARK").unwrap();
        body[at] = 0xf8;
        assert!(serde_json::from_slice::<Value>(&body).is_err());
        match read(&body) {
            Err(ReadError::Json(why)) => assert!(why.contains("invalid unicode"), "{why}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn oversized_messages_outside_the_arguments_stop_the_read() {
        let meta: Vec<Value> = (0..20_000).map(Value::from).collect();
        let body = serde_json::to_vec(
            &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": {"x": meta}}}),
        )
        .unwrap();
        match read(&body) {
            Err(ReadError::TooLarge(problem)) => {
                assert!(problem.contains("more than 10000"), "{problem}")
            }
            other => panic!("{other:?}"),
        }
    }
}

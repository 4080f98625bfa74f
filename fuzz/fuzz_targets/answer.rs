//! Digistore24's answer, as any bytes an upstream (or something in its place) might send,
//! through ds24-client's envelope reading (`Doc`) and the shaping of a tool result: it reads
//! exactly what serde_json reads, gives the same values, writes them as serde_json writes them,
//! and shaping never panics and always gives JSON within the cap.

#![no_main]

use ds24_client::{CallError, Doc, Json, Kind, decode};
use libfuzzer_sys::fuzz_target;
use serde::Deserialize as _;
use serde_json::Value;

/// The size cap of the shaping (the server's default is 48,000; smaller here so that the cut
/// path runs on inputs libFuzzer can reach).
const MAX_BYTES: usize = 2_000;

/// The key serde_json reads specially, as a raw value (see the message_reader target).
const RAW_VALUE_KEY: &str = "$serde_json::private::RawValue";

fuzz_target!(|data: &[u8]| {
    // serde_json's raw-value key, however it is spelled and wherever it is: serde_json refuses
    // it or reads it as something else, where the `Doc` reads a plain key. Nothing to compare.
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(doc) = Doc::parse(text.to_owned())
        && names_raw_value(doc.root())
    {
        return;
    }
    let reference = serde_json::from_slice::<Value>(data);
    let decoded = decode(200, data);
    let (value, answer) = match (reference, decoded) {
        (Err(_), Err(e)) => {
            assert!(matches!(e, CallError::BadResponse { .. }), "{e:?}");
            return;
        }
        (Err(_), Ok(answer)) => panic!("read what serde_json refuses: {:?}", answer.data()),
        (Ok(value), Err(e)) => {
            // Refused as an answer: not an envelope, or one that says the call failed.
            let result = value.get("result").and_then(Value::as_str);
            assert!(
                result != Some("success"),
                "refused a success envelope serde_json reads: {e:?}"
            );
            return;
        }
        (Ok(value), Ok(answer)) => (value, answer),
    };
    let expected = value.get("data").cloned().unwrap_or(Value::Null);
    let data_view = answer.data();
    assert_eq!(data_view.to_value(), expected, "a different reading");
    let written = data_view.to_json();
    assert_eq!(written.len(), data_view.json_len(), "a wrong length");
    if !answer.has_duplicate_keys() {
        assert_eq!(
            written,
            serde_json::to_vec(&expected).unwrap(),
            "written differently"
        );
    }

    let shaped = ds24_mcp::shape::shape(answer, MAX_BYTES, None);
    // Tables nest one level deeper than the records they hold, so the text may be deeper than
    // serde_json's default limit; it is read without one.
    let mut reader = serde_json::Deserializer::from_str(&shaped.text);
    reader.disable_recursion_limit();
    serde::de::IgnoredAny::deserialize(&mut reader).expect("the text is JSON");
    reader.end().expect("the text is one JSON value");
    let mut written = Vec::new();
    shaped.structured.write_json(&mut written);
    // What rmcp's path writes for the same result (a key named twice written once).
    assert_eq!(
        written,
        serde_json::to_vec(&shaped.structured.to_value()).unwrap(),
        "the structured content written differently from its value"
    );
    let structured: Value =
        serde_json::from_slice(&written).expect("the structured content is JSON");
    assert!(
        structured.is_object(),
        "structured content is always an object"
    );
    assert!(
        shaped.text.len() + written.len() <= MAX_BYTES,
        "over the cap: {} + {} bytes",
        shaped.text.len(),
        written.len()
    );
});

/// Whether `v` or anything in it has serde_json's raw-value key.
fn names_raw_value(v: Json<'_>) -> bool {
    match v.kind() {
        Kind::Object(mut entries) => entries.any(|(k, v)| k == RAW_VALUE_KEY || names_raw_value(v)),
        Kind::Array(mut items) => items.any(names_raw_value),
        _ => false,
    }
}

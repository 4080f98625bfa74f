//! Digistore24's answer, as any bytes an upstream (or something in its place) might send,
//! through ds24-client's envelope reading (`Doc`) and the shaping of a tool result: it reads
//! exactly what serde_json reads, gives the same values, writes them back as serde_json would,
//! and shaping never panics and always gives JSON text within the cap or says it could not.

#![no_main]

use ds24_client::{CallError, decode};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// The size cap of the shaping (the server's default is 48,000; smaller here so that the cut
/// path runs on inputs libFuzzer can reach).
const MAX_BYTES: usize = 2_000;

fuzz_target!(|data: &[u8]| {
    let reference = serde_json::from_slice::<Value>(data);
    let decoded = decode(200, data);
    let envelope = match (&reference, decoded) {
        (Err(_), Ok(answer)) => panic!("read what serde_json refuses: {:?}", answer.data()),
        (Err(_), Err(e)) => {
            assert!(matches!(e, CallError::BadResponse { .. }), "{e:?}");
            return;
        }
        (Ok(value), Err(e)) => {
            // Refused as an answer: not an envelope, or one that says the call failed.
            let result = value.get("result").and_then(Value::as_str);
            assert!(
                result != Some("success"),
                "refused a success envelope serde_json reads: {e:?}"
            );
            return;
        }
        (Ok(value), Ok(answer)) => (value.clone(), answer),
    };
    let (value, answer) = envelope;
    // serde_json reads its private raw-value name specially (see the message_reader target).
    if std::str::from_utf8(data).is_ok_and(|t| t.contains("$serde_json::private::RawValue")) {
        return;
    }
    let expected = value.get("data").cloned().unwrap_or(Value::Null);
    let data_view = answer.data();
    assert_eq!(data_view.to_value(), expected, "a different reading");
    let written = data_view.to_json();
    assert_eq!(written.len(), data_view.json_len(), "a wrong length");
    let reread: Value = serde_json::from_slice(&written).expect("written JSON reads back");
    let theirs: Value =
        serde_json::from_str(&expected.to_string()).expect("serde_json's JSON reads back");
    assert_eq!(reread, theirs, "written differently");

    let shaped = ds24_mcp::shape::shape(answer, MAX_BYTES, None);
    serde_json::from_str::<Value>(&shaped.text).expect("the text is JSON");
    let mut written = Vec::new();
    shaped.structured.write_json(&mut written);
    let structured: Value =
        serde_json::from_slice(&written).expect("the structured content is JSON");
    assert!(
        structured.is_object(),
        "structured content is always an object"
    );
    assert!(
        shaped.text.len() + written.len() <= MAX_BYTES || structured.get("_truncated").is_some(),
        "over the cap without saying so"
    );
});

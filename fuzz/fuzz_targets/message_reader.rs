//! The bounded message reader against serde_json: it reads exactly what serde_json reads, or
//! refuses; arguments it keeps pass the same bounds when checked after parsing, and arguments
//! it drops do not.

#![no_main]

use ds24_mcp::tools::{LIMITS, bounds};
use ds24_mcp::transport::message::{self, ReadError};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let reference = serde_json::from_slice::<Value>(data);
    let read = message::read(data);
    match (reference, read) {
        (Err(_), Ok(m)) => panic!("read what serde_json refuses: {:?}", m.value),
        (Err(_), Err(_)) | (Ok(_), Err(ReadError::TooLarge(_))) => {}
        // serde_json reads its private raw-value name as the JSON text inside; the reader
        // refuses it, however the name is escaped (see `message::RAW_VALUE_KEY`).
        (Ok(_), Err(ReadError::Json(e))) if e.contains(message::RAW_VALUE_KEY) => {}
        (Ok(_), Err(ReadError::Json(e))) => panic!("refused what serde_json reads: {e}"),
        (Ok(mut expected), Ok(m)) => {
            let arguments = expected
                .get_mut("params")
                .and_then(|p| p.get_mut("arguments"));
            match (&m.arguments_problem, arguments) {
                (None, args) => {
                    if let Some(Value::Object(args)) = args {
                        assert!(
                            bounds::check(args, LIMITS).is_ok(),
                            "kept arguments beyond the bounds"
                        );
                    }
                    assert_eq!(m.value, expected, "a different reading");
                }
                // (Streaming counts duplicate names that parsing collapses, so it may refuse
                // arguments that pass when checked parsed; never the other way round.)
                (Some(_), Some(args)) => {
                    *args = Value::Object(serde_json::Map::new());
                    assert_eq!(m.value, expected, "dropped more than the arguments");
                }
                (Some(problem), None) => {
                    panic!("an arguments problem without arguments: {problem}")
                }
            }
        }
    }
});

//! `ds24-bench --stages`: the JSON work of one `listProducts` call, stage by stage, timed in this
//! process on the fixed upstream's answer (the same bytes the server-cost measures send).
//!
//! The server-cost measures say how much a call costs; this says where the part that is ours
//! goes, without a profiler: Digistore24's answer parsed, the lean text built, the structured
//! view counted for the size cap, and the answer written. Each iteration runs every stage once,
//! in turn, so a slow moment of the machine touches all of them alike; the medians are printed.
//! The same parse with `serde_json::from_str` runs beside ds24-client's, as the reference it
//! replaced.

use std::time::Instant;

use bytes::Bytes;
use rmcp::model::RequestId;
use serde_json::{Value, json};

/// The size cap the server applies by default (`--max-result-bytes`).
const MAX_RESULT_BYTES: usize = 48_000;

/// Times each stage `iterations` times on `body` (a Digistore24 envelope) and returns the
/// medians in microseconds, with the answer's sizes.
pub fn measure(body: &Bytes, iterations: usize) -> anyhow::Result<Value> {
    let text = std::str::from_utf8(body)?;
    let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(iterations); STAGES.len()];
    let mut sizes = (0, 0);
    for _ in 0..iterations {
        let mut lap = Lap::new();

        // The reference: what decoding cost with serde_json's own `Value` building.
        let mut envelope: Value = serde_json::from_str(text)?;
        let reference = envelope.as_object_mut().and_then(|e| e.remove("data"));
        lap.done(&mut times, 0);
        drop((envelope, reference));
        lap.restart();

        let answer = ds24_client::decode(200, body)?;
        lap.done(&mut times, 1);

        let lean = ds24_mcp::shape::lean_text(answer.data());
        lap.done(&mut times, 2);

        let count = answer.data().json_len();
        lap.done(&mut times, 3);
        let lean_bytes = lean.len();
        drop(lean);
        lap.restart();

        let shaped = ds24_mcp::shape::shape(answer, MAX_RESULT_BYTES, None);
        lap.done(&mut times, 4);

        let bytes = ds24_mcp::transport::tools_call::write_result(&RequestId::Number(1), &shaped);
        lap.done(&mut times, 5);
        sizes = (body.len(), bytes.len());
        // The shaping took Digistore24's data whole (not cut): the answer holds the lean text
        // (escaped, so at least as long) and the structured content.
        anyhow::ensure!(
            matches!(
                shaped.structured,
                ds24_mcp::shape::Structured::Answer { .. }
            ) && bytes.len() > count + lean_bytes,
            "the answer holds both views of the whole data"
        );

        drop((shaped, bytes));
        lap.done(&mut times, 6);
    }
    let stages: Vec<Value> = STAGES
        .iter()
        .zip(times)
        .map(|(name, t)| json!({"stage": name, "median_us": median(t)}))
        .collect();
    Ok(json!({
        "iterations": iterations,
        "upstream_bytes": sizes.0,
        "answer_bytes": sizes.1,
        "stages": stages,
    }))
}

/// What each measured stage is, in the order they run.
const STAGES: &[&str] = &[
    "reference: the envelope parsed by `serde_json::from_str` (not part of a call)",
    "decode: the envelope parsed by ds24-client (`Doc`: its text and an index of its values)",
    "lean text: the view built and written (`shape::lean_text`)",
    "count: the structured view's size as JSON, for the cap",
    "shape: both together, as a call runs them (lean text, count, cap check)",
    "answer: the JSON-RPC result (text block and `structuredContent`) written as the direct path writes it",
    "free: the answer and everything it held dropped",
];

/// A stopwatch that records the time since its last reading.
struct Lap(Instant);

impl Lap {
    fn new() -> Self {
        Self(Instant::now())
    }

    fn restart(&mut self) {
        self.0 = Instant::now();
    }

    fn done(&mut self, times: &mut [Vec<f64>], stage: usize) {
        let now = Instant::now();
        times[stage].push((now - self.0).as_secs_f64() * 1e6);
        self.0 = now;
    }
}

fn median(mut t: Vec<f64>) -> f64 {
    t.sort_by(f64::total_cmp);
    let m = t.get(t.len() / 2).copied().unwrap_or(f64::NAN);
    (m * 10.0).round() / 10.0
}

/// The stages as a Markdown table.
pub fn render(r: &Value) -> String {
    let mut out = format!(
        "JSON work of one `listProducts` call, in process, on the fixed answer ({} B from Digistore24, {} B answered); median of {} iterations:\n\n| stage | median |\n|---|---|\n",
        r["upstream_bytes"], r["answer_bytes"], r["iterations"]
    );
    for s in r["stages"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "| {} | {:.1} µs |\n",
            s["stage"].as_str().unwrap_or_default(),
            s["median_us"].as_f64().unwrap_or(f64::NAN)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stage_is_timed_and_the_answer_holds_the_data() {
        let body = Bytes::from_static(
            br#"{"api_version":"1.2","result":"success","data":{"products":[{"id":"1","name":"A"},{"id":"2","name":"B"}]}}"#,
        );
        let r = measure(&body, 3).unwrap();
        let stages = r["stages"].as_array().unwrap();
        assert_eq!(stages.len(), STAGES.len());
        assert!(
            stages
                .iter()
                .all(|s| s["median_us"].as_f64().is_some_and(|m| m >= 0.0))
        );
        assert!(
            r["answer_bytes"].as_u64().unwrap() > body.len() as u64 / 2,
            "{r}"
        );
        assert!(render(&r).contains("| decode: the envelope parsed by ds24-client"));
    }

    #[test]
    fn an_error_envelope_is_an_error_not_a_measure() {
        let body = Bytes::from_static(br#"{"result":"error","code":2,"message":"bad key"}"#);
        assert!(measure(&body, 1).is_err());
    }
}

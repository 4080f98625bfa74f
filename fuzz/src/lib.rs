//! What the fuzz targets share: the real pipeline over an in-process upstream, and JSON built
//! from fuzz input.

use std::sync::Arc;
use std::time::Duration;

use arbitrary::{Arbitrary, Unstructured};
use ds24_client::{ApiKey, FormPairs, Retry};
use ds24_mcp::pipeline::{
    Confirmer, Fingerprinter, Pipeline, PipelineParts, REJECTED_KEY_TTL, RejectedKeys,
};
use ds24_mcp::seal::StateSecret;
use ds24_mcp::tools::{Inventory, NameStyle, Selection};
use ds24_mcp::upstream::{Upstream, UpstreamFuture};
use serde_json::{Map, Value, json};

/// Answers every call at once with a small envelope `data`: the fuzz targets exercise what
/// happens before and after Digistore24, not Digistore24.
pub struct Answering;

impl Upstream for Answering {
    fn call<'a>(
        &'a self,
        function: &'static str,
        _key: &'a ApiKey,
        form: FormPairs,
        _retry: Retry,
    ) -> UpstreamFuture<'a> {
        let fields = form.len();
        Box::pin(async move {
            Ok(ds24_client::Answer::from(
                json!({"function": function, "fields": fields, "ok": "Y"}),
            ))
        })
    }
}

/// Every tool, a fixed secret, no rate limits: the server as a public deployment runs it,
/// minus the network.
pub fn pipeline() -> Pipeline {
    let secret = StateSecret::new(b"fuzzing-secret-fuzzing-secret-32".to_vec());
    let selection = match Selection::new(Some("all"), &[], &[], false) {
        Ok(selection) => selection,
        Err(e) => panic!("selection: {e}"),
    };
    Pipeline::new(PipelineParts {
        inventory: Inventory::new(NameStyle::Ds24, selection),
        upstream: Arc::new(Answering),
        confirmer: Confirmer::new(secret.sealer("confirmation"), Duration::from_secs(600)),
        fingerprints: Fingerprinter::new(secret.derive("key-fingerprint")),
        limiter: None,
        address_limiter: None,
        rejected: RejectedKeys::new(secret.derive("rejected-keys"), REJECTED_KEY_TTL),
        max_upstream_concurrency: 64,
        max_result_bytes: 48_000,
        auditor: None,
        reports: ds24_mcp::reports::Limits {
            max_rows: 2_000,
            max_time: Duration::from_secs(10),
        },
    })
}

/// A JSON value drawn from fuzz input, object names mostly from `names` (so nested objects
/// match a schema often enough to get past "unknown argument").
pub fn value(u: &mut Unstructured<'_>, names: &[&str], depth: usize) -> arbitrary::Result<Value> {
    let pick = if depth == 0 {
        u.int_in_range(0..=5)?
    } else {
        u.int_in_range(0..=7)?
    };
    Ok(match pick {
        0 => Value::Null,
        1 => Value::Bool(bool::arbitrary(u)?),
        2 => Value::from(i64::arbitrary(u)?),
        3 => serde_json::Number::from_f64(f64::arbitrary(u)?).map_or(Value::Null, Value::Number),
        4 => Value::String(text(u)?),
        5 => Value::String(
            [
                "Y", "N", "yes", "1", "-7d", "now", "89.99", "12", " 7 ", "EUR",
            ][u.choose_index(10)?]
            .to_owned(),
        ),
        6 => {
            let n = u.int_in_range(0..=4)?;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(value(u, names, depth - 1)?);
            }
            Value::Array(items)
        }
        _ => Value::Object(object(u, names, depth - 1)?),
    })
}

/// An object drawn from fuzz input, see [`value`].
pub fn object(
    u: &mut Unstructured<'_>,
    names: &[&str],
    depth: usize,
) -> arbitrary::Result<Map<String, Value>> {
    let n = u.int_in_range(0..=6)?;
    let mut map = Map::new();
    for _ in 0..n {
        let name = if !names.is_empty() && u.ratio(4, 5)? {
            names[u.choose_index(names.len())?].to_owned()
        } else {
            text(u)?
        };
        map.insert(name, value(u, names, depth)?);
    }
    Ok(map)
}

fn text(u: &mut Unstructured<'_>) -> arbitrary::Result<String> {
    let s = <&str>::arbitrary(u)?;
    Ok(s.chars().take(64).collect())
}

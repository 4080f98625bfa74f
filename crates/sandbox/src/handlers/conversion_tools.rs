//! The conversion_tools toolset: smart upgrades, countdowns, trust badges, social proof.

use serde_json::{Map, Value};

use crate::documents::{ConversionTool, SmartUpgrade, wire};
use crate::error::ApiError;
use crate::request::Req;
use crate::store::Tx;

const TOOL_TYPES: &[(&str, &str)] = &[
    ("smartupgrade", "smartupgrades"),
    ("countdown", "countdowns"),
    ("trust_badge", "trust_badges"),
    ("socialproof_bubble", "socialproof_bubbles"),
    ("socialproof_box", "socialproof_boxes"),
];

/// `listConversionTools(type)`: `type` is a comma list of smartupgrade, countdown,
/// trust_badge, socialproof_bubble, socialproof_box (plural forms and `all` accepted).
pub fn list_conversion_tools(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let raw = req.p.str("type")?;
    let mut wanted: Vec<(&str, &str)> = Vec::new();
    for t in raw.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        if t == "all" {
            wanted = TOOL_TYPES.to_vec();
            break;
        }
        let Some(found) = TOOL_TYPES
            .iter()
            .find(|(one, many)| *one == t || *many == t)
        else {
            let list: Vec<&str> = TOOL_TYPES.iter().map(|x| x.0).collect();
            return Err(ApiError::invalid(
                "type",
                &format!(
                    "'{t}' ist kein Typ; erlaubt sind: all, {}.",
                    list.join(", ")
                ),
                &format!("'{t}' is not a type; allowed: all, {}.", list.join(", ")),
            ));
        };
        if !wanted.contains(found) {
            wanted.push(*found);
        }
    }
    let mut out = Map::new();
    for (one, many) in wanted {
        let rows: Vec<Value> = if one == "smartupgrade" {
            tx.all::<SmartUpgrade>().map(wire).collect()
        } else {
            tx.all::<ConversionTool>()
                .filter(|d| d.kind == one)
                .map(wire)
                .collect()
        };
        out.insert(many.to_string(), Value::Array(rows));
    }
    Ok(Value::Object(out))
}

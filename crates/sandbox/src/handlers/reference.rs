//! The reference toolset: countries and currencies.

use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::reference;
use crate::request::Req;
use crate::store::Tx;

/// `listCountries()`: code → name in the request language.
pub fn list_countries(_tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let m: Map<String, Value> = reference::COUNTRIES
        .iter()
        .map(|c| (c.0.to_string(), json!(req.lang.pick(c.1, c.2))))
        .collect();
    Ok(Value::Object(m))
}

/// `listCurrencies(convert_to)`.
pub fn list_currencies(_tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let target = match req.p.opt_str("convert_to") {
        Some(c) => {
            let c = c.to_uppercase();
            let Some(t) = reference::CURRENCIES.iter().find(|x| x.1 == c) else {
                return Err(ApiError::invalid(
                    "convert_to",
                    &format!("unbekannte Währung '{c}'."),
                    &format!("unknown currency '{c}'."),
                ));
            };
            Some((c, t.7))
        }
        None => None,
    };
    let rows: Vec<Value> = reference::CURRENCIES
        .iter()
        .map(|(id, code, de, en, sym, min, max, usd)| {
            let mut r = json!({
                "id": id, "code": code, "name": req.lang.pick(de, en), "symbol": sym,
                "min_price": min, "max_price": max, "to_USD": usd,
            });
            if let Some((t, t_usd)) = &target {
                let rate = (usd / t_usd * 10_000.0).round() / 10_000.0;
                if let Value::Object(m) = &mut r {
                    m.insert(format!("to_{t}"), json!(rate));
                }
            }
            r
        })
        .collect();
    Ok(Value::Array(rows))
}

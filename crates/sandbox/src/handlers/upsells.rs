//! The upsells toolset: the upsell funnel after a product (`y`, `yy`, `yn`, ...).

use serde_json::{Map, Value, json};

use crate::documents::{Product, Upsells};
use crate::error::{ApiError, Entity};
use crate::params::scalar;
use crate::request::{Req, must, yn};
use crate::store::Tx;

fn is_upsell_key(k: &str) -> bool {
    (1..=5).contains(&k.len()) && k.starts_with('y') && k.chars().all(|c| c == 'y' || c == 'n')
}

fn steps(tx: &Tx<'_>, product_id: &str) -> std::collections::BTreeMap<String, String> {
    tx.get::<Upsells>(product_id)
        .map(|u| u.upsells.clone())
        .unwrap_or_default()
}

/// `getUpsells(product_id)`.
pub fn get_upsells(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("product_id")?;
    must::<Product>(tx, &id, Entity::Product)?;
    let map: Map<String, Value> = steps(tx, &id)
        .into_iter()
        .map(|(k, v)| {
            let n = v.parse::<i64>().map_or(Value::String(v), Value::from);
            (k, n)
        })
        .collect();
    Ok(json!({ "product_id": id, "upsells": map, "product_options": {} }))
}

/// `updateUpsells(product_id, data)`: `data[y]=51&data[yn]=52`; an empty value removes a step.
pub fn update_upsells(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("product_id")?;
    let data = req.p.obj("data")?;
    must::<Product>(tx, &id, Entity::Product)?;
    let before = steps(tx, &id);
    let mut map = before.clone();
    for (k, v) in data.entries() {
        if !is_upsell_key(k) {
            return Err(ApiError::invalid(
                &data.path(k),
                "Schlüssel sind 1–5 Zeichen aus y/n und beginnen mit y (y, yy, yn, ...).",
                "keys are 1-5 characters of y/n starting with y (y, yy, yn, ...).",
            ));
        }
        let target = scalar(v).unwrap_or_default();
        let target = target.trim();
        if target.is_empty() || target == "0" {
            map.remove(k);
            continue;
        }
        if !tx.exists::<Product>(target) {
            return Err(ApiError::not_found(Entity::Product, target));
        }
        map.insert(k.clone(), target.to_string());
    }
    let changed = map != before;
    if changed {
        tx.put(Upsells {
            product_id: id,
            upsells: map,
        });
    }
    Ok(json!({ "is_modified": yn(changed) }))
}

/// `deleteUpsells(product_id)`.
pub fn delete_upsells(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("product_id")?;
    must::<Product>(tx, &id, Entity::Product)?;
    let had = !steps(tx, &id).is_empty();
    tx.delete::<Upsells>(&id);
    Ok(json!({ "is_modified": yn(had) }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upsell_keys() {
        assert!(is_upsell_key("y"));
        assert!(is_upsell_key("ynyny"));
        assert!(!is_upsell_key("n"));
        assert!(!is_upsell_key("yyyyyy"));
        assert!(!is_upsell_key("yx"));
    }
}

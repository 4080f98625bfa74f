//! The shipping toolset: shipping cost policies.

use serde_json::{Value, json};

use crate::documents::{Document, Product, ShippingPolicy, wire};
use crate::error::{ApiError, Entity};
use crate::money::money;
use crate::params::{View, scalar};
use crate::reference;
use crate::request::{Req, check_not_negative, comma_list, must, yn};
use crate::store::Tx;

const FIRST_ID: i64 = 1234;

fn apply_data(tx: &Tx<'_>, doc: &mut ShippingPolicy, data: &View<'_>) -> Result<(), ApiError> {
    if let Some(n) = data.raw_str("name") {
        let n = n.trim().to_string();
        if n.is_empty() {
            return Err(ApiError::missing(&data.path("name")));
        }
        doc.name = n;
    }
    for (k, v) in data.entries() {
        if let Some(lang) = k.strip_prefix("label_") {
            if lang.len() != 2 || !lang.bytes().all(|b| b.is_ascii_lowercase()) {
                return Err(ApiError::invalid(
                    &data.path(k),
                    "Beschriftungen heißen label_XX mit einem Sprachcode (z. B. label_de).",
                    "labels are named label_XX with a language code (e.g. label_de).",
                ));
            }
            doc.extra.insert(k.clone(), scalar(v).unwrap_or_default());
        }
    }
    if data.has("position") {
        doc.position = data.int_in("position", 100, 0, 1_000_000)?;
    }
    if let Some(b) = data.opt_bool("is_active")? {
        doc.is_active = b;
    }
    if let Some(p) = data.opt_str("for_product_ids") {
        let ids = comma_list(&p);
        if !ids.iter().all(|x| x == "all") {
            for id in &ids {
                must::<Product>(tx, id, Entity::Product)?;
            }
        }
        doc.for_product_ids = ids.join(",");
    }
    if let Some(c) = data.opt_str("for_countries") {
        let list: Vec<String> = comma_list(&c).iter().map(|x| x.to_uppercase()).collect();
        if let Some(bad) = list
            .iter()
            .find(|x| *x != "ALL" && (x.len() != 2 || !x.bytes().all(|b| b.is_ascii_uppercase())))
        {
            return Err(ApiError::invalid(
                &data.path("for_countries"),
                &format!("'{bad}' ist kein Ländercode."),
                &format!("'{bad}' is not a country code."),
            ));
        }
        doc.for_countries = list.join(",");
    }
    for (f, slot) in [
        ("for_currencies", &mut doc.for_currencies),
        ("currency", &mut doc.currency),
    ] {
        if let Some(c) = data.opt_str(f) {
            let list: Vec<String> = comma_list(&c).iter().map(|x| x.to_uppercase()).collect();
            if let Some(bad) = list.iter().find(|x| !reference::is_currency(x)) {
                return Err(ApiError::invalid(
                    &data.path(f),
                    &format!("unbekannte Währung '{bad}'."),
                    &format!("unknown currency '{bad}'."),
                ));
            }
            *slot = list.join(",");
        }
    }
    if let Some(v) = data.opt_enum("fee_type", &["total_fee", "fee_per_unit"])? {
        doc.fee_type = v;
    }
    if let Some(v) = data.opt_enum("billing_cycle", &["once", "monthly"])? {
        doc.billing_cycle = v;
    }
    if data.has("scale_level_count") {
        doc.scale_level_count = data.int_in("scale_level_count", 1, 1, 5)?;
    }
    for i in 1..=5 {
        let amount = format!("scale_{i}_amount");
        if let Some(a) = data.opt_money(&amount)? {
            check_not_negative(&data.path(&amount), a)?;
            doc.extra.insert(amount, money(a));
        }
        let from = format!("scale_{i}_from");
        if data.has(&from) && i > 1 {
            let n = data.int_in(&from, 1, 1, 1_000_000)?;
            doc.extra.insert(from, n.to_string());
        }
    }
    Ok(())
}

/// `createShippingCostPolicy(data)`.
pub fn create_shipping_cost_policy(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let data = req.p.obj("data")?;
    let id = tx.next_id(ShippingPolicy::KIND, FIRST_ID).to_string();
    let mut doc = ShippingPolicy {
        id: id.clone(),
        name: req.msg("Versandkosten", "Shipping costs"),
        position: 100,
        is_active: true,
        for_product_ids: "all".into(),
        for_countries: "all".into(),
        for_currencies: "EUR".into(),
        fee_type: "total_fee".into(),
        billing_cycle: "once".into(),
        currency: "EUR".into(),
        scale_level_count: 1,
        created_at: req.now_s(),
        modified_at: req.now_s(),
        extra: [
            ("label_de", "Versand"),
            ("label_en", "Shipping"),
            ("scale_1_amount", "0.00"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
    };
    apply_data(tx, &mut doc, &data)?;
    tx.put(doc);
    Ok(json!({ "policy_id": id }))
}

/// `getShippingCostPolicy(policy_id)`.
pub fn get_shipping_cost_policy(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("policy_id")?;
    let d = must::<ShippingPolicy>(tx, &id, Entity::ShippingPolicy)?;
    Ok(json!({ "policy": wire(d) }))
}

/// `listShippingCostPolicies()`: a bare array.
pub fn list_shipping_cost_policies(tx: &mut Tx<'_>, _req: &Req<'_>) -> Result<Value, ApiError> {
    Ok(Value::Array(
        tx.all::<ShippingPolicy>()
            .map(ShippingPolicy::list_row)
            .collect(),
    ))
}

/// `updateShippingCostPolicy(policy_id, data)`.
pub fn update_shipping_cost_policy(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("policy_id")?;
    let data = req.p.obj("data")?;
    let before = must::<ShippingPolicy>(tx, &id, Entity::ShippingPolicy)?.clone();
    let mut doc = before.clone();
    apply_data(tx, &mut doc, &data)?;
    let changed = doc != before;
    if changed {
        doc.modified_at = req.now_s();
        tx.put(doc);
    }
    Ok(json!({ "is_modified": yn(changed) }))
}

/// `deleteShippingCostPolicy(policy_id)`.
pub fn delete_shipping_cost_policy(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("policy_id")?;
    must::<ShippingPolicy>(tx, &id, Entity::ShippingPolicy)?;
    tx.delete::<ShippingPolicy>(&id);
    Ok(json!({ "is_deleted": "Y" }))
}

//! The upgrades toolset: upgrade paths between products and buying an upgrade.

use serde_json::{Value, json};

use crate::backend::billing::{self, DerivedOrder};
use crate::backend::products::product_name;
use crate::documents::{BillingType, Document, PaymentPlan, Product, Purchase, Upgrade};
use crate::error::{ApiError, Entity, ErrorKind};
use crate::ids::{Rng, token};
use crate::money::money;
use crate::params::scalar;
use crate::request::{Req, check_len, must, yn};
use crate::store::Tx;

const FIRST_ID: i64 = 7922;

fn product_list(tx: &Tx<'_>, req: &Req<'_>, name: &str) -> Result<String, ApiError> {
    let ids = req.p.list_str(name);
    for id in &ids {
        must::<Product>(tx, id, Entity::Product)?;
    }
    Ok(ids.join(","))
}

/// `createUpgrade(name, to_product_id, upgrade_from, downgrade_from, special_offer_for,
/// fallback_product_id, is_active, buyer_readonly_keys)`: flat parameters.
pub fn create_upgrade(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let name = req.p.str("name")?;
    check_len("name", &name, 63)?;
    let to = req.p.str("to_product_id")?;
    must::<Product>(tx, &to, Entity::Product)?;
    let upgrade_from = product_list(tx, req, "upgrade_from")?;
    let downgrade_from = product_list(tx, req, "downgrade_from")?;
    let special = product_list(tx, req, "special_offer_for")?;
    let fallback = req.p.opt_str("fallback_product_id").unwrap_or_default();
    if !fallback.is_empty() {
        must::<Product>(tx, &fallback, Entity::Product)?;
    }
    let active = req.p.bool_or("is_active", true)?;
    let keys = req
        .p
        .opt_enum(
            "buyer_readonly_keys",
            &["none", "email", "email_and_name", "all"],
        )?
        .unwrap_or_else(|| "none".into());
    let id = tx.next_id(Upgrade::KIND, FIRST_ID).to_string();
    let mut rng = Rng::new(tx.random());
    tx.put(Upgrade {
        id: id.clone(),
        name,
        to_product_id: to,
        fallback_product_id: fallback,
        is_active: active,
        authkey: token(&mut rng, 12),
        buyer_readonly_keys: keys,
        upgrade_from,
        downgrade_from,
        special_offer_for: special,
        created_at: req.now_s(),
    });
    Ok(json!({ "upgrade_id": id }))
}

/// `listUpgrades()`.
pub fn list_upgrades(tx: &mut Tx<'_>, _req: &Req<'_>) -> Result<Value, ApiError> {
    let rows: Vec<Value> = tx.all::<Upgrade>().map(|u| u.render("")).collect();
    Ok(json!({ "upgrades": rows }))
}

/// `getUpgrade(upgrade_id, order_ids)`: with order ids, `check` says whether they can upgrade.
pub fn get_upgrade(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("upgrade_id")?;
    let doc = must::<Upgrade>(tx, &id, Entity::Upgrade)?.clone();
    let orders = req.p.list_str("order_ids");
    let types = doc.types();
    let mut possible = None;
    let mut one_click = false;
    for o in &orders {
        let p = must::<Purchase>(tx, o, Entity::Purchase)?;
        if let Some(t) = types.get(&p.product_id).and_then(Value::as_str) {
            possible = Some(t.to_string());
            one_click = p.is_rebilling_capable && doc.is_active;
        }
    }
    let mut item = doc.render(&orders.join(","));
    if let Value::Object(m) = &mut item {
        m.insert(
            "to_product_name".into(),
            json!(product_name(tx, &doc.to_product_id)),
        );
    }
    Ok(json!({
        "item": item,
        "check": {
            "is_upgrade_possible": yn(possible.is_some() && doc.is_active),
            "is_one_click_payment_possible": yn(one_click),
            "possible_upgrade_type": possible.unwrap_or_default(),
        },
    }))
}

/// `createUpgradePurchase(purchase_ids, upgrade_id, payment_plan_id, quantities)`: buys the
/// upgrade with the stored payment data and ends the upgraded orders.
pub fn create_upgrade_purchase(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let ids = req.p.list_str("purchase_ids");
    if ids.is_empty() {
        return Err(ApiError::missing("purchase_ids"));
    }
    let upgrade_id = req.p.str("upgrade_id")?;
    let up = must::<Upgrade>(tx, &upgrade_id, Entity::Upgrade)?.clone();
    if !billing::enabled(tx) {
        return Err(ApiError::new(
            ErrorKind::Permission,
            "Zugriff verweigert: Das Recht 'Billing on demand' ist nicht freigeschaltet.",
            "Access denied: the 'Billing on demand' right is not enabled.",
        ));
    }
    let types = up.types();
    let mut olds = Vec::new();
    let mut upgrade_type = String::new();
    for id in &ids {
        let p = must::<Purchase>(tx, id, Entity::Purchase)?.clone();
        let Some(t) = types.get(&p.product_id).and_then(Value::as_str) else {
            return Err(ApiError::refused(
                format!("Die Bestellung {id} kann mit diesem Upgrade nicht umgestellt werden."),
                format!("Order {id} cannot be switched with this upgrade."),
            ));
        };
        upgrade_type = t.to_string();
        olds.push(p);
    }
    if !up.is_active {
        return Err(ApiError::refused(
            "Das Upgrade ist nicht aktiv.",
            "The upgrade is not active.",
        ));
    }
    let to = up.to_product_id.clone();
    let to_product = must::<Product>(tx, &to, Entity::Product)?.clone();
    let plan = match req.p.opt_str("payment_plan_id") {
        Some(pp) => {
            let plan = must::<PaymentPlan>(tx, &pp, Entity::PaymentPlan)?.clone();
            if plan.product_id != to {
                return Err(ApiError::invalid(
                    "payment_plan_id",
                    "der Zahlungsplan gehört nicht zum Zielprodukt.",
                    "the payment plan does not belong to the target product.",
                ));
            }
            Some(plan)
        }
        None => billing::default_plan(tx, &to).cloned(),
    };
    let quantity = match req.p.opt_obj("quantities")? {
        Some(q) => q
            .entries()
            .filter_map(|(_, v)| scalar(v)?.parse::<i64>().ok())
            .max()
            .unwrap_or(1)
            .max(1),
        None => 1,
    };
    let (first, other, installments, interval, currency) = match &plan {
        Some(p) => (
            p.first_amount.cents(),
            p.other_amounts.cents(),
            p.number_of_installments,
            p.first_billing_interval.clone(),
            p.currency.clone(),
        ),
        None => (2700, 0, 1, String::new(), to_product.currency.clone()),
    };
    // Credit for the unused part of running subscriptions: half a period's price.
    let credit: i64 = olds
        .iter()
        .filter(|p| p.rebilling_active)
        .map(|p| p.other_amounts.cents() / 2)
        .sum();
    let pay = (first * quantity - credit).max(0);
    let billing_type = BillingType::of_installments(installments);
    let new_id = billing::derive_purchase(
        tx,
        req.now,
        DerivedOrder {
            reference: &olds[0],
            product_id: &to,
            first: pay,
            other: other * quantity,
            currency: &currency,
            billing_type,
            installments,
            interval: &interval,
            quantity,
            tracking_custom: None,
        },
    );
    billing::end_upgraded(tx, &olds, &new_id, req.now);
    let np = tx.get::<Purchase>(&new_id);
    let status = np.map(|p| p.billing_status.as_str()).unwrap_or_default();
    let next = np
        .and_then(|p| p.next_payment_at.get(..10))
        .unwrap_or("")
        .to_string();
    Ok(json!({
        "new_purchase": {
            "id": new_id,
            "billing_status": status,
            "paid_amount": money(pay),
            "next_payment_at": next,
            "next_amount": if billing_type == BillingType::SinglePayment { money(0) } else { money(other * quantity) },
            "currency": currency,
        },
        "upgrade_info": {
            "upgrade_type": upgrade_type,
            "upgrade_amount_left": money(0),
            "upgrade_amount_total": money(credit),
            "upgraded_purchase_id": ids.join(","),
        },
    }))
}

/// `deleteUpgrade(upgrade_id)`.
pub fn delete_upgrade(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("upgrade_id")?;
    must::<Upgrade>(tx, &id, Entity::Upgrade)?;
    tx.delete::<Upgrade>(&id);
    Ok(json!({ "is_deleted": "Y" }))
}

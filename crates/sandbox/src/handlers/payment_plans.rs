//! The payment_plans toolset: how a product is paid (single, subscription, installments).

use serde_json::{Value, json};

use crate::backend::products::{next_plan_id, plans_of};
use crate::documents::{NewPlan, PaymentPlan, Product, wire};
use crate::error::{ApiError, Entity};
use crate::money::Money;
use crate::params::View;
use crate::request::{Req, check_currency, check_interval, must, yn};
use crate::store::Tx;
use crate::time;

const CANCEL_POLICIES: &[&str] = &[
    "6m_0", "6m_6m", "6m_12m", "12m_0", "12m_3m", "12m_6m", "12m_12m", "24m_0", "24m_6m", "24m_12m",
];

fn apply_data(doc: &mut PaymentPlan, data: &View<'_>) -> Result<(), ApiError> {
    for (f, slot) in [
        ("first_amount", &mut doc.first_amount),
        ("other_amounts", &mut doc.other_amounts),
    ] {
        if let Some(a) = data.opt_money(f)? {
            *slot = Money(crate::request::check_not_negative(&data.path(f), a)?);
        }
    }
    if let Some(c) = data.opt_str("currency") {
        doc.currency = check_currency(&data.path("currency"), &c)?;
    }
    for (f, slot) in [
        ("first_billing_interval", &mut doc.first_billing_interval),
        ("other_billing_intervals", &mut doc.other_billing_intervals),
    ] {
        if let Some(i) = data.opt_str(f) {
            check_interval(&data.path(f), &i)?;
            *slot = i;
        }
    }
    if data.has("number_of_installments") {
        doc.number_of_installments = data.int_in("number_of_installments", 0, 0, 120)?;
    }
    if let Some(b) = data.opt_bool("is_active")? {
        doc.is_active = b;
    }
    if let Some(b) = data.opt_bool("is_switching_allowed")? {
        doc.is_switching_allowed = b;
    }
    if let Some(c) = data.opt_enum("cancel_policy", CANCEL_POLICIES)? {
        doc.cancel_policy = c;
    }
    if data.has("position") {
        doc.position = data.int_in("position", 1, 0, 1_000)?;
    }
    Ok(())
}

fn is_valid(doc: &PaymentPlan) -> bool {
    let recurring = doc.number_of_installments != 1;
    let has_interval = time::parse_interval(&doc.first_billing_interval).is_some()
        || time::parse_interval(&doc.other_billing_intervals).is_some();
    doc.first_amount.cents() > 0 && (!recurring || has_interval)
}

/// `createPaymentplan(product_id, data)`.
pub fn create_paymentplan(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let product_id = req.p.str("product_id")?;
    let data = req.p.obj("data")?;
    let currency = must::<Product>(tx, &product_id, Entity::Product)?.main_currency();
    data.money("first_amount")?;
    let position = plans_of(tx, &product_id).count() as i64 + 1;
    let id = next_plan_id(tx);
    let now = req.now_s();
    let mut doc = PaymentPlan::new(&NewPlan {
        id: &id,
        product_id: &product_id,
        first: 0,
        other: 0,
        currency: &currency,
        installments: 1,
        interval: "",
        position,
        at: &now,
    });
    apply_data(&mut doc, &data)?;
    if !data.has("other_amounts") && doc.number_of_installments != 1 {
        doc.other_amounts = doc.first_amount;
    }
    if doc.other_billing_intervals.is_empty() {
        doc.other_billing_intervals = doc.first_billing_interval.clone();
    }
    let valid = is_valid(&doc);
    tx.put(doc);
    Ok(json!({ "paymentplan_id": id, "is_valid": yn(valid) }))
}

/// `listPaymentPlans(product_id)`: a bare array, as documented.
pub fn list_payment_plans(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let product_id = req.p.str("product_id")?;
    must::<Product>(tx, &product_id, Entity::Product)?;
    let mut rows: Vec<&PaymentPlan> = plans_of(tx, &product_id).collect();
    rows.sort_by_key(|p| p.position);
    Ok(Value::Array(rows.into_iter().map(wire).collect()))
}

/// `updatePaymentplan(paymentplan_id, data)`.
pub fn update_paymentplan(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("paymentplan_id")?;
    let data = req.p.obj("data")?;
    let before = must::<PaymentPlan>(tx, &id, Entity::PaymentPlan)?.clone();
    let mut doc = before.clone();
    apply_data(&mut doc, &data)?;
    let changed = doc != before;
    if changed {
        doc.modified_at = req.now_s();
        tx.put(doc);
    }
    Ok(json!({ "is_modified": yn(changed) }))
}

/// `deletePaymentplan(paymentplan_id)`.
pub fn delete_paymentplan(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("paymentplan_id")?;
    must::<PaymentPlan>(tx, &id, Entity::PaymentPlan)?;
    tx.delete::<PaymentPlan>(&id);
    Ok(json!({ "is_deleted": "Y" }))
}

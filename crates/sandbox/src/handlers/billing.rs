//! The billing toolset: billing on demand and add-on changes of running subscriptions.

use serde_json::{Value, json};

use crate::backend::billing::{self, DerivedOrder, require_billing_on_demand};
use crate::backend::products::plans_of;
use crate::documents::{AddonLine, BillingType, Product, Purchase};
use crate::error::{ApiError, Entity};
use crate::money::{Money, money};
use crate::request::{Req, check_currency, must};
use crate::store::Tx;

/// `createBillingOnDemand(purchase_id, product_id, payment_plan, tracking, placeholders,
/// settings, addons)`: at most 1 charge per minute and 10 per day per reference order.
pub fn create_billing_on_demand(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    require_billing_on_demand(tx)?;
    let ref_id = req.p.str("purchase_id")?;
    let product_id = req.p.str("product_id")?;
    let reference = must::<Purchase>(tx, &ref_id, Entity::Purchase)?.clone();
    let product = must::<Product>(tx, &product_id, Entity::Product)?.clone();
    let plan = req.p.opt_obj("payment_plan")?;
    let settings = req.p.opt_obj("settings")?;
    let tracking = req.p.opt_obj("tracking")?;
    if !reference.is_rebilling_capable {
        return Err(ApiError::refused(
            "Die Zahlungsart der Bestellung erlaubt keine Belastung auf Abruf.",
            "The order's payment method cannot be charged on demand.",
        ));
    }
    billing::check_charge_limits(tx, &ref_id, req.now)?;
    let fallback_first =
        billing::default_plan(tx, &product_id).map_or(2700, |p| p.first_amount.cents());
    let (mut first, mut other, mut installments, mut interval) =
        (fallback_first, 0, 1, String::new());
    let mut currency = product.main_currency();
    if let Some(pl) = &plan {
        if let Some(a) = pl.opt_money("first_amount")? {
            first = a;
        }
        if let Some(a) = pl.opt_money("other_amounts")? {
            other = a;
        }
        if let Some(c) = pl.opt_str("currency") {
            currency = check_currency(&pl.path("currency"), &c)?;
        }
        if pl.has("number_of_installments") {
            installments = pl.int_in("number_of_installments", 1, 0, 120)?;
        }
        if let Some(i) = pl.opt_str("first_billing_interval") {
            interval = i;
        }
    }
    if first <= 0 {
        return Err(ApiError::not_positive("payment_plan[first_amount]"));
    }
    let quantity = match &settings {
        Some(s) => s.int_in("quantity", 1, 1, 1000)?,
        None => 1,
    };
    let billing_type = if installments == 1 || other == 0 {
        BillingType::SinglePayment
    } else if installments == 0 {
        BillingType::Subscription
    } else {
        BillingType::Installment
    };
    if billing_type != BillingType::SinglePayment && interval.is_empty() {
        interval = "1_month".into();
    }
    let new_id = billing::derive_purchase(
        tx,
        req.now,
        DerivedOrder {
            reference: &reference,
            product_id: &product_id,
            first: first * quantity,
            other: other * quantity,
            currency: &currency,
            billing_type,
            installments,
            interval: &interval,
            quantity,
            tracking_custom: tracking.as_ref().and_then(|t| t.opt_str("custom")),
        },
    );
    let mut status = "";
    if let Some(p) = tx.get_mut::<Purchase>(&new_id) {
        p.billing_on_demand = true;
        status = p.billing_status.as_str();
    }
    Ok(json!({
        "created_purchase_id": new_id,
        "payment_status": "completed",
        "payment_status_msg": req.label("payment_status", "completed"),
        "billing_status": status,
        "billing_status_msg": req.label("billing_status", status),
        "paid_amount": money(first * quantity),
        "currency": currency,
        "pay_url": "",
    }))
}

/// `createAddonChangePurchase(purchase_id, addons, tracking, placeholders)`: replaces a running
/// subscription by one with the given add-ons.
pub fn create_addon_change_purchase(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    require_billing_on_demand(tx)?;
    let ref_id = req.p.str("purchase_id")?;
    let reference = must::<Purchase>(tx, &ref_id, Entity::Purchase)?.clone();
    let addons = req.p.list_obj("addons")?;
    if addons.is_empty() {
        return Err(ApiError::missing("addons"));
    }
    if reference.billing_type != BillingType::Subscription || !reference.rebilling_active {
        return Err(ApiError::refused(
            "Add-ons können nur zu einem laufenden Abonnement hinzugefügt werden.",
            "Add-ons can only be added to a running subscription.",
        ));
    }
    let mut extra = 0;
    let mut list = Vec::new();
    for a in &addons {
        let pid = a.str("product_id")?;
        let prod = must::<Product>(tx, &pid, Entity::Product)?;
        let plan_amount = plans_of(tx, &pid)
            .next()
            .map_or(0, |p| p.other_amounts.max(p.first_amount).cents());
        let amount = match a.opt_money("amount")? {
            Some(x) => x,
            None => a.opt_money("first_amount")?.unwrap_or(plan_amount),
        };
        let qty = a.int_in("quantity", 1, 1, 1000)?;
        extra += amount * qty;
        list.push(AddonLine {
            product_id: pid.clone(),
            product_name: prod.display_name(),
            amount: Money(amount),
            quantity: qty,
        });
    }
    let other = reference.other_amounts.cents() + extra;
    let custom = req.p.opt_obj("tracking")?.and_then(|t| t.opt_str("custom"));
    let new_id = billing::derive_purchase(
        tx,
        req.now,
        DerivedOrder {
            reference: &reference,
            product_id: &reference.product_id,
            first: extra,
            other,
            currency: &reference.currency,
            billing_type: BillingType::Subscription,
            installments: 0,
            interval: &reference.other_billing_intervals,
            quantity: reference.quantity.max(1),
            tracking_custom: custom,
        },
    );
    if let Some(p) = tx.get_mut::<Purchase>(&new_id) {
        p.addons = list;
    }
    billing::replace_subscription(tx, &ref_id, &new_id, req.now);
    Ok(json!({
        "created_purchase_id": new_id,
        "payment_status": "completed",
        "payment_status_msg": req.label("payment_status", "completed"),
        "billing_status": "paying",
        "billing_status_msg": req.label("billing_status", "paying"),
        "pay_url": "",
    }))
}

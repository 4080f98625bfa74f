//! Transactions and recurring billing: listTransactions, transaction refunds, rebilling
//! start/stop/charge, billing on demand, add-on changes, rebilling status changes, fraud reports.

use std::collections::HashMap;

use chrono::Duration;
use serde_json::{Map, Value, json};

use super::purchases::{Search, sort_desc, window};
use super::{Req, must, paginate, yn};
use crate::error::{ApiError, Entity, Lang};
use crate::ledger;
use crate::model::{self, cents, int, kind, s, set, sr};
use crate::params::money;
use crate::seed::order_code;
use crate::store::Tx;
use crate::time;

/// Records a rebilling status change (`rebill_cancelled`, `rebill_resumed`, `last_paid_day`).
pub fn record_rebill_change(tx: &mut Tx<'_>, purchase_id: &str, at: &str, seq: i64, ty: &str) {
    let id = tx.next_id(kind::REBILL_CHANGE, 88_000).to_string();
    tx.put(
        kind::REBILL_CHANGE,
        &id,
        json!({
            "id": id, "purchase_id": purchase_id, "created_at": at,
            "pay_sequence_no": seq.to_string(), "type": ty,
        }),
    );
}

/// One listTransactions row.
fn transaction_row(
    tx: &Tx<'_>,
    req: &Req<'_>,
    names: &HashMap<&str, String>,
    t: &Value,
    p: Option<&Value>,
) -> Value {
    let ty = sr(t, "type");
    let mut row = Map::new();
    let mut put = |k: &str, v: Value| {
        row.insert(k.to_string(), v);
    };
    put("id", json!(s(t, "id")));
    put("purchase_id", json!(s(t, "purchase_id")));
    put("amount", json!(s(t, "amount")));
    put("vat_amount", json!(s(t, "vat_amount")));
    put("earned_amount", json!(s(t, "vendor_amount")));
    put("affiliate_amount", json!(s(t, "affiliate_amount")));
    put("currency", json!(s(t, "currency")));
    put("transaction_type", json!(ty));
    put(
        "transaction_type_msg",
        json!(req.label("transaction_type", ty)),
    );
    put("created_at", json!(s(t, "created_at")));
    put("pay_method", json!(s(t, "pay_method")));
    put(
        "pay_method_msg",
        json!(req.label("pay_method", sr(t, "pay_method"))),
    );
    put("pay_sequence_no", json!(s(t, "pay_sequence_no")));
    put("product_id", json!(s(t, "product_id")));
    put(
        "product_name",
        json!(names.get(sr(t, "product_id")).cloned().unwrap_or_default()),
    );
    put(
        "billing_type",
        json!(p.map(|p| s(p, "billing_type")).unwrap_or_default()),
    );
    put(
        "affiliate_name",
        json!(p.map(|p| s(p, "affiliate_name")).unwrap_or_default()),
    );
    put("order_type", json!(s(t, "order_type")));
    let buyer = tx.get(kind::BUYER, sr(t, "buyer_id"));
    let b = |f: &str| buyer.map(|b| s(b, f)).unwrap_or_default();
    put(
        "buyer",
        json!({
            "id": s(t, "buyer_id"), "email": b("email"),
            "first_name": b("first_name"), "last_name": b("last_name"),
        }),
    );
    Value::Object(row)
}

/// `listTransactions(from, to, search, sort_by, sort_order, page_no, page_size)`.
pub fn list_transactions(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let (from, to) = window(req)?;
    let search = Search::parse(req)?;
    let sort_by = req
        .p
        .opt_enum("sort_by", &["date", "earning", "amount"])?
        .unwrap_or_else(|| "date".into());
    let desc = sort_desc(req)?;
    let mut rows: Vec<(&Value, Option<&Value>)> = tx
        .all(kind::TRANSACTION)
        .map(|(_, t)| t)
        .filter(|t| {
            let at = sr(t, "created_at");
            at >= from.as_str() && at <= to.as_str()
        })
        .filter(|t| {
            search
                .transaction_types
                .as_ref()
                .is_none_or(|types| types.iter().any(|x| x == sr(t, "type")))
        })
        .map(|t| (t, tx.get(kind::PURCHASE, sr(t, "purchase_id"))))
        .filter(|(_, p)| p.is_some_and(|p| search.matches(tx, p)))
        .collect();
    match sort_by.as_str() {
        "earning" => rows.sort_by_key(|(t, _)| (cents(t, "vendor_amount"), int(t, "id"))),
        "amount" => rows.sort_by_key(|(t, _)| (cents(t, "amount"), int(t, "id"))),
        _ => rows.sort_by(|a, b| {
            sr(a.0, "created_at")
                .cmp(sr(b.0, "created_at"))
                .then_with(|| int(a.0, "id").cmp(&int(b.0, "id")))
        }),
    }
    if desc {
        rows.reverse();
    }
    // Summary over every matching row, not just this page.
    let mut amounts: Map<String, Value> = Map::new();
    let mut per_currency: std::collections::BTreeMap<String, (i64, i64, i64, i64)> =
        Default::default();
    for (t, _) in &rows {
        let e = per_currency.entry(s(t, "currency")).or_default();
        e.0 += 1;
        e.1 += cents(t, "amount");
        e.2 += cents(t, "vat_amount");
        e.3 += cents(t, "vendor_amount");
    }
    for (cur, (n, total, vat, earned)) in per_currency {
        amounts.insert(
            cur,
            json!({
                "count": n.to_string(), "total_amount": money(total),
                "vat_amount": money(vat), "earned_amount": money(earned),
            }),
        );
    }
    let count = rows.len();
    let (page_rows, page) = paginate(&req.p, rows, 500, 1000)?;
    let names = super::purchases::product_names(tx);
    let list: Vec<Value> = page_rows
        .into_iter()
        .map(|(t, p)| transaction_row(tx, req, &names, t, p))
        .collect();
    let mut out = Map::new();
    out.insert("from".into(), json!(from));
    out.insert("to".into(), json!(to));
    page.write(&mut out);
    out.insert(
        "summary".into(),
        json!({ "count": count.to_string(), "amounts": amounts }),
    );
    out.insert("transaction_list".into(), Value::Array(list));
    Ok(Value::Object(out))
}

/// `refundTransaction(transaction_id, force, request_date)`.
pub fn refund_transaction(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("transaction_id")?;
    let force = req.p.bool_or("force", false)?;
    let t = must(tx, kind::TRANSACTION, &id, Entity::Transaction)?.clone();
    let purchase_id = s(&t, "purchase_id");
    let base = |status: &str, modified: bool, note: String, reason: &str| {
        json!({
            "status": status, "modified": yn(modified), "note": note,
            "pending_reason": "", "pending_reason_msg": "", "pending_until": "",
            "action_url": "", "error_reason": reason,
            "processed_at": if modified { req.now_s() } else { String::new() },
        })
    };
    if sr(&t, "type") != "payment" {
        return Ok(base(
            "error",
            false,
            req.msg(
                "Nur Zahlungen können erstattet werden.",
                "Only payments can be refunded.",
            ),
            "unknown",
        ));
    }
    let left = ledger::refundable(&t);
    if left == 0 {
        return Ok(base(
            "error",
            false,
            req.msg(
                "Die Zahlung wurde bereits erstattet.",
                "The payment has already been refunded.",
            ),
            "refund_completed",
        ));
    }
    if !force && super::purchases::refund_period_over(req, &t)? {
        return Ok(super::purchases::refused_period(req));
    }
    let refund_id = ledger::book_reversal(tx, &id, "refund", left, req.now).unwrap_or_default();
    let any_left = ledger::purchase_transactions(tx, &purchase_id)
        .iter()
        .any(|x| ledger::refundable(x) > 0);
    if !any_left {
        super::purchases::abort_after_refund(tx, &purchase_id, &req.now_s());
    }
    let mut out = base(
        "completed",
        true,
        req.msg(
            "Die Zahlung wurde erstattet.",
            "The payment has been refunded.",
        ),
        "",
    );
    set(&mut out, "refund_transaction_id", refund_id);
    set(&mut out, "refunded_amount", money(left));
    Ok(out)
}

fn rebilling_state(req: &Req<'_>, p: &Value) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("billing_status".into(), json!(s(p, "billing_status")));
    m.insert(
        "billing_status_msg".into(),
        json!(req.label("billing_status", sr(p, "billing_status"))),
    );
    m.insert("next_payment_at".into(), json!(s(p, "next_payment_at")));
    m.insert("rebilling_active".into(), json!(s(p, "rebilling_active")));
    m
}

/// `stopRebilling(purchase_id, force, ignore_refund_possibility)`.
pub fn stop_rebilling(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("purchase_id")?;
    let force = req.p.bool_or("force", false)?;
    req.p.opt_bool("ignore_refund_possibility")?;
    let p = must(tx, kind::PURCHASE, &id, Entity::Purchase)?.clone();
    let unchanged = |note: String, p: &Value| {
        let mut m = rebilling_state(req, p);
        m.insert("modified".into(), json!("N"));
        m.insert("note".into(), json!(note));
        m.insert("code".into(), json!(""));
        m.insert("is_cancelled_now".into(), json!("N"));
        m.insert("is_cancelled_later".into(), json!("N"));
        m.insert("can_cancel_before".into(), json!(""));
        Value::Object(m)
    };
    if s(&p, "billing_type") == "single_payment" {
        return Ok(unchanged(
            req.msg(
                "Diese Bestellung hat keine wiederkehrenden Zahlungen.",
                "This order has no recurring payments.",
            ),
            &p,
        ));
    }
    if s(&p, "rebilling_active") != "Y" {
        return Ok(unchanged(
            req.msg(
                "Die Zahlungen sind bereits gestoppt.",
                "The payments have already been stopped.",
            ),
            &p,
        ));
    }
    let plan_policy = tx
        .get(kind::PAYMENT_PLAN, sr(&p, "paymentplan_id"))
        .map(|pl| s(pl, "cancel_policy"))
        .unwrap_or_default();
    let later = !force && !plan_policy.is_empty();
    let mut doc = p.clone();
    let seq = int(&p, "pay_sequence_no");
    if later {
        set(&mut doc, "rebilling_active", "N");
        set(&mut doc, "cancel_at", s(&p, "next_payment_at"));
    } else {
        set(&mut doc, "rebilling_active", "N");
        set(&mut doc, "billing_status", "aborted");
        set(&mut doc, "next_payment_at", "");
    }
    tx.put(kind::PURCHASE, &id, doc.clone());
    record_rebill_change(tx, &id, &req.now_s(), seq, "rebill_cancelled");
    let mut m = rebilling_state(req, &doc);
    m.insert("modified".into(), json!("Y"));
    m.insert(
        "note".into(),
        json!(req.msg(
            "Die Zahlungen wurden gestoppt.",
            "The payments have been stopped."
        )),
    );
    m.insert(
        "code".into(),
        json!(if later {
            "stopped_later"
        } else {
            "stopped_now"
        }),
    );
    m.insert("is_cancelled_now".into(), yn(!later));
    m.insert("is_cancelled_later".into(), yn(later));
    m.insert(
        "can_cancel_before".into(),
        json!(if later {
            s(&p, "next_payment_at").get(..10).unwrap_or("").to_string()
        } else {
            String::new()
        }),
    );
    Ok(Value::Object(m))
}

fn interval_of(p: &Value) -> (u32, char) {
    time::parse_interval(sr(p, "other_billing_intervals"))
        .or_else(|| time::parse_interval(sr(p, "first_billing_interval")))
        .unwrap_or((1, 'M'))
}

/// `startRebilling(purchase_id)`.
pub fn start_rebilling(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("purchase_id")?;
    let p = must(tx, kind::PURCHASE, &id, Entity::Purchase)?.clone();
    let txns = ledger::purchase_transactions(tx, &id);
    let reversed = txns
        .iter()
        .any(|t| matches!(sr(t, "type"), "refund" | "chargeback"));
    let installments = int(&p, "number_of_installments");
    let paid = int(&p, "pay_sequence_no");
    let unchanged = |note: String| {
        let mut m = rebilling_state(req, &p);
        m.insert("modified".into(), json!("N"));
        m.insert("note".into(), json!(note));
        Value::Object(m)
    };
    if s(&p, "billing_type") == "single_payment"
        || (s(&p, "billing_type") == "installment" && paid >= installments)
    {
        return Ok(unchanged(req.msg(
            "Für diese Bestellung stehen keine weiteren Zahlungen aus.",
            "No further payments are due for this order.",
        )));
    }
    if s(&p, "rebilling_active") == "Y" {
        return Ok(unchanged(req.msg(
            "Die Zahlungen laufen bereits.",
            "The payments are already running.",
        )));
    }
    if reversed {
        return Err(ApiError::refused(
            "Eine erstattete oder zurückgebuchte Bestellung kann nicht fortgesetzt werden.",
            "A refunded or charged-back order cannot be resumed.",
        ));
    }
    let last = time::parse_stored(sr(&p, "last_payment_at")).unwrap_or(req.now);
    let mut next = time::add_interval(last, interval_of(&p));
    if next < req.now {
        next = req.now + Duration::days(1);
    }
    let mut doc = p.clone();
    set(&mut doc, "rebilling_active", "Y");
    set(&mut doc, "billing_status", "paying");
    set(&mut doc, "next_payment_at", time::fmt(next));
    if let Value::Object(m) = &mut doc {
        m.remove("cancel_at");
    }
    tx.put(kind::PURCHASE, &id, doc.clone());
    record_rebill_change(tx, &id, &req.now_s(), paid, "rebill_resumed");
    let mut m = Map::new();
    m.insert("modified".into(), json!("Y"));
    m.insert(
        "note".into(),
        json!(req.msg(
            "Die Zahlungen wurden wieder aufgenommen.",
            "The payments have been resumed."
        )),
    );
    m.extend(rebilling_state(req, &doc));
    Ok(Value::Object(m))
}

fn require_billing_on_demand(tx: &Tx<'_>) -> Result<(), ApiError> {
    let enabled = tx
        .get(kind::ACCOUNT, model::ACCOUNT_ID)
        .is_some_and(|a| sr(a, "billing_on_demand") == "Y");
    if enabled {
        Ok(())
    } else {
        Err(ApiError::new(
            crate::error::ErrorKind::Permission,
            "Zugriff verweigert: Das Recht 'Billing on demand' ist für dieses Konto nicht freigeschaltet.",
            "Access denied: the 'Billing on demand' right is not enabled for this account.",
        ))
    }
}

/// `createRebillingPayment(purchase_id)`: charges the next rebilling payment now.
pub fn create_rebilling_payment(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    require_billing_on_demand(tx)?;
    let id = req.p.str("purchase_id")?;
    let p = must(tx, kind::PURCHASE, &id, Entity::Purchase)?.clone();
    if s(&p, "billing_type") == "single_payment" || s(&p, "rebilling_active") != "Y" {
        return Err(ApiError::refused(
            "Für diese Bestellung laufen keine wiederkehrenden Zahlungen.",
            "This order has no active recurring payments.",
        ));
    }
    let update_url = format!(
        "https://www.digistore24.com/payment/update/{id}/{}",
        sr(&p, "auth_key")
    );
    if s(&p, "is_rebilling_capable") == "N" {
        return Ok(json!({
            "purchase_id": id, "payment_status": "refused",
            "payment_message": req.msg(
                "Die Zahlungsart erlaubt keine automatische Belastung.",
                "The payment method cannot be charged automatically.",
            ),
            "billing_status": "payment_data_update_required",
            "payment_data_update_url": update_url,
        }));
    }
    let amount = match cents(&p, "other_amounts") {
        0 => cents(&p, "amount"),
        other => other,
    };
    ledger::book_payment(tx, &id, amount, req.now);
    let doc = tx
        .get(kind::PURCHASE, &id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(Entity::Purchase, &id))?;
    let paid = int(&doc, "pay_sequence_no");
    let installments = int(&doc, "number_of_installments");
    let mut doc2 = doc.clone();
    if s(&doc, "billing_type") == "installment" && paid >= installments {
        set(&mut doc2, "billing_status", "completed");
        set(&mut doc2, "rebilling_active", "N");
        set(&mut doc2, "next_payment_at", "");
    } else {
        set(&mut doc2, "billing_status", "paying");
        let next = time::add_interval(req.now, interval_of(&doc));
        set(&mut doc2, "next_payment_at", time::fmt(next));
    }
    let status = s(&doc2, "billing_status");
    tx.put(kind::PURCHASE, &id, doc2);
    Ok(json!({
        "purchase_id": id,
        "payment_status": "completed",
        "payment_message": "",
        "billing_status": status,
        "paid_amount": money(amount),
        "currency": s(&p, "currency"),
        "payment_data_update_url": update_url,
    }))
}

/// Creates a new purchase derived from `reference` (billing on demand, add-on changes,
/// upgrades). Returns the new order id.
#[allow(clippy::too_many_arguments)]
pub fn derive_purchase(
    tx: &mut Tx<'_>,
    req: &Req<'_>,
    reference: &Value,
    product_id: &str,
    first: i64,
    other: i64,
    currency: &str,
    billing_type: &str,
    installments: i64,
    interval: &str,
    quantity: i64,
    tracking_custom: Option<String>,
) -> String {
    let mut id = order_code(tx.random());
    while tx.exists(kind::PURCHASE, &id) {
        id = order_code(tx.random());
    }
    let mut doc = reference.clone();
    let recurring = billing_type != "single_payment";
    let next = if recurring {
        time::parse_interval(interval)
            .map(|iv| time::fmt(time::add_interval(req.now, iv)))
            .unwrap_or_default()
    } else {
        String::new()
    };
    let auth = crate::seed::code(tx.random(), 8);
    for (k, v) in [
        ("id", json!(id)),
        ("created_at", json!(req.now_s())),
        ("product_id", json!(product_id)),
        ("paymentplan_id", json!("")),
        ("quantity", json!(quantity.to_string())),
        ("amount", json!(money(first))),
        ("other_amounts", json!(money(other))),
        ("currency", json!(currency)),
        ("number_of_installments", json!(installments.to_string())),
        ("billing_type", json!(billing_type)),
        (
            "billing_status",
            json!(if recurring { "paying" } else { "completed" }),
        ),
        ("first_billing_interval", json!(interval)),
        ("other_billing_intervals", json!(interval)),
        ("next_payment_at", json!(next)),
        ("rebilling_active", json!(model::yn(recurring))),
        ("pay_sequence_no", json!("0")),
        ("last_payment_at", json!("")),
        ("license_key", json!("")),
        ("balance", json!("0.00")),
        ("custom", json!("")),
        ("auth_key", json!(auth)),
        ("reference_purchase_id", json!(s(reference, "id"))),
        ("has_custom_forms", json!("N")),
        ("has_etickets", json!("N")),
    ] {
        set(&mut doc, k, v);
    }
    if let Some(c) = tracking_custom
        && let Some(tr) = doc.get_mut("tracking")
    {
        set(tr, "custom", c);
    }
    tx.put(kind::PURCHASE, &id, doc);
    if first > 0 {
        ledger::book_payment(tx, &id, first, req.now);
    }
    id
}

/// `createBillingOnDemand(purchase_id, product_id, payment_plan, tracking, placeholders,
/// settings, addons)`: at most 1 charge per minute and 10 per day per reference order.
pub fn create_billing_on_demand(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    require_billing_on_demand(tx)?;
    let ref_id = req.p.str("purchase_id")?;
    let product_id = req.p.str("product_id")?;
    let reference = must(tx, kind::PURCHASE, &ref_id, Entity::Purchase)?.clone();
    let product = must(tx, kind::PRODUCT, &product_id, Entity::Product)?.clone();
    let plan = req.p.opt_obj("payment_plan")?;
    let settings = req.p.opt_obj("settings")?;
    let tracking = req.p.opt_obj("tracking")?;
    if s(&reference, "is_rebilling_capable") == "N" {
        return Err(ApiError::refused(
            "Die Zahlungsart der Bestellung erlaubt keine Belastung auf Abruf.",
            "The order's payment method cannot be charged on demand.",
        ));
    }
    // Per-reference limits.
    let minute_ago = time::fmt(req.now - Duration::minutes(1));
    let day_ago = time::fmt(req.now - Duration::days(1));
    let mut last_minute = 0;
    let mut last_day = 0;
    for (_, p) in tx.all(kind::PURCHASE) {
        if sr(p, "reference_purchase_id") == ref_id && sr(p, "billing_on_demand") == "Y" {
            let at = sr(p, "created_at");
            if at > minute_ago.as_str() {
                last_minute += 1;
            }
            if at > day_ago.as_str() {
                last_day += 1;
            }
        }
    }
    if last_minute >= 1 {
        return Err(ApiError::new(
            crate::error::ErrorKind::RateLimited,
            format!(
                "Limit erreicht: Für die Bestellung {ref_id} ist höchstens eine Belastung pro Minute erlaubt."
            ),
            format!("Limit reached: at most one charge per minute is allowed for order {ref_id}."),
        ));
    }
    if last_day >= 10 {
        return Err(ApiError::new(
            crate::error::ErrorKind::RateLimited,
            format!(
                "Limit erreicht: Für die Bestellung {ref_id} sind höchstens 10 Belastungen pro Tag erlaubt."
            ),
            format!("Limit reached: at most 10 charges per day are allowed for order {ref_id}."),
        ));
    }
    let default_plan = tx
        .all(kind::PAYMENT_PLAN)
        .map(|(_, p)| p)
        .filter(|p| sr(p, "product_id") == product_id)
        .min_by_key(|p| int(p, "position"))
        .cloned();
    let fallback_first = default_plan
        .as_ref()
        .map_or(2700, |p| cents(p, "first_amount"));
    let (mut first, mut other, mut installments, mut interval) =
        (fallback_first, 0, 1, String::new());
    let mut currency = s(&product, "currency")
        .split(',')
        .next()
        .unwrap_or("EUR")
        .to_string();
    if let Some(pl) = &plan {
        if let Some(a) = pl.opt_money("first_amount")? {
            first = a;
        }
        if let Some(a) = pl.opt_money("other_amounts")? {
            other = a;
        }
        if let Some(c) = pl.opt_str("currency") {
            let c = c.to_uppercase();
            if !crate::reference::is_currency(&c) {
                return Err(ApiError::invalid(
                    &pl.path("currency"),
                    &format!("unbekannte Währung '{c}'."),
                    &format!("unknown currency '{c}'."),
                ));
            }
            currency = c;
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
        "single_payment"
    } else if installments == 0 {
        "subscription"
    } else {
        "installment"
    };
    if billing_type != "single_payment" && interval.is_empty() {
        interval = "1_month".into();
    }
    let custom = tracking.as_ref().and_then(|t| t.opt_str("custom"));
    let new_id = derive_purchase(
        tx,
        req,
        &reference,
        &product_id,
        first * quantity,
        other * quantity,
        &currency,
        billing_type,
        installments,
        &interval,
        quantity,
        custom,
    );
    if let Some(p) = tx.get_mut(kind::PURCHASE, &new_id) {
        set(p, "billing_on_demand", "Y");
    }
    let status = tx
        .get(kind::PURCHASE, &new_id)
        .map(|p| s(p, "billing_status"))
        .unwrap_or_default();
    Ok(json!({
        "created_purchase_id": new_id,
        "payment_status": "completed",
        "payment_status_msg": req.label("payment_status", "completed"),
        "billing_status": status,
        "billing_status_msg": req.label("billing_status", &status),
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
    let reference = must(tx, kind::PURCHASE, &ref_id, Entity::Purchase)?.clone();
    let addons = req.p.list_obj("addons")?;
    if addons.is_empty() {
        return Err(ApiError::missing("addons"));
    }
    if s(&reference, "billing_type") != "subscription" || s(&reference, "rebilling_active") != "Y" {
        return Err(ApiError::refused(
            "Add-ons können nur zu einem laufenden Abonnement hinzugefügt werden.",
            "Add-ons can only be added to a running subscription.",
        ));
    }
    let mut extra = 0;
    let mut list = Vec::new();
    for a in &addons {
        let pid = a.str("product_id")?;
        let prod = must(tx, kind::PRODUCT, &pid, Entity::Product)?;
        let plan_amount = tx
            .all(kind::PAYMENT_PLAN)
            .map(|(_, p)| p)
            .find(|p| sr(p, "product_id") == pid)
            .map_or(0, |p| {
                cents(p, "other_amounts").max(cents(p, "first_amount"))
            });
        let amount = match a.opt_money("amount")? {
            Some(x) => x,
            None => a.opt_money("first_amount")?.unwrap_or(plan_amount),
        };
        let qty = a.int_in("quantity", 1, 1, 1000)?;
        extra += amount * qty;
        list.push(json!({
            "product_id": pid, "product_name": super::products::display_name(prod),
            "amount": money(amount), "quantity": qty.to_string(),
        }));
    }
    let other = cents(&reference, "other_amounts") + extra;
    let custom = req.p.opt_obj("tracking")?.and_then(|t| t.opt_str("custom"));
    let interval = s(&reference, "other_billing_intervals");
    let new_id = derive_purchase(
        tx,
        req,
        &reference,
        &s(&reference, "product_id"),
        extra,
        other,
        &s(&reference, "currency"),
        "subscription",
        0,
        &interval,
        int(&reference, "quantity").max(1),
        custom,
    );
    if let Some(p) = tx.get_mut(kind::PURCHASE, &new_id) {
        set(p, "addons", Value::Array(list));
    }
    // The old subscription is replaced.
    if let Some(old) = tx.get_mut(kind::PURCHASE, &ref_id) {
        set(old, "rebilling_active", "N");
        set(old, "billing_status", "aborted");
        set(old, "next_payment_at", "");
        set(old, "replaced_by", new_id.clone());
    }
    record_rebill_change(
        tx,
        &ref_id,
        &req.now_s(),
        int(&reference, "pay_sequence_no"),
        "rebill_cancelled",
    );
    Ok(json!({
        "created_purchase_id": new_id,
        "payment_status": "completed",
        "payment_status_msg": req.label("payment_status", "completed"),
        "billing_status": "paying",
        "billing_status_msg": req.label("billing_status", "paying"),
        "pay_url": "",
    }))
}

/// `listRebillingStatusChanges(from, to, page_no, page_size)`.
pub fn list_rebilling_status_changes(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let (from, to) = window(req)?;
    let rows: Vec<Value> = tx
        .all(kind::REBILL_CHANGE)
        .map(|(_, c)| c)
        .filter(|c| {
            let at = sr(c, "created_at");
            at >= from.as_str() && at <= to.as_str()
        })
        .map(|c| {
            let mut r = c.clone();
            set(
                &mut r,
                "type_msg",
                req.label("rebill_change", sr(c, "type")),
            );
            r
        })
        .collect();
    let (page_rows, page) = paginate(&req.p, rows, 100, 1000)?;
    let mut out = Map::new();
    out.insert("from".into(), json!(from));
    out.insert("to".into(), json!(to));
    page.write(&mut out);
    out.insert("items".into(), Value::Array(page_rows));
    Ok(Value::Object(out))
}

/// `reportFraud(transaction_id, who, comment)`.
pub fn report_fraud(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("transaction_id")?;
    let who = req
        .p
        .opt_enum("who", &["buyer", "affiliate"])?
        .ok_or_else(|| ApiError::missing("who"))?;
    let comment = req.p.str("comment")?;
    let t = must(tx, kind::TRANSACTION, &id, Entity::Transaction)?.clone();
    let key = format!("{id}-{who}");
    let again = tx.exists(kind::FRAUD_REPORT, &key);
    let (status, message, code) = if who == "affiliate" && s(&t, "affiliate_id").is_empty() {
        (
            "failure",
            req.msg(
                "Diese Transaktion hat keinen Affiliate.",
                "This transaction has no affiliate.",
            ),
            "not_created",
        )
    } else if again {
        (
            "warning",
            req.msg(
                "Dieser Betrugsfall wurde bereits gemeldet.",
                "This fraud case has already been reported.",
            ),
            "rerequest",
        )
    } else {
        tx.put(
            kind::FRAUD_REPORT,
            &key,
            json!({"transaction_id": id, "who": who, "comment": comment, "created_at": req.now_s()}),
        );
        (
            "success",
            match (who.as_str(), req.lang) {
                ("buyer", Lang::De) => "Der Käufer wurde gemeldet.".to_string(),
                ("buyer", Lang::En) => "The buyer has been reported.".to_string(),
                (_, Lang::De) => "Der Affiliate wurde gemeldet.".to_string(),
                (_, Lang::En) => "The affiliate has been reported.".to_string(),
            },
            "created_entry",
        )
    };
    let idle = ("info", String::new(), "not_created");
    let (b, a) = if who == "buyer" {
        ((status, message, code), idle)
    } else {
        (idle, (status, message, code))
    };
    Ok(json!({
        "buyer_status": b.0, "buyer_message": b.1, "buyer_code": b.2,
        "affiliate_status": a.0, "affiliate_message": a.1, "affiliate_code": a.2,
    }))
}

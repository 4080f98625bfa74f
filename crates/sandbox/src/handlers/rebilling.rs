//! The rebilling toolset: stop, resume and charge subscriptions; their status changes.

use serde_json::{Map, Value, json};

use crate::backend::billing::require_billing_on_demand;
use crate::backend::rebilling::{self, Charge, Start, Stop};
use crate::documents::{Purchase, RebillChange};
use crate::error::{ApiError, Entity};
use crate::money::money;
use crate::request::{Req, must, paginate, window, yn};
use crate::store::Tx;

/// `stopRebilling(purchase_id, force, ignore_refund_possibility)`.
pub fn stop_rebilling(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("purchase_id")?;
    let force = req.p.bool_or("force", false)?;
    req.p.opt_bool("ignore_refund_possibility")?;
    let p = must::<Purchase>(tx, &id, Entity::Purchase)?.clone();
    let (outcome, after) = rebilling::stop(tx, &p, force, req.now);
    let mut m = after.rebilling_state(req.lang);
    let later = match outcome {
        Stop::NoRecurring | Stop::AlreadyStopped => {
            let note = if outcome == Stop::NoRecurring {
                req.msg(
                    "Diese Bestellung hat keine wiederkehrenden Zahlungen.",
                    "This order has no recurring payments.",
                )
            } else {
                req.msg(
                    "Die Zahlungen sind bereits gestoppt.",
                    "The payments have already been stopped.",
                )
            };
            m.insert("modified".into(), json!("N"));
            m.insert("note".into(), json!(note));
            m.insert("code".into(), json!(""));
            m.insert("is_cancelled_now".into(), json!("N"));
            m.insert("is_cancelled_later".into(), json!("N"));
            m.insert("can_cancel_before".into(), json!(""));
            return Ok(Value::Object(m));
        }
        Stop::Stopped { later } => later,
    };
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
            p.next_payment_at.get(..10).unwrap_or("").to_string()
        } else {
            String::new()
        }),
    );
    Ok(Value::Object(m))
}

/// `startRebilling(purchase_id)`.
pub fn start_rebilling(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("purchase_id")?;
    let p = must::<Purchase>(tx, &id, Entity::Purchase)?.clone();
    let (outcome, after) = rebilling::start(tx, &p, req.now)?;
    let note = match outcome {
        Start::NothingDue => req.msg(
            "Für diese Bestellung stehen keine weiteren Zahlungen aus.",
            "No further payments are due for this order.",
        ),
        Start::AlreadyRunning => req.msg(
            "Die Zahlungen laufen bereits.",
            "The payments are already running.",
        ),
        Start::Resumed => {
            let mut m = Map::new();
            m.insert("modified".into(), json!("Y"));
            m.insert(
                "note".into(),
                json!(req.msg(
                    "Die Zahlungen wurden wieder aufgenommen.",
                    "The payments have been resumed."
                )),
            );
            m.extend(after.rebilling_state(req.lang));
            return Ok(Value::Object(m));
        }
    };
    let mut m = after.rebilling_state(req.lang);
    m.insert("modified".into(), json!("N"));
    m.insert("note".into(), json!(note));
    Ok(Value::Object(m))
}

/// `createRebillingPayment(purchase_id)`: charges the next rebilling payment now.
pub fn create_rebilling_payment(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    require_billing_on_demand(tx)?;
    let id = req.p.str("purchase_id")?;
    let p = must::<Purchase>(tx, &id, Entity::Purchase)?.clone();
    let update_url = format!(
        "https://www.digistore24.com/payment/update/{id}/{}",
        p.auth_key
    );
    match rebilling::charge_next(tx, &p, req.now)? {
        (Charge::NotCapable, _) => Ok(json!({
            "purchase_id": id, "payment_status": "refused",
            "payment_message": req.msg(
                "Die Zahlungsart erlaubt keine automatische Belastung.",
                "The payment method cannot be charged automatically.",
            ),
            "billing_status": "payment_data_update_required",
            "payment_data_update_url": update_url,
        })),
        (Charge::Charged { amount }, after) => Ok(json!({
            "purchase_id": id,
            "payment_status": "completed",
            "payment_message": "",
            "billing_status": after.billing_status.as_str(),
            "paid_amount": money(amount),
            "currency": p.currency,
            "payment_data_update_url": update_url,
        })),
    }
}

/// `listRebillingStatusChanges(from, to, page_no, page_size)`.
pub fn list_rebilling_status_changes(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let (from, to) = window(req)?;
    let rows: Vec<Value> = tx
        .all::<RebillChange>()
        .filter(|c| c.created_at >= from && c.created_at <= to)
        .map(|c| c.render(req.lang))
        .collect();
    let (page_rows, page) = paginate(&req.p, rows, 100, 1000)?;
    let mut out = Map::new();
    out.insert("from".into(), json!(from));
    out.insert("to".into(), json!(to));
    page.write(&mut out);
    out.insert("items".into(), Value::Array(page_rows));
    Ok(Value::Object(out))
}

//! The refunds toolset: refund a whole purchase, part of it, or one payment.

use serde_json::{Value, json};

use crate::backend::refunds::{self, REFUND_DAYS};
use crate::documents::{Purchase, Transaction, TxType};
use crate::error::{ApiError, Entity, Lang};
use crate::money::{money, money_de};
use crate::request::{Req, must, yn};
use crate::store::Tx;
use crate::time::DateEnd;

/// Whether the refund period of a payment made at `paid_at` is over (judged at
/// `request_date`, default now).
fn period_over(req: &Req<'_>, paid_at: &str) -> Result<bool, ApiError> {
    let asked = req.time("request_date", DateEnd::End)?.unwrap_or(req.now);
    Ok(refunds::period_over(asked, paid_at))
}

/// The answer when the refund period is over and `force` was not given.
fn refused_period(req: &Req<'_>) -> Value {
    json!({
        "status": "refused",
        "modified": "N",
        "note": match req.lang {
            Lang::De => format!("Die Erstattungsfrist von {REFUND_DAYS} Tagen ist abgelaufen. Mit force=Y kann trotzdem erstattet werden."),
            Lang::En => format!("The {REFUND_DAYS}-day refund period has expired. Use force=Y to refund anyway."),
        },
        "error_reason": "",
    })
}

fn currency_of(tx: &Tx<'_>, id: &str) -> String {
    tx.get::<Purchase>(id)
        .map(|p| p.currency.clone())
        .unwrap_or_default()
}

/// `refundPurchase(purchase_id, force, request_date)`: refunds every payment still refundable.
pub fn refund_purchase(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("purchase_id")?;
    let force = req.p.bool_or("force", false)?;
    must::<Purchase>(tx, &id, Entity::Purchase)?;
    let payments = refunds::refundable_payments(tx, &id);
    let Some(last) = payments.last() else {
        return Ok(json!({
            "status": "error",
            "modified": "N",
            "note": req.msg(
                "Die Bestellung wurde bereits vollständig erstattet oder hat keine Zahlungen.",
                "The order has already been fully refunded or has no payments.",
            ),
            "error_reason": "refund_completed",
        }));
    };
    if !force && period_over(req, &last.paid_at)? {
        return Ok(refused_period(req));
    }
    let (total, ids) = refunds::refund_all(tx, &id, &payments, req.now);
    Ok(json!({
        "status": "completed",
        "modified": "Y",
        "note": req.msg("Die Zahlungen wurden erstattet.", "The payments have been refunded."),
        "refunded_amount": money(total),
        "currency": currency_of(tx, &id),
        "refund_transaction_ids": ids,
    }))
}

/// `refundPartially(purchase_id, amount)`: refunds `amount` from the newest payments.
pub fn refund_partially(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("purchase_id")?;
    let amount = req.p.money("amount")?;
    if amount <= 0 {
        return Err(ApiError::not_positive("amount"));
    }
    must::<Purchase>(tx, &id, Entity::Purchase)?;
    refunds::refund_amount(tx, &id, amount, req.now).map_err(|available| {
        ApiError::invalid(
            "amount",
            &format!(
                "höchstens {} können noch erstattet werden.",
                money_de(available)
            ),
            &format!("at most {} can still be refunded.", money(available)),
        )
    })?;
    let currency = currency_of(tx, &id);
    Ok(json!({
        "modified": "Y",
        "note": match req.lang {
            Lang::De => format!("Teilerstattung über {} {currency} wurde durchgeführt.", money_de(amount)),
            Lang::En => format!("A partial refund of {} {currency} has been made.", money(amount)),
        },
        "refunded_amount": money(amount),
    }))
}

/// `refundTransaction(transaction_id, force, request_date)`.
pub fn refund_transaction(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("transaction_id")?;
    let force = req.p.bool_or("force", false)?;
    let t = must::<Transaction>(tx, &id, Entity::Transaction)?.clone();
    let base = |status: &str, modified: bool, note: String, reason: &str| {
        json!({
            "status": status, "modified": yn(modified), "note": note,
            "pending_reason": "", "pending_reason_msg": "", "pending_until": "",
            "action_url": "", "error_reason": reason,
            "processed_at": if modified { req.now_s() } else { String::new() },
        })
    };
    if t.kind != TxType::Payment {
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
    if crate::backend::ledger::refundable(&t) == 0 {
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
    if !force && period_over(req, &t.created_at)? {
        return Ok(refused_period(req));
    }
    let (refund_id, left) = refunds::refund_payment(tx, &t, req.now);
    let mut out = base(
        "completed",
        true,
        req.msg(
            "Die Zahlung wurde erstattet.",
            "The payment has been refunded.",
        ),
        "",
    );
    if let Value::Object(m) = &mut out {
        m.insert("refund_transaction_id".into(), json!(refund_id));
        m.insert("refunded_amount".into(), json!(money(left)));
    }
    Ok(out)
}

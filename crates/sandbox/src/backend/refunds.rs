//! Refunds: the money-back window, refunding payments (all, an amount, one payment), and
//! what a full refund does to the purchase (its subscription ends).

use chrono::{Duration, NaiveDateTime};

use super::{ledger, rebilling};
use crate::documents::{BillingStatus, Purchase, Transaction, TxType};
use crate::time;

/// The refund window of the money-back guarantee.
pub const REFUND_DAYS: i64 = 60;

/// A payment that can still be (partly) refunded.
#[derive(Debug, Clone)]
pub struct Refundable {
    /// The payment's transaction id.
    pub id: String,
    /// What is left to refund, in cents.
    pub amount: i64,
    /// When it was paid.
    pub paid_at: String,
}

/// The purchase's payments with money left to refund, oldest first.
pub fn refundable_payments(tx: &crate::store::Tx<'_>, purchase_id: &str) -> Vec<Refundable> {
    ledger::purchase_transactions(tx, purchase_id)
        .into_iter()
        .filter(|t| ledger::refundable(t) > 0)
        .map(|t| Refundable {
            id: t.id.clone(),
            amount: ledger::refundable(t),
            paid_at: t.created_at.clone(),
        })
        .collect()
}

/// Whether the refund period of a payment made at `paid_at` is over when asked at `asked`.
pub fn period_over(asked: NaiveDateTime, paid_at: &str) -> bool {
    let paid = time::parse_stored(paid_at).unwrap_or(asked);
    asked - paid > Duration::days(REFUND_DAYS)
}

/// Ends rebilling after a full refund or chargeback and records the status change.
pub fn abort_after_refund(tx: &mut crate::store::Tx<'_>, purchase_id: &str, now: NaiveDateTime) {
    let Some(p) = tx.get_mut::<Purchase>(purchase_id) else {
        return;
    };
    let was_running = p.rebilling_active;
    let seq = p.pay_sequence_no;
    p.billing_status = BillingStatus::Aborted;
    p.rebilling_active = false;
    p.next_payment_at.clear();
    if was_running {
        rebilling::record_change(tx, purchase_id, &time::fmt(now), seq, "rebill_cancelled");
    }
}

/// Refunds `payments` in full and ends the purchase's payments; returns the refunded total
/// and the new refund transaction ids.
pub fn refund_all(
    tx: &mut crate::store::Tx<'_>,
    purchase_id: &str,
    payments: &[Refundable],
    now: NaiveDateTime,
) -> (i64, Vec<String>) {
    let mut total = 0;
    let mut ids = Vec::new();
    for p in payments {
        if let Some(t) = ledger::book_reversal(tx, &p.id, TxType::Refund, p.amount, now) {
            ids.push(t);
            total += p.amount;
        }
    }
    if !payments.is_empty() {
        abort_after_refund(tx, purchase_id, now);
    }
    (total, ids)
}

/// Refunds `amount` cents from the newest payments first. `Err(available)` when more than
/// is left is asked for. Refunding everything that is left ends the purchase's payments.
pub fn refund_amount(
    tx: &mut crate::store::Tx<'_>,
    purchase_id: &str,
    amount: i64,
    now: NaiveDateTime,
) -> Result<(), i64> {
    let payments = refundable_payments(tx, purchase_id);
    let available: i64 = payments.iter().map(|p| p.amount).sum();
    if amount > available {
        return Err(available);
    }
    let mut left = amount;
    for p in payments.iter().rev() {
        if left == 0 {
            break;
        }
        let part = left.min(p.amount);
        ledger::book_reversal(tx, &p.id, TxType::Refund, part, now);
        left -= part;
    }
    if amount == available {
        abort_after_refund(tx, purchase_id, now);
    }
    Ok(())
}

/// Refunds what is left of one payment; returns the refund's id and amount. When no payment
/// of the purchase has money left afterwards, its payments end.
pub fn refund_payment(
    tx: &mut crate::store::Tx<'_>,
    payment: &Transaction,
    now: NaiveDateTime,
) -> (String, i64) {
    let left = ledger::refundable(payment);
    let id = ledger::book_reversal(tx, &payment.id, TxType::Refund, left, now).unwrap_or_default();
    if refundable_payments(tx, &payment.purchase_id).is_empty() {
        abort_after_refund(tx, &payment.purchase_id, now);
    }
    (id, left)
}

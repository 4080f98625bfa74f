//! Subscriptions and installments after the first payment: stopping, resuming and charging
//! the next payment, and the status change records listRebillingStatusChanges shows.

use chrono::{Duration, NaiveDateTime};

use super::ledger;
use crate::documents::{BillingStatus, BillingType, Document, Purchase, RebillChange};
use crate::error::ApiError;
use crate::store::Tx;
use crate::time;

/// First id of rebilling status changes.
pub const FIRST_CHANGE_ID: i64 = 88_000;

/// Records a rebilling status change (`rebill_cancelled`, `rebill_resumed`, `last_paid_day`).
pub fn record_change(tx: &mut Tx<'_>, purchase_id: &str, at: &str, seq: i64, kind: &str) {
    let id = tx.next_id(RebillChange::KIND, FIRST_CHANGE_ID).to_string();
    tx.put(RebillChange {
        id,
        purchase_id: purchase_id.to_string(),
        created_at: at.to_string(),
        pay_sequence_no: seq,
        kind: kind.to_string(),
    });
}

/// The purchase's billing interval (later payments', else the first's; a month by default).
pub fn interval_of(p: &Purchase) -> (u32, char) {
    time::parse_interval(&p.other_billing_intervals)
        .or_else(|| time::parse_interval(&p.first_billing_interval))
        .unwrap_or((1, 'M'))
}

/// What stopRebilling did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// A single payment: nothing recurs.
    NoRecurring,
    /// Already stopped.
    AlreadyStopped,
    /// Stopped now, or (`later`) at the end of the paid period under the plan's cancel policy.
    Stopped {
        /// Ends at `cancel_at` instead of now.
        later: bool,
    },
}

/// Stops a purchase's payments; returns the outcome and the purchase afterwards.
pub fn stop(tx: &mut Tx<'_>, p: &Purchase, force: bool, now: NaiveDateTime) -> (Stop, Purchase) {
    if p.billing_type == BillingType::SinglePayment {
        return (Stop::NoRecurring, p.clone());
    }
    if !p.rebilling_active {
        return (Stop::AlreadyStopped, p.clone());
    }
    let has_policy = tx
        .get::<crate::documents::PaymentPlan>(&p.paymentplan_id)
        .is_some_and(|pl| !pl.cancel_policy.is_empty());
    let later = !force && has_policy;
    let mut doc = p.clone();
    doc.rebilling_active = false;
    if later {
        doc.cancel_at = p.next_payment_at.clone();
    } else {
        doc.billing_status = BillingStatus::Aborted;
        doc.next_payment_at.clear();
    }
    tx.put(doc.clone());
    record_change(
        tx,
        &p.id,
        &time::fmt(now),
        p.pay_sequence_no,
        "rebill_cancelled",
    );
    (Stop::Stopped { later }, doc)
}

/// What startRebilling did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// Single payment, or every installment paid.
    NothingDue,
    /// Already running.
    AlreadyRunning,
    /// Resumed.
    Resumed,
}

/// Resumes a purchase's payments; refused for refunded or charged-back orders.
pub fn start(
    tx: &mut Tx<'_>,
    p: &Purchase,
    now: NaiveDateTime,
) -> Result<(Start, Purchase), ApiError> {
    let reversed = ledger::purchase_transactions(tx, &p.id)
        .iter()
        .any(|t| t.kind.is_reversal());
    if p.billing_type == BillingType::SinglePayment
        || (p.billing_type == BillingType::Installment
            && p.pay_sequence_no >= p.number_of_installments)
    {
        return Ok((Start::NothingDue, p.clone()));
    }
    if p.rebilling_active {
        return Ok((Start::AlreadyRunning, p.clone()));
    }
    if reversed {
        return Err(ApiError::refused(
            "Eine erstattete oder zurückgebuchte Bestellung kann nicht fortgesetzt werden.",
            "A refunded or charged-back order cannot be resumed.",
        ));
    }
    let last = time::parse_stored(&p.last_payment_at).unwrap_or(now);
    let mut next = time::add_interval(last, interval_of(p));
    if next < now {
        next = now + Duration::days(1);
    }
    let mut doc = p.clone();
    doc.rebilling_active = true;
    doc.billing_status = BillingStatus::Paying;
    doc.next_payment_at = time::fmt(next);
    doc.cancel_at.clear();
    tx.put(doc.clone());
    record_change(
        tx,
        &p.id,
        &time::fmt(now),
        p.pay_sequence_no,
        "rebill_resumed",
    );
    Ok((Start::Resumed, doc))
}

/// What createRebillingPayment did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charge {
    /// The payment method cannot be charged automatically.
    NotCapable,
    /// Charged `amount` cents.
    Charged {
        /// The amount.
        amount: i64,
    },
}

/// Charges the next payment of a running subscription or installment plan now.
pub fn charge_next(
    tx: &mut Tx<'_>,
    p: &Purchase,
    now: NaiveDateTime,
) -> Result<(Charge, Purchase), ApiError> {
    if p.billing_type == BillingType::SinglePayment || !p.rebilling_active {
        return Err(ApiError::refused(
            "Für diese Bestellung laufen keine wiederkehrenden Zahlungen.",
            "This order has no active recurring payments.",
        ));
    }
    if !p.is_rebilling_capable {
        return Ok((Charge::NotCapable, p.clone()));
    }
    let amount = match p.other_amounts.cents() {
        0 => p.amount.cents(),
        other => other,
    };
    ledger::book_payment(tx, &p.id, amount, now);
    let Some(mut doc) = tx.get::<Purchase>(&p.id).cloned() else {
        return Err(ApiError::not_found(crate::error::Entity::Purchase, &p.id));
    };
    if doc.billing_type == BillingType::Installment
        && doc.pay_sequence_no >= doc.number_of_installments
    {
        doc.billing_status = BillingStatus::Completed;
        doc.rebilling_active = false;
        doc.next_payment_at.clear();
    } else {
        doc.billing_status = BillingStatus::Paying;
        doc.next_payment_at = time::fmt(time::add_interval(now, interval_of(&doc)));
    }
    tx.put(doc.clone());
    Ok((Charge::Charged { amount }, doc))
}

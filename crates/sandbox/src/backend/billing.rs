//! Billing on demand: charging a buyer again from an existing order, and every new order
//! derived from one (billing on demand, add-on changes, upgrades).

use chrono::{Duration, NaiveDateTime};

use super::{ledger, rebilling};
use crate::documents::{ACCOUNT_ID, Account, BillingStatus, BillingType, PaymentPlan, Purchase};
use crate::error::{ApiError, ErrorKind};
use crate::ids::{code, order_code};
use crate::money::Money;
use crate::store::Tx;
use crate::time;

/// Whether the account has the "billing on demand" right.
pub fn enabled(tx: &Tx<'_>) -> bool {
    tx.get::<Account>(ACCOUNT_ID)
        .is_some_and(|a| a.billing_on_demand)
}

/// Code 8 unless the account has the "billing on demand" right.
pub fn require_billing_on_demand(tx: &Tx<'_>) -> Result<(), ApiError> {
    if enabled(tx) {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorKind::Permission,
            "Zugriff verweigert: Das Recht 'Billing on demand' ist für dieses Konto nicht freigeschaltet.",
            "Access denied: the 'Billing on demand' right is not enabled for this account.",
        ))
    }
}

/// At most one charge per minute and ten per day per reference order (code 0, rate limit).
pub fn check_charge_limits(tx: &Tx<'_>, ref_id: &str, now: NaiveDateTime) -> Result<(), ApiError> {
    let minute_ago = time::fmt(now - Duration::minutes(1));
    let day_ago = time::fmt(now - Duration::days(1));
    let mut last_minute = 0;
    let mut last_day = 0;
    for p in tx.all::<Purchase>() {
        if p.reference_purchase_id == ref_id && p.billing_on_demand {
            if p.created_at > minute_ago {
                last_minute += 1;
            }
            if p.created_at > day_ago {
                last_day += 1;
            }
        }
    }
    if last_minute >= 1 {
        return Err(ApiError::new(
            ErrorKind::RateLimited,
            format!(
                "Limit erreicht: Für die Bestellung {ref_id} ist höchstens eine Belastung pro Minute erlaubt."
            ),
            format!("Limit reached: at most one charge per minute is allowed for order {ref_id}."),
        ));
    }
    if last_day >= 10 {
        return Err(ApiError::new(
            ErrorKind::RateLimited,
            format!(
                "Limit erreicht: Für die Bestellung {ref_id} sind höchstens 10 Belastungen pro Tag erlaubt."
            ),
            format!("Limit reached: at most 10 charges per day are allowed for order {ref_id}."),
        ));
    }
    Ok(())
}

/// A product's default payment plan (the first by position).
pub fn default_plan<'t>(tx: &'t Tx<'_>, product_id: &str) -> Option<&'t PaymentPlan> {
    tx.all::<PaymentPlan>()
        .filter(|p| p.product_id == product_id)
        .min_by_key(|p| p.position)
}

/// A new order derived from an existing one: what differs from the reference order.
#[derive(Debug, Clone)]
pub struct DerivedOrder<'a> {
    /// The order whose buyer, payment data, affiliate and tracking are reused.
    pub reference: &'a Purchase,
    /// What is sold.
    pub product_id: &'a str,
    /// First payment, cents (charged at once when positive).
    pub first: i64,
    /// Each later payment, cents.
    pub other: i64,
    /// Currency code.
    pub currency: &'a str,
    /// Single payment, subscription or installments.
    pub billing_type: BillingType,
    /// Number of installments (0 for subscriptions).
    pub installments: i64,
    /// Billing interval (`1_month`).
    pub interval: &'a str,
    /// Quantity.
    pub quantity: i64,
    /// `tracking[custom]` to record, if given.
    pub tracking_custom: Option<String>,
}

/// Creates the derived order (and books its first payment); returns the new order id.
pub fn derive_purchase(tx: &mut Tx<'_>, now: NaiveDateTime, o: DerivedOrder<'_>) -> String {
    let mut id = order_code(tx.random());
    while tx.exists::<Purchase>(&id) {
        id = order_code(tx.random());
    }
    let recurring = o.billing_type != BillingType::SinglePayment;
    let next = if recurring {
        time::parse_interval(o.interval)
            .map(|iv| time::fmt(time::add_interval(now, iv)))
            .unwrap_or_default()
    } else {
        String::new()
    };
    let auth = code(tx.random(), 8);
    let mut doc = o.reference.clone();
    doc.id.clone_from(&id);
    doc.created_at = time::fmt(now);
    doc.product_id = o.product_id.to_string();
    doc.paymentplan_id = String::new();
    doc.quantity = o.quantity;
    doc.amount = Money(o.first);
    doc.other_amounts = Money(o.other);
    doc.currency = o.currency.to_string();
    doc.number_of_installments = o.installments;
    doc.billing_type = o.billing_type;
    doc.billing_status = if recurring {
        BillingStatus::Paying
    } else {
        BillingStatus::Completed
    };
    doc.first_billing_interval = o.interval.to_string();
    doc.other_billing_intervals = o.interval.to_string();
    doc.next_payment_at = next;
    doc.rebilling_active = recurring;
    doc.pay_sequence_no = 0;
    doc.last_payment_at = String::new();
    doc.license_key = String::new();
    doc.balance = Money::ZERO;
    doc.custom = String::new();
    doc.auth_key = auth;
    doc.reference_purchase_id = o.reference.id.clone();
    doc.has_custom_forms = false;
    doc.has_etickets = false;
    if let Some(c) = o.tracking_custom {
        doc.tracking.custom = c;
    }
    tx.put(doc);
    if o.first > 0 {
        ledger::book_payment(tx, &id, o.first, now);
    }
    id
}

/// Ends a subscription that a new order replaces (add-on change) and records the change.
pub fn replace_subscription(tx: &mut Tx<'_>, old_id: &str, new_id: &str, now: NaiveDateTime) {
    let mut seq = 0;
    if let Some(old) = tx.get_mut::<Purchase>(old_id) {
        seq = old.pay_sequence_no;
        old.rebilling_active = false;
        old.billing_status = BillingStatus::Aborted;
        old.next_payment_at.clear();
        old.replaced_by = new_id.to_string();
    }
    rebilling::record_change(tx, old_id, &time::fmt(now), seq, "rebill_cancelled");
}

/// Ends the orders an upgrade replaced; running subscriptions among them are aborted.
pub fn end_upgraded(tx: &mut Tx<'_>, olds: &[Purchase], new_id: &str, now: NaiveDateTime) {
    for p in olds {
        let was = p.rebilling_active;
        if let Some(d) = tx.get_mut::<Purchase>(&p.id) {
            d.rebilling_active = false;
            d.next_payment_at.clear();
            if was {
                d.billing_status = BillingStatus::Aborted;
            }
            d.upgraded_to = new_id.to_string();
        }
        if was {
            rebilling::record_change(
                tx,
                &p.id,
                &time::fmt(now),
                p.pay_sequence_no,
                "rebill_cancelled",
            );
        }
    }
}

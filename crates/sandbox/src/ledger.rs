//! Money movements: how a payment splits into VAT, platform fee, affiliate commission and the
//! vendor's earnings, and how transactions are booked onto a purchase.
//!
//! Both the seed and the handlers (refunds, rebilling, billing on demand) book through this one
//! module, so listTransactions, the statistics, commissions and payouts always add up the same
//! way no matter where a transaction came from.

use chrono::NaiveDateTime;
use serde_json::{Value, json};

use crate::model::{cents, kind, s, set};
use crate::params::money;
use crate::store::Tx;
use crate::time;

/// First transaction id of the demo account.
pub const FIRST_TRANSACTION_ID: i64 = 300_001;
/// First invoice number.
pub const FIRST_INVOICE_NO: i64 = 10_001;

/// The split of one transaction's gross amount, in cents (negative for refunds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Shares {
    /// What the buyer paid (gross, incl. VAT).
    pub gross: i64,
    /// VAT included in `gross`.
    pub vat: i64,
    /// Platform fee.
    pub fee: i64,
    /// Affiliate commission.
    pub affiliate: i64,
    /// The vendor's earnings.
    pub vendor: i64,
}

fn round_div(a: i64, b: i64) -> i64 {
    if b == 0 {
        return 0;
    }
    let q = (2 * a.abs() + b.abs()) / (2 * b.abs());
    if (a < 0) ^ (b < 0) { -q } else { q }
}

impl Shares {
    /// Splits a payment: VAT at `vat_percent` (included), fee 7.9 % + 1.00, affiliate commission
    /// at `affiliate_bp` basis points of what is left.
    pub fn for_payment(gross: i64, vat_percent: i64, affiliate_bp: i64) -> Self {
        let vat = round_div(gross * vat_percent, 100 + vat_percent);
        let net = gross - vat;
        let fee = (round_div(net * 79, 1000) + 100).min(net).max(0);
        let affiliate = round_div((net - fee) * affiliate_bp, 10_000).max(0);
        Self {
            gross,
            vat,
            fee,
            affiliate,
            vendor: net - fee - affiliate,
        }
    }

    /// The negated share of `part` cents out of this transaction (refunds, chargebacks).
    pub fn reversal(&self, part: i64) -> Self {
        if part >= self.gross {
            return Self {
                gross: -self.gross,
                vat: -self.vat,
                fee: -self.fee,
                affiliate: -self.affiliate,
                vendor: -self.vendor,
            };
        }
        let f = |x: i64| -round_div(x * part, self.gross);
        let gross = -part;
        let vat = f(self.vat);
        let fee = f(self.fee);
        let affiliate = f(self.affiliate);
        Self {
            gross,
            vat,
            fee,
            affiliate,
            vendor: gross - vat - fee - affiliate,
        }
    }

    /// Reads the shares stored on a transaction document.
    pub fn of(doc: &Value) -> Self {
        Self {
            gross: cents(doc, "amount"),
            vat: cents(doc, "vat_amount"),
            fee: cents(doc, "fee_amount"),
            affiliate: cents(doc, "affiliate_amount"),
            vendor: cents(doc, "vendor_amount"),
        }
    }
}

/// The VAT percent and affiliate basis points recorded on a purchase.
pub fn purchase_rates(purchase: &Value) -> (i64, i64) {
    let vat = cents(purchase, "vat_rate") / 100;
    let aff = if s(purchase, "affiliate_id").is_empty() {
        0
    } else {
        cents(purchase, "affiliate_rate")
    };
    (vat, aff)
}

/// Builds a transaction document for `purchase` (ids assigned by the caller).
#[allow(clippy::too_many_arguments)]
pub fn transaction_doc(
    id: i64,
    purchase: &Value,
    ttype: &str,
    sh: &Shares,
    at: NaiveDateTime,
    pay_sequence_no: i64,
    invoice_no: i64,
    related: &str,
) -> Value {
    json!({
        "id": id.to_string(),
        "purchase_id": s(purchase, "id"),
        "created_at": time::fmt(at),
        "type": ttype,
        "amount": money(sh.gross),
        "vat_amount": money(sh.vat),
        "fee_amount": money(sh.fee),
        "affiliate_amount": money(sh.affiliate),
        "vendor_amount": money(sh.vendor),
        "currency": s(purchase, "currency"),
        "pay_method": s(purchase, "pay_method"),
        "pay_sequence_no": pay_sequence_no.to_string(),
        "product_id": s(purchase, "product_id"),
        "buyer_id": s(purchase, "buyer_id"),
        "affiliate_id": s(purchase, "affiliate_id"),
        "order_type": s(purchase, "order_type"),
        "invoice_no": invoice_no.to_string(),
        "related_transaction_id": related,
        "refunded_amount": "0.00",
    })
}

/// Books a payment on a stored purchase; returns the new transaction id.
pub fn book_payment(
    tx: &mut Tx<'_>,
    purchase_id: &str,
    gross: i64,
    at: NaiveDateTime,
) -> Option<String> {
    let purchase = tx.get(kind::PURCHASE, purchase_id)?.clone();
    let (vat, aff) = purchase_rates(&purchase);
    let sh = Shares::for_payment(gross, vat, aff);
    let seq = crate::model::int(&purchase, "pay_sequence_no") + 1;
    let id = tx.next_id(kind::TRANSACTION, FIRST_TRANSACTION_ID);
    let inv = invoice_no(tx, &purchase);
    let doc = transaction_doc(id, &purchase, "payment", &sh, at, seq, inv, "");
    let id_s = id.to_string();
    tx.put(kind::TRANSACTION, &id_s, doc);
    if let Some(p) = tx.get_mut(kind::PURCHASE, purchase_id) {
        set(p, "pay_sequence_no", seq.to_string());
        set(p, "last_payment_at", time::fmt(at));
    }
    Some(id_s)
}

fn invoice_no(tx: &mut Tx<'_>, purchase: &Value) -> i64 {
    if s(purchase, "order_type") == "test" {
        1
    } else {
        tx.next_id("invoice_no", FIRST_INVOICE_NO)
    }
}

/// Books a refund or chargeback of `part` cents of payment `payment_id`; returns the new
/// transaction id. The payment's `refunded_amount` grows by `part`.
pub fn book_reversal(
    tx: &mut Tx<'_>,
    payment_id: &str,
    ttype: &str,
    part: i64,
    at: NaiveDateTime,
) -> Option<String> {
    let payment = tx.get(kind::TRANSACTION, payment_id)?.clone();
    let purchase = tx.get(kind::PURCHASE, &s(&payment, "purchase_id"))?.clone();
    let sh = Shares::of(&payment).reversal(part);
    let seq = crate::model::int(&payment, "pay_sequence_no");
    let id = tx.next_id(kind::TRANSACTION, FIRST_TRANSACTION_ID);
    let inv = invoice_no(tx, &purchase);
    let doc = transaction_doc(id, &purchase, ttype, &sh, at, seq, inv, payment_id);
    let id_s = id.to_string();
    tx.put(kind::TRANSACTION, &id_s, doc);
    if let Some(p) = tx.get_mut(kind::TRANSACTION, payment_id) {
        let done = cents(p, "refunded_amount") + part.min(cents(p, "amount"));
        set(p, "refunded_amount", money(done));
    }
    Some(id_s)
}

/// How much of a payment can still be refunded, in cents.
pub fn refundable(payment: &Value) -> i64 {
    if s(payment, "type") != "payment" {
        return 0;
    }
    (cents(payment, "amount") - cents(payment, "refunded_amount")).max(0)
}

/// The transactions of a purchase, oldest first.
pub fn purchase_transactions<'a>(tx: &'a Tx<'_>, purchase_id: &str) -> Vec<&'a Value> {
    let mut v: Vec<&Value> = tx
        .all(kind::TRANSACTION)
        .map(|(_, d)| d)
        .filter(|d| crate::model::sr(d, "purchase_id") == purchase_id)
        .collect();
    v.sort_by(|a, b| {
        crate::model::sr(a, "created_at")
            .cmp(crate::model::sr(b, "created_at"))
            .then_with(|| crate::model::int(a, "id").cmp(&crate::model::int(b, "id")))
    });
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payment_split_adds_up() {
        let sh = Shares::for_payment(4700, 19, 4000);
        assert_eq!(sh.vat, 750);
        assert_eq!(sh.gross, sh.vat + sh.fee + sh.affiliate + sh.vendor);
        assert!(sh.affiliate > 0);
        let full = sh.reversal(4700);
        assert_eq!(full.gross, -4700);
        assert_eq!(full.vendor, -sh.vendor);
        let part = sh.reversal(1000);
        assert_eq!(part.gross, -1000);
        assert_eq!(
            part.gross,
            part.vat + part.fee + part.affiliate + part.vendor
        );
    }

    #[test]
    fn tiny_payments_do_not_go_negative() {
        let sh = Shares::for_payment(50, 19, 0);
        assert!(sh.fee <= sh.gross - sh.vat);
        assert!(sh.vendor >= 0);
    }
}

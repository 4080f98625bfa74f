//! Money movements: how a payment splits into VAT, platform fee, affiliate commission and the
//! vendor's earnings, and how transactions are booked onto a purchase.
//!
//! The seed and every handler (refunds, rebilling, billing on demand) book through this one
//! module, so listTransactions, the statistics, commissions and payouts always add up the same
//! way no matter where a transaction came from.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use crate::documents::{Document, Purchase, Transaction, TxType};
use crate::money::{Money, round_div, vat_included};
use crate::store::Tx;
use crate::time;

/// First transaction id of the demo account.
pub const FIRST_TRANSACTION_ID: i64 = 300_001;
/// First invoice number.
pub const FIRST_INVOICE_NO: i64 = 10_001;
/// The counter of invoice numbers.
pub const INVOICE_COUNTER: &str = "invoice_no";

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

impl Shares {
    /// Splits a payment: VAT at `vat_percent` (included), fee 7.9 % + 1.00, affiliate commission
    /// at `affiliate_bp` basis points of what is left.
    pub fn for_payment(gross: i64, vat_percent: i64, affiliate_bp: i64) -> Self {
        let vat = vat_included(gross, vat_percent);
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

    /// The shares booked on a transaction.
    pub fn of(t: &Transaction) -> Self {
        Self {
            gross: t.amount.cents(),
            vat: t.vat_amount.cents(),
            fee: t.fee_amount.cents(),
            affiliate: t.affiliate_amount.cents(),
            vendor: t.vendor_amount.cents(),
        }
    }
}

/// The VAT percent and affiliate basis points recorded on a purchase.
pub fn purchase_rates(p: &Purchase) -> (i64, i64) {
    let vat = p.vat_rate.cents() / 100;
    let aff = if p.affiliate_id.is_empty() {
        0
    } else {
        p.affiliate_rate.cents()
    };
    (vat, aff)
}

/// Everything a new transaction records besides what it copies from its purchase.
#[derive(Debug, Clone)]
pub struct Booking<'a> {
    /// Transaction id.
    pub id: i64,
    /// The purchase it belongs to.
    pub purchase: &'a Purchase,
    /// Payment, refund or chargeback.
    pub kind: TxType,
    /// The money split.
    pub shares: Shares,
    /// When.
    pub at: NaiveDateTime,
    /// Which payment of the purchase (a reversal repeats its payment's number).
    pub pay_sequence_no: i64,
    /// Invoice (or credit note) number.
    pub invoice_no: i64,
    /// The payment a reversal takes back (empty for payments).
    pub related: String,
}

impl Booking<'_> {
    /// The transaction document.
    pub fn transaction(&self) -> Transaction {
        let p = self.purchase;
        let sh = &self.shares;
        Transaction {
            id: self.id.to_string(),
            purchase_id: p.id.clone(),
            created_at: time::fmt(self.at),
            kind: self.kind,
            amount: Money(sh.gross),
            vat_amount: Money(sh.vat),
            fee_amount: Money(sh.fee),
            affiliate_amount: Money(sh.affiliate),
            vendor_amount: Money(sh.vendor),
            currency: p.currency.clone(),
            pay_method: p.pay_method.clone(),
            pay_sequence_no: self.pay_sequence_no,
            product_id: p.product_id.clone(),
            buyer_id: p.buyer_id.clone(),
            affiliate_id: p.affiliate_id.clone(),
            order_type: p.order_type.clone(),
            invoice_no: self.invoice_no,
            related_transaction_id: self.related.clone(),
            refunded_amount: Money::ZERO,
        }
    }
}

/// The next invoice number (test orders all carry invoice 1).
pub fn next_invoice_no(tx: &mut Tx<'_>, purchase: &Purchase) -> i64 {
    if purchase.order_type == "test" {
        1
    } else {
        tx.next_id(INVOICE_COUNTER, FIRST_INVOICE_NO)
    }
}

/// Books a payment on a stored purchase; returns the new transaction id.
pub fn book_payment(
    tx: &mut Tx<'_>,
    purchase_id: &str,
    gross: i64,
    at: NaiveDateTime,
) -> Option<String> {
    let purchase = tx.get::<Purchase>(purchase_id)?.clone();
    let (vat, aff) = purchase_rates(&purchase);
    let seq = purchase.pay_sequence_no + 1;
    let id = tx.next_id(Transaction::KIND, FIRST_TRANSACTION_ID);
    let invoice_no = next_invoice_no(tx, &purchase);
    let doc = Booking {
        id,
        purchase: &purchase,
        kind: TxType::Payment,
        shares: Shares::for_payment(gross, vat, aff),
        at,
        pay_sequence_no: seq,
        invoice_no,
        related: String::new(),
    }
    .transaction();
    tx.put(doc);
    if let Some(p) = tx.get_mut::<Purchase>(purchase_id) {
        p.pay_sequence_no = seq;
        p.last_payment_at = time::fmt(at);
    }
    Some(id.to_string())
}

/// Books a refund or chargeback of `part` cents of payment `payment_id`; returns the new
/// transaction id. The payment's `refunded_amount` grows by `part`.
pub fn book_reversal(
    tx: &mut Tx<'_>,
    payment_id: &str,
    kind: TxType,
    part: i64,
    at: NaiveDateTime,
) -> Option<String> {
    let payment = tx.get::<Transaction>(payment_id)?.clone();
    let purchase = tx.get::<Purchase>(&payment.purchase_id)?.clone();
    let id = tx.next_id(Transaction::KIND, FIRST_TRANSACTION_ID);
    let invoice_no = next_invoice_no(tx, &purchase);
    let doc = Booking {
        id,
        purchase: &purchase,
        kind,
        shares: Shares::of(&payment).reversal(part),
        at,
        pay_sequence_no: payment.pay_sequence_no,
        invoice_no,
        related: payment_id.to_string(),
    }
    .transaction();
    tx.put(doc);
    if let Some(p) = tx.get_mut::<Transaction>(payment_id) {
        p.refunded_amount = Money(p.refunded_amount.cents() + part.min(p.amount.cents()));
    }
    Some(id.to_string())
}

/// How much of a payment can still be refunded, in cents.
pub fn refundable(t: &Transaction) -> i64 {
    if t.kind != TxType::Payment {
        return 0;
    }
    (t.amount.cents() - t.refunded_amount.cents()).max(0)
}

/// The transactions of a purchase, oldest first.
pub fn purchase_transactions<'a>(tx: &'a Tx<'_>, purchase_id: &str) -> Vec<&'a Transaction> {
    let mut v: Vec<&Transaction> = tx
        .all::<Transaction>()
        .filter(|t| t.purchase_id == purchase_id)
        .collect();
    v.sort_by(|a, b| {
        a.created_at
            .cmp(&b.created_at)
            .then_with(|| a.num().cmp(&b.num()))
    });
    v
}

/// Every purchase's transactions (oldest first), by purchase id.
pub fn transactions_by_purchase<'a>(tx: &'a Tx<'_>) -> HashMap<&'a str, Vec<&'a Transaction>> {
    let mut idx: HashMap<&str, Vec<&Transaction>> = HashMap::new();
    for t in tx.all::<Transaction>() {
        idx.entry(t.purchase_id.as_str()).or_default().push(t);
    }
    for v in idx.values_mut() {
        v.sort_by(|a, b| a.created_at.cmp(&b.created_at));
    }
    idx
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

//! The account's vocabulary: document kinds, localized `*_msg` labels and small helpers to read
//! and write document fields.
//!
//! Documents store values the way the wire shows them (strings for ids and amounts, `Y`/`N`
//! flags, `YYYY-MM-DD HH:MM:SS` times), so most handlers can copy fields straight into answers.
//! Money is converted to integer cents only where something is computed.

use serde_json::{Map, Value, json};

use crate::error::Lang;
use crate::params::parse_money;

/// Document kinds (the `kind` column of the store).
pub mod kind {
    #![allow(missing_docs)]
    pub const ACCOUNT: &str = "account";
    pub const PRODUCT: &str = "product";
    pub const PRODUCT_GROUP: &str = "product_group";
    pub const PAYMENT_PLAN: &str = "paymentplan";
    pub const ORDERFORM: &str = "orderform";
    pub const BUYER: &str = "buyer";
    pub const AFFILIATE: &str = "affiliate";
    pub const COMMISSION: &str = "commission";
    pub const PURCHASE: &str = "purchase";
    pub const TRANSACTION: &str = "transaction";
    pub const REBILL_CHANGE: &str = "rebill_change";
    pub const VOUCHER: &str = "voucher";
    pub const BUY_URL: &str = "buyurl";
    pub const IMAGE: &str = "image";
    pub const SHIPPING_POLICY: &str = "shipping_policy";
    pub const ETICKET: &str = "eticket";
    pub const ETICKET_TEMPLATE: &str = "eticket_template";
    pub const ETICKET_LOCATION: &str = "eticket_location";
    pub const UPGRADE: &str = "upgrade";
    pub const SMART_UPGRADE: &str = "smartupgrade";
    pub const UPSELLS: &str = "upsells";
    pub const DELIVERY: &str = "delivery";
    pub const SERVICE_PROOF: &str = "service_proof";
    pub const MARKETPLACE: &str = "marketplace_entry";
    pub const PAYOUT: &str = "payout";
    pub const IPN: &str = "ipn";
    pub const EMAIL_AFFILIATE: &str = "email_affiliate";
    pub const REFERRER: &str = "referrer";
    pub const API_KEY_REQUEST: &str = "api_key_request";
    pub const API_KEY: &str = "api_key";
    pub const REVOKED_KEY: &str = "revoked_key";
    pub const CUSTOM_FORM: &str = "custom_form_record";
    pub const ACCOUNT_ACCESS: &str = "account_access";
    pub const MEMBER_ACCESS: &str = "member_access";
    pub const FRAUD_REPORT: &str = "fraud_report";
    pub const CONVERSION_TOOL: &str = "conversion_tool";
}

/// The single account document's id.
pub const ACCOUNT_ID: &str = "1";

/// A localized label for an enum value (`billing_status` → `billing_status_msg`).
pub fn label(lang: Lang, domain: &str, value: &str) -> String {
    let pair: Option<(&str, &str)> = match (domain, value) {
        ("billing_type", "single_payment") => Some(("Einmalzahlung", "Single payment")),
        ("billing_type", "subscription") => Some(("Abonnement", "Subscription")),
        ("billing_type", "installment") => Some(("Ratenzahlung", "Installment payment")),
        ("billing_status", "paying") => Some(("Zahlungen laufen", "Paying")),
        ("billing_status", "completed") => Some(("Bezahlt", "Paid")),
        ("billing_status", "aborted") => Some(("Zahlungen abgebrochen", "Payments aborted")),
        ("billing_status", "unpaid") => Some(("Unbezahlt", "Unpaid")),
        ("billing_status", "reminding") => Some(("Zahlungserinnerung", "Payment reminder")),
        ("billing_status", "payment_data_update_required") => Some((
            "Zahlungsdaten müssen aktualisiert werden",
            "Payment data update required",
        )),
        ("transaction_type", "payment") => Some(("Zahlung", "Payment")),
        ("transaction_type", "refund") => Some(("Erstattung", "Refund")),
        ("transaction_type", "chargeback") => Some(("Rückbuchung", "Chargeback")),
        ("transaction_type", "refund_request") => Some(("Erstattungsantrag", "Refund request")),
        ("pay_method", "paypal") => Some(("PayPal", "PayPal")),
        ("pay_method", "creditcard") => Some(("Kreditkarte", "Credit card")),
        ("pay_method", "sepa") => Some(("Lastschrift", "Direct debit")),
        ("pay_method", "sofort") => Some(("Sofortüberweisung", "Sofort transfer")),
        ("pay_method", "banktransfer") => Some(("Banküberweisung", "Bank transfer")),
        ("pay_method", "applepay") => Some(("Apple Pay", "Apple Pay")),
        ("pay_method", "googlepay") => Some(("Google Pay", "Google Pay")),
        ("pay_method", "klarna") => Some(("Klarna", "Klarna")),
        ("approval_status", "new") => Some(("Neu", "New")),
        ("approval_status", "pending") => Some(("In Prüfung", "Pending")),
        ("approval_status", "approved") => Some(("Genehmigt", "Approved")),
        ("approval_status", "rejected") => Some(("Abgelehnt", "Rejected")),
        ("rebill_change", "rebill_cancelled") => Some(("Abo gekündigt", "Subscription cancelled")),
        ("rebill_change", "rebill_resumed") => Some(("Abo fortgesetzt", "Subscription resumed")),
        ("rebill_change", "last_paid_day") => Some(("Letzter bezahlter Tag", "Last paid day")),
        ("payment_status", "completed") => Some(("Bezahlt", "Paid")),
        ("payment_status", "pending") => Some(("Ausstehend", "Pending")),
        ("payment_status", "refused") => Some(("Abgelehnt", "Refused")),
        ("payment_status", "error") => Some(("Fehler", "Error")),
        ("pending_reason", "default_delay") => Some(("Standardverzögerung", "Default delay")),
        ("delivery_type", "request") => Some(("Lieferanfrage", "Delivery request")),
        ("delivery_type", "in_progress") => Some(("In Bearbeitung", "In progress")),
        ("delivery_type", "delivery") => Some(("Geliefert", "Delivered")),
        ("delivery_type", "partial_delivery") => Some(("Teillieferung", "Partial delivery")),
        ("delivery_type", "return") => Some(("Rücksendung", "Return")),
        ("delivery_type", "cancel") => Some(("Storniert", "Cancelled")),
        ("role", "user") => Some(("Benutzer", "User")),
        ("role", "affiliate") => Some(("Affiliate", "Affiliate")),
        ("role", "merchant") => Some(("Vendor", "Vendor")),
        ("permissions", "can_full_access") => Some(("Vollzugriff", "Full access")),
        ("permissions", "can_read") => Some(("Lesezugriff", "Read access")),
        _ => None,
    };
    match pair {
        Some((de, en)) => lang.pick(de, en).to_string(),
        None => value.to_string(),
    }
}

/// A string field of a document (`""` when absent; numbers are rendered).
pub fn s(doc: &Value, field: &str) -> String {
    match doc.get(field) {
        Some(Value::String(v)) => v.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => if *b { "Y" } else { "N" }.to_string(),
        _ => String::new(),
    }
}

/// A borrowed string field (`""` when absent or not a string).
pub fn sr<'a>(doc: &'a Value, field: &str) -> &'a str {
    doc.get(field).and_then(Value::as_str).unwrap_or("")
}

/// A money field in cents (0 when absent or malformed).
pub fn cents(doc: &Value, field: &str) -> i64 {
    parse_money(&s(doc, field)).unwrap_or(0)
}

/// An integer field (0 when absent or malformed).
pub fn int(doc: &Value, field: &str) -> i64 {
    s(doc, field).parse().unwrap_or(0)
}

/// `"Y"` or `"N"`.
pub fn yn(b: bool) -> &'static str {
    if b { "Y" } else { "N" }
}

/// Sets a field on an object document.
pub fn set(doc: &mut Value, field: &str, v: impl Into<Value>) {
    if let Value::Object(m) = doc {
        m.insert(field.to_string(), v.into());
    }
}

/// Copies the named fields of `doc` into a new object (missing ones as `""`).
pub fn pick(doc: &Value, fields: &[&str]) -> Value {
    let mut m = Map::new();
    for f in fields {
        m.insert(
            (*f).to_string(),
            doc.get(*f).cloned().unwrap_or_else(|| json!("")),
        );
    }
    Value::Object(m)
}

/// Whether `list` (a comma list such as `"all"` or `"1,2,3"`) includes `id`.
pub fn list_includes(list: &str, id: &str) -> bool {
    let l = list.trim();
    l.is_empty() || l == "all" || l.split(',').any(|x| x.trim() == id)
}

/// A stable short fingerprint of an API key (FNV-1a), so documents can be scoped to the
/// calling key without storing the key itself.
pub fn key_fingerprint(key: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Paging over a filtered row list: returns the page and the paging fields.
pub struct Page {
    /// 1-based page number.
    pub page_no: usize,
    /// Rows per page (0 = all).
    pub page_size: usize,
    /// Number of pages.
    pub page_count: usize,
    /// Number of rows over all pages.
    pub item_count: usize,
}

impl Page {
    /// Computes the paging for `total` rows.
    pub fn new(page_no: usize, page_size: usize, total: usize) -> Self {
        let page_count = if page_size == 0 {
            usize::from(total > 0)
        } else {
            total.div_ceil(page_size)
        };
        Self {
            page_no,
            page_size,
            page_count,
            item_count: total,
        }
    }

    /// The index range of this page within the full row list.
    pub fn range(&self) -> std::ops::Range<usize> {
        if self.page_size == 0 {
            return if self.page_no <= 1 {
                0..self.item_count
            } else {
                0..0
            };
        }
        let start = (self.page_no - 1)
            .saturating_mul(self.page_size)
            .min(self.item_count);
        let end = start.saturating_add(self.page_size).min(self.item_count);
        start..end
    }

    /// Writes `page_no`, `page_size`, `page_count`, `item_count` (as strings) into `out`.
    pub fn write(&self, out: &mut Map<String, Value>) {
        out.insert("page_no".into(), json!(self.page_no.to_string()));
        out.insert("page_size".into(), json!(self.page_size.to_string()));
        out.insert("page_count".into(), json!(self.page_count.to_string()));
        out.insert("item_count".into(), json!(self.item_count.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages() {
        let p = Page::new(2, 10, 25);
        assert_eq!(p.page_count, 3);
        assert_eq!(p.range(), 10..20);
        let p = Page::new(3, 10, 25);
        assert_eq!(p.range(), 20..25);
        let p = Page::new(9, 10, 25);
        assert_eq!(p.range(), 25..25);
        let p = Page::new(1, 0, 25);
        assert_eq!(p.range(), 0..25);
        assert_eq!(p.page_count, 1);
        assert_eq!(Page::new(1, 10, 0).page_count, 0);
    }

    #[test]
    fn labels_in_both_languages() {
        assert_eq!(
            label(Lang::De, "billing_status", "aborted"),
            "Zahlungen abgebrochen"
        );
        assert_eq!(
            label(Lang::En, "billing_status", "aborted"),
            "Payments aborted"
        );
        assert_eq!(label(Lang::En, "nothing", "x"), "x");
    }

    #[test]
    fn lists() {
        assert!(list_includes("all", "5"));
        assert!(list_includes("1, 5", "5"));
        assert!(!list_includes("1,55", "5"));
    }
}

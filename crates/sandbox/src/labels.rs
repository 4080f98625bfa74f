//! Localized `*_msg` labels of enum values (`billing_status` → `billing_status_msg`).
//!
//! One table for every answer that shows a label, so German and English texts stay together
//! and the same value reads the same everywhere.

use crate::error::Lang;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}

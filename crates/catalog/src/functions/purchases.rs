//! Purchases (orders): look up, list, change, resend mails, add balance.

use crate::model::fragments::*;
use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "purchases",
    description: "Purchases (orders): look up, list, change, resend mails, add balance.",
    default_on: true,
    functions: &[
        Function::destructive(&TOOLSET, "addBalanceToPurchase", "Add (or with a negative amount reduce) a credit balance on a subscription/installment order that is billed with upcoming payments.")
            .opt_in()
            .params(&[
                Param::req("purchase_id", Ty::String, ""),
                Param::req("amount", Ty::Number, "In the order's currency; negative reduces (not below 0)"),
            ]),
        Function::read(&TOOLSET, "getPurchase", "Orders in full: amounts, status, buyer, items, payments.")
            .hosted()
            .params(&[
                Param::req("purchase_id", Ty::String, "Comma list allowed"),
            ]),
        Function::read(&TOOLSET, "getPurchaseDownloads", "Orders' download files and access state.")
            .hosted()
            .params(&[
                Param::req("purchase_id", Ty::String, "Comma list allowed"),
            ]),
        Function::read(&TOOLSET, "getPurchaseTracking", "Orders' tracking data (UTM, click IDs, keys).")
            .hosted()
            .params(&[
                Param::req("purchase_id", Ty::String, "Comma list allowed"),
            ]),
        Function::read(&TOOLSET, "listPurchases", "Orders you earn on in a time window.")
            .operation_id("listPurchases")
            .hosted()
            .params(&[
                FROM,
                TO,
                Param::opt("search", Ty::Object(&[
                    Param::opt("role", Ty::String, "Comma list: vendor, affiliate, other"),
                    Param::opt("product_id", Ty::String, ""),
                    Param::opt("first_name", Ty::String, "").personal(),
                    Param::opt("last_name", Ty::String, "").personal(),
                    // A search matches by part ("gmail.com"): no e-mail format here.
                    Param::opt("email", Ty::String, "").personal(),
                    Param::opt("has_affiliate", Ty::Boolean, ""),
                    Param::opt("affiliate_name", Ty::String, "").personal(),
                    Param::opt("order_type", Ty::String, "").one_of(&["live", "test"]),
                    Param::opt("pay_method", Ty::String, "Comma list"),
                    Param::opt("billing_type", Ty::String, "single_payment, installment, subscription; comma list"),
                    Param::opt("transaction_type", Ty::String, "Comma list: payment, refund, chargeback, refund_request"),
                    Param::opt("currency", Ty::String, ""),
                    Param::opt("purchase_id", Ty::String, ""),
                ]), "Filters"),
                Param::opt("sort_by", Ty::String, "").default("date").one_of(&["date", "earning", "amount"]),
                Param::opt("sort_order", Ty::String, "").default("asc").one_of(&["asc", "desc"]),
                Param::opt("load_transactions", Ty::Boolean, "").default("N"),
                PAGE_NO,
                page_size(1, Some(1000), "500"),
            ]),
        Function::read(&TOOLSET, "listPurchasesOfEmail", "Orders of a buyer's e-mail address.")
            .operation_id("listPurchasesOfEmail")
            .hosted()
            .params(&[
                Param::req("email", Ty::String, "").format(Format::Email).personal(),
                Param::opt("limit", Ty::Integer, "").range(Some(1), None).default("100"),
            ]),
        Function::write(&TOOLSET, "resendInvoiceMail", "E-mail an order's invoices to the buyer again.")
            .operation_id("resendInvoiceMail")
            .not_done_when("status", &["error"], "note")
            .hosted()
            .params(&[
                Param::req("purchase_id", Ty::String, ""),
            ]),
        Function::write(&TOOLSET, "resendPurchaseConfirmationMail", "Send the order confirmation e-mail again.")
            .operation_id("resendPurchaseConfirmationMail")
            .hosted()
            .params(&[
                Param::req("purchase_id", Ty::String, ""),
            ]),
        Function::destructive(&TOOLSET, "updatePurchase", "Change an order's tracking data, re-unlock invoices or postpone the next rebilling payment.")
            .method(HttpMethod::Put)
            .operation_id("updatePurchase")
            .opt_in()
            .params(&[
                Param::req("purchase_id", Ty::String, ""),
                Param::req("data", Ty::Object(&[
                    Param::opt("tracking_param", Ty::String, ""),
                    Param::opt("custom", Ty::String, ""),
                    Param::opt("unlock_invoices", Ty::Boolean, "Re-open the buyer's access to invoices"),
                    Param::opt("next_payment_at", Ty::DateTime, "Only postpones"),
                ]), "Changes"),
            ]),
    ],
};

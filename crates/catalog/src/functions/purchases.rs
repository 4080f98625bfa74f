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
                Param::req("purchase_id", Ty::String, "Order ID, e.g. ABCD1234"),
                Param::req("amount", Ty::Number, "Balance to add in order currency; negative reduces it (never below 0)"),
            ]),
        Function::read(&TOOLSET, "getPurchase", "Read full details of one or more orders: amounts, billing status, buyer, items, transactions and management links.")
            .hosted()
            .params(&[
                Param::req("purchase_id", Ty::String, "Order ID or comma list of order IDs"),
            ]),
        Function::read(&TOOLSET, "getPurchaseDownloads", "List download files of one or more orders, grouped by order and product, with access state and limits.")
            .hosted()
            .params(&[
                Param::req("purchase_id", Ty::String, "Order ID or comma list"),
            ]),
        Function::read(&TOOLSET, "getPurchaseTracking", "Read tracking data (UTM params, click ID, sub IDs, tracking keys) of one or more orders.")
            .hosted()
            .params(&[
                Param::req("purchase_id", Ty::String, "Order ID or comma list"),
            ]),
        Function::read(&TOOLSET, "listPurchases", "List orders you earn on (vendor, affiliate or JV) in a time window with filters, sorting and pagination.")
            .operation_id("listPurchases")
            .hosted()
            .params(&[
                FROM,
                TO,
                Param::opt("search", Ty::Object(&[
                    Param::opt("role", Ty::String, "Comma list of roles: vendor, affiliate, other"),
                    Param::opt("product_id", Ty::String, "Product ID"),
                    Param::opt("first_name", Ty::String, "First name").personal(),
                    Param::opt("last_name", Ty::String, "Last name").personal(),
                    Param::opt("email", Ty::String, "E-mail address").personal(),
                    Param::opt("has_affiliate", Ty::Boolean, "Filter for purchases with (Y) or without (N) affiliate"),
                    Param::opt("affiliate_name", Ty::String, "Digistore24 user name of the affiliate"),
                    Param::opt("order_type", Ty::String, "live or test").one_of(&["live", "test"]),
                    Param::opt("pay_method", Ty::String, "Payment method key(s), comma list allowed (see getGlobalSettings)"),
                    Param::opt("billing_type", Ty::String, "Billing type filter (single_payment, installment, subscription); comma list allowed"),
                    Param::opt("transaction_type", Ty::String, "Transaction type filter: payment, refund, chargeback, refund_request (comma list)"),
                    Param::opt("currency", Ty::String, "Currency code, e.g. EUR"),
                    Param::opt("purchase_id", Ty::String, "Order ID, e.g. ABCD1234"),
                ]), "Filters: search[role], search[product_id], search[email], search[order_type], search[billing_type], ... (see fields)"),
                Param::opt("sort_by", Ty::String, "Sort by date (default), earning or amount").one_of(&["date", "earning", "amount"]),
                Param::opt("sort_order", Ty::String, "asc or desc (default asc)").one_of(&["asc", "desc"]),
                Param::opt("load_transactions", Ty::Boolean, "Y = include each purchase's transaction list (default N)"),
                PAGE_NO,
                page_size(1, None, "500"),
            ]),
        Function::read(&TOOLSET, "listPurchasesOfEmail", "List orders that belong to a buyer e-mail address.")
            .operation_id("listPurchasesOfEmail")
            .hosted()
            .params(&[
                Param::req("email", Ty::String, "E-mail address; e-mail format").personal(),
                Param::opt("limit", Ty::Integer, "Maximum number of purchases (default 100); min 1"),
            ]),
        Function::write(&TOOLSET, "resendInvoiceMail", "E-mail all invoices of an order to the buyer again.")
            .operation_id("resendInvoiceMail")
            .hosted()
            .params(&[
                Param::req("purchase_id", Ty::String, "Order ID"),
            ]),
        Function::write(&TOOLSET, "resendPurchaseConfirmationMail", "Send the order confirmation e-mail to the buyer again.")
            .operation_id("resendPurchaseConfirmationMail")
            .hosted()
            .params(&[
                Param::req("purchase_id", Ty::String, "Order ID"),
            ]),
        Function::destructive(&TOOLSET, "updatePurchase", "Change an order's tracking data, re-unlock invoices or postpone the next rebilling payment.")
            .method(HttpMethod::Put)
            .operation_id("updatePurchase")
            .opt_in()
            .params(&[
                Param::req("purchase_id", Ty::String, "Order ID, e.g. ABCD1234"),
                Param::req("data", Ty::Object(&[
                    Param::opt("tracking_param", Ty::String, "Vendor tracking key of the order"),
                    Param::opt("custom", Ty::String, "Free vendor reference string carried through to IPN and purchase data"),
                    Param::opt("unlock_invoices", Ty::Boolean, "Y = re-enable the buyer's access to invoices/order details (expires after 3 years by default)"),
                    Param::opt("next_payment_at", Ty::DateTime, "New (later) date of the next rebilling payment; can only postpone"),
                ]), "Order fields to change (tracking_param, custom, unlock_invoices, next_payment_at)"),
            ]),
    ],
};

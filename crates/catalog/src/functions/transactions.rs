//! Transactions: payments, refunds and chargebacks.

use crate::model::fragments::*;
use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "transactions",
    description: "Transactions: payments, refunds and chargebacks.",
    default_on: true,
    functions: &[
        Function::read(&TOOLSET, "listTransactions", "List payments, refunds and chargebacks you earn on, by transaction date, with filters and pagination.")
            .method(HttpMethod::Post)
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
                    Param::opt("pay_method", Ty::String, "Payment method key(s), comma list allowed (see getGlobalSettings)"),
                    Param::opt("billing_type", Ty::String, "Billing type filter (single_payment, installment, subscription); comma list allowed"),
                    Param::opt("transaction_type", Ty::String, "Transaction type filter: payment, refund, chargeback, refund_request (comma list)"),
                    Param::opt("currency", Ty::String, "Currency code, e.g. EUR"),
                    Param::opt("purchase_id", Ty::String, "Order ID, e.g. ABCD1234"),
                ]), "Filters: search[role], search[product_id], search[transaction_type], search[email], ... (see fields)"),
                Param::opt("sort_by", Ty::String, "Sort by date (default), earning or amount").one_of(&["date", "earning", "amount"]),
                Param::opt("sort_order", Ty::String, "asc or desc (default asc)").one_of(&["asc", "desc"]),
                PAGE_NO,
                page_size(1, Some(1000), "500"),
            ]),
    ],
};

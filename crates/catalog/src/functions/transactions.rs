//! Transactions: payments, refunds and chargebacks.

use crate::model::fragments::*;
use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "transactions",
    description: "Transactions: payments, refunds and chargebacks.",
    default_on: true,
    functions: &[Function::read(
        &TOOLSET,
        "listTransactions",
        "Payments, refunds and chargebacks in a time window.",
    )
    .method(HttpMethod::Post)
    .hosted()
    .params(&[
        FROM,
        TO,
        Param::opt(
            "search",
            Ty::Object(&[
                Param::opt("role", Ty::String, "Comma list: vendor, affiliate, other"),
                Param::opt("product_id", Ty::String, ""),
                Param::opt("first_name", Ty::String, "").personal(),
                Param::opt("last_name", Ty::String, "").personal(),
                // A search matches by part ("gmail.com"): no e-mail format here.
                Param::opt("email", Ty::String, "").personal(),
                Param::opt("has_affiliate", Ty::Boolean, ""),
                Param::opt("affiliate_name", Ty::String, "").personal(),
                Param::opt("pay_method", Ty::String, "Comma list"),
                Param::opt(
                    "billing_type",
                    Ty::String,
                    "single_payment, installment, subscription; comma list",
                ),
                Param::opt(
                    "transaction_type",
                    Ty::String,
                    "Comma list: payment, refund, chargeback, refund_request",
                ),
                Param::opt("currency", Ty::String, ""),
                Param::opt("purchase_id", Ty::String, ""),
            ]),
            "Filters",
        ),
        Param::opt("sort_by", Ty::String, "")
            .default("date")
            .one_of(&["date", "earning", "amount"]),
        Param::opt("sort_order", Ty::String, "")
            .default("asc")
            .one_of(&["asc", "desc"]),
        PAGE_NO,
        page_size(1, Some(1000), "500"),
    ])],
};

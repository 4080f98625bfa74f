//! Reports: counts and amount sums of orders or payments in one call, computed by ds24-mcp.
//!
//! Digistore24 has no function that answers "how many subscription payments did product X
//! have last month"; an agent would page through hundreds of rows and count them itself. These
//! entries declare tools that do the paging and counting on the server side.

use crate::model::fragments::*;
use crate::model::*;

/// Equality filters: the list function's own search fields go to Digistore24, anything else
/// is matched against the rows. Each report's example names fields its rows have.
const WHERE_ORDERS: Param = Param::opt(
    "where",
    Ty::Object(&[]),
    "Field to value (a comma means any of), e.g. product_id, billing_status",
);
const WHERE_PAYMENTS: Param = Param::opt(
    "where",
    Ty::Object(&[]),
    "Field to value (a comma means any of), e.g. product_id, pay_method",
);

/// Grouping.
const GROUP_BY: Param = Param::opt("group_by", Ty::String, "A row field, or day, week or month");

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "reports",
    description: "Reports: counts and amount sums of orders or payments, filtered and grouped, in one call.",
    default_on: true,
    functions: &[
        Function::read(
            &TOOLSET,
            "summarizePurchases",
            "Count orders and sum their amounts per currency; filter and group.",
        )
        .report(Report {
            source: "listPurchases",
            rows: "purchase_list",
            amounts: &["amount", "earned_amount"],
            date: "created_at",
        })
        .params(&[FROM, TO, WHERE_ORDERS, GROUP_BY]),
        Function::read(
            &TOOLSET,
            "summarizeTransactions",
            "Count payments, refunds and chargebacks and sum them per currency; filter and group.",
        )
        .report(Report {
            source: "listTransactions",
            rows: "transaction_list",
            amounts: &["amount", "vat_amount", "earned_amount", "affiliate_amount"],
            date: "created_at",
        })
        .params(&[FROM, TO, WHERE_PAYMENTS, GROUP_BY]),
    ],
};

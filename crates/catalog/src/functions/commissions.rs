//! Commissions: your commission bookings and payout dates.

use crate::model::fragments::*;
use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "commissions",
    description: "Commissions: your commission bookings and payout dates.",
    default_on: true,
    functions: &[Function::read(
        &TOOLSET,
        "listCommissions",
        "List your commission bookings (amount, reason, scheduled payout date) in a time window.",
    )
    .operation_id("listCommissions")
    .hosted()
    .params(&[
        FROM,
        TO,
        PAGE_NO,
        Param::opt("page_size", Ty::Integer, "Rows per page; 0 = all rows")
            .range(Some(0), None)
            .default("0"),
        Param::opt(
            "transaction_type",
            Ty::String,
            "Default payment,refund,refund_request,chargeback; 'all' adds receivables",
        ),
        Param::opt(
            "commission_type",
            Ty::String,
            "Filter by commission type; default all",
        ),
        Param::opt("purchase_id", Ty::String, "Order ID, e.g. ABCD1234"),
    ])],
};

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
        "Your commission bookings with payout dates.",
    )
    .operation_id("listCommissions")
    .hosted()
    .params(&[
        FROM,
        TO,
        PAGE_NO,
        Param::opt("page_size", Ty::Integer, "0: all rows")
            .range(Some(0), None)
            .default("0"),
        Param::opt(
            "transaction_type",
            Ty::String,
            "Comma list; 'all' adds receivables",
        )
        .default("payment,refund,refund_request,chargeback"),
        Param::opt("commission_type", Ty::String, ""),
        Param::opt("purchase_id", Ty::String, ""),
    ])],
};

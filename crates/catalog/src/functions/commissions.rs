//! The commissions functions.

use crate::model::*;

pub(crate) const FUNCTIONS: &[Function] = &[Function {
    name: "listCommissions",
    title: "List commissions",
    category: Category::Commissions,
    summary: "List your commission bookings (amount, reason, scheduled payout date) in a time window.",
    access: Access::Read,
    effect: Effect::Read,
    idempotent: true,
    spec_method: HttpMethod::Get,
    operation_id: Some("listCommissions"),
    hosted: true,
    in_spec: true,
    params: &[
        Param::opt(
            "from",
            Ty::DateTime,
            "Start of the time range (default -24h)",
        ),
        Param::opt("to", Ty::DateTime, "End of the time range (default now)"),
        Param::opt(
            "page_no",
            Ty::Integer,
            "Page number, starting at 1; min 1 (default 1)",
        ),
        Param::opt(
            "page_size",
            Ty::Integer,
            "Rows per page; 0 (default) = all rows; min 0",
        ),
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
    ],
}];

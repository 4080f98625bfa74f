//! Rebilling: stop, resume and trigger recurring payments.

use crate::model::fragments::*;
use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "rebilling",
    description: "Rebilling: stop, resume and trigger recurring payments.",
    default_on: true,
    functions: &[
        Function::destructive(&TOOLSET, "createRebillingPayment", "Trigger the next rebilling payment now for an order whose plan is in 'billing by trigger' mode. Needs the account right \"billing on demand\".")
            .opt_in()
            .params(&[
                Param::req("purchase_id", Ty::String, "Order ID whose plan is in 'billing by trigger' mode"),
            ]),
        Function::read(&TOOLSET, "listRebillingStatusChanges", "List subscription status events (cancelled, resumed, last paid day) in a time window.")
            .hosted()
            .params(&[
                Param::opt("from", Ty::DateTime, "Start of the time window"),
                Param::opt("to", Ty::DateTime, "End of the time window"),
                PAGE_NO,
                Param::opt("page_size", Ty::Integer, "Rows per page").range(Some(1), None),
            ]),
        Function::destructive(&TOOLSET, "startRebilling", "Resume stopped recurring payments of an order.")
            .operation_id("startRebilling")
            .opt_in()
            .idempotent(true)
            .params(&[
                Param::req("purchase_id", Ty::String, "Order ID"),
            ]),
        Function::destructive(&TOOLSET, "stopRebilling", "Stop (cancel) the recurring payments of a subscription or installment order.")
            .operation_id("stopRebilling")
            .opt_in()
            .idempotent(true)
            .params(&[
                Param::req("purchase_id", Ty::String, "Order ID"),
                Param::opt("force", Ty::Boolean, "Y = cancel immediately even inside a minimum term (default N)"),
                Param::opt("ignore_refund_possibility", Ty::Boolean, "Y = cancel at the regular end even if a refund would still be possible (default N)"),
            ]),
    ],
};

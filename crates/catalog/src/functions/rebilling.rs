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
            .not_done_when("payment_status", &["refused", "error"], "payment_message")
            .params(&[
                Param::req("purchase_id", Ty::String, "Order in 'billing by trigger' mode"),
            ]),
        Function::read(&TOOLSET, "listRebillingStatusChanges", "Subscription cancellations and resumptions in a time window.")
            .hosted()
            .params(&[
                Param::opt("from", Ty::DateTime, ""),
                Param::opt("to", Ty::DateTime, ""),
                PAGE_NO,
                Param::opt("page_size", Ty::Integer, "").range(Some(1), None),
            ]),
        Function::destructive(&TOOLSET, "startRebilling", "Resume stopped recurring payments of an order.")
            .operation_id("startRebilling")
            .opt_in()
            .idempotent(true)
            .params(&[
                Param::req("purchase_id", Ty::String, ""),
            ]),
        Function::destructive(&TOOLSET, "stopRebilling", "Stop (cancel) the recurring payments of a subscription or installment order.")
            .operation_id("stopRebilling")
            .opt_in()
            .idempotent(true)
            .params(&[
                Param::req("purchase_id", Ty::String, ""),
                Param::opt("force", Ty::Boolean, "Cancel now even inside a minimum term").default("N"),
                Param::opt("ignore_refund_possibility", Ty::Boolean, "Cancel at the regular end although a refund is possible").default("N"),
            ]),
    ],
};

//! Refunds of orders and single payments; move money back to buyers.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "refunds",
    description: "Refunds of orders and single payments; move money back to buyers.",
    default_on: false,
    functions: &[
        Function::destructive(
            &TOOLSET,
            "refundPartially",
            "Refund part of a payment; booked as a discount, the order status is unchanged.",
        )
        .operation_id("refundPartially")
        .params(&[
            Param::req("purchase_id", Ty::String, ""),
            Param::req("amount", Ty::Number, "At most one payment's amount"),
        ]),
        Function::destructive(
            &TOOLSET,
            "refundPurchase",
            "Refund every refundable payment of an order.",
        )
        .operation_id("refundPurchase")
        .not_done_when("status", &["error", "refused"], "note")
        .params(&[
            Param::req("purchase_id", Ty::String, ""),
            Param::opt(
                "force",
                Ty::Boolean,
                "Refund even if the refund policy forbids it",
            )
            .default("N"),
            Param::opt(
                "request_date",
                Ty::Date,
                "When the buyer asked; the refund policy applies as of then",
            )
            .default("now"),
        ]),
        Function::destructive(
            &TOOLSET,
            "refundTransaction",
            "Refund a single payment transaction.",
        )
        .operation_id("refundTransaction")
        .not_done_when("status", &["error", "refused"], "note")
        .params(&[
            Param::req("transaction_id", Ty::String, ""),
            Param::opt(
                "force",
                Ty::Boolean,
                "Refund even if the refund policy forbids it",
            )
            .default("N"),
            Param::opt(
                "request_date",
                Ty::Date,
                "When the buyer asked; the refund policy applies as of then",
            )
            .default("now"),
        ]),
    ],
};

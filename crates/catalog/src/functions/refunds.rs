//! Refunds of orders and single payments; move money back to buyers.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "refunds",
    description: "Refunds of orders and single payments; move money back to buyers.",
    default_on: false,
    functions: &[
        Function::destructive(&TOOLSET, "refundPartially", "Refund part of a payment; booked as a discount, the order status is unchanged.")
            .operation_id("refundPartially")
            .params(&[
                Param::req("purchase_id", Ty::String, "Order ID"),
                Param::req("amount", Ty::Number, "Amount to refund; must not exceed a single payment"),
            ]),
        Function::destructive(&TOOLSET, "refundPurchase", "Refund every refundable payment of an order.")
            .operation_id("refundPurchase")
            .params(&[
                Param::req("purchase_id", Ty::String, "Order ID"),
                Param::opt("force", Ty::Boolean, "Y = refund even if the refund policy does not allow it (default N)"),
                Param::opt("request_date", Ty::Date, "Date of the buyer's refund request; refund policy is evaluated at this date (default now)"),
            ]),
        Function::destructive(&TOOLSET, "refundTransaction", "Refund a single payment transaction.")
            .operation_id("refundTransaction")
            .params(&[
                Param::req("transaction_id", Ty::String, "Numeric transaction ID"),
                Param::opt("force", Ty::Boolean, "Y = refund even if the refund policy does not allow it (default N)"),
                Param::opt("request_date", Ty::Date, "Date of the buyer's refund request; refund policy is evaluated at this date (default now)"),
            ]),
    ],
};

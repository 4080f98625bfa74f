//! The refunds functions.

use crate::model::*;

pub(crate) const FUNCTIONS: &[Function] = &[
    Function {
        name: "refundPartially",
        title: "Refund partially",
        category: Category::Refunds,
        summary: "Refund part of a payment; booked as a discount, the order status is unchanged.",
        access: Access::Full,
        effect: Effect::Destructive,
        idempotent: false,
        spec_method: HttpMethod::Post,
        operation_id: Some("refundPartially"),
        hosted: false,
        in_spec: true,
        params: &[
            Param::req("purchase_id", Ty::String, "Order ID"),
            Param::req(
                "amount",
                Ty::Number,
                "Amount to refund; must not exceed a single payment",
            ),
        ],
    },
    Function {
        name: "refundPurchase",
        title: "Refund purchase",
        category: Category::Refunds,
        summary: "Refund every refundable payment of an order.",
        access: Access::Full,
        effect: Effect::Destructive,
        idempotent: false,
        spec_method: HttpMethod::Post,
        operation_id: Some("refundPurchase"),
        hosted: false,
        in_spec: true,
        params: &[
            Param::req("purchase_id", Ty::String, "Order ID"),
            Param::opt(
                "force",
                Ty::Boolean,
                "Y = refund even if the refund policy does not allow it (default N)",
            ),
            Param::opt(
                "request_date",
                Ty::Date,
                "Date of the buyer's refund request; refund policy is evaluated at this date (default now)",
            ),
        ],
    },
    Function {
        name: "refundTransaction",
        title: "Refund transaction",
        category: Category::Refunds,
        summary: "Refund a single payment transaction.",
        access: Access::Full,
        effect: Effect::Destructive,
        idempotent: false,
        spec_method: HttpMethod::Post,
        operation_id: Some("refundTransaction"),
        hosted: false,
        in_spec: true,
        params: &[
            Param::req("transaction_id", Ty::String, "Numeric transaction ID"),
            Param::opt(
                "force",
                Ty::Boolean,
                "Y = refund even if the refund policy does not allow it (default N)",
            ),
            Param::opt(
                "request_date",
                Ty::Date,
                "Date of the buyer's refund request; refund policy is evaluated at this date (default now)",
            ),
        ],
    },
];

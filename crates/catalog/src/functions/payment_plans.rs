//! Payment plans: the prices of a product (one-time, instalments, subscriptions).

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "payment_plans",
    description: "Payment plans: the prices of a product (one-time, instalments, subscriptions).",
    default_on: true,
    functions: &[
        Function::write(
            &TOOLSET,
            "createPaymentplan",
            "Add a payment plan to a product.",
        )
        .hosted()
        .params(&[
            Param::req("product_id", Ty::String, ""),
            Param::req(
                "data",
                Ty::Object(&[
                    Param::opt("first_amount", Ty::Number, "First or only payment"),
                    Param::opt("first_billing_interval", Ty::String, "e.g. 1_month, 14_day"),
                    Param::opt("currency", Ty::String, "").max_len(3),
                    Param::opt("other_amounts", Ty::Number, "Follow-up payments"),
                    Param::opt("other_billing_intervals", Ty::String, "e.g. 1_month"),
                    Param::opt(
                        "number_of_installments",
                        Ty::Integer,
                        "0: subscription; n: number of payments",
                    )
                    .range(Some(0), None),
                    Param::opt("is_active", Ty::Boolean, ""),
                    Param::opt("cancel_policy", Ty::String, "Term and notice").one_of(&[
                        "6m_0", "6m_6m", "6m_12m", "12m_0", "12m_3m", "12m_6m", "12m_12m", "24m_0",
                        "24m_6m", "24m_12m",
                    ]),
                    Param::opt("position", Ty::Integer, ""),
                    Param::opt("is_switching_allowed", Ty::Boolean, ""),
                ]),
                "Plan",
            ),
        ]),
        Function::destructive(
            &TOOLSET,
            "deletePaymentplan",
            "Delete a stored payment plan.",
        )
        .method(HttpMethod::Delete)
        .params(&[Param::req("paymentplan_id", Ty::Integer, "")]),
        Function::read(&TOOLSET, "listPaymentPlans", "A product's payment plans.")
            .operation_id("listPaymentPlans")
            .hosted()
            .params(&[Param::req("product_id", Ty::Integer, "")]),
        Function::destructive(
            &TOOLSET,
            "updatePaymentplan",
            "Change a payment plan's price, interval or terms.",
        )
        .method(HttpMethod::Put)
        .operation_id("updatePaymentplan")
        .params(&[
            Param::req("paymentplan_id", Ty::Integer, ""),
            Param::req(
                "data",
                Ty::Object(&[
                    Param::opt("first_amount", Ty::Number, "First or only payment"),
                    Param::opt("first_billing_interval", Ty::String, "e.g. 1_month, 14_day"),
                    Param::opt("currency", Ty::String, "").max_len(3),
                    Param::opt("other_amounts", Ty::Number, "Follow-up payments"),
                    Param::opt("other_billing_intervals", Ty::String, "e.g. 1_month"),
                    Param::opt(
                        "number_of_installments",
                        Ty::Integer,
                        "0: subscription; n: number of payments",
                    )
                    .range(Some(0), None),
                    Param::opt("is_active", Ty::Boolean, ""),
                    Param::opt("cancel_policy", Ty::String, "Term and notice").one_of(&[
                        "6m_0", "6m_6m", "6m_12m", "12m_0", "12m_3m", "12m_6m", "12m_12m", "24m_0",
                        "24m_6m", "24m_12m",
                    ]),
                ]),
                "Changes",
            ),
        ]),
    ],
};

//! Payment plans: the prices of a product (one-time, instalments, subscriptions).

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "payment_plans",
    description: "Payment plans: the prices of a product (one-time, instalments, subscriptions).",
    default_on: true,
    functions: &[
        Function::write(&TOOLSET, "createPaymentplan", "Add a stored payment plan (price, interval, installments) to a product.")
            .title("Create payment plan")
            .hosted()
            .params(&[
                Param::req("product_id", Ty::String, "Product the plan belongs to"),
                Param::req("data", Ty::Object(&[
                    Param::opt("first_amount", Ty::Number, "First payment (or the single price) as a decimal amount"),
                    Param::opt("first_billing_interval", Ty::String, "Interval between the first and second payment, e.g. 1_month, 14_day"),
                    Param::opt("currency", Ty::String, "Currency code, e.g. EUR; max 3 chars"),
                    Param::opt("other_amounts", Ty::Number, "Amount of each follow-up payment"),
                    Param::opt("other_billing_intervals", Ty::String, "Interval between follow-up payments, e.g. 1_month"),
                    Param::opt("number_of_installments", Ty::Integer, "0 = open-ended subscription, 1 = single payment, n>=2 = n installments; min 0"),
                    Param::opt("is_active", Ty::Boolean, "Y/N active flag"),
                    Param::opt("cancel_policy", Ty::String, "Minimum-term / notice-period rule, coded as <term>_<notice> (e.g. 12m_3m)").one_of(&["6m_0", "6m_6m", "6m_12m", "12m_0", "12m_3m", "12m_6m", "12m_12m", "24m_0", "24m_6m", "24m_12m"]),
                    Param::opt("position", Ty::Integer, "Sort position of the plan"),
                    Param::opt("is_switching_allowed", Ty::String, "Y = buyer may switch to another stored plan (switch_pay_interval_url)"),
                ]), "Plan properties"),
            ]),
        Function::destructive(&TOOLSET, "deletePaymentplan", "Delete a stored payment plan.")
            .title("Delete payment plan")
            .method(HttpMethod::Delete)
            .opt_in()
            .params(&[
                Param::req("paymentplan_id", Ty::Integer, "Payment plan ID to delete"),
            ]),
        Function::read(&TOOLSET, "listPaymentPlans", "List the stored payment plans of a product.")
            .operation_id("listPaymentPlans")
            .hosted()
            .params(&[
                Param::req("product_id", Ty::Integer, "Product whose plans are listed"),
            ]),
        Function::destructive(&TOOLSET, "updatePaymentplan", "Change price, interval or terms of a stored payment plan.")
            .title("Update payment plan")
            .method(HttpMethod::Put)
            .operation_id("updatePaymentplan")
            .opt_in()
            .params(&[
                Param::req("paymentplan_id", Ty::Integer, "Numeric payment plan ID"),
                Param::req("data", Ty::Object(&[
                    Param::opt("first_amount", Ty::Number, "First payment (or the single price) as a decimal amount"),
                    Param::opt("first_billing_interval", Ty::String, "Interval between the first and second payment, e.g. 1_month, 14_day"),
                    Param::opt("currency", Ty::String, "Currency code, e.g. EUR"),
                    Param::opt("other_amounts", Ty::Number, "Amount of each follow-up payment"),
                    Param::opt("other_billing_intervals", Ty::String, "Interval between follow-up payments, e.g. 1_month"),
                    Param::opt("number_of_installments", Ty::Integer, "0 = open-ended subscription, 1 = single payment, n>=2 = n installments"),
                    Param::opt("is_active", Ty::Boolean, "Y/N active flag"),
                    Param::opt("cancel_policy", Ty::String, "Minimum-term / notice-period rule, coded as <term>_<notice> (e.g. 12m_3m)").one_of(&["6m_0", "6m_6m", "6m_12m", "12m_0", "12m_3m", "12m_6m", "12m_12m", "24m_0", "24m_6m", "24m_12m"]),
                ]), "Plan properties to change"),
            ]),
    ],
};

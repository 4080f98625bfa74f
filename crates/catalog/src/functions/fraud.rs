//! The fraud functions.

use crate::model::*;

pub(crate) const FUNCTIONS: &[Function] = &[Function {
    name: "reportFraud",
    title: "Report fraud",
    category: Category::Fraud,
    summary: "Report the buyer and/or affiliate of a transaction as fraudulent.",
    access: Access::Full,
    effect: Effect::Destructive,
    idempotent: false,
    spec_method: HttpMethod::Post,
    operation_id: Some("reportFraud"),
    hosted: false,
    in_spec: true,
    params: &[
        Param::req(
            "transaction_id",
            Ty::Integer,
            "Numeric ID of the fraudulent transaction",
        ),
        Param::req("who", Ty::String, "buyer or affiliate").one_of(&["buyer", "affiliate"]),
        Param::req("comment", Ty::String, "Why the order is considered fraud"),
    ],
}];

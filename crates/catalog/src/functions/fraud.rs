//! Fraud reports about buyers and affiliates.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "fraud",
    description: "Fraud reports about buyers and affiliates.",
    default_on: false,
    functions: &[Function::destructive(
        &TOOLSET,
        "reportFraud",
        "Report the buyer and/or affiliate of a transaction as fraudulent.",
    )
    .operation_id("reportFraud")
    .params(&[
        Param::req("transaction_id", Ty::Integer, ""),
        Param::req("who", Ty::String, "").one_of(&["buyer", "affiliate", "buyer,affiliate"]),
        Param::req("comment", Ty::String, "Why it is fraud").personal(),
    ])],
};

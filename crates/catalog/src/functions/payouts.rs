//! Payouts and credit notes.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "payouts",
    description: "Payouts and credit notes.",
    default_on: true,
    functions: &[
        Function::read(&TOOLSET, "listPayouts", "Your payouts and credit notes.")
            .operation_id("listPayouts")
            .hosted(),
    ],
};

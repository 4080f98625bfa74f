//! Payouts and credit notes.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "payouts",
    description: "Payouts and credit notes.",
    default_on: true,
    functions: &[Function::read(
        &TOOLSET,
        "listPayouts",
        "List your payouts/credit notes as vendor and affiliate with amounts and document links.",
    )
    .operation_id("listPayouts")
    .hosted()],
};

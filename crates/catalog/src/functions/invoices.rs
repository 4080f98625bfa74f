//! Invoices of an order.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "invoices",
    description: "Invoices of an order.",
    default_on: true,
    functions: &[Function::read(
        &TOOLSET,
        "listInvoices",
        "List the invoices (PDF links, numbers, amounts) of one order.",
    )
    .access(Access::Full)
    .operation_id("listInvoices")
    .hosted()
    .params(&[Param::req(
        "purchase_id",
        Ty::String,
        "Order ID (must belong to the key owner's account)",
    )])],
};

//! Invoices of an order.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "invoices",
    description: "Invoices of an order.",
    default_on: true,
    functions: &[Function::read(
        &TOOLSET,
        "listInvoices",
        "An order's invoices with PDF links.",
    )
    .access(Access::Full)
    .operation_id("listInvoices")
    .hosted()
    .params(&[Param::req("purchase_id", Ty::String, "")])],
};

//! The invoices functions.

use crate::model::*;

pub(crate) const FUNCTIONS: &[Function] = &[Function {
    name: "listInvoices",
    title: "List invoices",
    category: Category::Invoices,
    summary: "List the invoices (PDF links, numbers, amounts) of one order.",
    access: Access::Full,
    effect: Effect::Read,
    idempotent: true,
    spec_method: HttpMethod::Get,
    operation_id: Some("listInvoices"),
    hosted: true,
    in_spec: true,
    params: &[Param::req(
        "purchase_id",
        Ty::String,
        "Order ID (must belong to the key owner's account)",
    )],
}];

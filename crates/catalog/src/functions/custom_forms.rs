//! The custom forms functions.

use crate::model::*;

pub(crate) const FUNCTIONS: &[Function] = &[Function {
    name: "listCustomFormRecords",
    title: "List custom form records",
    category: Category::CustomForms,
    summary: "List data buyers entered in extra order-form fields (custom forms), optionally for one order.",
    access: Access::Read,
    effect: Effect::Read,
    idempotent: true,
    spec_method: HttpMethod::Get,
    operation_id: Some("listCustomFormRecords"),
    hosted: true,
    in_spec: true,
    params: &[Param::opt(
        "purchase_id",
        Ty::String,
        "Optional order ID filter",
    )],
}];

//! The payouts functions.

use crate::model::*;

pub(crate) const FUNCTIONS: &[Function] = &[Function {
    name: "listPayouts",
    title: "List payouts",
    category: Category::Payouts,
    summary: "List your payouts/credit notes as vendor and affiliate with amounts and document links.",
    access: Access::Read,
    effect: Effect::Read,
    idempotent: true,
    spec_method: HttpMethod::Get,
    operation_id: Some("listPayouts"),
    hosted: true,
    in_spec: true,
    params: &[],
}];

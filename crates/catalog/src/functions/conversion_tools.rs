//! The conversion tools functions.

use crate::model::*;

pub(crate) const FUNCTIONS: &[Function] = &[Function {
    name: "listConversionTools",
    title: "List conversion tools",
    category: Category::ConversionTools,
    summary: "List configured conversion tools (smart upgrades, social-proof widgets, countdowns, trust badges).",
    access: Access::Read,
    effect: Effect::Read,
    idempotent: true,
    spec_method: HttpMethod::Get,
    operation_id: Some("listConversionTools"),
    hosted: true,
    in_spec: true,
    params: &[Param::req(
        "type",
        Ty::String,
        "Comma list of tool types: smartupgrade, socialproof_box, socialproof_bubble, countdown, trust_badge",
    )],
}];

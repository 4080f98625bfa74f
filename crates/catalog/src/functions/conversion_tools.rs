//! Conversion tools: widgets such as countdowns and trust badges.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "conversion_tools",
    description: "Conversion tools: widgets such as countdowns and trust badges.",
    default_on: true,
    functions: &[Function::read(
        &TOOLSET,
        "listConversionTools",
        "Countdowns, trust badges, social proof, smart upgrades.",
    )
    .operation_id("listConversionTools")
    .hosted()
    .params(&[Param::req(
        "type",
        Ty::String,
        "Comma list: smartupgrade, socialproof_box, socialproof_bubble, countdown, trust_badge",
    )])],
};

//! Custom forms: extra data buyers entered on the order form.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "custom_forms",
    description: "Custom forms: extra data buyers entered on the order form.",
    default_on: true,
    functions: &[Function::read(
        &TOOLSET,
        "listCustomFormRecords",
        "What buyers entered in extra order-form fields.",
    )
    .operation_id("listCustomFormRecords")
    .hosted()
    .params(&[Param::opt("purchase_id", Ty::String, "")])],
};

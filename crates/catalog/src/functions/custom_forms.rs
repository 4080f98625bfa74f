//! Custom forms: extra data buyers entered on the order form.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "custom_forms",
    description: "Custom forms: extra data buyers entered on the order form.",
    default_on: true,
    functions: &[
        Function::read(&TOOLSET, "listCustomFormRecords", "List data buyers entered in extra order-form fields (custom forms), optionally for one order.")
            .operation_id("listCustomFormRecords")
            .hosted()
            .params(&[
                Param::opt("purchase_id", Ty::String, "Optional order ID filter"),
            ]),
    ],
};

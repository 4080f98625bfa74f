//! Upsells: the funnel of offers after a purchase.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "upsells",
    description: "Upsells: the funnel of offers after a purchase.",
    default_on: true,
    functions: &[
        Function::destructive(
            &TOOLSET,
            "deleteUpsells",
            "Remove the whole upsell funnel of a product.",
        )
        .method(HttpMethod::Delete)
        .opt_in()
        .params(&[Param::req(
            "product_id",
            Ty::Integer,
            "Product whose upsell tree is removed",
        )]),
        Function::read(
            &TOOLSET,
            "getUpsells",
            "Read the upsell funnel tree (y/yn/yy... positions to product IDs) of a product.",
        )
        .access(Access::Full)
        .hosted()
        .params(&[Param::req(
            "product_id",
            Ty::Integer,
            "Initial product of the upsell tree",
        )]),
        Function::write(
            &TOOLSET,
            "updateUpsells",
            "Replace the upsell funnel tree of a product.",
        )
        .method(HttpMethod::Put)
        .operation_id("updateUpsells")
        .hosted()
        .params(&[
            Param::req(
                "product_id",
                Ty::Integer,
                "Initial product of the upsell tree",
            ),
            Param::req(
                "data",
                Ty::Object(&[]),
                "Upsell tree: position code (y, yy, yn, ...) -> product ID",
            ),
        ]),
    ],
};

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
        .params(&[Param::req("product_id", Ty::Integer, "")]),
        Function::read(
            &TOOLSET,
            "getUpsells",
            "A product's upsell funnel: positions (y, yn, ...) to products.",
        )
        .access(Access::Full)
        .hosted()
        .params(&[Param::req("product_id", Ty::Integer, "")]),
        Function::write(
            &TOOLSET,
            "updateUpsells",
            "Set upsell positions of a product; check with getUpsells.",
        )
        .method(HttpMethod::Put)
        .operation_id("updateUpsells")
        .hosted()
        .params(&[
            Param::req("product_id", Ty::Integer, ""),
            Param::req(
                "data",
                Ty::Object(&[]),
                "Position code (y, yy, yn, ...) to product ID",
            ),
        ]),
    ],
};

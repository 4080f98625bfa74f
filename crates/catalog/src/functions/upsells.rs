//! The upsells functions.

use crate::model::*;

pub(crate) const FUNCTIONS: &[Function] = &[
    Function {
        name: "deleteUpsells",
        title: "Delete upsells",
        category: Category::Upsells,
        summary: "Remove the whole upsell funnel of a product.",
        access: Access::Full,
        effect: Effect::Destructive,
        idempotent: true,
        spec_method: HttpMethod::Delete,
        operation_id: None,
        hosted: false,
        in_spec: true,
        params: &[Param::req(
            "product_id",
            Ty::Integer,
            "Product whose upsell tree is removed",
        )],
    },
    Function {
        name: "getUpsells",
        title: "Get upsells",
        category: Category::Upsells,
        summary: "Read the upsell funnel tree (y/yn/yy... positions to product IDs) of a product.",
        access: Access::Full,
        effect: Effect::Read,
        idempotent: true,
        spec_method: HttpMethod::Get,
        operation_id: None,
        hosted: true,
        in_spec: true,
        params: &[Param::req(
            "product_id",
            Ty::Integer,
            "Initial product of the upsell tree",
        )],
    },
    Function {
        name: "updateUpsells",
        title: "Update upsells",
        category: Category::Upsells,
        summary: "Replace the upsell funnel tree of a product.",
        access: Access::Full,
        effect: Effect::Write,
        idempotent: true,
        spec_method: HttpMethod::Put,
        operation_id: Some("updateUpsells"),
        hosted: true,
        in_spec: true,
        params: &[
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
        ],
    },
];

//! Product groups: the folders that organise products.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "product_groups",
    description: "Product groups: the folders that organise products.",
    default_on: true,
    functions: &[
        Function::write(
            &TOOLSET,
            "createProductGroup",
            "Create a product group (folder) for organising products.",
        )
        .hosted()
        .params(&[Param::req(
            "data",
            Ty::Object(&[
                Param::req("name", Ty::String, "Group name (max 31 chars)"),
                Param::opt("position", Ty::Integer, "Sort position (default 10)"),
                Param::opt(
                    "is_shown_as_tab",
                    Ty::Boolean,
                    "Y = show the group as a tab in the product list",
                ),
            ]),
            "Group properties (data[name], data[position], data[is_shown_as_tab])",
        )]),
        Function::destructive(&TOOLSET, "deleteProductGroup", "Delete a product group.")
            .method(HttpMethod::Delete)
            .opt_in()
            .params(&[Param::req(
                "product_group_id",
                Ty::Integer,
                "Group ID to delete",
            )]),
        Function::read(&TOOLSET, "getProductGroup", "Read one product group.")
            .hosted()
            .params(&[Param::req("product_group_id", Ty::Integer, "Group ID")]),
        Function::read(&TOOLSET, "listProductGroups", "List all product groups.")
            .operation_id("listProductGroups")
            .hosted(),
        Function::write(
            &TOOLSET,
            "updateProductGroup",
            "Rename/reorder a product group.",
        )
        .method(HttpMethod::Put)
        .operation_id("updateProductGroup")
        .hosted()
        .params(&[
            Param::req(
                "product_group_id",
                Ty::Integer,
                "Numeric product group (folder) ID",
            ),
            Param::req(
                "data",
                Ty::Object(&[
                    Param::opt("name", Ty::String, "Group name (max 31 chars)"),
                    Param::opt("position", Ty::Integer, "Sort position (default 10)"),
                    Param::opt(
                        "is_shown_as_tab",
                        Ty::Boolean,
                        "Y = show the group as a tab in the product list",
                    ),
                ]),
                "Group properties to change",
            ),
        ]),
    ],
};

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
            "Create a product group (folder).",
        )
        .hosted()
        .params(&[Param::req(
            "data",
            Ty::Object(&[
                Param::req("name", Ty::String, "").max_len(31),
                Param::opt("position", Ty::Integer, "").default("10"),
                Param::opt("is_shown_as_tab", Ty::Boolean, ""),
            ]),
            "Group",
        )]),
        Function::destructive(&TOOLSET, "deleteProductGroup", "Delete a product group.")
            .method(HttpMethod::Delete)
            .opt_in()
            .params(&[Param::req("product_group_id", Ty::Integer, "")]),
        Function::read(&TOOLSET, "getProductGroup", "One product group.")
            .hosted()
            .params(&[Param::req("product_group_id", Ty::Integer, "")]),
        Function::read(&TOOLSET, "listProductGroups", "All product groups.")
            .operation_id("listProductGroups")
            .hosted(),
        Function::write(
            &TOOLSET,
            "updateProductGroup",
            "Rename or reorder a product group.",
        )
        .method(HttpMethod::Put)
        .operation_id("updateProductGroup")
        .hosted()
        .params(&[
            Param::req("product_group_id", Ty::Integer, ""),
            Param::req(
                "data",
                Ty::Object(&[
                    Param::opt("name", Ty::String, "").max_len(31),
                    // No default here: a field left out of an update stays as it is.
                    Param::opt("position", Ty::Integer, ""),
                    Param::opt("is_shown_as_tab", Ty::Boolean, ""),
                ]),
                "Changes",
            ),
        ]),
    ],
};

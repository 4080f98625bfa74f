//! The product groups functions.

use crate::model::*;

pub(crate) const FUNCTIONS: &[Function] = &[
    Function {
        name: "createProductGroup",
        title: "Create product group",
        category: Category::ProductGroups,
        summary: "Create a product group (folder) for organising products.",
        access: Access::Full,
        effect: Effect::Write,
        idempotent: false,
        spec_method: HttpMethod::Post,
        operation_id: None,
        hosted: true,
        in_spec: true,
        params: &[
            Param::req("data", Ty::Object(&[
                Param::req("name", Ty::String, "Group name (max 31 chars)"),
                Param::opt("position", Ty::Integer, "Sort position (default 10)"),
                Param::opt("is_shown_as_tab", Ty::String, "Y = show the group as a tab in the product list").one_of(&["Y", "N"]),
            ]), "Group properties (data[name], data[position], data[is_shown_as_tab])"),
        ],
    },
    Function {
        name: "deleteProductGroup",
        title: "Delete product group",
        category: Category::ProductGroups,
        summary: "Delete a product group.",
        access: Access::Full,
        effect: Effect::Destructive,
        idempotent: true,
        spec_method: HttpMethod::Delete,
        operation_id: None,
        hosted: false,
        in_spec: true,
        params: &[
            Param::req("product_group_id", Ty::Integer, "Group ID to delete"),
        ],
    },
    Function {
        name: "getProductGroup",
        title: "Get product group",
        category: Category::ProductGroups,
        summary: "Read one product group.",
        access: Access::Read,
        effect: Effect::Read,
        idempotent: true,
        spec_method: HttpMethod::Get,
        operation_id: None,
        hosted: true,
        in_spec: true,
        params: &[
            Param::req("product_group_id", Ty::Integer, "Group ID"),
        ],
    },
    Function {
        name: "listProductGroups",
        title: "List product groups",
        category: Category::ProductGroups,
        summary: "List all product groups.",
        access: Access::Read,
        effect: Effect::Read,
        idempotent: true,
        spec_method: HttpMethod::Get,
        operation_id: Some("listProductGroups"),
        hosted: true,
        in_spec: true,
        params: &[
        ],
    },
    Function {
        name: "updateProductGroup",
        title: "Update product group",
        category: Category::ProductGroups,
        summary: "Rename/reorder a product group.",
        access: Access::Full,
        effect: Effect::Write,
        idempotent: true,
        spec_method: HttpMethod::Put,
        operation_id: Some("updateProductGroup"),
        hosted: true,
        in_spec: true,
        params: &[
            Param::req("product_group_id", Ty::Integer, "Numeric product group (folder) ID"),
            Param::req("data", Ty::Object(&[
                Param::opt("name", Ty::String, "Group name (max 31 chars)"),
                Param::opt("position", Ty::Integer, "Sort position (default 10)"),
                Param::opt("is_shown_as_tab", Ty::Boolean, "Y = show the group as a tab in the product list"),
            ]), "Group properties to change"),
        ],
    },
];

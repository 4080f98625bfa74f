//! The marketplace functions.

use crate::model::*;

pub(crate) const FUNCTIONS: &[Function] = &[
    Function {
        name: "getMarketplaceEntry",
        title: "Get marketplace entry",
        category: Category::Marketplace,
        summary: "Read one marketplace entry incl. price info and performance statistics.",
        access: Access::Read,
        effect: Effect::Read,
        idempotent: true,
        spec_method: HttpMethod::Get,
        operation_id: None,
        hosted: true,
        in_spec: true,
        params: &[Param::req("entry_id", Ty::Integer, "Marketplace entry ID")],
    },
    Function {
        name: "listMarketplaceEntries",
        title: "List marketplace entries",
        category: Category::Marketplace,
        summary: "List the vendor's marketplace entries with statistics.",
        access: Access::Read,
        effect: Effect::Read,
        idempotent: true,
        spec_method: HttpMethod::Get,
        operation_id: Some("listMarketplaceEntries"),
        hosted: true,
        in_spec: true,
        params: &[Param::opt(
            "sort_by",
            Ty::String,
            "Sort key for the entries (values undocumented)",
        )],
    },
];

//! Marketplace: your entries and their statistics.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "marketplace",
    description: "Marketplace: your entries and their statistics.",
    default_on: true,
    functions: &[
        Function::read(
            &TOOLSET,
            "getMarketplaceEntry",
            "Read one marketplace entry incl. price info and performance statistics.",
        )
        .hosted()
        .params(&[Param::req("entry_id", Ty::Integer, "Marketplace entry ID")]),
        Function::read(
            &TOOLSET,
            "listMarketplaceEntries",
            "List the vendor's marketplace entries with statistics.",
        )
        .operation_id("listMarketplaceEntries")
        .hosted()
        .params(&[Param::opt(
            "sort_by",
            Ty::String,
            "Sort key for the entries (values undocumented)",
        )]),
    ],
};

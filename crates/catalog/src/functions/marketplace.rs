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
            "One marketplace entry with statistics.",
        )
        .hosted()
        .params(&[Param::req("entry_id", Ty::Integer, "")]),
        Function::read(
            &TOOLSET,
            "listMarketplaceEntries",
            "Your marketplace entries with statistics.",
        )
        .operation_id("listMarketplaceEntries")
        .hosted()
        .params(&[Param::opt("sort_by", Ty::String, "")]),
    ],
};

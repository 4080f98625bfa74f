//! Reference data: countries and currencies.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "reference",
    description: "Reference data: countries and currencies.",
    default_on: true,
    functions: &[
        Function::read(
            &TOOLSET,
            "listCountries",
            "Map of ISO country codes to country names known to Digistore24.",
        )
        .operation_id("listCountries")
        .hosted(),
        Function::read(
            &TOOLSET,
            "listCurrencies",
            "List sellable currencies with symbol, min/max price and optional exchange rates.",
        )
        .operation_id("listCurrencies")
        .hosted()
        .params(&[Param::opt(
            "convert_to",
            Ty::String,
            "Currencies to return exchange rates for (e.g. EUR, EUR,USD or all)",
        )]),
    ],
};

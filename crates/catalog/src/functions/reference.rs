//! Reference data: countries and currencies.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "reference",
    description: "Reference data: countries and currencies.",
    default_on: true,
    functions: &[
        Function::read(&TOOLSET, "listCountries", "ISO country codes and names.")
            .operation_id("listCountries")
            .hosted(),
        Function::read(
            &TOOLSET,
            "listCurrencies",
            "Sellable currencies and exchange rates.",
        )
        .operation_id("listCurrencies")
        .hosted()
        .params(&[Param::opt(
            "convert_to",
            Ty::String,
            "Exchange rates into: EUR, EUR,USD or all",
        )]),
    ],
};

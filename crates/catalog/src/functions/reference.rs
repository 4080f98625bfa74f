//! The reference functions.

use crate::model::*;

pub(crate) const FUNCTIONS: &[Function] = &[
    Function {
        name: "listCountries",
        title: "List countries",
        category: Category::Reference,
        summary: "Map of ISO country codes to country names known to Digistore24.",
        access: Access::Read,
        effect: Effect::Read,
        idempotent: true,
        spec_method: HttpMethod::Get,
        operation_id: Some("listCountries"),
        hosted: true,
        in_spec: true,
        params: &[],
    },
    Function {
        name: "listCurrencies",
        title: "List currencies",
        category: Category::Reference,
        summary: "List sellable currencies with symbol, min/max price and optional exchange rates.",
        access: Access::Read,
        effect: Effect::Read,
        idempotent: true,
        spec_method: HttpMethod::Get,
        operation_id: Some("listCurrencies"),
        hosted: true,
        in_spec: true,
        params: &[Param::opt(
            "convert_to",
            Ty::String,
            "Currencies to return exchange rates for (e.g. EUR, EUR,USD or all)",
        )],
    },
];

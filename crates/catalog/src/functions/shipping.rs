//! Shipping cost policies: fees by country, currency and product.

use crate::model::*;

/// The fields of a shipping cost policy: with Digistore24's defaults for a new one, without
/// them for changes (a field left out of an update stays as it is; a default shown there
/// would invite a form-filling client to send `for_countries: all` over a country list).
const fn policy_fields(changes: bool) -> [Param; 20] {
    [
        Param::opt("name", Ty::String, "").max_len(63),
        Param::opt("label_XX", Ty::String, "Order-form label per language")
            .max_len(63)
            .per_language(),
        Param::opt("position", Ty::Integer, "").default_unless(changes, "100"),
        Param::opt("is_active", Ty::Boolean, "").default_unless(changes, "Y"),
        Param::opt("for_product_ids", Ty::String, "Comma list").default_unless(changes, "all"),
        Param::opt("for_countries", Ty::String, "Comma list of ISO codes")
            .default_unless(changes, "all"),
        Param::opt("for_currencies", Ty::String, "Comma list").default_unless(changes, "all"),
        Param::opt("fee_type", Ty::String, "").one_of(&["total_fee", "fee_per_unit"]),
        Param::opt("billing_cycle", Ty::String, "").one_of(&["once", "monthly"]),
        Param::opt("currency", Ty::String, ""),
        Param::opt("scale_level_count", Ty::Integer, "")
            .range(Some(1), Some(5))
            .default_unless(changes, "1"),
        Param::opt("scale_1_amount", Ty::Number, ""),
        Param::opt("scale_2_from", Ty::Integer, ""),
        Param::opt("scale_2_amount", Ty::Number, ""),
        Param::opt("scale_3_from", Ty::Integer, ""),
        Param::opt("scale_3_amount", Ty::Number, ""),
        Param::opt("scale_4_from", Ty::Integer, ""),
        Param::opt("scale_4_amount", Ty::Number, ""),
        Param::opt("scale_5_from", Ty::Integer, ""),
        Param::opt("scale_5_amount", Ty::Number, ""),
    ]
}

const POLICY_FIELDS: [Param; 20] = policy_fields(false);
const POLICY_CHANGES: [Param; 20] = policy_fields(true);

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "shipping",
    description: "Shipping cost policies: fees by country, currency and product.",
    default_on: true,
    functions: &[
        Function::write(
            &TOOLSET,
            "createShippingCostPolicy",
            "Create a shipping cost rule.",
        )
        .hosted()
        .params(&[Param::req("data", Ty::Object(&POLICY_FIELDS), "Policy")]),
        Function::destructive(
            &TOOLSET,
            "deleteShippingCostPolicy",
            "Delete a shipping cost rule.",
        )
        .method(HttpMethod::Delete)
        .opt_in()
        .params(&[Param::req("policy_id", Ty::Integer, "")]),
        Function::read(&TOOLSET, "getShippingCostPolicy", "One shipping cost rule.")
            .hosted()
            .params(&[Param::req("policy_id", Ty::Integer, "")]),
        Function::read(&TOOLSET, "listShippingCostPolicies", "Shipping cost rules.")
            .operation_id("listShippingCostPolicies")
            .hosted(),
        Function::destructive(
            &TOOLSET,
            "updateShippingCostPolicy",
            "Change a shipping cost rule.",
        )
        .method(HttpMethod::Put)
        .operation_id("updateShippingCostPolicy")
        .opt_in()
        .params(&[
            Param::req("policy_id", Ty::Integer, ""),
            Param::req("data", Ty::Object(&POLICY_CHANGES), "Changes"),
        ]),
    ],
};

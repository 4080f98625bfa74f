//! Shipping cost policies: fees by country, currency and product.

use crate::model::*;

/// The fields of a shipping cost policy, the same for create and update.
const POLICY_FIELDS: &[Param] = &[
    Param::opt("name", Ty::String, "Internal policy name; max 63 chars"),
    Param::opt(
        "label_XX",
        Ty::String,
        "Order-form label for language XX (e.g. label_de, label_en); max 63 chars",
    ),
    Param::opt("position", Ty::Integer, "Sort position (default 100)"),
    Param::opt("is_active", Ty::Boolean, "Y/N active flag (default Y)"),
    Param::opt(
        "for_product_ids",
        Ty::String,
        "Comma list of product IDs the policy applies to (default all)",
    ),
    Param::opt(
        "for_countries",
        Ty::String,
        "Comma list of ISO country codes the policy applies to (default all)",
    ),
    Param::opt(
        "for_currencies",
        Ty::String,
        "Comma list of currency codes the policy applies to (default all)",
    ),
    Param::opt(
        "fee_type",
        Ty::String,
        "total_fee = one fee per order; fee_per_unit = fee per item",
    )
    .one_of(&["total_fee", "fee_per_unit"]),
    Param::opt(
        "billing_cycle",
        Ty::String,
        "When shipping costs are charged: once or every month",
    )
    .one_of(&["once", "monthly"]),
    Param::opt("currency", Ty::String, "Currency code, e.g. EUR"),
    Param::opt(
        "scale_level_count",
        Ty::Integer,
        "Number of quantity levels (1-5); min 1, max 5 (default 1)",
    ),
    Param::opt("scale_1_amount", Ty::Number, "Base shipping fee"),
    Param::opt(
        "scale_2_from",
        Ty::Integer,
        "Item count where level 2 starts",
    ),
    Param::opt(
        "scale_2_amount",
        Ty::Number,
        "Fee from scale_2_from items on",
    ),
    Param::opt(
        "scale_3_from",
        Ty::Integer,
        "Item count where level 3 starts",
    ),
    Param::opt(
        "scale_3_amount",
        Ty::Number,
        "Fee from scale_3_from items on",
    ),
    Param::opt(
        "scale_4_from",
        Ty::Integer,
        "Item count where level 4 starts",
    ),
    Param::opt(
        "scale_4_amount",
        Ty::Number,
        "Fee from scale_4_from items on",
    ),
    Param::opt(
        "scale_5_from",
        Ty::Integer,
        "Item count where level 5 starts",
    ),
    Param::opt(
        "scale_5_amount",
        Ty::Number,
        "Fee from scale_5_from items on",
    ),
];

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "shipping",
    description: "Shipping cost policies: fees by country, currency and product.",
    default_on: true,
    functions: &[
        Function::write(
            &TOOLSET,
            "createShippingCostPolicy",
            "Create a shipping cost rule (countries, currencies, products, tiered fees).",
        )
        .hosted()
        .params(&[Param::req(
            "data",
            Ty::Object(POLICY_FIELDS),
            "Policy properties",
        )]),
        Function::destructive(
            &TOOLSET,
            "deleteShippingCostPolicy",
            "Delete a shipping cost rule.",
        )
        .method(HttpMethod::Delete)
        .opt_in()
        .params(&[Param::req("policy_id", Ty::Integer, "Policy ID to delete")]),
        Function::read(
            &TOOLSET,
            "getShippingCostPolicy",
            "Read one shipping cost rule.",
        )
        .hosted()
        .params(&[Param::req("policy_id", Ty::Integer, "Policy ID")]),
        Function::read(
            &TOOLSET,
            "listShippingCostPolicies",
            "List shipping cost rules.",
        )
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
            Param::req("policy_id", Ty::Integer, "Numeric shipping cost policy ID"),
            Param::req(
                "data",
                Ty::Object(POLICY_FIELDS),
                "Policy properties to change",
            ),
        ]),
    ],
};

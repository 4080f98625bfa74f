//! The shipping functions.

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

pub(crate) const FUNCTIONS: &[Function] = &[
    Function {
        name: "createShippingCostPolicy",
        title: "Create shipping cost policy",
        category: Category::Shipping,
        summary: "Create a shipping cost rule (countries, currencies, products, tiered fees).",
        access: Access::Full,
        effect: Effect::Write,
        idempotent: false,
        spec_method: HttpMethod::Post,
        operation_id: None,
        hosted: true,
        in_spec: true,
        params: &[Param::req(
            "data",
            Ty::Object(POLICY_FIELDS),
            "Policy properties",
        )],
    },
    Function {
        name: "deleteShippingCostPolicy",
        title: "Delete shipping cost policy",
        category: Category::Shipping,
        summary: "Delete a shipping cost rule.",
        access: Access::Full,
        effect: Effect::Destructive,
        idempotent: true,
        spec_method: HttpMethod::Delete,
        operation_id: None,
        hosted: false,
        in_spec: true,
        params: &[Param::req("policy_id", Ty::Integer, "Policy ID to delete")],
    },
    Function {
        name: "getShippingCostPolicy",
        title: "Get shipping cost policy",
        category: Category::Shipping,
        summary: "Read one shipping cost rule.",
        access: Access::Read,
        effect: Effect::Read,
        idempotent: true,
        spec_method: HttpMethod::Get,
        operation_id: None,
        hosted: true,
        in_spec: true,
        params: &[Param::req("policy_id", Ty::Integer, "Policy ID")],
    },
    Function {
        name: "listShippingCostPolicies",
        title: "List shipping cost policies",
        category: Category::Shipping,
        summary: "List shipping cost rules.",
        access: Access::Read,
        effect: Effect::Read,
        idempotent: true,
        spec_method: HttpMethod::Get,
        operation_id: Some("listShippingCostPolicies"),
        hosted: true,
        in_spec: true,
        params: &[],
    },
    Function {
        name: "updateShippingCostPolicy",
        title: "Update shipping cost policy",
        category: Category::Shipping,
        summary: "Change a shipping cost rule.",
        access: Access::Full,
        effect: Effect::Destructive,
        idempotent: true,
        spec_method: HttpMethod::Put,
        operation_id: Some("updateShippingCostPolicy"),
        hosted: false,
        in_spec: true,
        params: &[
            Param::req("policy_id", Ty::Integer, "Numeric shipping cost policy ID"),
            Param::req(
                "data",
                Ty::Object(POLICY_FIELDS),
                "Policy properties to change",
            ),
        ],
    },
];

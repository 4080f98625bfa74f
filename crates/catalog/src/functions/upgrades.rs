//! Upgrades: paths from one product to another and executing them on orders.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "upgrades",
    description: "Upgrades: paths from one product to another and executing them on orders.",
    default_on: true,
    functions: &[
        Function::write(
            &TOOLSET,
            "createUpgrade",
            "Define an upgrade, downgrade or member offer.",
        )
        .hosted()
        .params(&[
            Param::req("name", Ty::String, ""),
            Param::req("to_product_id", Ty::Integer, ""),
            Param::opt("upgrade_from", Ty::String, "Product IDs"),
            Param::opt("downgrade_from", Ty::String, "Product IDs"),
            Param::opt("special_offer_for", Ty::String, "Product IDs"),
            Param::opt(
                "fallback_product_id",
                Ty::Integer,
                "If the upgrade is impossible",
            ),
            Param::opt("is_active", Ty::Boolean, "").default("Y"),
            Param::opt(
                "buyer_readonly_keys",
                Ty::String,
                "Buyer fields locked at checkout",
            )
            .one_of(&["none", "email", "email_and_name", "all"]),
        ]),
        Function::destructive(
            &TOOLSET,
            "createUpgradePurchase",
            "Upgrade or downgrade an order, charging its stored payment method.",
        )
        .hosted()
        .params(&[
            Param::req("purchase_ids", Ty::String, "Comma list"),
            Param::req("upgrade_id", Ty::String, "Numeric, or NNN-authkey").secret(),
            Param::opt(
                "payment_plan_id",
                Ty::String,
                "ID or 1-based index; default the upgrade's plan",
            ),
            Param::opt(
                "quantities",
                Ty::Object(&[]),
                "Position (from 1) or product ID to quantity",
            ),
        ]),
        Function::destructive(&TOOLSET, "deleteUpgrade", "Delete an upgrade definition.")
            .method(HttpMethod::Delete)
            .opt_in()
            .params(&[Param::req("upgrade_id", Ty::Integer, "")]),
        Function::read(
            &TOOLSET,
            "getUpgrade",
            "One upgrade, and whether given orders can use it.",
        )
        .hosted()
        .params(&[
            Param::req("upgrade_id", Ty::Integer, ""),
            Param::opt("order_ids", Ty::String, "Comma list; can they use it?"),
        ]),
        Function::read(
            &TOOLSET,
            "listUpgrades",
            "Upgrades with their buyer-facing URLs.",
        )
        .method(HttpMethod::Post)
        .hosted(),
    ],
};

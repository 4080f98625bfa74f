//! Upgrades: paths from one product to another and executing them on orders.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "upgrades",
    description: "Upgrades: paths from one product to another and executing them on orders.",
    default_on: true,
    functions: &[
        Function::write(&TOOLSET, "createUpgrade", "Define an upgrade/downgrade/member-offer path to a target product.")
            .hosted()
            .params(&[
                Param::req("name", Ty::String, "Name of the upgrade"),
                Param::req("to_product_id", Ty::Integer, "Product sold by the upgrade"),
                Param::opt("upgrade_from", Ty::String, "Comma list of product IDs whose owners may buy this as an upgrade (effective immediately)"),
                Param::opt("downgrade_from", Ty::String, "Comma list of product IDs whose owners may buy this as a downgrade (effective next billing period)"),
                Param::opt("special_offer_for", Ty::String, "Comma list of product IDs whose owners get this as a member offer (existing order unchanged)"),
                Param::opt("fallback_product_id", Ty::Integer, "Product offered instead when the upgrade is not possible"),
                Param::opt("is_active", Ty::Boolean, "Y/N active flag (default Y)"),
                Param::opt("buyer_readonly_keys", Ty::String, "Which buyer fields the buyer may not change at checkout: none, email, email_and_name, all (default none)").one_of(&["none", "email", "email_and_name", "all"]),
            ]),
        Function::destructive(&TOOLSET, "createUpgradePurchase", "Execute an upgrade/downgrade on an existing order without buyer interaction (charges the stored payment method). Needs the account right \"billing on demand\".")
            .hosted()
            .params(&[
                Param::req("purchase_ids", Ty::String, "Comma list of order IDs"),
                Param::req("upgrade_id", Ty::String, "Upgrade ID (numeric, or NNN-authkey)"),
                Param::opt("payment_plan_id", Ty::String, "Payment plan (ID or 1-based index) for the new order; default the upgrade's plan"),
                Param::opt("quantities", Ty::Object(&[]), "Map of item position (1-based) or product ID to quantity"),
            ]),
        Function::destructive(&TOOLSET, "deleteUpgrade", "Delete an upgrade definition.")
            .method(HttpMethod::Delete)
            .opt_in()
            .params(&[
                Param::req("upgrade_id", Ty::Integer, "Upgrade ID to delete"),
            ]),
        Function::read(&TOOLSET, "getUpgrade", "Read one upgrade and optionally check whether given orders can use it.")
            .hosted()
            .params(&[
                Param::req("upgrade_id", Ty::Integer, "Numeric upgrade ID"),
                Param::opt("order_ids", Ty::String, "Comma list of the member's order IDs to check the upgrade against"),
            ]),
        Function::read(&TOOLSET, "listUpgrades", "List defined upgrades with their buyer-facing upgrade URLs.")
            .method(HttpMethod::Post)
            .hosted(),
    ],
};

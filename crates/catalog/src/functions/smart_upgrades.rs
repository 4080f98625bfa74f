//! The smart upgrades functions.

use crate::model::*;

pub(crate) const FUNCTIONS: &[Function] = &[
    Function {
        name: "getSmartupgrade",
        title: "Get smart upgrade",
        category: Category::SmartUpgrades,
        summary: "Read one smart upgrade; with order IDs, also get its widget HTML for those orders.",
        access: Access::Read,
        effect: Effect::Read,
        idempotent: true,
        spec_method: HttpMethod::Get,
        operation_id: None,
        hosted: true,
        in_spec: true,
        params: &[
            Param::req("smartupgrade_id", Ty::String, "Smart upgrade ID"),
            Param::opt(
                "purchase_id",
                Ty::String,
                "Order ID(s); when given, the widget HTML for these orders is included",
            ),
        ],
    },
    Function {
        name: "listSmartUpgrades",
        title: "List smart upgrades",
        category: Category::SmartUpgrades,
        summary: "List configured smart-upgrade widgets.",
        access: Access::Read,
        effect: Effect::Read,
        idempotent: true,
        spec_method: HttpMethod::Get,
        operation_id: None,
        hosted: true,
        in_spec: true,
        params: &[],
    },
];

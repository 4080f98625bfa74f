//! Smart upgrades: upgrade widgets shown to buyers.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "smart_upgrades",
    description: "Smart upgrades: upgrade widgets shown to buyers.",
    default_on: true,
    functions: &[
        Function::read(
            &TOOLSET,
            "getSmartupgrade",
            "Read one smart upgrade; with order IDs, also get its widget HTML for those orders.",
        )
        .title("Get smart upgrade")
        .hosted()
        .params(&[
            Param::req("smartupgrade_id", Ty::String, "Smart upgrade ID"),
            Param::opt(
                "purchase_id",
                Ty::String,
                "Order ID(s); when given, the widget HTML for these orders is included",
            ),
        ]),
        Function::read(
            &TOOLSET,
            "listSmartUpgrades",
            "List configured smart-upgrade widgets.",
        )
        .hosted(),
    ],
};

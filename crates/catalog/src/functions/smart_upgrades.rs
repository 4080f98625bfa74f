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
            "One smart upgrade, with widget HTML for orders.",
        )
        .hosted()
        .params(&[
            Param::req("smartupgrade_id", Ty::String, ""),
            Param::opt(
                "purchase_id",
                Ty::String,
                "Comma list; adds the widget HTML for these orders",
            ),
        ]),
        Function::read(&TOOLSET, "listSmartUpgrades", "Smart-upgrade widgets.").hosted(),
    ],
};

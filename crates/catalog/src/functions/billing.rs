//! Billing on demand: charge a buyer's stored payment method without a checkout.

use crate::model::*;

/// Tracking data carried through to IPNs and the purchase, the same for both billing calls.
const TRACKING_FIELDS: &[Param] = &[
    Param::opt("custom", Ty::String, ""),
    Param::opt("affiliate", Ty::String, "").personal(),
    Param::opt("campaignkey", Ty::String, ""),
    Param::opt("trackingkey", Ty::String, ""),
];

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "billing",
    description: "Billing on demand: charge a buyer's stored payment method without a checkout.",
    default_on: true,
    functions: &[
        Function::destructive(
            &TOOLSET,
            "createAddonChangePurchase",
            "Add or remove subscription add-ons on an order.",
        )
        .hosted()
        .not_done_when(
            "payment_status",
            &["refused", "error"],
            "payment_status_msg",
        )
        .params(&[
            Param::req(
                "purchase_id",
                Ty::String,
                "Its payment method must allow rebilling",
            ),
            Param::req(
                "addons",
                Ty::Array(&[
                    Param::req("product_id", Ty::Integer, ""),
                    Param::opt("amount", Ty::Number, "Recurring amount"),
                    Param::opt("quantity", Ty::Integer, "")
                        .range(Some(1), None)
                        .default("1"),
                    Param::opt("is_quantity_editable_after_purchase", Ty::Boolean, "").default("N"),
                ]),
                "Add-on products",
            ),
            Param::opt(
                "tracking",
                Ty::Object(TRACKING_FIELDS),
                "Missing fields come from the original order",
            ),
            Param::opt(
                "placeholders",
                Ty::Object(&[]),
                "For placeholders such as TITLE",
            ),
        ]),
        Function::destructive(
            &TOOLSET,
            "createBillingOnDemand",
            "Charge an order's stored payment method for a new product or price.",
        )
        .hosted()
        .not_done_when(
            "payment_status",
            &["refused", "error"],
            "payment_status_msg",
        )
        .params(&[
            Param::req(
                "purchase_id",
                Ty::String,
                "Its stored payment method is charged",
            ),
            Param::req("product_id", Ty::String, ""),
            Param::opt(
                "payment_plan",
                Ty::Object(&[
                    Param::opt("first_amount", Ty::Number, "First or only payment"),
                    Param::opt("other_amounts", Ty::Number, "Follow-up payments"),
                    Param::opt("currency", Ty::String, "").max_len(3),
                    Param::opt(
                        "number_of_installments",
                        Ty::Integer,
                        "0: subscription; n: number of payments",
                    )
                    .range(Some(0), None),
                    Param::opt("first_billing_interval", Ty::String, "e.g. 1_month, 14_day"),
                    Param::opt("other_billing_intervals", Ty::String, "e.g. 1_month"),
                    Param::opt("test_interval", Ty::String, "Free trial, e.g. 14_day"),
                    Param::opt("template", Ty::String, "Plan ID to copy from"),
                    Param::opt(
                        "upgrade_type",
                        Ty::String,
                        "upgrade: now; downgrade: next period",
                    )
                    .default("upgrade")
                    .one_of(&["upgrade", "downgrade"]),
                ]),
                "Price",
            ),
            Param::opt("tracking", Ty::Object(TRACKING_FIELDS), "Tracking"),
            Param::opt(
                "placeholders",
                Ty::Object(&[]),
                "For placeholders such as TITLE",
            ),
            Param::opt(
                "settings",
                Ty::Object(&[
                    Param::opt("voucher_code", Ty::String, ""),
                    Param::opt("quantity", Ty::Integer, "")
                        .range(Some(1), None)
                        .default("1"),
                    Param::opt("product_country", Ty::String, "ISO").max_len(2),
                ]),
                "Checkout",
            ),
            Param::opt(
                "addons",
                Ty::Array(&[
                    Param::opt("product_id", Ty::String, ""),
                    Param::opt("first_amount", Ty::Number, "First or only payment"),
                    Param::opt("other_amounts", Ty::Number, "Follow-up payments"),
                    Param::opt("single_amount", Ty::Number, "One-time price"),
                    Param::opt("quantity", Ty::Integer, "")
                        .range(Some(1), None)
                        .default("1"),
                    Param::opt("currency", Ty::String, "").max_len(3),
                    Param::opt("is_quantity_editable_after_purchase", Ty::Boolean, "").default("N"),
                    Param::opt("product_country", Ty::String, "ISO").max_len(2),
                ]),
                "Add-on products",
            ),
        ]),
    ],
};

//! Billing on demand: charge a buyer's stored payment method without a checkout.

use crate::model::*;

/// Tracking data carried through to IPNs and the purchase, the same for both billing calls.
const TRACKING_FIELDS: &[Param] = &[
    Param::opt(
        "custom",
        Ty::String,
        "Free vendor reference string carried through to IPN and purchase data",
    ),
    Param::opt(
        "affiliate",
        Ty::String,
        "Digistore24 ID (user name) of the affiliate",
    ),
    Param::opt("campaignkey", Ty::String, "Affiliate campaign key"),
    Param::opt(
        "trackingkey",
        Ty::String,
        "Vendor tracking key (also passable as GET ds24tr)",
    ),
];

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "billing",
    description: "Billing on demand: charge a buyer's stored payment method without a checkout.",
    default_on: true,
    functions: &[
        Function::destructive(&TOOLSET, "createAddonChangePurchase", "Create a package-change order that adds or removes subscription add-ons on an existing order. Needs the account right \"billing on demand\".")
            .hosted()
            .params(&[
                Param::req("purchase_id", Ty::String, "Reference order (payment method must support rebilling)"),
                Param::req("addons", Ty::Array(&[
                    Param::req("product_id", Ty::Integer, "Add-on product (required)"),
                    Param::opt("amount", Ty::Number, "Recurring amount of the add-on subscription"),
                    Param::opt("quantity", Ty::Integer, "Quantity; min 1 (default 1)"),
                    Param::opt("is_quantity_editable_after_purchase", Ty::Boolean, "Y = buyer may change the add-on quantity later (default N)"),
                ]), "Extra products sold together with the main product; indexed list (addons[0][field]=...)"),
                Param::opt("tracking", Ty::Object(TRACKING_FIELDS), "Tracking overrides; missing fields are copied from the original order"),
                Param::opt("placeholders", Ty::Object(&[]), "Values for placeholders in product title/description, e.g. placeholders[TITLE]"),
            ]),
        Function::destructive(&TOOLSET, "createBillingOnDemand", "Charge the stored payment method of an existing order for a new product/price (new order, no checkout). Needs the account right \"billing on demand\".")
            .hosted()
            .params(&[
                Param::req("purchase_id", Ty::String, "Reference order whose stored payment method is charged"),
                Param::req("product_id", Ty::String, "Product ID"),
                Param::opt("payment_plan", Ty::Object(&[
                    Param::opt("first_amount", Ty::Number, "First payment (or the single price) as a decimal amount"),
                    Param::opt("other_amounts", Ty::Number, "Amount of each follow-up payment"),
                    Param::opt("currency", Ty::String, "Currency code, e.g. EUR; max 3 chars"),
                    Param::opt("number_of_installments", Ty::Integer, "1 = one-off charge; 0 = new subscription; n>=2 installments; min 1"),
                    Param::opt("first_billing_interval", Ty::String, "Interval between the first and second payment, e.g. 1_month, 14_day"),
                    Param::opt("other_billing_intervals", Ty::String, "Interval between follow-up payments, e.g. 1_month"),
                    Param::opt("test_interval", Ty::String, "Free trial length before the first payment, e.g. 14_day"),
                    Param::opt("template", Ty::String, "ID of an existing payment plan to copy settings from (docs wording ambiguous)"),
                    Param::opt("upgrade_type", Ty::String, "upgrade (immediate) or downgrade (next period) (default upgrade)").one_of(&["upgrade", "downgrade"]),
                ]), "Price / payment plan block (payment_plan[first_amount], ...)"),
                Param::opt("tracking", Ty::Object(TRACKING_FIELDS), "Tracking data for the new order (tracking[custom] is returned in IPNs)"),
                Param::opt("placeholders", Ty::Object(&[]), "Values for placeholders in product title/description, e.g. placeholders[TITLE]"),
                Param::opt("settings", Ty::Object(&[
                    Param::opt("voucher_code", Ty::String, "Voucher code to apply automatically"),
                    Param::opt("quantity", Ty::Integer, "Quantity; min 1 (default 1)"),
                    Param::opt("product_country", Ty::String, "Two-letter country code for the product's tax/shipping country; max 2 chars"),
                ]), "settings[voucher_code], settings[quantity], settings[product_country]"),
                Param::opt("addons", Ty::Array(&[
                    Param::opt("product_id", Ty::String, "Product ID"),
                    Param::opt("first_amount", Ty::Number, "First payment (or the single price) as a decimal amount"),
                    Param::opt("other_amounts", Ty::Number, "Amount of each follow-up payment"),
                    Param::opt("single_amount", Ty::Number, "Price for single-payment add-ons"),
                    Param::opt("quantity", Ty::Integer, "Quantity; min 1 (default 1)"),
                    Param::opt("currency", Ty::String, "Currency code, e.g. EUR; max 3 chars"),
                    Param::opt("is_quantity_editable_after_purchase", Ty::Boolean, "Y = buyer may change the add-on quantity later (default N)"),
                    Param::opt("product_country", Ty::String, "Two-letter country code for the product's tax/shipping country; max 2 chars"),
                ]), "Extra products sold together with the main product; indexed list (addons[0][field]=...)"),
            ]),
    ],
};

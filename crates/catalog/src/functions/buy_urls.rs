//! Buy URLs: prepared checkout links with preset prices, buyer data and validity.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "buy_urls",
    description: "Buy URLs: prepared checkout links with preset prices, buyer data and validity.",
    default_on: true,
    functions: &[
        Function::write(
            &TOOLSET,
            "createBuyUrl",
            "A personal, expiring checkout link.",
        )
        .hosted()
        .params(&[
            Param::req("product_id", Ty::String, ""),
            Param::opt(
                "buyer",
                Ty::Object(&[
                    Param::opt("email", Ty::String, "")
                        .format(Format::Email)
                        .personal(),
                    Param::opt("salutation", Ty::String, "")
                        .one_of(&["M", "F"])
                        .personal(),
                    Param::opt("title", Ty::String, "").personal(),
                    Param::opt("last_name", Ty::String, "").personal(),
                    Param::opt("first_name", Ty::String, "").personal(),
                    Param::opt("company", Ty::String, "").personal(),
                    Param::opt("street", Ty::String, "With house number").personal(),
                    Param::opt("city", Ty::String, "").personal(),
                    Param::opt("zipcode", Ty::String, "").personal(),
                    Param::opt("state", Ty::String, "").personal(),
                    Param::opt("country", Ty::String, "").max_len(2),
                    Param::opt("phone_no", Ty::String, "").personal(),
                    Param::opt("tax_id", Ty::String, "").personal(),
                    Param::opt(
                        "readonly_keys",
                        Ty::String,
                        "Buyer fields locked at checkout",
                    )
                    .default("none")
                    .one_of(&["all", "email", "email_and_name", "none"]),
                    Param::opt("id", Ty::String, "Reuse this buyer's or order's address"),
                ]),
                "Buyer data",
            ),
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
                    .range(Some(0), None)
                    .default("1"),
                    Param::opt("first_billing_interval", Ty::String, "e.g. 1_month, 14_day")
                        .default("1_month"),
                    Param::opt("other_billing_intervals", Ty::String, "e.g. 1_month"),
                    Param::opt("test_interval", Ty::String, "Free trial, e.g. 14_day"),
                    Param::opt("template", Ty::String, "Plan ID to copy from"),
                    Param::opt("upgrade_order_id", Ty::String, ""),
                    Param::opt(
                        "upgrade_type",
                        Ty::String,
                        "upgrade: now; downgrade: next period",
                    )
                    .default("upgrade")
                    .one_of(&["upgrade", "downgrade"]),
                    Param::opt("tax_mode", Ty::String, "VAT in the given prices")
                        .default("as_set")
                        .one_of(&["as_set", "exclude", "include"]),
                ]),
                "Price",
            ),
            Param::opt(
                "tracking",
                Ty::Object(&[
                    Param::opt("custom", Ty::String, ""),
                    Param::opt("affiliate", Ty::String, "").personal(),
                    Param::opt(
                        "affiliate_priority",
                        Ty::String,
                        "Does an affiliate bound to the e-mail win",
                    )
                    .one_of(&["email", "as_set"]),
                    Param::opt("campaignkey", Ty::String, ""),
                    Param::opt("trackingkey", Ty::String, ""),
                    Param::opt("utm_source", Ty::String, ""),
                    Param::opt("utm_medium", Ty::String, ""),
                    Param::opt("utm_campaign", Ty::String, ""),
                    Param::opt("utm_term", Ty::String, ""),
                    Param::opt("utm_content", Ty::String, ""),
                ]),
                "Tracking",
            ),
            Param::opt("valid_until", Ty::String, "Relative (7d) or 'forever'")
                .default("24h")
                .not_past(),
            Param::opt(
                "urls",
                Ty::Object(&[
                    Param::opt("thankyou_url", Ty::String, "")
                        .max_len(255)
                        .format(Format::Uri),
                    Param::opt("fallback_url", Ty::String, "").format(Format::Uri),
                    Param::opt("upgrade_error_url", Ty::String, "").format(Format::Uri),
                ]),
                "URL overrides",
            ),
            Param::opt(
                "placeholders",
                Ty::Object(&[]),
                "For placeholders such as TITLE",
            ),
            Param::opt(
                "settings",
                Ty::Object(&[
                    Param::opt("orderform_id", Ty::String, ""),
                    Param::opt("img", Ty::TextOrMap, "Image ID, or product ID to image ID"),
                    Param::opt("affiliate_commission_rate", Ty::Number, "Percent")
                        .range(Some(0), Some(100)),
                    Param::opt("affiliate_commission_fix", Ty::Number, ""),
                    Param::opt("voucher_code", Ty::String, ""),
                    Param::opt("voucher_1st_rate", Ty::Number, "Percent").range(Some(0), Some(100)),
                    Param::opt("voucher_oth_rates", Ty::Number, "Percent")
                        .range(Some(0), Some(100)),
                    Param::opt("voucher_1st_amount", Ty::Number, ""),
                    Param::opt("voucher_oth_amounts", Ty::Number, ""),
                    Param::opt(
                        "force_rebilling",
                        Ty::Boolean,
                        "Only payment methods that allow later charges",
                    ),
                    Param::opt("pay_methods", Ty::StringList, "").one_of(&[
                        "paypal",
                        "sezzle",
                        "creditcard",
                        "elv",
                        "banktransfer",
                        "klarna",
                    ]),
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
                    Param::opt("default_quantity", Ty::Integer, "")
                        .range(Some(1), None)
                        .default("1"),
                    Param::opt(
                        "max_quantity_type",
                        Ty::String,
                        "number: max_quantity applies",
                    )
                    .default("unlimited")
                    .one_of(&["unlimited", "like_main_item", "number"]),
                    Param::opt("max_quantity", Ty::Integer, "").range(Some(1), None),
                    Param::opt("currency", Ty::String, "").max_len(3),
                    Param::opt("is_quantity_editable_before_purchase", Ty::Boolean, "")
                        .default("N"),
                    Param::opt("is_quantity_editable_after_purchase", Ty::Boolean, "").default("N"),
                ]),
                "Add-on products",
            ),
        ]),
        Function::destructive(
            &TOOLSET,
            "deleteBuyUrl",
            "Delete (invalidate) a buy URL object.",
        )
        .method(HttpMethod::Delete)
        .opt_in()
        .params(&[Param::req("id", Ty::Integer, "")]),
        Function::read(&TOOLSET, "listBuyUrls", "Buy URLs created before.")
            .operation_id("listBuyUrls")
            .hosted(),
    ],
};

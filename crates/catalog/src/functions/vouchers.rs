//! Vouchers: discount codes, their limits and validity.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "vouchers",
    description: "Vouchers: discount codes, their limits and validity.",
    default_on: true,
    functions: &[
        Function::write(&TOOLSET, "createVoucher", "Create a discount code.")
            .hosted()
            .params(&[Param::req(
                "data",
                Ty::Object(&[
                    Param::req("code", Ty::String, ""),
                    Param::opt("product_ids", Ty::String, "Comma list or all").default("all"),
                    Param::opt("valid_from", Ty::DateTime, ""),
                    Param::opt("expires_at", Ty::DateTime, "").not_past(),
                    Param::opt("first_rate", Ty::Number, "Percent").range(Some(0), Some(100)),
                    Param::opt("other_rates", Ty::Number, "Percent").range(Some(0), Some(100)),
                    Param::opt("first_amount", Ty::Number, ""),
                    Param::opt("other_amounts", Ty::Number, ""),
                    Param::opt("currency", Ty::String, "").max_len(3),
                    Param::opt("is_count_limited", Ty::Boolean, "").default("N"),
                    Param::opt("count_left", Ty::Integer, "").range(Some(0), None),
                    Param::opt(
                        "upgrade_policy",
                        Ty::String,
                        "On upgrades; other_only: follow-up payments only",
                    )
                    .default("valid")
                    .one_of(&["valid", "other_only", "not_valid"]),
                ]),
                "Voucher; a rate or amount",
            )
            .needs_one_of(&[
                "first_rate",
                "other_rates",
                "first_amount",
                "other_amounts",
            ])]),
        Function::destructive(&TOOLSET, "deleteVoucher", "Delete a discount code.")
            .method(HttpMethod::Delete)
            .opt_in()
            .params(&[Param::req("code", Ty::String, "")]),
        Function::read(&TOOLSET, "getVoucher", "One discount code's settings.")
            .operation_id("getVoucher")
            .hosted()
            .params(&[Param::req("code", Ty::String, "")]),
        Function::read(&TOOLSET, "listVouchers", "All discount codes.")
            .method(HttpMethod::Post)
            .hosted(),
        Function::write(&TOOLSET, "updateVoucher", "Change a discount code.")
            .method(HttpMethod::Put)
            .operation_id("updateVoucher")
            .hosted()
            .params(&[
                Param::req("code", Ty::String, ""),
                Param::req(
                    "data",
                    Ty::Object(&[
                        Param::opt("code", Ty::String, "New code (renames)"),
                        Param::opt("product_ids", Ty::String, "Comma list or all"),
                        Param::opt("valid_from", Ty::DateTime, "").clearable(),
                        Param::opt("expires_at", Ty::DateTime, "").clearable(),
                        Param::opt("first_rate", Ty::Number, "Percent").range(Some(0), Some(100)),
                        Param::opt("other_rates", Ty::Number, "Percent").range(Some(0), Some(100)),
                        Param::opt("first_amount", Ty::Number, ""),
                        Param::opt("other_amounts", Ty::Number, ""),
                        Param::opt("currency", Ty::String, "").max_len(3),
                        Param::opt("is_count_limited", Ty::Boolean, ""),
                        Param::opt("count_left", Ty::Integer, "").range(Some(0), None),
                        Param::opt(
                            "upgrade_policy",
                            Ty::String,
                            "On upgrades; other_only: follow-up payments only",
                        )
                        .one_of(&["valid", "other_only", "not_valid"]),
                    ]),
                    "Changes",
                ),
            ]),
        Function::read(
            &TOOLSET,
            "validateCouponCode",
            "Whether a voucher code is valid; uses left.",
        )
        .operation_id("validateCouponCode")
        .hosted()
        .params(&[Param::req("code", Ty::String, "")]),
    ],
};

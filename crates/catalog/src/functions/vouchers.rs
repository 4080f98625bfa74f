//! Vouchers: discount codes, their limits and validity.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "vouchers",
    description: "Vouchers: discount codes, their limits and validity.",
    default_on: true,
    functions: &[
        Function::write(&TOOLSET, "createVoucher", "Create a discount code (percent or fixed, first/follow-up payments, limits, validity).")
            .hosted()
            .params(&[
                Param::req("data", Ty::Object(&[
                    Param::req("code", Ty::String, "The code buyers type in (required)"),
                    Param::opt("product_ids", Ty::String, "Products the code is valid for: all (default) or comma list"),
                    Param::opt("valid_from", Ty::DateTime, "Point in time from which the voucher works"),
                    Param::opt("expires_at", Ty::DateTime, "Point in time after which the voucher stops working"),
                    Param::opt("first_rate", Ty::Number, "Discount in percent on the first (or only) payment"),
                    Param::opt("other_rates", Ty::Number, "Discount in percent on follow-up payments"),
                    Param::opt("first_amount", Ty::Number, "Fixed discount on the first or only payment"),
                    Param::opt("other_amounts", Ty::Number, "Fixed discount on each follow-up payment"),
                    Param::opt("currency", Ty::String, "Currency of the fixed discount amounts"),
                    Param::opt("is_count_limited", Ty::Boolean, "Y = the voucher can only be used count_left more times (default N)"),
                    Param::opt("count_left", Ty::Integer, "Remaining number of uses when is_count_limited is set (default 1)"),
                    Param::opt("upgrade_policy", Ty::String, "Voucher use on upgrades: valid, other_only (follow-up payments only) or not_valid (default valid)").one_of(&["valid", "other_only", "not_valid"]),
                ]), "Voucher properties incl. data[code]"),
            ]),
        Function::destructive(&TOOLSET, "deleteVoucher", "Delete a discount code.")
            .method(HttpMethod::Delete)
            .opt_in()
            .params(&[
                Param::req("code", Ty::String, "Voucher code or ID to delete"),
            ]),
        Function::read(&TOOLSET, "getVoucher", "Read one discount code's settings.")
            .operation_id("getVoucher")
            .hosted()
            .params(&[
                Param::req("code", Ty::String, "Voucher code as typed by buyers"),
            ]),
        Function::read(&TOOLSET, "listVouchers", "List all discount codes of the vendor.")
            .method(HttpMethod::Post)
            .hosted(),
        Function::write(&TOOLSET, "updateVoucher", "Change an existing discount code.")
            .method(HttpMethod::Put)
            .operation_id("updateVoucher")
            .hosted()
            .params(&[
                Param::req("code", Ty::String, "Voucher code or ID to change"),
                Param::req("data", Ty::Object(&[
                    Param::opt("code", Ty::String, "New code text (to rename the voucher)"),
                    Param::opt("product_ids", Ty::String, "Products the code is valid for: all or comma list"),
                    Param::opt("valid_from", Ty::DateTime, "Point in time from which the voucher works"),
                    Param::opt("expires_at", Ty::DateTime, "Point in time after which the voucher stops working"),
                    Param::opt("first_rate", Ty::Number, "Discount in percent on the first (or only) payment"),
                    Param::opt("other_rates", Ty::Number, "Discount in percent on follow-up payments"),
                    Param::opt("first_amount", Ty::Number, "Fixed discount on the first or only payment"),
                    Param::opt("other_amounts", Ty::Number, "Fixed discount on each follow-up payment"),
                    Param::opt("currency", Ty::String, "Currency of the fixed discount amounts"),
                    Param::opt("is_count_limited", Ty::Boolean, "Y = the voucher can only be used count_left more times"),
                    Param::opt("count_left", Ty::Integer, "Remaining number of uses when is_count_limited is set (default 1)"),
                    Param::opt("upgrade_policy", Ty::String, "Voucher use on upgrades: valid, other_only (follow-up payments only) or not_valid").one_of(&["valid", "other_only", "not_valid"]),
                ]), "Voucher properties to change"),
            ]),
        Function::read(&TOOLSET, "validateCouponCode", "Check whether a voucher code is valid and how much of it is left.")
            .operation_id("validateCouponCode")
            .hosted()
            .params(&[
                Param::req("code", Ty::String, "Voucher code or ID to check"),
            ]),
    ],
};

//! Affiliates: commissions, approvals, referrals and attribution of buyers.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "affiliates",
    description: "Affiliates: commissions, approvals, referrals and attribution of buyers.",
    default_on: true,
    functions: &[
        Function::read(
            &TOOLSET,
            "getAffiliateCommission",
            "An affiliate's commission and approval.",
        )
        .hosted()
        .params(&[
            Param::req("affiliate_id", Ty::String, "ID, user name or e-mail").personal(),
            Param::opt("product_ids", Ty::String, "Comma list or all").default("all"),
        ]),
        Function::read(
            &TOOLSET,
            "getAffiliateForEmail",
            "The affiliate stored for an e-mail.",
        )
        .method(HttpMethod::Post)
        .hosted()
        .params(&[Param::req("email", Ty::String, "")
            .format(Format::Email)
            .personal()]),
        Function::read(
            &TOOLSET,
            "getCustomerToAffiliateBuyerDetails",
            "Customer-to-affiliate buyers' affiliate names and links.",
        )
        .access(Access::Full)
        .hosted()
        .params(&[Param::req("purchase_id", Ty::String, "Comma list allowed")]),
        Function::read(
            &TOOLSET,
            "getReferringAffiliate",
            "Who referred an affiliate, at what share.",
        )
        .hosted()
        .params(&[Param::req("affiliate_id", Ty::String, "").personal()]),
        Function::write(
            &TOOLSET,
            "setAffiliateForEmail",
            "Credit an affiliate for a future buyer, by e-mail.",
        )
        .operation_id("setAffiliateForEmail")
        .hosted()
        .idempotent(true)
        .params(&[
            Param::req("email", Ty::String, "")
                .format(Format::Email)
                .personal(),
            Param::req("affiliate", Ty::String, "To credit").personal(),
            Param::opt("campaignkey", Ty::String, ""),
            Param::opt("trackingkey", Ty::String, ""),
            Param::opt("click_id", Ty::String, ""),
        ]),
        Function::destructive(
            &TOOLSET,
            "setReferringAffiliate",
            "Record who referred an affiliate, and their share.",
        )
        .operation_id("setReferringAffiliate")
        .hosted()
        .idempotent(true)
        .params(&[
            Param::req("referrer_id", Ty::String, "ID or name").personal(),
            Param::req("affiliate_id", Ty::String, "").personal(),
            Param::opt(
                "commission",
                Ty::Number,
                "Percent of the affiliate's commission",
            ),
        ]),
        Function::destructive(
            &TOOLSET,
            "updateAffiliateCommission",
            "Change an affiliate's commission or approval.",
        )
        .method(HttpMethod::Put)
        .operation_id("updateAffiliateCommission")
        .hosted()
        .params(&[
            Param::req("affiliate_id", Ty::String, "ID or user name").personal(),
            Param::req("product_ids", Ty::String, "Comma list or all"),
            Param::opt(
                "data",
                Ty::Object(&[
                    Param::opt("commission_rate", Ty::Number, "Percent").range(Some(0), Some(100)),
                    Param::opt("commission_fix", Ty::Number, ""),
                    Param::opt("commission_currency", Ty::String, "").max_len(3),
                    Param::opt("approval_status", Ty::String, "")
                        .one_of(&["new", "approved", "rejected", "pending"]),
                ]),
                "Changes",
            ),
        ]),
        Function::read(
            &TOOLSET,
            "validateAffiliate",
            "Whether an affiliate is approved for products.",
        )
        .operation_id("validateAffiliate")
        .hosted()
        .params(&[
            Param::req("affiliate_name", Ty::String, "").personal(),
            Param::req("product_ids", Ty::String, "Comma list or all"),
        ]),
    ],
};

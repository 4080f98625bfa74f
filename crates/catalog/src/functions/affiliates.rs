//! Affiliates: commissions, approvals, referrals and attribution of buyers.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "affiliates",
    description: "Affiliates: commissions, approvals, referrals and attribution of buyers.",
    default_on: true,
    functions: &[
        Function::read(&TOOLSET, "getAffiliateCommission", "Read an affiliate's commission settings and approval status for products.")
            .hosted()
            .params(&[
                Param::req("affiliate_id", Ty::String, "Affiliate ID, user name or e-mail"),
                Param::opt("product_ids", Ty::String, "Comma list of product IDs, or all (default all)"),
            ]),
        Function::read(&TOOLSET, "getAffiliateForEmail", "Read the affiliate attribution previously stored for an e-mail with setAffiliateForEmail.")
            .method(HttpMethod::Post)
            .hosted()
            .params(&[
                Param::req("email", Ty::String, "E-mail of the future buyer; e-mail format").personal(),
            ]),
        Function::read(&TOOLSET, "getCustomerToAffiliateBuyerDetails", "For buyers of a customer-to-affiliate program: their future affiliate name and registration/promo links.")
            .access(Access::Full)
            .hosted()
            .params(&[
                Param::req("purchase_id", Ty::String, "Order ID or comma list"),
            ]),
        Function::read(&TOOLSET, "getReferringAffiliate", "Read who referred an affiliate and at what commission share.")
            .hosted()
            .params(&[
                Param::req("affiliate_id", Ty::String, "Affiliate whose referrer is wanted"),
            ]),
        Function::write(&TOOLSET, "setAffiliateForEmail", "Bind an affiliate (plus campaign/tracking key, click ID) to a future buyer's e-mail so later purchases credit that affiliate.")
            .operation_id("setAffiliateForEmail")
            .hosted()
            .idempotent(true)
            .params(&[
                Param::req("email", Ty::String, "E-mail of the future buyer; e-mail format").personal(),
                Param::req("affiliate", Ty::String, "Affiliate to credit (Digistore24 ID)"),
                Param::opt("campaignkey", Ty::String, "Affiliate campaign key"),
                Param::opt("trackingkey", Ty::String, "Vendor tracking key to store"),
                Param::opt("click_id", Ty::String, "Affiliate click ID (used for S2S postbacks)"),
            ]),
        Function::destructive(&TOOLSET, "setReferringAffiliate", "Record which partner referred an affiliate and the share of commission that partner gets.")
            .operation_id("setReferringAffiliate")
            .hosted()
            .idempotent(true)
            .params(&[
                Param::req("referrer_id", Ty::String, "Referring partner (ID or name)"),
                Param::req("affiliate_id", Ty::String, "Affiliate who was (possibly) referred"),
                Param::opt("commission", Ty::Number, "Percent of the affiliate's commission paid to the referrer"),
            ]),
        Function::destructive(&TOOLSET, "updateAffiliateCommission", "Change an affiliate's commission and/or approval for some or all products (re-creates missing affiliations).")
            .method(HttpMethod::Put)
            .operation_id("updateAffiliateCommission")
            .hosted()
            .params(&[
                Param::req("affiliate_id", Ty::String, "Affiliate ID or user name"),
                Param::req("product_ids", Ty::String, "Comma list of product IDs, or all"),
                Param::opt("data", Ty::Object(&[
                    Param::opt("commission_rate", Ty::Number, "Commission in percent"),
                    Param::opt("commission_fix", Ty::Number, "Fixed commission amount"),
                    Param::opt("commission_currency", Ty::String, "Currency of commission_fix"),
                    Param::opt("approval_status", Ty::String, "Approval state (new / pending / approved / rejected, depending on the object)").one_of(&["new", "approved", "rejected", "pending"]),
                ]), "Changes: data[commission_rate], data[commission_fix], data[commission_currency], data[approval_status]"),
            ]),
        Function::read(&TOOLSET, "validateAffiliate", "Check whether an affiliate has an approved affiliation for given products (also third-party products).")
            .operation_id("validateAffiliate")
            .hosted()
            .params(&[
                Param::req("affiliate_name", Ty::String, "Digistore24 user name of the affiliate"),
                Param::req("product_ids", Ty::String, "Comma list of product IDs, or all"),
            ]),
    ],
};

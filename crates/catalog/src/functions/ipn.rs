//! IPN: webhook connections that notify your systems of sales.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "ipn",
    description: "IPN: webhook connections that notify your systems of sales.",
    default_on: false,
    functions: &[
        Function::destructive(&TOOLSET, "ipnDelete", "Remove this key's IPN connection for a domain_id.")
            .method(HttpMethod::Delete)
            .operation_id("ipnDelete")
            .params(&[
                Param::req("domain_id", Ty::String, "As in ipnSetup"),
            ]),
        Function::read(&TOOLSET, "ipnInfo", "Read the settings of this key's IPN connection for a domain_id.")
            .operation_id("ipnInfo")
            .params(&[
                Param::opt("domain_id", Ty::String, "As in ipnSetup"),
            ]),
        Function::write(&TOOLSET, "ipnSetup", "Create or update (same domain_id) the IPN webhook connection for this API key.")
            .operation_id("ipnSetup")
            .idempotent(true)
            .params(&[
                Param::req("ipn_url", Ty::String, "Public https URL receiving IPN POSTs (must answer GET with 200)").format(Format::Uri),
                Param::req("name", Ty::String, ""),
                Param::req("product_ids", Ty::String, "Comma list or all"),
                Param::opt("domain_id", Ty::String, "Your key for the connection"),
                Param::opt("categories", Ty::String, "Comma list: orders, affiliations, e-tickets, custom forms"),
                Param::opt("transactions", Ty::String, "Comma list: payment, refund, chargeback, payment_missed, rebill_cancelled, rebill_resumed, last_paid_day or all"),
                Param::opt("timing", Ty::String, "delayed: queued, usually < 2 min").default("before_thankyou").one_of(&["before_thankyou", "delayed"]),
                Param::opt("newsletter_send_policy", Ty::String, "Send depending on newsletter opt-in").one_of(&["end_policy_send_always", "end_if_not_optout", "end_if_optout", "end_if_optin"]),
                Param::opt("sha_passphrase", Ty::String, "Signs IPN calls; 'random' generates one").max_len(63).secret(),
            ]),
    ],
};

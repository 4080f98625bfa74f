//! IPN: webhook connections that notify your systems of sales.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "ipn",
    description: "IPN: webhook connections that notify your systems of sales.",
    default_on: false,
    functions: &[
        Function::destructive(&TOOLSET, "ipnDelete", "Remove this key's IPN connection for a domain_id.")
            .title("Delete IPN")
            .method(HttpMethod::Delete)
            .operation_id("ipnDelete")
            .params(&[
                Param::req("domain_id", Ty::String, "domain_id of the connection to remove"),
            ]),
        Function::read(&TOOLSET, "ipnInfo", "Read the settings of this key's IPN connection for a domain_id.")
            .title("IPN info")
            .operation_id("ipnInfo")
            .params(&[
                Param::opt("domain_id", Ty::String, "domain_id used in ipnSetup"),
            ]),
        Function::write(&TOOLSET, "ipnSetup", "Create or update (same domain_id) the IPN webhook connection for this API key.")
            .title("Set up IPN")
            .operation_id("ipnSetup")
            .idempotent(true)
            .params(&[
                Param::req("ipn_url", Ty::String, "Public https URL that receives the IPN POSTs; must answer GET with HTTP 200"),
                Param::req("name", Ty::String, "Connection name shown in the vendor backoffice (e.g. your platform name)"),
                Param::req("product_ids", Ty::String, "Products the connection reports on: all or comma list of IDs"),
                Param::opt("domain_id", Ty::String, "Caller-chosen key identifying one IPN connection per API key; reuse it to update/delete the connection"),
                Param::opt("categories", Ty::String, "Comma list of IPN event categories (orders, affiliations, e-tickets, custom forms)"),
                Param::opt("transactions", Ty::String, "Comma list of IPN transaction types (payment, refund, chargeback, payment_missed, rebill_cancelled, rebill_resumed, last_paid_day, all)"),
                Param::opt("timing", Ty::String, "before_thankyou (default, synchronous) or delayed (queued, usually < 2 min)").one_of(&["before_thankyou", "delayed"]),
                Param::opt("newsletter_send_policy", Ty::String, "Send the IPN depending on the buyer's newsletter opt-in state").one_of(&["end_policy_send_always", "end_if_not_optout", "end_if_optout", "end_if_optin"]),
                Param::opt("sha_passphrase", Ty::String, "Secret used to sign IPN calls; 'random' lets Digistore24 generate a 30-char one; max 63 chars"),
            ]),
    ],
};

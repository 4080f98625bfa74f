//! The ipn functions.

use crate::model::*;

pub(crate) const FUNCTIONS: &[Function] = &[
    Function {
        name: "ipnDelete",
        title: "Delete IPN",
        category: Category::Ipn,
        summary: "Remove this key's IPN connection for a domain_id.",
        access: Access::Full,
        effect: Effect::Destructive,
        idempotent: true,
        spec_method: HttpMethod::Delete,
        operation_id: Some("ipnDelete"),
        hosted: false,
        in_spec: true,
        params: &[Param::req(
            "domain_id",
            Ty::String,
            "domain_id of the connection to remove",
        )],
    },
    Function {
        name: "ipnInfo",
        title: "IPN info",
        category: Category::Ipn,
        summary: "Read the settings of this key's IPN connection for a domain_id.",
        access: Access::Read,
        effect: Effect::Read,
        idempotent: true,
        spec_method: HttpMethod::Get,
        operation_id: Some("ipnInfo"),
        hosted: false,
        in_spec: true,
        params: &[Param::opt(
            "domain_id",
            Ty::String,
            "domain_id used in ipnSetup",
        )],
    },
    Function {
        name: "ipnSetup",
        title: "Set up IPN",
        category: Category::Ipn,
        summary: "Create or update (same domain_id) the IPN webhook connection for this API key.",
        access: Access::Full,
        effect: Effect::Write,
        idempotent: true,
        spec_method: HttpMethod::Post,
        operation_id: Some("ipnSetup"),
        hosted: false,
        in_spec: true,
        params: &[
            Param::req(
                "ipn_url",
                Ty::String,
                "Public https URL that receives the IPN POSTs; must answer GET with HTTP 200",
            ),
            Param::req(
                "name",
                Ty::String,
                "Connection name shown in the vendor backoffice (e.g. your platform name)",
            ),
            Param::req(
                "product_ids",
                Ty::String,
                "Products the connection reports on: all or comma list of IDs",
            ),
            Param::opt(
                "domain_id",
                Ty::String,
                "Caller-chosen key identifying one IPN connection per API key; reuse it to update/delete the connection",
            ),
            Param::opt(
                "categories",
                Ty::String,
                "Comma list of IPN event categories (orders, affiliations, e-tickets, custom forms)",
            ),
            Param::opt(
                "transactions",
                Ty::String,
                "Comma list of IPN transaction types (payment, refund, chargeback, payment_missed, rebill_cancelled, rebill_resumed, last_paid_day, all)",
            ),
            Param::opt(
                "timing",
                Ty::String,
                "before_thankyou (default, synchronous) or delayed (queued, usually < 2 min)",
            )
            .one_of(&["before_thankyou", "delayed"]),
            Param::opt(
                "newsletter_send_policy",
                Ty::String,
                "Send the IPN depending on the buyer's newsletter opt-in state",
            )
            .one_of(&[
                "end_policy_send_always",
                "end_if_not_optout",
                "end_if_optout",
                "end_if_optin",
            ]),
            Param::opt(
                "sha_passphrase",
                Ty::String,
                "Secret used to sign IPN calls; 'random' lets Digistore24 generate a 30-char one; max 63 chars",
            ),
        ],
    },
];

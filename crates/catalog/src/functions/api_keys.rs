//! The api keys functions.

use crate::model::*;

pub(crate) const FUNCTIONS: &[Function] = &[
    Function {
        name: "requestApiKey",
        title: "Request API key",
        category: Category::ApiKeys,
        summary: "Start the interactive flow that lets a vendor approve a new API key for your app (developer key).",
        access: Access::Developer,
        effect: Effect::Write,
        idempotent: false,
        spec_method: HttpMethod::Post,
        operation_id: Some("requestApiKey"),
        hosted: false,
        in_spec: true,
        params: &[
            Param::req(
                "permissions",
                Ty::String,
                "read-only or writable (rights of the key to be created)",
            )
            .one_of(&["read-only", "writable"]),
            Param::req(
                "return_url",
                Ty::String,
                "Public https URL the user returns to after approving the key",
            ),
            Param::opt(
                "cancel_url",
                Ty::String,
                "Where the user is sent if they decline the API key request",
            ),
            Param::opt(
                "site_url",
                Ty::String,
                "Public https URL of the requesting site, shown to the user",
            ),
            Param::opt(
                "comment",
                Ty::String,
                "Note stored with the new key, shown to the vendor on the approval page",
            ),
        ],
    },
    Function {
        name: "retrieveApiKey",
        title: "Retrieve API key",
        category: Category::ApiKeys,
        summary: "Poll for / collect the API key the vendor approved after requestApiKey (developer key).",
        access: Access::Developer,
        effect: Effect::Write,
        idempotent: false,
        spec_method: HttpMethod::Post,
        operation_id: Some("retrieveApiKey"),
        hosted: false,
        in_spec: true,
        params: &[Param::req(
            "token",
            Ty::String,
            "request_token returned by requestApiKey",
        )],
    },
    Function {
        name: "unregister",
        title: "Unregister",
        category: Category::ApiKeys,
        summary: "Delete the calling (interactively created) API key together with its IPN connections.",
        access: Access::Full,
        effect: Effect::Destructive,
        idempotent: true,
        spec_method: HttpMethod::Delete,
        operation_id: Some("unregister"),
        hosted: false,
        in_spec: true,
        params: &[],
    },
];

//! API keys: the interactive key flow for apps and removing the calling key.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "api_keys",
    description: "API keys: the interactive key flow for apps and removing the calling key.",
    default_on: false,
    functions: &[
        Function::write(&TOOLSET, "requestApiKey", "Start the interactive flow that lets a vendor approve a new API key for your app (developer key).")
            .title("Request API key")
            .access(Access::Developer)
            .operation_id("requestApiKey")
            .params(&[
                Param::req("permissions", Ty::String, "read-only or writable (rights of the key to be created)").one_of(&["read-only", "writable"]),
                Param::req("return_url", Ty::String, "Public https URL the user returns to after approving the key"),
                Param::opt("cancel_url", Ty::String, "Where the user is sent if they decline the API key request"),
                Param::opt("site_url", Ty::String, "Public https URL of the requesting site, shown to the user"),
                Param::opt("comment", Ty::String, "Note stored with the new key, shown to the vendor on the approval page"),
            ]),
        Function::write(&TOOLSET, "retrieveApiKey", "Poll for / collect the API key the vendor approved after requestApiKey (developer key).")
            .title("Retrieve API key")
            .access(Access::Developer)
            .operation_id("retrieveApiKey")
            .params(&[
                Param::req("token", Ty::String, "request_token returned by requestApiKey"),
            ]),
        Function::destructive(&TOOLSET, "unregister", "Delete the calling (interactively created) API key together with its IPN connections.")
            .method(HttpMethod::Delete)
            .operation_id("unregister"),
    ],
};

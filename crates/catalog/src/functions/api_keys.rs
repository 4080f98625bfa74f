//! API keys: the interactive key flow for apps and removing the calling key.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "api_keys",
    description: "API keys: the interactive key flow for apps and removing the calling key.",
    default_on: false,
    functions: &[
        Function::write(&TOOLSET, "requestApiKey", "Start the interactive flow that lets a vendor approve a new API key for your app (developer key).")
            .access(Access::Developer)
            .operation_id("requestApiKey")
            .params(&[
                Param::req("permissions", Ty::String, "Rights of the new key (sources spell read access both ways)")
                    .one_of(&["read-only", "readonly", "writable"]),
                Param::req("return_url", Ty::String, "Public https URL after approval").format(Format::Uri),
                Param::opt("cancel_url", Ty::String, "Where a declining user is sent").format(Format::Uri),
                Param::opt("site_url", Ty::String, "Your site, shown to the user").format(Format::Uri),
                Param::opt("comment", Ty::String, "Shown on the approval page"),
            ]),
        Function::write(&TOOLSET, "retrieveApiKey", "Poll for / collect the API key the vendor approved after requestApiKey (developer key).")
            .access(Access::Developer)
            .operation_id("retrieveApiKey")
            .params(&[
                Param::req("token", Ty::String, "request_token from requestApiKey").secret(),
            ]),
        Function::destructive(&TOOLSET, "unregister", "Delete the API key this call is made with (any key, not only one created interactively), with its IPN connections. Every later call with it fails.")
            .method(HttpMethod::Delete)
            .operation_id("unregister"),
    ],
};

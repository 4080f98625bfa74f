//! Service proofs: Digistore24's requests for proof of delivery in refund disputes.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "service_proofs",
    description: "Service proofs: Digistore24's requests for proof of delivery in refund disputes.",
    default_on: true,
    functions: &[
        Function::read(
            &TOOLSET,
            "getServiceProofRequest",
            "One service-proof request.",
        )
        .hosted()
        .params(&[Param::req("service_proof_id", Ty::Integer, "")]),
        Function::read(
            &TOOLSET,
            "listServiceProofRequests",
            "Requests for proof of service (refund disputes).",
        )
        .operation_id("listServiceProofRequests")
        .hosted()
        .params(&[Param::opt(
            "search",
            Ty::Object(&[
                Param::opt("purchase_id", Ty::String, ""),
                Param::opt("product_id", Ty::Integer, ""),
                Param::opt(
                    "delivery_type",
                    Ty::String,
                    "digital, shipping, service, event or download",
                )
                .one_of(&["digital", "shipping", "service", "event", "download"]),
                Param::opt("approval_status", Ty::String, "")
                    .one_of(&["new", "pending", "approved", "rejected"]),
                Param::opt("request_status", Ty::String, "").one_of(&[
                    "pending",
                    "proof_provided",
                    "exec_refund",
                ]),
            ]),
            "Filters",
        )]),
        Function::destructive(
            &TOOLSET,
            "updateServiceProofRequest",
            "Answer a service-proof request: proof or refund.",
        )
        .method(HttpMethod::Put)
        .operation_id("updateServiceProofRequest")
        .hosted()
        .idempotent(false)
        .params(&[
            Param::req("service_proof_id", Ty::Integer, ""),
            Param::req(
                "data",
                Ty::Object(&[
                    Param::req("request_status", Ty::String, "")
                        .one_of(&["proof_provided", "exec_refund"]),
                    Param::opt("message", Ty::String, ""),
                ]),
                "Answer",
            ),
            Param::opt(
                "files",
                Ty::Array(&[
                    Param::req("url", Ty::String, "").format(Format::Uri),
                    Param::opt("filename", Ty::String, ""),
                ]),
                "Proof files",
            ),
        ]),
    ],
};

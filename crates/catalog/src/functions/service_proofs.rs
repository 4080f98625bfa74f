//! Service proofs: Digistore24's requests for proof of delivery in refund disputes.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "service_proofs",
    description: "Service proofs: Digistore24's requests for proof of delivery in refund disputes.",
    default_on: true,
    functions: &[
        Function::read(&TOOLSET, "getServiceProofRequest", "Read one service-proof request.")
            .hosted()
            .params(&[
                Param::req("service_proof_id", Ty::Integer, "Service proof request ID"),
            ]),
        Function::read(&TOOLSET, "listServiceProofRequests", "List Digistore24's requests for proof that a service was delivered (refund disputes).")
            .operation_id("listServiceProofRequests")
            .hosted()
            .params(&[
                Param::opt("search", Ty::Object(&[
                    Param::opt("purchase_id", Ty::String, "Order ID, e.g. ABCD1234"),
                    Param::opt("product_id", Ty::Integer, "Product ID"),
                    Param::opt("delivery_type", Ty::String, "Kind of delivery (digital, shipping, service, event, download)").one_of(&["digital", "shipping", "service", "event", "download"]),
                    Param::opt("approval_status", Ty::String, "Approval state (new / pending / approved / rejected, depending on the object)").one_of(&["new", "pending", "approved", "rejected"]),
                    Param::opt("request_status", Ty::String, "New status: proof_provided or exec_refund").one_of(&["pending", "proof_provided", "exec_refund"]),
                ]), "Filters: search[purchase_id], search[product_id], search[delivery_type], search[approval_status], search[request_status]"),
            ]),
        Function::destructive(&TOOLSET, "updateServiceProofRequest", "Answer a service-proof request: upload proof files or accept the refund.")
            .method(HttpMethod::Put)
            .operation_id("updateServiceProofRequest")
            .hosted()
            .idempotent(false)
            .params(&[
                Param::req("service_proof_id", Ty::Integer, "Numeric service proof request ID"),
                Param::req("data", Ty::Object(&[
                    Param::req("request_status", Ty::String, "New status: proof_provided or exec_refund").one_of(&["proof_provided", "exec_refund"]),
                    Param::opt("message", Ty::String, "Explanation for Digistore24 support"),
                ]), "Answer: data[request_status] and data[message]"),
                Param::opt("files", Ty::Array(&[
                    Param::req("url", Ty::String, "Download URL of the proof file"),
                    Param::opt("filename", Ty::String, "File name to store the file under"),
                ]), "Proof files: files[0][url]=...&files[0][filename]=..."),
            ]),
    ],
};

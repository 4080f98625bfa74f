//! The service_proofs toolset: service proof requests; `exec_refund` refunds the order.

use serde_json::{Value, json};

use crate::backend::refunds;
use crate::documents::{ProofFile, ServiceProof};
use crate::error::{ApiError, Entity};
use crate::params::Params;
use crate::request::{Req, check_url, must, yn};
use crate::store::Tx;

/// `listServiceProofRequests(search)`: a bare array.
pub fn list_service_proof_requests(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let empty = Params::default();
    let search = req.obj_or_empty("search", &empty)?;
    let filters = [
        ("purchase_id", None),
        ("product_id", None),
        (
            "delivery_type",
            Some(&["digital", "shipping", "service", "event", "download"][..]),
        ),
        (
            "approval_status",
            Some(&["new", "pending", "approved", "rejected"][..]),
        ),
        (
            "request_status",
            Some(&["pending", "proof_provided", "exec_refund"][..]),
        ),
    ];
    let mut wanted: Vec<(&str, String)> = Vec::new();
    for (f, allowed) in filters {
        let v = match allowed {
            Some(a) => search.opt_enum(f, a)?,
            None => search.opt_str(f),
        };
        if let Some(v) = v {
            wanted.push((f, v));
        }
    }
    let rows: Vec<Value> = tx
        .all::<ServiceProof>()
        .filter(|d| wanted.iter().all(|(f, v)| d.field(f) == v))
        .map(ServiceProof::list_row)
        .collect();
    Ok(Value::Array(rows))
}

/// `getServiceProofRequest(service_proof_id)`.
pub fn get_service_proof_request(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("service_proof_id")?;
    let d = must::<ServiceProof>(tx, &id, Entity::ServiceProof)?;
    Ok(json!({ "service_proof_request": d.render() }))
}

/// `updateServiceProofRequest(service_proof_id, data, files)`: `exec_refund` refunds the order.
pub fn update_service_proof_request(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("service_proof_id")?;
    let data = req.p.obj("data")?;
    let status = data
        .opt_enum("request_status", &["proof_provided", "exec_refund"])?
        .ok_or_else(|| ApiError::missing(&data.path("request_status")))?;
    let before = must::<ServiceProof>(tx, &id, Entity::ServiceProof)?.clone();
    let mut doc = before.clone();
    for f in req.p.list_obj("files")? {
        let url = f.str("url")?;
        check_url(&f.path("url"), &url)?;
        let filename = f
            .opt_str("filename")
            .unwrap_or_else(|| url.rsplit('/').next().unwrap_or("file").to_string());
        doc.files.push(ProofFile { url, filename });
    }
    let message = data.opt_str("message");
    if status == "proof_provided" && doc.files.is_empty() && message.is_none() {
        return Err(ApiError::invalid(
            &data.path("request_status"),
            "für proof_provided sind eine Nachricht oder Dateien nötig.",
            "proof_provided needs a message or files.",
        ));
    }
    doc.request_status.clone_from(&status);
    if let Some(m) = message {
        doc.message = m;
    }
    if status == "proof_provided" && doc.approval_status == "new" {
        doc.approval_status = "pending".into();
    }
    let changed = doc != before;
    if changed {
        doc.modified_at = req.now_s();
        tx.put(doc);
    }
    if status == "exec_refund" && before.request_status != "exec_refund" {
        let payments = refunds::refundable_payments(tx, &before.purchase_id);
        refunds::refund_all(tx, &before.purchase_id, &payments, req.now);
    }
    Ok(json!({ "is_modified": yn(changed) }))
}

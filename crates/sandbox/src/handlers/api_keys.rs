//! The api_keys toolset: the interactive key request flow and unregistering a key.

use serde_json::{Value, json};

use crate::documents::{ApiKey, ApiKeyRequest, Ipn, RevokedKey};
use crate::error::{ApiError, Entity};
use crate::ids::{Rng, code, key_fingerprint, token};
use crate::reference::USER_ID;
use crate::request::{Req, check_app_url, must};
use crate::store::Tx;

/// `unregister()`: revokes the calling key and deletes its IPN connections. Keys from the
/// command line come back on the next start; keys issued by retrieveApiKey stay revoked.
pub fn unregister(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let fp = key_fingerprint(&req.key.key);
    tx.put(RevokedKey {
        fingerprint: fp.clone(),
        revoked_at: req.now_s(),
    });
    tx.delete::<ApiKey>(&fp);
    let ipns: Vec<String> = tx
        .all::<Ipn>()
        .filter(|d| d.key_fp == fp)
        .map(|d| d.id.clone())
        .collect();
    for id in ipns {
        tx.delete::<Ipn>(&id);
    }
    tracing::info!("an API key was unregistered (configured keys work again after a restart)");
    Ok(json!({
        "modified": "Y",
        "note": req.msg("Der API-Schlüssel wurde gelöscht.", "The API key has been deleted."),
    }))
}

/// `requestApiKey(permissions, return_url, cancel_url, site_url, comment)`: a pending request
/// the vendor answers on the approval page at `request_url` (the wire layer points it at this
/// sandbox's own `/api_key_request/{token}`).
pub fn request_api_key(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let perm = req
        .p
        .opt_enum("permissions", &["read-only", "readonly", "writable"])?
        .ok_or_else(|| ApiError::missing("permissions"))?;
    let return_url = req.p.str("return_url")?;
    check_app_url("return_url", &return_url)?;
    for f in ["cancel_url", "site_url"] {
        if let Some(u) = req.p.opt_str(f) {
            check_app_url(f, &u)?;
        }
    }
    let token = format!("{}{}", code(tx.random(), 12), code(tx.random(), 3));
    tx.put(ApiKeyRequest {
        token: token.clone(),
        permission: if perm == "writable" { "full" } else { "read" }.into(),
        return_url,
        cancel_url: req.p.opt_str("cancel_url").unwrap_or_default(),
        comment: req.p.opt_str("comment").unwrap_or_default(),
        request_status: "pending".into(),
        retrieved: false,
        created_at: req.now_s(),
    });
    Ok(json!({
        "request_url": format!("https://www.digistore24.com/api_key_request/{token}"),
        "request_token": token,
    }))
}

/// `retrieveApiKey(token)`: once the vendor approved the request on the approval page, the new
/// key, handed out once (it then works against this sandbox); before that, or after a decline,
/// an empty key with the request's status.
pub fn retrieve_api_key(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let tok = req.p.str("token")?;
    let request = must::<ApiKeyRequest>(tx, &tok, Entity::ApiKeyRequest)?.clone();
    match request.request_status.as_str() {
        "pending" => {
            return Ok(json!({
                "api_key": "",
                "request_status": "pending",
                "note": req.msg(
                    "Die Anfrage wurde noch nicht bestätigt.",
                    "The request has not been approved yet.",
                ),
            }));
        }
        "aborted" => {
            return Ok(json!({
                "api_key": "",
                "request_status": "aborted",
                "note": req.msg(
                    "Die Anfrage wurde abgelehnt.",
                    "The request was declined.",
                ),
            }));
        }
        _ => {}
    }
    if request.retrieved {
        return Ok(json!({
            "api_key": "",
            "request_status": "completed",
            "note": req.msg(
                "Der API-Schlüssel wurde bereits abgeholt.",
                "The API key has already been retrieved.",
            ),
        }));
    }
    let mut key = String::from(USER_ID);
    key.push('-');
    for _ in 0..4 {
        let mut rng = Rng::new(tx.random());
        key.push_str(&token(&mut rng, 10));
    }
    tx.put(ApiKey {
        fingerprint: key_fingerprint(&key),
        permission: request.permission.clone(),
        created_at: req.now_s(),
    });
    if let Some(r) = tx.get_mut::<ApiKeyRequest>(&tok) {
        r.retrieved = true;
    }
    Ok(json!({ "api_key": key, "request_status": "completed", "note": "" }))
}

//! The Digistore24 calls behind the consent page, through the same upstream as tool calls.
//!
//! - A pasted key is checked before any token carries it: `getUserInfo` (the key works, and
//!   whose it is), then one harmless call that needs the access the vendor picked:
//!   `listCountries` for read access (refuses developer keys, which reach no account data), and
//!   for full access the probe `ds24-mcp doctor` uses too ([`crate::access_probe`]). Only an
//!   account without any order leaves it uncertain ("not found" for an order that cannot exist
//!   only suggests full access), so the grant goes ahead and the log says it was not certain; a wrong
//!   guess costs no more than Digistore24 refusing the first write. A full-access grant with a
//!   read-only key is refused with a clear message, never silently downgraded: the vendor
//!   asked for writes and should know they would fail.
//! - "Connect with Digistore24": `requestApiKey` with the operator's developer key, then, when
//!   the vendor comes back from Digistore24's approval page, `retrieveApiKey`.

use ds24_client::{Answer, ApiKey, CallError, ErrorCode, Retry};
use serde_json::Value;

use super::tokens::Access;
use crate::upstream::Upstream;

/// Why a pasted key was not accepted. The messages are shown to the vendor.
#[derive(Debug, thiserror::Error)]
pub enum KeyProblem {
    /// Digistore24 does not know the key.
    #[error("Digistore24 does not accept this API key (unknown, deleted or inactive).")]
    Rejected,
    /// A developer key: it can only start the key flow.
    #[error(
        "This is a developer key: it grants no access to account data. Paste an API key with read or full access."
    )]
    Developer,
    /// Full access was picked but the key is read-only.
    #[error("This API key is read-only. Choose read-only access, or paste a key with full access.")]
    ReadOnly,
    /// Digistore24 could not be asked.
    #[error("Digistore24 could not check the key right now ({0}). Try again in a moment.")]
    Unavailable(String),
}

/// Who owns a key, as far as Digistore24 says.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The Digistore24 user name (login), if given.
    pub user_name: Option<String>,
}

/// Checks a pasted key for `access` (see the module docs).
pub async fn check_key(
    up: &dyn Upstream,
    key: &ApiKey,
    access: Access,
) -> Result<Identity, KeyProblem> {
    let info = up
        .call("getUserInfo", key, vec![], Retry::OnConnectFailure)
        .await
        .map(Answer::into_value)
        .map_err(|e| match kind(&e) {
            Some(ErrorCode::BadApiKey) => KeyProblem::Rejected,
            _ => KeyProblem::Unavailable(e.to_string()),
        })?;
    let identity = identity(&info);
    match up
        .call("listCountries", key, vec![], Retry::OnConnectFailure)
        .await
    {
        Ok(_) => {}
        Err(e) => {
            return Err(match kind(&e) {
                Some(ErrorCode::PermissionDenied) => KeyProblem::Developer,
                Some(ErrorCode::BadApiKey) => KeyProblem::Rejected,
                _ => KeyProblem::Unavailable(e.to_string()),
            });
        }
    }
    if access == Access::Full {
        check_full_access(up, key).await?;
    }
    Ok(identity)
}

/// Whether `key` may write, with reads only (see the module docs).
async fn check_full_access(up: &dyn Upstream, key: &ApiKey) -> Result<(), KeyProblem> {
    let probe = match crate::access_probe::ask_invoices(up, key).await {
        Ok(probe) => probe,
        // A key that may not read orders cannot write either.
        Err(e) => return on_invoices(Err(e), false),
    };
    on_invoices(probe.answer, probe.on_real_order)
}

/// What `listInvoices`'s answer says about a full-access grant.
fn on_invoices(answer: Result<Value, CallError>, real: bool) -> Result<(), KeyProblem> {
    match answer {
        Ok(_) => Ok(()),
        Err(e) => match kind(&e) {
            Some(ErrorCode::PermissionDenied) => Err(KeyProblem::ReadOnly),
            Some(ErrorCode::BadApiKey) => Err(KeyProblem::Rejected),
            Some(ErrorCode::NotFound | ErrorCode::BadParameters) if !real => {
                tracing::info!(
                    "pasted key: the account has no order to prove full access on; Digistore24 answered \"not found\" for one that cannot exist, which suggests full access but does not prove it"
                );
                Ok(())
            }
            _ => Err(KeyProblem::Unavailable(e.to_string())),
        },
    }
}

/// The owner of a key that Digistore24 just issued (Connect with Digistore24).
pub async fn identify(up: &dyn Upstream, key: &ApiKey) -> Result<Identity, CallError> {
    let info = up
        .call("getUserInfo", key, vec![], Retry::OnConnectFailure)
        .await
        .map(Answer::into_value)?;
    Ok(identity(&info))
}

fn identity(info: &Value) -> Identity {
    let user_name = info
        .get("user_name")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.chars().take(80).collect());
    Identity { user_name }
}

fn kind(e: &CallError) -> Option<ErrorCode> {
    match e {
        CallError::Api { kind, .. } => *kind,
        _ => None,
    }
}

/// A started key request: where to send the vendor, and the token to collect the key with.
#[derive(Debug, Clone)]
pub struct KeyRequest {
    /// Digistore24's approval page.
    pub request_url: String,
    /// For `retrieveApiKey`.
    pub request_token: String,
}

/// Why the key flow could not start or finish.
#[derive(Debug, thiserror::Error)]
pub enum FlowProblem {
    /// Digistore24 refused or failed the call.
    #[error("Digistore24 did not accept the key request: {0}")]
    Upstream(#[from] CallError),
    /// The answer lacked what the flow needs.
    #[error("Digistore24's answer to {0} is missing {1}")]
    Answer(&'static str, &'static str),
}

/// `requestApiKey` with the developer key.
pub async fn request_key(
    up: &dyn Upstream,
    developer_key: &ApiKey,
    access: Access,
    return_url: &str,
    cancel_url: &str,
    site_url: &str,
    comment: &str,
) -> Result<KeyRequest, FlowProblem> {
    let form = vec![
        (
            "permissions".to_owned(),
            match access {
                Access::Read => "read-only",
                Access::Full => "writable",
            }
            .to_owned(),
        ),
        ("return_url".to_owned(), return_url.to_owned()),
        ("cancel_url".to_owned(), cancel_url.to_owned()),
        ("site_url".to_owned(), site_url.to_owned()),
        ("comment".to_owned(), comment.to_owned()),
    ];
    // A new request each time the vendor clicks: never retried automatically.
    let data = up
        .call("requestApiKey", developer_key, form, Retry::Never)
        .await
        .map(Answer::into_value)?;
    let text = |field: &'static str| {
        data.get(field)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .ok_or(FlowProblem::Answer("requestApiKey", field))
    };
    let request_url = text("request_url")?;
    let scheme_ok =
        url::Url::parse(&request_url).is_ok_and(|u| matches!(u.scheme(), "https" | "http"));
    if !scheme_ok {
        return Err(FlowProblem::Answer(
            "requestApiKey",
            "an http(s) request_url",
        ));
    }
    Ok(KeyRequest {
        request_url,
        request_token: text("request_token")?,
    })
}

/// What `retrieveApiKey` said.
#[derive(Debug)]
pub enum Retrieved {
    /// The vendor approved: the new key.
    Key(ApiKey),
    /// Not decided yet.
    Pending,
    /// The vendor declined, or the request is gone.
    Declined(String),
}

/// `retrieveApiKey` with the developer key.
pub async fn retrieve_key(
    up: &dyn Upstream,
    developer_key: &ApiKey,
    request_token: &str,
) -> Result<Retrieved, FlowProblem> {
    let form = vec![("token".to_owned(), request_token.to_owned())];
    // The key is handed out once: a retry after a lost answer would find nothing anyway.
    let data = up
        .call("retrieveApiKey", developer_key, form, Retry::Never)
        .await
        .map(Answer::into_value)?;
    if let Some(key) = data
        .get("api_key")
        .and_then(Value::as_str)
        .and_then(ApiKey::new)
    {
        return Ok(Retrieved::Key(key));
    }
    let status = data
        .get("request_status")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let note = data
        .get("note")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect::<String>();
    Ok(match status {
        "pending" => Retrieved::Pending,
        _ => Retrieved::Declined(if note.is_empty() {
            format!("request status `{status}`")
        } else {
            note
        }),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use ds24_client::FormPairs;
    use serde_json::json;

    use super::*;
    use crate::upstream::UpstreamFuture;

    /// An account as a read-only key sees it, where Digistore24 looks the order up before it
    /// checks the key's permission (which it does not document either way): a made-up order
    /// is "not found", a real one "permission denied".
    struct LookupFirst {
        calls: Mutex<Vec<String>>,
    }

    fn api_error(kind: ErrorCode, message: &str) -> CallError {
        CallError::Api {
            code: None,
            kind: Some(kind),
            message: message.into(),
            status: 200,
        }
    }

    impl Upstream for LookupFirst {
        fn call<'a>(
            &'a self,
            function: &'static str,
            _key: &'a ApiKey,
            form: FormPairs,
            _retry: Retry,
        ) -> UpstreamFuture<'a> {
            self.calls.lock().unwrap().push(function.to_owned());
            let purchase = form
                .iter()
                .find(|(k, _)| k == "purchase_id")
                .map(|(_, v)| v.clone());
            let answer = match function {
                "getUserInfo" => Ok(json!({"user_name": "vendor"})),
                "listCountries" => Ok(json!({"countries": {"DE": "Germany"}})),
                "listPurchases" => Ok(json!({"purchase_list": [{"id": "ABC123"}]})),
                "listInvoices" if purchase.as_deref() == Some("ABC123") => Err(api_error(
                    ErrorCode::PermissionDenied,
                    "needs a full-access key",
                )),
                "listInvoices" => Err(api_error(ErrorCode::NotFound, "no such order")),
                _ => Err(api_error(ErrorCode::NotFound, "unknown function")),
            };
            Box::pin(async move { answer.map(Answer::from) })
        }
    }

    /// Review finding 15: "not found" for a made-up order proves nothing about the key.
    #[tokio::test]
    async fn full_access_is_proven_on_a_real_order() {
        let up = LookupFirst {
            calls: Mutex::new(Vec::new()),
        };
        let key = ApiKey::new("read-only-key").unwrap();
        let checked = check_key(&up, &key, Access::Full).await;
        assert!(
            matches!(checked, Err(KeyProblem::ReadOnly)),
            "{checked:?}, after {:?}",
            up.calls.lock().unwrap()
        );
        assert!(check_key(&up, &key, Access::Read).await.is_ok());
    }
}

//! Telling a read-only key from a full-access one without a write, shared by `ds24-mcp doctor`
//! and the OAuth consent page.
//!
//! `listInvoices` only reads, yet Digistore24 documents it as needing full access (protocol.md
//! §8). So the probe takes one real order from `listPurchases` (a read any account key may make)
//! and asks for its invoices: data means full access, "permission denied" (code 8) means
//! read-only. With no order in the account it asks about an order ID that cannot exist:
//! code 8 still means read-only, but "not found" only *suggests* full access (Digistore24 does
//! not document whether it checks the key's permission before looking the order up). Each
//! caller decides what the answer means for it.

use ds24_client::{Answer, ApiKey, CallError, ErrorCode, Retry};
use serde_json::Value;

use crate::upstream::Upstream;

/// An order ID in Digistore24's format that no account has (the probe's fallback).
const NO_SUCH_ORDER: &str = "DOCTOR00";

/// What `listInvoices` said, and about which order.
#[derive(Debug)]
pub struct InvoicesAnswer {
    /// Whether the order asked about is a real order of the account.
    pub on_real_order: bool,
    /// `listInvoices`'s answer.
    pub answer: Result<Value, CallError>,
}

/// Asks `listInvoices` about one order of the account (or one that cannot exist). `Err` is
/// `listPurchases`'s refusal when it already decides the question: the key is rejected, or it
/// may not read orders at all (a developer key). Other `listPurchases` failures fall back to
/// the order that cannot exist.
pub async fn ask_invoices(up: &dyn Upstream, key: &ApiKey) -> Result<InvoicesAnswer, CallError> {
    let one_order = vec![
        ("from".to_owned(), "start".to_owned()),
        ("to".to_owned(), "now".to_owned()),
        ("page_size".to_owned(), "1".to_owned()),
    ];
    let order = match up
        .call("listPurchases", key, one_order, Retry::OnConnectFailure)
        .await
        .map(Answer::into_value)
    {
        Ok(list) => first_order(&list),
        Err(
            e @ CallError::Api {
                kind: Some(ErrorCode::BadApiKey | ErrorCode::PermissionDenied),
                ..
            },
        ) => return Err(e),
        Err(_) => None,
    };
    let on_real_order = order.is_some();
    let purchase_id = order.unwrap_or_else(|| NO_SUCH_ORDER.to_owned());
    let asked = vec![("purchase_id".to_owned(), purchase_id)];
    let answer = up
        .call("listInvoices", key, asked, Retry::OnConnectFailure)
        .await
        .map(Answer::into_value);
    Ok(InvoicesAnswer {
        on_real_order,
        answer,
    })
}

/// The id of the first order in a `listPurchases` answer.
fn first_order(list: &Value) -> Option<String> {
    let row = list["purchase_list"].as_array()?.first()?;
    ["id", "purchase_id"].iter().find_map(|k| match &row[*k] {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

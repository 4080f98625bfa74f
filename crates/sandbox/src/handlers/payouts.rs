//! The payouts toolset: the monthly payouts of the vendor's earnings.

use serde_json::{Value, json};

use crate::documents::{Payout, wire};
use crate::error::ApiError;
use crate::request::Req;
use crate::store::Tx;

/// `listPayouts()`: newest first.
pub fn list_payouts(tx: &mut Tx<'_>, _req: &Req<'_>) -> Result<Value, ApiError> {
    let rows: Vec<Value> = tx.all::<Payout>().rev().map(wire).collect();
    Ok(json!({ "payout_list": rows }))
}

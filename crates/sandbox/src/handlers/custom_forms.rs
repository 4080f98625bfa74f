//! The custom_forms toolset: answers buyers gave in custom order forms.

use serde_json::{Value, json};

use crate::documents::{CustomFormRecord, Purchase, wire};
use crate::error::{ApiError, Entity};
use crate::request::{Req, must};
use crate::store::Tx;

/// `listCustomFormRecords(purchase_id)`.
pub fn list_custom_form_records(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let pid = req.p.opt_str("purchase_id");
    if let Some(p) = &pid {
        must::<Purchase>(tx, p, Entity::Purchase)?;
    }
    let rows: Vec<Value> = tx
        .all::<CustomFormRecord>()
        .filter(|d| pid.as_deref().is_none_or(|p| d.purchase_id == p))
        .map(wire)
        .collect();
    Ok(json!({ "records": rows }))
}

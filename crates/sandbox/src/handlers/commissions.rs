//! The commissions toolset: the vendor's earnings per transaction.

use chrono::Duration;
use serde_json::{Map, Value, json};

use crate::documents::Transaction;
use crate::error::ApiError;
use crate::request::{Req, TRANSACTION_TYPES, enum_list, paginate, window};
use crate::store::Tx;
use crate::time;

/// `listCommissions(from, to, page_no, page_size, transaction_type, commission_type,
/// purchase_id)`: the vendor's earnings per transaction; `page_size=0` (default) = all.
pub fn list_commissions(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let (from, to) = window(req)?;
    let types = enum_list(&req.p, "transaction_type", TRANSACTION_TYPES)?;
    let ctype = req
        .p
        .opt_enum(
            "commission_type",
            &["all", "vendor", "merchant", "affiliate", "jv", "other"],
        )?
        .unwrap_or_else(|| "all".into());
    let purchase_ids = req.p.list_str("purchase_id");
    let rows: Vec<Value> = if matches!(ctype.as_str(), "all" | "vendor" | "merchant") {
        tx.all::<Transaction>()
            .filter(|t| {
                t.created_at >= from
                    && t.created_at <= to
                    && types
                        .as_ref()
                        .is_none_or(|ty| ty.iter().any(|x| x == t.kind.as_str()))
                    && (purchase_ids.is_empty() || purchase_ids.contains(&t.purchase_id))
            })
            .map(|t| {
                let payout = time::parse_stored(&t.created_at)
                    .map(|at| time::fmt_date(time::next_month(at.date()) + Duration::days(4)))
                    .unwrap_or_default();
                json!({
                    "id": t.id,
                    "created_at": t.created_at,
                    "amount": t.vendor_amount,
                    "currency": t.currency,
                    "reason": "merchant_share",
                    "transaction_type": t.kind.as_str(),
                    "schedule_payout_at": payout,
                    "transaction_id": t.id,
                    "purchase_id": t.purchase_id,
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    let (page_rows, page) = paginate(&req.p, rows, 0, 100_000)?;
    let mut out = Map::new();
    page.write(&mut out);
    out.insert("items".into(), Value::Array(page_rows));
    Ok(Value::Object(out))
}

//! The transactions toolset: listTransactions with its per-currency summary.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::backend::products::product_names;
use crate::documents::{Buyer, Purchase, Transaction};
use crate::error::ApiError;
use crate::money::money;
use crate::request::{Req, Search, paginate, sort_desc, window};
use crate::store::Tx;

/// `listTransactions(from, to, search, sort_by, sort_order, page_no, page_size)`.
pub fn list_transactions(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let (from, to) = window(req)?;
    let search = Search::parse(req)?;
    let sort_by = req
        .p
        .opt_enum("sort_by", &["date", "earning", "amount"])?
        .unwrap_or_else(|| "date".into());
    let desc = sort_desc(req)?;
    let mut rows: Vec<(&Transaction, Option<&Purchase>)> = tx
        .all::<Transaction>()
        .filter(|t| t.created_at >= from && t.created_at <= to)
        .filter(|t| search.keeps_type(t.kind.as_str()))
        .map(|t| (t, tx.get::<Purchase>(&t.purchase_id)))
        .filter(|(_, p)| p.is_some_and(|p| search.matches(tx, p)))
        .collect();
    match sort_by.as_str() {
        "earning" => rows.sort_by_key(|(t, _)| (t.vendor_amount, t.num())),
        "amount" => rows.sort_by_key(|(t, _)| (t.amount, t.num())),
        _ => rows.sort_by(|a, b| {
            a.0.created_at
                .cmp(&b.0.created_at)
                .then_with(|| a.0.num().cmp(&b.0.num()))
        }),
    }
    if desc {
        rows.reverse();
    }
    // Summary over every matching row, not just this page.
    let mut per_currency: BTreeMap<&str, (i64, i64, i64, i64)> = BTreeMap::new();
    for (t, _) in &rows {
        let e = per_currency.entry(t.currency.as_str()).or_default();
        e.0 += 1;
        e.1 += t.amount.cents();
        e.2 += t.vat_amount.cents();
        e.3 += t.vendor_amount.cents();
    }
    let mut amounts = Map::new();
    for (cur, (n, total, vat, earned)) in per_currency {
        amounts.insert(
            cur.to_string(),
            json!({
                "count": n.to_string(), "total_amount": money(total),
                "vat_amount": money(vat), "earned_amount": money(earned),
            }),
        );
    }
    let count = rows.len();
    let (page_rows, page) = paginate(&req.p, rows, 500, 1000)?;
    let names = product_names(tx);
    let list: Vec<Value> = page_rows
        .into_iter()
        .map(|(t, p)| {
            let name = names.get(t.product_id.as_str()).map_or("", String::as_str);
            t.list_row(req.lang, name, p, tx.get::<Buyer>(&t.buyer_id))
        })
        .collect();
    let mut out = Map::new();
    out.insert("from".into(), json!(from));
    out.insert("to".into(), json!(to));
    page.write(&mut out);
    out.insert(
        "summary".into(),
        json!({ "count": count.to_string(), "amounts": amounts }),
    );
    out.insert("transaction_list".into(), Value::Array(list));
    Ok(Value::Object(out))
}

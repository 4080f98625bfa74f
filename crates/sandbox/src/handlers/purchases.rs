//! The purchases toolset: orders, their tracking and downloads, balance, mails and updates.

use serde_json::{Map, Value, json};

use crate::backend::ledger;
use crate::backend::products::{product_name, product_names};
use crate::documents::{Buyer, Product, Purchase, PurchaseContext, TxType};
use crate::error::{ApiError, Entity};
use crate::money::{Money, money};
use crate::request::{
    Req, Search, check_email, ids_must_exist, must, one_or_keyed, paginate, sort_desc, window, yn,
};
use crate::store::Tx;
use crate::time::{self, DateEnd};

fn render(tx: &Tx<'_>, req: &Req<'_>, p: &Purchase) -> Value {
    let txns = ledger::purchase_transactions(tx, &p.id);
    let name = product_name(tx, &p.product_id);
    p.render(
        req.lang,
        &PurchaseContext {
            product_name: &name,
            buyer: tx.get::<Buyer>(&p.buyer_id),
            transactions: &txns,
        },
    )
}

/// `getPurchase(purchase_id)`; a comma list returns records keyed by order id.
pub fn get_purchase(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let raw = req.p.str("purchase_id")?;
    let ids = ids_must_exist::<Purchase>(tx, &raw, Entity::Purchase)?;
    Ok(one_or_keyed(ids, |id| {
        tx.get::<Purchase>(id)
            .map(|p| render(tx, req, p))
            .unwrap_or_default()
    }))
}

/// `listPurchases(from, to, search, sort_by, sort_order, load_transactions, page_no,
/// page_size)`; `show_transactions` is accepted as an older name of `load_transactions`.
pub fn list_purchases(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let (from, to) = window(req)?;
    let search = Search::parse(req)?;
    let sort_by = req
        .p
        .opt_enum("sort_by", &["date", "earning", "amount"])?
        .unwrap_or_else(|| "date".into());
    let desc = sort_desc(req)?;
    let load =
        req.p.bool_or("load_transactions", false)? || req.p.bool_or("show_transactions", false)?;
    let idx = ledger::transactions_by_purchase(tx);
    let mut rows: Vec<(&Purchase, i64)> = tx
        .all::<Purchase>()
        .filter(|p| p.created_at >= from && p.created_at <= to && search.matches(tx, p))
        .filter(|p| {
            search.transaction_types.as_ref().is_none_or(|types| {
                idx.get(p.id.as_str()).is_some_and(|ts| {
                    ts.iter()
                        .any(|t| types.iter().any(|x| x == t.kind.as_str()))
                })
            })
        })
        .map(|p| {
            let earned: i64 = idx
                .get(p.id.as_str())
                .map(|ts| ts.iter().map(|t| t.vendor_amount.cents()).sum())
                .unwrap_or(0);
            (p, earned)
        })
        .collect();
    match sort_by.as_str() {
        "earning" => rows.sort_by(|a, b| (a.1, &a.0.created_at).cmp(&(b.1, &b.0.created_at))),
        "amount" => {
            rows.sort_by(|a, b| (a.0.amount, &a.0.created_at).cmp(&(b.0.amount, &b.0.created_at)))
        }
        _ => rows.sort_by(|a, b| {
            a.0.created_at
                .cmp(&b.0.created_at)
                .then_with(|| a.0.id.cmp(&b.0.id))
        }),
    }
    if desc {
        rows.reverse();
    }
    let (page_rows, page) = paginate(&req.p, rows, 500, 1000)?;
    let names = product_names(tx);
    let list: Vec<Value> = page_rows
        .into_iter()
        .map(|(p, earned)| {
            let name = names.get(p.product_id.as_str()).map_or("", String::as_str);
            let mut row = p.list_row(req.lang, name, tx.get::<Buyer>(&p.buyer_id), earned);
            if load && let Value::Object(m) = &mut row {
                let ts = idx
                    .get(p.id.as_str())
                    .map(|ts| ts.iter().map(|t| t.purchase_row(p, req.lang)).collect())
                    .unwrap_or_default();
                m.insert("transaction_list".into(), Value::Array(ts));
            }
            row
        })
        .collect();
    let mut out = Map::new();
    out.insert("purchase_list".into(), Value::Array(list));
    page.write(&mut out);
    Ok(Value::Object(out))
}

/// `listPurchasesOfEmail(email, limit)`: newest first, a bare array.
pub fn list_purchases_of_email(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let email = check_email("email", &req.p.str("email")?)?.to_lowercase();
    let limit = req.p.int_in("limit", 100, 1, 10_000)? as usize;
    let buyers: Vec<&str> = tx
        .all::<Buyer>()
        .filter(|b| b.email.to_lowercase() == email)
        .map(|b| b.id.as_str())
        .collect();
    let mut rows: Vec<&Purchase> = tx
        .all::<Purchase>()
        .filter(|p| buyers.contains(&p.buyer_id.as_str()))
        .collect();
    rows.sort_by(|a, b| b.created_at.cmp(&a.created_at));
    let out: Vec<Value> = rows
        .into_iter()
        .take(limit)
        .map(|p| p.email_row(req.lang, &product_name(tx, &p.product_id)))
        .collect();
    Ok(Value::Array(out))
}

/// `getPurchaseTracking(purchase_id)`; a comma list returns records keyed by order id.
pub fn get_purchase_tracking(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let raw = req.p.str("purchase_id")?;
    let ids = ids_must_exist::<Purchase>(tx, &raw, Entity::Purchase)?;
    Ok(one_or_keyed(ids, |id| {
        tx.get::<Purchase>(id)
            .map(|p| p.tracking.render())
            .unwrap_or_default()
    }))
}

/// `getPurchaseDownloads(purchase_id)`.
pub fn get_purchase_downloads(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let raw = req.p.str("purchase_id")?;
    let ids = ids_must_exist::<Purchase>(tx, &raw, Entity::Purchase)?;
    let mut downloads = Map::new();
    for id in ids {
        let Some(p) = tx.get::<Purchase>(&id) else {
            continue;
        };
        let txns = ledger::purchase_transactions(tx, &id);
        let paid = txns.iter().any(|t| t.kind == TxType::Payment);
        let refunded = txns.iter().any(|t| t.kind.is_reversal());
        let until = time::parse_stored(&p.created_at)
            .map(|t| time::fmt_date(t.date() + chrono::Duration::days(365)))
            .unwrap_or_default();
        let files: Vec<Value> = tx
            .get::<Product>(&p.product_id)
            .map(|prod| {
                prod.downloads
                    .iter()
                    .enumerate()
                    .map(|(i, f)| {
                        json!({
                            "url": format!("https://www.digistore24.com/file/{id}/{}/{}", p.auth_key, 529 + i),
                            "downloads_total": f.downloads_total,
                            "downloads_tries": "0",
                            "is_access_granted": yn(paid && !refunded),
                            "is_purchase_paid": yn(paid),
                            "headline": f.headline,
                            "instructions": f.instructions,
                            "file_name": f.file_name,
                            "file_ext": f.file_ext,
                            "file_size": f.file_size,
                            "download_until": until,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut per_product = Map::new();
        if !files.is_empty() {
            per_product.insert(p.product_id.clone(), Value::Array(files));
        }
        downloads.insert(id, Value::Object(per_product));
    }
    Ok(json!({ "downloads": downloads }))
}

/// `addBalanceToPurchase(purchase_id, amount)`.
pub fn add_balance_to_purchase(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("purchase_id")?;
    let amount = req.p.money("amount")?;
    if amount <= 0 {
        return Err(ApiError::not_positive("amount"));
    }
    let p = tx
        .get_mut::<Purchase>(&id)
        .ok_or_else(|| ApiError::not_found(Entity::Purchase, &id))?;
    let old = p.balance.cents();
    p.balance = Money(old + amount);
    Ok(json!({ "old_balance": money(old), "new_balance": money(old + amount) }))
}

/// `resendInvoiceMail(purchase_id)`.
pub fn resend_invoice_mail(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("purchase_id")?;
    must::<Purchase>(tx, &id, Entity::Purchase)?;
    let has_invoice = ledger::purchase_transactions(tx, &id)
        .iter()
        .any(|t| t.kind == TxType::Payment);
    if !has_invoice {
        return Ok(json!({
            "status": "error",
            "note": req.msg("Für diese Bestellung gibt es noch keine Rechnung.", "There is no invoice for this order yet."),
        }));
    }
    if let Some(p) = tx.get_mut::<Purchase>(&id) {
        p.invoice_mail_sent_at = req.now_s();
    }
    Ok(json!({
        "status": "success",
        "note": req.msg("Die Rechnungen wurden versandt.", "The invoices have been sent."),
    }))
}

/// `resendPurchaseConfirmationMail(purchase_id)`.
pub fn resend_purchase_confirmation_mail(
    tx: &mut Tx<'_>,
    req: &Req<'_>,
) -> Result<Value, ApiError> {
    let id = req.p.str("purchase_id")?;
    let p = tx
        .get_mut::<Purchase>(&id)
        .ok_or_else(|| ApiError::not_found(Entity::Purchase, &id))?;
    p.confirmation_mail_sent_at = req.now_s();
    Ok(json!({
        "modified": "Y",
        "note": req.msg(
            "Die Bestellbestätigung wurde erneut versendet.",
            "The order confirmation has been sent again.",
        ),
    }))
}

/// `updatePurchase(purchase_id, data)`.
pub fn update_purchase(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("purchase_id")?;
    let data = req.p.obj("data")?;
    let before = must::<Purchase>(tx, &id, Entity::Purchase)?.clone();
    let mut doc = before.clone();
    if let Some(v) = data.raw_str("tracking_param") {
        doc.tracking_param = v.trim().to_string();
    }
    if let Some(v) = data.raw_str("custom") {
        doc.custom = v.trim().to_string();
    }
    if let Some(b) = data.opt_bool("unlock_invoices")? {
        doc.unlock_invoices = b;
    }
    if let Some(next) = data.opt_time("next_payment_at", req.now, req.start, DateEnd::Start)? {
        if doc.next_payment_at.is_empty() {
            return Err(ApiError::refused(
                "Für diese Bestellung ist keine weitere Zahlung geplant.",
                "No further payment is scheduled for this order.",
            ));
        }
        let next_s = time::fmt(next);
        if next_s < doc.next_payment_at {
            return Err(ApiError::invalid(
                &data.path("next_payment_at"),
                "der nächste Zahlungstermin kann nur verschoben, nicht vorgezogen werden.",
                "the next payment can only be postponed, not brought forward.",
            ));
        }
        doc.next_payment_at = next_s;
    }
    let changed = doc != before;
    if changed {
        tx.put(doc);
    }
    Ok(json!({ "is_modified": yn(changed) }))
}

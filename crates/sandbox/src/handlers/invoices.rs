//! The invoices toolset: a purchase's invoices and credit notes.

use serde_json::{Value, json};

use crate::backend::ledger;
use crate::documents::{Purchase, TxType};
use crate::error::{ApiError, Entity, Lang};
use crate::money::{money, money_de};
use crate::reference;
use crate::request::{Req, must};
use crate::store::Tx;
use crate::time;

fn currency_symbol(code: &str) -> String {
    reference::CURRENCIES
        .iter()
        .find(|c| c.1 == code)
        .map_or(code.to_string(), |c| c.4.to_string())
}

/// `listInvoices(purchase_id)` (needs a full-access key, as documented).
pub fn list_invoices(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("purchase_id")?;
    let p = must::<Purchase>(tx, &id, Entity::Purchase)?;
    let rows: Vec<Value> = ledger::purchase_transactions(tx, &id)
        .into_iter()
        .filter(|t| matches!(t.kind, TxType::Payment | TxType::Refund))
        .map(|t| {
            let no = t.invoice_no.to_string();
            let at = time::parse_stored(&t.created_at);
            let amount = t.amount.cents();
            let sym = currency_symbol(&t.currency);
            let refund = t.kind == TxType::Refund;
            let label = match req.lang {
                Lang::De => format!(
                    "{} Nr. {no} - {} - {} {sym}",
                    if refund { "Gutschrift" } else { "Rechnung" },
                    at.map(|a| a.format("%d.%m.%Y").to_string())
                        .unwrap_or_default(),
                    money_de(amount)
                ),
                Lang::En => format!(
                    "{} no. {no} - {} - {sym}{}",
                    if refund { "Credit note" } else { "Invoice" },
                    at.map(|a| time::fmt_date(a.date())).unwrap_or_default(),
                    money(amount)
                ),
            };
            json!({
                "invoice_url": p.invoice_url(t),
                "invoice_label": label,
                "invoice_id": no,
                "invoice_date": at.map(|a| time::fmt_date(a.date())).unwrap_or_default(),
                "pay_method": t.pay_method,
                "pay_method_msg": req.label("pay_method", &t.pay_method),
                "purchase_id": id,
                "type": t.kind.as_str(),
                "amount": t.amount,
                "currency": t.currency,
            })
        })
        .collect();
    Ok(json!({ "purchase_id": id, "invoice_list": rows }))
}

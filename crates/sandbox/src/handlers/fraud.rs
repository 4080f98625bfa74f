//! The fraud toolset: reporting a buyer or affiliate of a transaction.

use serde_json::{Value, json};

use crate::documents::{FraudReport, Transaction};
use crate::error::{ApiError, Entity, Lang};
use crate::request::{Req, must};
use crate::store::Tx;

/// `reportFraud(transaction_id, who, comment)`.
pub fn report_fraud(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("transaction_id")?;
    let who = req
        .p
        .opt_enum("who", &["buyer", "affiliate"])?
        .ok_or_else(|| ApiError::missing("who"))?;
    let comment = req.p.str("comment")?;
    let t = must::<Transaction>(tx, &id, Entity::Transaction)?.clone();
    let again = tx.exists::<FraudReport>(&format!("{id}-{who}"));
    let (status, message, code) = if who == "affiliate" && t.affiliate_id.is_empty() {
        (
            "failure",
            req.msg(
                "Diese Transaktion hat keinen Affiliate.",
                "This transaction has no affiliate.",
            ),
            "not_created",
        )
    } else if again {
        (
            "warning",
            req.msg(
                "Dieser Betrugsfall wurde bereits gemeldet.",
                "This fraud case has already been reported.",
            ),
            "rerequest",
        )
    } else {
        tx.put(FraudReport {
            transaction_id: id.clone(),
            who: who.clone(),
            comment,
            created_at: req.now_s(),
        });
        (
            "success",
            match (who.as_str(), req.lang) {
                ("buyer", Lang::De) => "Der Käufer wurde gemeldet.".to_string(),
                ("buyer", Lang::En) => "The buyer has been reported.".to_string(),
                (_, Lang::De) => "Der Affiliate wurde gemeldet.".to_string(),
                (_, Lang::En) => "The affiliate has been reported.".to_string(),
            },
            "created_entry",
        )
    };
    let idle = ("info", String::new(), "not_created");
    let (b, a) = if who == "buyer" {
        ((status, message, code), idle)
    } else {
        (idle, (status, message, code))
    };
    Ok(json!({
        "buyer_status": b.0, "buyer_message": b.1, "buyer_code": b.2,
        "affiliate_status": a.0, "affiliate_message": a.1, "affiliate_code": a.2,
    }))
}

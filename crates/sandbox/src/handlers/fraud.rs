//! The fraud toolset: reporting a buyer or affiliate of a transaction.

use serde_json::{Value, json};

use crate::documents::{FraudReport, Transaction};
use crate::error::{ApiError, Entity, Lang};
use crate::request::{Req, must};
use crate::store::Tx;

/// `reportFraud(transaction_id, who, comment)`. `who` is `buyer`, `affiliate` or
/// `buyer,affiliate` (both, dev.digistore24.com article 93); each party named gets its own
/// status, message and code, the other one `info`.
pub fn report_fraud(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("transaction_id")?;
    let who = req
        .p
        .opt_enum("who", &["buyer", "affiliate", "buyer,affiliate"])?
        .ok_or_else(|| ApiError::missing("who"))?;
    let comment = req.p.str("comment")?;
    let t = must::<Transaction>(tx, &id, Entity::Transaction)?.clone();
    let idle = || ("info", String::new(), "not_created");
    let mut report = |party: &str| {
        if !who.split(',').any(|w| w == party) {
            return idle();
        }
        if party == "affiliate" && t.affiliate_id.is_empty() {
            return (
                "failure",
                req.msg(
                    "Diese Transaktion hat keinen Affiliate.",
                    "This transaction has no affiliate.",
                ),
                "not_created",
            );
        }
        if tx.exists::<FraudReport>(&format!("{id}-{party}")) {
            return (
                "warning",
                req.msg(
                    "Dieser Betrugsfall wurde bereits gemeldet.",
                    "This fraud case has already been reported.",
                ),
                "rerequest",
            );
        }
        tx.put(FraudReport {
            transaction_id: id.clone(),
            who: party.to_owned(),
            comment: comment.clone(),
            created_at: req.now_s(),
        });
        let message = match (party, req.lang) {
            ("buyer", Lang::De) => "Der Käufer wurde gemeldet.",
            ("buyer", Lang::En) => "The buyer has been reported.",
            (_, Lang::De) => "Der Affiliate wurde gemeldet.",
            (_, Lang::En) => "The affiliate has been reported.",
        };
        ("success", message.to_owned(), "created_entry")
    };
    let b = report("buyer");
    let a = report("affiliate");
    Ok(json!({
        "buyer_status": b.0, "buyer_message": b.1, "buyer_code": b.2,
        "affiliate_status": a.0, "affiliate_message": a.1, "affiliate_code": a.2,
    }))
}

//! The account toolset: ping, user info, account access, global settings and member-area
//! logins.

use serde_json::{Map, Value, json};

use crate::documents::{ACCOUNT_ID, Account, AccountAccess, Document, MemberAccess, Purchase};
use crate::error::{ApiError, Entity, Lang};
use crate::reference;
use crate::request::{BILLING_TYPES, Req, TRANSACTION_TYPES, must};
use crate::store::Tx;
use crate::time::{self, DateEnd};

/// `ping()`.
pub fn ping(_tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    Ok(json!({ "server_time": req.now_s() }))
}

/// `getUserInfo()`.
pub fn get_user_info(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    Ok(tx
        .get::<Account>(ACCOUNT_ID)
        .map(|a| a.render(req.lang))
        .unwrap_or_else(|| json!({})))
}

/// `listAccountAccess()`.
pub fn list_account_access(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let rows: Vec<Value> = tx
        .all::<AccountAccess>()
        .map(|d| d.render(req.lang))
        .collect();
    Ok(json!({ "by_me": rows, "to_me": [] }))
}

/// `getGlobalSettings()`: allowed values of the enum-like fields, and image limits.
pub fn get_global_settings(_tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let de = req.lang == Lang::De;
    let map = |items: Vec<(String, String)>| -> Value {
        Value::Object(items.into_iter().map(|(k, v)| (k, json!(v))).collect())
    };
    let intervals = map(reference::INTERVALS
        .iter()
        .map(|(k, d, e)| ((*k).to_string(), req.lang.pick(d, e).to_string()))
        .collect());
    let labels = |domain: &str, keys: &[&str]| {
        map(keys
            .iter()
            .map(|k| ((*k).to_string(), req.label(domain, k)))
            .collect())
    };
    let mut types = Map::new();
    types.insert("first_billing_interval".into(), intervals.clone());
    types.insert("other_billing_intervals".into(), intervals);
    types.insert(
        "pay_method".into(),
        labels("pay_method", reference::PAY_METHODS),
    );
    types.insert(
        "product_type_id".into(),
        map(reference::PRODUCT_TYPES
            .iter()
            .map(|(id, d, e, _)| ((*id).to_string(), if de { d } else { e }.to_string()))
            .collect()),
    );
    types.insert(
        "currency".into(),
        map(reference::CURRENCIES
            .iter()
            .map(|c| (c.1.to_string(), if de { c.2 } else { c.3 }.to_string()))
            .collect()),
    );
    types.insert(
        "language".into(),
        map(vec![
            ("de".into(), req.msg("Deutsch", "German")),
            ("en".into(), req.msg("Englisch", "English")),
            ("es".into(), req.msg("Spanisch", "Spanish")),
            ("fr".into(), req.msg("Französisch", "French")),
            ("nl".into(), req.msg("Niederländisch", "Dutch")),
            ("it".into(), req.msg("Italienisch", "Italian")),
            ("pt".into(), req.msg("Portugiesisch", "Portuguese")),
            ("pl".into(), req.msg("Polnisch", "Polish")),
            ("sl".into(), req.msg("Slowenisch", "Slovenian")),
        ]),
    );
    types.insert("billing_type".into(), labels("billing_type", BILLING_TYPES));
    types.insert(
        "billing_status".into(),
        labels(
            "billing_status",
            &["paying", "completed", "aborted", "unpaid", "reminding"],
        ),
    );
    types.insert(
        "transaction_type".into(),
        labels("transaction_type", TRANSACTION_TYPES),
    );
    types.insert(
        "approval_status".into(),
        labels(
            "approval_status",
            &["new", "pending", "approved", "rejected"],
        ),
    );
    types.insert(
        "buyer_type".into(),
        map(vec![
            ("consumer".into(), req.msg("Verbraucher", "Consumer")),
            ("business".into(), req.msg("Unternehmer", "Business")),
        ]),
    );
    let mut metas = Map::new();
    for (key, d, e, kb, minw, maxw, minh, maxh) in reference::IMAGE_USAGE {
        let limits_msg = if de {
            format!("Breite {minw} bis {maxw} Pixel, Höhe {minh} bis {maxh} Pixel, max. {kb} KB")
        } else {
            format!("Width {minw} to {maxw} pixels, height {minh} to {maxh} pixels, max. {kb} KB")
        };
        metas.insert(
            (*key).to_string(),
            json!({
                "label": if de { d } else { e },
                "limits": {
                    "max_file_size_kb": kb, "min_width": minw, "max_width": maxw,
                    "min_height": minh, "max_height": maxh,
                },
                "limits_msg": limits_msg,
            }),
        );
    }
    Ok(json!({ "types": types, "image_metas": metas }))
}

/// `logMemberAccess(purchase_id, platform_name, login_name, login_url,
/// number_of_unlocked_lectures, total_number_of_lectures, login_at)`.
pub fn log_member_access(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let purchase_id = req.p.str("purchase_id")?;
    let platform = req.p.str("platform_name")?;
    let login_name = req.p.str("login_name")?;
    let login_url = req.p.str("login_url")?;
    if !login_url.starts_with("https://") && !login_url.starts_with("http://") {
        return Err(ApiError::invalid(
            "login_url",
            "eine URL wird erwartet.",
            "a URL is expected.",
        ));
    }
    let unlocked = req.p.int("number_of_unlocked_lectures")?;
    let total = req.p.int("total_number_of_lectures")?;
    if unlocked < 0 || total < 0 || unlocked > total {
        return Err(ApiError::invalid(
            "number_of_unlocked_lectures",
            "muss zwischen 0 und total_number_of_lectures liegen.",
            "must be between 0 and total_number_of_lectures.",
        ));
    }
    let at = req.time("login_at", DateEnd::Start)?.unwrap_or(req.now);
    must::<Purchase>(tx, &purchase_id, Entity::Purchase)?;
    let id = tx.next_id(MemberAccess::KIND, 1).to_string();
    tx.put(MemberAccess {
        id,
        purchase_id,
        platform_name: platform,
        login_name,
        login_url,
        number_of_unlocked_lectures: unlocked,
        total_number_of_lectures: total,
        login_at: time::fmt(at),
    });
    Ok(json!({}))
}

//! The account itself: ping, user info, global settings and reference lists, account access,
//! API key flow (request, retrieve, unregister), IPN connections, test-pay key, tracking code.

use serde_json::{Map, Value, json};

use super::products::check_url;
use super::{Req, must, yn};
use crate::error::{ApiError, Entity, Lang};
use crate::model::{self, kind, s, set, sr};
use crate::reference;
use crate::seed::{USER_ID, code};
use crate::store::Tx;
use crate::time::{self, DateEnd};

fn account(tx: &Tx<'_>) -> Value {
    tx.get(kind::ACCOUNT, model::ACCOUNT_ID)
        .cloned()
        .unwrap_or_else(|| json!({}))
}

/// `ping()`.
pub fn ping(_tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    Ok(json!({ "server_time": req.now_s() }))
}

/// `getUserInfo()`.
pub fn get_user_info(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let a = account(tx);
    let roles = s(&a, "granted_roles");
    let msgs: Vec<String> = roles
        .split(',')
        .map(|r| req.label("role", r.trim()))
        .collect();
    Ok(json!({
        "user_id": s(&a, "user_id"),
        "user_name": s(&a, "user_name"),
        "granted_roles": roles,
        "granted_roles_msg": msgs.join(","),
        "first_name": s(&a, "first_name"),
        "last_name": s(&a, "last_name"),
        "email": s(&a, "email"),
        "company": s(&a, "company"),
        "language": s(&a, "language"),
    }))
}

/// `listAccountAccess()`.
pub fn list_account_access(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let rows: Vec<Value> = tx
        .all(kind::ACCOUNT_ACCESS)
        .map(|(_, d)| {
            let mut r = d.clone();
            set(
                &mut r,
                "permissions_msg",
                req.label("permissions", sr(d, "permissions")),
            );
            r
        })
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
    types.insert(
        "billing_type".into(),
        labels("billing_type", super::purchases::BILLING_TYPES),
    );
    types.insert(
        "billing_status".into(),
        labels(
            "billing_status",
            &["paying", "completed", "aborted", "unpaid", "reminding"],
        ),
    );
    types.insert(
        "transaction_type".into(),
        labels("transaction_type", super::purchases::TRANSACTION_TYPES),
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
    must(tx, kind::PURCHASE, &purchase_id, Entity::Purchase)?;
    let id = tx.next_id(kind::MEMBER_ACCESS, 1).to_string();
    tx.put(
        kind::MEMBER_ACCESS,
        &id,
        json!({
            "id": id, "purchase_id": purchase_id, "platform_name": platform,
            "login_name": login_name, "login_url": login_url,
            "number_of_unlocked_lectures": unlocked.to_string(),
            "total_number_of_lectures": total.to_string(), "login_at": time::fmt(at),
        }),
    );
    Ok(json!({}))
}

/// `getTestpayKey(do_recreate)`: `do_recreate=Y` rotates the key (needs a full-access key).
pub fn get_testpay_key(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    if req.p.bool_or("do_recreate", false)? {
        req.require_full()?;
        let key = format!("tp_{}", code(tx.random(), 12).to_lowercase());
        let expires = time::fmt(req.now + chrono::Duration::days(30));
        if let Some(a) = tx.get_mut(kind::ACCOUNT, model::ACCOUNT_ID) {
            set(a, "testpay_key", key);
            set(a, "testpay_expires_at", expires);
        }
    }
    let a = account(tx);
    Ok(json!({
        "testpay_key": s(&a, "testpay_key"),
        "get_param_name": "testpay_key",
        "expires_at": s(&a, "testpay_expires_at"),
    }))
}

/// `renderJsTrackingCode(affiliate_input, campaignkey_input, trackingkey_input, callback)`.
pub fn render_js_tracking_code(_tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let mut query: Vec<(String, String)> = vec![("vendor".into(), USER_ID.into())];
    for name in ["affiliate_input", "campaignkey_input", "trackingkey_input"] {
        if let Some(v) = req.p.opt_str(name) {
            query.push((name.to_string(), v));
        }
    }
    if let Some(cb) = req.p.opt_str("callback") {
        let ok = cb
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '$')
            && !cb.starts_with(|c: char| c.is_ascii_digit());
        if !ok {
            return Err(ApiError::invalid(
                "callback",
                "nur ein JavaScript-Funktionsname ist erlaubt.",
                "only a JavaScript function name is allowed.",
            ));
        }
        query.push(("callback".into(), cb));
    }
    let qs = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(query)
        .finish();
    let url = format!("https://www.digistore24.com/service/js/tracking.js?{qs}");
    Ok(json!({
        "script_code": format!("<script src='{url}'></script>"),
        "script_url": url,
    }))
}

/// `unregister()`: revokes the calling key and deletes its IPN connections. Keys from the
/// command line come back on the next start; keys issued by retrieveApiKey stay revoked.
pub fn unregister(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let fp = model::key_fingerprint(&req.key.key);
    tx.put(kind::REVOKED_KEY, &fp, json!({"revoked_at": req.now_s()}));
    tx.delete(kind::API_KEY, &fp);
    let ipns: Vec<String> = tx
        .all(kind::IPN)
        .filter(|(_, d)| sr(d, "key_fp") == fp)
        .map(|(id, _)| id.to_string())
        .collect();
    for id in ipns {
        tx.delete(kind::IPN, &id);
    }
    tracing::info!("an API key was unregistered (configured keys work again after a restart)");
    Ok(json!({
        "modified": "Y",
        "note": req.msg("Der API-Schlüssel wurde gelöscht.", "The API key has been deleted."),
    }))
}

/// `requestApiKey(permissions, return_url, cancel_url, site_url, comment)`.
pub fn request_api_key(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let perm = req
        .p
        .opt_enum("permissions", &["read-only", "readonly", "writable"])?
        .ok_or_else(|| ApiError::missing("permissions"))?;
    let return_url = req.p.str("return_url")?;
    check_url("return_url", &return_url)?;
    for f in ["cancel_url", "site_url"] {
        if let Some(u) = req.p.opt_str(f) {
            check_url(f, &u)?;
        }
    }
    let token = format!("{}{}", code(tx.random(), 12), code(tx.random(), 3));
    tx.put(
        kind::API_KEY_REQUEST,
        &token,
        json!({
            "token": token,
            "permission": if perm == "writable" { "full" } else { "read" },
            "return_url": return_url,
            "comment": req.p.opt_str("comment").unwrap_or_default(),
            "request_status": "completed",
            "retrieved": "N",
            "created_at": req.now_s(),
        }),
    );
    Ok(json!({
        "request_url": format!("https://www.digistore24.com/api_key_request/{token}"),
        "request_token": token,
    }))
}

/// `retrieveApiKey(token)`: the sandbox approves requests at once; the key is handed out once
/// and then works against this sandbox.
pub fn retrieve_api_key(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let token = req.p.str("token")?;
    let request = must(tx, kind::API_KEY_REQUEST, &token, Entity::ApiKeyRequest)?.clone();
    if s(&request, "retrieved") == "Y" {
        return Ok(json!({
            "api_key": "",
            "request_status": "completed",
            "note": req.msg(
                "Der API-Schlüssel wurde bereits abgeholt.",
                "The API key has already been retrieved.",
            ),
        }));
    }
    let mut key = String::from(USER_ID);
    key.push('-');
    for _ in 0..4 {
        let r = tx.random();
        let mut rng = crate::seed::Rng::new(r);
        key.push_str(&crate::seed::token(&mut rng, 10));
    }
    let fp = model::key_fingerprint(&key);
    tx.put(
        kind::API_KEY,
        &fp,
        json!({"permission": s(&request, "permission"), "created_at": req.now_s()}),
    );
    if let Some(r) = tx.get_mut(kind::API_KEY_REQUEST, &token) {
        set(r, "retrieved", "Y");
    }
    Ok(json!({ "api_key": key, "request_status": "completed", "note": "" }))
}

const IPN_TRANSACTIONS: &[&str] = &[
    "payment",
    "refund",
    "chargeback",
    "payment_missed",
    "payment_denial",
    "rebill_cancelled",
    "rebill_resumed",
    "last_paid_day",
    "connection_test",
];

fn ipn_for<'t>(tx: &'t Tx<'_>, fp: &str, domain: Option<&str>) -> Option<(String, &'t Value)> {
    tx.all(kind::IPN)
        .find(|(_, d)| sr(d, "key_fp") == fp && domain.is_none_or(|dom| sr(d, "domain_id") == dom))
        .map(|(id, d)| (id.to_string(), d))
}

/// `ipnSetup(ipn_url, name, product_ids, domain_id, categories, transactions, timing,
/// newsletter_send_policy, sha_passphrase)`: upsert per (calling key, domain_id). The sandbox
/// does not call `ipn_url` (it works offline).
pub fn ipn_setup(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let url = req.p.str("ipn_url")?;
    check_url("ipn_url", &url)?;
    let name = req.p.str("name")?;
    let products = req.p.list_str("product_ids");
    if products.is_empty() {
        return Err(ApiError::missing("product_ids"));
    }
    if products.iter().any(|p| p != "all") {
        for p in &products {
            must(tx, kind::PRODUCT, p, Entity::Product)?;
        }
    }
    let transactions = match super::purchases::enum_list(&req.p, "transactions", IPN_TRANSACTIONS)?
    {
        Some(t) => t.join(","),
        None => "payment,refund,chargeback,payment_missed".into(),
    };
    let timing = req
        .p
        .opt_enum("timing", &["before_thankyou", "delayed"])?
        .unwrap_or_else(|| "before_thankyou".into());
    let policy = req
        .p
        .opt_enum(
            "newsletter_send_policy",
            &[
                "end_policy_send_always",
                "end_if_not_optout",
                "end_if_optout",
                "end_if_optin",
            ],
        )?
        .unwrap_or_else(|| "end_policy_send_always".into());
    let domain = req
        .p
        .opt_str("domain_id")
        .unwrap_or_else(|| "default".into());
    let fp = model::key_fingerprint(&req.key.key);
    let existing = ipn_for(tx, &fp, Some(&domain)).map(|(id, d)| (id, d.clone()));
    let passphrase = match req.p.opt_str("sha_passphrase") {
        Some(p) => p,
        None => existing
            .as_ref()
            .map(|(_, d)| s(d, "sha_passphrase"))
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| {
                let mut rng = crate::seed::Rng::new(tx.random());
                crate::seed::token(&mut rng, 30)
            }),
    };
    let (id, created_at, created) = match &existing {
        Some((id, d)) => (id.clone(), s(d, "created_at"), false),
        None => (
            tx.next_id(kind::IPN, 293_441).to_string(),
            req.now_s(),
            true,
        ),
    };
    tx.put(
        kind::IPN,
        &id,
        json!({
            "id": id, "key_fp": fp, "domain_id": domain, "ipn_url": url, "name": name,
            "product_ids": products.join(","),
            "categories": req.p.opt_str("categories").unwrap_or_default(),
            "transactions": transactions, "timing": timing, "newsletter_send_policy": policy,
            "sha_passphrase": passphrase, "created_at": created_at, "modified_at": req.now_s(),
        }),
    );
    let num: i64 = id.parse().unwrap_or(0);
    Ok(json!({
        "created": yn(created),
        "updated": yn(!created),
        "deleted": "N",
        "domain_id": domain,
        "sha_passphrase": passphrase,
        "ipn_config_id": num,
        "ipn_id": num,
    }))
}

/// `ipnInfo(domain_id)`: the calling key's connection (for `domain_id`, or its first one).
pub fn ipn_info(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let fp = model::key_fingerprint(&req.key.key);
    let domain = req.p.opt_str("domain_id");
    match ipn_for(tx, &fp, domain.as_deref()) {
        None => Ok(json!({ "have_settings": "N", "domain_id": domain.unwrap_or_default() })),
        Some((id, d)) => Ok(json!({
            "have_settings": "Y",
            "ipn_config_id": id,
            "domain_id": s(d, "domain_id"),
            "name": s(d, "name"),
            "ipn_url": s(d, "ipn_url"),
            "product_ids": s(d, "product_ids"),
            "categories": s(d, "categories"),
            "transactions": s(d, "transactions"),
            "timing": s(d, "timing"),
            "newsletter_send_policy": s(d, "newsletter_send_policy"),
            "created_at": s(d, "created_at"),
            "modified_at": s(d, "modified_at"),
        })),
    }
}

/// `ipnDelete(domain_id)`.
pub fn ipn_delete(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let domain = req.p.str("domain_id")?;
    let fp = model::key_fingerprint(&req.key.key);
    let found = ipn_for(tx, &fp, Some(&domain)).map(|(id, _)| id);
    if let Some(id) = &found {
        tx.delete(kind::IPN, id);
    }
    Ok(json!({ "modified": yn(found.is_some()) }))
}

/// `listCountries()`: code → name in the request language.
pub fn list_countries(_tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let m: Map<String, Value> = reference::COUNTRIES
        .iter()
        .map(|c| (c.0.to_string(), json!(req.lang.pick(c.1, c.2))))
        .collect();
    Ok(Value::Object(m))
}

/// `listCurrencies(convert_to)`.
pub fn list_currencies(_tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let target = match req.p.opt_str("convert_to") {
        Some(c) => {
            let c = c.to_uppercase();
            let Some(t) = reference::CURRENCIES.iter().find(|x| x.1 == c) else {
                return Err(ApiError::invalid(
                    "convert_to",
                    &format!("unbekannte Währung '{c}'."),
                    &format!("unknown currency '{c}'."),
                ));
            };
            Some((c, t.7))
        }
        None => None,
    };
    let rows: Vec<Value> = reference::CURRENCIES
        .iter()
        .map(|(id, code, de, en, sym, min, max, usd)| {
            let mut r = json!({
                "id": id, "code": code, "name": req.lang.pick(de, en), "symbol": sym,
                "min_price": min, "max_price": max, "to_USD": usd,
            });
            if let Some((t, t_usd)) = &target {
                let rate = (usd / t_usd * 10_000.0).round() / 10_000.0;
                set(&mut r, &format!("to_{t}"), rate);
            }
            r
        })
        .collect();
    Ok(Value::Array(rows))
}

const TOOL_TYPES: &[(&str, &str)] = &[
    ("smartupgrade", "smartupgrades"),
    ("countdown", "countdowns"),
    ("trust_badge", "trust_badges"),
    ("socialproof_bubble", "socialproof_bubbles"),
    ("socialproof_box", "socialproof_boxes"),
];

/// `listConversionTools(type)`: `type` is a comma list of smartupgrade, countdown,
/// trust_badge, socialproof_bubble, socialproof_box (plural forms and `all` accepted).
pub fn list_conversion_tools(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let raw = req.p.str("type")?;
    let mut wanted: Vec<(&str, &str)> = Vec::new();
    for t in raw.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        if t == "all" {
            wanted = TOOL_TYPES.to_vec();
            break;
        }
        let Some(found) = TOOL_TYPES
            .iter()
            .find(|(one, many)| *one == t || *many == t)
        else {
            let list: Vec<&str> = TOOL_TYPES.iter().map(|x| x.0).collect();
            return Err(ApiError::invalid(
                "type",
                &format!(
                    "'{t}' ist kein Typ; erlaubt sind: all, {}.",
                    list.join(", ")
                ),
                &format!("'{t}' is not a type; allowed: all, {}.", list.join(", ")),
            ));
        };
        if !wanted.contains(found) {
            wanted.push(*found);
        }
    }
    let mut out = Map::new();
    for (one, many) in wanted {
        let rows: Vec<Value> = if one == "smartupgrade" {
            tx.all(kind::SMART_UPGRADE)
                .map(|(_, d)| d.clone())
                .collect()
        } else {
            tx.all(kind::CONVERSION_TOOL)
                .filter(|(_, d)| sr(d, "type") == one)
                .map(|(_, d)| d.clone())
                .collect()
        };
        out.insert(many.to_string(), Value::Array(rows));
    }
    Ok(Value::Object(out))
}

/// `listCustomFormRecords(purchase_id)`.
pub fn list_custom_form_records(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let pid = req.p.opt_str("purchase_id");
    if let Some(p) = &pid {
        must(tx, kind::PURCHASE, p, Entity::Purchase)?;
    }
    let rows: Vec<Value> = tx
        .all(kind::CUSTOM_FORM)
        .map(|(_, d)| d)
        .filter(|d| pid.as_deref().is_none_or(|p| sr(d, "purchase_id") == p))
        .cloned()
        .collect();
    Ok(json!({ "records": rows }))
}

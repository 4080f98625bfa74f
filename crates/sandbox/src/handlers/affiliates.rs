//! Affiliates: commissions per product, affiliation checks, referrers, e-mail attribution and
//! the customer-to-affiliate program.

use serde_json::{Value, json};

use super::{Req, must};
use crate::error::{ApiError, Entity};
use crate::model::{kind, s, set, sr};
use crate::params::money;
use crate::store::Tx;

/// Finds an affiliate by id or (case-insensitive) user name.
fn find(tx: &Tx<'_>, id_or_name: &str) -> Option<Value> {
    let want = id_or_name.trim();
    tx.get(kind::AFFILIATE, want).cloned().or_else(|| {
        tx.all(kind::AFFILIATE)
            .map(|(_, a)| a)
            .find(|a| sr(a, "name").eq_ignore_ascii_case(want))
            .cloned()
    })
}

fn must_affiliate(tx: &Tx<'_>, id_or_name: &str) -> Result<Value, ApiError> {
    find(tx, id_or_name).ok_or_else(|| ApiError::not_found(Entity::Affiliate, id_or_name))
}

/// Product ids from a `product_ids` parameter: `all` means every product.
fn products(tx: &Tx<'_>, req: &Req<'_>) -> Result<Vec<String>, ApiError> {
    let ids = req.p.list_str("product_ids");
    if ids.is_empty() || ids.iter().any(|x| x == "all") {
        return Ok(tx
            .all(kind::PRODUCT)
            .map(|(id, _)| id.to_string())
            .collect());
    }
    for id in &ids {
        must(tx, kind::PRODUCT, id, Entity::Product)?;
    }
    Ok(ids)
}

fn commission_row(tx: &Tx<'_>, affiliate_id: &str, product_id: &str) -> Option<Value> {
    let key = format!("{affiliate_id}-{product_id}");
    tx.get(kind::COMMISSION, &key).cloned()
}

/// `getAffiliateCommission(affiliate_id, product_ids)`.
pub fn get_affiliate_commission(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let aff = must_affiliate(tx, &req.p.str("affiliate_id")?)?;
    let aid = s(&aff, "id");
    let explicit = !req.p.list_str("product_ids").iter().all(|x| x == "all");
    let rows: Vec<Value> = products(tx, req)?
        .into_iter()
        .filter_map(|pid| match commission_row(tx, &aid, &pid) {
            Some(c) => Some(json!({
                "product_id": pid,
                "commission_rate": s(&c, "commission_rate"),
                "commission_fix": s(&c, "commission_fix"),
                "commission_currency": s(&c, "commission_currency"),
                "approval_status": s(&c, "approval_status"),
                "approval_status_msg": req.label("approval_status", sr(&c, "approval_status")),
            })),
            // Asked for explicitly: the product's default terms, not yet approved.
            None if explicit => tx.get(kind::PRODUCT, &pid).map(|p| {
                json!({
                    "product_id": pid,
                    "commission_rate": s(p, "affiliate_commission"),
                    "commission_fix": "0.00",
                    "commission_currency": s(p, "currency"),
                    "approval_status": "new",
                    "approval_status_msg": req.label("approval_status", "new"),
                })
            }),
            None => None,
        })
        .collect();
    Ok(json!({ "affiliate_id": aid, "affiliate_name": s(&aff, "name"), "commissions": rows }))
}

/// `updateAffiliateCommission(affiliate_id, product_ids, data)`: returns no data.
pub fn update_affiliate_commission(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let aff = must_affiliate(tx, &req.p.str("affiliate_id")?)?;
    req.p.str("product_ids")?;
    let aid = s(&aff, "id");
    let pids = products(tx, req)?;
    let data = req.p.opt_obj("data")?;
    let mut rate = None;
    let mut fix = None;
    let mut currency = None;
    let mut status = None;
    if let Some(d) = &data {
        rate = d.opt_money("commission_rate")?;
        if rate.is_some_and(|r| !(0..=10_000).contains(&r)) {
            return Err(ApiError::invalid(
                &d.path("commission_rate"),
                "Prozentsatz zwischen 0 und 100 erwartet.",
                "a percentage between 0 and 100 is expected.",
            ));
        }
        fix = d.opt_money("commission_fix")?;
        if fix.is_some_and(|f| f < 0) {
            return Err(ApiError::invalid(
                &d.path("commission_fix"),
                "Beträge dürfen nicht negativ sein.",
                "amounts must not be negative.",
            ));
        }
        if let Some(c) = d.opt_str("commission_currency") {
            let c = c.to_uppercase();
            if !crate::reference::is_currency(&c) {
                return Err(ApiError::invalid(
                    &d.path("commission_currency"),
                    &format!("unbekannte Währung '{c}'."),
                    &format!("unknown currency '{c}'."),
                ));
            }
            currency = Some(c);
        }
        status = d.opt_enum(
            "approval_status",
            &["new", "approved", "rejected", "pending"],
        )?;
    }
    for pid in pids {
        let key = format!("{aid}-{pid}");
        let product_currency = tx
            .get(kind::PRODUCT, &pid)
            .map(|p| s(p, "currency"))
            .unwrap_or_else(|| "EUR".into());
        let default_rate = tx
            .get(kind::PRODUCT, &pid)
            .map(|p| s(p, "affiliate_commission"))
            .unwrap_or_else(|| "0.00".into());
        let mut doc = tx.get(kind::COMMISSION, &key).cloned().unwrap_or_else(|| {
            json!({
                "affiliate_id": aid, "product_id": pid, "commission_rate": default_rate,
                "commission_fix": "0.00", "commission_currency": product_currency,
                "approval_status": "new",
            })
        });
        if let Some(r) = rate {
            set(&mut doc, "commission_rate", money(r));
        }
        if let Some(f) = fix {
            set(&mut doc, "commission_fix", money(f));
        }
        if let Some(c) = &currency {
            set(&mut doc, "commission_currency", c.clone());
        }
        if let Some(st) = &status {
            set(&mut doc, "approval_status", st.clone());
        }
        tx.put(kind::COMMISSION, &key, doc);
    }
    Ok(json!({}))
}

/// `validateAffiliate(affiliate_name, product_ids)`.
pub fn validate_affiliate(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let name = req.p.str("affiliate_name")?;
    let wanted = req.p.list_str("product_ids");
    if wanted.is_empty() {
        return Err(ApiError::missing("product_ids"));
    }
    let (valid, invalid): (Vec<String>, Vec<String>) = if wanted.iter().any(|x| x == "all") {
        (
            tx.all(kind::PRODUCT)
                .map(|(id, _)| id.to_string())
                .collect(),
            Vec::new(),
        )
    } else {
        wanted
            .into_iter()
            .partition(|id| tx.exists(kind::PRODUCT, id))
    };
    let first_valid = valid.first().cloned().unwrap_or_default();
    let invite_url = format!("https://www.digistore24.com/signup/{first_valid}");
    let aff = find(tx, &name);
    let (have, status) = match (&aff, valid.is_empty()) {
        (_, true) => (false, "no_valid_products"),
        (None, false) => (false, "no_affiliation"),
        (Some(a), false) => {
            let aid = s(a, "id");
            let statuses: Vec<String> = valid
                .iter()
                .filter_map(|p| commission_row(tx, &aid, p))
                .map(|c| s(&c, "approval_status"))
                .collect();
            if statuses.iter().any(|x| x == "approved") {
                (true, "approved")
            } else if statuses.iter().any(|x| x == "pending" || x == "new") {
                (false, "wait_for_approval")
            } else {
                (false, "no_affiliation")
            }
        }
    };
    let msg = match status {
        "approved" => req.msg("Partnerschaft besteht", "Affiliation exists"),
        "wait_for_approval" => req.msg(
            "Partnerschaft wartet auf Freigabe",
            "Affiliation awaits approval",
        ),
        "no_valid_products" => req.msg("Keine gültigen Produkte", "No valid products"),
        _ if aff.is_none() => req.msg("Unbekannter Affiliate-Name", "Unknown affiliate name"),
        _ => req.msg("Keine Partnerschaft", "No affiliation"),
    };
    Ok(json!({
        "have_affiliation": super::yn(have),
        "affiliation_status": status,
        "invalid_affiliate_name": super::yn(aff.is_none()),
        "affiliation_status_msg": msg,
        "invite_url": invite_url,
        "valid_product_ids": valid.join(","),
        "invalid_product_ids": invalid.join(","),
    }))
}

/// `setReferringAffiliate(referrer_id, affiliate_id, commission)`.
pub fn set_referring_affiliate(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let referrer = must_affiliate(tx, &req.p.str("referrer_id")?)?;
    let aff = must_affiliate(tx, &req.p.str("affiliate_id")?)?;
    let commission = req.p.opt_money("commission")?;
    if commission.is_some_and(|c| !(0..=10_000).contains(&c)) {
        return Err(ApiError::invalid(
            "commission",
            "Prozentsatz zwischen 0 und 100 erwartet.",
            "a percentage between 0 and 100 is expected.",
        ));
    }
    let (rid, aid) = (s(&referrer, "id"), s(&aff, "id"));
    if rid == aid {
        return Err(ApiError::invalid(
            "referrer_id",
            "ein Affiliate kann sich nicht selbst werben.",
            "an affiliate cannot refer themselves.",
        ));
    }
    let existing = tx.get(kind::REFERRER, &aid).cloned();
    let new_commission = commission.map(money).unwrap_or_else(|| {
        existing
            .as_ref()
            .map_or_else(|| "10.00".into(), |e| s(e, "commission"))
    });
    let action = match &existing {
        None => "create",
        Some(e) if s(e, "referrer_id") != rid || s(e, "commission") != new_commission => "update",
        Some(_) => "none",
    };
    let doc = json!({
        "affiliate_id": aid, "referrer_id": rid, "commission": new_commission,
        "created_at": existing.as_ref().map_or_else(|| req.now_s(), |e| s(e, "created_at")),
        "created_by": crate::seed::USER_ID,
    });
    if action != "none" {
        tx.put(kind::REFERRER, &aid, doc.clone());
    }
    Ok(json!({
        "action": action,
        "affiliate_id": aid, "affiliate_name": s(&aff, "name"),
        "referrer_id": rid, "referrer_name": s(&referrer, "name"),
        "commission": s(&doc, "commission"),
        "created_at": s(&doc, "created_at"), "created_by": s(&doc, "created_by"),
    }))
}

/// `getReferringAffiliate(affiliate_id)`: empty referrer fields when nobody referred them.
pub fn get_referring_affiliate(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let aff = must_affiliate(tx, &req.p.str("affiliate_id")?)?;
    let aid = s(&aff, "id");
    let r = tx.get(kind::REFERRER, &aid).cloned();
    let referrer_name = r
        .as_ref()
        .and_then(|r| tx.get(kind::AFFILIATE, sr(r, "referrer_id")))
        .map(|a| s(a, "name"))
        .unwrap_or_default();
    let f = |k: &str| r.as_ref().map(|r| s(r, k)).unwrap_or_default();
    Ok(json!({
        "affiliate_id": aid, "affiliate_name": s(&aff, "name"),
        "referrer_id": f("referrer_id"), "referrer_name": referrer_name,
        "commission": if r.is_some() { f("commission") } else { money(0) },
        "created_at": f("created_at"), "created_by": f("created_by"),
    }))
}

fn email_param(req: &Req<'_>) -> Result<String, ApiError> {
    let e = req.p.str("email")?.to_lowercase();
    if !e.contains('@') || e.contains(' ') {
        return Err(ApiError::invalid(
            "email",
            "keine gültige E-Mail-Adresse.",
            "not a valid e-mail address.",
        ));
    }
    Ok(e)
}

/// `setAffiliateForEmail(email, affiliate, campaignkey, trackingkey, click_id)`: no data.
pub fn set_affiliate_for_email(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let email = email_param(req)?;
    let aff = must_affiliate(tx, &req.p.str("affiliate")?)?;
    tx.put(
        kind::EMAIL_AFFILIATE,
        &email,
        json!({
            "email": email, "affiliate_name": s(&aff, "name"), "affiliate_id": s(&aff, "id"),
            "campaignkey": req.p.opt_str("campaignkey").unwrap_or_default(),
            "trackingkey": req.p.opt_str("trackingkey").unwrap_or_default(),
            "click_id": req.p.opt_str("click_id").unwrap_or_default(),
            "promoclick_at": req.now_s(),
        }),
    );
    Ok(json!({}))
}

/// `getAffiliateForEmail(email)`: empty fields when no affiliate is attributed.
pub fn get_affiliate_for_email(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let email = email_param(req)?;
    let d = tx.get(kind::EMAIL_AFFILIATE, &email).cloned();
    let f = |k: &str| d.as_ref().map(|d| s(d, k)).unwrap_or_default();
    Ok(json!({
        "affiliate_name": f("affiliate_name"), "affiliate_id": f("affiliate_id"),
        "campaignkey": f("campaignkey"), "trackingkey": f("trackingkey"),
        "click_id": f("click_id"), "promoclick_at": f("promoclick_at"),
    }))
}

/// `getCustomerToAffiliateBuyerDetails(purchase_id)`: the buyer's own affiliate links.
pub fn get_customer_to_affiliate_buyer_details(
    tx: &mut Tx<'_>,
    req: &Req<'_>,
) -> Result<Value, ApiError> {
    let id = req.p.str("purchase_id")?;
    let p = must(tx, kind::PURCHASE, &id, Entity::Purchase)?;
    let buyer = tx.get(kind::BUYER, sr(p, "buyer_id"));
    let name = buyer
        .map(|b| {
            format!("{}{}", sr(b, "first_name"), sr(b, "last_name"))
                .to_lowercase()
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
        })
        .unwrap_or_default();
    let name = format!("{name}_{}", sr(p, "buyer_id"));
    Ok(json!({
        "customer_affiliate_name": name,
        "customer_to_affiliate_url": format!("https://www.digistore24.com/signup/affiliate/{id}"),
        "customer_affiliate_promo_url": format!("https://www.digistore24.com/redir/{}/{name}/", sr(p, "product_id")),
    }))
}

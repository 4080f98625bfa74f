//! The affiliates toolset: commissions per product, affiliation checks, referrers, e-mail
//! attribution and the customer-to-affiliate program.

use serde_json::{Value, json};

use crate::backend::lookup;
use crate::documents::{Affiliate, Buyer, Commission, EmailAffiliate, Product, Purchase, Referrer};
use crate::error::{ApiError, Entity};
use crate::money::{Money, money};
use crate::reference::USER_ID;
use crate::request::{
    Req, check_currency, check_email, check_not_negative, check_percent, ids_must_exist, must,
    one_or_keyed, yn,
};
use crate::store::Tx;

fn must_affiliate(tx: &Tx<'_>, id_or_name: &str) -> Result<Affiliate, ApiError> {
    lookup::affiliate(tx, id_or_name)
        .cloned()
        .ok_or_else(|| ApiError::not_found(Entity::Affiliate, id_or_name))
}

/// Product ids from a `product_ids` parameter: `all` means every product.
fn products(tx: &Tx<'_>, req: &Req<'_>) -> Result<Vec<String>, ApiError> {
    let ids = req.p.list_str("product_ids");
    if ids.is_empty() || ids.iter().any(|x| x == "all") {
        return Ok(tx.all::<Product>().map(|p| p.id.clone()).collect());
    }
    for id in &ids {
        must::<Product>(tx, id, Entity::Product)?;
    }
    Ok(ids)
}

/// `getAffiliateCommission(affiliate_id, product_ids)`.
pub fn get_affiliate_commission(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let aff = must_affiliate(tx, &req.p.str("affiliate_id")?)?;
    let explicit = !req.p.list_str("product_ids").iter().all(|x| x == "all");
    let rows: Vec<Value> = products(tx, req)?
        .into_iter()
        .filter_map(
            |pid| match tx.get::<Commission>(&Commission::key(&aff.id, &pid)) {
                Some(c) => Some(json!({
                    "product_id": pid,
                    "commission_rate": c.commission_rate,
                    "commission_fix": c.commission_fix,
                    "commission_currency": c.commission_currency,
                    "approval_status": c.approval_status,
                    "approval_status_msg": req.label("approval_status", &c.approval_status),
                })),
                // Asked for explicitly: the product's default terms, not yet approved.
                None if explicit => tx.get::<Product>(&pid).map(|p| {
                    json!({
                        "product_id": pid,
                        "commission_rate": p.affiliate_commission,
                        "commission_fix": "0.00",
                        "commission_currency": p.currency,
                        "approval_status": "new",
                        "approval_status_msg": req.label("approval_status", "new"),
                    })
                }),
                None => None,
            },
        )
        .collect();
    Ok(json!({ "affiliate_id": aff.id, "affiliate_name": aff.name, "commissions": rows }))
}

/// `updateAffiliateCommission(affiliate_id, product_ids, data)`: returns no data.
pub fn update_affiliate_commission(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let aff = must_affiliate(tx, &req.p.str("affiliate_id")?)?;
    req.p.str("product_ids")?;
    let pids = products(tx, req)?;
    let data = req.p.opt_obj("data")?;
    let mut rate = None;
    let mut fix = None;
    let mut currency = None;
    let mut status = None;
    if let Some(d) = &data {
        if let Some(r) = d.opt_money("commission_rate")? {
            rate = Some(check_percent(&d.path("commission_rate"), r)?);
        }
        if let Some(f) = d.opt_money("commission_fix")? {
            fix = Some(check_not_negative(&d.path("commission_fix"), f)?);
        }
        if let Some(c) = d.opt_str("commission_currency") {
            currency = Some(check_currency(&d.path("commission_currency"), &c)?);
        }
        status = d.opt_enum(
            "approval_status",
            &["new", "approved", "rejected", "pending"],
        )?;
    }
    for pid in pids {
        let key = Commission::key(&aff.id, &pid);
        let product = tx.get::<Product>(&pid);
        let product_currency = product.map_or_else(|| "EUR".into(), |p| p.currency.clone());
        let default_rate = product.map_or(Money::ZERO, |p| p.affiliate_commission);
        let mut doc = tx.get::<Commission>(&key).cloned().unwrap_or(Commission {
            affiliate_id: aff.id.clone(),
            product_id: pid.clone(),
            commission_rate: default_rate,
            commission_fix: Money::ZERO,
            commission_currency: product_currency,
            approval_status: "new".into(),
        });
        if let Some(r) = rate {
            doc.commission_rate = Money(r);
        }
        if let Some(f) = fix {
            doc.commission_fix = Money(f);
        }
        if let Some(c) = &currency {
            doc.commission_currency.clone_from(c);
        }
        if let Some(st) = &status {
            doc.approval_status.clone_from(st);
        }
        tx.put(doc);
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
            tx.all::<Product>().map(|p| p.id.clone()).collect(),
            Vec::new(),
        )
    } else {
        wanted.into_iter().partition(|id| tx.exists::<Product>(id))
    };
    let first_valid = valid.first().cloned().unwrap_or_default();
    let invite_url = format!("https://www.digistore24.com/signup/{first_valid}");
    let aff = lookup::affiliate(tx, &name);
    let (have, status) = match (aff, valid.is_empty()) {
        (_, true) => (false, "no_valid_products"),
        (None, false) => (false, "no_affiliation"),
        (Some(a), false) => {
            let statuses: Vec<&str> = valid
                .iter()
                .filter_map(|p| tx.get::<Commission>(&Commission::key(&a.id, p)))
                .map(|c| c.approval_status.as_str())
                .collect();
            if statuses.contains(&"approved") {
                (true, "approved")
            } else if statuses.iter().any(|x| *x == "pending" || *x == "new") {
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
        "have_affiliation": yn(have),
        "affiliation_status": status,
        "invalid_affiliate_name": yn(aff.is_none()),
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
    let commission = match req.p.opt_money("commission")? {
        Some(c) => Some(check_percent("commission", c)?),
        None => None,
    };
    if referrer.id == aff.id {
        return Err(ApiError::invalid(
            "referrer_id",
            "ein Affiliate kann sich nicht selbst werben.",
            "an affiliate cannot refer themselves.",
        ));
    }
    let existing = tx.get::<Referrer>(&aff.id).cloned();
    let new_commission = commission
        .map(Money)
        .unwrap_or_else(|| existing.as_ref().map_or(Money(1000), |e| e.commission));
    let action = match &existing {
        None => "create",
        Some(e) if e.referrer_id != referrer.id || e.commission != new_commission => "update",
        Some(_) => "none",
    };
    let doc = Referrer {
        affiliate_id: aff.id.clone(),
        referrer_id: referrer.id.clone(),
        commission: new_commission,
        created_at: existing
            .as_ref()
            .map_or_else(|| req.now_s(), |e| e.created_at.clone()),
        created_by: USER_ID.into(),
    };
    if action != "none" {
        tx.put(doc.clone());
    }
    Ok(json!({
        "action": action,
        "affiliate_id": aff.id, "affiliate_name": aff.name,
        "referrer_id": referrer.id, "referrer_name": referrer.name,
        "commission": doc.commission,
        "created_at": doc.created_at, "created_by": doc.created_by,
    }))
}

/// `getReferringAffiliate(affiliate_id)`: empty referrer fields when nobody referred them.
pub fn get_referring_affiliate(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let aff = must_affiliate(tx, &req.p.str("affiliate_id")?)?;
    let r = tx.get::<Referrer>(&aff.id);
    let referrer_name = r
        .and_then(|r| tx.get::<Affiliate>(&r.referrer_id))
        .map(|a| a.name.clone())
        .unwrap_or_default();
    Ok(json!({
        "affiliate_id": aff.id, "affiliate_name": aff.name,
        "referrer_id": r.map(|r| r.referrer_id.clone()).unwrap_or_default(),
        "referrer_name": referrer_name,
        "commission": r.map_or_else(|| money(0), |r| r.commission.wire()),
        "created_at": r.map(|r| r.created_at.clone()).unwrap_or_default(),
        "created_by": r.map(|r| r.created_by.clone()).unwrap_or_default(),
    }))
}

fn email_param(req: &Req<'_>) -> Result<String, ApiError> {
    Ok(check_email("email", &req.p.str("email")?)?.to_lowercase())
}

/// `setAffiliateForEmail(email, affiliate, campaignkey, trackingkey, click_id)`: no data.
pub fn set_affiliate_for_email(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let email = email_param(req)?;
    let aff = must_affiliate(tx, &req.p.str("affiliate")?)?;
    tx.put(EmailAffiliate {
        email,
        affiliate_name: aff.name,
        affiliate_id: aff.id,
        campaignkey: req.p.opt_str("campaignkey").unwrap_or_default(),
        trackingkey: req.p.opt_str("trackingkey").unwrap_or_default(),
        click_id: req.p.opt_str("click_id").unwrap_or_default(),
        promoclick_at: req.now_s(),
    });
    Ok(json!({}))
}

/// `getAffiliateForEmail(email)`: empty fields when no affiliate is attributed.
pub fn get_affiliate_for_email(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let email = email_param(req)?;
    let d = tx.get::<EmailAffiliate>(&email);
    let f = |g: fn(&EmailAffiliate) -> &String| d.map(|d| g(d).clone()).unwrap_or_default();
    Ok(json!({
        "affiliate_name": f(|d| &d.affiliate_name), "affiliate_id": f(|d| &d.affiliate_id),
        "campaignkey": f(|d| &d.campaignkey), "trackingkey": f(|d| &d.trackingkey),
        "click_id": f(|d| &d.click_id), "promoclick_at": f(|d| &d.promoclick_at),
    }))
}

/// `getCustomerToAffiliateBuyerDetails(purchase_id)`: the buyer's own affiliate links.
pub fn get_customer_to_affiliate_buyer_details(
    tx: &mut Tx<'_>,
    req: &Req<'_>,
) -> Result<Value, ApiError> {
    // A comma list answers records keyed by order id (openapi.yaml, protocol.md), as getPurchase.
    let raw = req.p.str("purchase_id")?;
    let ids = ids_must_exist::<Purchase>(tx, &raw, Entity::Purchase)?;
    Ok(one_or_keyed(ids, |id| {
        tx.get::<Purchase>(id)
            .map(|p| buyer_affiliate_details(tx, p))
            .unwrap_or_default()
    }))
}

/// The affiliate links a buyer of `p` would get.
fn buyer_affiliate_details(tx: &Tx<'_>, p: &Purchase) -> Value {
    let name = tx
        .get::<Buyer>(&p.buyer_id)
        .map(|b| {
            format!("{}{}", b.first_name, b.last_name)
                .to_lowercase()
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
        })
        .unwrap_or_default();
    let name = format!("{name}_{}", p.buyer_id);
    json!({
        "customer_affiliate_name": name,
        "customer_to_affiliate_url": format!("https://www.digistore24.com/signup/affiliate/{}", p.id),
        "customer_affiliate_promo_url": format!("https://www.digistore24.com/redir/{}/{name}/", p.product_id),
    })
}

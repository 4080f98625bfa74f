//! Ways to sell: vouchers (coupons), buy URLs, upgrades and smart upgrades.

use chrono::Duration;
use serde_json::{Map, Value, json};

use super::products::check_url;
use super::{Req, must, yn};
use crate::error::{ApiError, Entity};
use crate::model::{self, cents, kind, list_includes, pick, s, set, sr};
use crate::params::{View, money};
use crate::seed::token;
use crate::store::Tx;
use crate::time::{self, DateEnd};

// ---------------------------------------------------------------- vouchers

const VOUCHER_FIELDS: &[&str] = &[
    "id",
    "code",
    "valid_from",
    "valid_until",
    "expires_at",
    "product_ids",
    "first_rate",
    "other_rates",
    "first_amount",
    "other_amounts",
    "upgrade_policy",
    "is_count_limited",
    "count_left",
    "currency",
    "is_discarding_early_bird",
    "created_at",
];

/// Finds a voucher by code (case-insensitive) or by id.
fn find_voucher(tx: &Tx<'_>, code_or_id: &str) -> Option<(String, Value)> {
    let want = code_or_id.trim();
    if let Some(v) = tx.get(kind::VOUCHER, want) {
        return Some((want.to_string(), v.clone()));
    }
    tx.all(kind::VOUCHER)
        .find(|(_, v)| sr(v, "code").eq_ignore_ascii_case(want))
        .map(|(id, v)| (id.to_string(), v.clone()))
}

fn apply_voucher_data(
    tx: &Tx<'_>,
    req: &Req<'_>,
    doc: &mut Value,
    data: &View<'_>,
    own_id: Option<&str>,
) -> Result<(), ApiError> {
    if let Some(c) = data.opt_str("code") {
        let ok = c.len() <= 31
            && c.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_');
        if !ok {
            return Err(ApiError::invalid(
                &data.path("code"),
                "nur Buchstaben, Ziffern, - und _ (höchstens 31 Zeichen).",
                "only letters, digits, - and _ (at most 31 characters).",
            ));
        }
        let clash = tx
            .all(kind::VOUCHER)
            .any(|(id, v)| Some(id) != own_id && sr(v, "code").eq_ignore_ascii_case(&c));
        if clash {
            return Err(ApiError::invalid(
                &data.path("code"),
                &format!("der Gutscheincode '{c}' existiert bereits."),
                &format!("the voucher code '{c}' already exists."),
            ));
        }
        set(doc, "code", c);
    }
    if let Some(pids) = data.opt_str("product_ids") {
        let list: Vec<String> = pids
            .split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect();
        if !list.iter().all(|p| p == "all") {
            for p in &list {
                must(tx, kind::PRODUCT, p, Entity::Product)?;
            }
        }
        set(doc, "product_ids", list.join(","));
    }
    for f in ["valid_from", "expires_at"] {
        if data.has(f) {
            match data.opt_time(f, req.now, req.start, DateEnd::Start)? {
                Some(t) => set(doc, f, time::fmt(t)),
                None => set(doc, f, Value::Null),
            }
        }
    }
    for f in ["first_rate", "other_rates"] {
        if let Some(r) = data.opt_money(f)? {
            if !(0..=10_000).contains(&r) {
                return Err(ApiError::invalid(
                    &data.path(f),
                    "Prozentsatz zwischen 0 und 100 erwartet.",
                    "a percentage between 0 and 100 is expected.",
                ));
            }
            set(doc, f, money(r));
        }
    }
    for f in ["first_amount", "other_amounts"] {
        if let Some(a) = data.opt_money(f)? {
            if a < 0 {
                return Err(ApiError::invalid(
                    &data.path(f),
                    "Beträge dürfen nicht negativ sein.",
                    "amounts must not be negative.",
                ));
            }
            set(doc, f, money(a));
        }
    }
    if let Some(c) = data.opt_str("currency") {
        let c = c.to_uppercase();
        if !crate::reference::is_currency(&c) {
            return Err(ApiError::invalid(
                &data.path("currency"),
                &format!("unbekannte Währung '{c}'."),
                &format!("unknown currency '{c}'."),
            ));
        }
        set(doc, "currency", c);
    }
    if let Some(b) = data.opt_bool("is_count_limited")? {
        set(doc, "is_count_limited", model::yn(b));
    }
    if data.has("count_left") {
        let n = data.int_in("count_left", 1, 0, 1_000_000)?;
        set(doc, "count_left", n.to_string());
    }
    if let Some(u) = data.opt_enum("upgrade_policy", &["valid", "other_only", "not_valid"])? {
        set(doc, "upgrade_policy", u);
    }
    Ok(())
}

fn has_discount(doc: &Value) -> bool {
    ["first_rate", "other_rates", "first_amount", "other_amounts"]
        .iter()
        .any(|f| cents(doc, f) > 0)
}

/// `createVoucher(data)`.
pub fn create_voucher(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let data = req.p.obj("data")?;
    data.str("code")?;
    let id = tx.next_id(kind::VOUCHER, 2477).to_string();
    let mut doc = json!({
        "id": id, "code": "", "valid_from": Value::Null, "valid_until": Value::Null,
        "expires_at": Value::Null, "product_ids": "all", "first_rate": "0.00",
        "other_rates": "0.00", "first_amount": "0.00", "other_amounts": "0.00",
        "upgrade_policy": "valid", "is_count_limited": "N", "count_left": "1",
        "currency": "EUR", "is_discarding_early_bird": "N", "created_at": req.now_s(),
    });
    apply_voucher_data(tx, req, &mut doc, &data, None)?;
    if !has_discount(&doc) {
        return Err(ApiError::invalid(
            &data.path("first_rate"),
            "ein Rabatt (first_rate, other_rates, first_amount oder other_amounts) ist erforderlich.",
            "a discount (first_rate, other_rates, first_amount or other_amounts) is required.",
        ));
    }
    let code = s(&doc, "code");
    tx.put(kind::VOUCHER, &id, doc);
    Ok(json!({ "discount_code_id": id, "code": code }))
}

/// `updateVoucher(code, data)`: `code` may be the code or its id; empty dates remove limits.
pub fn update_voucher(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let code = req.p.str("code")?;
    let data = req.p.obj("data")?;
    let (id, before) =
        find_voucher(tx, &code).ok_or_else(|| ApiError::not_found(Entity::Voucher, &code))?;
    let mut doc = before.clone();
    apply_voucher_data(tx, req, &mut doc, &data, Some(&id))?;
    if !has_discount(&doc) {
        return Err(ApiError::invalid(
            &data.path("first_rate"),
            "ein Gutschein braucht einen Rabatt.",
            "a voucher needs a discount.",
        ));
    }
    let changed = doc != before;
    let new_code = s(&doc, "code");
    if changed {
        tx.put(kind::VOUCHER, &id, doc);
    }
    Ok(json!({ "discount_code_id": id, "code": new_code, "modified": yn(changed) }))
}

/// `listVouchers()`.
pub fn list_vouchers(tx: &mut Tx<'_>, _req: &Req<'_>) -> Result<Value, ApiError> {
    let rows: Vec<Value> = tx
        .all(kind::VOUCHER)
        .map(|(_, v)| pick(v, VOUCHER_FIELDS))
        .collect();
    Ok(json!({ "coupons": rows, "are_returned_data_public": "N" }))
}

/// `getVoucher(code)`.
pub fn get_voucher(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let code = req.p.str("code")?;
    let (_, v) =
        find_voucher(tx, &code).ok_or_else(|| ApiError::not_found(Entity::Voucher, &code))?;
    Ok(json!({ "coupon": pick(&v, VOUCHER_FIELDS) }))
}

/// `deleteVoucher(code)`.
pub fn delete_voucher(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let code = req.p.str("code")?;
    let (id, _) =
        find_voucher(tx, &code).ok_or_else(|| ApiError::not_found(Entity::Voucher, &code))?;
    tx.delete(kind::VOUCHER, &id);
    Ok(json!({ "is_deleted": "Y" }))
}

/// `validateCouponCode(code)`: `status` success or error with the reason.
pub fn validate_coupon_code(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let code = req.p.str("code")?;
    let error = |de: &str, en: &str| {
        json!({
            "status": "error", "status_msg": req.msg(de, en), "currency": "",
            "coupon_id": "", "amount_left": "0.00", "amount_total": "0.00",
            "is_test_payment": "N",
        })
    };
    let Some((id, v)) = find_voucher(tx, &code) else {
        return Ok(error(
            "Der Gutscheincode ist ungültig.",
            "The voucher code is invalid.",
        ));
    };
    let now = req.now_s();
    if let Some(from) = v.get("valid_from").and_then(Value::as_str)
        && from > now.as_str()
    {
        return Ok(error(
            "Der Gutscheincode ist noch nicht gültig.",
            "The voucher code is not valid yet.",
        ));
    }
    if let Some(to) = v.get("expires_at").and_then(Value::as_str)
        && to < now.as_str()
    {
        return Ok(error(
            "Der Gutscheincode ist abgelaufen.",
            "The voucher code has expired.",
        ));
    }
    if s(&v, "is_count_limited") == "Y" && model::int(&v, "count_left") <= 0 {
        return Ok(error(
            "Der Gutscheincode wurde bereits aufgebraucht.",
            "The voucher code has been used up.",
        ));
    }
    let amount = s(&v, "first_amount");
    Ok(json!({
        "status": "success",
        "status_msg": req.msg("Der Gutscheincode ist gültig.", "The voucher code is valid."),
        "currency": s(&v, "currency"),
        "coupon_id": id,
        "amount_left": amount,
        "amount_total": amount,
        "first_rate": s(&v, "first_rate"),
        "product_ids": s(&v, "product_ids"),
        "is_test_payment": "N",
    }))
}

// ---------------------------------------------------------------- buy URLs

fn affiliate_by_name<'t>(tx: &'t Tx<'_>, name: &str) -> Option<&'t Value> {
    tx.all(kind::AFFILIATE)
        .map(|(_, a)| a)
        .find(|a| sr(a, "name").eq_ignore_ascii_case(name) || sr(a, "id") == name)
}

/// `createBuyUrl(product_id, buyer, payment_plan, tracking, valid_until, urls, placeholders,
/// settings, addons)`.
#[allow(clippy::too_many_lines)]
pub fn create_buy_url(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let product_id = req.p.str("product_id")?;
    must(tx, kind::PRODUCT, &product_id, Entity::Product)?;
    let mut email = String::new();
    if let Some(b) = req.p.opt_obj("buyer")? {
        if let Some(e) = b.opt_str("email") {
            if !e.contains('@') {
                return Err(ApiError::invalid(
                    &b.path("email"),
                    "keine gültige E-Mail-Adresse.",
                    "not a valid e-mail address.",
                ));
            }
            email = e;
        }
        if let Some(keys) =
            b.opt_enum("readonly_keys", &["all", "email", "email_and_name", "none"])?
        {
            let needs: &[&str] = match keys.as_str() {
                "email" => &["email"],
                "email_and_name" => &["email", "first_name", "last_name"],
                "all" => &["email", "first_name", "last_name"],
                _ => &[],
            };
            for n in needs {
                b.str(n)?;
            }
        }
        if let Some(sal) = b.opt_str("salutation")
            && !matches!(sal.to_uppercase().as_str(), "M" | "F")
        {
            return Err(ApiError::invalid(
                &b.path("salutation"),
                "erlaubt sind M und F.",
                "allowed values are M and F.",
            ));
        }
    }
    let mut upgrade_status = "none";
    if let Some(pl) = req.p.opt_obj("payment_plan")? {
        for f in ["first_amount", "other_amounts"] {
            if let Some(a) = pl.opt_money(f)?
                && a < 0
            {
                return Err(ApiError::invalid(
                    &pl.path(f),
                    "Beträge dürfen nicht negativ sein.",
                    "amounts must not be negative.",
                ));
            }
        }
        if let Some(c) = pl.opt_str("currency")
            && !crate::reference::is_currency(&c.to_uppercase())
        {
            return Err(ApiError::invalid(
                &pl.path("currency"),
                &format!("unbekannte Währung '{c}'."),
                &format!("unknown currency '{c}'."),
            ));
        }
        if pl.has("number_of_installments") {
            pl.int_in("number_of_installments", 0, 0, 120)?;
        }
        for f in ["first_billing_interval", "other_billing_intervals"] {
            if let Some(i) = pl.opt_str(f)
                && time::parse_interval(&i).is_none()
            {
                return Err(ApiError::invalid(
                    &pl.path(f),
                    &format!("'{i}' ist kein Intervall (z. B. 1_month)."),
                    &format!("'{i}' is not an interval (e.g. 1_month)."),
                ));
            }
        }
        pl.opt_enum("upgrade_type", &["upgrade", "downgrade"])?;
        pl.opt_enum("tax_mode", &["as_set", "exclude", "include"])?;
        if let Some(o) = pl.opt_str("upgrade_order_id") {
            upgrade_status = if tx.exists(kind::PURCHASE, &o) {
                "ok"
            } else {
                "error"
            };
        }
    }
    if let Some(t) = req.p.opt_obj("tracking")? {
        if let Some(a) = t.opt_str("affiliate")
            && affiliate_by_name(tx, &a).is_none()
        {
            return Err(ApiError::not_found(Entity::Affiliate, &a));
        }
        t.opt_enum("affiliate_priority", &["email", "as_set"])?;
    }
    if let Some(u) = req.p.opt_obj("urls")? {
        for f in ["thankyou_url", "fallback_url", "upgrade_error_url"] {
            if let Some(url) = u.opt_str(f) {
                check_url(&u.path(f), &url)?;
            }
        }
    }
    if let Some(st) = req.p.opt_obj("settings")? {
        if let Some(o) = st.opt_str("orderform_id") {
            must(tx, kind::ORDERFORM, &o, Entity::Orderform)?;
        }
        if let Some(v) = st.opt_str("voucher_code")
            && find_voucher(tx, &v).is_none()
        {
            return Err(ApiError::not_found(Entity::Voucher, &v));
        }
        st.opt_bool("force_rebilling")?;
        for f in [
            "affiliate_commission_rate",
            "affiliate_commission_fix",
            "voucher_1st_rate",
            "voucher_oth_rates",
            "voucher_1st_amount",
            "voucher_oth_amounts",
        ] {
            st.opt_money(f)?;
        }
    }
    for a in req.p.list_obj("addons")? {
        let pid = a.str("product_id")?;
        must(tx, kind::PRODUCT, &pid, Entity::Product)?;
    }
    let valid_until = match req.p.opt_str("valid_until") {
        Some(v) if v.eq_ignore_ascii_case("forever") => None,
        Some(_) => Some(
            req.time("valid_until", DateEnd::End)?
                .unwrap_or(req.now + Duration::hours(24)),
        ),
        None => Some(req.now + Duration::hours(24)),
    };
    if let Some(v) = valid_until
        && v <= req.now
    {
        return Err(ApiError::invalid(
            "valid_until",
            "der Zeitpunkt muss in der Zukunft liegen.",
            "the point in time must be in the future.",
        ));
    }
    let id = tx.next_id(kind::BUY_URL, 8_721_900).to_string();
    let mut rng = crate::seed::Rng::new(tx.random());
    let tok = token(&mut rng, 10);
    let url = match valid_until {
        Some(v) => format!(
            "https://www.checkout-ds24.com/product/{product_id}/?ds24={tok}&valid_until={}",
            time::unix(v)
        ),
        None => format!("https://www.checkout-ds24.com/product/{product_id}/?ds24={tok}"),
    };
    let until = valid_until.map(time::fmt).unwrap_or_default();
    tx.put(
        kind::BUY_URL,
        &id,
        json!({
            "id": id, "product_id": product_id, "url": url, "valid_until": until,
            "email": email, "created_at": req.now_s(), "modified_at": req.now_s(),
        }),
    );
    Ok(json!({ "id": id, "url": url, "valid_until": until, "upgrade_status": upgrade_status }))
}

/// `listBuyUrls()`.
pub fn list_buy_urls(tx: &mut Tx<'_>, _req: &Req<'_>) -> Result<Value, ApiError> {
    let rows: Vec<Value> = tx.all(kind::BUY_URL).map(|(_, d)| d.clone()).collect();
    Ok(json!({ "items": rows }))
}

/// `deleteBuyUrl(id)`.
pub fn delete_buy_url(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("id")?;
    must(tx, kind::BUY_URL, &id, Entity::BuyUrl)?;
    tx.delete(kind::BUY_URL, &id);
    Ok(json!({ "is_deleted": "Y" }))
}

// ---------------------------------------------------------------- upgrades

fn upgrade_types(doc: &Value) -> Map<String, Value> {
    let mut m = Map::new();
    for (field, ty) in [
        ("upgrade_from", "upgrade"),
        ("downgrade_from", "downgrade"),
        ("special_offer_for", "special_offer"),
    ] {
        for p in sr(doc, field)
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            m.insert(p.to_string(), json!(ty));
        }
    }
    m
}

fn render_upgrade(doc: &Value, order_ids: &str) -> Value {
    let mut r = pick(
        doc,
        &[
            "id",
            "name",
            "to_product_id",
            "is_active",
            "authkey",
            "fallback_product_id",
            "buyer_readonly_keys",
        ],
    );
    let ids = if order_ids.is_empty() {
        "ORDER_ID"
    } else {
        order_ids
    };
    set(
        &mut r,
        "upgrade_url",
        format!(
            "https://www.digistore24.com/upgrade/{}-{}/{ids}",
            sr(doc, "id"),
            sr(doc, "authkey")
        ),
    );
    set(&mut r, "upgrade_types", Value::Object(upgrade_types(doc)));
    r
}

fn product_list(tx: &Tx<'_>, req: &Req<'_>, name: &str) -> Result<String, ApiError> {
    let ids = req.p.list_str(name);
    for id in &ids {
        must(tx, kind::PRODUCT, id, Entity::Product)?;
    }
    Ok(ids.join(","))
}

/// `createUpgrade(name, to_product_id, upgrade_from, downgrade_from, special_offer_for,
/// fallback_product_id, is_active, buyer_readonly_keys)`: flat parameters.
pub fn create_upgrade(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let name = req.p.str("name")?;
    if name.chars().count() > 63 {
        return Err(ApiError::invalid(
            "name",
            "höchstens 63 Zeichen erlaubt.",
            "at most 63 characters allowed.",
        ));
    }
    let to = req.p.str("to_product_id")?;
    must(tx, kind::PRODUCT, &to, Entity::Product)?;
    let upgrade_from = product_list(tx, req, "upgrade_from")?;
    let downgrade_from = product_list(tx, req, "downgrade_from")?;
    let special = product_list(tx, req, "special_offer_for")?;
    let fallback = req.p.opt_str("fallback_product_id").unwrap_or_default();
    if !fallback.is_empty() {
        must(tx, kind::PRODUCT, &fallback, Entity::Product)?;
    }
    let active = req.p.bool_or("is_active", true)?;
    let keys = req
        .p
        .opt_enum(
            "buyer_readonly_keys",
            &["none", "email", "email_and_name", "all"],
        )?
        .unwrap_or_else(|| "none".into());
    let id = tx.next_id(kind::UPGRADE, 7922).to_string();
    let mut rng = crate::seed::Rng::new(tx.random());
    tx.put(
        kind::UPGRADE,
        &id,
        json!({
            "id": id, "name": name, "to_product_id": to, "fallback_product_id": fallback,
            "is_active": model::yn(active), "authkey": token(&mut rng, 12),
            "buyer_readonly_keys": keys, "upgrade_from": upgrade_from,
            "downgrade_from": downgrade_from, "special_offer_for": special,
            "created_at": req.now_s(),
        }),
    );
    Ok(json!({ "upgrade_id": id }))
}

/// `listUpgrades()`.
pub fn list_upgrades(tx: &mut Tx<'_>, _req: &Req<'_>) -> Result<Value, ApiError> {
    let rows: Vec<Value> = tx
        .all(kind::UPGRADE)
        .map(|(_, d)| render_upgrade(d, ""))
        .collect();
    Ok(json!({ "upgrades": rows }))
}

/// `getUpgrade(upgrade_id, order_ids)`: with order ids, `check` says whether they can upgrade.
pub fn get_upgrade(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("upgrade_id")?;
    let doc = must(tx, kind::UPGRADE, &id, Entity::Upgrade)?.clone();
    let orders = req.p.list_str("order_ids");
    let types = upgrade_types(&doc);
    let mut possible = None;
    let mut one_click = false;
    for o in &orders {
        let p = must(tx, kind::PURCHASE, o, Entity::Purchase)?;
        if let Some(t) = types.get(sr(p, "product_id")).and_then(Value::as_str) {
            possible = Some(t.to_string());
            one_click = s(p, "is_rebilling_capable") == "Y" && s(&doc, "is_active") == "Y";
        }
    }
    let mut item = render_upgrade(&doc, &orders.join(","));
    set(
        &mut item,
        "to_product_name",
        super::purchases::product_name(tx, sr(&doc, "to_product_id")),
    );
    Ok(json!({
        "item": item,
        "check": {
            "is_upgrade_possible": yn(possible.is_some() && s(&doc, "is_active") == "Y"),
            "is_one_click_payment_possible": yn(one_click),
            "possible_upgrade_type": possible.unwrap_or_default(),
        },
    }))
}

/// `createUpgradePurchase(purchase_ids, upgrade_id, payment_plan_id, quantities)`: buys the
/// upgrade with the stored payment data and ends the upgraded orders.
pub fn create_upgrade_purchase(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let ids = req.p.list_str("purchase_ids");
    if ids.is_empty() {
        return Err(ApiError::missing("purchase_ids"));
    }
    let upgrade_id = req.p.str("upgrade_id")?;
    let up = must(tx, kind::UPGRADE, &upgrade_id, Entity::Upgrade)?.clone();
    let billing = tx
        .get(kind::ACCOUNT, model::ACCOUNT_ID)
        .is_some_and(|a| sr(a, "billing_on_demand") == "Y");
    if !billing {
        return Err(ApiError::new(
            crate::error::ErrorKind::Permission,
            "Zugriff verweigert: Das Recht 'Billing on demand' ist nicht freigeschaltet.",
            "Access denied: the 'Billing on demand' right is not enabled.",
        ));
    }
    let types = upgrade_types(&up);
    let mut olds = Vec::new();
    let mut upgrade_type = String::new();
    for id in &ids {
        let p = must(tx, kind::PURCHASE, id, Entity::Purchase)?.clone();
        let Some(t) = types.get(sr(&p, "product_id")).and_then(Value::as_str) else {
            return Err(ApiError::refused(
                format!("Die Bestellung {id} kann mit diesem Upgrade nicht umgestellt werden."),
                format!("Order {id} cannot be switched with this upgrade."),
            ));
        };
        upgrade_type = t.to_string();
        olds.push(p);
    }
    if s(&up, "is_active") != "Y" {
        return Err(ApiError::refused(
            "Das Upgrade ist nicht aktiv.",
            "The upgrade is not active.",
        ));
    }
    let to = s(&up, "to_product_id");
    let to_product = must(tx, kind::PRODUCT, &to, Entity::Product)?.clone();
    let plan = match req.p.opt_str("payment_plan_id") {
        Some(pp) => {
            let plan = must(tx, kind::PAYMENT_PLAN, &pp, Entity::PaymentPlan)?.clone();
            if sr(&plan, "product_id") != to {
                return Err(ApiError::invalid(
                    "payment_plan_id",
                    "der Zahlungsplan gehört nicht zum Zielprodukt.",
                    "the payment plan does not belong to the target product.",
                ));
            }
            Some(plan)
        }
        None => tx
            .all(kind::PAYMENT_PLAN)
            .map(|(_, p)| p)
            .filter(|p| sr(p, "product_id") == to)
            .min_by_key(|p| model::int(p, "position"))
            .cloned(),
    };
    let quantity = match req.p.opt_obj("quantities")? {
        Some(q) => q
            .entries()
            .filter_map(|(_, v)| crate::params::scalar(v)?.parse::<i64>().ok())
            .max()
            .unwrap_or(1)
            .max(1),
        None => 1,
    };
    let (first, other, installments, interval, currency) = match &plan {
        Some(p) => (
            cents(p, "first_amount"),
            cents(p, "other_amounts"),
            model::int(p, "number_of_installments"),
            s(p, "first_billing_interval"),
            s(p, "currency"),
        ),
        None => (2700, 0, 1, String::new(), s(&to_product, "currency")),
    };
    // Credit for the unused part of running subscriptions: half a period's price.
    let credit: i64 = olds
        .iter()
        .filter(|p| sr(p, "rebilling_active") == "Y")
        .map(|p| cents(p, "other_amounts") / 2)
        .sum();
    let pay = (first * quantity - credit).max(0);
    let billing_type = match installments {
        1 => "single_payment",
        0 => "subscription",
        _ => "installment",
    };
    let reference = olds[0].clone();
    let new_id = super::payments::derive_purchase(
        tx,
        req,
        &reference,
        &to,
        pay,
        other * quantity,
        &currency,
        billing_type,
        installments,
        &interval,
        quantity,
        None,
    );
    for p in &olds {
        let pid = s(p, "id");
        let was = s(p, "rebilling_active") == "Y";
        if let Some(d) = tx.get_mut(kind::PURCHASE, &pid) {
            set(d, "rebilling_active", "N");
            set(d, "next_payment_at", "");
            if was {
                set(d, "billing_status", "aborted");
            }
            set(d, "upgraded_to", new_id.clone());
        }
        if was {
            super::payments::record_rebill_change(
                tx,
                &pid,
                &req.now_s(),
                model::int(p, "pay_sequence_no"),
                "rebill_cancelled",
            );
        }
    }
    let np = tx.get(kind::PURCHASE, &new_id).cloned().unwrap_or_default();
    Ok(json!({
        "new_purchase": {
            "id": new_id,
            "billing_status": s(&np, "billing_status"),
            "paid_amount": money(pay),
            "next_payment_at": s(&np, "next_payment_at").get(..10).unwrap_or(""),
            "next_amount": if billing_type == "single_payment" { money(0) } else { money(other * quantity) },
            "currency": currency,
        },
        "upgrade_info": {
            "upgrade_type": upgrade_type,
            "upgrade_amount_left": money(0),
            "upgrade_amount_total": money(credit),
            "upgraded_purchase_id": ids.join(","),
        },
    }))
}

/// `deleteUpgrade(upgrade_id)`.
pub fn delete_upgrade(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("upgrade_id")?;
    must(tx, kind::UPGRADE, &id, Entity::Upgrade)?;
    tx.delete(kind::UPGRADE, &id);
    Ok(json!({ "is_deleted": "Y" }))
}

// ---------------------------------------------------------------- smart upgrades

/// `listSmartUpgrades()`.
pub fn list_smart_upgrades(tx: &mut Tx<'_>, _req: &Req<'_>) -> Result<Value, ApiError> {
    let rows: Vec<Value> = tx
        .all(kind::SMART_UPGRADE)
        .map(|(_, d)| d.clone())
        .collect();
    Ok(json!({ "smartupgrades": rows }))
}

/// `getSmartupgrade(smartupgrade_id, purchase_id)`: the record with its widget HTML.
pub fn get_smartupgrade(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("smartupgrade_id")?;
    let doc = must(tx, kind::SMART_UPGRADE, &id, Entity::SmartUpgrade)?.clone();
    let mut eligible = None;
    if let Some(pid) = req.p.opt_str("purchase_id") {
        let p = must(tx, kind::PURCHASE, &pid, Entity::Purchase)?;
        eligible = Some(list_includes(sr(&doc, "product_ids"), sr(p, "product_id")));
    }
    let to = s(&doc, "upgrade_to_product_id");
    let to_name = super::purchases::product_name(tx, &to);
    let html = match eligible {
        Some(false) => String::new(),
        _ => format!(
            "<div class='ds24-smartupgrade' data-id='{id}' data-authkey='{}'><h3>{}</h3><p>{}</p></div>",
            sr(&doc, "authkey"),
            s(&doc, "name"),
            to_name
        ),
    };
    let mut out = pick(
        &doc,
        &[
            "id",
            "name",
            "upgrade_to_product_id",
            "product_ids",
            "authkey",
        ],
    );
    set(&mut out, "upgrade_to_product_name", to_name);
    if let Some(e) = eligible {
        set(&mut out, "is_purchase_eligible", model::yn(e));
    }
    set(&mut out, "html", html);
    Ok(out)
}

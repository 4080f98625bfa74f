//! The vouchers toolset: discount codes and their validation.

use serde_json::{Value, json};

use crate::backend::lookup;
use crate::documents::{Document, Product, Voucher, wire};
use crate::error::{ApiError, Entity};
use crate::money::Money;
use crate::params::View;
use crate::request::{
    Req, check_currency, check_not_negative, check_percent, comma_list, must, yn,
};
use crate::store::Tx;
use crate::time::{self, DateEnd};

const FIRST_ID: i64 = 2477;

fn apply_data(
    tx: &Tx<'_>,
    req: &Req<'_>,
    doc: &mut Voucher,
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
            .all::<Voucher>()
            .any(|v| Some(v.id.as_str()) != own_id && v.code.eq_ignore_ascii_case(&c));
        if clash {
            return Err(ApiError::invalid(
                &data.path("code"),
                &format!("der Gutscheincode '{c}' existiert bereits."),
                &format!("the voucher code '{c}' already exists."),
            ));
        }
        doc.code = c;
    }
    if let Some(pids) = data.opt_str("product_ids") {
        let list = comma_list(&pids);
        if !list.iter().all(|p| p == "all") {
            for p in &list {
                must::<Product>(tx, p, Entity::Product)?;
            }
        }
        doc.product_ids = list.join(",");
    }
    for (f, slot) in [
        ("valid_from", &mut doc.valid_from),
        ("expires_at", &mut doc.expires_at),
    ] {
        if data.has(f) {
            *slot = data
                .opt_time(f, req.now, req.start, DateEnd::Start)?
                .map(time::fmt);
        }
    }
    for (f, slot) in [
        ("first_rate", &mut doc.first_rate),
        ("other_rates", &mut doc.other_rates),
    ] {
        if let Some(r) = data.opt_money(f)? {
            *slot = Money(check_percent(&data.path(f), r)?);
        }
    }
    for (f, slot) in [
        ("first_amount", &mut doc.first_amount),
        ("other_amounts", &mut doc.other_amounts),
    ] {
        if let Some(a) = data.opt_money(f)? {
            *slot = Money(check_not_negative(&data.path(f), a)?);
        }
    }
    if let Some(c) = data.opt_str("currency") {
        doc.currency = check_currency(&data.path("currency"), &c)?;
    }
    if let Some(b) = data.opt_bool("is_count_limited")? {
        doc.is_count_limited = b;
    }
    if data.has("count_left") {
        doc.count_left = data.int_in("count_left", 1, 0, 1_000_000)?;
    }
    if let Some(u) = data.opt_enum("upgrade_policy", &["valid", "other_only", "not_valid"])? {
        doc.upgrade_policy = u;
    }
    Ok(())
}

/// `createVoucher(data)`.
pub fn create_voucher(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let data = req.p.obj("data")?;
    data.str("code")?;
    let id = tx.next_id(Voucher::KIND, FIRST_ID).to_string();
    let mut doc = Voucher {
        id: id.clone(),
        code: String::new(),
        valid_from: None,
        valid_until: None,
        expires_at: None,
        product_ids: "all".into(),
        first_rate: Money::ZERO,
        other_rates: Money::ZERO,
        first_amount: Money::ZERO,
        other_amounts: Money::ZERO,
        upgrade_policy: "valid".into(),
        is_count_limited: false,
        count_left: 1,
        currency: "EUR".into(),
        is_discarding_early_bird: false,
        created_at: req.now_s(),
    };
    apply_data(tx, req, &mut doc, &data, None)?;
    if !doc.has_discount() {
        return Err(ApiError::invalid(
            &data.path("first_rate"),
            "ein Rabatt (first_rate, other_rates, first_amount oder other_amounts) ist erforderlich.",
            "a discount (first_rate, other_rates, first_amount or other_amounts) is required.",
        ));
    }
    let code = doc.code.clone();
    tx.put(doc);
    Ok(json!({ "discount_code_id": id, "code": code }))
}

/// `updateVoucher(code, data)`: `code` may be the code or its id; empty dates remove limits.
pub fn update_voucher(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let code = req.p.str("code")?;
    let data = req.p.obj("data")?;
    let before = lookup::voucher(tx, &code)
        .cloned()
        .ok_or_else(|| ApiError::not_found(Entity::Voucher, &code))?;
    let id = before.id.clone();
    let mut doc = before.clone();
    apply_data(tx, req, &mut doc, &data, Some(&id))?;
    if !doc.has_discount() {
        return Err(ApiError::invalid(
            &data.path("first_rate"),
            "ein Gutschein braucht einen Rabatt.",
            "a voucher needs a discount.",
        ));
    }
    let changed = doc != before;
    let new_code = doc.code.clone();
    if changed {
        tx.put(doc);
    }
    Ok(json!({ "discount_code_id": id, "code": new_code, "modified": yn(changed) }))
}

/// `listVouchers()`.
pub fn list_vouchers(tx: &mut Tx<'_>, _req: &Req<'_>) -> Result<Value, ApiError> {
    let rows: Vec<Value> = tx.all::<Voucher>().map(wire).collect();
    Ok(json!({ "coupons": rows, "are_returned_data_public": "N" }))
}

/// `getVoucher(code)`.
pub fn get_voucher(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let code = req.p.str("code")?;
    let v =
        lookup::voucher(tx, &code).ok_or_else(|| ApiError::not_found(Entity::Voucher, &code))?;
    Ok(json!({ "coupon": wire(v) }))
}

/// `deleteVoucher(code)`.
pub fn delete_voucher(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let code = req.p.str("code")?;
    let id = lookup::voucher(tx, &code)
        .map(|v| v.id.clone())
        .ok_or_else(|| ApiError::not_found(Entity::Voucher, &code))?;
    tx.delete::<Voucher>(&id);
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
    let Some(v) = lookup::voucher(tx, &code) else {
        return Ok(error(
            "Der Gutscheincode ist ungültig.",
            "The voucher code is invalid.",
        ));
    };
    let now = req.now_s();
    if v.valid_from.as_ref().is_some_and(|from| *from > now) {
        return Ok(error(
            "Der Gutscheincode ist noch nicht gültig.",
            "The voucher code is not valid yet.",
        ));
    }
    if v.expires_at.as_ref().is_some_and(|to| *to < now) {
        return Ok(error(
            "Der Gutscheincode ist abgelaufen.",
            "The voucher code has expired.",
        ));
    }
    if v.is_count_limited && v.count_left <= 0 {
        return Ok(error(
            "Der Gutscheincode wurde bereits aufgebraucht.",
            "The voucher code has been used up.",
        ));
    }
    Ok(json!({
        "status": "success",
        "status_msg": req.msg("Der Gutscheincode ist gültig.", "The voucher code is valid."),
        "currency": v.currency,
        "coupon_id": v.id,
        "amount_left": v.first_amount,
        "amount_total": v.first_amount,
        "first_rate": v.first_rate,
        "product_ids": v.product_ids,
        "is_test_payment": "N",
    }))
}

//! The buy_urls toolset: order links with preset buyer, price and tracking.

use chrono::Duration;
use serde_json::{Value, json};

use crate::backend::lookup;
use crate::documents::{BuyUrl, Document, Orderform, Product, Purchase, wire};
use crate::error::{ApiError, Entity};
use crate::ids::{Rng, token};
use crate::request::{
    Req, check_currency, check_email, check_interval, check_not_negative, check_url, must,
};
use crate::store::Tx;
use crate::time::{self, DateEnd};

const FIRST_ID: i64 = 8_721_900;

/// `createBuyUrl(product_id, buyer, payment_plan, tracking, valid_until, urls, placeholders,
/// settings, addons)`.
#[allow(clippy::too_many_lines)]
pub fn create_buy_url(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let product_id = req.p.str("product_id")?;
    must::<Product>(tx, &product_id, Entity::Product)?;
    let mut email = String::new();
    if let Some(b) = req.p.opt_obj("buyer")? {
        if let Some(e) = b.opt_str("email") {
            email = check_email(&b.path("email"), &e)?;
        }
        if let Some(keys) =
            b.opt_enum("readonly_keys", &["all", "email", "email_and_name", "none"])?
        {
            let needs: &[&str] = match keys.as_str() {
                "email" => &["email"],
                "email_and_name" | "all" => &["email", "first_name", "last_name"],
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
            if let Some(a) = pl.opt_money(f)? {
                check_not_negative(&pl.path(f), a)?;
            }
        }
        if let Some(c) = pl.opt_str("currency") {
            check_currency(&pl.path("currency"), &c)?;
        }
        if pl.has("number_of_installments") {
            pl.int_in("number_of_installments", 0, 0, 120)?;
        }
        for f in ["first_billing_interval", "other_billing_intervals"] {
            if let Some(i) = pl.opt_str(f) {
                check_interval(&pl.path(f), &i)?;
            }
        }
        pl.opt_enum("upgrade_type", &["upgrade", "downgrade"])?;
        pl.opt_enum("tax_mode", &["as_set", "exclude", "include"])?;
        if let Some(o) = pl.opt_str("upgrade_order_id") {
            upgrade_status = if tx.exists::<Purchase>(&o) {
                "ok"
            } else {
                "error"
            };
        }
    }
    if let Some(t) = req.p.opt_obj("tracking")? {
        if let Some(a) = t.opt_str("affiliate")
            && lookup::affiliate(tx, &a).is_none()
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
            must::<Orderform>(tx, &o, Entity::Orderform)?;
        }
        if let Some(v) = st.opt_str("voucher_code")
            && lookup::voucher(tx, &v).is_none()
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
        must::<Product>(tx, &pid, Entity::Product)?;
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
    let id = tx.next_id(BuyUrl::KIND, FIRST_ID).to_string();
    let mut rng = Rng::new(tx.random());
    let tok = token(&mut rng, 10);
    let url = match valid_until {
        Some(v) => format!(
            "https://www.checkout-ds24.com/product/{product_id}/?ds24={tok}&valid_until={}",
            time::unix(v)
        ),
        None => format!("https://www.checkout-ds24.com/product/{product_id}/?ds24={tok}"),
    };
    let until = valid_until.map(time::fmt).unwrap_or_default();
    tx.put(BuyUrl {
        id: id.clone(),
        product_id,
        url: url.clone(),
        valid_until: until.clone(),
        email,
        created_at: req.now_s(),
        modified_at: req.now_s(),
    });
    Ok(json!({ "id": id, "url": url, "valid_until": until, "upgrade_status": upgrade_status }))
}

/// `listBuyUrls()`.
pub fn list_buy_urls(tx: &mut Tx<'_>, _req: &Req<'_>) -> Result<Value, ApiError> {
    let rows: Vec<Value> = tx.all::<BuyUrl>().map(wire).collect();
    Ok(json!({ "items": rows }))
}

/// `deleteBuyUrl(id)`.
pub fn delete_buy_url(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("id")?;
    must::<BuyUrl>(tx, &id, Entity::BuyUrl)?;
    tx.delete::<BuyUrl>(&id);
    Ok(json!({ "is_deleted": "Y" }))
}

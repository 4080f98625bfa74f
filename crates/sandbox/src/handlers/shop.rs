//! The shop front: order forms, images and shipping cost policies.

use serde_json::{Map, Value, json};

use super::products::check_url;
use super::{Req, must, yn};
use crate::error::{ApiError, Entity};
use crate::model::{self, kind, pick, s, set, sr};
use crate::params::{View, money};
use crate::reference;
use crate::seed::code;
use crate::store::Tx;

// ---------------------------------------------------------------- order forms

const POSITIONS: &[&str] = &[
    "before_playplan",
    "after_payplan",
    "before_checkout",
    "before_pay_button",
    "after_pay_button",
];

fn apply_orderform_data(tx: &Tx<'_>, doc: &mut Value, data: &View<'_>) -> Result<(), ApiError> {
    if let Some(n) = data.raw_str("name") {
        let n = n.trim().to_string();
        if n.is_empty() {
            return Err(ApiError::missing(&data.path("name")));
        }
        if n.chars().count() > 63 {
            return Err(ApiError::invalid(
                &data.path("name"),
                "höchstens 63 Zeichen erlaubt.",
                "at most 63 characters allowed.",
            ));
        }
        set(doc, "name", n);
    }
    if let Some(l) = data.opt_str("layout") {
        if !matches!(l.as_str(), "widget" | "legacy") {
            return Err(ApiError::invalid(
                &data.path("layout"),
                "nur widget und legacy können angelegt werden (responsive nicht).",
                "only widget and legacy can be created (not responsive).",
            ));
        }
        set(doc, "layout", l);
    }
    let enums: [(&str, &[&str]); 9] = [
        ("background_style", &["white", "blue"]),
        ("step_count", &["1", "2", "3"]),
        ("shipping_position", &["after_cart", "before_cart"]),
        (
            "flex_elements_order",
            &["order_bumper", "order_summary", "refund_waiver"],
        ),
        ("tab_style", &["bigtabs", "image", "image_url"]),
        ("order_bump_style", &["none", "dashed"]),
        ("orderbump_position", POSITIONS),
        ("refund_waiver_position", POSITIONS),
        ("theme", &["default", "light", "dark", "classic"]),
    ];
    for (field, allowed) in enums {
        if let Some(v) = data.opt_enum(field, allowed)? {
            set(doc, field, v);
        }
    }
    if let Some(p) = data.opt_str("orderbump_product_id") {
        must(tx, kind::PRODUCT, &p, Entity::Product)?;
        set(doc, "orderbump_product_id", p);
    }
    if let Some(p) = data.opt_str("product_id") {
        must(tx, kind::PRODUCT, &p, Entity::Product)?;
        set(doc, "product_id", p);
    }
    if let Some(p) = data.opt_str("paymentplan_id") {
        must(tx, kind::PAYMENT_PLAN, &p, Entity::PaymentPlan)?;
        set(doc, "paymentplan_id", p);
    }
    for f in ["is_active", "is_default"] {
        if let Some(b) = data.opt_bool(f)? {
            set(doc, f, model::yn(b));
        }
    }
    if let Some(l) = data.opt_enum(
        "language",
        &["de", "en", "es", "fr", "nl", "it", "pt", "pl", "sl"],
    )? {
        set(doc, "language", l);
    }
    for (k, v) in data.entries() {
        let free = k.starts_with("tab_text_")
            || k.starts_with("tab_image_")
            || matches!(
                k.as_str(),
                "summary_positions"
                    | "orderbump_headline"
                    | "orderbump_html"
                    | "custom_css"
                    | "custom_js"
                    | "custom_html"
            );
        if free && let Some(text) = crate::params::scalar(v) {
            set(doc, k, text);
        }
    }
    for f in ["custom_fields", "upsell_settings"] {
        if let Some(v) = data.get(f) {
            set(doc, f, v.clone());
        }
    }
    Ok(())
}

fn render_orderform(doc: &Value) -> Value {
    let mut out = doc.clone();
    if let Value::Object(m) = &mut out {
        for f in ["id", "name", "layout", "step_count", "background_style"] {
            m.entry(f).or_insert_with(|| json!(""));
        }
    }
    out
}

/// `createOrderform(data)`.
pub fn create_orderform(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let data = req.p.obj("data")?;
    data.str("name")?;
    let id = tx.next_id(kind::ORDERFORM, 3181).to_string();
    let mut doc = json!({
        "id": id, "name": "", "layout": "widget", "step_count": "1",
        "background_style": "white", "is_active": "Y", "is_default": "N",
        "created_at": req.now_s(), "modified_at": req.now_s(),
    });
    apply_orderform_data(tx, &mut doc, &data)?;
    tx.put(kind::ORDERFORM, &id, doc);
    Ok(json!({ "orderform_id": id }))
}

/// `getOrderform(orderform_id)`.
pub fn get_orderform(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("orderform_id")?;
    let doc = must(tx, kind::ORDERFORM, &id, Entity::Orderform)?;
    Ok(json!({ "orderform": render_orderform(doc) }))
}

/// `getOrderformMetas()`: placeholders and option labels for order forms.
pub fn get_orderform_metas(_tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let de = req.lang == crate::error::Lang::De;
    let pick_l = |d: &'static str, e: &'static str| if de { d } else { e };
    Ok(json!({
        "placeholders": {
            "images": {
                "[[RED_ARROW]]": "<img src='https://www.digistore24.com/webinc/images/orderform/order_bump/red_arrow_right.png' />",
                "[[GREEN_CHECK]]": "<img src='https://www.digistore24.com/webinc/images/orderform/order_bump/green_check.png' />",
            },
            "other": {
                "[[PRICE]]": pick_l("27,00 €", "€27.00"),
                "[[PRODUCT_NAME]]": pick_l("Produktname", "Product name"),
            },
        },
        "options": {
            "background_style": {"white": pick_l("Weiß", "White"), "blue": pick_l("Blau", "Blue")},
            "step_count": {
                "1": pick_l("Ein Schritt", "One step"),
                "2": pick_l("Zwei Schritte", "Two steps"),
                "3": pick_l("Drei Schritte", "Three steps"),
            },
            "tab_style": {
                "bigtabs": "Text",
                "image": pick_l("Bilder hochladen", "Upload images"),
                "image_url": pick_l("Bilder per Url einbinden", "Images by URL"),
            },
        },
        "form_metas": {},
    }))
}

/// `listOrderforms(layout)`.
pub fn list_orderforms(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let layout = req
        .p
        .opt_enum(
            "layout",
            &[
                "all",
                "orderform_responsive",
                "orderform_widget",
                "orderform_legacy",
            ],
        )?
        .unwrap_or_else(|| "all".into());
    let want = layout.strip_prefix("orderform_").unwrap_or("all");
    let rows: Vec<Value> = tx
        .all(kind::ORDERFORM)
        .map(|(_, d)| d)
        .filter(|d| want == "all" || sr(d, "layout") == want)
        .map(|d| pick(d, &["id", "name", "layout", "created_at", "modified_at"]))
        .collect();
    Ok(json!({ "orderforms": rows, "layout": layout }))
}

/// `updateOrderform(orderform_id, data)`.
pub fn update_orderform(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("orderform_id")?;
    let data = req.p.obj("data")?;
    let before = must(tx, kind::ORDERFORM, &id, Entity::Orderform)?.clone();
    let mut doc = before.clone();
    if data.has("layout") {
        return Err(ApiError::invalid(
            &data.path("layout"),
            "das Layout eines Bestellformulars kann nicht geändert werden.",
            "the layout of an order form cannot be changed.",
        ));
    }
    apply_orderform_data(tx, &mut doc, &data)?;
    let changed = doc != before;
    if changed {
        set(&mut doc, "modified_at", req.now_s());
        tx.put(kind::ORDERFORM, &id, doc);
    }
    Ok(json!({ "is_modified": yn(changed) }))
}

/// `deleteOrderform(orderform_id)`.
pub fn delete_orderform(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("orderform_id")?;
    must(tx, kind::ORDERFORM, &id, Entity::Orderform)?;
    tx.delete(kind::ORDERFORM, &id);
    Ok(json!({ "is_deleted": "Y" }))
}

// ---------------------------------------------------------------- images

fn usage_type(v: &View<'_>, name: &str, allow_all: bool) -> Result<Option<String>, ApiError> {
    let mut allowed = reference::image_usage_types();
    if allow_all {
        allowed.push("all");
    }
    v.opt_enum(name, &allowed)
}

/// `createImage(data)`: registers an image from a public https URL (`data[image-url]`).
pub fn create_image(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let data = req.p.obj("data")?;
    let name = data.str("name")?;
    let field = if data.has("image-url") || !data.has("image_url") {
        "image-url"
    } else {
        "image_url"
    };
    let source = data.str(field)?;
    check_url(&data.path(field), &source)?;
    let ext = source
        .rsplit('.')
        .next()
        .map(|e| {
            e.split(['?', '#'])
                .next()
                .unwrap_or("")
                .to_ascii_lowercase()
        })
        .filter(|e| matches!(e.as_str(), "png" | "jpg" | "jpeg" | "gif" | "webp"))
        .ok_or_else(|| {
            ApiError::invalid(
                &data.path(field),
                "die URL muss auf ein PNG-, JPG-, GIF- oder WebP-Bild zeigen.",
                "the URL must point to a PNG, JPG, GIF or WebP image.",
            )
        })?;
    let usage = usage_type(&data, "usage_type", false)?.unwrap_or_else(|| "product".into());
    let mut id = code(tx.random(), 8);
    while tx.exists(kind::IMAGE, &id) {
        id = code(tx.random(), 8);
    }
    let url = format!(
        "https://d3prvp0id2r5kj.cloudfront.net/merchant_{}/image/{usage}/{id}",
        crate::seed::USER_ID
    );
    let dims = reference::IMAGE_USAGE
        .iter()
        .find(|u| u.0 == usage)
        .map_or((100, 100), |u| (u.5, u.7));
    tx.put(
        kind::IMAGE,
        &id,
        json!({
            "id": id, "url": url, "file_extension": ext, "name": name,
            "approval_status": "pending", "usage_type": usage,
            "alt_tag": data.opt_str("alt_tag").unwrap_or_default(),
            "width": dims.0.to_string(), "height": dims.1.to_string(),
            "source_url": source, "created_at": req.now_s(),
        }),
    );
    Ok(json!({ "image_id": id, "image_url": url }))
}

/// `getImage(image_id)`.
pub fn get_image(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("image_id")?;
    let d = must(tx, kind::IMAGE, &id, Entity::Image)?;
    Ok(json!({
        "image": {
            "id": s(d, "id"), "url": s(d, "url"), "type": s(d, "usage_type"),
            "name": s(d, "name"), "alt_tag": s(d, "alt_tag"),
            "approval_status": s(d, "approval_status"),
            "properties": {"width": s(d, "width"), "height": s(d, "height")},
        }
    }))
}

/// `listImages(usage_type)`: `all` lists every usage type.
pub fn list_images(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    req.p.str("usage_type")?;
    let usage = usage_type(&req.p, "usage_type", true)?.unwrap_or_else(|| "all".into());
    let rows: Vec<Value> = tx
        .all(kind::IMAGE)
        .map(|(_, d)| d)
        .filter(|d| usage == "all" || sr(d, "usage_type") == usage)
        .map(|d| {
            pick(
                d,
                &[
                    "id",
                    "url",
                    "file_extension",
                    "name",
                    "approval_status",
                    "usage_type",
                    "alt_tag",
                    "width",
                    "height",
                ],
            )
        })
        .collect();
    Ok(json!({ "images": rows }))
}

/// `deleteImage(image_id)`.
pub fn delete_image(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("image_id")?;
    must(tx, kind::IMAGE, &id, Entity::Image)?;
    tx.delete(kind::IMAGE, &id);
    Ok(json!({ "is_deleted": "Y" }))
}

// ---------------------------------------------------------------- shipping cost policies

fn apply_policy_data(tx: &Tx<'_>, doc: &mut Value, data: &View<'_>) -> Result<(), ApiError> {
    if let Some(n) = data.raw_str("name") {
        let n = n.trim().to_string();
        if n.is_empty() {
            return Err(ApiError::missing(&data.path("name")));
        }
        set(doc, "name", n);
    }
    for (k, v) in data.entries() {
        if let Some(lang) = k.strip_prefix("label_") {
            if lang.len() != 2 || !lang.bytes().all(|b| b.is_ascii_lowercase()) {
                return Err(ApiError::invalid(
                    &data.path(k),
                    "Beschriftungen heißen label_XX mit einem Sprachcode (z. B. label_de).",
                    "labels are named label_XX with a language code (e.g. label_de).",
                ));
            }
            set(doc, k, crate::params::scalar(v).unwrap_or_default());
        }
    }
    if data.has("position") {
        let p = data.int_in("position", 100, 0, 1_000_000)?;
        set(doc, "position", p.to_string());
    }
    if let Some(b) = data.opt_bool("is_active")? {
        set(doc, "is_active", model::yn(b));
    }
    if let Some(p) = data.opt_str("for_product_ids") {
        let ids: Vec<String> = p
            .split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect();
        if !ids.iter().all(|x| x == "all") {
            for id in &ids {
                must(tx, kind::PRODUCT, id, Entity::Product)?;
            }
        }
        set(doc, "for_product_ids", ids.join(","));
    }
    if let Some(c) = data.opt_str("for_countries") {
        let list: Vec<String> = c
            .split(',')
            .map(|x| x.trim().to_uppercase())
            .filter(|x| !x.is_empty())
            .collect();
        if let Some(bad) = list
            .iter()
            .find(|x| *x != "ALL" && (x.len() != 2 || !x.bytes().all(|b| b.is_ascii_uppercase())))
        {
            return Err(ApiError::invalid(
                &data.path("for_countries"),
                &format!("'{bad}' ist kein Ländercode."),
                &format!("'{bad}' is not a country code."),
            ));
        }
        set(doc, "for_countries", list.join(","));
    }
    for f in ["for_currencies", "currency"] {
        if let Some(c) = data.opt_str(f) {
            let list: Vec<String> = c
                .split(',')
                .map(|x| x.trim().to_uppercase())
                .filter(|x| !x.is_empty())
                .collect();
            if let Some(bad) = list.iter().find(|x| !reference::is_currency(x)) {
                return Err(ApiError::invalid(
                    &data.path(f),
                    &format!("unbekannte Währung '{bad}'."),
                    &format!("unknown currency '{bad}'."),
                ));
            }
            set(doc, f, list.join(","));
        }
    }
    if let Some(v) = data.opt_enum("fee_type", &["total_fee", "fee_per_unit"])? {
        set(doc, "fee_type", v);
    }
    if let Some(v) = data.opt_enum("billing_cycle", &["once", "monthly"])? {
        set(doc, "billing_cycle", v);
    }
    if data.has("scale_level_count") {
        let n = data.int_in("scale_level_count", 1, 1, 5)?;
        set(doc, "scale_level_count", n.to_string());
    }
    for i in 1..=5 {
        let amount = format!("scale_{i}_amount");
        if let Some(a) = data.opt_money(&amount)? {
            if a < 0 {
                return Err(ApiError::invalid(
                    &data.path(&amount),
                    "Beträge dürfen nicht negativ sein.",
                    "amounts must not be negative.",
                ));
            }
            set(doc, &amount, money(a));
        }
        let from = format!("scale_{i}_from");
        if data.has(&from) && i > 1 {
            let n = data.int_in(&from, 1, 1, 1_000_000)?;
            set(doc, &from, n.to_string());
        }
    }
    Ok(())
}

/// `createShippingCostPolicy(data)`.
pub fn create_shipping_cost_policy(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let data = req.p.obj("data")?;
    let id = tx.next_id(kind::SHIPPING_POLICY, 1234).to_string();
    let mut doc = json!({
        "id": id, "name": req.msg("Versandkosten", "Shipping costs"),
        "label_de": "Versand", "label_en": "Shipping",
        "position": "100", "is_active": "Y", "for_product_ids": "all",
        "for_countries": "all", "for_currencies": "EUR", "fee_type": "total_fee",
        "billing_cycle": "once", "currency": "EUR", "scale_level_count": "1",
        "scale_1_amount": "0.00", "created_at": req.now_s(), "modified_at": req.now_s(),
    });
    apply_policy_data(tx, &mut doc, &data)?;
    tx.put(kind::SHIPPING_POLICY, &id, doc);
    Ok(json!({ "policy_id": id }))
}

/// `getShippingCostPolicy(policy_id)`.
pub fn get_shipping_cost_policy(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("policy_id")?;
    let d = must(tx, kind::SHIPPING_POLICY, &id, Entity::ShippingPolicy)?;
    Ok(json!({ "policy": d }))
}

/// `listShippingCostPolicies()`: a bare array.
pub fn list_shipping_cost_policies(tx: &mut Tx<'_>, _req: &Req<'_>) -> Result<Value, ApiError> {
    let rows: Vec<Value> = tx
        .all(kind::SHIPPING_POLICY)
        .map(|(_, d)| {
            let mut r = pick(d, &["id", "name", "is_active", "created_at", "modified_at"]);
            let mut rule = Map::new();
            for f in [
                "for_product_ids",
                "for_countries",
                "for_currencies",
                "fee_type",
                "billing_cycle",
                "currency",
                "scale_1_amount",
            ] {
                rule.insert(f.into(), json!(s(d, f)));
            }
            set(&mut r, "rules", json!([Value::Object(rule)]));
            r
        })
        .collect();
    Ok(Value::Array(rows))
}

/// `updateShippingCostPolicy(policy_id, data)`.
pub fn update_shipping_cost_policy(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("policy_id")?;
    let data = req.p.obj("data")?;
    let before = must(tx, kind::SHIPPING_POLICY, &id, Entity::ShippingPolicy)?.clone();
    let mut doc = before.clone();
    apply_policy_data(tx, &mut doc, &data)?;
    let changed = doc != before;
    if changed {
        set(&mut doc, "modified_at", req.now_s());
        tx.put(kind::SHIPPING_POLICY, &id, doc);
    }
    Ok(json!({ "is_modified": yn(changed) }))
}

/// `deleteShippingCostPolicy(policy_id)`.
pub fn delete_shipping_cost_policy(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("policy_id")?;
    must(tx, kind::SHIPPING_POLICY, &id, Entity::ShippingPolicy)?;
    tx.delete(kind::SHIPPING_POLICY, &id);
    Ok(json!({ "is_deleted": "Y" }))
}

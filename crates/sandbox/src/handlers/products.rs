//! The products toolset: create, update, copy, get, list and delete products; product types.

use serde_json::{Value, json};

use crate::backend::products::{self as catalog};
use crate::documents::{DeletedProduct, Product, ProductGroup};
use crate::error::{ApiError, Entity, Lang};
use crate::money::Money;
use crate::params::{View, scalar};
use crate::reference;
use crate::request::{LANGUAGES, Req, check_len, check_url, must, yn};
use crate::store::Tx;

/// Applies `data[...]` product fields to `doc`. Returns whether anything changed.
#[allow(clippy::too_many_lines)]
fn apply_data(
    tx: &Tx<'_>,
    req: &Req<'_>,
    doc: &mut Product,
    data: &View<'_>,
) -> Result<bool, ApiError> {
    let before = doc.clone();
    if data.has("amount") {
        return Err(ApiError::invalid(
            &data.path("amount"),
            "Der Preis wird nicht mehr am Produkt gesetzt (veraltet). Bitte legen Sie einen \
             Zahlungsplan mit createPaymentplan an.",
            "The price is no longer set on the product (deprecated). Please create a payment \
             plan with createPaymentplan instead.",
        ));
    }
    if data.has("tag") {
        return Err(ApiError::invalid(
            &data.path("tag"),
            "Tags können nicht über die API gesetzt werden.",
            "Tags cannot be set through the API.",
        ));
    }
    if let Some(l) = data.opt_enum("language", LANGUAGES)? {
        doc.language = l;
    }
    if let Some(n) = data.raw_str("name") {
        check_len(&data.path("name"), &n, 63)?;
        let n = n.trim().to_string();
        match doc.language.as_str() {
            "en" => doc.name_en = n,
            "es" => doc.name_es = n,
            _ => doc.name_de = n,
        }
    }
    if let Some(d) = data.raw_str("description") {
        match doc.language.as_str() {
            "en" => doc.description_en = d,
            "es" => doc.description_es = d,
            _ => doc.description_de = d,
        }
    }
    for (f, slot) in [
        ("name_intern", &mut doc.name_intern),
        ("name_de", &mut doc.name_de),
        ("name_en", &mut doc.name_en),
        ("name_es", &mut doc.name_es),
    ] {
        if let Some(v) = data.raw_str(f) {
            check_len(&data.path(f), &v, 63)?;
            *slot = v.trim().to_string();
        }
    }
    for (f, slot) in [
        ("description_de", &mut doc.description_de),
        ("description_en", &mut doc.description_en),
        ("description_es", &mut doc.description_es),
    ] {
        if let Some(v) = data.raw_str(f) {
            *slot = v;
        }
    }
    for (f, slot) in [
        ("salespage_url", &mut doc.salespage_url),
        ("upsell_salespage_url", &mut doc.upsell_salespage_url),
        ("thankyou_url", &mut doc.thankyou_url),
        ("image_url", &mut doc.image_url),
    ] {
        if let Some(v) = data.raw_str(f) {
            let v = v.trim().to_string();
            check_url(&data.path(f), &v)?;
            *slot = v;
        }
    }
    if let Some(t) = data.opt_str("product_type_id") {
        if !reference::is_product_type(&t) {
            return Err(ApiError::invalid(
                &data.path("product_type_id"),
                &format!("Produkttyp '{t}' existiert nicht (siehe listProductTypes)."),
                &format!("product type '{t}' does not exist (see listProductTypes)."),
            ));
        }
        doc.product_type_id = t;
    }
    if let Some(g) = data.raw_str("product_group_id") {
        let g = g.trim().to_string();
        if !g.is_empty() && g != "0" && !tx.exists::<ProductGroup>(&g) {
            return Err(ApiError::not_found(Entity::ProductGroup, &g));
        }
        doc.product_group_id = if g == "0" { String::new() } else { g };
    }
    if let Some(c) = data.opt_str("currency") {
        let codes: Vec<String> = c.split(',').map(|x| x.trim().to_uppercase()).collect();
        if let Some(bad) = codes.iter().find(|c| !reference::is_currency(c)) {
            return Err(ApiError::invalid(
                &data.path("currency"),
                &format!("unbekannte Währung '{bad}'."),
                &format!("unknown currency '{bad}'."),
            ));
        }
        doc.currency = codes.join(",");
    }
    apply_approval(doc, data)?;
    for f in ["affiliate_commission", "affiliate_commision"] {
        if let Some(c) = data.opt_money(f)? {
            if !(0..=10_000).contains(&c) {
                return Err(ApiError::invalid(
                    &data.path(f),
                    "die Provision muss zwischen 0 und 100 % liegen.",
                    "the commission must be between 0 and 100 %.",
                ));
            }
            doc.affiliate_commission = Money(c);
        }
    }
    if let Some(b) = data.opt_enum("buyer_type", &["consumer", "business"])? {
        doc.buyer_type = b;
    }
    for (f, slot) in [
        (
            "is_address_input_mandatory",
            &mut doc.is_address_input_mandatory,
        ),
        (
            "add_order_data_to_thankyou_page_url",
            &mut doc.add_order_data_to_thankyou_page_url,
        ),
        ("is_active", &mut doc.is_active),
    ] {
        if let Some(b) = data.opt_bool(f)? {
            *slot = b;
        }
    }
    if let Some(n) = data.raw_str("note") {
        // Digistore24 silently keeps 47 characters.
        doc.note = n.chars().take(47).collect();
    }
    for (f, slot) in [
        ("default_quantity", &mut doc.default_quantity),
        ("max_quantity", &mut doc.max_quantity),
    ] {
        if data.has(f) {
            *slot = data.int_in(f, 1, 1, 10_000)?;
        }
    }
    let mut a = before;
    a.modified_at.clone_from(&doc.modified_at);
    let changed = a != *doc;
    if changed {
        doc.modified_at = req.now_s();
    }
    Ok(changed)
}

fn apply_approval(doc: &mut Product, data: &View<'_>) -> Result<(), ApiError> {
    match data.get("approval_status") {
        Some(Value::Object(m)) => {
            for (reseller, st) in m {
                let st = scalar(st).unwrap_or_default();
                let path = format!("{}[{reseller}]", data.path("approval_status"));
                if !reference::RESELLERS.iter().any(|r| r.0 == reseller) {
                    return Err(ApiError::invalid(
                        &path,
                        "unbekannter Reseller (1 DE, 2 US, 3 UK, 4 IE).",
                        "unknown reseller (1 DE, 2 US, 3 UK, 4 IE).",
                    ));
                }
                if !matches!(st.as_str(), "new" | "pending") {
                    return Err(ApiError::invalid(
                        &path,
                        "erlaubt sind new und pending.",
                        "allowed values are new and pending.",
                    ));
                }
                doc.approval_status_list.insert(reseller.clone(), st);
            }
        }
        Some(_) => {
            if let Some(st) = data.opt_str("approval_status") {
                let (reseller, status) = match st.split_once(':') {
                    Some((r, s)) => (Some(r.trim().to_string()), s.trim().to_string()),
                    None => (None, st.clone()),
                };
                if !matches!(status.as_str(), "new" | "pending") {
                    return Err(ApiError::invalid(
                        &data.path("approval_status"),
                        "erlaubt sind new und pending.",
                        "allowed values are new and pending.",
                    ));
                }
                match reseller {
                    Some(r) => {
                        doc.approval_status_list.insert(r, status);
                    }
                    None => {
                        for v in doc.approval_status_list.values_mut() {
                            v.clone_from(&status);
                        }
                        doc.approval_status = status;
                    }
                }
            }
        }
        None => {}
    }
    Ok(())
}

/// `getProduct(product_id, show_deleted)`: a deleted product only with `show_deleted=Y`.
pub fn get_product(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("product_id")?;
    let show_deleted = req.p.bool_or("show_deleted", false)?;
    if let Some(p) = tx.get::<Product>(&id) {
        let group = catalog::group_name(tx, &p.product_group_id);
        return Ok(json!({ "product": p.render(req.lang, &group) }));
    }
    match tx.get::<DeletedProduct>(&id) {
        Some(d) if show_deleted => {
            let group = catalog::group_name(tx, &d.product.product_group_id);
            let mut v = d.product.render(req.lang, &group);
            if let Value::Object(m) = &mut v {
                m.insert("is_deleted".into(), json!("Y"));
                m.insert("deleted_at".into(), json!(d.deleted_at));
            }
            Ok(json!({ "product": v }))
        }
        _ => Err(ApiError::not_found(Entity::Product, &id)),
    }
}

/// `listProducts(sort_by)`.
pub fn list_products(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let sort = req
        .p
        .opt_enum("sort_by", &["name", "group"])?
        .unwrap_or_else(|| "name".into());
    let mut rows: Vec<(i64, String, Value)> = tx
        .all::<Product>()
        .map(|p| {
            let group = tx.get::<ProductGroup>(&p.product_group_id);
            let pos = group.map_or(i64::MAX, |g| g.position);
            let name = group.map(|g| g.name.as_str()).unwrap_or_default();
            (
                pos,
                p.display_name().to_lowercase(),
                p.list_row(req.lang, name),
            )
        })
        .collect();
    if sort == "group" {
        rows.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    } else {
        rows.sort_by(|a, b| a.1.cmp(&b.1));
    }
    let rows: Vec<Value> = rows.into_iter().map(|r| r.2).collect();
    Ok(json!({ "products": rows }))
}

/// `listProductTypes()`.
pub fn list_product_types(_tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let rows: Vec<Value> = reference::PRODUCT_TYPES
        .iter()
        .map(|(id, de, en, cat)| json!({"id": id, "name": req.lang.pick(de, en), "category": cat}))
        .collect();
    Ok(Value::Array(rows))
}

/// `createProduct(data)`.
pub fn create_product(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let data = req.p.obj("data")?;
    let id = catalog::next_product_id(tx);
    let mut doc = Product::new(&id, &req.now_s());
    doc.language = if req.lang == Lang::En { "en" } else { "de" }.into();
    apply_data(tx, req, &mut doc, &data)?;
    if doc.display_name().is_empty() {
        return Err(ApiError::missing(&data.path("name_intern")));
    }
    if doc.name_intern.is_empty() {
        doc.name_intern = doc.display_name();
    }
    doc.modified_at = req.now_s();
    tx.put(doc);
    Ok(json!({ "product_id": id }))
}

/// `updateProduct(product_id, data)`.
pub fn update_product(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("product_id")?;
    let data = req.p.obj("data")?;
    let mut doc = must::<Product>(tx, &id, Entity::Product)?.clone();
    let changed = apply_data(tx, req, &mut doc, &data)?;
    if changed {
        tx.put(doc);
    }
    Ok(json!({ "modified": yn(changed) }))
}

/// `copyProduct(product_id, data)`: copies the product and its payment plans.
pub fn copy_product(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("product_id")?;
    let src = must::<Product>(tx, &id, Entity::Product)?.clone();
    let data = req.p.opt_obj("data")?;
    let new_id = catalog::next_product_id(tx);
    let mut doc = src.clone();
    doc.id.clone_from(&new_id);
    doc.created_at = req.now_s();
    doc.modified_at = req.now_s();
    doc.approval_status = "new".into();
    doc.approval_status_list = Product::new(&new_id, "").approval_status_list;
    let suffix = req.msg(" (Kopie)", " (copy)");
    doc.name_intern = format!("{}{}", src.name_intern, suffix)
        .chars()
        .take(63)
        .collect();
    if let Some(data) = data {
        apply_data(tx, req, &mut doc, &data)?;
    }
    catalog::copy_product(tx, &id, doc, &req.now_s());
    Ok(json!({ "product_id": new_id }))
}

/// `deleteProduct(product_id)`: removes the product with its payment plans and upsells.
pub fn delete_product(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("product_id")?;
    must::<Product>(tx, &id, Entity::Product)?;
    catalog::delete_product(tx, &id, &req.now_s());
    Ok(json!({ "is_deleted": "Y" }))
}

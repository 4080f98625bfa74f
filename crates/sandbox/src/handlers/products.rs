//! Products, product groups, payment plans, product types and upsell funnels.

use serde_json::{Map, Value, json};

use super::{Req, must, yn};
use crate::error::{ApiError, Entity};
use crate::model::{kind, pick, s, set, sr};
use crate::params::{View, money};
use crate::reference;
use crate::seed::{plan_doc, product_doc};
use crate::store::Tx;
use crate::time;

const LANGUAGES: &[&str] = &["de", "en", "es", "fr", "nl", "it", "pt", "pl", "sl"];

fn check_len(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if value.chars().count() > max {
        return Err(ApiError::invalid(
            field,
            &format!("höchstens {max} Zeichen erlaubt."),
            &format!("at most {max} characters allowed."),
        ));
    }
    Ok(())
}

/// Validates a URL parameter: public https, at most 255 characters (empty clears it).
pub fn check_url(field: &str, value: &str) -> Result<(), ApiError> {
    if value.is_empty() {
        return Ok(());
    }
    check_len(field, value, 255)?;
    let lower = value.to_ascii_lowercase();
    let host = lower
        .strip_prefix("https://")
        .map(|r| r.split(['/', '?', '#', ':']).next().unwrap_or(""));
    match host {
        Some(h)
            if !h.is_empty() && h != "localhost" && !h.starts_with("127.") && h.contains('.') =>
        {
            Ok(())
        }
        _ => Err(ApiError::invalid(
            field,
            "Bitte nur sichere URLs mit https:// verwenden.",
            "Please only use secure URLs with https://",
        )),
    }
}

fn product_name(doc: &Value, lang_pref: &str) -> String {
    let order: [&str; 4] = if lang_pref == "en" {
        ["name_en", "name_de", "name_es", "name_intern"]
    } else {
        ["name_de", "name_en", "name_es", "name_intern"]
    };
    order
        .iter()
        .map(|f| s(doc, f))
        .find(|n| !n.is_empty())
        .unwrap_or_default()
}

/// The display name of a product (in its own language, falling back to the others).
pub fn display_name(doc: &Value) -> String {
    product_name(doc, sr(doc, "language"))
}

fn group_name(tx: &Tx<'_>, id: &str) -> String {
    tx.get(kind::PRODUCT_GROUP, id)
        .map(|g| s(g, "name"))
        .unwrap_or_default()
}

fn approval_list(req: &Req<'_>, doc: &Value, with_msg: bool) -> Value {
    let mut rows = Vec::new();
    if let Some(Value::Object(m)) = doc.get("approval_status_list") {
        for (reseller, status) in m {
            let st = status.as_str().unwrap_or("new");
            let mut row = Map::new();
            row.insert("reseller_id".into(), json!(reseller));
            row.insert("approval_status".into(), json!(st));
            if with_msg {
                row.insert(
                    "approval_status_msg".into(),
                    json!(req.label("approval_status", st)),
                );
            }
            row.insert(
                "is_siteowner_active".into(),
                json!(if sr(doc, "is_active") == "Y" {
                    "Y"
                } else {
                    "N"
                }),
            );
            rows.push(Value::Object(row));
        }
    }
    Value::Array(rows)
}

fn render_product(tx: &Tx<'_>, req: &Req<'_>, doc: &Value) -> Value {
    let mut out = pick(
        doc,
        &[
            "id",
            "name_intern",
            "name_de",
            "name_en",
            "name_es",
            "description_de",
            "description_en",
            "description_es",
            "language",
            "currency",
            "product_group_id",
            "product_type_id",
            "is_active",
            "approval_status",
            "salespage_url",
            "upsell_salespage_url",
            "thankyou_url",
            "image_url",
            "affiliate_commission",
            "buyer_type",
            "is_address_input_mandatory",
            "add_order_data_to_thankyou_page_url",
            "note",
            "tag",
            "default_quantity",
            "max_quantity",
            "units_left",
            "created_at",
            "modified_at",
        ],
    );
    set(&mut out, "name", display_name(doc));
    set(
        &mut out,
        "product_group_name",
        group_name(tx, sr(doc, "product_group_id")),
    );
    set(
        &mut out,
        "product_type_name",
        reference::product_type_name(
            sr(doc, "product_type_id"),
            req.lang == crate::error::Lang::De,
        ),
    );
    set(
        &mut out,
        "approval_status_msg",
        req.label("approval_status", sr(doc, "approval_status")),
    );
    set(
        &mut out,
        "approval_status_list",
        approval_list(req, doc, true),
    );
    out
}

/// `getProduct(product_id)`.
pub fn get_product(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("product_id")?;
    let doc = must(tx, kind::PRODUCT, &id, Entity::Product)?;
    Ok(json!({ "product": render_product(tx, req, doc) }))
}

/// `listProducts(sort_by)`.
pub fn list_products(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let sort = req
        .p
        .opt_enum("sort_by", &["name", "group"])?
        .unwrap_or_else(|| "name".into());
    let mut rows: Vec<Value> = tx
        .all(kind::PRODUCT)
        .map(|(_, doc)| {
            let mut row = pick(
                doc,
                &[
                    "id",
                    "name_intern",
                    "note",
                    "tag",
                    "language",
                    "currency",
                    "product_group_id",
                    "product_type_id",
                    "is_active",
                    "units_left",
                    "created_at",
                    "modified_at",
                ],
            );
            set(&mut row, "name", display_name(doc));
            set(
                &mut row,
                "product_group_name",
                group_name(tx, sr(doc, "product_group_id")),
            );
            set(
                &mut row,
                "approval_status_list",
                approval_list(req, doc, true),
            );
            row
        })
        .collect();
    let key = |r: &Value| s(r, "name").to_lowercase();
    if sort == "group" {
        rows.sort_by(|a, b| {
            let ga = tx
                .get(kind::PRODUCT_GROUP, sr(a, "product_group_id"))
                .map_or(i64::MAX, |g| crate::model::int(g, "position"));
            let gb = tx
                .get(kind::PRODUCT_GROUP, sr(b, "product_group_id"))
                .map_or(i64::MAX, |g| crate::model::int(g, "position"));
            ga.cmp(&gb).then_with(|| key(a).cmp(&key(b)))
        });
    } else {
        rows.sort_by_key(key);
    }
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

/// Applies `data[...]` product fields to `doc`. Returns whether anything changed.
#[allow(clippy::too_many_lines)]
fn apply_product_data(
    tx: &Tx<'_>,
    req: &Req<'_>,
    doc: &mut Value,
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
        set(doc, "language", l);
    }
    let lang = s(doc, "language");
    let lang_field = |base: &str| -> String {
        match lang.as_str() {
            "en" => format!("{base}_en"),
            "es" => format!("{base}_es"),
            _ => format!("{base}_de"),
        }
    };
    if let Some(n) = data.raw_str("name") {
        check_len(&data.path("name"), &n, 63)?;
        set(doc, &lang_field("name"), n.trim());
    }
    if let Some(d) = data.raw_str("description") {
        set(doc, &lang_field("description"), d);
    }
    for f in ["name_intern", "name_de", "name_en", "name_es"] {
        if let Some(v) = data.raw_str(f) {
            check_len(&data.path(f), &v, 63)?;
            set(doc, f, v.trim());
        }
    }
    for f in ["description_de", "description_en", "description_es"] {
        if let Some(v) = data.raw_str(f) {
            set(doc, f, v);
        }
    }
    for f in [
        "salespage_url",
        "upsell_salespage_url",
        "thankyou_url",
        "image_url",
    ] {
        if let Some(v) = data.raw_str(f) {
            let v = v.trim().to_string();
            check_url(&data.path(f), &v)?;
            set(doc, f, v);
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
        set(doc, "product_type_id", t);
    }
    if let Some(g) = data.raw_str("product_group_id") {
        let g = g.trim().to_string();
        if !g.is_empty() && g != "0" && !tx.exists(kind::PRODUCT_GROUP, &g) {
            return Err(ApiError::not_found(Entity::ProductGroup, &g));
        }
        set(
            doc,
            "product_group_id",
            if g == "0" { String::new() } else { g },
        );
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
        set(doc, "currency", codes.join(","));
    }
    match data.get("approval_status") {
        Some(Value::Object(m)) => {
            let mut list = doc
                .get("approval_status_list")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            for (reseller, st) in m {
                let st = crate::params::scalar(st).unwrap_or_default();
                if !reference::RESELLERS.iter().any(|r| r.0 == reseller) {
                    return Err(ApiError::invalid(
                        &format!("{}[{reseller}]", data.path("approval_status")),
                        "unbekannter Reseller (1 DE, 2 US, 3 UK, 4 IE).",
                        "unknown reseller (1 DE, 2 US, 3 UK, 4 IE).",
                    ));
                }
                if !matches!(st.as_str(), "new" | "pending") {
                    return Err(ApiError::invalid(
                        &format!("{}[{reseller}]", data.path("approval_status")),
                        "erlaubt sind new und pending.",
                        "allowed values are new and pending.",
                    ));
                }
                list.insert(reseller.clone(), json!(st));
            }
            set(doc, "approval_status_list", Value::Object(list));
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
                let mut list = doc
                    .get("approval_status_list")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                match reseller {
                    Some(r) => {
                        list.insert(r, json!(status));
                    }
                    None => {
                        for v in list.values_mut() {
                            *v = json!(status);
                        }
                        set(doc, "approval_status", status.clone());
                    }
                }
                set(doc, "approval_status_list", Value::Object(list));
            }
        }
        None => {}
    }
    for f in ["affiliate_commission", "affiliate_commision"] {
        if let Some(c) = data.opt_money(f)? {
            if !(0..=10_000).contains(&c) {
                return Err(ApiError::invalid(
                    &data.path(f),
                    "die Provision muss zwischen 0 und 100 % liegen.",
                    "the commission must be between 0 and 100 %.",
                ));
            }
            set(doc, "affiliate_commission", money(c));
        }
    }
    if let Some(b) = data.opt_enum("buyer_type", &["consumer", "business"])? {
        set(doc, "buyer_type", b);
    }
    for f in [
        "is_address_input_mandatory",
        "add_order_data_to_thankyou_page_url",
        "is_active",
    ] {
        if let Some(b) = data.opt_bool(f)? {
            set(doc, f, crate::model::yn(b));
        }
    }
    if let Some(n) = data.raw_str("note") {
        // Digistore24 silently keeps 47 characters.
        set(doc, "note", n.chars().take(47).collect::<String>());
    }
    for f in ["default_quantity", "max_quantity"] {
        if data.has(f) {
            let q = data.int_in(f, 1, 1, 10_000)?;
            set(doc, f, q.to_string());
        }
    }
    let changed = strip_modified(&before) != strip_modified(doc);
    if changed {
        set(doc, "modified_at", req.now_s());
    }
    Ok(changed)
}

fn strip_modified(v: &Value) -> Value {
    let mut v = v.clone();
    if let Value::Object(m) = &mut v {
        m.remove("modified_at");
    }
    v
}

/// `createProduct(data)`.
pub fn create_product(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let data = req.p.obj("data")?;
    let id = tx
        .next_id(kind::PRODUCT, crate::seed::FIRST_PRODUCT_ID)
        .to_string();
    let mut doc = product_doc(&id, req.now);
    set(
        &mut doc,
        "language",
        if req.lang == crate::error::Lang::En {
            "en"
        } else {
            "de"
        },
    );
    apply_product_data(tx, req, &mut doc, &data)?;
    if display_name(&doc).is_empty() {
        return Err(ApiError::missing(&data.path("name_intern")));
    }
    if s(&doc, "name_intern").is_empty() {
        let n = display_name(&doc);
        set(&mut doc, "name_intern", n);
    }
    set(&mut doc, "modified_at", req.now_s());
    tx.put(kind::PRODUCT, &id, doc);
    Ok(json!({ "product_id": id }))
}

/// `updateProduct(product_id, data)`.
pub fn update_product(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("product_id")?;
    let data = req.p.obj("data")?;
    let mut doc = must(tx, kind::PRODUCT, &id, Entity::Product)?.clone();
    let changed = apply_product_data(tx, req, &mut doc, &data)?;
    if changed {
        tx.put(kind::PRODUCT, &id, doc);
    }
    Ok(json!({ "modified": yn(changed) }))
}

/// `copyProduct(product_id, data)`: copies the product and its payment plans.
pub fn copy_product(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("product_id")?;
    let src = must(tx, kind::PRODUCT, &id, Entity::Product)?.clone();
    let data = req.p.opt_obj("data")?;
    let new_id = tx
        .next_id(kind::PRODUCT, crate::seed::FIRST_PRODUCT_ID)
        .to_string();
    let mut doc = src.clone();
    set(&mut doc, "id", new_id.clone());
    set(&mut doc, "created_at", req.now_s());
    set(&mut doc, "modified_at", req.now_s());
    set(&mut doc, "approval_status", "new");
    set(
        &mut doc,
        "approval_status_list",
        json!({"1": "new", "2": "new", "3": "new", "4": "new"}),
    );
    let suffix = req.msg(" (Kopie)", " (copy)");
    let intern = format!("{}{}", s(&src, "name_intern"), suffix);
    set(
        &mut doc,
        "name_intern",
        intern.chars().take(63).collect::<String>(),
    );
    if let Some(data) = data {
        apply_product_data(tx, req, &mut doc, &data)?;
    }
    tx.put(kind::PRODUCT, &new_id, doc);
    let plans: Vec<Value> = tx
        .all(kind::PAYMENT_PLAN)
        .filter(|(_, p)| sr(p, "product_id") == id)
        .map(|(_, p)| p.clone())
        .collect();
    for mut plan in plans {
        let pid = tx.next_id(kind::PAYMENT_PLAN, 99_800).to_string();
        set(&mut plan, "id", pid.clone());
        set(&mut plan, "product_id", new_id.clone());
        set(&mut plan, "created_at", req.now_s());
        set(&mut plan, "modified_at", req.now_s());
        tx.put(kind::PAYMENT_PLAN, &pid, plan);
    }
    Ok(json!({ "product_id": new_id }))
}

/// `deleteProduct(product_id)`: removes the product with its payment plans and upsells.
pub fn delete_product(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("product_id")?;
    must(tx, kind::PRODUCT, &id, Entity::Product)?;
    tx.delete(kind::PRODUCT, &id);
    let plans: Vec<String> = tx
        .all(kind::PAYMENT_PLAN)
        .filter(|(_, p)| sr(p, "product_id") == id)
        .map(|(k, _)| k.to_string())
        .collect();
    for p in plans {
        tx.delete(kind::PAYMENT_PLAN, &p);
    }
    tx.delete(kind::UPSELLS, &id);
    Ok(json!({ "is_deleted": "Y" }))
}

// ---------------------------------------------------------------- product groups

fn apply_group_data(doc: &mut Value, data: &View<'_>) -> Result<(), ApiError> {
    if let Some(n) = data.raw_str("name") {
        let n = n.trim().to_string();
        if n.is_empty() {
            return Err(ApiError::missing(&data.path("name")));
        }
        check_len(&data.path("name"), &n, 31)?;
        set(doc, "name", n);
    }
    if data.has("position") {
        let p = data.int_in("position", 0, 0, 1_000_000)?;
        set(doc, "position", p.to_string());
    }
    if let Some(b) = data.opt_bool("is_shown_as_tab")? {
        set(doc, "is_shown_as_tab", crate::model::yn(b));
    }
    Ok(())
}

fn render_group(doc: &Value) -> Value {
    pick(
        doc,
        &[
            "id",
            "name",
            "position",
            "is_shown_as_tab",
            "created_at",
            "modified_at",
        ],
    )
}

/// `createProductGroup(data)`.
pub fn create_product_group(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let data = req.p.obj("data")?;
    data.str("name")?;
    let id = tx.next_id(kind::PRODUCT_GROUP, 21).to_string();
    let mut doc = json!({
        "id": id, "name": "", "position": ((tx.count(kind::PRODUCT_GROUP) + 1) * 10).to_string(),
        "is_shown_as_tab": "N", "created_at": req.now_s(), "modified_at": req.now_s(),
    });
    apply_group_data(&mut doc, &data)?;
    tx.put(kind::PRODUCT_GROUP, &id, doc);
    Ok(json!({ "product_group_id": id }))
}

/// `updateProductGroup(product_group_id, data)`.
pub fn update_product_group(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("product_group_id")?;
    let data = req.p.obj("data")?;
    let before = must(tx, kind::PRODUCT_GROUP, &id, Entity::ProductGroup)?.clone();
    let mut doc = before.clone();
    apply_group_data(&mut doc, &data)?;
    let changed = doc != before;
    if changed {
        set(&mut doc, "modified_at", req.now_s());
        tx.put(kind::PRODUCT_GROUP, &id, doc);
    }
    Ok(json!({ "is_modified": yn(changed) }))
}

/// `getProductGroup(product_group_id)`.
pub fn get_product_group(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("product_group_id")?;
    let doc = must(tx, kind::PRODUCT_GROUP, &id, Entity::ProductGroup)?;
    Ok(json!({ "product_group": render_group(doc) }))
}

/// `listProductGroups()`.
pub fn list_product_groups(tx: &mut Tx<'_>, _req: &Req<'_>) -> Result<Value, ApiError> {
    let mut rows: Vec<Value> = tx
        .all(kind::PRODUCT_GROUP)
        .map(|(_, d)| render_group(d))
        .collect();
    rows.sort_by_key(|r| crate::model::int(r, "position"));
    Ok(json!({ "product_groups": rows }))
}

/// `deleteProductGroup(product_group_id)`: products of the group become ungrouped.
pub fn delete_product_group(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("product_group_id")?;
    must(tx, kind::PRODUCT_GROUP, &id, Entity::ProductGroup)?;
    tx.delete(kind::PRODUCT_GROUP, &id);
    let members: Vec<String> = tx
        .all(kind::PRODUCT)
        .filter(|(_, p)| sr(p, "product_group_id") == id)
        .map(|(k, _)| k.to_string())
        .collect();
    for m in members {
        if let Some(p) = tx.get_mut(kind::PRODUCT, &m) {
            set(p, "product_group_id", "");
        }
    }
    Ok(json!({ "is_deleted": "Y" }))
}

// ---------------------------------------------------------------- payment plans

const CANCEL_POLICIES: &[&str] = &[
    "6m_0", "6m_6m", "6m_12m", "12m_0", "12m_3m", "12m_6m", "12m_12m", "24m_0", "24m_6m", "24m_12m",
];

fn apply_plan_data(doc: &mut Value, data: &View<'_>) -> Result<(), ApiError> {
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
        if !reference::is_currency(&c) {
            return Err(ApiError::invalid(
                &data.path("currency"),
                &format!("unbekannte Währung '{c}'."),
                &format!("unknown currency '{c}'."),
            ));
        }
        set(doc, "currency", c);
    }
    for f in ["first_billing_interval", "other_billing_intervals"] {
        if let Some(i) = data.opt_str(f) {
            if time::parse_interval(&i).is_none() {
                return Err(ApiError::invalid(
                    &data.path(f),
                    &format!("'{i}' ist kein Intervall (z. B. 1_month, 14_day)."),
                    &format!("'{i}' is not an interval (e.g. 1_month, 14_day)."),
                ));
            }
            set(doc, f, i);
        }
    }
    if data.has("number_of_installments") {
        let n = data.int_in("number_of_installments", 0, 0, 120)?;
        set(doc, "number_of_installments", n.to_string());
    }
    if let Some(b) = data.opt_bool("is_active")? {
        set(doc, "is_active", crate::model::yn(b));
    }
    if let Some(b) = data.opt_bool("is_switching_allowed")? {
        set(doc, "is_switching_allowed", crate::model::yn(b));
    }
    if let Some(c) = data.opt_enum("cancel_policy", CANCEL_POLICIES)? {
        set(doc, "cancel_policy", c);
    }
    if data.has("position") {
        let p = data.int_in("position", 1, 0, 1_000)?;
        set(doc, "position", p.to_string());
    }
    Ok(())
}

fn plan_is_valid(doc: &Value) -> bool {
    let installments = crate::model::int(doc, "number_of_installments");
    let recurring = installments != 1;
    let has_interval = time::parse_interval(sr(doc, "first_billing_interval")).is_some()
        || time::parse_interval(sr(doc, "other_billing_intervals")).is_some();
    crate::model::cents(doc, "first_amount") > 0 && (!recurring || has_interval)
}

/// `createPaymentplan(product_id, data)`.
pub fn create_paymentplan(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let product_id = req.p.str("product_id")?;
    let data = req.p.obj("data")?;
    let product = must(tx, kind::PRODUCT, &product_id, Entity::Product)?;
    let currency = s(product, "currency")
        .split(',')
        .next()
        .unwrap_or("EUR")
        .to_string();
    data.money("first_amount")?;
    let position = tx
        .all(kind::PAYMENT_PLAN)
        .filter(|(_, p)| sr(p, "product_id") == product_id)
        .count()
        + 1;
    let id = tx.next_id(kind::PAYMENT_PLAN, 99_800).to_string();
    let now = req.now_s();
    let mut doc = plan_doc(&id, &product_id, 0, 0, &currency, 1, "", position, &now);
    apply_plan_data(&mut doc, &data)?;
    if !data.has("other_amounts") && crate::model::int(&doc, "number_of_installments") != 1 {
        let first = s(&doc, "first_amount");
        set(&mut doc, "other_amounts", first);
    }
    if s(&doc, "other_billing_intervals").is_empty() {
        let first = s(&doc, "first_billing_interval");
        set(&mut doc, "other_billing_intervals", first);
    }
    let valid = plan_is_valid(&doc);
    tx.put(kind::PAYMENT_PLAN, &id, doc);
    Ok(json!({ "paymentplan_id": id, "is_valid": yn(valid) }))
}

/// `listPaymentPlans(product_id)`: a bare array, as documented.
pub fn list_payment_plans(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let product_id = req.p.str("product_id")?;
    must(tx, kind::PRODUCT, &product_id, Entity::Product)?;
    let mut rows: Vec<Value> = tx
        .all(kind::PAYMENT_PLAN)
        .filter(|(_, p)| sr(p, "product_id") == product_id)
        .map(|(_, p)| p.clone())
        .collect();
    rows.sort_by_key(|r| crate::model::int(r, "position"));
    Ok(Value::Array(rows))
}

/// `updatePaymentplan(paymentplan_id, data)`.
pub fn update_paymentplan(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("paymentplan_id")?;
    let data = req.p.obj("data")?;
    let before = must(tx, kind::PAYMENT_PLAN, &id, Entity::PaymentPlan)?.clone();
    let mut doc = before.clone();
    apply_plan_data(&mut doc, &data)?;
    let changed = doc != before;
    if changed {
        set(&mut doc, "modified_at", req.now_s());
        tx.put(kind::PAYMENT_PLAN, &id, doc);
    }
    Ok(json!({ "is_modified": yn(changed) }))
}

/// `deletePaymentplan(paymentplan_id)`.
pub fn delete_paymentplan(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("paymentplan_id")?;
    must(tx, kind::PAYMENT_PLAN, &id, Entity::PaymentPlan)?;
    tx.delete(kind::PAYMENT_PLAN, &id);
    Ok(json!({ "is_deleted": "Y" }))
}

// ---------------------------------------------------------------- upsells

fn is_upsell_key(k: &str) -> bool {
    (1..=5).contains(&k.len()) && k.starts_with('y') && k.chars().all(|c| c == 'y' || c == 'n')
}

fn upsell_map(tx: &Tx<'_>, product_id: &str) -> Map<String, Value> {
    tx.get(kind::UPSELLS, product_id)
        .and_then(|d| d.get("upsells"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// `getUpsells(product_id)`.
pub fn get_upsells(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("product_id")?;
    must(tx, kind::PRODUCT, &id, Entity::Product)?;
    let map: Map<String, Value> = upsell_map(tx, &id)
        .into_iter()
        .map(|(k, v)| {
            let n = crate::params::scalar(&v)
                .and_then(|x| x.parse::<i64>().ok())
                .map_or(v, Value::from);
            (k, n)
        })
        .collect();
    Ok(json!({ "product_id": id, "upsells": map, "product_options": {} }))
}

/// `updateUpsells(product_id, data)`: `data[y]=51&data[yn]=52`; an empty value removes a step.
pub fn update_upsells(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("product_id")?;
    let data = req.p.obj("data")?;
    must(tx, kind::PRODUCT, &id, Entity::Product)?;
    let before = upsell_map(tx, &id);
    let mut map = before.clone();
    for (k, v) in data.entries() {
        if !is_upsell_key(k) {
            return Err(ApiError::invalid(
                &data.path(k),
                "Schlüssel sind 1–5 Zeichen aus y/n und beginnen mit y (y, yy, yn, ...).",
                "keys are 1-5 characters of y/n starting with y (y, yy, yn, ...).",
            ));
        }
        let target = crate::params::scalar(v).unwrap_or_default();
        let target = target.trim();
        if target.is_empty() || target == "0" {
            map.remove(k);
            continue;
        }
        if !tx.exists(kind::PRODUCT, target) {
            return Err(ApiError::not_found(Entity::Product, target));
        }
        map.insert(k.clone(), json!(target));
    }
    let changed = map != before;
    if changed {
        tx.put(
            kind::UPSELLS,
            &id,
            json!({"product_id": id, "upsells": Value::Object(map)}),
        );
    }
    Ok(json!({ "is_modified": yn(changed) }))
}

/// `deleteUpsells(product_id)`.
pub fn delete_upsells(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("product_id")?;
    must(tx, kind::PRODUCT, &id, Entity::Product)?;
    let had = !upsell_map(tx, &id).is_empty();
    tx.delete(kind::UPSELLS, &id);
    Ok(json!({ "is_modified": yn(had) }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_public_https() {
        assert!(check_url("u", "https://example.com/x").is_ok());
        assert!(check_url("u", "").is_ok());
        assert!(check_url("u", "http://example.com").is_err());
        assert!(check_url("u", "https://localhost/x").is_err());
        assert!(check_url("u", "https://127.0.0.1/x").is_err());
    }

    #[test]
    fn upsell_keys() {
        assert!(is_upsell_key("y"));
        assert!(is_upsell_key("ynyny"));
        assert!(!is_upsell_key("n"));
        assert!(!is_upsell_key("yyyyyy"));
        assert!(!is_upsell_key("yx"));
    }
}

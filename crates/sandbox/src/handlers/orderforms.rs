//! The orderforms toolset: order forms and their option lists.

use serde_json::{Map, Value, json};

use crate::documents::{Document, Orderform, PaymentPlan, Product, wire};
use crate::error::{ApiError, Entity, Lang};
use crate::params::{View, scalar};
use crate::request::{LANGUAGES, Req, check_len, must, yn};
use crate::store::Tx;

const FIRST_ID: i64 = 3181;

const POSITIONS: &[&str] = &[
    "before_playplan",
    "after_payplan",
    "before_checkout",
    "before_pay_button",
    "after_pay_button",
];

fn apply_data(tx: &Tx<'_>, doc: &mut Orderform, data: &View<'_>) -> Result<(), ApiError> {
    if let Some(n) = data.raw_str("name") {
        let n = n.trim().to_string();
        if n.is_empty() {
            return Err(ApiError::missing(&data.path("name")));
        }
        check_len(&data.path("name"), &n, 63)?;
        doc.name = n;
    }
    if let Some(l) = data.opt_str("layout") {
        if !matches!(l.as_str(), "widget" | "legacy") {
            return Err(ApiError::invalid(
                &data.path("layout"),
                "nur widget und legacy können angelegt werden (responsive nicht).",
                "only widget and legacy can be created (not responsive).",
            ));
        }
        doc.layout = l;
    }
    if let Some(v) = data.opt_enum("background_style", &["white", "blue"])? {
        doc.background_style = v;
    }
    if let Some(v) = data.opt_enum("step_count", &["1", "2", "3"])? {
        doc.step_count = v;
    }
    let enums: [(&str, &[&str]); 7] = [
        ("shipping_position", &["after_cart", "before_cart"]),
        // The display order of the three blocks, comma-joined.
        (
            "flex_elements_order",
            &[
                "order_bumper,order_summary,refund_waiver",
                "order_bumper,refund_waiver,order_summary",
                "order_summary,order_bumper,refund_waiver",
                "order_summary,refund_waiver,order_bumper",
                "refund_waiver,order_bumper,order_summary",
                "refund_waiver,order_summary,order_bumper",
            ],
        ),
        ("tab_style", &["bigtabs", "image", "image_url"]),
        ("order_bump_style", &["none", "dashed"]),
        ("orderbump_position", POSITIONS),
        ("refund_waiver_position", POSITIONS),
        ("theme", &["default", "light", "dark", "classic"]),
    ];
    let set = |doc: &mut Orderform, k: &str, v: Value| {
        doc.settings.insert(k.to_string(), v);
    };
    for (field, allowed) in enums {
        if let Some(v) = data.opt_enum(field, allowed)? {
            set(doc, field, json!(v));
        }
    }
    if let Some(p) = data.opt_str("orderbump_product_id") {
        must::<Product>(tx, &p, Entity::Product)?;
        set(doc, "orderbump_product_id", json!(p));
    }
    if let Some(p) = data.opt_str("product_id") {
        must::<Product>(tx, &p, Entity::Product)?;
        set(doc, "product_id", json!(p));
    }
    if let Some(p) = data.opt_str("paymentplan_id") {
        must::<PaymentPlan>(tx, &p, Entity::PaymentPlan)?;
        set(doc, "paymentplan_id", json!(p));
    }
    for f in ["is_active", "is_default"] {
        if let Some(b) = data.opt_bool(f)? {
            set(doc, f, yn(b));
        }
    }
    if let Some(l) = data.opt_enum("language", LANGUAGES)? {
        set(doc, "language", json!(l));
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
        if free && let Some(text) = scalar(v) {
            set(doc, k, json!(text));
        }
    }
    for f in ["custom_fields", "upsell_settings"] {
        if let Some(v) = data.get(f) {
            set(doc, f, v.clone());
        }
    }
    Ok(())
}

/// `createOrderform(data)`.
pub fn create_orderform(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let data = req.p.obj("data")?;
    data.str("name")?;
    let id = tx.next_id(Orderform::KIND, FIRST_ID).to_string();
    let mut settings = Map::new();
    settings.insert("is_active".into(), json!("Y"));
    settings.insert("is_default".into(), json!("N"));
    let mut doc = Orderform {
        id: id.clone(),
        name: String::new(),
        layout: "widget".into(),
        step_count: "1".into(),
        background_style: "white".into(),
        created_at: req.now_s(),
        modified_at: req.now_s(),
        settings,
    };
    apply_data(tx, &mut doc, &data)?;
    tx.put(doc);
    Ok(json!({ "orderform_id": id }))
}

/// `getOrderform(orderform_id)`.
pub fn get_orderform(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("orderform_id")?;
    let doc = must::<Orderform>(tx, &id, Entity::Orderform)?;
    Ok(json!({ "orderform": wire(doc) }))
}

/// `getOrderformMetas()`: placeholders and option labels for order forms.
pub fn get_orderform_metas(_tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let de = req.lang == Lang::De;
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
        .all::<Orderform>()
        .filter(|d| want == "all" || d.layout == want)
        .map(Orderform::list_row)
        .collect();
    Ok(json!({ "orderforms": rows, "layout": layout }))
}

/// `updateOrderform(orderform_id, data)`.
pub fn update_orderform(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("orderform_id")?;
    let data = req.p.obj("data")?;
    let before = must::<Orderform>(tx, &id, Entity::Orderform)?.clone();
    let mut doc = before.clone();
    if data.has("layout") {
        return Err(ApiError::invalid(
            &data.path("layout"),
            "das Layout eines Bestellformulars kann nicht geändert werden.",
            "the layout of an order form cannot be changed.",
        ));
    }
    apply_data(tx, &mut doc, &data)?;
    let changed = doc != before;
    if changed {
        doc.modified_at = req.now_s();
        tx.put(doc);
    }
    Ok(json!({ "is_modified": yn(changed) }))
}

/// `deleteOrderform(orderform_id)`.
pub fn delete_orderform(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("orderform_id")?;
    must::<Orderform>(tx, &id, Entity::Orderform)?;
    tx.delete::<Orderform>(&id);
    Ok(json!({ "is_deleted": "Y" }))
}

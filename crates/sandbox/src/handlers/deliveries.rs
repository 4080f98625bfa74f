//! The deliveries toolset: physical deliveries, their status and parcel tracking.

use serde_json::{Value, json};

use crate::documents::{Buyer, Delivery, DeliveryContext, Parcel, Product, Purchase};
use crate::error::{ApiError, Entity, Lang};
use crate::params::Params;
use crate::request::{Req, enum_list, must, yn};
use crate::store::Tx;
use crate::time::{self, DateEnd};

const DELIVERY_TYPES: &[&str] = &[
    "request",
    "in_progress",
    "delivery",
    "partial_delivery",
    "return",
    "cancel",
];

fn render(tx: &Tx<'_>, req: &Req<'_>, d: &Delivery, full: bool) -> Value {
    let purchase = tx.get::<Purchase>(&d.purchase_id);
    let product = tx.get::<Product>(&d.product_id);
    let name = product.map(Product::display_name).unwrap_or_default();
    d.render(
        req.lang,
        &DeliveryContext {
            purchase_created_at: purchase.map_or("", |p| p.created_at.as_str()),
            auth_key: purchase.map_or("", |p| p.auth_key.as_str()),
            buyer: purchase.and_then(|p| tx.get::<Buyer>(&p.buyer_id)),
            product_name: &name,
            product_type_id: product.map_or("", |p| p.product_type_id.as_str()),
        },
        full,
    )
}

/// `listDeliveries(search)`: `search[type]=request,partial_delivery` lists open deliveries.
pub fn list_deliveries(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let empty = Params::default();
    let search = req.obj_or_empty("search", &empty)?;
    let types = enum_list(&search, "type", DELIVERY_TYPES)?;
    let from = search
        .opt_time("from", req.now, req.start, DateEnd::Start)?
        .map(time::fmt);
    let to = search
        .opt_time("to", req.now, req.start, DateEnd::End)?
        .map(time::fmt);
    let purchase = search.opt_str("purchase_id");
    let processed = search.opt_bool("is_processed")?;
    let test = search.opt_enum("is_test_order", &["Y", "N"])?;
    let same_as = match search.opt_str("same_address_as") {
        Some(id) => {
            let d = must::<Delivery>(tx, &id, Entity::Delivery)?;
            let p = tx.get::<Purchase>(&d.purchase_id);
            Some(p.map(|p| p.buyer_id.clone()).unwrap_or_default())
        }
        None => None,
    };
    let rows: Vec<Value> = tx
        .all::<Delivery>()
        .filter(|d| types.as_ref().is_none_or(|t| t.contains(&d.kind)))
        .filter(|d| from.as_ref().is_none_or(|f| d.created_at >= *f))
        .filter(|d| to.as_ref().is_none_or(|t| d.created_at <= *t))
        .filter(|d| purchase.as_ref().is_none_or(|p| d.purchase_id == *p))
        .filter(|d| processed.is_none_or(|b| b != d.processed_at.is_empty()))
        .filter(|d| test.as_ref().is_none_or(|t| (t == "Y") == d.is_test_order))
        .filter(|d| {
            same_as.as_ref().is_none_or(|buyer| {
                tx.get::<Purchase>(&d.purchase_id)
                    .is_some_and(|p| p.buyer_id == *buyer)
            })
        })
        .map(|d| render(tx, req, d, false))
        .collect();
    Ok(json!({ "delivery": rows }))
}

/// `getDelivery(delivery_id, set_in_progress)`: `set_in_progress=Y` (full key) moves a
/// request to in_progress.
pub fn get_delivery(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("delivery_id")?;
    let set_progress = req.p.bool_or("set_in_progress", false)?;
    must::<Delivery>(tx, &id, Entity::Delivery)?;
    let mut moved = false;
    let mut fail = String::new();
    if set_progress {
        req.require_full()?;
        let now = req.now_s();
        if let Some(d) = tx.get_mut::<Delivery>(&id) {
            if d.kind == "request" {
                d.kind = "in_progress".into();
                d.modified_at = now;
                moved = true;
            } else {
                fail = match req.lang {
                    Lang::De => format!("Die Lieferung hat den Status '{}'.", d.kind),
                    Lang::En => format!("The delivery has the status '{}'.", d.kind),
                };
            }
        }
    }
    let d = must::<Delivery>(tx, &id, Entity::Delivery)?;
    Ok(json!({
        "delivery": render(tx, req, d, true),
        "is_set_in_progress": yn(moved),
        "set_in_progress_fail_reason": fail,
    }))
}

/// `updateDelivery(delivery_id, data, tracking, notify_via_email)`.
pub fn update_delivery(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("delivery_id")?;
    // openapi.yaml makes `data` optional (catalog.json says required): a tracking number alone
    // is the everyday update, so both readings are accepted.
    let data = req.p.obj_or_empty("data")?;
    let before = must::<Delivery>(tx, &id, Entity::Delivery)?.clone();
    req.p.opt_bool("notify_via_email")?;
    let mut doc = before.clone();
    let total = doc.quantity_total;
    if let Some(t) = data.opt_enum("type", DELIVERY_TYPES)? {
        doc.kind = t;
    }
    if let Some(shipped) = data.opt_bool("is_shipped")? {
        if shipped {
            doc.kind = "delivery".into();
            doc.quantity_delivered = total;
        } else {
            doc.kind = "cancel".into();
        }
    }
    let mut delivered = doc.quantity_delivered;
    if data.has("quantity_delivered") {
        delivered = data.int_in("quantity_delivered", 0, 0, total)?;
    }
    if data.has("add_quantity_delivered") {
        let add = data.int_in("add_quantity_delivered", 0, 0, total)?;
        delivered += add;
        if delivered > total {
            return Err(ApiError::invalid(
                &data.path("add_quantity_delivered"),
                &format!("es sind nur {total} Stück zu liefern."),
                &format!("only {total} units are to be delivered."),
            ));
        }
    }
    if data.has("quantity_delivered") || data.has("add_quantity_delivered") {
        doc.quantity_delivered = delivered;
        if !data.has("type") && !data.has("is_shipped") {
            doc.kind = if delivered >= total {
                "delivery"
            } else {
                "partial_delivery"
            }
            .into();
        }
    }
    if let Some(from) = data.opt_str("is_shipped_by_reseller_from") {
        doc.is_shipped_by_reseller_from = from;
    }
    for t in req.p.list_obj("tracking")? {
        let tid = t.str("tracking_id")?;
        let op = t
            .opt_enum("operation", &["create_or_update", "delete"])?
            .unwrap_or_else(|| "create_or_update".into());
        doc.tracking.retain(|x| x.tracking_id != tid);
        if op == "create_or_update" {
            let expect =
                match t.opt_time("expect_delivery_at", req.now, req.start, DateEnd::Start)? {
                    Some(x) => time::fmt_date(x.date()),
                    None => String::new(),
                };
            let qty = t.int_in("quantity", total.max(1), 0, total.max(1))?;
            doc.tracking.push(Parcel {
                parcel_service: t.opt_str("parcel_service").unwrap_or_default(),
                tracking_id: tid,
                expect_delivery_at: expect,
                quantity: qty.to_string(),
            });
        }
    }
    let changed = doc != before;
    if changed {
        if matches!(doc.kind.as_str(), "delivery" | "partial_delivery")
            && doc.processed_at.is_empty()
        {
            doc.processed_at = req.now_s();
            doc.processed_by = "API".into();
        }
        doc.modified_at = req.now_s();
        tx.put(doc);
    }
    Ok(json!({ "is_modified": yn(changed) }))
}

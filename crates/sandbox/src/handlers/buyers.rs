//! The buyers toolset: buyers (customers) and their addresses.

use serde_json::{Map, Value, json};

use crate::documents::Buyer;
use crate::error::{ApiError, Entity};
use crate::request::{Req, check_email, must, paginate, yn};
use crate::store::Tx;

/// `getBuyer(buyer_id)`.
pub fn get_buyer(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("buyer_id")?;
    let b = must::<Buyer>(tx, &id, Entity::Buyer)?;
    Ok(json!({ "buyer": b.render() }))
}

/// `updateBuyer(buyer_id, data)`.
pub fn update_buyer(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("buyer_id")?;
    let data = req.p.obj("data")?;
    let before = must::<Buyer>(tx, &id, Entity::Buyer)?.clone();
    let mut doc = before.clone();
    if let Some(e) = data.raw_str("email") {
        doc.email = check_email(&data.path("email"), &e)?;
    }
    if let Some(sal) = data.raw_str("salutation") {
        let sal = sal.trim().to_uppercase();
        if !matches!(sal.as_str(), "" | "M" | "F") {
            return Err(ApiError::invalid(
                &data.path("salutation"),
                "erlaubt sind '', M und F.",
                "allowed values are '', M and F.",
            ));
        }
        doc.salutation = sal;
    }
    if let Some(c) = data.raw_str("country") {
        let c = c.trim().to_uppercase();
        if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(ApiError::invalid(
                &data.path("country"),
                "zweistelliger Ländercode erwartet (z. B. DE).",
                "a two-letter country code is expected (e.g. DE).",
            ));
        }
        doc.country = c;
    }
    let fields: [(&str, &mut String); 10] = [
        ("first_name", &mut doc.first_name),
        ("last_name", &mut doc.last_name),
        ("title", &mut doc.title),
        ("company", &mut doc.company),
        ("street_name", &mut doc.street_name),
        ("street_number", &mut doc.street_number),
        ("phone_number", &mut doc.phone_no),
        ("city", &mut doc.city),
        ("zipcode", &mut doc.zipcode),
        ("state", &mut doc.state),
    ];
    for (wire, slot) in fields {
        if let Some(v) = data.raw_str(wire) {
            *slot = v.trim().to_string();
        }
    }
    if let Some(v) = data.raw_str("phone_no") {
        doc.phone_no = v.trim().to_string();
    }
    let changed = doc != before;
    if changed {
        tx.put(doc);
    }
    Ok(json!({ "is_modified": yn(changed) }))
}

/// `listBuyers(page_no, page_size)`.
pub fn list_buyers(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let rows: Vec<&Buyer> = tx.all::<Buyer>().collect();
    let (page_rows, page) = paginate(&req.p, rows, 100, 1000)?;
    let mut out = Map::new();
    page.write(&mut out);
    out.insert(
        "items".into(),
        Value::Array(page_rows.into_iter().map(Buyer::render).collect()),
    );
    Ok(Value::Object(out))
}

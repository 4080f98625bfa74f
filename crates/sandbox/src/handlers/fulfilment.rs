//! Fulfilment: e-tickets (with templates and locations), physical deliveries and service proof
//! requests.

use serde_json::{Map, Value, json};

use super::{Req, must, yn};
use crate::error::{ApiError, Entity, Lang};
use crate::model::{self, kind, pick, s, set, sr};
use crate::reference;
use crate::store::Tx;
use crate::time::{self, DateEnd};

// ---------------------------------------------------------------- e-tickets

const ETICKET_FIELDS: &[&str] = &[
    "id",
    "download_url",
    "date_id",
    "date",
    "hint",
    "location_id",
    "template_id",
    "purchase_id",
    "purchase_item_id",
    "no",
    "count",
    "days",
    "email",
    "first_name",
    "last_name",
    "salutation",
    "title",
    "language",
    "used_at",
    "is_blocked",
    "note",
    "product_id",
];

fn date_param(req: &Req<'_>, name: &str) -> Result<Option<String>, ApiError> {
    Ok(req
        .time(name, DateEnd::Start)?
        .map(|t| time::fmt_date(t.date())))
}

/// `createEticket(buyer, product_id, location_id, template_id, date, days, note, count)`.
pub fn create_eticket(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let buyer = req.p.obj("buyer")?;
    let email = buyer.str("email")?;
    if !email.contains('@') {
        return Err(ApiError::invalid(
            &buyer.path("email"),
            "keine gültige E-Mail-Adresse.",
            "not a valid e-mail address.",
        ));
    }
    let salutation = buyer
        .opt_enum("salutation", &["m", "f", "M", "F"])?
        .unwrap_or_default()
        .to_uppercase();
    let product_id = req.p.str("product_id")?;
    let location_id = req.p.str("location_id")?;
    let template_id = req.p.str("template_id")?;
    req.p.str("date")?;
    let date = date_param(req, "date")?.unwrap_or_default();
    let days = req.p.int_in("days", 1, 1, 365)?;
    let count = req.p.int_in("count", 1, 1, 100)?;
    must(tx, kind::PRODUCT, &product_id, Entity::Product)?;
    must(
        tx,
        kind::ETICKET_LOCATION,
        &location_id,
        Entity::EticketLocation,
    )?;
    must(
        tx,
        kind::ETICKET_TEMPLATE,
        &template_id,
        Entity::EticketTemplate,
    )?;
    let mut out = Vec::new();
    for no in 1..=count {
        let id = tx
            .next_id(kind::ETICKET, 1_328_422_185_000_000_001)
            .to_string();
        let url = format!("https://www.digistore24.com/eticket/file{id}.pdf");
        tx.put(
            kind::ETICKET,
            &id,
            json!({
                "id": id, "download_url": url, "date_id": "1", "date": date, "hint": "",
                "days": days.to_string(), "location_id": location_id, "template_id": template_id,
                "purchase_id": "", "purchase_item_id": "", "no": no.to_string(),
                "count": count.to_string(), "email": email,
                "first_name": buyer.opt_str("first_name").unwrap_or_default(),
                "last_name": buyer.opt_str("last_name").unwrap_or_default(),
                "salutation": salutation, "title": buyer.opt_str("title").unwrap_or_default(),
                "language": if req.lang == Lang::En { "en" } else { "de" },
                "used_at": "", "is_blocked": "N",
                "note": req.p.opt_str("note").unwrap_or_default(), "product_id": product_id,
            }),
        );
        out.push(json!({ "id": id, "url": url, "email": email }));
    }
    Ok(json!({ "etickets": out }))
}

/// `getEticket(eticket_id)`.
pub fn get_eticket(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("eticket_id")?;
    let d = must(tx, kind::ETICKET, &id, Entity::Eticket)?;
    Ok(json!({ "eticket": pick(d, ETICKET_FIELDS) }))
}

/// `validateEticket(eticket_id, template_id, location_id, date, seperator)`: a valid ticket is
/// marked used, so a second scan reports it as used.
pub fn validate_eticket(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let raw = req.p.str("eticket_id")?;
    let template_id = req.p.str("template_id")?;
    let location_id = req.p.str("location_id")?;
    let date = date_param(req, "date")?.unwrap_or_else(|| time::fmt_date(req.now.date()));
    // A scanned code may carry extra parts after the separator (e.g. "id-checksum").
    let sep = req.p.raw_str("seperator").unwrap_or_default();
    let id = if sep.is_empty() {
        raw.clone()
    } else {
        raw.split(sep.as_str()).next().unwrap_or(&raw).to_string()
    };
    let answer = |status: &str, msg: String, t: Option<&Value>, other_event: bool, used: i64| {
        json!({
            "status": status,
            "msg": msg,
            "eticket_id": id,
            "eticket_location_id": t.map(|t| s(t, "location_id")).unwrap_or_default(),
            "eticket_template_id": t.map(|t| s(t, "template_id")).unwrap_or_default(),
            "eticket_date": t.map(|t| s(t, "date")).unwrap_or_default(),
            "is_eticket_valid_for_different_event": yn(other_event),
            "valid_ticket_count": if status == "success" { "1" } else { "0" },
            "used_ticket_count": used.to_string(),
        })
    };
    let Some(t) = tx.get(kind::ETICKET, &id).cloned() else {
        return Ok(answer(
            "error",
            req.msg("Ticket nicht gefunden", "Ticket not found"),
            None,
            false,
            0,
        ));
    };
    let other_event = s(&t, "template_id") != template_id
        || s(&t, "location_id") != location_id
        || s(&t, "date") != date;
    if s(&t, "is_blocked") == "Y" {
        return Ok(answer(
            "error",
            req.msg("Ticket gesperrt", "Ticket blocked"),
            Some(&t),
            false,
            0,
        ));
    }
    if other_event {
        return Ok(answer(
            "error",
            req.msg(
                "Ticket gilt für eine andere Veranstaltung",
                "Ticket is valid for a different event",
            ),
            Some(&t),
            true,
            0,
        ));
    }
    if !s(&t, "used_at").is_empty() {
        return Ok(answer(
            "error",
            match req.lang {
                Lang::De => format!("Ticket bereits verwendet am {}", s(&t, "used_at")),
                Lang::En => format!("Ticket already used at {}", s(&t, "used_at")),
            },
            Some(&t),
            false,
            1,
        ));
    }
    let now = req.now_s();
    if let Some(d) = tx.get_mut(kind::ETICKET, &id) {
        set(d, "used_at", now);
    }
    Ok(answer(
        "success",
        req.msg("Ticket gültig", "Ticket valid"),
        Some(&t),
        false,
        1,
    ))
}

/// `listEtickets(search)`.
pub fn list_etickets(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let empty = crate::params::Params::default();
    let root = empty.view();
    let search = req.p.opt_obj("search")?.unwrap_or(root);
    let date = match search.opt_str("date") {
        Some(_) => search
            .opt_time("date", req.now, req.start, DateEnd::Start)?
            .map(|t| time::fmt_date(t.date())),
        None => None,
    };
    let exact = ["purchase_id", "template_id", "location_id"];
    let fuzzy = ["first_name", "last_name", "email"];
    let owner = search.opt_str("owner_id");
    let account_owner = tx
        .get(kind::ACCOUNT, model::ACCOUNT_ID)
        .map(|a| s(a, "eticket_owner_id"))
        .unwrap_or_default();
    let rows: Vec<Value> = tx
        .all(kind::ETICKET)
        .map(|(_, d)| d)
        .filter(|_| owner.as_ref().is_none_or(|o| *o == account_owner))
        .filter(|d| {
            exact
                .iter()
                .all(|f| search.opt_str(f).is_none_or(|v| sr(d, f) == v))
        })
        .filter(|d| {
            fuzzy.iter().all(|f| {
                search
                    .opt_str(f)
                    .is_none_or(|v| sr(d, f).to_lowercase().contains(&v.to_lowercase()))
            })
        })
        .filter(|d| date.as_ref().is_none_or(|x| sr(d, "date") == x))
        .map(|d| pick(d, ETICKET_FIELDS))
        .collect();
    Ok(json!({ "etickets": rows }))
}

/// `listEticketTemplates()`: a bare array.
pub fn list_eticket_templates(tx: &mut Tx<'_>, _req: &Req<'_>) -> Result<Value, ApiError> {
    Ok(Value::Array(
        tx.all(kind::ETICKET_TEMPLATE)
            .map(|(_, d)| d.clone())
            .collect(),
    ))
}

/// `listEticketLocations()`: a bare array.
pub fn list_eticket_locations(tx: &mut Tx<'_>, _req: &Req<'_>) -> Result<Value, ApiError> {
    Ok(Value::Array(
        tx.all(kind::ETICKET_LOCATION)
            .map(|(_, d)| d.clone())
            .collect(),
    ))
}

/// `getEticketSettings()`: owners, and templates and locations per owner.
pub fn get_eticket_settings(tx: &mut Tx<'_>, _req: &Req<'_>) -> Result<Value, ApiError> {
    let a = tx
        .get(kind::ACCOUNT, model::ACCOUNT_ID)
        .cloned()
        .unwrap_or_default();
    let owner = s(&a, "eticket_owner_id");
    let names = |k: &str| -> Map<String, Value> {
        tx.all(k)
            .map(|(id, d)| (id.to_string(), json!(s(d, "name"))))
            .collect()
    };
    let mut owners = Map::new();
    owners.insert(owner.clone(), json!(s(&a, "user_name")));
    let mut templates = Map::new();
    templates.insert(owner.clone(), Value::Object(names(kind::ETICKET_TEMPLATE)));
    let mut locations = Map::new();
    locations.insert(owner, Value::Object(names(kind::ETICKET_LOCATION)));
    Ok(json!({
        "eticket_owners": owners,
        "eticket_templates": templates,
        "eticket_locations": locations,
    }))
}

// ---------------------------------------------------------------- deliveries

const DELIVERY_TYPES: &[&str] = &[
    "request",
    "in_progress",
    "delivery",
    "partial_delivery",
    "return",
    "cancel",
];

fn delivery_address(tx: &Tx<'_>, req: &Req<'_>, purchase: Option<&Value>) -> Value {
    let b = purchase
        .and_then(|p| tx.get(kind::BUYER, sr(p, "buyer_id")))
        .cloned()
        .unwrap_or_default();
    json!({
        "salutation": s(&b, "salutation"), "first_name": s(&b, "first_name"),
        "last_name": s(&b, "last_name"), "company": s(&b, "company"),
        "street": s(&b, "street_name"), "street_number": s(&b, "street_number"),
        "city": s(&b, "city"), "state": s(&b, "state"), "zipcode": s(&b, "zipcode"),
        "country": s(&b, "country"),
        "country_name": reference::country_name(sr(&b, "country"), req.lang == Lang::De),
        "email": s(&b, "email"),
    })
}

fn render_delivery(tx: &Tx<'_>, req: &Req<'_>, d: &Value, full: bool) -> Value {
    let purchase = tx.get(kind::PURCHASE, sr(d, "purchase_id"));
    let product = tx.get(kind::PRODUCT, sr(d, "product_id"));
    let mut r = pick(
        d,
        &[
            "id",
            "purchase_id",
            "purchase_item_id",
            "type",
            "delivery_type",
            "product_id",
            "quantity_total",
            "quantity_delivered",
            "is_test_order",
            "processed_at",
            "processed_by",
        ],
    );
    set(
        &mut r,
        "type_msg",
        req.label("delivery_type", sr(d, "type")),
    );
    set(
        &mut r,
        "purchase_created_at",
        purchase.map(|p| s(p, "created_at")).unwrap_or_default(),
    );
    set(
        &mut r,
        "product_name",
        product
            .map(super::products::display_name)
            .unwrap_or_default(),
    );
    let type_id = product.map(|p| s(p, "product_type_id")).unwrap_or_default();
    set(
        &mut r,
        "product_type_name",
        reference::product_type_name(&type_id, req.lang == Lang::De),
    );
    set(&mut r, "product_type_id", type_id);
    if full {
        let auth = purchase.map(|p| s(p, "auth_key")).unwrap_or_default();
        let pid = s(d, "purchase_id");
        set(
            &mut r,
            "invoice_url",
            format!(
                "https://www.digistore24.com/invoice/{pid}/{}/{auth}.pdf",
                s(d, "id")
            ),
        );
        set(
            &mut r,
            "delivery_slip_url",
            format!(
                "https://www.digistore24.com/deliveryslip/{pid}/{}/{auth}.pdf",
                s(d, "id")
            ),
        );
    }
    set(
        &mut r,
        "delivery_address",
        delivery_address(tx, req, purchase),
    );
    set(
        &mut r,
        "tracking",
        d.get("tracking").cloned().unwrap_or_else(|| json!([])),
    );
    r
}

/// `listDeliveries(search)`: `search[type]=request,partial_delivery` lists open deliveries.
pub fn list_deliveries(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let empty = crate::params::Params::default();
    let root = empty.view();
    let search = req.p.opt_obj("search")?.unwrap_or(root);
    let types = super::purchases::enum_list(&search, "type", DELIVERY_TYPES)?;
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
            let d = must(tx, kind::DELIVERY, &id, Entity::Delivery)?;
            let p = tx.get(kind::PURCHASE, sr(d, "purchase_id"));
            Some(p.map(|p| s(p, "buyer_id")).unwrap_or_default())
        }
        None => None,
    };
    let rows: Vec<Value> = tx
        .all(kind::DELIVERY)
        .map(|(_, d)| d)
        .filter(|d| {
            types
                .as_ref()
                .is_none_or(|t| t.iter().any(|x| x == sr(d, "type")))
        })
        .filter(|d| {
            from.as_ref()
                .is_none_or(|f| sr(d, "created_at") >= f.as_str())
        })
        .filter(|d| {
            to.as_ref()
                .is_none_or(|t| sr(d, "created_at") <= t.as_str())
        })
        .filter(|d| purchase.as_ref().is_none_or(|p| sr(d, "purchase_id") == p))
        .filter(|d| processed.is_none_or(|b| b != sr(d, "processed_at").is_empty()))
        .filter(|d| test.as_ref().is_none_or(|t| sr(d, "is_test_order") == t))
        .filter(|d| {
            same_as.as_ref().is_none_or(|buyer| {
                tx.get(kind::PURCHASE, sr(d, "purchase_id"))
                    .is_some_and(|p| sr(p, "buyer_id") == buyer)
            })
        })
        .map(|d| render_delivery(tx, req, d, false))
        .collect();
    Ok(json!({ "delivery": rows }))
}

/// `getDelivery(delivery_id, set_in_progress)`: `set_in_progress=Y` (full key) moves a
/// request to in_progress.
pub fn get_delivery(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("delivery_id")?;
    let set_progress = req.p.bool_or("set_in_progress", false)?;
    must(tx, kind::DELIVERY, &id, Entity::Delivery)?;
    let mut moved = false;
    let mut fail = String::new();
    if set_progress {
        req.require_full()?;
        let ty = tx
            .get(kind::DELIVERY, &id)
            .map(|d| s(d, "type"))
            .unwrap_or_default();
        if ty == "request" {
            let now = req.now_s();
            if let Some(d) = tx.get_mut(kind::DELIVERY, &id) {
                set(d, "type", "in_progress");
                set(d, "modified_at", now);
            }
            moved = true;
        } else {
            fail = match req.lang {
                Lang::De => format!("Die Lieferung hat den Status '{ty}'."),
                Lang::En => format!("The delivery has the status '{ty}'."),
            };
        }
    }
    let d = must(tx, kind::DELIVERY, &id, Entity::Delivery)?;
    Ok(json!({
        "delivery": render_delivery(tx, req, d, true),
        "is_set_in_progress": yn(moved),
        "set_in_progress_fail_reason": fail,
    }))
}

/// `updateDelivery(delivery_id, data, tracking, notify_via_email)`.
pub fn update_delivery(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("delivery_id")?;
    let data = req.p.obj("data")?;
    let before = must(tx, kind::DELIVERY, &id, Entity::Delivery)?.clone();
    req.p.opt_bool("notify_via_email")?;
    let mut doc = before.clone();
    let total = model::int(&doc, "quantity_total");
    if let Some(t) = data.opt_enum("type", DELIVERY_TYPES)? {
        set(&mut doc, "type", t);
    }
    if let Some(shipped) = data.opt_bool("is_shipped")? {
        if shipped {
            set(&mut doc, "type", "delivery");
            set(&mut doc, "quantity_delivered", total.to_string());
        } else {
            set(&mut doc, "type", "cancel");
        }
    }
    let mut delivered = model::int(&doc, "quantity_delivered");
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
        set(&mut doc, "quantity_delivered", delivered.to_string());
        if !data.has("type") && !data.has("is_shipped") {
            let ty = if delivered >= total {
                "delivery"
            } else {
                "partial_delivery"
            };
            set(&mut doc, "type", ty);
        }
    }
    if let Some(from) = data.opt_str("is_shipped_by_reseller_from") {
        set(&mut doc, "is_shipped_by_reseller_from", from);
    }
    let mut tracking: Vec<Value> = doc
        .get("tracking")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for t in req.p.list_obj("tracking")? {
        let tid = t.str("tracking_id")?;
        let op = t
            .opt_enum("operation", &["create_or_update", "delete"])?
            .unwrap_or_else(|| "create_or_update".into());
        tracking.retain(|x| sr(x, "tracking_id") != tid);
        if op == "create_or_update" {
            let expect =
                match t.opt_time("expect_delivery_at", req.now, req.start, DateEnd::Start)? {
                    Some(x) => time::fmt_date(x.date()),
                    None => String::new(),
                };
            let qty = t.int_in("quantity", total.max(1), 0, total.max(1))?;
            tracking.push(json!({
                "parcel_service": t.opt_str("parcel_service").unwrap_or_default(),
                "tracking_id": tid,
                "expect_delivery_at": expect,
                "quantity": qty.to_string(),
            }));
        }
    }
    set(&mut doc, "tracking", Value::Array(tracking));
    let changed = doc != before;
    if changed {
        let ty = s(&doc, "type");
        if matches!(ty.as_str(), "delivery" | "partial_delivery")
            && s(&doc, "processed_at").is_empty()
        {
            set(&mut doc, "processed_at", req.now_s());
            set(&mut doc, "processed_by", "API");
        }
        set(&mut doc, "modified_at", req.now_s());
        tx.put(kind::DELIVERY, &id, doc);
    }
    Ok(json!({ "is_modified": yn(changed) }))
}

// ---------------------------------------------------------------- service proofs

/// `listServiceProofRequests(search)`: a bare array.
pub fn list_service_proof_requests(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let empty = crate::params::Params::default();
    let root = empty.view();
    let search = req.p.opt_obj("search")?.unwrap_or(root);
    let filters = [
        ("purchase_id", None),
        ("product_id", None),
        (
            "delivery_type",
            Some(&["digital", "shipping", "service", "event", "download"][..]),
        ),
        (
            "approval_status",
            Some(&["new", "pending", "approved", "rejected"][..]),
        ),
        (
            "request_status",
            Some(&["pending", "proof_provided", "exec_refund"][..]),
        ),
    ];
    let mut wanted: Vec<(&str, String)> = Vec::new();
    for (f, allowed) in filters {
        let v = match allowed {
            Some(a) => search.opt_enum(f, a)?,
            None => search.opt_str(f),
        };
        if let Some(v) = v {
            wanted.push((f, v));
        }
    }
    let rows: Vec<Value> = tx
        .all(kind::SERVICE_PROOF)
        .map(|(_, d)| d)
        .filter(|d| wanted.iter().all(|(f, v)| sr(d, f) == v))
        .map(|d| {
            pick(
                d,
                &[
                    "id",
                    "purchase_id",
                    "product_id",
                    "delivery_type",
                    "approval_status",
                    "request_status",
                    "created_at",
                    "modified_at",
                ],
            )
        })
        .collect();
    Ok(Value::Array(rows))
}

/// `getServiceProofRequest(service_proof_id)`.
pub fn get_service_proof_request(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("service_proof_id")?;
    let d = must(tx, kind::SERVICE_PROOF, &id, Entity::ServiceProof)?;
    let mut r = pick(
        d,
        &[
            "id",
            "purchase_id",
            "product_id",
            "delivery_type",
            "approval_status",
            "request_status",
            "created_at",
            "modified_at",
            "due_date",
            "notes",
            "message",
            "files",
        ],
    );
    set(&mut r, "status", s(d, "request_status"));
    Ok(json!({ "service_proof_request": r }))
}

/// `updateServiceProofRequest(service_proof_id, data, files)`: `exec_refund` refunds the order.
pub fn update_service_proof_request(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("service_proof_id")?;
    let data = req.p.obj("data")?;
    let status = data
        .opt_enum("request_status", &["proof_provided", "exec_refund"])?
        .ok_or_else(|| ApiError::missing(&data.path("request_status")))?;
    let before = must(tx, kind::SERVICE_PROOF, &id, Entity::ServiceProof)?.clone();
    let mut doc = before.clone();
    let mut files: Vec<Value> = doc
        .get("files")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for f in req.p.list_obj("files")? {
        let url = f.str("url")?;
        super::products::check_url(&f.path("url"), &url)?;
        let name = f
            .opt_str("filename")
            .unwrap_or_else(|| url.rsplit('/').next().unwrap_or("file").to_string());
        files.push(json!({ "url": url, "filename": name }));
    }
    if status == "proof_provided" && files.is_empty() && data.opt_str("message").is_none() {
        return Err(ApiError::invalid(
            &data.path("request_status"),
            "für proof_provided sind eine Nachricht oder Dateien nötig.",
            "proof_provided needs a message or files.",
        ));
    }
    set(&mut doc, "files", Value::Array(files));
    set(&mut doc, "request_status", status.clone());
    if let Some(m) = data.opt_str("message") {
        set(&mut doc, "message", m);
    }
    if status == "proof_provided" && s(&doc, "approval_status") == "new" {
        set(&mut doc, "approval_status", "pending");
    }
    let changed = doc != before;
    if changed {
        set(&mut doc, "modified_at", req.now_s());
        tx.put(kind::SERVICE_PROOF, &id, doc);
    }
    if status == "exec_refund" && s(&before, "request_status") != "exec_refund" {
        let purchase_id = s(&before, "purchase_id");
        let payments: Vec<(String, i64)> = crate::ledger::purchase_transactions(tx, &purchase_id)
            .into_iter()
            .filter(|t| crate::ledger::refundable(t) > 0)
            .map(|t| (s(t, "id"), crate::ledger::refundable(t)))
            .collect();
        for (pid, amount) in &payments {
            crate::ledger::book_reversal(tx, pid, "refund", *amount, req.now);
        }
        if !payments.is_empty() {
            super::purchases::abort_after_refund(tx, &purchase_id, &req.now_s());
        }
    }
    Ok(json!({ "is_modified": yn(changed) }))
}

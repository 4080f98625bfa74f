//! The etickets toolset: e-tickets with their templates, locations and validation.

use serde_json::{Map, Value, json};

use crate::documents::{
    ACCOUNT_ID, Account, Document, Eticket, EticketLocation, EticketTemplate, Product, wire,
};
use crate::error::{ApiError, Entity, Lang};
use crate::params::Params;
use crate::request::{Req, check_email, must, yn};
use crate::store::Tx;
use crate::time::{self, DateEnd};

/// First e-ticket id.
const FIRST_ID: i64 = 1_328_422_185_000_000_001;

fn date_param(req: &Req<'_>, name: &str) -> Result<Option<String>, ApiError> {
    Ok(req
        .time(name, DateEnd::Start)?
        .map(|t| time::fmt_date(t.date())))
}

/// A date or a comma list of dates (`validateEticket date`, openapi.yaml), as `YYYY-MM-DD`.
fn dates_param(req: &Req<'_>, name: &str) -> Result<Option<Vec<String>>, ApiError> {
    let Some(raw) = req.p.opt_str(name) else {
        return Ok(None);
    };
    if !raw.contains(',') {
        return Ok(date_param(req, name)?.map(|d| vec![d]));
    }
    raw.split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| {
            time::parse_point(d, req.now, req.start, DateEnd::Start)
                .map(|t| time::fmt_date(t.date()))
                .ok_or_else(|| {
                    ApiError::invalid(
                        name,
                        &format!("'{d}' ist kein gültiges Datum (z. B. 2024-05-14)."),
                        &format!("'{d}' is not a valid date (e.g. 2024-05-14)."),
                    )
                })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// `createEticket(buyer, product_id, location_id, template_id, date, days, note, count)`.
pub fn create_eticket(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let buyer = req.p.obj("buyer")?;
    let email = check_email(&buyer.path("email"), &buyer.str("email")?)?;
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
    must::<Product>(tx, &product_id, Entity::Product)?;
    must::<EticketLocation>(tx, &location_id, Entity::EticketLocation)?;
    must::<EticketTemplate>(tx, &template_id, Entity::EticketTemplate)?;
    let mut out = Vec::new();
    for no in 1..=count {
        let id = tx.next_id(Eticket::KIND, FIRST_ID).to_string();
        let url = format!("https://www.digistore24.com/eticket/file{id}.pdf");
        tx.put(Eticket {
            id: id.clone(),
            download_url: url.clone(),
            date_id: "1".into(),
            date: date.clone(),
            hint: String::new(),
            location_id: location_id.clone(),
            template_id: template_id.clone(),
            purchase_id: String::new(),
            purchase_item_id: String::new(),
            no: no.to_string(),
            count: count.to_string(),
            days: days.to_string(),
            email: email.clone(),
            first_name: buyer.opt_str("first_name").unwrap_or_default(),
            last_name: buyer.opt_str("last_name").unwrap_or_default(),
            salutation: salutation.clone(),
            title: buyer.opt_str("title").unwrap_or_default(),
            language: if req.lang == Lang::En { "en" } else { "de" }.into(),
            used_at: String::new(),
            is_blocked: false,
            note: req.p.opt_str("note").unwrap_or_default(),
            product_id: product_id.clone(),
        });
        out.push(json!({ "id": id, "url": url, "email": email }));
    }
    Ok(json!({ "etickets": out }))
}

/// `getEticket(eticket_id)`.
pub fn get_eticket(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("eticket_id")?;
    let d = must::<Eticket>(tx, &id, Entity::Eticket)?;
    Ok(json!({ "eticket": wire(d) }))
}

/// `validateEticket(eticket_id, template_id, location_id, date, seperator)`: a valid ticket is
/// marked used, so a second scan reports it as used.
pub fn validate_eticket(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let raw = req.p.str("eticket_id")?;
    // Each may be a comma list: a door that admits several events (openapi.yaml).
    req.p.str("template_id")?;
    req.p.str("location_id")?;
    let templates = req.p.list_str("template_id");
    let locations = req.p.list_str("location_id");
    let dates = dates_param(req, "date")?.unwrap_or_else(|| vec![time::fmt_date(req.now.date())]);
    // A scanned code may carry extra parts after the separator (e.g. "id-checksum").
    let sep = req.p.raw_str("seperator").unwrap_or_default();
    let id = if sep.is_empty() {
        raw.clone()
    } else {
        raw.split(sep.as_str()).next().unwrap_or(&raw).to_string()
    };
    let answer = |status: &str, msg: String, t: Option<&Eticket>, other_event: bool, used: i64| {
        json!({
            "status": status,
            "msg": msg,
            "eticket_id": id,
            "eticket_location_id": t.map(|t| t.location_id.clone()).unwrap_or_default(),
            "eticket_template_id": t.map(|t| t.template_id.clone()).unwrap_or_default(),
            "eticket_date": t.map(|t| t.date.clone()).unwrap_or_default(),
            "is_eticket_valid_for_different_event": yn(other_event),
            "valid_ticket_count": if status == "success" { "1" } else { "0" },
            "used_ticket_count": used.to_string(),
        })
    };
    let Some(t) = tx.get::<Eticket>(&id).cloned() else {
        return Ok(answer(
            "error",
            req.msg("Ticket nicht gefunden", "Ticket not found"),
            None,
            false,
            0,
        ));
    };
    let other_event = !templates.contains(&t.template_id)
        || !locations.contains(&t.location_id)
        || !dates.contains(&t.date);
    if t.is_blocked {
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
    if !t.used_at.is_empty() {
        return Ok(answer(
            "error",
            match req.lang {
                Lang::De => format!("Ticket bereits verwendet am {}", t.used_at),
                Lang::En => format!("Ticket already used at {}", t.used_at),
            },
            Some(&t),
            false,
            1,
        ));
    }
    if let Some(d) = tx.get_mut::<Eticket>(&id) {
        d.used_at = req.now_s();
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
    let empty = Params::default();
    let search = req.obj_or_empty("search", &empty)?;
    let date = match search.opt_str("date") {
        Some(_) => search
            .opt_time("date", req.now, req.start, DateEnd::Start)?
            .map(|t| time::fmt_date(t.date())),
        None => None,
    };
    let field = |d: &Eticket, f: &str| -> String {
        match f {
            "purchase_id" => d.purchase_id.clone(),
            "template_id" => d.template_id.clone(),
            "location_id" => d.location_id.clone(),
            "first_name" => d.first_name.clone(),
            "last_name" => d.last_name.clone(),
            _ => d.email.clone(),
        }
    };
    // Template and location ids may be comma lists (openapi.yaml).
    let exact: Vec<(&str, Vec<String>)> = ["purchase_id", "template_id", "location_id"]
        .into_iter()
        .filter(|f| search.has(f))
        .map(|f| match f {
            "purchase_id" => (f, search.opt_str(f).into_iter().collect()),
            _ => (f, search.list_str(f)),
        })
        .filter(|(_, values)| !values.is_empty())
        .collect();
    let fuzzy: Vec<(&str, String)> = ["first_name", "last_name", "email"]
        .into_iter()
        .filter_map(|f| search.opt_str(f).map(|v| (f, v.to_lowercase())))
        .collect();
    let owners = search.list_str("owner_id");
    let account_owner = tx
        .get::<Account>(ACCOUNT_ID)
        .map(|a| a.eticket_owner_id.clone())
        .unwrap_or_default();
    let rows: Vec<Value> = tx
        .all::<Eticket>()
        .filter(|_| owners.is_empty() || owners.contains(&account_owner))
        .filter(|d| {
            exact
                .iter()
                .all(|(f, values)| values.contains(&field(d, f)))
        })
        .filter(|d| {
            fuzzy
                .iter()
                .all(|(f, v)| field(d, f).to_lowercase().contains(v.as_str()))
        })
        .filter(|d| date.as_ref().is_none_or(|x| d.date == *x))
        .map(wire)
        .collect();
    Ok(json!({ "etickets": rows }))
}

/// `listEticketTemplates()`: a bare array.
pub fn list_eticket_templates(tx: &mut Tx<'_>, _req: &Req<'_>) -> Result<Value, ApiError> {
    Ok(Value::Array(
        tx.all::<EticketTemplate>().map(wire).collect(),
    ))
}

/// `listEticketLocations()`: a bare array.
pub fn list_eticket_locations(tx: &mut Tx<'_>, _req: &Req<'_>) -> Result<Value, ApiError> {
    Ok(Value::Array(
        tx.all::<EticketLocation>().map(wire).collect(),
    ))
}

/// `getEticketSettings()`: owners, and templates and locations per owner.
pub fn get_eticket_settings(tx: &mut Tx<'_>, _req: &Req<'_>) -> Result<Value, ApiError> {
    let a = tx.get::<Account>(ACCOUNT_ID);
    let owner = a.map(|a| a.eticket_owner_id.clone()).unwrap_or_default();
    let user_name = a.map(|a| a.user_name.clone()).unwrap_or_default();
    let templates: Map<String, Value> = tx
        .all::<EticketTemplate>()
        .map(|d| (d.id.clone(), json!(d.name)))
        .collect();
    let locations: Map<String, Value> = tx
        .all::<EticketLocation>()
        .map(|d| (d.id.clone(), json!(d.name)))
        .collect();
    let mut owners = Map::new();
    owners.insert(owner.clone(), json!(user_name));
    let mut t = Map::new();
    t.insert(owner.clone(), Value::Object(templates));
    let mut l = Map::new();
    l.insert(owner, Value::Object(locations));
    Ok(json!({
        "eticket_owners": owners,
        "eticket_templates": t,
        "eticket_locations": l,
    }))
}

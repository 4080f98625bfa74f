//! Purchases (orders), their buyers, invoices, downloads, license keys, and the purchase-level
//! money functions (refunds, balance).

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::{Req, must, paginate, yn};
use crate::error::{ApiError, Entity, Lang};
use crate::ledger;
use crate::model::{self, cents, int, kind, pick, s, set, sr};
use crate::params::{money, money_de};
use crate::store::Tx;
use crate::time::{self, DateEnd};

/// The display name of a purchase's product (empty when the product was deleted).
pub fn product_name(tx: &Tx<'_>, product_id: &str) -> String {
    tx.get(kind::PRODUCT, product_id)
        .map(super::products::display_name)
        .unwrap_or_default()
}

/// Display names of all products, for list functions that name the product on every row.
pub fn product_names<'a>(tx: &'a Tx<'_>) -> HashMap<&'a str, String> {
    tx.all(kind::PRODUCT)
        .map(|(id, p)| (id, super::products::display_name(p)))
        .collect()
}

/// A stable numeric purchase item id derived from the order id.
pub fn item_id(purchase_id: &str) -> String {
    let fp = model::key_fingerprint(purchase_id);
    let n = u64::from_str_radix(fp.get(..8).unwrap_or("0"), 16).unwrap_or(0) % 9_000_000;
    (1_000_000 + n).to_string()
}

fn vat_of(gross: i64, rate_cents: i64) -> i64 {
    ledger::Shares::for_payment(gross, rate_cents / 100, 0).vat
}

/// The buyer block of a purchase.
pub fn buyer_block(tx: &Tx<'_>, buyer_id: &str) -> Value {
    let Some(b) = tx.get(kind::BUYER, buyer_id) else {
        return json!({});
    };
    let mut out = pick(
        b,
        &[
            "id",
            "created_at",
            "email",
            "first_name",
            "last_name",
            "salutation",
            "title",
            "company",
        ],
    );
    set(&mut out, "street", street(b));
    for f in ["street2", "zipcode", "city", "state", "country", "phone_no"] {
        set(&mut out, f, s(b, f));
    }
    out
}

fn street(b: &Value) -> String {
    format!("{} {}", sr(b, "street_name"), sr(b, "street_number"))
        .trim()
        .to_string()
}

/// A transaction as listed inside a purchase.
pub fn purchase_txn_row(req: &Req<'_>, p: &Value, t: &Value) -> Value {
    let ty = sr(t, "type");
    let mut row = pick(
        t,
        &[
            "id",
            "amount",
            "vat_amount",
            "currency",
            "purchase_id",
            "pay_method",
        ],
    );
    set(
        &mut row,
        "pay_method_msg",
        req.label("pay_method", sr(t, "pay_method")),
    );
    set(&mut row, "created_at", s(t, "created_at"));
    set(&mut row, "type", ty);
    set(&mut row, "type_msg", req.label("transaction_type", ty));
    set(&mut row, "pay_sequence_no", s(t, "pay_sequence_no"));
    set(&mut row, "invoice_url", invoice_url(p, t));
    row
}

fn invoice_url(p: &Value, t: &Value) -> String {
    format!(
        "https://www.digistore24.com/invoice/{}/{}/{}.pdf",
        sr(p, "id"),
        sr(t, "id"),
        sr(p, "auth_key")
    )
}

/// The full getPurchase record.
pub fn render_purchase(tx: &Tx<'_>, req: &Req<'_>, p: &Value) -> Value {
    let id = s(p, "id");
    let txns = ledger::purchase_transactions(tx, &id);
    let rate = cents(p, "vat_rate");
    let mut out = Map::new();
    let mut put = |k: &str, v: Value| {
        out.insert(k.to_string(), v);
    };
    put("id", json!(id));
    put("amount", json!(s(p, "amount")));
    put("currency", json!(s(p, "currency")));
    put("other_amounts", json!(s(p, "other_amounts")));
    put(
        "other_vat_amounts",
        json!(money(vat_of(cents(p, "other_amounts"), rate))),
    );
    put(
        "number_of_installments",
        json!(s(p, "number_of_installments")),
    );
    put("vat_country", json!(s(p, "vat_country")));
    put("vat_amount", json!(money(vat_of(cents(p, "amount"), rate))));
    put("vat_rate", json!(s(p, "vat_rate")));
    put("created_at", json!(s(p, "created_at")));
    let bt = s(p, "billing_type");
    let bs = s(p, "billing_status");
    put("billing_type_msg", json!(req.label("billing_type", &bt)));
    put("billing_type", json!(bt));
    put(
        "billing_status_msg",
        json!(req.label("billing_status", &bs)),
    );
    put("billing_status", json!(bs));
    put("next_payment_at", json!(s(p, "next_payment_at")));
    put("rebilling_active", json!(s(p, "rebilling_active")));
    put("pay_sequence_no", json!(s(p, "pay_sequence_no")));
    put("pay_method", json!(s(p, "pay_method")));
    put(
        "pay_method_msg",
        json!(req.label("pay_method", sr(p, "pay_method"))),
    );
    put("order_type", json!(s(p, "order_type")));
    put("product_id", json!(s(p, "product_id")));
    put("product_name", json!(product_name(tx, sr(p, "product_id"))));
    put("quantity", json!(s(p, "quantity")));
    put("affiliate_id", json!(s(p, "affiliate_id")));
    put("affiliate_name", json!(s(p, "affiliate_name")));
    put("balance", json!(s(p, "balance")));
    put("custom", json!(s(p, "custom")));
    let auth = s(p, "auth_key");
    put(
        "renew_url",
        json!(format!("https://www.digistore24.com/renew/{id}/{auth}")),
    );
    put(
        "receipt_url",
        json!(format!("https://www.digistore24.com/receipt/{id}/{auth}")),
    );
    let first_payment = txns.iter().find(|t| sr(t, "type") == "payment");
    put(
        "invoice_url",
        json!(first_payment.map(|t| invoice_url(p, t)).unwrap_or_default()),
    );
    put("has_custom_forms", json!(s(p, "has_custom_forms")));
    put("has_etickets", json!(s(p, "has_etickets")));
    put(
        "transaction_list",
        Value::Array(txns.iter().map(|t| purchase_txn_row(req, p, t)).collect()),
    );
    put("buyer", buyer_block(tx, sr(p, "buyer_id")));
    let pid = s(p, "product_id");
    put(
        "items",
        json!([{
            "id": item_id(&id),
            "no": "1",
            "product_id": pid,
            "product_name": product_name(tx, &pid),
            "quantity": s(p, "quantity"),
            "count": s(p, "quantity"),
            "variant_key": "",
            "variant_name": "",
            "license_key": s(p, "license_key"),
        }]),
    );
    Value::Object(out)
}

/// Splits a comma list of ids and requires each to exist.
fn ids_must_exist(tx: &Tx<'_>, raw: &str, k: &str, what: Entity) -> Result<Vec<String>, ApiError> {
    let ids: Vec<String> = raw
        .split(',')
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect();
    for id in &ids {
        must(tx, k, id, what)?;
    }
    Ok(ids)
}

/// Answers one record, or (for a comma list) an object keyed by id, as the API does.
fn one_or_keyed(ids: Vec<String>, mut render: impl FnMut(&str) -> Value) -> Value {
    if ids.len() == 1 {
        return render(&ids[0]);
    }
    let mut out = Map::new();
    for id in ids {
        let v = render(&id);
        out.insert(id, v);
    }
    Value::Object(out)
}

/// `getPurchase(purchase_id)`; a comma list returns records keyed by order id.
pub fn get_purchase(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let raw = req.p.str("purchase_id")?;
    let ids = ids_must_exist(tx, &raw, kind::PURCHASE, Entity::Purchase)?;
    Ok(one_or_keyed(ids, |id| {
        tx.get(kind::PURCHASE, id)
            .map(|p| render_purchase(tx, req, p))
            .unwrap_or_default()
    }))
}

/// Index of transactions by purchase id (oldest first).
pub fn txn_index<'a>(tx: &'a Tx<'_>) -> HashMap<&'a str, Vec<&'a Value>> {
    let mut idx: HashMap<&str, Vec<&Value>> = HashMap::new();
    for (_, t) in tx.all(kind::TRANSACTION) {
        idx.entry(sr(t, "purchase_id")).or_default().push(t);
    }
    for v in idx.values_mut() {
        v.sort_by(|a, b| sr(a, "created_at").cmp(sr(b, "created_at")));
    }
    idx
}

/// Validates a comma list against allowed values.
pub fn enum_list(
    v: &crate::params::View<'_>,
    name: &str,
    allowed: &[&str],
) -> Result<Option<Vec<String>>, ApiError> {
    let items = v.list_str(name);
    if items.is_empty() {
        return Ok(None);
    }
    if let Some(bad) = items.iter().find(|i| !allowed.contains(&i.as_str())) {
        let list = allowed.join(", ");
        return Err(ApiError::invalid(
            &v.path(name),
            &format!("'{bad}' ist nicht erlaubt; erlaubt sind: {list}."),
            &format!("'{bad}' is not allowed; allowed values: {list}."),
        ));
    }
    Ok(Some(items))
}

/// Common purchase/transaction search filters (`search[...]`).
pub struct Search {
    roles_include_vendor: bool,
    product_ids: Vec<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    has_affiliate: Option<bool>,
    affiliate_name: Option<String>,
    order_type: Option<String>,
    pay_methods: Option<Vec<String>>,
    billing_types: Option<Vec<String>>,
    /// Transaction types to keep.
    pub transaction_types: Option<Vec<String>>,
    currency: Option<String>,
    purchase_ids: Vec<String>,
}

/// Billing type keys.
pub const BILLING_TYPES: &[&str] = &["single_payment", "subscription", "installment"];
/// Transaction type keys.
pub const TRANSACTION_TYPES: &[&str] = &["payment", "refund", "chargeback", "refund_request"];

impl Search {
    /// Reads `search[...]`.
    pub fn parse(req: &Req<'_>) -> Result<Self, ApiError> {
        let empty = crate::params::Params::default();
        let root = empty.view();
        let v = req.p.opt_obj("search")?.unwrap_or(root);
        let roles = enum_list(&v, "role", &["vendor", "affiliate", "other"])?;
        Ok(Self {
            roles_include_vendor: roles.is_none_or(|r| r.iter().any(|x| x == "vendor")),
            product_ids: v.list_str("product_id"),
            first_name: v.opt_str("first_name").map(|x| x.to_lowercase()),
            last_name: v.opt_str("last_name").map(|x| x.to_lowercase()),
            email: v.opt_str("email").map(|x| x.to_lowercase()),
            has_affiliate: v.opt_bool("has_affiliate")?,
            affiliate_name: v.opt_str("affiliate_name").map(|x| x.to_lowercase()),
            order_type: v.opt_enum("order_type", &["live", "test"])?,
            pay_methods: enum_list(&v, "pay_method", crate::reference::PAY_METHODS)?,
            billing_types: enum_list(&v, "billing_type", BILLING_TYPES)?,
            transaction_types: enum_list(&v, "transaction_type", TRANSACTION_TYPES)?,
            currency: v.opt_str("currency").map(|c| c.to_uppercase()),
            purchase_ids: v.list_str("purchase_id"),
        })
    }

    /// Whether a purchase (with its buyer) passes the purchase-level filters.
    pub fn matches(&self, tx: &Tx<'_>, p: &Value) -> bool {
        if !self.roles_include_vendor {
            return false;
        }
        if !self.product_ids.is_empty()
            && !self.product_ids.iter().any(|x| x == sr(p, "product_id"))
        {
            return false;
        }
        if !self.purchase_ids.is_empty() && !self.purchase_ids.iter().any(|x| x == sr(p, "id")) {
            return false;
        }
        if let Some(h) = self.has_affiliate
            && h == sr(p, "affiliate_id").is_empty()
        {
            return false;
        }
        if let Some(a) = &self.affiliate_name
            && sr(p, "affiliate_name").to_lowercase() != *a
        {
            return false;
        }
        if let Some(o) = &self.order_type
            && sr(p, "order_type") != o
        {
            return false;
        }
        if let Some(pm) = &self.pay_methods
            && !pm.iter().any(|x| x == sr(p, "pay_method"))
        {
            return false;
        }
        if let Some(bt) = &self.billing_types
            && !bt.iter().any(|x| x == sr(p, "billing_type"))
        {
            return false;
        }
        if let Some(c) = &self.currency
            && sr(p, "currency") != c
        {
            return false;
        }
        if self.first_name.is_some() || self.last_name.is_some() || self.email.is_some() {
            let Some(b) = tx.get(kind::BUYER, sr(p, "buyer_id")) else {
                return false;
            };
            let has = |field: &str, want: &Option<String>| {
                want.as_ref()
                    .is_none_or(|w| sr(b, field).to_lowercase().contains(w.as_str()))
            };
            if !has("first_name", &self.first_name)
                || !has("last_name", &self.last_name)
                || !has("email", &self.email)
            {
                return false;
            }
        }
        true
    }
}

/// Reads `from`/`to` (defaults -24h..now) as wire strings for comparisons.
pub fn window(req: &Req<'_>) -> Result<(String, String), ApiError> {
    let from = req
        .time("from", DateEnd::Start)?
        .unwrap_or(req.now - chrono::Duration::hours(24));
    let to = req.time("to", DateEnd::End)?.unwrap_or(req.now);
    Ok((time::fmt(from), time::fmt(to)))
}

/// Reads `sort_order` (asc by default).
pub fn sort_desc(req: &Req<'_>) -> Result<bool, ApiError> {
    Ok(req.p.opt_enum("sort_order", &["asc", "desc"])?.as_deref() == Some("desc"))
}

/// `listPurchases(from, to, search, sort_by, sort_order, load_transactions, page_no, page_size)`.
pub fn list_purchases(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let (from, to) = window(req)?;
    let search = Search::parse(req)?;
    let sort_by = req
        .p
        .opt_enum("sort_by", &["date", "earning", "amount"])?
        .unwrap_or_else(|| "date".into());
    let desc = sort_desc(req)?;
    let load =
        req.p.bool_or("load_transactions", false)? || req.p.bool_or("show_transactions", false)?;
    let idx = txn_index(tx);
    let mut rows: Vec<(&Value, i64)> = tx
        .all(kind::PURCHASE)
        .map(|(_, p)| p)
        .filter(|p| {
            let at = sr(p, "created_at");
            at >= from.as_str() && at <= to.as_str() && search.matches(tx, p)
        })
        .filter(|p| {
            search.transaction_types.as_ref().is_none_or(|types| {
                idx.get(sr(p, "id"))
                    .is_some_and(|ts| ts.iter().any(|t| types.iter().any(|x| x == sr(t, "type"))))
            })
        })
        .map(|p| {
            let earned: i64 = idx
                .get(sr(p, "id"))
                .map(|ts| ts.iter().map(|t| cents(t, "vendor_amount")).sum())
                .unwrap_or(0);
            (p, earned)
        })
        .collect();
    match sort_by.as_str() {
        "earning" => rows.sort_by_key(|(p, e)| (*e, s(p, "created_at"))),
        "amount" => rows.sort_by_key(|(p, _)| (cents(p, "amount"), s(p, "created_at"))),
        _ => rows.sort_by(|a, b| {
            sr(a.0, "created_at")
                .cmp(sr(b.0, "created_at"))
                .then_with(|| sr(a.0, "id").cmp(sr(b.0, "id")))
        }),
    }
    if desc {
        rows.reverse();
    }
    let (page_rows, page) = paginate(&req.p, rows, 500, 1000)?;
    let names = product_names(tx);
    let list: Vec<Value> = page_rows
        .into_iter()
        .map(|(p, earned)| {
            let mut row = purchase_row(tx, req, &names, p, earned);
            if load {
                let ts = idx
                    .get(sr(p, "id"))
                    .map(|ts| ts.iter().map(|t| purchase_txn_row(req, p, t)).collect())
                    .unwrap_or_default();
                set(&mut row, "transaction_list", Value::Array(ts));
            }
            row
        })
        .collect();
    let mut out = Map::new();
    out.insert("purchase_list".into(), Value::Array(list));
    page.write(&mut out);
    Ok(Value::Object(out))
}

fn purchase_row(
    tx: &Tx<'_>,
    req: &Req<'_>,
    names: &HashMap<&str, String>,
    p: &Value,
    earned: i64,
) -> Value {
    let mut row = pick(
        p,
        &["id", "created_at", "amount", "currency", "billing_type"],
    );
    set(
        &mut row,
        "billing_type_msg",
        req.label("billing_type", sr(p, "billing_type")),
    );
    set(&mut row, "billing_status", s(p, "billing_status"));
    set(
        &mut row,
        "billing_status_msg",
        req.label("billing_status", sr(p, "billing_status")),
    );
    set(&mut row, "product_id", s(p, "product_id"));
    set(
        &mut row,
        "product_name",
        names.get(sr(p, "product_id")).cloned().unwrap_or_default(),
    );
    set(&mut row, "quantity", s(p, "quantity"));
    let buyer = tx.get(kind::BUYER, sr(p, "buyer_id"));
    let b = |f: &str| buyer.map(|b| s(b, f)).unwrap_or_default();
    set(&mut row, "buyer_id", s(p, "buyer_id"));
    set(&mut row, "buyer_email", b("email"));
    set(&mut row, "first_name", b("first_name"));
    set(&mut row, "last_name", b("last_name"));
    set(&mut row, "country", b("country"));
    set(&mut row, "affiliate_id", s(p, "affiliate_id"));
    set(&mut row, "affiliate_name", s(p, "affiliate_name"));
    set(&mut row, "pay_method", s(p, "pay_method"));
    set(
        &mut row,
        "pay_method_msg",
        req.label("pay_method", sr(p, "pay_method")),
    );
    set(&mut row, "order_type", s(p, "order_type"));
    set(
        &mut row,
        "number_of_installments",
        s(p, "number_of_installments"),
    );
    set(&mut row, "next_payment_at", s(p, "next_payment_at"));
    set(&mut row, "rebilling_active", s(p, "rebilling_active"));
    set(&mut row, "earned_amount", money(earned));
    set(&mut row, "role", "vendor");
    let tr = p.get("tracking").cloned().unwrap_or_else(|| json!({}));
    set(&mut row, "click_id", s(&tr, "click_id"));
    set(
        &mut row,
        "sub_ids",
        json!({
            "sid1": s(&tr, "sid1"), "sid2": s(&tr, "sid2"), "sid3": s(&tr, "sid3"),
            "sid4": s(&tr, "sid4"), "sid5": s(&tr, "sid5"),
        }),
    );
    row
}

/// `listPurchasesOfEmail(email, limit)`: newest first, a bare array.
pub fn list_purchases_of_email(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let email = req.p.str("email")?.to_lowercase();
    if !email.contains('@') {
        return Err(ApiError::invalid(
            "email",
            "keine gültige E-Mail-Adresse.",
            "not a valid e-mail address.",
        ));
    }
    let limit = req.p.int_in("limit", 100, 1, 10_000)? as usize;
    let buyers: Vec<String> = tx
        .all(kind::BUYER)
        .filter(|(_, b)| sr(b, "email").to_lowercase() == email)
        .map(|(id, _)| id.to_string())
        .collect();
    let mut rows: Vec<&Value> = tx
        .all(kind::PURCHASE)
        .map(|(_, p)| p)
        .filter(|p| buyers.iter().any(|b| b == sr(p, "buyer_id")))
        .collect();
    rows.sort_by(|a, b| sr(b, "created_at").cmp(sr(a, "created_at")));
    let out: Vec<Value> = rows
        .into_iter()
        .take(limit)
        .map(|p| {
            let mut r = pick(p, &["id", "created_at", "amount", "currency", "product_id"]);
            set(
                &mut r,
                "product_name",
                product_name(tx, sr(p, "product_id")),
            );
            set(&mut r, "status", s(p, "billing_status"));
            set(
                &mut r,
                "status_msg",
                req.label("billing_status", sr(p, "billing_status")),
            );
            r
        })
        .collect();
    Ok(Value::Array(out))
}

/// `getPurchaseTracking(purchase_id)`; a comma list returns records keyed by order id.
pub fn get_purchase_tracking(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let raw = req.p.str("purchase_id")?;
    let ids = ids_must_exist(tx, &raw, kind::PURCHASE, Entity::Purchase)?;
    Ok(one_or_keyed(ids, |id| {
        let tr = tx
            .get(kind::PURCHASE, id)
            .and_then(|p| p.get("tracking").cloned())
            .unwrap_or_else(|| json!({}));
        let sids: Vec<Value> = ["sid1", "sid2", "sid3", "sid4", "sid5"]
            .iter()
            .map(|k| s(&tr, k))
            .filter(|v| !v.is_empty())
            .map(Value::from)
            .collect();
        json!({
            "utm_params": pick(&tr, &["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"]),
            "click_id": s(&tr, "click_id"),
            "sub_ids": sids,
            "vendor_key": s(&tr, "vendor_key"),
            "campaign_key": s(&tr, "campaignkey"),
            "tracking_key": s(&tr, "trackingkey"),
            "custom": s(&tr, "custom"),
        })
    }))
}

/// `getPurchaseDownloads(purchase_id)`.
pub fn get_purchase_downloads(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let raw = req.p.str("purchase_id")?;
    let ids = ids_must_exist(tx, &raw, kind::PURCHASE, Entity::Purchase)?;
    let mut downloads = Map::new();
    for id in ids {
        let Some(p) = tx.get(kind::PURCHASE, &id) else {
            continue;
        };
        let txns = ledger::purchase_transactions(tx, &id);
        let paid = txns.iter().any(|t| sr(t, "type") == "payment");
        let refunded = txns
            .iter()
            .any(|t| matches!(sr(t, "type"), "refund" | "chargeback"));
        let until = time::parse_stored(sr(p, "created_at"))
            .map(|t| time::fmt_date(t.date() + chrono::Duration::days(365)))
            .unwrap_or_default();
        let pid = s(p, "product_id");
        let files: Vec<Value> = tx
            .get(kind::PRODUCT, &pid)
            .and_then(|prod| prod.get("downloads"))
            .and_then(Value::as_array)
            .map(|fs| {
                fs.iter()
                    .enumerate()
                    .map(|(i, f)| {
                        json!({
                            "url": format!("https://www.digistore24.com/file/{id}/{}/{}", sr(p, "auth_key"), 529 + i),
                            "downloads_total": s(f, "downloads_total"),
                            "downloads_tries": "0",
                            "is_access_granted": yn(paid && !refunded),
                            "is_purchase_paid": yn(paid),
                            "headline": s(f, "headline"),
                            "instructions": s(f, "instructions"),
                            "file_name": s(f, "file_name"),
                            "file_ext": s(f, "file_ext"),
                            "file_size": s(f, "file_size"),
                            "download_until": until,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut per_product = Map::new();
        if !files.is_empty() {
            per_product.insert(pid, Value::Array(files));
        }
        downloads.insert(id, Value::Object(per_product));
    }
    Ok(json!({ "downloads": downloads }))
}

fn currency_symbol(code: &str) -> String {
    crate::reference::CURRENCIES
        .iter()
        .find(|c| c.1 == code)
        .map_or(code.to_string(), |c| c.4.to_string())
}

/// `listInvoices(purchase_id)` (needs a full-access key, as documented).
pub fn list_invoices(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("purchase_id")?;
    let p = must(tx, kind::PURCHASE, &id, Entity::Purchase)?;
    let rows: Vec<Value> = ledger::purchase_transactions(tx, &id)
        .into_iter()
        .filter(|t| matches!(sr(t, "type"), "payment" | "refund"))
        .map(|t| {
            let no = s(t, "invoice_no");
            let at = time::parse_stored(sr(t, "created_at"));
            let amount = cents(t, "amount");
            let sym = currency_symbol(sr(t, "currency"));
            let refund = sr(t, "type") == "refund";
            let label = match req.lang {
                Lang::De => format!(
                    "{} Nr. {no} - {} - {} {sym}",
                    if refund { "Gutschrift" } else { "Rechnung" },
                    at.map(|a| a.format("%d.%m.%Y").to_string())
                        .unwrap_or_default(),
                    money_de(amount)
                ),
                Lang::En => format!(
                    "{} no. {no} - {} - {sym}{}",
                    if refund { "Credit note" } else { "Invoice" },
                    at.map(|a| time::fmt_date(a.date())).unwrap_or_default(),
                    money(amount)
                ),
            };
            json!({
                "invoice_url": invoice_url(p, t),
                "invoice_label": label,
                "invoice_id": no,
                "invoice_date": at.map(|a| time::fmt_date(a.date())).unwrap_or_default(),
                "pay_method": s(t, "pay_method"),
                "pay_method_msg": req.label("pay_method", sr(t, "pay_method")),
                "purchase_id": id,
                "type": s(t, "type"),
                "amount": s(t, "amount"),
                "currency": s(t, "currency"),
            })
        })
        .collect();
    Ok(json!({ "purchase_id": id, "invoice_list": rows }))
}

// ---------------------------------------------------------------- buyers

fn render_buyer(b: &Value) -> Value {
    let mut out = pick(
        b,
        &[
            "id",
            "address_id",
            "created_at",
            "email",
            "first_name",
            "last_name",
            "salutation",
            "title",
            "company",
        ],
    );
    set(&mut out, "street", street(b));
    for f in [
        "street_name",
        "street_number",
        "zipcode",
        "city",
        "state",
        "country",
        "phone_no",
    ] {
        set(&mut out, f, s(b, f));
    }
    out
}

/// `getBuyer(buyer_id)`.
pub fn get_buyer(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("buyer_id")?;
    let b = must(tx, kind::BUYER, &id, Entity::Buyer)?;
    Ok(json!({ "buyer": render_buyer(b) }))
}

/// `updateBuyer(buyer_id, data)`.
pub fn update_buyer(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("buyer_id")?;
    let data = req.p.obj("data")?;
    let before = must(tx, kind::BUYER, &id, Entity::Buyer)?.clone();
    let mut doc = before.clone();
    if let Some(e) = data.raw_str("email") {
        let e = e.trim().to_string();
        if !e.contains('@') || e.contains(' ') {
            return Err(ApiError::invalid(
                &data.path("email"),
                "keine gültige E-Mail-Adresse.",
                "not a valid e-mail address.",
            ));
        }
        set(&mut doc, "email", e);
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
        set(&mut doc, "salutation", sal);
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
        set(&mut doc, "country", c);
    }
    for (wire, field) in [
        ("first_name", "first_name"),
        ("last_name", "last_name"),
        ("title", "title"),
        ("company", "company"),
        ("street_name", "street_name"),
        ("street_number", "street_number"),
        ("phone_number", "phone_no"),
        ("phone_no", "phone_no"),
        ("city", "city"),
        ("zipcode", "zipcode"),
        ("state", "state"),
    ] {
        if let Some(v) = data.raw_str(wire) {
            set(&mut doc, field, v.trim());
        }
    }
    let changed = doc != before;
    if changed {
        tx.put(kind::BUYER, &id, doc);
    }
    Ok(json!({ "is_modified": yn(changed) }))
}

/// `listBuyers(page_no, page_size)`.
pub fn list_buyers(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let rows: Vec<&Value> = tx.all(kind::BUYER).map(|(_, b)| b).collect();
    let (page_rows, page) = paginate(&req.p, rows, 100, 1000)?;
    let mut out = Map::new();
    page.write(&mut out);
    out.insert(
        "items".into(),
        Value::Array(page_rows.into_iter().map(render_buyer).collect()),
    );
    Ok(Value::Object(out))
}

// ---------------------------------------------------------------- licenses, balance, mails

/// `validateLicenseKey(purchase_id, license_key)`.
pub fn validate_license_key(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("purchase_id")?;
    let key = req.p.str("license_key")?;
    let p = must(tx, kind::PURCHASE, &id, Entity::Purchase)?;
    let stored = s(p, "license_key");
    let found = !stored.is_empty() && stored.eq_ignore_ascii_case(key.trim());
    let valid = found && !matches!(sr(p, "billing_status"), "aborted" | "unpaid");
    Ok(json!({
        "is_license_valid": yn(valid),
        "is_license_key_found": yn(found),
        "purchase_id": id,
    }))
}

/// `addBalanceToPurchase(purchase_id, amount)`.
pub fn add_balance_to_purchase(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("purchase_id")?;
    let amount = req.p.money("amount")?;
    if amount <= 0 {
        return Err(ApiError::not_positive("amount"));
    }
    must(tx, kind::PURCHASE, &id, Entity::Purchase)?;
    let p = tx
        .get_mut(kind::PURCHASE, &id)
        .ok_or_else(|| ApiError::not_found(Entity::Purchase, &id))?;
    let old = cents(p, "balance");
    set(p, "balance", money(old + amount));
    Ok(json!({ "old_balance": money(old), "new_balance": money(old + amount) }))
}

/// `resendInvoiceMail(purchase_id)`.
pub fn resend_invoice_mail(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("purchase_id")?;
    must(tx, kind::PURCHASE, &id, Entity::Purchase)?;
    let has_invoice = ledger::purchase_transactions(tx, &id)
        .iter()
        .any(|t| sr(t, "type") == "payment");
    if !has_invoice {
        return Ok(json!({
            "status": "error",
            "note": req.msg("Für diese Bestellung gibt es noch keine Rechnung.", "There is no invoice for this order yet."),
        }));
    }
    let now = req.now_s();
    if let Some(p) = tx.get_mut(kind::PURCHASE, &id) {
        set(p, "invoice_mail_sent_at", now);
    }
    Ok(json!({
        "status": "success",
        "note": req.msg("Die Rechnungen wurden versandt.", "The invoices have been sent."),
    }))
}

/// `resendPurchaseConfirmationMail(purchase_id)`.
pub fn resend_purchase_confirmation_mail(
    tx: &mut Tx<'_>,
    req: &Req<'_>,
) -> Result<Value, ApiError> {
    let id = req.p.str("purchase_id")?;
    must(tx, kind::PURCHASE, &id, Entity::Purchase)?;
    let now = req.now_s();
    if let Some(p) = tx.get_mut(kind::PURCHASE, &id) {
        set(p, "confirmation_mail_sent_at", now);
    }
    Ok(json!({
        "modified": "Y",
        "note": req.msg(
            "Die Bestellbestätigung wurde erneut versendet.",
            "The order confirmation has been sent again.",
        ),
    }))
}

/// `updatePurchase(purchase_id, data)`.
pub fn update_purchase(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("purchase_id")?;
    let data = req.p.obj("data")?;
    let before = must(tx, kind::PURCHASE, &id, Entity::Purchase)?.clone();
    let mut doc = before.clone();
    if let Some(v) = data.raw_str("tracking_param") {
        set(&mut doc, "tracking_param", v.trim());
    }
    if let Some(v) = data.raw_str("custom") {
        set(&mut doc, "custom", v.trim());
    }
    if let Some(b) = data.opt_bool("unlock_invoices")? {
        set(&mut doc, "unlock_invoices", model::yn(b));
    }
    if let Some(next) = data.opt_time("next_payment_at", req.now, req.start, DateEnd::Start)? {
        let current = s(&doc, "next_payment_at");
        if current.is_empty() {
            return Err(ApiError::refused(
                "Für diese Bestellung ist keine weitere Zahlung geplant.",
                "No further payment is scheduled for this order.",
            ));
        }
        let next_s = time::fmt(next);
        if next_s < current {
            return Err(ApiError::invalid(
                &data.path("next_payment_at"),
                "der nächste Zahlungstermin kann nur verschoben, nicht vorgezogen werden.",
                "the next payment can only be postponed, not brought forward.",
            ));
        }
        set(&mut doc, "next_payment_at", next_s);
    }
    let changed = doc != before;
    if changed {
        tx.put(kind::PURCHASE, &id, doc);
    }
    Ok(json!({ "is_modified": yn(changed) }))
}

// ---------------------------------------------------------------- refunds

/// The refund window of the money-back guarantee.
const REFUND_DAYS: i64 = 60;

/// Ends rebilling after a full refund or chargeback and records the status change.
pub fn abort_after_refund(tx: &mut Tx<'_>, purchase_id: &str, now: &str) {
    let Some(p) = tx.get(kind::PURCHASE, purchase_id).cloned() else {
        return;
    };
    let was_running = s(&p, "rebilling_active") == "Y";
    if let Some(doc) = tx.get_mut(kind::PURCHASE, purchase_id) {
        set(doc, "billing_status", "aborted");
        set(doc, "rebilling_active", "N");
        set(doc, "next_payment_at", "");
    }
    if was_running {
        super::payments::record_rebill_change(
            tx,
            purchase_id,
            now,
            int(&p, "pay_sequence_no"),
            "rebill_cancelled",
        );
    }
}

/// Whether the refund period of `payment` is over (judged at `request_date`, default now).
pub fn refund_period_over(req: &Req<'_>, payment: &Value) -> Result<bool, ApiError> {
    let asked = req.time("request_date", DateEnd::End)?.unwrap_or(req.now);
    let paid = time::parse_stored(sr(payment, "created_at")).unwrap_or(req.now);
    Ok(asked - paid > chrono::Duration::days(REFUND_DAYS))
}

/// The answer when the refund period is over and `force` was not given.
pub fn refused_period(req: &Req<'_>) -> Value {
    json!({
        "status": "refused",
        "modified": "N",
        "note": match req.lang {
            Lang::De => format!("Die Erstattungsfrist von {REFUND_DAYS} Tagen ist abgelaufen. Mit force=Y kann trotzdem erstattet werden."),
            Lang::En => format!("The {REFUND_DAYS}-day refund period has expired. Use force=Y to refund anyway."),
        },
        "error_reason": "",
    })
}

/// `refundPurchase(purchase_id, force, request_date)`: refunds every payment still refundable.
pub fn refund_purchase(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("purchase_id")?;
    let force = req.p.bool_or("force", false)?;
    must(tx, kind::PURCHASE, &id, Entity::Purchase)?;
    let payments: Vec<(String, i64, Value)> = ledger::purchase_transactions(tx, &id)
        .into_iter()
        .filter(|t| ledger::refundable(t) > 0)
        .map(|t| (s(t, "id"), ledger::refundable(t), t.clone()))
        .collect();
    let Some(last) = payments.last() else {
        return Ok(json!({
            "status": "error",
            "modified": "N",
            "note": req.msg(
                "Die Bestellung wurde bereits vollständig erstattet oder hat keine Zahlungen.",
                "The order has already been fully refunded or has no payments.",
            ),
            "error_reason": "refund_completed",
        }));
    };
    if !force && refund_period_over(req, &last.2)? {
        return Ok(refused_period(req));
    }
    let mut total = 0;
    let mut ids = Vec::new();
    for (pid, amount, _) in &payments {
        if let Some(t) = ledger::book_reversal(tx, pid, "refund", *amount, req.now) {
            ids.push(Value::String(t));
            total += amount;
        }
    }
    abort_after_refund(tx, &id, &req.now_s());
    let currency = tx
        .get(kind::PURCHASE, &id)
        .map(|p| s(p, "currency"))
        .unwrap_or_default();
    Ok(json!({
        "status": "completed",
        "modified": "Y",
        "note": req.msg("Die Zahlungen wurden erstattet.", "The payments have been refunded."),
        "refunded_amount": money(total),
        "currency": currency,
        "refund_transaction_ids": ids,
    }))
}

/// `refundPartially(purchase_id, amount)`: refunds `amount` from the newest payments.
pub fn refund_partially(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("purchase_id")?;
    let amount = req.p.money("amount")?;
    if amount <= 0 {
        return Err(ApiError::not_positive("amount"));
    }
    must(tx, kind::PURCHASE, &id, Entity::Purchase)?;
    let mut payments: Vec<(String, i64)> = ledger::purchase_transactions(tx, &id)
        .into_iter()
        .filter(|t| ledger::refundable(t) > 0)
        .map(|t| (s(t, "id"), ledger::refundable(t)))
        .collect();
    let available: i64 = payments.iter().map(|p| p.1).sum();
    if amount > available {
        return Err(ApiError::invalid(
            "amount",
            &format!(
                "höchstens {} können noch erstattet werden.",
                money_de(available)
            ),
            &format!("at most {} can still be refunded.", money(available)),
        ));
    }
    payments.reverse();
    let mut left = amount;
    for (pid, refundable) in payments {
        if left == 0 {
            break;
        }
        let part = left.min(refundable);
        ledger::book_reversal(tx, &pid, "refund", part, req.now);
        left -= part;
    }
    if amount == available {
        abort_after_refund(tx, &id, &req.now_s());
    }
    let currency = tx
        .get(kind::PURCHASE, &id)
        .map(|p| s(p, "currency"))
        .unwrap_or_default();
    Ok(json!({
        "modified": "Y",
        "note": match req.lang {
            Lang::De => format!("Teilerstattung über {} {currency} wurde durchgeführt.", money_de(amount)),
            Lang::En => format!("A partial refund of {} {currency} has been made.", money(amount)),
        },
        "refunded_amount": money(amount),
    }))
}

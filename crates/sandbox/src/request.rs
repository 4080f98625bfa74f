//! What every handler needs besides the backend: the request context ([`Req`]) and the one
//! shared copy of each parameter rule (paging, time windows, sort order, enum lists, URL,
//! e-mail and currency checks, lookups that answer code 4).
//!
//! Handlers import from here and from the backend, never from each other, so a rule changes
//! in one place for every function that uses it.

use chrono::{Duration, NaiveDateTime};
use serde_json::{Map, Value, json};

use crate::config::{KeyPermission, KeySpec};
use crate::documents::{Buyer, Document, Purchase};
use crate::error::{ApiError, Entity, Lang};
use crate::params::{Params, View};
use crate::reference;
use crate::store::Tx;
use crate::time::{self, DateEnd};

/// What a handler gets besides the store.
pub struct Req<'a> {
    /// The function name.
    pub function: &'static str,
    /// The call's parameters (positional arguments already mapped to names).
    pub p: View<'a>,
    /// Language of messages and labels.
    pub lang: Lang,
    /// The request's clock (Berlin wall-clock time).
    pub now: NaiveDateTime,
    /// The account creation time (`start` in time expressions).
    pub start: NaiveDateTime,
    /// The calling key.
    pub key: &'a KeySpec,
}

impl Req<'_> {
    /// A point-in-time parameter.
    pub fn time(&self, name: &str, end: DateEnd) -> Result<Option<NaiveDateTime>, ApiError> {
        self.p.opt_time(name, self.now, self.start, end)
    }

    /// A localized `*_msg` label.
    pub fn label(&self, domain: &str, value: &str) -> String {
        crate::labels::label(self.lang, domain, value)
    }

    /// Text in the request language.
    pub fn msg(&self, de: &str, en: &str) -> String {
        self.lang.pick(de, en).to_string()
    }

    /// Demands a full-access key (for read functions with a writing option).
    pub fn require_full(&self) -> Result<(), ApiError> {
        match self.key.permission {
            KeyPermission::Full => Ok(()),
            KeyPermission::Read => Err(ApiError::read_only_key(self.function)),
            KeyPermission::Developer => Err(ApiError::developer_key(self.function)),
        }
    }

    /// The current time as a wire string.
    pub fn now_s(&self) -> String {
        time::fmt(self.now)
    }

    /// A nested object parameter such as `search[...]`, or an empty one.
    pub fn obj_or_empty<'e>(&'e self, name: &str, empty: &'e Params) -> Result<View<'e>, ApiError> {
        Ok(match self.p.opt_obj(name)? {
            Some(v) => v,
            None => empty.view(),
        })
    }
}

/// `Y`/`N` as a JSON string value.
pub fn yn(b: bool) -> Value {
    Value::String(crate::documents::yn(b).to_string())
}

/// Requires a document to exist, else code 4.
pub fn must<'t, T: Document>(tx: &'t Tx<'_>, id: &str, what: Entity) -> Result<&'t T, ApiError> {
    tx.get::<T>(id).ok_or_else(|| ApiError::not_found(what, id))
}

/// Paging over a filtered row list.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    /// 1-based page number.
    pub page_no: usize,
    /// Rows per page (0 = all).
    pub page_size: usize,
    /// Number of pages.
    pub page_count: usize,
    /// Number of rows over all pages.
    pub item_count: usize,
}

impl Page {
    /// Computes the paging for `total` rows.
    pub fn new(page_no: usize, page_size: usize, total: usize) -> Self {
        let page_count = if page_size == 0 {
            usize::from(total > 0)
        } else {
            total.div_ceil(page_size)
        };
        Self {
            page_no,
            page_size,
            page_count,
            item_count: total,
        }
    }

    /// The index range of this page within the full row list.
    pub fn range(&self) -> std::ops::Range<usize> {
        if self.page_size == 0 {
            return if self.page_no <= 1 {
                0..self.item_count
            } else {
                0..0
            };
        }
        let start = (self.page_no - 1)
            .saturating_mul(self.page_size)
            .min(self.item_count);
        let end = start.saturating_add(self.page_size).min(self.item_count);
        start..end
    }

    /// Writes `page_no`, `page_size`, `page_count`, `item_count` (as strings) into `out`.
    pub fn write(&self, out: &mut Map<String, Value>) {
        out.insert("page_no".into(), json!(self.page_no.to_string()));
        out.insert("page_size".into(), json!(self.page_size.to_string()));
        out.insert("page_count".into(), json!(self.page_count.to_string()));
        out.insert("item_count".into(), json!(self.item_count.to_string()));
    }
}

/// Applies `page_no`/`page_size` (with defaults) to `rows`, returning the page and its paging.
pub fn paginate<T>(
    p: &View<'_>,
    rows: Vec<T>,
    default_size: i64,
    max_size: i64,
) -> Result<(Vec<T>, Page), ApiError> {
    let page_no = p.int_in("page_no", 1, 1, 1_000_000)?;
    let page_size = p.int_in("page_size", default_size, 0, max_size)?;
    let page = Page::new(page_no as usize, page_size as usize, rows.len());
    let range = page.range();
    let out = rows
        .into_iter()
        .skip(range.start)
        .take(range.end - range.start)
        .collect();
    Ok((out, page))
}

/// Reads `from`/`to` (defaults -24h..now) as wire strings for comparisons.
pub fn window(req: &Req<'_>) -> Result<(String, String), ApiError> {
    let from = req
        .time("from", DateEnd::Start)?
        .unwrap_or(req.now - Duration::hours(24));
    let to = req.time("to", DateEnd::End)?.unwrap_or(req.now);
    Ok((time::fmt(from), time::fmt(to)))
}

/// Reads `sort_order` (asc by default); true for descending.
pub fn sort_desc(req: &Req<'_>) -> Result<bool, ApiError> {
    Ok(req.p.opt_enum("sort_order", &["asc", "desc"])?.as_deref() == Some("desc"))
}

/// A comma list (or list parameter) whose items must all be among `allowed`.
pub fn enum_list(
    v: &View<'_>,
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

/// Splits a comma list, trimmed, empties dropped.
pub fn comma_list(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

/// Whether `list` (a comma list such as `"all"` or `"1,2,3"`) includes `id`.
pub fn list_includes(list: &str, id: &str) -> bool {
    let l = list.trim();
    l.is_empty() || l == "all" || l.split(',').any(|x| x.trim() == id)
}

/// At most `max` characters.
pub fn check_len(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if value.chars().count() > max {
        return Err(ApiError::invalid(
            field,
            &format!("höchstens {max} Zeichen erlaubt."),
            &format!("at most {max} characters allowed."),
        ));
    }
    Ok(())
}

/// A URL parameter: public https, at most 255 characters (empty clears it).
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

/// The URLs an app names in `requestApiKey` (`return_url`, `cancel_url`, `site_url`): what
/// [`check_url`] accepts, and also http(s) on this machine (`localhost`, `127.x`, `[::1]`). The
/// sandbox serves its approval page on this machine, so a local app (ds24-mcp on
/// `http://localhost:8787`) can run the whole key flow offline; Digistore24 itself wants a
/// public https URL.
pub fn check_app_url(field: &str, value: &str) -> Result<(), ApiError> {
    let lower = value.to_ascii_lowercase();
    let local = ["http://", "https://"].iter().any(|scheme| {
        lower.strip_prefix(scheme).is_some_and(|rest| {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
            let host = match authority.strip_prefix('[') {
                Some(v6) => v6.split(']').next().unwrap_or(""),
                None => authority.split(':').next().unwrap_or(""),
            };
            host == "localhost" || host == "::1" || host.starts_with("127.")
        })
    });
    if local {
        check_len(field, value, 255)
    } else {
        check_url(field, value)
    }
}

/// The one e-mail rule: an `@` and no whitespace. Returns the trimmed address.
pub fn check_email(field: &str, value: &str) -> Result<String, ApiError> {
    let e = value.trim();
    if !e.contains('@') || e.chars().any(char::is_whitespace) {
        return Err(ApiError::invalid(
            field,
            "keine gültige E-Mail-Adresse.",
            "not a valid e-mail address.",
        ));
    }
    Ok(e.to_string())
}

/// A known currency code (upper-cased).
pub fn check_currency(field: &str, value: &str) -> Result<String, ApiError> {
    let c = value.trim().to_uppercase();
    if !reference::is_currency(&c) {
        return Err(ApiError::invalid(
            field,
            &format!("unbekannte Währung '{c}'."),
            &format!("unknown currency '{c}'."),
        ));
    }
    Ok(c)
}

/// An amount that must not be negative.
pub fn check_not_negative(field: &str, cents: i64) -> Result<i64, ApiError> {
    if cents < 0 {
        return Err(ApiError::invalid(
            field,
            "Beträge dürfen nicht negativ sein.",
            "amounts must not be negative.",
        ));
    }
    Ok(cents)
}

/// A percentage (as cents of a money value) between 0 and 100.
pub fn check_percent(field: &str, cents: i64) -> Result<i64, ApiError> {
    if !(0..=10_000).contains(&cents) {
        return Err(ApiError::invalid(
            field,
            "Prozentsatz zwischen 0 und 100 erwartet.",
            "a percentage between 0 and 100 is expected.",
        ));
    }
    Ok(cents)
}

/// A billing interval such as `1_month`.
pub fn check_interval(field: &str, value: &str) -> Result<(), ApiError> {
    if time::parse_interval(value).is_none() {
        return Err(ApiError::invalid(
            field,
            &format!("'{value}' ist kein Intervall (z. B. 1_month, 14_day)."),
            &format!("'{value}' is not an interval (e.g. 1_month, 14_day)."),
        ));
    }
    Ok(())
}

/// Splits a comma list of ids and requires each to exist.
pub fn ids_must_exist<T: Document>(
    tx: &Tx<'_>,
    raw: &str,
    what: Entity,
) -> Result<Vec<String>, ApiError> {
    let ids = comma_list(raw);
    for id in &ids {
        must::<T>(tx, id, what)?;
    }
    Ok(ids)
}

/// Answers one record, or (for a comma list) an object keyed by id, as the API does.
pub fn one_or_keyed(ids: Vec<String>, mut render: impl FnMut(&str) -> Value) -> Value {
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

/// Billing type keys.
pub const BILLING_TYPES: &[&str] = &["single_payment", "subscription", "installment"];
/// Transaction type keys.
pub const TRANSACTION_TYPES: &[&str] = &["payment", "refund", "chargeback", "refund_request"];
/// Languages a product or order form may have.
pub const LANGUAGES: &[&str] = &["de", "en", "es", "fr", "nl", "it", "pt", "pl", "sl"];

/// The purchase/transaction search filters (`search[...]`) of listPurchases and
/// listTransactions.
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

impl Search {
    /// Reads `search[...]`.
    pub fn parse(req: &Req<'_>) -> Result<Self, ApiError> {
        let empty = Params::default();
        let v = req.obj_or_empty("search", &empty)?;
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
            pay_methods: enum_list(&v, "pay_method", reference::PAY_METHODS)?,
            billing_types: enum_list(&v, "billing_type", BILLING_TYPES)?,
            transaction_types: enum_list(&v, "transaction_type", TRANSACTION_TYPES)?,
            currency: v.opt_str("currency").map(|c| c.to_uppercase()),
            purchase_ids: v.list_str("purchase_id"),
        })
    }

    /// Whether a transaction type passes the `transaction_type` filter.
    pub fn keeps_type(&self, ty: &str) -> bool {
        self.transaction_types
            .as_ref()
            .is_none_or(|types| types.iter().any(|x| x == ty))
    }

    /// Whether a purchase (with its buyer) passes the purchase-level filters.
    pub fn matches(&self, tx: &Tx<'_>, p: &Purchase) -> bool {
        if !self.roles_include_vendor {
            return false;
        }
        if !self.product_ids.is_empty() && !self.product_ids.contains(&p.product_id) {
            return false;
        }
        if !self.purchase_ids.is_empty() && !self.purchase_ids.contains(&p.id) {
            return false;
        }
        if let Some(h) = self.has_affiliate
            && h == p.affiliate_id.is_empty()
        {
            return false;
        }
        if let Some(a) = &self.affiliate_name
            && p.affiliate_name.to_lowercase() != *a
        {
            return false;
        }
        if let Some(o) = &self.order_type
            && p.order_type != *o
        {
            return false;
        }
        if let Some(pm) = &self.pay_methods
            && !pm.contains(&p.pay_method)
        {
            return false;
        }
        if let Some(bt) = &self.billing_types
            && !bt.iter().any(|x| x == p.billing_type.as_str())
        {
            return false;
        }
        if let Some(c) = &self.currency
            && p.currency != *c
        {
            return false;
        }
        if self.first_name.is_some() || self.last_name.is_some() || self.email.is_some() {
            let Some(b) = tx.get::<Buyer>(&p.buyer_id) else {
                return false;
            };
            let has = |field: &str, want: &Option<String>| {
                want.as_ref()
                    .is_none_or(|w| field.to_lowercase().contains(w.as_str()))
            };
            if !has(&b.first_name, &self.first_name)
                || !has(&b.last_name, &self.last_name)
                || !has(&b.email, &self.email)
            {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages() {
        let p = Page::new(2, 10, 25);
        assert_eq!(p.page_count, 3);
        assert_eq!(p.range(), 10..20);
        let p = Page::new(3, 10, 25);
        assert_eq!(p.range(), 20..25);
        let p = Page::new(9, 10, 25);
        assert_eq!(p.range(), 25..25);
        let p = Page::new(1, 0, 25);
        assert_eq!(p.range(), 0..25);
        assert_eq!(p.page_count, 1);
        assert_eq!(Page::new(1, 10, 0).page_count, 0);
    }

    #[test]
    fn lists() {
        assert!(list_includes("all", "5"));
        assert!(list_includes("1, 5", "5"));
        assert!(!list_includes("1,55", "5"));
    }

    #[test]
    fn urls_must_be_public_https() {
        assert!(check_url("u", "https://example.com/x").is_ok());
        assert!(check_url("u", "").is_ok());
        assert!(check_url("u", "http://example.com").is_err());
        assert!(check_url("u", "https://localhost/x").is_err());
        assert!(check_url("u", "https://127.0.0.1/x").is_err());
    }

    #[test]
    fn one_email_rule() {
        assert_eq!(check_email("e", " a@b.de ").unwrap(), "a@b.de");
        assert!(check_email("e", "ab.de").is_err());
        assert!(check_email("e", "a b@c.de").is_err());
    }
}

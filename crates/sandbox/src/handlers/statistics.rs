//! The statistics toolset: sales summaries, sales per period, daily amounts, expected
//! payouts, marketplace statistics and the affiliate top list.
//!
//! Every figure is computed from the stored transactions at call time, with the same window
//! test (`from <= created_at <= to`) listTransactions uses, so statsSalesSummary, statsSales,
//! statsDailyAmounts and listTransactions' summary agree for the same period. Test orders count
//! like live ones (listTransactions shows them too); payouts only cover live orders.
//!
//! Column meaning: `*_brutto_amount` = gross incl. VAT, `*_netto_amount` = gross minus VAT,
//! `*_share_amount` = the vendor's earnings (after fee and affiliate commission). The demo
//! account only sells as vendor, so `affiliate_*` and `other_*` are zero and `total_*` equals
//! `vendor_*`.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use serde_json::{Map, Value, json};

use crate::documents::{Affiliate, MarketplaceEntry, Payout, Transaction, TxType};
use crate::error::ApiError;
use crate::money::money;
use crate::request::Req;
use crate::store::Tx;
use crate::time::{self, DateEnd};

#[derive(Debug, Default, Clone, Copy)]
struct Sums {
    brutto: i64,
    netto: i64,
    share: i64,
}

impl Sums {
    fn add(&mut self, t: &Transaction) {
        let gross = t.amount.cents();
        self.brutto += gross;
        self.netto += gross - t.vat_amount.cents();
        self.share += t.vendor_amount.cents();
    }

    fn fields(&self, out: &mut Map<String, Value>) {
        let zero = money(0);
        for (role, sums) in [("vendor", Some(self)), ("affiliate", None), ("other", None)] {
            let (share, brutto, netto) = match sums {
                Some(x) => (money(x.share), money(x.brutto), money(x.netto)),
                None => (zero.clone(), zero.clone(), zero.clone()),
            };
            out.insert(format!("{role}_share_amount"), json!(share));
            out.insert(format!("{role}_brutto_amount"), json!(brutto));
            out.insert(format!("{role}_netto_amount"), json!(netto));
        }
        out.insert("total_share_amount".into(), json!(money(self.share)));
        out.insert("total_brutto_amount".into(), json!(money(self.brutto)));
        out.insert("total_netto_amount".into(), json!(money(self.netto)));
    }

    fn object(&self) -> Value {
        let mut m = Map::new();
        self.fields(&mut m);
        Value::Object(m)
    }
}

/// Sums per currency of the transactions with `from <= created_at <= to`.
fn sums_by_currency(tx: &Tx<'_>, from: &str, to: &str) -> BTreeMap<String, Sums> {
    let mut out: BTreeMap<String, Sums> = BTreeMap::new();
    for t in tx.all::<Transaction>() {
        if t.created_at.as_str() >= from && t.created_at.as_str() <= to {
            out.entry(t.currency.clone()).or_default().add(t);
        }
    }
    out
}

fn quarter_start(d: NaiveDate) -> NaiveDate {
    let m = (d.month0() / 3) * 3 + 1;
    NaiveDate::from_ymd_opt(d.year(), m, 1).unwrap_or(d)
}

fn period_start(period: &str, d: NaiveDate) -> NaiveDate {
    match period {
        "day" => d,
        "week" => d - Duration::days(i64::from(d.weekday().num_days_from_monday())),
        "month" => d.with_day(1).unwrap_or(d),
        "quarter" => quarter_start(d),
        "year" => NaiveDate::from_ymd_opt(d.year(), 1, 1).unwrap_or(d),
        _ => d,
    }
}

fn period_next(period: &str, start: NaiveDate) -> NaiveDate {
    let months = |n: u32| {
        start
            .checked_add_months(chrono::Months::new(n))
            .unwrap_or(start)
    };
    match period {
        "day" => start + Duration::days(1),
        "week" => start + Duration::days(7),
        "month" => months(1),
        "quarter" => months(3),
        _ => months(12),
    }
}

fn duration_ms(req: &Req<'_>) -> Value {
    let elapsed = (time::now() - req.now).num_milliseconds().max(1);
    json!({ "total_call": elapsed as f64 })
}

/// `statsSalesSummary()`: today, this week (from Monday), month, quarter, year and all time.
pub fn stats_sales_summary(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let today = req.now.date();
    let to = req.now_s();
    let mut periods = Map::new();
    for period in ["day", "week", "month", "quarter", "year", "all"] {
        let start = if period == "all" {
            req.start.date()
        } else {
            period_start(period, today)
        };
        let from = time::fmt(time::day_start(start));
        let mut amounts = Map::new();
        for (cur, sums) in sums_by_currency(tx, &from, &to) {
            amounts.insert(cur, sums.object());
        }
        periods.insert(
            period.into(),
            json!({
                "from": time::fmt_date(start),
                "to": time::fmt_date(today),
                "amounts": amounts,
            }),
        );
    }
    Ok(json!({ "for": periods, "call_duration_ms": duration_ms(req) }))
}

/// `statsSales(period, from, to)`: one row per period bucket and currency.
pub fn stats_sales(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let period = req
        .p
        .opt_enum("period", &["day", "week", "month", "quarter", "year"])?
        .unwrap_or_else(|| "week".into());
    let to = req
        .time("to", DateEnd::End)?
        .unwrap_or(req.now)
        .min(req.now);
    let from = match req.time("from", DateEnd::Start)? {
        Some(f) => f,
        None => {
            let mut start = period_start(&period, to.date());
            for _ in 0..11 {
                start = period_start(&period, start - Duration::days(1));
            }
            time::day_start(start)
        }
    };
    if from > to {
        return Err(ApiError::invalid(
            "from",
            "der Beginn liegt nach dem Ende des Zeitraums.",
            "the start is after the end of the period.",
        ));
    }
    // Buckets.
    let mut buckets: Vec<(NaiveDateTime, NaiveDateTime)> = Vec::new();
    let mut start = period_start(&period, from.date());
    while time::day_start(start) <= to && buckets.len() < 5000 {
        let next = period_next(&period, start);
        let b_from = time::day_start(start).max(from);
        let b_to = (time::day_start(next) - Duration::seconds(1)).min(to);
        buckets.push((b_from, b_to));
        start = next;
    }
    let from_s = time::fmt(from);
    let to_s = time::fmt(to);
    let mut per: BTreeMap<String, Vec<Sums>> = BTreeMap::new();
    for t in tx.all::<Transaction>() {
        if t.created_at < from_s || t.created_at > to_s {
            continue;
        }
        let Some(at) = time::parse_stored(&t.created_at) else {
            continue;
        };
        let idx = buckets.partition_point(|b| b.1 < at);
        let row = per
            .entry(t.currency.clone())
            .or_insert_with(|| vec![Sums::default(); buckets.len()]);
        if let Some(sums) = row.get_mut(idx) {
            sums.add(t);
        }
    }
    let mut amounts = Map::new();
    for (cur, sums) in per {
        let rows: Vec<Value> = buckets
            .iter()
            .zip(sums)
            .map(|((bf, bt), s)| {
                let mut m = Map::new();
                m.insert("from".into(), json!(time::fmt_date(bf.date())));
                m.insert("to".into(), json!(time::fmt_date(bt.date())));
                s.fields(&mut m);
                Value::Object(m)
            })
            .collect();
        amounts.insert(cur, Value::Array(rows));
    }
    Ok(json!({
        "amounts": amounts,
        "from": time::fmt_date(from.date()),
        "to": time::fmt_date(to.date()),
        "period": period,
    }))
}

/// `statsDailyAmounts(from, to)`: one row per day and currency with sales; default the last
/// seven calendar days including today.
pub fn stats_daily_amounts(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let from = req
        .time("from", DateEnd::Start)?
        .unwrap_or_else(|| time::day_start(req.now.date() - Duration::days(6)));
    let to = req.time("to", DateEnd::End)?.unwrap_or(req.now);
    let (from_s, to_s) = (time::fmt(from), time::fmt(to));
    let mut per: BTreeMap<(String, String), Sums> = BTreeMap::new();
    for t in tx.all::<Transaction>() {
        if t.created_at >= from_s && t.created_at <= to_s {
            let day = t.created_at.get(..10).unwrap_or("").to_string();
            per.entry((day, t.currency.clone())).or_default().add(t);
        }
    }
    let rows: Vec<Value> = per
        .into_iter()
        .map(|((day, cur), sums)| {
            let mut m = Map::new();
            m.insert("day".into(), json!(day));
            m.insert("currency".into(), json!(cur));
            sums.fields(&mut m);
            Value::Object(m)
        })
        .collect();
    Ok(json!({ "from": from_s, "to": to_s, "amount_list": rows }))
}

fn next_payout_date(now: NaiveDateTime) -> NaiveDate {
    let this = now.date().with_day(5).unwrap_or(now.date());
    if this > now.date() {
        this
    } else {
        time::next_month(now.date()) + Duration::days(4)
    }
}

fn as_number(c: i64) -> Value {
    json!(c as f64 / 100.0)
}

/// `statsExpectedPayouts()`: live earnings minus what was paid out.
pub fn stats_expected_payouts(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let mut earned: BTreeMap<String, i64> = BTreeMap::new();
    for t in tx.all::<Transaction>() {
        if t.order_type != "test" {
            *earned.entry(t.currency.clone()).or_default() += t.vendor_amount.cents();
        }
    }
    let mut paid: BTreeMap<String, i64> = BTreeMap::new();
    for p in tx.all::<Payout>() {
        *paid.entry(p.currency.clone()).or_default() += p.vendor_net_amount.cents();
    }
    let mut total = Map::new();
    let mut paid_m = Map::new();
    let mut pending = Map::new();
    let mut future = Map::new();
    for (cur, e) in &earned {
        let p = paid.get(cur).copied().unwrap_or(0);
        total.insert(cur.clone(), as_number(*e));
        paid_m.insert(cur.clone(), as_number(p));
        pending.insert(cur.clone(), as_number(e - p));
        future.insert(
            cur.clone(),
            json!({
                "amount": as_number(e - p),
                "can_payout": if e - p >= 5000 { "Y" } else { "N" },
                "treshold": 50,
                "note": "",
            }),
        );
    }
    let date = time::fmt_date(next_payout_date(req.now));
    let mut future_amounts = Map::new();
    future_amounts.insert(date, Value::Object(future));
    Ok(json!({
        "total_earnings": total.clone(),
        "paidout_amount": paid_m.clone(),
        "pending_amount": pending.clone(),
        "future_amounts": future_amounts,
        "by_reseller": [{
            "reseller_id": 1,
            "reseller_name": "Digistore24 GmbH, Germany",
            "total_earnings": total,
            "paidout_amount": paid_m,
            "pending_amount": pending,
            "future_amounts": {},
        }],
        "note": { "message": "", "reasons": [] },
        "call_duration_ms": duration_ms(req),
    }))
}

/// `statsMarketplace(language)`.
pub fn stats_marketplace(tx: &mut Tx<'_>, _req: &Req<'_>) -> Result<Value, ApiError> {
    let rows: Vec<Value> = tx
        .all::<MarketplaceEntry>()
        .map(MarketplaceEntry::stats_row)
        .collect();
    Ok(json!({ "entries": rows }))
}

/// `statsAffiliateToplist(from, to, affiliate, currency)`: months `YYYY-MM`.
pub fn stats_affiliate_toplist(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let month = |name: &str| -> Result<NaiveDate, ApiError> {
        let raw = req.p.str(name)?;
        time::parse_month(&raw, req.now, req.start).ok_or_else(|| {
            ApiError::invalid(
                name,
                &format!("'{raw}' ist kein Monat (JJJJ-MM)."),
                &format!("'{raw}' is not a month (YYYY-MM)."),
            )
        })
    };
    let from = month("from")?;
    let to = month("to")?;
    let from_s = time::fmt(time::day_start(from));
    let to_s = time::fmt(time::day_start(time::next_month(to)) - Duration::seconds(1));
    let affiliate = req.p.opt_str("affiliate").map(|a| a.to_lowercase());
    let currency = req.p.opt_str("currency").map(|c| c.to_uppercase());
    #[derive(Default)]
    struct Row {
        name: String,
        brutto: i64,
        netto: i64,
        payment: i64,
        refund: i64,
        chargeback: i64,
        affiliate: i64,
        merchant: i64,
    }
    let mut rows: BTreeMap<(String, String), Row> = BTreeMap::new();
    for t in tx.all::<Transaction>() {
        let aff = t.affiliate_id.as_str();
        if aff.is_empty() || t.created_at < from_s || t.created_at > to_s {
            continue;
        }
        let name = tx
            .get::<Affiliate>(aff)
            .map(|a| a.name.clone())
            .unwrap_or_default();
        if let Some(want) = &affiliate
            && name.to_lowercase() != *want
            && aff != want
        {
            continue;
        }
        let cur = t.currency.clone();
        if currency.as_ref().is_some_and(|c| *c != cur) {
            continue;
        }
        let r = rows.entry((aff.to_string(), cur)).or_default();
        r.name = name;
        let gross = t.amount.cents();
        r.brutto += gross;
        r.netto += gross - t.vat_amount.cents();
        r.affiliate += t.affiliate_amount.cents();
        r.merchant += t.vendor_amount.cents();
        match t.kind {
            TxType::Payment => r.payment += gross,
            TxType::Refund => r.refund -= gross,
            TxType::Chargeback => r.chargeback -= gross,
        }
    }
    let quota = |part: i64, whole: i64| {
        if whole == 0 {
            money(0)
        } else {
            money((part * 10_000 + whole / 2) / whole)
        }
    };
    let mut list: Vec<(i64, Value)> = rows
        .into_iter()
        .map(|((id, cur), r)| {
            (
                r.affiliate,
                json!({
                    "affiliate_id": id, "affiliate_name": r.name, "currency": cur,
                    "brutto_amount": money(r.brutto), "netto_amount": money(r.netto),
                    "payment_amount": money(r.payment), "refund_amount": money(r.refund),
                    "chargeback_amount": money(r.chargeback), "cancellation_amount": money(0),
                    "affiliate_amount": money(r.affiliate), "merchant_amount": money(r.merchant),
                    "refund_quota": quota(r.refund, r.payment),
                    "chargeback_quota": quota(r.chargeback, r.payment),
                    "cancellation_quota": money(0),
                }),
            )
        })
        .collect();
    list.sort_by_key(|x| std::cmp::Reverse(x.0));
    Ok(json!({ "top_list": list.into_iter().map(|x| x.1).collect::<Vec<_>>() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods() {
        let d = NaiveDate::from_ymd_opt(2024, 5, 15).unwrap(); // a Wednesday
        assert_eq!(
            period_start("week", d),
            NaiveDate::from_ymd_opt(2024, 5, 13).unwrap()
        );
        assert_eq!(
            period_start("quarter", d),
            NaiveDate::from_ymd_opt(2024, 4, 1).unwrap()
        );
        assert_eq!(
            period_start("year", d),
            NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()
        );
        assert_eq!(
            period_next("quarter", NaiveDate::from_ymd_opt(2024, 10, 1).unwrap()),
            NaiveDate::from_ymd_opt(2025, 1, 1).unwrap()
        );
    }
}

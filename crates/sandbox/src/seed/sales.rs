//! Buyers, purchases with their transactions and rebilling changes, and monthly payouts.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};

use super::Ctx;
use super::PURCHASE_COUNT;
use super::catalog::{SeededProduct, mail_slug};
use super::data::Billing::{Installment, Single, Subscription};
use super::data::{AFFILIATES, CITIES, FIRST_NAMES, LAST_NAMES, STREETS};
use crate::backend::ledger::{
    Booking, FIRST_INVOICE_NO, FIRST_TRANSACTION_ID, INVOICE_COUNTER, Shares,
};
use crate::backend::rebilling;
use crate::documents::{
    BillingStatus, BillingType, Buyer, Document, Payout, Purchase, Tracking, Transaction, TxType,
};
use crate::ids::{code, order_code};
use crate::money::Money;
use crate::reference;
use crate::time::{self, add_interval, fmt, parse_interval};

/// A seeded buyer, for the purchases that follow.
pub(super) struct SeedBuyer {
    id: String,
    country: String,
}

pub(super) fn buyers(c: &mut Ctx<'_, '_>) -> Vec<SeedBuyer> {
    let mut out = Vec::new();
    for i in 0..330_i64 {
        let id = (54_000 + i).to_string();
        let (first, sal) = *c.rng.pick(FIRST_NAMES);
        let last = *c.rng.pick(LAST_NAMES);
        let (country, city, zip) = *c.rng.pick(CITIES);
        let street = *c.rng.pick(STREETS);
        let no = (1 + c.rng.below(180)).to_string();
        let mail_last = mail_slug(last);
        let email = format!("{}.{}{}@example.com", first.to_lowercase(), mail_last, i);
        let created = c.ago_days(0, 200);
        let company = if c.rng.chance(0.1) {
            format!("{last} GmbH")
        } else {
            String::new()
        };
        c.tx.put(Buyer {
            id: id.clone(),
            address_id: (77_000 + i).to_string(),
            created_at: fmt(created),
            email,
            first_name: first.into(),
            last_name: last.into(),
            salutation: sal.into(),
            title: if i % 17 == 0 { "Dr." } else { "" }.into(),
            company,
            street_name: street.into(),
            street_number: no,
            street2: String::new(),
            zipcode: zip.into(),
            city: city.into(),
            state: if country == "US" { "NY" } else { "" }.into(),
            country: country.into(),
            phone_no: if i % 4 == 0 {
                format!("+49 30 {}", 100_000 + i * 37)
            } else {
                String::new()
            },
        });
        out.push(SeedBuyer {
            id,
            country: country.to_string(),
        });
    }
    c.tx.next_id(Buyer::KIND, 54_000 + 330);
    out
}

struct PendingTxn {
    at: NaiveDateTime,
    purchase_id: String,
    kind: TxType,
    shares: Shares,
    seq: i64,
    /// Index (in the pending list) of the payment a reversal refers to.
    reverses: Option<usize>,
}

#[allow(clippy::too_many_lines)]
pub(super) fn purchases(c: &mut Ctx<'_, '_>, products: &[SeededProduct], buyers: &[SeedBuyer]) {
    let total_weight: u64 = products.iter().map(|p| p.spec.weight).sum();
    let mut pending: Vec<PendingTxn> = Vec::new();
    let mut rebill_changes: Vec<(NaiveDateTime, String, i64, &'static str)> = Vec::new();
    let mut used_codes = HashSet::new();
    let mut docs: Vec<Purchase> = Vec::new();

    for n in 0..PURCHASE_COUNT {
        // When: ~6 % in the last 24 h, ~14 % in the 6 days before, the rest over 180 days.
        let r = c.rng.unit();
        let secs_ago: i64 = if n < 3 {
            // Always a few sales in the last hours.
            600 + (n as i64) * 3_000 + c.rng.below(1_200) as i64
        } else if r < 0.06 {
            120 + c.rng.below(86_000) as i64
        } else if r < 0.20 {
            86_400 + c.rng.below(6 * 86_400) as i64
        } else {
            7 * 86_400 + c.rng.below(173 * 86_400) as i64
        };
        let created = c.ago(secs_ago);

        // What: weighted product; inactive products only sold long ago.
        let mut pick = c.rng.below(total_weight);
        let mut product = &products[0];
        for p in products {
            if pick < p.spec.weight {
                product = p;
                break;
            }
            pick -= p.spec.weight;
        }
        if !product.spec.active && secs_ago < 100 * 86_400 {
            product = &products[(n % 3) + 1];
        }
        let spec = product.spec;
        let buyer = &buyers[c.rng.below(buyers.len() as u64) as usize];
        let mut id = order_code(c.rng.next_u64());
        while !used_codes.insert(id.clone()) {
            id = order_code(c.rng.next_u64());
        }
        let category = reference::product_type_category(spec.type_id);
        let quantity: i64 = if matches!(category, "shipping" | "event") && c.rng.chance(0.3) {
            2
        } else {
            1
        };
        let (aff_id, aff_name, aff_rate) = if c.rng.chance(0.33) {
            let a = *c.rng.pick(AFFILIATES);
            (
                a.0.to_string(),
                a.1.to_string(),
                a.2.parse::<i64>().unwrap_or(4000),
            )
        } else {
            (String::new(), String::new(), 0)
        };
        let pay_method = {
            let x = c.rng.unit();
            if x < 0.4 {
                "paypal"
            } else if x < 0.7 {
                "creditcard"
            } else if x < 0.85 {
                "sepa"
            } else if x < 0.9 {
                "sofort"
            } else if x < 0.95 {
                "banktransfer"
            } else {
                "applepay"
            }
        };
        let vat = i64::from(reference::vat_rate(&buyer.country));
        let first = spec.first * quantity;
        let other = spec.other * quantity;
        let order_type = if c.rng.chance(0.03) { "test" } else { "live" };
        let utm = *c
            .rng
            .pick(&["newsletter", "facebook", "google", "youtube", ""]);
        let interval = parse_interval(spec.interval).unwrap_or((1, 'M'));

        // Payment schedule.
        let first_at = (created + Duration::seconds(20)).min(c.now);
        let mut due: Vec<NaiveDateTime> = vec![first_at];
        let limit = match spec.billing {
            Single => 1,
            Installment => spec.installments,
            Subscription => 1000,
        };
        while (due.len() as i64) < limit {
            let next = add_interval(*due.last().unwrap_or(&first_at), interval);
            if next > c.now {
                break;
            }
            due.push(next);
        }
        let mut paid = due.len();
        let mut status = match spec.billing {
            Single => BillingStatus::Completed,
            Installment if (due.len() as i64) >= spec.installments => BillingStatus::Completed,
            _ => BillingStatus::Paying,
        };
        let mut rebilling_active = spec.billing != Single && status == BillingStatus::Paying;
        let x = c.rng.unit();
        if spec.billing != Single && due.len() >= 2 {
            if x < 0.2 {
                status = BillingStatus::Aborted;
                paid = 1 + c.rng.below(due.len() as u64 - 1) as usize;
                rebilling_active = false;
                let cancel_at =
                    (due[paid - 1] + Duration::days(1 + c.rng.below(20) as i64)).min(c.now);
                rebill_changes.push((cancel_at, id.clone(), paid as i64, "rebill_cancelled"));
            } else if x < 0.27 && status == BillingStatus::Paying {
                status = if x < 0.24 {
                    BillingStatus::Unpaid
                } else {
                    BillingStatus::Reminding
                };
                paid = due.len() - 1;
            }
        }
        let next_payment_at = if matches!(
            status,
            BillingStatus::Paying | BillingStatus::Unpaid | BillingStatus::Reminding
        ) {
            let last_due = *due.last().unwrap_or(&first_at);
            let next = if paid < due.len() {
                last_due
            } else {
                add_interval(last_due, interval)
            };
            fmt(next)
        } else {
            String::new()
        };

        // Transactions.
        let mut payment_idx = Vec::new();
        for (k, at) in due.iter().take(paid).enumerate() {
            let gross = if k == 0 { first } else { other };
            pending.push(PendingTxn {
                at: *at,
                purchase_id: id.clone(),
                kind: TxType::Payment,
                shares: Shares::for_payment(gross, vat, aff_rate),
                seq: k as i64 + 1,
                reverses: None,
            });
            payment_idx.push(pending.len() - 1);
        }
        // Refunds and chargebacks.
        let y = c.rng.unit();
        if let Some(&last) = payment_idx.last() {
            let base_at = pending[last].at;
            let kind_of = if y < 0.06 {
                Some(TxType::Refund)
            } else if y < 0.075 {
                Some(TxType::Chargeback)
            } else {
                None
            };
            if let Some(t) = kind_of {
                let at = base_at + Duration::hours(2 + c.rng.below(24 * 12) as i64);
                if at < c.now {
                    let sh = pending[last].shares;
                    pending.push(PendingTxn {
                        at,
                        purchase_id: id.clone(),
                        kind: t,
                        shares: sh.reversal(sh.gross),
                        seq: pending[last].seq,
                        reverses: Some(last),
                    });
                    if spec.billing != Single && status != BillingStatus::Aborted {
                        rebill_changes.push((at, id.clone(), paid as i64, "rebill_cancelled"));
                    }
                    status = BillingStatus::Aborted;
                    rebilling_active = false;
                }
            }
        }
        let next_payment_at = if matches!(status, BillingStatus::Aborted | BillingStatus::Completed)
        {
            String::new()
        } else {
            next_payment_at
        };

        let license = if spec.type_id == "2" {
            format!(
                "{}-{}-{}-{}",
                code(c.rng.next_u64(), 5),
                code(c.rng.next_u64(), 5),
                code(c.rng.next_u64(), 5),
                code(c.rng.next_u64(), 5)
            )
        } else {
            String::new()
        };
        let auth = code(c.rng.next_u64(), 8);
        let tracking = Tracking {
            utm_source: utm.into(),
            utm_medium: if utm.is_empty() {
                ""
            } else if utm == "newsletter" {
                "email"
            } else {
                "cpc"
            }
            .into(),
            utm_campaign: if utm.is_empty() { "" } else { "spring" }.into(),
            click_id: if aff_id.is_empty() {
                String::new()
            } else {
                format!("cl_{}", c.rng.below(1_000_000))
            },
            campaignkey: if utm.is_empty() { "" } else { "spring24" }.into(),
            vendor_key: if utm == "facebook" { "fb-ads" } else { "" }.into(),
            ..Tracking::default()
        };
        docs.push(Purchase {
            id,
            created_at: fmt(created),
            product_id: product.id.clone(),
            paymentplan_id: product.plan_id.clone(),
            quantity,
            buyer_id: buyer.id.clone(),
            affiliate_id: aff_id,
            affiliate_name: aff_name,
            affiliate_rate: Money(aff_rate),
            amount: Money(first),
            other_amounts: Money(other),
            currency: spec.currency.into(),
            number_of_installments: match spec.billing {
                Installment => spec.installments,
                _ => 0,
            },
            billing_type: match spec.billing {
                Single => BillingType::SinglePayment,
                Subscription => BillingType::Subscription,
                Installment => BillingType::Installment,
            },
            billing_status: status,
            first_billing_interval: spec.interval.into(),
            other_billing_intervals: spec.interval.into(),
            next_payment_at,
            rebilling_active,
            pay_sequence_no: paid as i64,
            last_payment_at: String::new(),
            vat_rate: Money(vat * 100),
            vat_country: buyer.country.clone(),
            pay_method: pay_method.into(),
            order_type: order_type.into(),
            is_rebilling_capable: pay_method != "banktransfer",
            tracking,
            license_key: license,
            balance: Money::ZERO,
            custom: String::new(),
            tracking_param: String::new(),
            unlock_invoices: false,
            auth_key: auth,
            has_custom_forms: spec.type_id == "20",
            has_etickets: category == "event",
            reference_purchase_id: String::new(),
            billing_on_demand: false,
            addons: Vec::new(),
            replaced_by: String::new(),
            upgraded_to: String::new(),
            cancel_at: String::new(),
            invoice_mail_sent_at: String::new(),
            confirmation_mail_sent_at: String::new(),
        });
    }

    // Book transactions in time order so ids and invoice numbers are chronological.
    let mut order: Vec<usize> = (0..pending.len()).collect();
    order.sort_by_key(|&i| (pending[i].at, i));
    let mut tx_ids = vec![0_i64; pending.len()];
    let mut next_tx = FIRST_TRANSACTION_ID;
    for &i in &order {
        tx_ids[i] = next_tx;
        next_tx += 1;
    }
    let by_id: HashMap<String, usize> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (d.id.clone(), i))
        .collect();
    let mut invoice = FIRST_INVOICE_NO;
    let mut last_payment: HashMap<String, String> = HashMap::new();
    for &i in &order {
        let t = &pending[i];
        let Some(&pi) = by_id.get(&t.purchase_id) else {
            continue;
        };
        let purchase = &docs[pi];
        let invoice_no = if purchase.order_type == "test" {
            1
        } else {
            invoice += 1;
            invoice - 1
        };
        let doc = Booking {
            id: tx_ids[i],
            purchase,
            kind: t.kind,
            shares: t.shares,
            at: t.at,
            pay_sequence_no: t.seq,
            invoice_no,
            related: t
                .reverses
                .map(|r| tx_ids[r].to_string())
                .unwrap_or_default(),
        }
        .transaction();
        if t.kind == TxType::Payment {
            last_payment.insert(t.purchase_id.clone(), fmt(t.at));
        }
        if let Some(r) = t.reverses
            && let Some(p) = c.tx.get_mut::<Transaction>(&tx_ids[r].to_string())
        {
            // The payment is refunded in full.
            p.refunded_amount = p.amount;
        }
        c.tx.put(doc);
    }
    c.tx.next_id(Transaction::KIND, next_tx);
    c.tx.next_id(INVOICE_COUNTER, invoice);
    for mut d in docs {
        if let Some(at) = last_payment.remove(&d.id) {
            d.last_payment_at = at;
        }
        c.tx.put(d);
    }
    rebill_changes.sort_by_key(|a| a.0);
    for (at, pid, seq, t) in rebill_changes {
        rebilling::record_change(c.tx, &pid, &fmt(at), seq, t);
    }
}

fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// Monthly payouts of the vendor earnings of every completed month in the last half year,
/// paid on the 5th of the following month.
pub(super) fn payouts(c: &mut Ctx<'_, '_>) {
    let mut per_month: BTreeMap<(NaiveDate, String), i64> = BTreeMap::new();
    for t in c.tx.all::<Transaction>() {
        let Some(at) = time::parse_stored(&t.created_at) else {
            continue;
        };
        if t.order_type == "test" {
            continue;
        }
        *per_month
            .entry((month_start(at.date()), t.currency.clone()))
            .or_default() += t.vendor_amount.cents();
    }
    let this_month = month_start(c.now.date());
    let mut id = 12_300_i64;
    for ((month, currency), amount) in per_month {
        let paid_at = time::next_month(month) + Duration::days(4);
        if month >= this_month || time::day_start(paid_at) + Duration::hours(9) > c.now {
            continue;
        }
        let ids = id.to_string();
        let auth = code(c.rng.next_u64(), 14);
        let at = |h: i64| fmt(time::day_start(paid_at) + Duration::hours(h));
        c.tx.put(Payout {
            credit_note_url: format!("https://www.digistore24.com/creditnote/{ids}/{auth}.pdf"),
            commission_list_url: format!(
                "https://www.digistore24.com/commissions/{ids}/{auth}.csv"
            ),
            id: ids,
            reseller_name: "Digistore24 GmbH, Germany".into(),
            reseller_id: "1".into(),
            created_at: at(7),
            processed_at: at(9),
            period_from: time::fmt_date(month),
            period_to: time::fmt_date(time::next_month(month) - Duration::days(1)),
            vat_rate: Money::ZERO,
            vat_regulation: "germany_no_vat".into(),
            currency,
            payout_method: "banktransfer".into(),
            vendor_gross_amount: Money(amount),
            vendor_net_amount: Money(amount),
            vendor_vat_amount: Money::ZERO,
            affiliate_gross_amount: Money::ZERO,
            affiliate_net_amount: Money::ZERO,
            affiliate_vat_amount: Money::ZERO,
            fee_amount: Money::ZERO,
            fee_vat_amount: Money::ZERO,
        });
        id += 1;
    }
}

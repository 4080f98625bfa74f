//! The account, product groups, products with their payment plans, and affiliates with their
//! commissions.

use chrono::{Duration, NaiveDateTime};

use super::Ctx;
use super::data::{AFFILIATES, Billing, GROUPS, PRODUCTS, ProductSpec};
use crate::backend::products::{FIRST_GROUP_ID, FIRST_PLAN_ID, FIRST_PRODUCT_ID};
use crate::documents::{
    Account, Affiliate, Commission, Document, Download, NewPlan, PaymentPlan, Product,
    ProductGroup, Referrer,
};
use crate::ids::token;
use crate::money::Money;
use crate::reference::{self, USER_ID, USER_NAME};
use crate::time::fmt;

/// A seeded product, for the generators that sell it.
pub struct SeededProduct {
    /// Product id.
    pub id: String,
    /// Its table row.
    pub spec: &'static ProductSpec,
    /// Its default payment plan.
    pub plan_id: String,
}

pub(super) fn account(c: &mut Ctx<'_, '_>, start: NaiveDateTime) {
    let testpay = token(&mut c.rng, 12);
    c.tx.put(Account {
        user_id: USER_ID.into(),
        user_name: USER_NAME.into(),
        first_name: "Sandra".into(),
        last_name: "Sandbox".into(),
        email: "vendor@sandbox.example.com".into(),
        company: "Sandbox Media GmbH".into(),
        created_at: fmt(start),
        language: "de".into(),
        currency: "EUR".into(),
        granted_roles: "user,affiliate,merchant".into(),
        billing_on_demand: true,
        testpay_key: format!("tp_{}", testpay.to_lowercase()),
        testpay_expires_at: fmt(c.now + Duration::days(30)),
        eticket_owner_id: "123".into(),
    });
}

pub(super) fn groups(c: &mut Ctx<'_, '_>) {
    for (i, (id, name)) in GROUPS.iter().enumerate() {
        let at = c.days_ago(900 - i as i64 * 40);
        c.tx.put(ProductGroup {
            id: (*id).into(),
            name: (*name).into(),
            position: (i as i64 + 1) * 10,
            is_shown_as_tab: i == 0,
            created_at: at.clone(),
            modified_at: at,
        });
    }
    c.tx.next_id(ProductGroup::KIND, FIRST_GROUP_ID);
}

fn slug(s: &str) -> String {
    let mut out = String::new();
    for ch in s.to_lowercase().chars() {
        match ch {
            'ä' => out.push_str("ae"),
            'ö' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            c if c.is_ascii_alphanumeric() => out.push(c),
            _ => out.push('-'),
        }
    }
    out.split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// The slug of a name (`Müller` → `mueller`), for e-mail addresses.
pub(super) fn mail_slug(s: &str) -> String {
    slug(s).replace('-', "")
}

fn product_doc(c: &mut Ctx<'_, '_>, i: usize, spec: &ProductSpec) -> Product {
    let id = (FIRST_PRODUCT_ID + i as i64).to_string();
    let created = c.now - Duration::days(700 - i as i64 * 35);
    let modified = c.now - Duration::days(200 - i as i64 * 9);
    let mut doc = Product::new(&id, &fmt(created));
    let sl = slug(spec.name_en);
    let category = reference::product_type_category(spec.type_id);
    doc.name_intern = format!("{}__de__prod", sl.replace('-', "_"));
    doc.name_de = spec.name_de.into();
    doc.name_en = spec.name_en.into();
    doc.description_de = format!(
        "<p>{} – alles, was Sie brauchen, in einem Paket.</p>",
        spec.name_de
    );
    doc.description_en = format!(
        "<p>{} – everything you need in one package.</p>",
        spec.name_en
    );
    doc.salespage_url = format!("https://sandbox.example.com/{sl}");
    doc.thankyou_url = format!("https://sandbox.example.com/{sl}/danke?order=[ORDER_ID]");
    doc.image_url = format!("https://cdn.sandbox.example.com/products/{id}.png");
    doc.product_type_id = spec.type_id.into();
    doc.product_group_id = GROUPS[spec.group.min(GROUPS.len() - 1)].0.into();
    doc.currency = spec.currency.into();
    doc.is_active = spec.active;
    doc.affiliate_commission = Money(if i % 3 == 2 { 3000 } else { 4000 });
    doc.modified_at = fmt(modified);
    let status = if spec.active { "approved" } else { "rejected" };
    doc.approval_status = status.into();
    for (reseller, st) in [
        ("1", status),
        ("2", if i.is_multiple_of(2) { status } else { "new" }),
        ("3", "new"),
        ("4", "new"),
    ] {
        doc.approval_status_list.insert(reseller.into(), st.into());
    }
    if category == "shipping" {
        doc.is_address_input_mandatory = true;
        doc.max_quantity = 5;
        doc.units_left = "250".into();
    }
    if category == "event" {
        doc.max_quantity = 4;
        doc.units_left = "120".into();
    }
    if category == "digital" && spec.type_id != "10" {
        doc.downloads = vec![Download {
            file_name: format!("{}.pdf", spec.name_en),
            file_ext: "pdf".into(),
            file_size: (20_000 + c.rng.below(4_000_000)).to_string(),
            headline: spec.name_de.into(),
            instructions: String::new(),
            downloads_total: "5".into(),
        }];
    }
    doc
}

pub(super) fn products(c: &mut Ctx<'_, '_>) -> Vec<SeededProduct> {
    let mut out = Vec::new();
    let mut plan_no = FIRST_PLAN_ID;
    for (i, spec) in PRODUCTS.iter().enumerate() {
        let doc = product_doc(c, i, spec);
        let id = doc.id.clone();
        let created = c.now - Duration::days(700 - i as i64 * 35);
        c.tx.put(doc);
        let at = fmt(created + Duration::minutes(3));
        let mut plan = |c: &mut Ctx<'_, '_>,
                        first: i64,
                        other: i64,
                        installments: i64,
                        interval: &str,
                        position: i64| {
            let plan_id = plan_no.to_string();
            plan_no += 1;
            c.tx.put(PaymentPlan::new(&NewPlan {
                id: &plan_id,
                product_id: &id,
                first,
                other,
                currency: spec.currency,
                installments,
                interval,
                position,
                at: &at,
            }));
            plan_id
        };
        let installments = match spec.billing {
            Billing::Single => 1,
            Billing::Subscription => 0,
            Billing::Installment => spec.installments,
        };
        let plan_id = plan(c, spec.first, spec.other, installments, spec.interval, 1);
        // A second way to pay for some products.
        if spec.billing == Billing::Single && spec.first >= 4000 {
            let third = (spec.first / 3 + 99) / 100 * 100 + 100;
            plan(c, third, third, 3, "1_month", 2);
        }
        if spec.billing == Billing::Subscription && spec.interval == "1_month" {
            let yearly = spec.first * 10;
            plan(c, yearly, yearly, 0, "12_month", 2);
        }
        out.push(SeededProduct { id, spec, plan_id });
    }
    c.tx.next_id(Product::KIND, FIRST_PRODUCT_ID + PRODUCTS.len() as i64);
    c.tx.next_id(PaymentPlan::KIND, plan_no);
    out
}

pub(super) fn affiliates(c: &mut Ctx<'_, '_>, products: &[SeededProduct]) {
    for (i, (id, name, rate)) in AFFILIATES.iter().enumerate() {
        c.tx.put(Affiliate {
            id: (*id).into(),
            name: (*name).into(),
            email: format!("{name}@partners.example.com"),
            created_at: c.days_ago(600 - i as i64 * 50),
        });
        for (j, p) in products.iter().enumerate() {
            if (i + j) % 3 == 0 || j == 0 || j == 1 {
                let status = match (i + j) % 7 {
                    5 => "pending",
                    6 => "new",
                    _ => "approved",
                };
                c.tx.put(Commission {
                    affiliate_id: (*id).into(),
                    product_id: p.id.clone(),
                    commission_rate: Money(rate.parse::<i64>().unwrap_or(4000)),
                    commission_fix: Money::ZERO,
                    commission_currency: p.spec.currency.into(),
                    approval_status: status.into(),
                });
            }
        }
    }
    // anna_s24 was brought in by bigpartner.
    c.tx.put(Referrer {
        affiliate_id: "88120".into(),
        referrer_id: "88121".into(),
        commission: Money(1000),
        created_at: c.days_ago(400),
        created_by: USER_ID.into(),
    });
}

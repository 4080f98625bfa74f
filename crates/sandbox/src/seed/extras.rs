//! Everything around the sales: order forms, vouchers, buy URLs, images, shipping policies,
//! e-tickets, deliveries, custom form records, service proofs, upgrades, conversion tools,
//! marketplace entries, the demo IPN connection, account access and e-mail attributions.

use chrono::Duration;
use serde_json::{Map, Value, json};

use super::Ctx;
use super::catalog::SeededProduct;
use crate::config::DEFAULT_FULL_KEY;
use crate::documents::{
    AccountAccess, BillingStatus, BuyUrl, Buyer, ConversionTool, CustomFormRecord, Delivery,
    Document, EmailAffiliate, Eticket, EticketLocation, EticketTemplate, Image, Ipn,
    MarketplaceEntry, Orderform, Parcel, Purchase, ServiceProof, ShippingPolicy, SmartUpgrade,
    Upgrade, Upsells, Voucher,
};
use crate::ids::{code, key_fingerprint, token};
use crate::money::Money;
use crate::reference::USER_ID;
use crate::time::{self, fmt};

pub(super) fn all(c: &mut Ctx<'_, '_>, products: &[SeededProduct]) {
    let pid = |i: usize| products[i.min(products.len() - 1)].id.clone();
    orderforms(c);
    vouchers(c);
    buy_urls(c, &pid);
    images(c);
    shipping_policies(c, &pid(7));
    fulfilment(c, &pid);
    service_proofs(c);
    upgrades(c, &pid);
    conversion_tools(c);
    marketplace(c, products);
    account_extras(c);
}

fn orderforms(c: &mut Ctx<'_, '_>) {
    for (i, (name, layout)) in [
        ("Standard", "widget"),
        ("Zwei Schritte", "widget"),
        ("Klassisch", "legacy"),
    ]
    .iter()
    .enumerate()
    {
        let mut settings = Map::new();
        for (k, v) in [
            ("shipping_position", "after_cart"),
            ("tab_style", "bigtabs"),
            ("order_bump_style", "none"),
            ("custom_css", ""),
        ] {
            settings.insert(k.into(), json!(v));
        }
        c.tx.put(Orderform {
            id: (3181 + i).to_string(),
            name: (*name).into(),
            layout: (*layout).into(),
            step_count: if i == 1 { "2" } else { "1" }.into(),
            background_style: "white".into(),
            created_at: c.days_ago(300 - i as i64 * 30),
            modified_at: c.days_ago(100 - i as i64 * 10),
            settings,
        });
    }
    c.tx.next_id(Orderform::KIND, 3184);
}

/// One demo voucher.
struct VoucherSpec {
    id: &'static str,
    code: &'static str,
    products: &'static str,
    first_rate: i64,
    other_rates: i64,
    first_amount: i64,
    other_amounts: i64,
    /// Uses left when limited.
    limit: Option<i64>,
    /// Valid from / expires at, as day offsets from now.
    from: Option<i64>,
    to: Option<i64>,
}

#[rustfmt::skip]
const VOUCHERS: &[VoucherSpec] = &[
    VoucherSpec { id: "2477", code: "WELCOME10", products: "all", first_rate: 1000, other_rates: 0, first_amount: 0, other_amounts: 0, limit: None, from: None, to: None },
    VoucherSpec { id: "2478", code: "SPRING24", products: "512340,512341", first_rate: 2000, other_rates: 1000, first_amount: 0, other_amounts: 0, limit: None, from: None, to: Some(60) },
    VoucherSpec { id: "2479", code: "FIXED5", products: "all", first_rate: 0, other_rates: 0, first_amount: 500, other_amounts: 500, limit: None, from: None, to: None },
    VoucherSpec { id: "2480", code: "LIMITED3", products: "512342", first_rate: 1500, other_rates: 0, first_amount: 0, other_amounts: 0, limit: Some(3), from: None, to: None },
    VoucherSpec { id: "2481", code: "EXPIRED20", products: "all", first_rate: 2000, other_rates: 0, first_amount: 0, other_amounts: 0, limit: None, from: Some(-400), to: Some(-30) },
    VoucherSpec { id: "2482", code: "USEDUP", products: "all", first_rate: 5000, other_rates: 0, first_amount: 0, other_amounts: 0, limit: Some(0), from: None, to: None },
];

fn vouchers(c: &mut Ctx<'_, '_>) {
    let now = c.now;
    let offset = |d: Option<i64>| d.map(|d| fmt(now + Duration::days(d)));
    for v in VOUCHERS {
        c.tx.put(Voucher {
            id: v.id.into(),
            code: v.code.into(),
            valid_from: offset(v.from),
            valid_until: None,
            expires_at: offset(v.to),
            product_ids: v.products.into(),
            first_rate: Money(v.first_rate),
            other_rates: Money(v.other_rates),
            first_amount: Money(v.first_amount),
            other_amounts: Money(v.other_amounts),
            upgrade_policy: "valid".into(),
            is_count_limited: v.limit.is_some(),
            count_left: v.limit.unwrap_or(1),
            currency: "EUR".into(),
            is_discarding_early_bird: false,
            created_at: c.days_ago(90),
        });
    }
    c.tx.next_id(Voucher::KIND, 2483);
}

fn buy_urls(c: &mut Ctx<'_, '_>, pid: &dyn Fn(usize) -> String) {
    for i in 0..4_i64 {
        let product = pid(i as usize);
        let tok = token(&mut c.rng, 10);
        let created = c.now - Duration::hours(6 + i * 20);
        let until = created + Duration::hours(24 + i * 48);
        c.tx.put(BuyUrl {
            id: (8_721_900 + i).to_string(),
            url: format!("https://www.checkout-ds24.com/product/{product}/?ds24={tok}"),
            product_id: product,
            valid_until: fmt(until),
            email: if i == 0 { "anna@example.com" } else { "" }.into(),
            created_at: fmt(created),
            modified_at: fmt(created),
        });
    }
    c.tx.next_id(BuyUrl::KIND, 8_721_904);
}

fn images(c: &mut Ctx<'_, '_>) {
    for (i, (usage, name)) in [
        ("product", "Produktbild Pro Plan"),
        ("product", "Produktbild Foto-Editor"),
        ("orderform", "Header Bestellformular"),
        ("upsell", "Upsell-Banner"),
        ("affiliate", "Banner 728x90"),
        ("marketplace", "Marktplatz-Bild"),
    ]
    .iter()
    .enumerate()
    {
        let id = code(c.rng.next_u64(), 8);
        let product = *usage == "product";
        c.tx.put(Image {
            url: format!(
                "https://d3prvp0id2r5kj.cloudfront.net/merchant_{USER_ID}/image/{usage}/{id}"
            ),
            id,
            file_extension: if i % 2 == 0 { "png" } else { "jpg" }.into(),
            name: (*name).into(),
            approval_status: "approved".into(),
            usage_type: (*usage).into(),
            alt_tag: String::new(),
            width: if product { "100" } else { "728" }.into(),
            height: if product { "100" } else { "90" }.into(),
            created_at: c.days_ago(200 - i as i64 * 20),
            source_url: String::new(),
        });
    }
}

fn shipping_policies(c: &mut Ctx<'_, '_>, product: &str) {
    for (i, (name, countries, amount)) in [
        ("EU Standard", "DE,AT,NL,BE,FR,IT,ES", "4.90"),
        ("Schweiz", "CH", "9.90"),
    ]
    .iter()
    .enumerate()
    {
        c.tx.put(ShippingPolicy {
            id: (1234 + i).to_string(),
            name: (*name).into(),
            position: (i as i64 + 1) * 100,
            is_active: true,
            for_product_ids: product.into(),
            for_countries: (*countries).into(),
            for_currencies: "EUR,CHF".into(),
            fee_type: "total_fee".into(),
            billing_cycle: "once".into(),
            currency: if i == 0 { "EUR" } else { "CHF" }.into(),
            scale_level_count: 1,
            created_at: c.days_ago(250),
            modified_at: c.days_ago(120),
            extra: [
                ("label_de", "Versand"),
                ("label_en", "Shipping"),
                ("scale_1_amount", amount),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), (*v).to_string()))
            .collect(),
        });
    }
    c.tx.next_id(ShippingPolicy::KIND, 1236);
}

/// The purchases of one product (cloned, so the store can be written while walking them).
fn purchases_of(c: &Ctx<'_, '_>, product_id: &str) -> Vec<Purchase> {
    c.tx.all::<Purchase>()
        .filter(|p| p.product_id == product_id)
        .cloned()
        .collect()
}

fn fulfilment(c: &mut Ctx<'_, '_>, pid: &dyn Fn(usize) -> String) {
    for (id, name) in [
        ("3", "Seminarticket"),
        ("4", "VIP-Ticket"),
        ("5", "Workshop-Ticket"),
    ] {
        c.tx.put(EticketTemplate {
            id: id.into(),
            name: name.into(),
            created_at: c.days_ago(500),
            modified_at: c.days_ago(300),
        });
    }
    for (id, name, addr) in [
        ("3", "Berlin", "Alexanderplatz 1, 10178 Berlin"),
        ("4", "München", "Marienplatz 8, 80331 München"),
        ("5", "Wien", "Stephansplatz 1, 1010 Wien"),
    ] {
        c.tx.put(EticketLocation {
            id: id.into(),
            name: name.into(),
            address: addr.into(),
        });
    }
    etickets(c, &pid(6));
    deliveries(c, &pid(7));
    custom_forms(c, &pid(5));
}

/// E-tickets for the seminar's purchases.
fn etickets(c: &mut Ctx<'_, '_>, event_product: &str) {
    let now = c.now;
    let event_date = time::fmt_date(now.date() + Duration::days(30));
    let mut eticket_no: u64 = 1_328_422_185_000_000_001;
    let mut item_no = 1_541_851_i64;
    for p in purchases_of(c, event_product) {
        let Some(b) = c.tx.get::<Buyer>(&p.buyer_id).cloned() else {
            continue;
        };
        item_no += 1;
        let qty = p.quantity.max(1);
        for k in 0..qty {
            let id = eticket_no.to_string();
            eticket_no += 1;
            let used = eticket_no.is_multiple_of(5);
            c.tx.put(Eticket {
                download_url: format!("https://www.digistore24.com/eticket/file{id}.pdf"),
                id,
                date_id: "1".into(),
                date: event_date.clone(),
                hint: "17:00".into(),
                location_id: "3".into(),
                template_id: "3".into(),
                purchase_id: p.id.clone(),
                purchase_item_id: item_no.to_string(),
                no: (k + 1).to_string(),
                count: qty.to_string(),
                days: "1".into(),
                email: b.email.clone(),
                first_name: b.first_name.clone(),
                last_name: b.last_name.clone(),
                salutation: b.salutation.clone(),
                title: b.title.clone(),
                language: "de".into(),
                used_at: if used {
                    fmt(now - Duration::days(2))
                } else {
                    String::new()
                },
                is_blocked: false,
                note: String::new(),
                product_id: event_product.into(),
            });
        }
    }
    c.tx.next_id(
        Eticket::KIND,
        i64::try_from(eticket_no).unwrap_or(i64::MAX / 2),
    );
}

/// Deliveries for the physical product's purchases.
fn deliveries(c: &mut Ctx<'_, '_>, ship_product: &str) {
    let now = c.now;
    let mut delivery_id = 6_446_755_i64;
    for (i, p) in purchases_of(c, ship_product).iter().enumerate() {
        let created_t = time::parse_stored(&p.created_at).unwrap_or(now);
        let age_days = (now - created_t).num_days();
        let qty = p.quantity;
        let ty = if p.billing_status == BillingStatus::Aborted {
            "cancel"
        } else if age_days < 2 {
            "request"
        } else if age_days < 4 {
            "in_progress"
        } else if i % 11 == 3 && qty > 1 {
            "partial_delivery"
        } else {
            "delivery"
        };
        let delivered = match ty {
            "delivery" => qty,
            "partial_delivery" => 1,
            _ => 0,
        };
        let processed = matches!(ty, "delivery" | "partial_delivery");
        let tracking = if processed {
            vec![Parcel {
                parcel_service: "dhl".into(),
                tracking_id: format!("00340434{delivery_id:010}"),
                expect_delivery_at: time::fmt_date(created_t.date() + Duration::days(4)),
                quantity: delivered.to_string(),
            }]
        } else {
            Vec::new()
        };
        c.tx.put(Delivery {
            id: delivery_id.to_string(),
            purchase_id: p.id.clone(),
            purchase_item_id: (27_900_000 + i as i64).to_string(),
            kind: ty.into(),
            delivery_type: "shipping".into(),
            product_id: ship_product.into(),
            quantity_total: qty,
            quantity_delivered: delivered,
            is_test_order: p.order_type == "test",
            processed_at: if processed {
                fmt(created_t + Duration::days(2))
            } else {
                String::new()
            },
            processed_by: if processed { "Lager Berlin" } else { "" }.into(),
            is_shipped_by_reseller_from: String::new(),
            tracking,
            created_at: p.created_at.clone(),
            modified_at: p.created_at.clone(),
        });
        delivery_id += 1;
    }
    c.tx.next_id(Delivery::KIND, delivery_id);
}

/// Custom form records for coaching purchases.
fn custom_forms(c: &mut Ctx<'_, '_>, coaching_product: &str) {
    let mut record_id = 633_296_i64;
    for p in purchases_of(c, coaching_product).iter().take(25) {
        let Some(b) = c.tx.get::<Buyer>(&p.buyer_id).cloned() else {
            continue;
        };
        let id = record_id.to_string();
        record_id += 1;
        let occupation = *c.rng.pick(&[
            "Malerin",
            "Berater",
            "Lehrerin",
            "Ingenieur",
            "Selbstständig",
        ]);
        let person = |extra: Option<&str>| -> Map<String, Value> {
            let mut m = Map::new();
            m.insert("first_name".into(), json!(b.first_name));
            m.insert("last_name".into(), json!(b.last_name));
            m.insert("email".into(), json!(b.email));
            if let Some(o) = extra {
                m.insert("occupation".into(), json!(o));
            }
            m
        };
        c.tx.put(CustomFormRecord {
            id,
            form_id: "16320".into(),
            purchase_id: p.id.clone(),
            purchase_item_id: (1_541_000 + record_id).to_string(),
            product_id: coaching_product.into(),
            form_no: "1".into(),
            form_count: "1".into(),
            data: person(Some(occupation)),
            address: person(None),
        });
    }
}

fn service_proofs(c: &mut Ctx<'_, '_>) {
    let now = c.now;
    let mut recent: Vec<(String, String)> =
        c.tx.all::<Purchase>()
            .filter(|p| p.billing_status != BillingStatus::Aborted)
            .map(|p| (p.id.clone(), p.product_id.clone()))
            .collect();
    recent.truncate(40);
    for (i, (purchase_id, product_id)) in recent.into_iter().step_by(8).enumerate() {
        let (approval, status) = match i {
            0 => ("pending", "pending"),
            1 => ("new", "pending"),
            2 => ("approved", "proof_provided"),
            3 => ("rejected", "pending"),
            _ => ("pending", "proof_provided"),
        };
        let created = now - Duration::days(3 + i as i64 * 4);
        c.tx.put(ServiceProof {
            id: (4412 + i).to_string(),
            purchase_id,
            product_id,
            delivery_type: "digital".into(),
            approval_status: approval.into(),
            request_status: status.into(),
            created_at: fmt(created),
            modified_at: fmt(created),
            due_date: time::fmt_date(created.date() + Duration::days(14)),
            notes: String::new(),
            message: String::new(),
            files: Vec::new(),
        });
    }
    c.tx.next_id(ServiceProof::KIND, 4420);
}

fn upgrades(c: &mut Ctx<'_, '_>, pid: &dyn Fn(usize) -> String) {
    for (i, (name, to, from, fallback)) in [
        ("Upgrade auf Jahreslizenz", 4_usize, 3_usize, 3_usize),
        ("Pro Plan → Masterclass", 2, 1, 1),
    ]
    .iter()
    .enumerate()
    {
        let auth = token(&mut c.rng, 12);
        c.tx.put(Upgrade {
            id: (7922 + i).to_string(),
            name: (*name).into(),
            to_product_id: pid(*to),
            fallback_product_id: pid(*fallback),
            is_active: true,
            authkey: auth,
            buyer_readonly_keys: "none".into(),
            upgrade_from: pid(*from),
            downgrade_from: String::new(),
            special_offer_for: String::new(),
            created_at: c.days_ago(150),
        });
    }
    c.tx.next_id(Upgrade::KIND, 7924);
    for (i, (name, to, froms)) in [
        ("Upgrade auf Komplettversion", 4_usize, &[3_usize][..]),
        ("Community-Upgrade", 8, &[0, 1][..]),
    ]
    .iter()
    .enumerate()
    {
        let ids: Vec<String> = froms.iter().map(|x| pid(*x)).collect();
        let auth = token(&mut c.rng, 25);
        c.tx.put(SmartUpgrade {
            id: (1 + i).to_string(),
            name: (*name).into(),
            authkey: auth,
            created_at: c.days_ago(120),
            is_custom_css_used: "N".into(),
            custom_css: None,
            upgrade_to_product_id: pid(*to),
            product_ids: ids.join(","),
        });
    }
    c.tx.put(Upsells {
        product_id: pid(0),
        upsells: [("y", pid(2)), ("yy", pid(5)), ("yn", pid(10))]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    });
}

fn conversion_tools(c: &mut Ctx<'_, '_>) {
    for (i, (ty, name)) in [
        ("countdown", "Frühbucher-Countdown"),
        ("trust_badge", "Geld-zurück-Garantie"),
        ("socialproof_bubble", "Letzte Käufe"),
        ("socialproof_box", "Kundenstimmen"),
    ]
    .iter()
    .enumerate()
    {
        c.tx.put(ConversionTool {
            id: (500 + i).to_string(),
            kind: (*ty).into(),
            name: (*name).into(),
            is_active: "Y".into(),
            created_at: c.days_ago(60 + i as i64),
        });
    }
}

fn marketplace(c: &mut Ctx<'_, '_>, products: &[SeededProduct]) {
    let now = c.now;
    for (i, p) in products.iter().take(3).enumerate() {
        let spec = p.spec;
        c.tx.put(MarketplaceEntry {
            id: (1 + i).to_string(),
            main_product_id: p.id.clone(),
            all_product_ids: vec![p.id.clone()],
            approval_status: "approved".into(),
            price: Money(spec.first),
            currency: spec.currency.into(),
            language: "de".into(),
            is_price_msg_overriden: "N".into(),
            product_category_id: "12".into(),
            product_category: "Business".into(),
            headline: spec.name_de.into(),
            description: format!("<p>{}</p>", spec.name_de),
            affiliate_share: "40.00".into(),
            product_created_at: c.days_ago(700 - i as i64 * 35),
            stats_is_valid: "Y".into(),
            stats_updated_at: fmt(time::day_start(now.date()) + Duration::hours(3)),
            stats_seller_rank: (1523 + i * 211).to_string(),
            stats_seller_rank_category: (88 + i * 7).to_string(),
            stats_stars: ["3.5", "4.0", "2.5"][i % 3].into(),
            stats_affiliate_profit_visitor: "0.42".into(),
            stats_affiliate_profit_sale: "18.80".into(),
            stats_count_orders_w_aff: (55 + i * 10).to_string(),
            stats_cancel_rate: "4.10".into(),
            stats_revenue: "15420.50".into(),
            stats_count_affiliates_with_sales: (12 + i).to_string(),
            stats_conversion_rate: "2.10".into(),
            stats_count_orders: (310 + i * 40).to_string(),
        });
    }
}

fn account_extras(c: &mut Ctx<'_, '_>) {
    // IPN connection of the full-access demo key, account access, e-mail affiliations.
    let pass = token(&mut c.rng, 30);
    c.tx.put(Ipn {
        id: "293440".into(),
        key_fp: key_fingerprint(DEFAULT_FULL_KEY),
        domain_id: "sandbox-demo".into(),
        ipn_url: "https://sandbox.example.com/api/ipn".into(),
        name: "Sandbox Demo".into(),
        product_ids: "all".into(),
        categories: String::new(),
        transactions: "payment,refund,chargeback,payment_missed".into(),
        timing: "before_thankyou".into(),
        newsletter_send_policy: "end_policy_send_always".into(),
        sha_passphrase: pass,
        created_at: c.days_ago(100),
        modified_at: c.days_ago(100),
    });
    c.tx.next_id(Ipn::KIND, 293_441);
    for (i, (accessor, perm)) in [("4470", "can_full_access"), ("4471", "can_read")]
        .iter()
        .enumerate()
    {
        let full = *perm == "can_full_access";
        c.tx.put(AccountAccess {
            id: (51 + i).to_string(),
            owner_id: USER_ID.into(),
            accessor_id: (*accessor).into(),
            permissions: (*perm).into(),
            created_at: c.days_ago(800 - i as i64 * 100),
            modified_at: c.days_ago(200),
            can_see_non_affiliate_purchases: true,
            can_approve_affiliations: full,
            can_edit_products: full,
            can_give_permissions: false,
            can_see_revenue: true,
            can_csv_export: full,
        });
    }
    c.tx.put(EmailAffiliate {
        email: "anna@example.com".into(),
        affiliate_name: "anna_s24".into(),
        affiliate_id: "88120".into(),
        campaignkey: "spring".into(),
        trackingkey: "nl-42".into(),
        click_id: "cl_77812".into(),
        promoclick_at: c.days_ago(12),
    });
}

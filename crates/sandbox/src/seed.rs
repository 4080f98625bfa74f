//! The deterministic demo account generated on first start (and by `--reset`).
//!
//! Everything comes from one SplitMix64 stream seeded by `--seed`, so two sandboxes with the same
//! seed hold the same products, buyers, orders and amounts. Timestamps are offsets from the
//! moment of seeding, so "the last 24 hours" and "the last 7 days" always contain sales on a
//! fresh account. The account is built through the same ledger the handlers use, so its
//! statistics agree with its transaction list by construction.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use serde_json::{Value, json};

use crate::ledger::{self, FIRST_INVOICE_NO, FIRST_TRANSACTION_ID, Shares};
use crate::model::{ACCOUNT_ID, cents, kind, s, set};
use crate::params::money;
use crate::reference;
use crate::store::Tx;
use crate::time::{self, add_interval, fmt, parse_interval};

/// SplitMix64's output function.
pub fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A small deterministic PRNG (SplitMix64).
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        splitmix(self.0)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// Uniform in `0.0..1.0`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let i = self.below(items.len() as u64) as usize;
        &items[i.min(items.len().saturating_sub(1))]
    }
}

const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// An 8-character order id such as `L4F5DWT5` from 40 random bits.
pub fn order_code(r: u64) -> String {
    code(r, 8)
}

/// A `len`-character upper-case code from random bits (5 bits per character).
pub fn code(mut r: u64, len: usize) -> String {
    let mut out = String::with_capacity(len);
    for i in 0..len {
        if i > 0 && i % 12 == 0 {
            r = splitmix(r);
        }
        out.push(char::from(CODE_ALPHABET[(r & 31) as usize]));
        r >>= 5;
    }
    out
}

/// A mixed-case alphanumeric token of `len` characters.
pub fn token(rng: &mut Rng, len: usize) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..len)
        .map(|_| char::from(A[rng.below(A.len() as u64) as usize]))
        .collect()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Billing {
    Single,
    Subscription,
    Installment,
}

impl Billing {
    fn key(self) -> &'static str {
        match self {
            Self::Single => "single_payment",
            Self::Subscription => "subscription",
            Self::Installment => "installment",
        }
    }
}

struct ProductSpec {
    name_de: &'static str,
    name_en: &'static str,
    billing: Billing,
    first: i64,
    other: i64,
    installments: i64,
    interval: &'static str,
    currency: &'static str,
    type_id: &'static str,
    group: usize,
    active: bool,
    weight: u64,
}

#[allow(clippy::too_many_arguments)] // one row of the product table
const fn p(
    name_de: &'static str,
    name_en: &'static str,
    billing: Billing,
    first: i64,
    other: i64,
    installments: i64,
    interval: &'static str,
    currency: &'static str,
    type_id: &'static str,
    group: usize,
    active: bool,
    weight: u64,
) -> ProductSpec {
    ProductSpec {
        name_de,
        name_en,
        billing,
        first,
        other,
        installments,
        interval,
        currency,
        type_id,
        group,
        active,
        weight,
    }
}

use Billing::{Installment, Single, Subscription};

#[rustfmt::skip]
const PRODUCTS: &[ProductSpec] = &[
    p("Ihr Weg in die Selbstständigkeit", "Your Path to Self-Employment", Single, 4700, 0, 1, "", "EUR", "3", 0, true, 14),
    p("Pro Plan (monatlich)", "Pro Plan (monthly)", Subscription, 3900, 3900, 0, "1_month", "EUR", "10", 0, true, 24),
    p("Masterclass Online-Marketing", "Online Marketing Masterclass", Installment, 9900, 9900, 3, "1_month", "EUR", "4", 0, true, 10),
    p("Foto-Editor Pro", "Photo Editor Pro", Single, 2900, 0, 1, "", "EUR", "2", 1, true, 10),
    p("Foto-Editor Pro Jahreslizenz", "Photo Editor Pro yearly licence", Subscription, 7900, 7900, 0, "12_month", "EUR", "2", 1, true, 6),
    p("Coaching-Paket 1:1", "1:1 Coaching Package", Installment, 15000, 15000, 6, "1_month", "EUR", "20", 2, true, 5),
    p("Seminar Berlin: Erfolgreich verkaufen", "Berlin Seminar: Selling Successfully", Single, 24900, 0, 1, "", "EUR", "30", 2, true, 5),
    p("Vital-Kapseln 3er-Pack", "Vital Capsules 3-pack", Single, 5900, 0, 1, "", "EUR", "49", 3, true, 8),
    p("Premium Community", "Premium Community", Subscription, 1900, 1900, 0, "1_month", "USD", "10", 0, true, 14),
    p("Starter-Kurs (alt)", "Starter Course (legacy)", Single, 1900, 0, 1, "", "EUR", "4", 0, false, 3),
    p("Token-Paket 100", "100 Token Pack", Single, 900, 0, 1, "", "EUR", "1", 1, true, 4),
    p("Yoga Jahresmitgliedschaft", "Yoga Annual Membership", Subscription, 12000, 12000, 0, "12_month", "CHF", "10", 0, true, 4),
    p("Webinar-Aufzeichnung 2023", "Webinar Recording 2023", Single, 1500, 0, 1, "", "EUR", "1", 0, false, 2),
];

/// First product id of the demo account.
pub const FIRST_PRODUCT_ID: i64 = 512_340;
const GROUPS: &[(&str, &str)] = &[
    ("17", "Online-Kurse"),
    ("18", "Software"),
    ("19", "Coaching & Events"),
    ("20", "Physische Produkte"),
];

const FIRST_NAMES: &[(&str, &str)] = &[
    ("Anna", "F"),
    ("Claus", "M"),
    ("Lena", "F"),
    ("Jonas", "M"),
    ("Marie", "F"),
    ("Lukas", "M"),
    ("Sophie", "F"),
    ("Felix", "M"),
    ("Laura", "F"),
    ("Paul", "M"),
    ("Emma", "F"),
    ("Max", "M"),
    ("Mia", "F"),
    ("Leon", "M"),
    ("Hannah", "F"),
    ("Tim", "M"),
    ("Julia", "F"),
    ("David", "M"),
    ("Sarah", "F"),
    ("Michael", "M"),
    ("Helen", "F"),
    ("John", "M"),
    ("Olivia", "F"),
    ("Noah", "M"),
    ("Eva", "F"),
];
const LAST_NAMES: &[&str] = &[
    "Schmidt",
    "Meyer",
    "Müller",
    "Schneider",
    "Fischer",
    "Weber",
    "Wagner",
    "Becker",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Braun",
    "Zimmermann",
    "Hartmann",
    "Smith",
    "Johnson",
    "Brown",
    "de Vries",
    "Janssen",
    "Huber",
    "Gruber",
];
const STREETS: &[&str] = &[
    "Hauptstraße",
    "Bahnhofstraße",
    "Gartenweg",
    "Schillerstraße",
    "Lindenallee",
    "Main Street",
    "Kirchplatz",
    "Bergstraße",
    "Rosenweg",
    "Goethestraße",
];
const CITIES: &[(&str, &str, &str)] = &[
    ("DE", "Berlin", "10115"),
    ("DE", "Hamburg", "20095"),
    ("DE", "München", "80331"),
    ("DE", "Köln", "50667"),
    ("DE", "Frankfurt am Main", "60311"),
    ("DE", "Leipzig", "04109"),
    ("DE", "Bremen", "28195"),
    ("DE", "Stuttgart", "70173"),
    ("AT", "Wien", "1010"),
    ("AT", "Graz", "8010"),
    ("CH", "Zürich", "8001"),
    ("CH", "Basel", "4051"),
    ("NL", "Amsterdam", "1012"),
    ("US", "New York", "10001"),
    ("US", "Austin", "73301"),
    ("GB", "London", "EC1A 1BB"),
    ("DE", "Dresden", "01067"),
    ("DE", "Hannover", "30159"),
];
const AFFILIATES: &[(&str, &str, &str)] = &[
    ("88120", "anna_s24", "4000"),
    ("88121", "bigpartner", "5000"),
    ("88122", "marketing_max", "3000"),
    ("88123", "yoga_lisa", "4000"),
    ("88124", "tech_tom", "2500"),
    ("88125", "deals4you", "3500"),
    ("88126", "fitfranz", "4000"),
    ("88127", "coachcarla", "5000"),
];

/// The account owner's user id.
pub const USER_ID: &str = "4469";
/// The account owner's Digistore24 user name.
pub const USER_NAME: &str = "sandbox_vendor";

struct Ctx<'t, 's> {
    tx: &'t mut Tx<'s>,
    rng: Rng,
    now: NaiveDateTime,
}

impl Ctx<'_, '_> {
    fn ago(&self, secs: i64) -> NaiveDateTime {
        self.now - Duration::seconds(secs)
    }
    fn ago_days(&mut self, lo: i64, hi: i64) -> NaiveDateTime {
        let span = ((hi - lo).max(1) * 86_400) as u64;
        let r = self.rng.below(span) as i64;
        self.ago(lo * 86_400 + r)
    }
}

/// Fills an empty store with the demo account.
pub fn populate(tx: &mut Tx<'_>, seed: u64, now: NaiveDateTime) {
    let mut c = Ctx {
        tx,
        rng: Rng::new(seed),
        now,
    };
    let start = now - Duration::days(3 * 365);
    account(&mut c, start);
    groups(&mut c);
    let products = products(&mut c);
    affiliates(&mut c, &products);
    let buyers = buyers(&mut c);
    purchases(&mut c, &products, &buyers);
    payouts(&mut c);
    extras(&mut c, &products);
}

fn account(c: &mut Ctx<'_, '_>, start: NaiveDateTime) {
    let testpay = token(&mut c.rng, 12);
    let doc = json!({
        "user_id": USER_ID,
        "user_name": USER_NAME,
        "first_name": "Sandra",
        "last_name": "Sandbox",
        "email": "vendor@sandbox.example.com",
        "company": "Sandbox Media GmbH",
        "created_at": fmt(start),
        "language": "de",
        "currency": "EUR",
        "granted_roles": "user,affiliate,merchant",
        "billing_on_demand": "Y",
        "testpay_key": format!("tp_{}", testpay.to_lowercase()),
        "testpay_expires_at": fmt(c.now + Duration::days(30)),
        "eticket_owner_id": "123",
    });
    c.tx.put(kind::ACCOUNT, ACCOUNT_ID, doc);
}

fn groups(c: &mut Ctx<'_, '_>) {
    for (i, (id, name)) in GROUPS.iter().enumerate() {
        let at = fmt(c.now - Duration::days(900 - i as i64 * 40));
        c.tx.put(
            kind::PRODUCT_GROUP,
            id,
            json!({
                "id": id, "name": name, "position": ((i + 1) * 10).to_string(),
                "is_shown_as_tab": if i == 0 { "Y" } else { "N" },
                "created_at": at, "modified_at": at,
            }),
        );
    }
    c.tx.next_id(kind::PRODUCT_GROUP, 21);
}

/// A product document with every field, defaults filled in.
pub fn product_doc(id: &str, now: NaiveDateTime) -> Value {
    let at = fmt(now);
    json!({
        "id": id,
        "name_intern": "",
        "name_de": "",
        "name_en": "",
        "name_es": "",
        "description_de": "",
        "description_en": "",
        "description_es": "",
        "salespage_url": "",
        "upsell_salespage_url": "",
        "thankyou_url": "",
        "image_url": "",
        "product_type_id": "1",
        "product_group_id": "",
        "currency": "EUR",
        "language": "de",
        "is_active": "Y",
        "approval_status": "new",
        "approval_status_list": {"1": "new", "2": "new", "3": "new", "4": "new"},
        "affiliate_commission": "0.00",
        "buyer_type": "consumer",
        "is_address_input_mandatory": "N",
        "add_order_data_to_thankyou_page_url": "N",
        "note": "",
        "tag": "",
        "default_quantity": "1",
        "max_quantity": "1",
        "units_left": "infinite",
        "downloads": [],
        "created_at": at,
        "modified_at": at,
    })
}

/// A payment plan document.
#[allow(clippy::too_many_arguments)]
pub fn plan_doc(
    id: &str,
    product_id: &str,
    first: i64,
    other: i64,
    currency: &str,
    installments: i64,
    interval: &str,
    position: usize,
    at: &str,
) -> Value {
    json!({
        "id": id,
        "product_id": product_id,
        "first_amount": money(first),
        "other_amounts": money(other),
        "currency": currency,
        "number_of_installments": installments.to_string(),
        "first_billing_interval": interval,
        "other_billing_intervals": interval,
        "is_active": "Y",
        "position": position.to_string(),
        "cancel_policy": "",
        "is_switching_allowed": "N",
        "created_at": at,
        "modified_at": at,
    })
}

struct SeededProduct {
    id: String,
    spec: &'static ProductSpec,
    plan_id: String,
}

fn slug(s: &str) -> String {
    let mut out = String::new();
    for ch in s.to_lowercase().chars() {
        let mapped = match ch {
            'ä' => "ae".to_string(),
            'ö' => "oe".to_string(),
            'ü' => "ue".to_string(),
            'ß' => "ss".to_string(),
            c if c.is_ascii_alphanumeric() => c.to_string(),
            _ => "-".to_string(),
        };
        out.push_str(&mapped);
    }
    let mut collapsed = String::new();
    for part in out.split('-').filter(|p| !p.is_empty()) {
        if !collapsed.is_empty() {
            collapsed.push('-');
        }
        collapsed.push_str(part);
    }
    collapsed
}

fn products(c: &mut Ctx<'_, '_>) -> Vec<SeededProduct> {
    let mut out = Vec::new();
    let mut plan_no = 99_800_i64;
    for (i, spec) in PRODUCTS.iter().enumerate() {
        let id = (FIRST_PRODUCT_ID + i as i64).to_string();
        let created = c.now - Duration::days(700 - i as i64 * 35);
        let modified = c.now - Duration::days(200 - i as i64 * 9);
        let mut doc = product_doc(&id, created);
        let sl = slug(spec.name_en);
        let group_id = GROUPS[spec.group.min(GROUPS.len() - 1)].0;
        let category = reference::product_type_category(spec.type_id);
        for (k, v) in [
            ("name_intern", format!("{}__de__prod", sl.replace('-', "_"))),
            ("name_de", spec.name_de.to_string()),
            ("name_en", spec.name_en.to_string()),
            (
                "description_de",
                format!(
                    "<p>{} – alles, was Sie brauchen, in einem Paket.</p>",
                    spec.name_de
                ),
            ),
            (
                "description_en",
                format!(
                    "<p>{} – everything you need in one package.</p>",
                    spec.name_en
                ),
            ),
            ("salespage_url", format!("https://sandbox.example.com/{sl}")),
            (
                "thankyou_url",
                format!("https://sandbox.example.com/{sl}/danke?order=[ORDER_ID]"),
            ),
            (
                "image_url",
                format!("https://cdn.sandbox.example.com/products/{id}.png"),
            ),
            ("product_type_id", spec.type_id.to_string()),
            ("product_group_id", group_id.to_string()),
            ("currency", spec.currency.to_string()),
            ("is_active", if spec.active { "Y" } else { "N" }.to_string()),
            (
                "affiliate_commission",
                if i % 3 == 2 { "30.00" } else { "40.00" }.to_string(),
            ),
            ("created_at", fmt(created)),
            ("modified_at", fmt(modified)),
        ] {
            set(&mut doc, k, v);
        }
        let status = if spec.active { "approved" } else { "rejected" };
        set(&mut doc, "approval_status", status);
        set(
            &mut doc,
            "approval_status_list",
            json!({"1": status, "2": if i % 2 == 0 { status } else { "new" }, "3": "new", "4": "new"}),
        );
        if category == "shipping" {
            set(&mut doc, "is_address_input_mandatory", "Y");
            set(&mut doc, "max_quantity", "5");
            set(&mut doc, "units_left", "250");
        }
        if category == "event" {
            set(&mut doc, "max_quantity", "4");
            set(&mut doc, "units_left", "120");
        }
        if matches!(category, "digital") && spec.type_id != "10" {
            set(
                &mut doc,
                "downloads",
                json!([{
                    "file_name": format!("{}.pdf", spec.name_en),
                    "file_ext": "pdf",
                    "file_size": (20_000 + c.rng.below(4_000_000)).to_string(),
                    "headline": spec.name_de,
                    "instructions": "",
                    "downloads_total": "5",
                }]),
            );
        }
        if spec.type_id == "2" {
            set(&mut doc, "has_license_keys", "Y");
        }
        c.tx.put(kind::PRODUCT, &id, doc);

        let at = fmt(created + Duration::minutes(3));
        let plan_id = plan_no.to_string();
        plan_no += 1;
        c.tx.put(
            kind::PAYMENT_PLAN,
            &plan_id,
            plan_doc(
                &plan_id,
                &id,
                spec.first,
                spec.other,
                spec.currency,
                match spec.billing {
                    Single => 1,
                    Subscription => 0,
                    Installment => spec.installments,
                },
                spec.interval,
                1,
                &at,
            ),
        );
        // A second way to pay for some products.
        if spec.billing == Single && spec.first >= 4000 {
            let alt = plan_no.to_string();
            plan_no += 1;
            let third = (spec.first / 3 + 99) / 100 * 100 + 100;
            c.tx.put(
                kind::PAYMENT_PLAN,
                &alt,
                plan_doc(&alt, &id, third, third, spec.currency, 3, "1_month", 2, &at),
            );
        }
        if spec.billing == Subscription && spec.interval == "1_month" {
            let alt = plan_no.to_string();
            plan_no += 1;
            let yearly = spec.first * 10;
            c.tx.put(
                kind::PAYMENT_PLAN,
                &alt,
                plan_doc(
                    &alt,
                    &id,
                    yearly,
                    yearly,
                    spec.currency,
                    0,
                    "12_month",
                    2,
                    &at,
                ),
            );
        }
        out.push(SeededProduct { id, spec, plan_id });
    }
    c.tx.next_id(kind::PRODUCT, FIRST_PRODUCT_ID + PRODUCTS.len() as i64);
    c.tx.next_id(kind::PAYMENT_PLAN, plan_no);
    out
}

fn affiliates(c: &mut Ctx<'_, '_>, products: &[SeededProduct]) {
    for (i, (id, name, rate)) in AFFILIATES.iter().enumerate() {
        let at = c.now - Duration::days(600 - i as i64 * 50);
        c.tx.put(
            kind::AFFILIATE,
            id,
            json!({
                "id": id, "name": name,
                "email": format!("{name}@partners.example.com"),
                "created_at": fmt(at),
            }),
        );
        for (j, p) in products.iter().enumerate() {
            if (i + j) % 3 == 0 || j == 0 || j == 1 {
                let status = match (i + j) % 7 {
                    5 => "pending",
                    6 => "new",
                    _ => "approved",
                };
                let cid = format!("{id}-{}", p.id);
                c.tx.put(
                    kind::COMMISSION,
                    &cid,
                    json!({
                        "affiliate_id": id, "product_id": p.id,
                        "commission_rate": money(rate.parse::<i64>().unwrap_or(4000)),
                        "commission_fix": "0.00",
                        "commission_currency": p.spec.currency,
                        "approval_status": status,
                    }),
                );
            }
        }
    }
    // anna_s24 was brought in by bigpartner.
    c.tx.put(
        kind::REFERRER,
        "88120",
        json!({
            "affiliate_id": "88120", "referrer_id": "88121", "commission": "10.00",
            "created_at": fmt(c.now - Duration::days(400)), "created_by": USER_ID,
        }),
    );
}

struct SeedBuyer {
    id: String,
    country: String,
    email: String,
}

fn buyers(c: &mut Ctx<'_, '_>) -> Vec<SeedBuyer> {
    let mut out = Vec::new();
    for i in 0..330_i64 {
        let id = (54_000 + i).to_string();
        let (first, sal) = *c.rng.pick(FIRST_NAMES);
        let last = *c.rng.pick(LAST_NAMES);
        let (country, city, zip) = *c.rng.pick(CITIES);
        let street = *c.rng.pick(STREETS);
        let no = (1 + c.rng.below(180)).to_string();
        let mail_last: String = slug(last).replace('-', "");
        let email = format!("{}.{}{}@example.com", first.to_lowercase(), mail_last, i);
        let created = c.ago_days(0, 200);
        let company = if c.rng.chance(0.1) {
            format!("{last} GmbH")
        } else {
            String::new()
        };
        c.tx.put(
            kind::BUYER,
            &id,
            json!({
                "id": id,
                "address_id": (77_000 + i).to_string(),
                "created_at": fmt(created),
                "email": email,
                "first_name": first,
                "last_name": last,
                "salutation": sal,
                "title": if i % 17 == 0 { "Dr." } else { "" },
                "company": company,
                "street_name": street,
                "street_number": no,
                "street2": "",
                "zipcode": zip,
                "city": city,
                "state": if country == "US" { "NY" } else { "" },
                "country": country,
                "phone_no": if i % 4 == 0 { format!("+49 30 {}", 100_000 + i * 37) } else { String::new() },
            }),
        );
        out.push(SeedBuyer {
            id,
            country: country.to_string(),
            email,
        });
    }
    c.tx.next_id(kind::BUYER, 54_000 + 330);
    out
}

struct PendingTxn {
    at: NaiveDateTime,
    purchase_id: String,
    ttype: &'static str,
    shares: Shares,
    seq: i64,
    /// Index (in the pending list) of the payment a reversal refers to.
    reverses: Option<usize>,
}

/// Number of purchases in the demo account.
pub const PURCHASE_COUNT: usize = 820;

#[allow(clippy::too_many_lines)]
fn purchases(c: &mut Ctx<'_, '_>, products: &[SeededProduct], buyers: &[SeedBuyer]) {
    let total_weight: u64 = products.iter().map(|p| p.spec.weight).sum();
    let mut pending: Vec<PendingTxn> = Vec::new();
    let mut rebill_changes: Vec<(NaiveDateTime, String, i64, &'static str)> = Vec::new();
    let mut used_codes = std::collections::HashSet::new();
    let mut docs: Vec<Value> = Vec::new();

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
            Single => "completed",
            Installment if (due.len() as i64) >= spec.installments => "completed",
            _ => "paying",
        };
        let mut rebilling_active = spec.billing != Single && status == "paying";
        let x = c.rng.unit();
        if spec.billing != Single && due.len() >= 2 {
            if x < 0.2 {
                status = "aborted";
                paid = 1 + c.rng.below(due.len() as u64 - 1) as usize;
                rebilling_active = false;
                let cancel_at =
                    (due[paid - 1] + Duration::days(1 + c.rng.below(20) as i64)).min(c.now);
                rebill_changes.push((cancel_at, id.clone(), paid as i64, "rebill_cancelled"));
            } else if x < 0.27 && status == "paying" {
                status = if x < 0.24 { "unpaid" } else { "reminding" };
                paid = due.len() - 1;
            }
        }
        let next_payment_at = if status == "paying" || status == "unpaid" || status == "reminding" {
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
                ttype: "payment",
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
                Some("refund")
            } else if y < 0.075 {
                Some("chargeback")
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
                        ttype: t,
                        shares: sh.reversal(sh.gross),
                        seq: pending[last].seq,
                        reverses: Some(last),
                    });
                    if spec.billing != Single && status != "aborted" {
                        rebill_changes.push((at, id.clone(), paid as i64, "rebill_cancelled"));
                    }
                    status = "aborted";
                    rebilling_active = false;
                }
            }
        }
        let next_payment_at = if status == "aborted" || status == "completed" {
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
        docs.push(json!({
            "id": id,
            "created_at": fmt(created),
            "product_id": product.id,
            "paymentplan_id": product.plan_id,
            "quantity": quantity.to_string(),
            "buyer_id": buyer.id,
            "affiliate_id": aff_id,
            "affiliate_name": aff_name,
            "affiliate_rate": money(aff_rate),
            "amount": money(first),
            "other_amounts": money(other),
            "currency": spec.currency,
            "number_of_installments": match spec.billing { Installment => spec.installments, _ => 0 }.to_string(),
            "billing_type": spec.billing.key(),
            "billing_status": status,
            "first_billing_interval": spec.interval,
            "other_billing_intervals": spec.interval,
            "next_payment_at": next_payment_at,
            "rebilling_active": if rebilling_active { "Y" } else { "N" },
            "pay_sequence_no": paid.to_string(),
            "last_payment_at": "",
            "vat_rate": money(vat * 100),
            "vat_country": buyer.country,
            "pay_method": pay_method,
            "order_type": order_type,
            "is_rebilling_capable": if pay_method == "banktransfer" { "N" } else { "Y" },
            "tracking": {
                "utm_source": utm,
                "utm_medium": if utm.is_empty() { "" } else if utm == "newsletter" { "email" } else { "cpc" },
                "utm_campaign": if utm.is_empty() { "" } else { "spring" },
                "utm_term": "",
                "utm_content": "",
                "click_id": if aff_id.is_empty() { String::new() } else { format!("cl_{}", c.rng.below(1_000_000)) },
                "campaignkey": if utm.is_empty() { "" } else { "spring24" },
                "trackingkey": "",
                "vendor_key": if utm == "facebook" { "fb-ads" } else { "" },
                "custom": "",
                "sid1": "", "sid2": "", "sid3": "", "sid4": "", "sid5": "",
            },
            "license_key": license,
            "balance": "0.00",
            "custom": "",
            "tracking_param": "",
            "unlock_invoices": "N",
            "auth_key": auth,
            "has_custom_forms": if spec.type_id == "20" { "Y" } else { "N" },
            "has_etickets": if category == "event" { "Y" } else { "N" },
            "buyer_email": buyer.email,
        }));
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
    let by_id: std::collections::HashMap<String, usize> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (s(d, "id"), i))
        .collect();
    let mut invoice = FIRST_INVOICE_NO;
    let mut last_payment: std::collections::HashMap<String, String> = Default::default();
    for &i in &order {
        let t = &pending[i];
        let Some(&pi) = by_id.get(&t.purchase_id) else {
            continue;
        };
        let purchase = &docs[pi];
        let inv = if s(purchase, "order_type") == "test" {
            1
        } else {
            invoice += 1;
            invoice - 1
        };
        let related = t
            .reverses
            .map(|r| tx_ids[r].to_string())
            .unwrap_or_default();
        let mut doc = ledger::transaction_doc(
            tx_ids[i], purchase, t.ttype, &t.shares, t.at, t.seq, inv, &related,
        );
        if t.ttype == "payment" {
            last_payment.insert(t.purchase_id.clone(), fmt(t.at));
        }
        if let Some(r) = t.reverses {
            // Mark the payment refunded.
            let rid = tx_ids[r].to_string();
            if let Some(p) = c.tx.get_mut(kind::TRANSACTION, &rid) {
                let amt = cents(p, "amount");
                set(p, "refunded_amount", money(amt));
            }
        }
        if t.ttype == "payment" {
            set(&mut doc, "refunded_amount", "0.00");
        }
        c.tx.put(kind::TRANSACTION, &tx_ids[i].to_string(), doc);
    }
    c.tx.next_id(kind::TRANSACTION, next_tx);
    c.tx.next_id("invoice_no", invoice);
    for mut d in docs {
        let id = s(&d, "id");
        if let Some(at) = last_payment.get(&id) {
            set(&mut d, "last_payment_at", at.clone());
        }
        if let Value::Object(m) = &mut d {
            m.remove("buyer_email");
        }
        c.tx.put(kind::PURCHASE, &id, d);
    }
    rebill_changes.sort_by_key(|a| a.0);
    for (at, pid, seq, t) in rebill_changes {
        let id = c.tx.next_id(kind::REBILL_CHANGE, 88_000);
        c.tx.put(
            kind::REBILL_CHANGE,
            &id.to_string(),
            json!({
                "id": id.to_string(), "purchase_id": pid, "created_at": fmt(at),
                "pay_sequence_no": seq.to_string(), "type": t,
            }),
        );
    }
}

fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// Monthly payouts of the vendor earnings of every completed month in the last half year,
/// paid on the 5th of the following month.
fn payouts(c: &mut Ctx<'_, '_>) {
    let mut per_month: std::collections::BTreeMap<(NaiveDate, String), i64> = Default::default();
    for (_, t) in c.tx.all(kind::TRANSACTION) {
        let Some(at) = time::parse_stored(crate::model::sr(t, "created_at")) else {
            continue;
        };
        if s(t, "order_type") == "test" {
            continue;
        }
        *per_month
            .entry((month_start(at.date()), s(t, "currency")))
            .or_default() += cents(t, "vendor_amount");
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
        c.tx.put(
            kind::PAYOUT,
            &ids,
            json!({
                "id": ids,
                "credit_note_url": format!("https://www.digistore24.com/creditnote/{ids}/{auth}.pdf"),
                "commission_list_url": format!("https://www.digistore24.com/commissions/{ids}/{auth}.csv"),
                "reseller_name": "Digistore24 GmbH, Germany",
                "reseller_id": "1",
                "created_at": fmt(time::day_start(paid_at) + Duration::hours(7)),
                "processed_at": fmt(time::day_start(paid_at) + Duration::hours(9)),
                "period_from": time::fmt_date(month),
                "period_to": time::fmt_date(time::next_month(month) - Duration::days(1)),
                "vat_rate": "0.00",
                "vat_regulation": "germany_no_vat",
                "currency": currency,
                "payout_method": "banktransfer",
                "vendor_gross_amount": money(amount),
                "vendor_net_amount": money(amount),
                "vendor_vat_amount": "0.00",
                "affiliate_gross_amount": "0.00",
                "affiliate_net_amount": "0.00",
                "affiliate_vat_amount": "0.00",
                "fee_amount": "0.00",
                "fee_vat_amount": "0.00",
            }),
        );
        id += 1;
    }
}

fn extras(c: &mut Ctx<'_, '_>, products: &[SeededProduct]) {
    orderforms(c);
    vouchers(c);
    buy_urls(c, products);
    images(c);
    shipping_policies(c, products);
    fulfilment(c, products);
    service_proofs(c);
    upgrades(c, products);
    conversion_tools(c);
    marketplace(c, products);
    account_extras(c);
}

fn orderforms(c: &mut Ctx<'_, '_>) {
    let now = c.now;
    let at = |days: i64| fmt(now - Duration::days(days));
    // Order forms.
    for (i, (name, layout)) in [
        ("Standard", "widget"),
        ("Zwei Schritte", "widget"),
        ("Klassisch", "legacy"),
    ]
    .iter()
    .enumerate()
    {
        let id = (3181 + i).to_string();
        c.tx.put(
            kind::ORDERFORM,
            &id,
            json!({
                "id": id, "name": name, "layout": layout,
                "step_count": if i == 1 { "2" } else { "1" },
                "background_style": "white", "shipping_position": "after_cart",
                "tab_style": "bigtabs", "order_bump_style": "none", "custom_css": "",
                "created_at": at(300 - i as i64 * 30), "modified_at": at(100 - i as i64 * 10),
            }),
        );
    }
    c.tx.next_id(kind::ORDERFORM, 3184);
}

fn vouchers(c: &mut Ctx<'_, '_>) {
    let now = c.now;
    let at = |days: i64| fmt(now - Duration::days(days));
    // Vouchers.
    // (id, code, products, first %, other %, first amount, other amount, limited, left,
    //  valid from / expires at as day offsets from now)
    #[allow(clippy::type_complexity)]
    let vouchers: [(
        &str,
        &str,
        &str,
        &str,
        &str,
        &str,
        &str,
        &str,
        &str,
        Option<i64>,
        Option<i64>,
    ); 6] = [
        (
            "2477",
            "WELCOME10",
            "all",
            "10.00",
            "0.00",
            "0.00",
            "0.00",
            "N",
            "1",
            None,
            None,
        ),
        (
            "2478",
            "SPRING24",
            "512340,512341",
            "20.00",
            "10.00",
            "0.00",
            "0.00",
            "N",
            "1",
            None,
            Some(60),
        ),
        (
            "2479", "FIXED5", "all", "0.00", "0.00", "5.00", "5.00", "N", "1", None, None,
        ),
        (
            "2480", "LIMITED3", "512342", "15.00", "0.00", "0.00", "0.00", "Y", "3", None, None,
        ),
        (
            "2481",
            "EXPIRED20",
            "all",
            "20.00",
            "0.00",
            "0.00",
            "0.00",
            "N",
            "1",
            Some(-400),
            Some(-30),
        ),
        (
            "2482", "USEDUP", "all", "50.00", "0.00", "0.00", "0.00", "Y", "0", None, None,
        ),
    ];
    let offset = |d: Option<i64>| d.map_or(Value::Null, |d| json!(fmt(now + Duration::days(d))));
    for (id, code_, pids, fr, or, fa, oa, limited, left, from, to) in vouchers {
        c.tx.put(
            kind::VOUCHER,
            id,
            json!({
                "id": id, "code": code_, "product_ids": pids,
                "valid_from": offset(from), "valid_until": Value::Null, "expires_at": offset(to),
                "first_rate": fr, "other_rates": or, "first_amount": fa, "other_amounts": oa,
                "currency": "EUR", "upgrade_policy": "valid", "is_count_limited": limited,
                "count_left": left, "is_discarding_early_bird": "N", "created_at": at(90),
            }),
        );
    }
    c.tx.next_id(kind::VOUCHER, 2483);
}

fn buy_urls(c: &mut Ctx<'_, '_>, products: &[SeededProduct]) {
    let pid = |i: usize| products[i.min(products.len() - 1)].id.clone();
    let now = c.now;
    // Buy URLs.
    for i in 0..4_i64 {
        let id = (8_721_900 + i).to_string();
        let product = pid(i as usize);
        let tok = token(&mut c.rng, 10);
        let created = now - Duration::hours(6 + i * 20);
        let until = created + Duration::hours(24 + i * 48);
        c.tx.put(
            kind::BUY_URL,
            &id,
            json!({
                "id": id, "product_id": product,
                "url": format!("https://www.checkout-ds24.com/product/{product}/?ds24={tok}"),
                "valid_until": fmt(until),
                "email": if i == 0 { "anna@example.com" } else { "" },
                "created_at": fmt(created), "modified_at": fmt(created),
            }),
        );
    }
    c.tx.next_id(kind::BUY_URL, 8_721_904);
}

fn images(c: &mut Ctx<'_, '_>) {
    let now = c.now;
    let at = |days: i64| fmt(now - Duration::days(days));
    // Images.
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
        c.tx.put(
            kind::IMAGE,
            &id,
            json!({
                "id": id,
                "url": format!("https://d3prvp0id2r5kj.cloudfront.net/merchant_{USER_ID}/image/{usage}/{id}"),
                "file_extension": if i % 2 == 0 { "png" } else { "jpg" },
                "name": name, "approval_status": "approved", "usage_type": usage, "alt_tag": "",
                "width": if *usage == "product" { "100" } else { "728" },
                "height": if *usage == "product" { "100" } else { "90" },
                "created_at": at(200 - i as i64 * 20),
            }),
        );
    }
}

fn shipping_policies(c: &mut Ctx<'_, '_>, products: &[SeededProduct]) {
    let pid = |i: usize| products[i.min(products.len() - 1)].id.clone();
    let now = c.now;
    let at = |days: i64| fmt(now - Duration::days(days));
    // Shipping cost policies.
    for (i, (name, countries, amount)) in [
        ("EU Standard", "DE,AT,NL,BE,FR,IT,ES", "4.90"),
        ("Schweiz", "CH", "9.90"),
    ]
    .iter()
    .enumerate()
    {
        let id = (1234 + i).to_string();
        c.tx.put(
            kind::SHIPPING_POLICY,
            &id,
            json!({
                "id": id, "name": name, "label_de": "Versand", "label_en": "Shipping",
                "position": ((i + 1) * 100).to_string(), "is_active": "Y",
                "for_product_ids": pid(7), "for_countries": countries, "for_currencies": "EUR,CHF",
                "fee_type": "total_fee", "billing_cycle": "once", "currency": if i == 0 { "EUR" } else { "CHF" },
                "scale_level_count": "1", "scale_1_amount": amount,
                "created_at": at(250), "modified_at": at(120),
            }),
        );
    }
    c.tx.next_id(kind::SHIPPING_POLICY, 1236);
}

#[allow(clippy::too_many_lines)]
fn fulfilment(c: &mut Ctx<'_, '_>, products: &[SeededProduct]) {
    let pid = |i: usize| products[i.min(products.len() - 1)].id.clone();
    let now = c.now;
    let at = |days: i64| fmt(now - Duration::days(days));
    // E-ticket templates, locations and tickets for seminar purchases.
    for (id, name) in [
        ("3", "Seminarticket"),
        ("4", "VIP-Ticket"),
        ("5", "Workshop-Ticket"),
    ] {
        c.tx.put(
            kind::ETICKET_TEMPLATE,
            id,
            json!({"id": id, "name": name, "created_at": at(500), "modified_at": at(300)}),
        );
    }
    for (id, name, addr) in [
        ("3", "Berlin", "Alexanderplatz 1, 10178 Berlin"),
        ("4", "München", "Marienplatz 8, 80331 München"),
        ("5", "Wien", "Stephansplatz 1, 1010 Wien"),
    ] {
        c.tx.put(
            kind::ETICKET_LOCATION,
            id,
            json!({"id": id, "name": name, "address": addr}),
        );
    }
    let event_product = pid(6);
    let ship_product = pid(7);
    let coaching_product = pid(5);
    let mut event_purchases = Vec::new();
    let mut ship_purchases = Vec::new();
    let mut coaching_purchases = Vec::new();
    for (id, p) in c.tx.all(kind::PURCHASE) {
        let prod = crate::model::sr(p, "product_id");
        let row = (
            id.to_string(),
            s(p, "buyer_id"),
            crate::model::int(p, "quantity"),
            s(p, "created_at"),
            s(p, "order_type"),
            s(p, "billing_status"),
        );
        if prod == event_product {
            event_purchases.push(row);
        } else if prod == ship_product {
            ship_purchases.push(row);
        } else if prod == coaching_product {
            coaching_purchases.push(row);
        }
    }
    let event_date = time::fmt_date(now.date() + Duration::days(30));
    let mut eticket_no: u64 = 1_328_422_185_000_000_001;
    let mut item_no = 1_541_851_i64;
    for (pid_, buyer_id, qty, _, _, _) in &event_purchases {
        let Some(b) = c.tx.get(kind::BUYER, buyer_id).cloned() else {
            continue;
        };
        item_no += 1;
        for k in 0..(*qty).max(1) {
            let id = eticket_no.to_string();
            eticket_no += 1;
            let used = eticket_no.is_multiple_of(5);
            c.tx.put(
                kind::ETICKET,
                &id,
                json!({
                    "id": id,
                    "download_url": format!("https://www.digistore24.com/eticket/file{id}.pdf"),
                    "date_id": "1", "date": event_date, "hint": "17:00", "days": "1",
                    "location_id": "3", "template_id": "3",
                    "purchase_id": pid_, "purchase_item_id": item_no.to_string(),
                    "no": (k + 1).to_string(), "count": qty.max(&1).to_string(),
                    "email": s(&b, "email"), "first_name": s(&b, "first_name"),
                    "last_name": s(&b, "last_name"), "salutation": s(&b, "salutation"),
                    "title": s(&b, "title"), "language": "de",
                    "used_at": if used { fmt(now - Duration::days(2)) } else { String::new() },
                    "is_blocked": "N", "note": "", "product_id": event_product,
                }),
            );
        }
    }
    c.tx.next_id(
        kind::ETICKET,
        i64::try_from(eticket_no).unwrap_or(i64::MAX / 2),
    );

    // Deliveries for physical products.
    let mut delivery_id = 6_446_755_i64;
    for (i, (pid_, _buyer_id, qty, created, order_type, status)) in
        ship_purchases.iter().enumerate()
    {
        let created_t = time::parse_stored(created).unwrap_or(now);
        let age_days = (now - created_t).num_days();
        let ty = if status == "aborted" {
            "cancel"
        } else if age_days < 2 {
            "request"
        } else if age_days < 4 {
            "in_progress"
        } else if i % 11 == 3 && *qty > 1 {
            "partial_delivery"
        } else {
            "delivery"
        };
        let delivered = match ty {
            "delivery" => *qty,
            "partial_delivery" => 1,
            _ => 0,
        };
        let processed = matches!(ty, "delivery" | "partial_delivery");
        let tracking = if processed {
            json!([{"parcel_service": "dhl", "tracking_id": format!("00340434{:010}", delivery_id), "expect_delivery_at": time::fmt_date(created_t.date() + Duration::days(4)), "quantity": delivered.to_string()}])
        } else {
            json!([])
        };
        let id = delivery_id.to_string();
        delivery_id += 1;
        c.tx.put(
            kind::DELIVERY,
            &id,
            json!({
                "id": id, "purchase_id": pid_, "purchase_item_id": (27_900_000 + i as i64).to_string(),
                "type": ty, "delivery_type": "shipping", "product_id": ship_product,
                "quantity_total": qty.to_string(), "quantity_delivered": delivered.to_string(),
                "is_test_order": if order_type == "test" { "Y" } else { "N" },
                "processed_at": if processed { fmt(created_t + Duration::days(2)) } else { String::new() },
                "processed_by": if processed { "Lager Berlin" } else { "" },
                "is_shipped_by_reseller_from": "",
                "tracking": tracking,
                "created_at": created, "modified_at": created,
            }),
        );
    }
    c.tx.next_id(kind::DELIVERY, delivery_id);

    // Custom form records for coaching purchases.
    let mut record_id = 633_296_i64;
    for (pid_, buyer_id, _, _, _, _) in coaching_purchases.iter().take(25) {
        let Some(b) = c.tx.get(kind::BUYER, buyer_id).cloned() else {
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
        c.tx.put(
            kind::CUSTOM_FORM,
            &id,
            json!({
                "id": id, "form_id": "16320", "purchase_id": pid_,
                "purchase_item_id": (1_541_000 + record_id).to_string(),
                "product_id": coaching_product, "form_no": "1", "form_count": "1",
                "data": {"first_name": s(&b, "first_name"), "last_name": s(&b, "last_name"), "email": s(&b, "email"), "occupation": occupation},
                "address": {"first_name": s(&b, "first_name"), "last_name": s(&b, "last_name"), "email": s(&b, "email")},
            }),
        );
    }
}

fn service_proofs(c: &mut Ctx<'_, '_>) {
    let now = c.now;
    // Service proof requests.
    let mut recent: Vec<(String, String)> =
        c.tx.all(kind::PURCHASE)
            .filter(|(_, p)| crate::model::sr(p, "billing_status") != "aborted")
            .map(|(id, p)| (id.to_string(), s(p, "product_id")))
            .collect();
    recent.truncate(40);
    for (i, (pid_, prod)) in recent.iter().step_by(8).enumerate() {
        let id = (4412 + i).to_string();
        let (approval, req) = match i {
            0 => ("pending", "pending"),
            1 => ("new", "pending"),
            2 => ("approved", "proof_provided"),
            3 => ("rejected", "pending"),
            _ => ("pending", "proof_provided"),
        };
        let created = now - Duration::days(3 + i as i64 * 4);
        c.tx.put(
            kind::SERVICE_PROOF,
            &id,
            json!({
                "id": id, "purchase_id": pid_, "product_id": prod, "delivery_type": "digital",
                "approval_status": approval, "request_status": req,
                "created_at": fmt(created), "modified_at": fmt(created),
                "due_date": time::fmt_date(created.date() + Duration::days(14)),
                "notes": "", "message": "", "files": [],
            }),
        );
    }
    c.tx.next_id(kind::SERVICE_PROOF, 4420);
}

fn upgrades(c: &mut Ctx<'_, '_>, products: &[SeededProduct]) {
    let pid = |i: usize| products[i.min(products.len() - 1)].id.clone();
    let now = c.now;
    let at = |days: i64| fmt(now - Duration::days(days));
    // Upgrades, smart upgrades, upsells.
    for (i, (name, to, from, fallback)) in [
        ("Upgrade auf Jahreslizenz", 4_usize, 3_usize, 3_usize),
        ("Pro Plan → Masterclass", 2, 1, 1),
    ]
    .iter()
    .enumerate()
    {
        let id = (7922 + i).to_string();
        let auth = token(&mut c.rng, 12);
        c.tx.put(
            kind::UPGRADE,
            &id,
            json!({
                "id": id, "name": name, "to_product_id": pid(*to), "fallback_product_id": pid(*fallback),
                "is_active": "Y", "authkey": auth, "buyer_readonly_keys": "none",
                "upgrade_from": pid(*from), "downgrade_from": "", "special_offer_for": "",
                "created_at": at(150),
            }),
        );
    }
    c.tx.next_id(kind::UPGRADE, 7924);
    for (i, (name, to, froms)) in [
        ("Upgrade auf Komplettversion", 4_usize, "3"),
        ("Community-Upgrade", 8, "0,1"),
    ]
    .iter()
    .enumerate()
    {
        let id = (1 + i).to_string();
        let ids: Vec<String> = froms
            .split(',')
            .map(|x| pid(x.parse().unwrap_or(0)))
            .collect();
        let auth = token(&mut c.rng, 25);
        c.tx.put(
            kind::SMART_UPGRADE,
            &id,
            json!({
                "id": id, "name": name, "authkey": auth, "created_at": at(120),
                "is_custom_css_used": "N", "custom_css": Value::Null,
                "upgrade_to_product_id": pid(*to), "product_ids": ids.join(","),
            }),
        );
    }
    c.tx.put(
        kind::UPSELLS,
        &pid(0),
        json!({"product_id": pid(0), "upsells": {"y": pid(2), "yy": pid(5), "yn": pid(10)}}),
    );
}

fn conversion_tools(c: &mut Ctx<'_, '_>) {
    let now = c.now;
    let at = |days: i64| fmt(now - Duration::days(days));
    // Conversion tools besides smart upgrades.
    for (i, (ty, name)) in [
        ("countdown", "Frühbucher-Countdown"),
        ("trust_badge", "Geld-zurück-Garantie"),
        ("socialproof_bubble", "Letzte Käufe"),
        ("socialproof_box", "Kundenstimmen"),
    ]
    .iter()
    .enumerate()
    {
        let id = (500 + i).to_string();
        c.tx.put(
            kind::CONVERSION_TOOL,
            &id,
            json!({"id": id, "type": ty, "name": name, "is_active": "Y", "created_at": at(60 + i as i64)}),
        );
    }
}

fn marketplace(c: &mut Ctx<'_, '_>, products: &[SeededProduct]) {
    let pid = |i: usize| products[i.min(products.len() - 1)].id.clone();
    let now = c.now;
    let at = |days: i64| fmt(now - Duration::days(days));
    // Marketplace entries.
    for (i, prod) in [0_usize, 1, 2].iter().enumerate() {
        let id = (1 + i).to_string();
        let spec = products[*prod].spec;
        let stars = ["3.5", "4.0", "2.5"][i % 3];
        c.tx.put(
            kind::MARKETPLACE,
            &id,
            json!({
                "id": id, "main_product_id": pid(*prod), "all_product_ids": [pid(*prod)],
                "approval_status": "approved", "price": money(spec.first), "currency": spec.currency,
                "language": "de", "is_price_msg_overriden": "N", "product_category_id": "12",
                "product_category": "Business", "headline": spec.name_de,
                "description": format!("<p>{}</p>", spec.name_de), "affiliate_share": "40.00",
                "product_created_at": at(700 - *prod as i64 * 35), "stats_is_valid": "Y",
                "stats_updated_at": fmt(time::day_start(now.date()) + Duration::hours(3)),
                "stats_seller_rank": (1523 + i * 211).to_string(), "stats_seller_rank_category": (88 + i * 7).to_string(),
                "stats_stars": stars, "stats_affiliate_profit_visitor": "0.42",
                "stats_affiliate_profit_sale": "18.80", "stats_count_orders_w_aff": (55 + i * 10).to_string(),
                "stats_cancel_rate": "4.10", "stats_revenue": "15420.50",
                "stats_count_affiliates_with_sales": (12 + i).to_string(), "stats_conversion_rate": "2.10",
                "stats_count_orders": (310 + i * 40).to_string(),
            }),
        );
    }
}

fn account_extras(c: &mut Ctx<'_, '_>) {
    let now = c.now;
    let at = |days: i64| fmt(now - Duration::days(days));
    // IPN connection of the full-access demo key, account access, e-mail affiliations.
    let pass = token(&mut c.rng, 30);
    c.tx.put(
        kind::IPN,
        "293440",
        json!({
            "id": "293440", "key_fp": crate::model::key_fingerprint(crate::config::DEFAULT_FULL_KEY),
            "domain_id": "sandbox-demo", "ipn_url": "https://sandbox.example.com/api/ipn",
            "name": "Sandbox Demo", "product_ids": "all", "categories": "",
            "transactions": "payment,refund,chargeback,payment_missed", "timing": "before_thankyou",
            "newsletter_send_policy": "end_policy_send_always", "sha_passphrase": pass,
            "created_at": at(100), "modified_at": at(100),
        }),
    );
    c.tx.next_id(kind::IPN, 293_441);
    for (i, (accessor, perm)) in [("4470", "can_full_access"), ("4471", "can_read")]
        .iter()
        .enumerate()
    {
        let id = (51 + i).to_string();
        let full = *perm == "can_full_access";
        c.tx.put(
            kind::ACCOUNT_ACCESS,
            &id,
            json!({
                "id": id, "owner_id": USER_ID, "accessor_id": accessor, "permissions": perm,
                "created_at": at(800 - i as i64 * 100), "modified_at": at(200),
                "can_see_non_affiliate_purchases": "Y", "can_approve_affiliations": crate::model::yn(full),
                "can_edit_products": crate::model::yn(full), "can_give_permissions": "N",
                "can_see_revenue": "Y", "can_csv_export": crate::model::yn(full),
            }),
        );
    }
    c.tx.put(
        kind::EMAIL_AFFILIATE,
        "anna@example.com",
        json!({
            "email": "anna@example.com", "affiliate_name": "anna_s24", "affiliate_id": "88120",
            "campaignkey": "spring", "trackingkey": "nl-42", "click_id": "cl_77812",
            "promoclick_at": at(12),
        }),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::StateLocation;
    use crate::store::Store;

    #[test]
    fn codes_look_like_order_ids() {
        let c = order_code(123_456_789);
        assert_eq!(c.len(), 8);
        assert!(c.bytes().all(|b| CODE_ALPHABET.contains(&b)));
        assert_eq!(code(1, 20).len(), 20);
    }

    #[test]
    fn rng_is_deterministic() {
        let mut a = Rng::new(5);
        let mut b = Rng::new(5);
        for _ in 0..10 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        let u = Rng::new(9).unit();
        assert!((0.0..1.0).contains(&u));
    }

    #[test]
    fn seeded_account_has_recent_sales_and_consistent_ledger() {
        let (mut store, _) = Store::open(&StateLocation::Memory, false).unwrap();
        let now = time::parse_stored("2025-06-15 12:00:00").unwrap();
        let mut tx = store.begin();
        populate(&mut tx, 24, now);
        assert!(tx.count(kind::PRODUCT) >= 10);
        assert_eq!(tx.count(kind::PURCHASE), PURCHASE_COUNT);
        let txns = tx.count(kind::TRANSACTION);
        assert!((1200..3000).contains(&txns), "{txns} transactions");
        let day_ago = time::fmt(now - Duration::days(1));
        let week_ago = time::fmt(now - Duration::days(7));
        let recent = tx
            .all(kind::PURCHASE)
            .filter(|(_, p)| crate::model::sr(p, "created_at") >= day_ago.as_str())
            .count();
        let week = tx
            .all(kind::PURCHASE)
            .filter(|(_, p)| crate::model::sr(p, "created_at") >= week_ago.as_str())
            .count();
        assert!(recent >= 5, "{recent} purchases in the last 24h");
        assert!(week >= 40, "{week} purchases in the last 7 days");
        for status in ["paying", "completed", "aborted", "unpaid", "reminding"] {
            assert!(
                tx.all(kind::PURCHASE)
                    .any(|(_, p)| crate::model::sr(p, "billing_status") == status),
                "no purchase with billing_status {status}"
            );
        }
        for t in ["payment", "refund", "chargeback"] {
            assert!(
                tx.all(kind::TRANSACTION)
                    .any(|(_, d)| crate::model::sr(d, "type") == t),
                "no {t} transaction"
            );
        }
        for (_, t) in tx.all(kind::TRANSACTION) {
            let sh = Shares::of(t);
            assert_eq!(sh.gross, sh.vat + sh.fee + sh.affiliate + sh.vendor);
            assert!(crate::model::sr(t, "created_at") <= time::fmt(now).as_str());
        }
        // Same seed, same account.
        let first: Vec<String> = tx
            .all(kind::PURCHASE)
            .map(|(id, _)| id.to_string())
            .collect();
        drop(tx);
        let (mut store2, _) = Store::open(&StateLocation::Memory, false).unwrap();
        let mut tx2 = store2.begin();
        populate(&mut tx2, 24, now);
        let second: Vec<String> = tx2
            .all(kind::PURCHASE)
            .map(|(id, _)| id.to_string())
            .collect();
        assert_eq!(first, second);
        drop(tx2);
        let (mut store3, _) = Store::open(&StateLocation::Memory, false).unwrap();
        let mut tx3 = store3.begin();
        populate(&mut tx3, 25, now);
        let third: Vec<String> = tx3
            .all(kind::PURCHASE)
            .map(|(id, _)| id.to_string())
            .collect();
        assert_ne!(first, third, "another seed, another account");
    }
}

//! The fixed tables the demo account is generated from: products with their prices and
//! weights, names, streets, cities and affiliates.

/// How a demo product is paid.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Billing {
    /// One payment.
    Single,
    /// Monthly or yearly payments until cancelled.
    Subscription,
    /// A fixed number of payments.
    Installment,
}

/// One demo product.
#[allow(missing_docs)]
pub struct ProductSpec {
    pub name_de: &'static str,
    pub name_en: &'static str,
    pub billing: Billing,
    /// First payment, cents.
    pub first: i64,
    /// Later payments, cents.
    pub other: i64,
    pub installments: i64,
    pub interval: &'static str,
    pub currency: &'static str,
    pub type_id: &'static str,
    /// Index into [`GROUPS`].
    pub group: usize,
    pub active: bool,
    /// Relative share of the sales.
    pub weight: u64,
}

use Billing::{Installment, Single, Subscription};

/// The demo products (ids from `FIRST_PRODUCT_ID` on, in this order).
#[rustfmt::skip]
pub const PRODUCTS: &[ProductSpec] = &[
    ProductSpec { name_de: "Ihr Weg in die Selbstständigkeit", name_en: "Your Path to Self-Employment", billing: Single, first: 4700, other: 0, installments: 1, interval: "", currency: "EUR", type_id: "3", group: 0, active: true, weight: 14 },
    ProductSpec { name_de: "Pro Plan (monatlich)", name_en: "Pro Plan (monthly)", billing: Subscription, first: 3900, other: 3900, installments: 0, interval: "1_month", currency: "EUR", type_id: "10", group: 0, active: true, weight: 24 },
    ProductSpec { name_de: "Masterclass Online-Marketing", name_en: "Online Marketing Masterclass", billing: Installment, first: 9900, other: 9900, installments: 3, interval: "1_month", currency: "EUR", type_id: "4", group: 0, active: true, weight: 10 },
    ProductSpec { name_de: "Foto-Editor Pro", name_en: "Photo Editor Pro", billing: Single, first: 2900, other: 0, installments: 1, interval: "", currency: "EUR", type_id: "2", group: 1, active: true, weight: 10 },
    ProductSpec { name_de: "Foto-Editor Pro Jahreslizenz", name_en: "Photo Editor Pro yearly licence", billing: Subscription, first: 7900, other: 7900, installments: 0, interval: "12_month", currency: "EUR", type_id: "2", group: 1, active: true, weight: 6 },
    ProductSpec { name_de: "Coaching-Paket 1:1", name_en: "1:1 Coaching Package", billing: Installment, first: 15000, other: 15000, installments: 6, interval: "1_month", currency: "EUR", type_id: "20", group: 2, active: true, weight: 5 },
    ProductSpec { name_de: "Seminar Berlin: Erfolgreich verkaufen", name_en: "Berlin Seminar: Selling Successfully", billing: Single, first: 24900, other: 0, installments: 1, interval: "", currency: "EUR", type_id: "30", group: 2, active: true, weight: 5 },
    ProductSpec { name_de: "Vital-Kapseln 3er-Pack", name_en: "Vital Capsules 3-pack", billing: Single, first: 5900, other: 0, installments: 1, interval: "", currency: "EUR", type_id: "49", group: 3, active: true, weight: 8 },
    ProductSpec { name_de: "Premium Community", name_en: "Premium Community", billing: Subscription, first: 1900, other: 1900, installments: 0, interval: "1_month", currency: "USD", type_id: "10", group: 0, active: true, weight: 14 },
    ProductSpec { name_de: "Starter-Kurs (alt)", name_en: "Starter Course (legacy)", billing: Single, first: 1900, other: 0, installments: 1, interval: "", currency: "EUR", type_id: "4", group: 0, active: false, weight: 3 },
    ProductSpec { name_de: "Token-Paket 100", name_en: "100 Token Pack", billing: Single, first: 900, other: 0, installments: 1, interval: "", currency: "EUR", type_id: "1", group: 1, active: true, weight: 4 },
    ProductSpec { name_de: "Yoga Jahresmitgliedschaft", name_en: "Yoga Annual Membership", billing: Subscription, first: 12000, other: 12000, installments: 0, interval: "12_month", currency: "CHF", type_id: "10", group: 0, active: true, weight: 4 },
    ProductSpec { name_de: "Webinar-Aufzeichnung 2023", name_en: "Webinar Recording 2023", billing: Single, first: 1500, other: 0, installments: 1, interval: "", currency: "EUR", type_id: "1", group: 0, active: false, weight: 2 },
];

/// Product groups (id, name).
pub const GROUPS: &[(&str, &str)] = &[
    ("17", "Online-Kurse"),
    ("18", "Software"),
    ("19", "Coaching & Events"),
    ("20", "Physische Produkte"),
];

/// First names with salutation.
pub const FIRST_NAMES: &[(&str, &str)] = &[
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
/// Last names.
pub const LAST_NAMES: &[&str] = &[
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
/// Streets.
pub const STREETS: &[&str] = &[
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
/// (country, city, zip code).
pub const CITIES: &[(&str, &str, &str)] = &[
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
/// (id, user name, commission in basis points).
pub const AFFILIATES: &[(&str, &str, &str)] = &[
    ("88120", "anna_s24", "4000"),
    ("88121", "bigpartner", "5000"),
    ("88122", "marketing_max", "3000"),
    ("88123", "yoga_lisa", "4000"),
    ("88124", "tech_tom", "2500"),
    ("88125", "deals4you", "3500"),
    ("88126", "fitfranz", "4000"),
    ("88127", "coachcarla", "5000"),
];

//! Fixed reference data of the simulated platform: countries, currencies, product types, pay
//! methods, billing intervals, resellers, image limits.
//!
//! These are platform facts, not account data, so they live in code rather than in the store
//! and never change with `--reset`.

/// (code, German name, English name, VAT rate in percent).
pub const COUNTRIES: &[(&str, &str, &str, u32)] = &[
    ("DE", "Deutschland", "Germany", 19),
    ("AT", "Österreich", "Austria", 20),
    ("CH", "Schweiz", "Switzerland", 0),
    ("NL", "Niederlande", "Netherlands", 21),
    ("BE", "Belgien", "Belgium", 21),
    ("FR", "Frankreich", "France", 20),
    ("IT", "Italien", "Italy", 22),
    ("ES", "Spanien", "Spain", 21),
    ("PL", "Polen", "Poland", 23),
    ("LU", "Luxemburg", "Luxembourg", 17),
    ("DK", "Dänemark", "Denmark", 25),
    ("SE", "Schweden", "Sweden", 25),
    ("IE", "Irland", "Ireland", 23),
    ("GB", "Vereinigtes Königreich", "United Kingdom", 20),
    ("US", "USA", "USA", 0),
    ("CA", "Kanada", "Canada", 0),
    ("AU", "Australien", "Australia", 0),
];

/// (id, code, German name, English name, symbol, min price, max price, value in USD).
#[allow(clippy::type_complexity)] // a plain table reads best here
pub const CURRENCIES: &[(&str, &str, &str, &str, &str, &str, &str, f64)] = &[
    ("1", "EUR", "Euro", "Euro", "€", "0.80", "5000.00", 1.08),
    (
        "2",
        "USD",
        "US-Dollar",
        "US dollar",
        "$",
        "1.00",
        "5000.00",
        1.0,
    ),
    (
        "3",
        "CHF",
        "Schweizer Franken",
        "Swiss franc",
        "CHF",
        "1.00",
        "5000.00",
        1.12,
    ),
    (
        "4",
        "GBP",
        "Britisches Pfund",
        "Pound sterling",
        "£",
        "0.70",
        "4000.00",
        1.27,
    ),
    (
        "5",
        "PLN",
        "Polnischer Złoty",
        "Polish złoty",
        "zł",
        "4.00",
        "20000.00",
        0.25,
    ),
    (
        "6",
        "DKK",
        "Dänische Krone",
        "Danish krone",
        "kr",
        "6.00",
        "35000.00",
        0.145,
    ),
    (
        "7",
        "SEK",
        "Schwedische Krone",
        "Swedish krona",
        "kr",
        "9.00",
        "50000.00",
        0.095,
    ),
    (
        "8",
        "CAD",
        "Kanadischer Dollar",
        "Canadian dollar",
        "CA$",
        "1.30",
        "6500.00",
        0.73,
    ),
    (
        "9",
        "AUD",
        "Australischer Dollar",
        "Australian dollar",
        "A$",
        "1.50",
        "7500.00",
        0.66,
    ),
];

/// (id, German name, English name, category).
pub const PRODUCT_TYPES: &[(&str, &str, &str, &str)] = &[
    ("1", "Digitales Produkt", "Digital product", "digital"),
    ("2", "Software", "Software", "digital"),
    ("3", "E-Book", "E-book", "digital"),
    ("4", "Online-Kurs", "Online course", "digital"),
    ("10", "Mitgliedschaft", "Membership", "digital"),
    ("20", "Coaching", "Coaching", "service"),
    ("30", "Seminar / Veranstaltung", "Seminar / event", "event"),
    (
        "49",
        "Nahrungsergänzungsmittel - Gesundheit",
        "Dietary supplement - health",
        "shipping",
    ),
    ("50", "Buch", "Book", "shipping"),
];

/// Pay method keys (labels in [`crate::labels::label`]).
pub const PAY_METHODS: &[&str] = &[
    "paypal",
    "creditcard",
    "sepa",
    "sofort",
    "banktransfer",
    "applepay",
    "googlepay",
    "klarna",
];

/// (key, German, English) billing intervals.
pub const INTERVALS: &[(&str, &str, &str)] = &[
    ("7_day", "7 Tage", "7 days"),
    ("14_day", "14 Tage", "14 days"),
    ("1_month", "1 Monat", "1 month"),
    ("2_month", "2 Monate", "2 months"),
    ("3_month", "3 Monate", "3 months"),
    ("6_month", "6 Monate", "6 months"),
    ("12_month", "12 Monate", "12 months"),
    ("24_month", "24 Monate", "24 months"),
];

/// (id, name) of the Digistore24 resellers (siteowners) a product is approved at.
pub const RESELLERS: &[(&str, &str)] = &[
    ("1", "Digistore24 GmbH, Germany"),
    ("2", "Digistore24 Inc., USA"),
    ("3", "Digistore24 Ltd., UK"),
    ("4", "Digistore24 Ltd., Ireland"),
];

/// (usage type, German label, English label, max KB, min w, max w, min h, max h).
#[allow(clippy::type_complexity)] // a plain table reads best here
pub const IMAGE_USAGE: &[(&str, &str, &str, u32, u32, u32, u32, u32)] = &[
    ("product", "Produkt", "Product", 500, 100, 100, 100, 500),
    (
        "orderform",
        "Bestellformular",
        "Order form",
        1000,
        200,
        1600,
        50,
        800,
    ),
    ("upsell", "Upsell", "Upsell", 1000, 100, 1200, 100, 1200),
    (
        "affiliate",
        "Affiliate-Werbemittel",
        "Affiliate material",
        2000,
        50,
        2000,
        50,
        2000,
    ),
    (
        "marketplace",
        "Marktplatz",
        "Marketplace",
        1000,
        300,
        1200,
        300,
        1200,
    ),
];

/// Usage type keys accepted by `listImages`/`createImage`.
pub fn image_usage_types() -> Vec<&'static str> {
    IMAGE_USAGE.iter().map(|u| u.0).collect()
}

/// The VAT rate of a buyer country (0 outside the listed EU/UK countries).
pub fn vat_rate(country: &str) -> u32 {
    COUNTRIES.iter().find(|c| c.0 == country).map_or(0, |c| c.3)
}

/// Whether a currency code is supported.
pub fn is_currency(code: &str) -> bool {
    CURRENCIES.iter().any(|c| c.1 == code)
}

/// Whether a product type id exists.
pub fn is_product_type(id: &str) -> bool {
    PRODUCT_TYPES.iter().any(|t| t.0 == id)
}

/// The English name of a product type (or `""`).
pub fn product_type_name(id: &str, german: bool) -> &'static str {
    PRODUCT_TYPES
        .iter()
        .find(|t| t.0 == id)
        .map_or("", |t| if german { t.1 } else { t.2 })
}

/// The category (`digital`, `shipping`, `service`, `event`) of a product type.
pub fn product_type_category(id: &str) -> &'static str {
    PRODUCT_TYPES
        .iter()
        .find(|t| t.0 == id)
        .map_or("digital", |t| t.3)
}

/// The country name in the given language.
pub fn country_name(code: &str, german: bool) -> String {
    COUNTRIES
        .iter()
        .find(|c| c.0 == code)
        .map_or(code.to_string(), |c| {
            if german { c.1 } else { c.2 }.to_string()
        })
}

/// The demo account owner's user id (in key prefixes, image URLs, tracking code).
pub const USER_ID: &str = "4469";
/// The demo account owner's Digistore24 user name.
pub const USER_NAME: &str = "sandbox_vendor";

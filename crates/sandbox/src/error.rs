//! Errors: the API's own errors (what a handler returns) and the crate's startup errors.
//!
//! An [`ApiError`] carries the Digistore24 error code and its message in both API languages, so
//! handlers never think about `language=`; the wire layer picks the text and the HTTP status.
//! Codes follow the official connector's constants: 2 bad key, 3 bad parameters, 4 not found,
//! 8 permission denied, 9 unknown function, 0 anything else (rate limit, refused action).

/// The language of messages and `*_msg` labels (`language=de|en`; German by default, like the
/// real API for a German account).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// German (default).
    #[default]
    De,
    /// English.
    En,
}

impl Lang {
    /// `en` (any case) is English; everything else German.
    pub fn parse(s: &str) -> Self {
        if s.trim().eq_ignore_ascii_case("en") {
            Self::En
        } else {
            Self::De
        }
    }

    /// Picks the text for this language.
    pub fn pick<'a>(self, de: &'a str, en: &'a str) -> &'a str {
        match self {
            Self::De => de,
            Self::En => en,
        }
    }
}

/// The class of an API error; decides the code and the HTTP status in `http` mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Code 2: missing, unknown or revoked API key.
    BadKey,
    /// Code 3: a parameter is missing or invalid.
    BadParams,
    /// Code 4: the addressed object does not exist.
    NotFound,
    /// Code 8: the key may not call this function.
    Permission,
    /// Code 9: no such API function.
    UnknownFunction,
    /// Code 0: too many requests for this key.
    RateLimited,
    /// Code 0: the request is well-formed but the action is refused.
    Refused,
}

impl ErrorKind {
    /// The Digistore24 error code.
    pub fn code(self) -> i64 {
        match self {
            Self::BadKey => 2,
            Self::BadParams => 3,
            Self::NotFound => 4,
            Self::Permission => 8,
            Self::UnknownFunction => 9,
            Self::RateLimited | Self::Refused => 0,
        }
    }

    /// The HTTP status in `--error-status http` mode (OpenAPI's statuses).
    pub fn http_status(self) -> u16 {
        match self {
            Self::BadKey => 401,
            Self::BadParams | Self::Refused => 400,
            Self::NotFound | Self::UnknownFunction => 404,
            Self::Permission => 403,
            Self::RateLimited => 429,
        }
    }
}

/// An error answer of the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// What went wrong, coarsely.
    pub kind: ErrorKind,
    de: String,
    en: String,
}

impl ApiError {
    /// An error with explicit German and English texts.
    pub fn new(kind: ErrorKind, de: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            kind,
            de: de.into(),
            en: en.into(),
        }
    }

    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> &str {
        lang.pick(&self.de, &self.en)
    }

    /// The Digistore24 error code.
    pub fn code(&self) -> i64 {
        self.kind.code()
    }

    /// Code 3: a required parameter is missing.
    pub fn missing(param: &str) -> Self {
        Self::new(
            ErrorKind::BadParams,
            format!("Der Parameter '{param}' fehlt oder ist leer."),
            format!("The parameter '{param}' is missing or empty."),
        )
    }

    /// Code 3: a parameter has an invalid value.
    pub fn invalid(param: &str, de: &str, en: &str) -> Self {
        Self::new(
            ErrorKind::BadParams,
            format!("Ungültiger Wert für den Parameter '{param}': {de}"),
            format!("Invalid value for the parameter '{param}': {en}"),
        )
    }

    /// Code 3: an amount that must be positive is not.
    pub fn not_positive(param: &str) -> Self {
        Self::invalid(
            param,
            "der Betrag muss größer als 0 sein.",
            "the amount must be greater than 0.",
        )
    }

    /// Code 4: an object of the given kind with this id does not exist.
    pub fn not_found(what: Entity, id: &str) -> Self {
        let (de, en) = what.names();
        Self::new(
            ErrorKind::NotFound,
            format!("{de} '{id}' wurde nicht gefunden."),
            format!("{en} '{id}' not found."),
        )
    }

    /// Code 0: the action is refused for a business reason.
    pub fn refused(de: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(ErrorKind::Refused, de, en)
    }

    /// Code 2.
    pub fn bad_key() -> Self {
        Self::new(
            ErrorKind::BadKey,
            "Ungültiger API-Schlüssel. Bitte prüfen Sie den Schlüssel im Header X-DS-API-KEY.",
            "Invalid API key. Check the key sent in the X-DS-API-KEY header.",
        )
    }

    /// Code 2: no key at all.
    pub fn missing_key() -> Self {
        Self::new(
            ErrorKind::BadKey,
            "Kein API-Schlüssel angegeben. Senden Sie ihn im Header X-DS-API-KEY.",
            "No API key given. Send it in the X-DS-API-KEY header.",
        )
    }

    /// Code 9.
    pub fn unknown_function(name: &str) -> Self {
        Self::new(
            ErrorKind::UnknownFunction,
            format!("Unbekannte API-Funktion '{name}'."),
            format!("Unknown API function '{name}'."),
        )
    }

    /// Code 8: a read-only key called a function that needs full access.
    pub fn read_only_key(function: &str) -> Self {
        Self::new(
            ErrorKind::Permission,
            format!(
                "Zugriff verweigert: Dieser API-Schlüssel ist schreibgeschützt (nur Lesezugriff). \
                 Für {function} ist Vollzugriff erforderlich."
            ),
            format!(
                "Access denied: this API key is read-only (read access only). \
                 Full access is required for {function}."
            ),
        )
    }

    /// Code 8: a developer key called an account function.
    pub fn developer_key(function: &str) -> Self {
        Self::new(
            ErrorKind::Permission,
            format!(
                "Zugriff verweigert: Ein Entwickler-Schlüssel darf {function} nicht aufrufen. \
                 Lese- oder Vollzugriff ist erforderlich."
            ),
            format!(
                "Access denied: a developer key may not call {function}. \
                 Read access or full access is required."
            ),
        )
    }

    /// Code 0 (HTTP 429 in http mode): over the per-key rate limit.
    pub fn rate_limited(per_second: u32) -> Self {
        Self::new(
            ErrorKind::RateLimited,
            format!(
                "Zu viele Anfragen: Für diesen API-Schlüssel sind höchstens {per_second} Anfragen \
                 pro Sekunde erlaubt (Rate-Limit). Bitte versuchen Sie es in einer Sekunde erneut."
            ),
            format!(
                "Too many requests: rate limit of {per_second} requests per second for this API \
                 key exceeded. Retry after 1 second."
            ),
        )
    }

    /// Code 0: a bug in the sandbox itself (a handler broke its own contract).
    pub fn bug(detail: &str) -> Self {
        Self::refused(
            format!("Interner Fehler der Sandbox: {detail}"),
            format!("Internal sandbox error: {detail}"),
        )
    }

    /// Code 0: the sandbox's storage failed.
    pub fn internal(detail: &str) -> Self {
        Self::refused(
            format!("Interner Fehler des Sandbox-Speichers: {detail}"),
            format!("Internal sandbox storage error: {detail}"),
        )
    }
}

/// Kinds of objects, for not-found messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Entity {
    Product,
    ProductGroup,
    PaymentPlan,
    Orderform,
    Purchase,
    Transaction,
    Buyer,
    Voucher,
    Affiliate,
    BuyUrl,
    Image,
    Eticket,
    EticketTemplate,
    EticketLocation,
    Upgrade,
    SmartUpgrade,
    Delivery,
    ServiceProof,
    ShippingPolicy,
    MarketplaceEntry,
    ApiKeyRequest,
}

impl Entity {
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Self::Product => ("Produkt", "Product"),
            Self::ProductGroup => ("Produktgruppe", "Product group"),
            Self::PaymentPlan => ("Zahlungsplan", "Payment plan"),
            Self::Orderform => ("Bestellformular", "Order form"),
            Self::Purchase => ("Bestellung", "Order"),
            Self::Transaction => ("Transaktion", "Transaction"),
            Self::Buyer => ("Käufer", "Buyer"),
            Self::Voucher => ("Gutschein", "Voucher"),
            Self::Affiliate => ("Affiliate", "Affiliate"),
            Self::BuyUrl => ("Bestelllink", "Buy URL"),
            Self::Image => ("Bild", "Image"),
            Self::Eticket => ("E-Ticket", "E-ticket"),
            Self::EticketTemplate => ("E-Ticket-Vorlage", "E-ticket template"),
            Self::EticketLocation => ("E-Ticket-Ort", "E-ticket location"),
            Self::Upgrade => ("Upgrade", "Upgrade"),
            Self::SmartUpgrade => ("Smart-Upgrade", "Smart upgrade"),
            Self::Delivery => ("Lieferung", "Delivery"),
            Self::ServiceProof => ("Leistungsnachweis-Anfrage", "Service proof request"),
            Self::ShippingPolicy => ("Versandkostenregel", "Shipping cost policy"),
            Self::MarketplaceEntry => ("Marktplatzeintrag", "Marketplace entry"),
            Self::ApiKeyRequest => ("API-Schlüssel-Anfrage", "API key request"),
        }
    }
}

/// Why the sandbox could not start or run.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The options are inconsistent.
    #[error("invalid sandbox options: {0}")]
    Config(String),
    /// Binding or serving failed.
    #[error("sandbox I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The SQLite state could not be opened, created or seeded.
    #[error("sandbox state error ({location}): {cause}; {STATE_HINT}")]
    Store {
        /// The `--state` location.
        location: String,
        /// The SQLite error (in the message, not chained: printed once, before the advice).
        cause: rusqlite::Error,
    },
    /// The state file holds something that is not a sandbox account.
    #[error(
        "sandbox state error ({location}): {detail}; --reset replaces it with a new demo account"
    )]
    Corrupt {
        /// The `--state` location.
        location: String,
        /// What is wrong.
        detail: String,
    },
    /// Another process has the state file open.
    #[error(
        "the sandbox state {location} is in use by another ds24-mcp process; stop that one, or give this one its own file with --state PATH (or --state :memory:)"
    )]
    InUse {
        /// The `--state` location.
        location: String,
    },
    /// The state file's directory could not be created or the file removed.
    #[error("cannot create the sandbox state at {location}: {cause}; {STATE_HINT}")]
    Unwritable {
        /// The `--state` location.
        location: String,
        /// The file system's answer (in the message, not chained: printed once).
        cause: std::io::Error,
    },
}

/// What to do about a state file that cannot be used.
const STATE_HINT: &str = "choose a writable file with --state PATH (env DS24_SANDBOX_STATE), or --state :memory: for a throw-away account";

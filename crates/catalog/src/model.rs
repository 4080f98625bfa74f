//! The vocabulary of the catalog: functions, parameters, types and effects.

/// One Digistore24 API function, described well enough to derive an MCP tool from it.
#[derive(Debug)]
pub struct Function {
    /// The Digistore24 function name, as it appears in the URL (`createProduct`).
    pub name: &'static str,
    /// A short human title.
    pub title: &'static str,
    /// The toolset the function belongs to.
    pub category: Category,
    /// What the function does, in one or two sentences of our own.
    pub summary: &'static str,
    /// Which kind of API key the function needs.
    pub access: Access,
    /// What calling it does to the account.
    pub effect: Effect,
    /// Whether repeating the call with the same arguments has no further effect.
    pub idempotent: bool,
    /// The HTTP method Digistore24's OpenAPI spec gives (informational; we always POST).
    pub spec_method: HttpMethod,
    /// The OpenAPI `operationId`, where the spec has one. Used for the hosted server's names.
    pub operation_id: Option<&'static str>,
    /// Whether the hosted Digistore24 MCP server offers this function (our default toolset).
    pub hosted: bool,
    /// Whether the function appears in Digistore24's OpenAPI spec at all.
    pub in_spec: bool,
    /// Parameters in the order Digistore24 documents them.
    pub params: &'static [Param],
}

/// Which API key permission a function needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Any valid key, including developer keys.
    Any,
    /// A read-only or a full-access key.
    Read,
    /// A full-access ("writable") key.
    Full,
    /// A developer key (the interactive key-request flow).
    Developer,
}

/// What a call does to the vendor account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Reads only (a parameter marked [`Param::mutating`] may change that).
    Read,
    /// Changes state, but nothing that moves money or is hard to undo.
    Write,
    /// Deletes, charges, refunds, changes commissions or billing, or is otherwise hard to undo.
    Destructive,
}

/// The OpenAPI method of a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// DELETE
    Delete,
}

impl HttpMethod {
    /// The method capitalised the way the hosted server prefixes its tool names (`Post`).
    pub fn capitalised(self) -> &'static str {
        match self {
            Self::Get => "Get",
            Self::Post => "Post",
            Self::Put => "Put",
            Self::Delete => "Delete",
        }
    }
}

/// A named parameter (top-level or a field of an object parameter).
#[derive(Debug)]
pub struct Param {
    /// The wire name (`product_id`, or `name_intern` inside `data[...]`).
    pub name: &'static str,
    /// The value type.
    pub ty: Ty,
    /// Whether Digistore24 requires it.
    pub required: bool,
    /// A short description for the model.
    pub doc: &'static str,
    /// Allowed values, if the API restricts them.
    pub values: &'static [&'static str],
    /// True when passing this parameter turns a read into a write (e.g. `set_in_progress`).
    /// Read-only views of the tool leave such parameters out.
    pub mutating: bool,
}

impl Param {
    /// A required parameter.
    pub const fn req(name: &'static str, ty: Ty, doc: &'static str) -> Self {
        Self {
            name,
            ty,
            required: true,
            doc,
            values: &[],
            mutating: false,
        }
    }
    /// An optional parameter.
    pub const fn opt(name: &'static str, ty: Ty, doc: &'static str) -> Self {
        Self {
            name,
            ty,
            required: false,
            doc,
            values: &[],
            mutating: false,
        }
    }
    /// Restricts the parameter to these values.
    pub const fn one_of(mut self, values: &'static [&'static str]) -> Self {
        self.values = values;
        self
    }
    /// Marks the parameter as one that makes the call change state.
    pub const fn mutating(mut self) -> Self {
        self.mutating = true;
        self
    }
}

/// Value types, as the model sends them. The wire encoding follows from the type: booleans
/// become `Y`/`N`, numbers decimal strings, objects and arrays PHP bracket keys.
#[derive(Debug)]
pub enum Ty {
    /// Free text (or a comma-separated list where the doc says so).
    String,
    /// A whole number.
    Integer,
    /// A decimal number (amounts, rates).
    Number,
    /// Yes or no; sent as `Y`/`N`.
    Boolean,
    /// A point in time: `YYYY-MM-DD HH:MM:SS`, ISO 8601, `now`, `start` or relative (`-24h`, `-7d`).
    DateTime,
    /// A date: `YYYY-MM-DD`, `today`, `now` or relative (`-7d`).
    Date,
    /// An object with known fields, sent as `name[field]=value`. With no fields listed: free-form
    /// keys with text values (placeholders, per-key settings).
    Object(&'static [Param]),
    /// A list of objects, sent as `name[0][field]=value` (free-form when no fields are listed).
    Array(&'static [Param]),
    /// A list of strings, sent as `name[0]=value`.
    StringList,
}

/// Toolsets: which part of the account a function works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    /// Products.
    Products,
    /// Product groups (folders).
    ProductGroups,
    /// Order forms.
    Orderforms,
    /// Buy URLs.
    BuyUrls,
    /// Payment plans.
    PaymentPlans,
    /// Purchases (orders).
    Purchases,
    /// Refunds.
    Refunds,
    /// Invoices.
    Invoices,
    /// Deliveries.
    Deliveries,
    /// Billing on demand.
    Billing,
    /// E-tickets.
    Etickets,
    /// Images.
    Images,
    /// Buyers.
    Buyers,
    /// Vouchers (discount codes).
    Vouchers,
    /// Affiliates.
    Affiliates,
    /// Upgrades.
    Upgrades,
    /// Smart upgrades.
    SmartUpgrades,
    /// Upsells.
    Upsells,
    /// Service proofs.
    ServiceProofs,
    /// Statistics.
    Statistics,
    /// Transactions.
    Transactions,
    /// Commissions.
    Commissions,
    /// Rebilling (subscriptions).
    Rebilling,
    /// Marketplace.
    Marketplace,
    /// Shipping cost policies.
    Shipping,
    /// Reference data.
    Reference,
    /// Conversion tools.
    ConversionTools,
    /// Custom forms.
    CustomForms,
    /// Account.
    Account,
    /// Licenses.
    Licenses,
    /// Payouts.
    Payouts,
    /// Tracking code.
    Tracking,
    /// Fraud reports.
    Fraud,
    /// IPN (instant payment notification) connections.
    Ipn,
    /// API key management.
    ApiKeys,
    /// Test purchases.
    Testing,
}

impl Category {
    /// Every category, in display order.
    pub const ALL: &'static [Category] = &[
        Self::Products,
        Self::ProductGroups,
        Self::Orderforms,
        Self::BuyUrls,
        Self::PaymentPlans,
        Self::Purchases,
        Self::Refunds,
        Self::Invoices,
        Self::Deliveries,
        Self::Billing,
        Self::Etickets,
        Self::Images,
        Self::Buyers,
        Self::Vouchers,
        Self::Affiliates,
        Self::Upgrades,
        Self::SmartUpgrades,
        Self::Upsells,
        Self::ServiceProofs,
        Self::Statistics,
        Self::Transactions,
        Self::Commissions,
        Self::Rebilling,
        Self::Marketplace,
        Self::Shipping,
        Self::Reference,
        Self::ConversionTools,
        Self::CustomForms,
        Self::Account,
        Self::Licenses,
        Self::Payouts,
        Self::Tracking,
        Self::Fraud,
        Self::Ipn,
        Self::ApiKeys,
        Self::Testing,
    ];

    /// The toolset name used on the command line and in headers (`product_groups`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Products => "products",
            Self::ProductGroups => "product_groups",
            Self::Orderforms => "orderforms",
            Self::BuyUrls => "buy_urls",
            Self::PaymentPlans => "payment_plans",
            Self::Purchases => "purchases",
            Self::Refunds => "refunds",
            Self::Invoices => "invoices",
            Self::Deliveries => "deliveries",
            Self::Billing => "billing",
            Self::Etickets => "etickets",
            Self::Images => "images",
            Self::Buyers => "buyers",
            Self::Vouchers => "vouchers",
            Self::Affiliates => "affiliates",
            Self::Upgrades => "upgrades",
            Self::SmartUpgrades => "smart_upgrades",
            Self::Upsells => "upsells",
            Self::ServiceProofs => "service_proofs",
            Self::Statistics => "statistics",
            Self::Transactions => "transactions",
            Self::Commissions => "commissions",
            Self::Rebilling => "rebilling",
            Self::Marketplace => "marketplace",
            Self::Shipping => "shipping",
            Self::Reference => "reference",
            Self::ConversionTools => "conversion_tools",
            Self::CustomForms => "custom_forms",
            Self::Account => "account",
            Self::Licenses => "licenses",
            Self::Payouts => "payouts",
            Self::Tracking => "tracking",
            Self::Fraud => "fraud",
            Self::Ipn => "ipn",
            Self::ApiKeys => "api_keys",
            Self::Testing => "testing",
        }
    }

    /// Parses a toolset name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.name() == name)
    }
}

impl Function {
    /// Whether the function changes the account (or can, with a [`Param::mutating`] argument).
    pub fn writes(&self) -> bool {
        !matches!(self.effect, Effect::Read)
    }

    /// The name the hosted Digistore24 MCP server gives this tool: the OpenAPI operationId where
    /// there is one, otherwise the method capitalised followed by the function name with only
    /// its first letter upper-cased (`PostCreateproduct`).
    pub fn official_name(&self) -> String {
        if let Some(id) = self.operation_id {
            return id.to_owned();
        }
        let mut chars = self.name.chars();
        let first = chars.next().map(|c| c.to_ascii_uppercase());
        let rest: String = chars.as_str().to_ascii_lowercase();
        format!(
            "{}{}{}",
            self.spec_method.capitalised(),
            first.map(String::from).unwrap_or_default(),
            rest
        )
    }
}

//! The vocabulary of the catalog: toolsets, functions, parameters, types and effects.
//!
//! An entry states only what differs from the defaults of its kind, the way ripgrep's flag
//! definitions do: [`Function::read`], [`Function::write`] and [`Function::destructive`] set the
//! key it needs, the OpenAPI method and its idempotence, and the builder methods override them
//! where Digistore24's facts differ.

use std::borrow::Cow;
use std::fmt;

/// A toolset: a part of the account that can be switched on or off as a whole
/// (`--toolsets`, `X-DS24-Toolsets`). It owns its functions, so one file declares both.
pub struct Toolset {
    /// The name used on the command line and in headers (`product_groups`).
    pub id: &'static str,
    /// One line for people choosing toolsets (`ds24-mcp tools`, the README).
    pub description: &'static str,
    /// Whether the toolset is part of the default set. Its functions marked
    /// [`Function::opt_in`] still stay out of it.
    pub default_on: bool,
    /// The toolset's functions.
    pub functions: &'static [Function],
}

impl fmt::Debug for Toolset {
    // A function points back at its toolset; printing only names keeps Debug finite.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Toolset")
            .field("id", &self.id)
            .field("default_on", &self.default_on)
            .field(
                "functions",
                &self.functions.iter().map(|f| f.name).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl PartialEq for Toolset {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for Toolset {}

/// One Digistore24 API function, described well enough to derive an MCP tool from it.
pub struct Function {
    /// The Digistore24 function name, as it appears in the URL (`createProduct`).
    pub name: &'static str,
    /// The toolset the function belongs to.
    pub toolset: &'static Toolset,
    /// What the function does, in one or two sentences of our own.
    pub summary: &'static str,
    /// Which kind of API key the function needs.
    pub access: Access,
    /// What calling it does to the account.
    pub effect: Effect,
    /// The HTTP method Digistore24's OpenAPI spec gives (informational; we always POST).
    pub spec_method: HttpMethod,
    /// The OpenAPI `operationId`, where the spec has one. Used for the hosted server's names.
    pub operation_id: Option<&'static str>,
    /// Whether the hosted Digistore24 MCP server offers this function (a fact, shown in the
    /// docs; the default set is decided by [`Function::is_default`]).
    pub hosted: bool,
    /// Left out of the default set even though its toolset is on by default.
    pub opt_in: bool,
    /// Whether the function appears in Digistore24's OpenAPI spec at all.
    pub in_spec: bool,
    /// Parameters in the order Digistore24 documents them.
    pub params: &'static [Param],
    /// Whether Digistore24 offers the function, or ds24-mcp computes it from other functions.
    pub kind: Kind,
    /// For a write that only some values make destructive: when, in words a model reads, and
    /// the wire pairs (`data[type]=cancel`) that make a call destructive.
    pub destructive_when: Option<DestructiveWhen>,
    /// Whether the call's session `language` decides something it creates (see
    /// [`Function::keeps_account_language`]), beyond the language of Digistore24's messages.
    pub language_is_content: bool,
    /// For a call whose success answer can still say that nothing was done (a refund refused,
    /// a charge declined): the field and values that say so.
    pub not_done_when: Option<NotDoneWhen>,
    /// For a report ([`Kind::Report`]): how it reads its rows. Declared here with the tool, so
    /// a report is added in one place.
    pub report: Option<Report>,
    title: Option<&'static str>,
    idempotent: Option<bool>,
}

/// A success answer that says the call was not carried out: Digistore24 answers a refused
/// refund or a declined charge with `result: success` and a status inside the data. Read as a
/// failure, so neither the model nor the audit trail takes it for money that moved.
#[derive(Debug, Clone, Copy)]
pub struct NotDoneWhen {
    /// The data field that holds the status (`status`, `payment_status`).
    pub field: &'static str,
    /// The values that mean nothing was done (`error`, `refused`).
    pub values: &'static [&'static str],
    /// The data field with Digistore24's explanation (`note`, `payment_message`).
    pub note: &'static str,
}

/// How a report reads the rows it counts: which Digistore24 list it pages through, and which
/// fields of a row it sums and dates by.
#[derive(Debug, Clone, Copy)]
pub struct Report {
    /// The Digistore24 list function it pages through (`listPurchases`).
    pub source: &'static str,
    /// The field of the list's answer that holds the rows (`purchase_list`).
    pub rows: &'static str,
    /// Money fields summed per currency.
    pub amounts: &'static [&'static str],
    /// The timestamp field that day/week/month grouping uses.
    pub date: &'static str,
}

/// The arguments that turn a write destructive (`updateDelivery` cancelling a delivery).
#[derive(Debug, Clone, Copy)]
pub struct DestructiveWhen {
    /// When, for the tool's description (`data.type cancel or return`).
    pub words: &'static str,
    /// The form pairs, as sent to Digistore24, any one of which makes the call destructive.
    pub pairs: &'static [(&'static str, &'static str)],
}

impl fmt::Debug for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Function")
            .field("name", &self.name)
            .field("toolset", &self.toolset.id)
            .field("access", &self.access)
            .field("effect", &self.effect)
            .finish_non_exhaustive()
    }
}

impl Function {
    const fn new(
        toolset: &'static Toolset,
        name: &'static str,
        summary: &'static str,
        effect: Effect,
    ) -> Self {
        let (access, spec_method) = match effect {
            Effect::Read => (Access::Read, HttpMethod::Get),
            Effect::Write | Effect::Destructive => (Access::Full, HttpMethod::Post),
        };
        Self {
            name,
            toolset,
            summary,
            access,
            effect,
            spec_method,
            operation_id: None,
            hosted: false,
            opt_in: false,
            in_spec: true,
            params: &[],
            kind: Kind::Api,
            destructive_when: None,
            language_is_content: false,
            not_done_when: None,
            report: None,
            title: None,
            idempotent: None,
        }
    }

    /// A function that only reads: a read-only key suffices, the spec method is GET.
    pub const fn read(
        toolset: &'static Toolset,
        name: &'static str,
        summary: &'static str,
    ) -> Self {
        Self::new(toolset, name, summary, Effect::Read)
    }

    /// A function that changes the account: a full-access key, the spec method is POST.
    pub const fn write(
        toolset: &'static Toolset,
        name: &'static str,
        summary: &'static str,
    ) -> Self {
        Self::new(toolset, name, summary, Effect::Write)
    }

    /// A function that moves money, changes billing or commissions, or deletes.
    pub const fn destructive(
        toolset: &'static Toolset,
        name: &'static str,
        summary: &'static str,
    ) -> Self {
        Self::new(toolset, name, summary, Effect::Destructive)
    }

    /// A human title, where the one derived from the name reads badly (`Create buy URL`).
    pub const fn title(mut self, title: &'static str) -> Self {
        self.title = Some(title);
        self
    }

    /// The key the function needs, where it differs from its kind's default.
    pub const fn access(mut self, access: Access) -> Self {
        self.access = access;
        self
    }

    /// The OpenAPI method, where it differs from its kind's default.
    pub const fn method(mut self, method: HttpMethod) -> Self {
        self.spec_method = method;
        self
    }

    /// The OpenAPI `operationId`.
    pub const fn operation_id(mut self, id: &'static str) -> Self {
        self.operation_id = Some(id);
        self
    }

    /// The hosted Digistore24 MCP server offers this function.
    pub const fn hosted(mut self) -> Self {
        self.hosted = true;
        self
    }

    /// Digistore24 takes the session `language` as the language of what the call creates
    /// (`createProduct`: the order form's language when `data.language` is left out). The
    /// server then adds no answer language of its own: the account's language decides, as in
    /// Digistore24's own pages, unless the caller sets one.
    pub const fn keeps_account_language(mut self) -> Self {
        self.language_is_content = true;
        self
    }

    /// Whether the server may add its answer language to a call: not where `language` is the
    /// function's own parameter (a filter, as in `statsMarketplace`) or decides content.
    pub fn takes_answer_language(&self) -> bool {
        !self.language_is_content && !self.params.iter().any(|p| p.name == "language")
    }

    /// Keep the function out of the default set although its toolset is in it.
    pub const fn opt_in(mut self) -> Self {
        self.opt_in = true;
        self
    }

    /// The function is not in Digistore24's OpenAPI spec (documented elsewhere).
    pub const fn beyond_spec(mut self) -> Self {
        self.in_spec = false;
        self
    }

    /// Idempotence, where it differs from the rule in [`Function::is_idempotent`].
    pub const fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = Some(idempotent);
        self
    }

    /// A report ds24-mcp computes by paging through Digistore24 itself (not an API function,
    /// so not in the spec and never sent to Digistore24 under its own name).
    pub const fn report(mut self, report: Report) -> Self {
        self.kind = Kind::Report;
        self.report = Some(report);
        self.in_spec = false;
        self
    }

    /// A success answer whose `field` holds one of `values` means nothing was done; `note`
    /// names the field that says why.
    pub const fn not_done_when(
        mut self,
        field: &'static str,
        values: &'static [&'static str],
        note: &'static str,
    ) -> Self {
        self.not_done_when = Some(NotDoneWhen {
            field,
            values,
            note,
        });
        self
    }

    /// A write that is destructive when any of `pairs` is sent (`("data[type]", "cancel")`),
    /// described for the model as `words`.
    pub const fn destructive_when(
        mut self,
        words: &'static str,
        pairs: &'static [(&'static str, &'static str)],
    ) -> Self {
        self.destructive_when = Some(DestructiveWhen { words, pairs });
        self
    }

    /// What calling the function does, in the classes users read (the docs table, compact
    /// mode's search): the effect, refined by the parameters and values that change it.
    pub fn class(&self) -> Class {
        match self.effect {
            Effect::Read if self.params.iter().any(|p| p.mutating) => Class::ReadWithWriteOption,
            Effect::Read => Class::Read,
            Effect::Write if self.destructive_when.is_some() => Class::DestructiveWithSomeValues,
            Effect::Write => Class::Write,
            Effect::Destructive => Class::Destructive,
        }
    }

    /// Whether some call of the function may be destructive: it always is, or some values make
    /// it so. What tool annotations say.
    pub fn may_destroy(&self) -> bool {
        self.effect == Effect::Destructive || self.destructive_when.is_some()
    }

    /// Whether a call that sends `form` (the pairs as they go to Digistore24) is destructive.
    pub fn destroys(&self, form: &[(String, String)]) -> bool {
        self.effect == Effect::Destructive
            || self.destructive_when.is_some_and(|when| {
                form.iter()
                    .any(|(k, v)| when.pairs.iter().any(|(key, value)| k == key && v == value))
            })
    }

    /// The parameters.
    pub const fn params(mut self, params: &'static [Param]) -> Self {
        self.params = params;
        self
    }

    /// Whether repeating the call with the same arguments has no further effect: reads are;
    /// writes are when the spec gives PUT or DELETE; entries say so where that rule is wrong.
    pub fn is_idempotent(&self) -> bool {
        self.idempotent.unwrap_or(match self.effect {
            Effect::Read => true,
            Effect::Write | Effect::Destructive => {
                matches!(self.spec_method, HttpMethod::Put | HttpMethod::Delete)
            }
        })
    }

    /// A short human title: the stated one, or the name in words (`createVoucher` →
    /// `Create voucher`).
    pub fn title_text(&self) -> Cow<'static, str> {
        match self.title {
            Some(t) => Cow::Borrowed(t),
            None => Cow::Owned(words_of(self.name)),
        }
    }

    /// Whether the entry states a title of its own (rather than one derived from the name).
    pub fn has_own_title(&self) -> bool {
        self.title.is_some()
    }

    /// Whether the function is in the default set.
    pub fn is_default(&self) -> bool {
        self.toolset.default_on && !self.opt_in
    }

    /// Whether the function changes the account (or can, with a [`Param::mutating`] argument).
    pub fn writes(&self) -> bool {
        !matches!(self.effect, Effect::Read)
    }

    /// Whether no call of the function can change the account: it reads, and has no argument
    /// that turns it into a write.
    pub fn only_reads(&self) -> bool {
        !self.writes() && !self.params.iter().any(|p| p.mutating)
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

/// `createVoucher` → `Create voucher`.
fn words_of(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if i == 0 {
            out.push(c.to_ascii_uppercase());
        } else if c.is_ascii_uppercase() {
            out.push(' ');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Where a function's answer comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A Digistore24 API function, called by its name.
    Api,
    /// Computed by ds24-mcp from Digistore24's lists (counts and sums in one call).
    Report,
}

/// What a function does to the account, as users read it ([`Function::class`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Only reads.
    Read,
    /// Reads, unless a parameter marked mutating is passed (`set_in_progress`).
    ReadWithWriteOption,
    /// Changes the account.
    Write,
    /// Changes the account, destructively with some values (cancelling a delivery).
    DestructiveWithSomeValues,
    /// Deletes, charges, refunds or changes commissions.
    Destructive,
}

impl Class {
    /// The class in a few words; "destructive" is always spelled so, for a docs table to mark.
    pub fn words(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::ReadWithWriteOption => "read (write option)",
            Self::Write => "write",
            Self::DestructiveWithSomeValues => "write (destructive with some values)",
            Self::Destructive => "destructive",
        }
    }
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
    /// A short description for the model; empty where the name, type and limits say it all
    /// (every token of the tool list costs the vendor).
    pub doc: &'static str,
    /// Allowed values, if the API restricts them.
    pub values: &'static [&'static str],
    /// True when passing this parameter turns a read into a write (e.g. `set_in_progress`).
    /// Read-only views of the tool leave such parameters out.
    pub mutating: bool,
    /// Smallest allowed value of a number.
    pub min: Option<i64>,
    /// Largest allowed value of a number.
    pub max: Option<i64>,
    /// What Digistore24 assumes when the parameter is absent, as the model would write it.
    pub default: Option<&'static str>,
    /// Longest accepted text, in characters.
    pub max_len: Option<u32>,
    /// A text format Digistore24 defines for the value.
    pub format: Option<Format>,
    /// True when the value is personal data (a person's e-mail, name, address, phone, tax ID,
    /// login): audit lines show it masked. Declared here, beside the parameter, so a new
    /// function cannot forget it in some list kept elsewhere.
    pub personal: bool,
    /// True when the value is a secret (a signing passphrase, a license key, a token that
    /// collects an API key): audit lines show it masked, like the API key itself.
    pub secret: bool,
    /// True when the name ends in `XX` standing for a language code: `label_XX` is sent as
    /// `label_de`, `label_en`, ... (Digistore24 names per-language fields so).
    pub per_language: bool,
    /// True when `""` clears the value, beside the allowed values or forms (an enum that may
    /// be emptied: the empty string stays out of the schema's `enum`, which some clients refuse;
    /// a voucher's time, removed by an empty value).
    pub clearable: bool,
    /// For a time: it must not have passed when the call is made (a new voucher's expiry). A
    /// model that writes `-7d` for "in a week" would otherwise create something already over.
    pub not_past: bool,
    /// For an object: the fields of which at least one must be given, and not as zero (a
    /// voucher's discount).
    pub needs_one_of: &'static [&'static str],
    /// Another spelling accepted for the parameter and sent under its own name: Digistore24
    /// spells `updateProduct`'s commission `affiliate_commision`, and `createProduct`'s
    /// `affiliate_commission`; a model that writes one where the other belongs is understood.
    /// Not in the schema: the schema shows the name Digistore24 documents.
    pub alias: Option<&'static str>,
}

/// Text formats Digistore24's spec defines (JSON Schema `format` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// An e-mail address.
    Email,
    /// An absolute URL.
    Uri,
}

impl Format {
    /// The JSON Schema name of the format.
    pub fn schema_name(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Uri => "uri",
        }
    }
}

impl Param {
    const fn new(name: &'static str, ty: Ty, required: bool, doc: &'static str) -> Self {
        Self {
            name,
            ty,
            required,
            doc,
            values: &[],
            mutating: false,
            min: None,
            max: None,
            default: None,
            max_len: None,
            format: None,
            personal: false,
            secret: false,
            per_language: false,
            clearable: false,
            not_past: false,
            needs_one_of: &[],
            alias: None,
        }
    }

    /// Another spelling accepted for the parameter, sent under its own name.
    pub const fn alias(mut self, other: &'static str) -> Self {
        self.alias = Some(other);
        self
    }

    /// The time must not have passed when the call is made.
    pub const fn not_past(mut self) -> Self {
        self.not_past = true;
        self
    }

    /// At least one of these fields of the object must be given.
    pub const fn needs_one_of(mut self, fields: &'static [&'static str]) -> Self {
        self.needs_one_of = fields;
        self
    }

    /// `""` clears the value: accepted beside the allowed values.
    pub const fn clearable(mut self) -> Self {
        self.clearable = true;
        self
    }

    /// The name ends in `XX`, a placeholder for a two-letter language code (`label_XX`: one
    /// field per language, `label_de`, `label_en`, ...).
    pub const fn per_language(mut self) -> Self {
        self.per_language = true;
        self
    }

    /// Whether `name` names this parameter: its own name, or for a per-language parameter its
    /// stem and a language code (`label_de` for `label_XX`).
    pub fn is_named(&self, name: &str) -> bool {
        match self.language_stem() {
            Some(stem) => name.strip_prefix(stem).is_some_and(|code| {
                code.len() == 2 && code.bytes().all(|b| b.is_ascii_lowercase())
            }),
            None => self.name == name || self.alias == Some(name),
        }
    }

    /// The name of a per-language parameter for one language (`label_de` for `label_XX` and
    /// `de`); other parameters have only their own.
    pub fn name_in(&self, language: &str) -> String {
        match self.language_stem() {
            Some(stem) => format!("{stem}{language}"),
            None => self.name.to_owned(),
        }
    }

    /// The names of a per-language parameter as a JSON Schema pattern (`^label_[a-z]{2}$`).
    pub fn name_pattern(&self) -> Option<String> {
        Some(format!("^{}[a-z]{{2}}$", self.language_stem()?))
    }

    /// `label_` of a per-language `label_XX`.
    fn language_stem(&self) -> Option<&'static str> {
        self.name.strip_suffix("XX").filter(|_| self.per_language)
    }

    /// A required parameter.
    pub const fn req(name: &'static str, ty: Ty, doc: &'static str) -> Self {
        Self::new(name, ty, true, doc)
    }

    /// An optional parameter.
    pub const fn opt(name: &'static str, ty: Ty, doc: &'static str) -> Self {
        Self::new(name, ty, false, doc)
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

    /// Marks the value as personal data, masked in audit lines.
    pub const fn personal(mut self) -> Self {
        self.personal = true;
        self
    }

    /// Marks the value as a secret, masked in audit lines.
    pub const fn secret(mut self) -> Self {
        self.secret = true;
        self
    }

    /// Bounds a number (inclusive; `None` leaves that side open).
    pub const fn range(mut self, min: Option<i64>, max: Option<i64>) -> Self {
        self.min = min;
        self.max = max;
        self
    }

    /// The value Digistore24 assumes when the parameter is absent.
    pub const fn default(mut self, value: &'static str) -> Self {
        self.default = Some(value);
        self
    }

    /// [`Param::default`], except for a field list of changes (an update), where a field left
    /// out stays as it is.
    pub const fn default_unless(mut self, changes: bool, value: &'static str) -> Self {
        if !changes {
            self.default = Some(value);
        }
        self
    }

    /// The longest accepted text.
    pub const fn max_len(mut self, chars: u32) -> Self {
        self.max_len = Some(chars);
        self
    }

    /// The text format Digistore24 defines for the value.
    pub const fn format(mut self, format: Format) -> Self {
        self.format = Some(format);
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
    /// Yes or no; sent as `Y`/`N`. Every Digistore24 flag is written this one way.
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
    /// A list of strings, sent as `name[0]=value` (its allowed values, if any, apply to each).
    StringList,
    /// Either one text or a map of texts (`img=5` or `img[1234]=5`), where Digistore24 takes both.
    TextOrMap,
}

/// Parameter fragments shared by many functions, so paging and time windows read the same
/// everywhere (github-mcp-server's `WithPagination`).
pub mod fragments {
    use super::{Param, Ty};

    /// `page_no`: which page of a paged list.
    pub const PAGE_NO: Param = Param::opt("page_no", Ty::Integer, "").range(Some(1), None);

    /// `page_size` with the function's own default and limits.
    pub const fn page_size(min: i64, max: Option<i64>, default: &'static str) -> Param {
        Param::opt("page_size", Ty::Integer, "")
            .range(Some(min), max)
            .default(default)
    }

    /// `from` of a time window that defaults to the last 24 hours.
    pub const FROM: Param = Param::opt("from", Ty::DateTime, "").default("-24h");

    /// `to` of a time window that defaults to now.
    pub const TO: Param = Param::opt("to", Ty::DateTime, "").default("now");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_the_name_in_words() {
        assert_eq!(words_of("createVoucher"), "Create voucher");
        assert_eq!(words_of("ping"), "Ping");
        assert_eq!(
            words_of("getCustomerToAffiliateBuyerDetails"),
            "Get customer to affiliate buyer details"
        );
    }
}

//! Reports: counts and amount sums in one call, computed by paging through Digistore24's own
//! lists (the catalog's `reports` toolset declares the tools).
//!
//! "How many subscription payments did product X have last month" would otherwise cost an
//! agent several calls and hundreds of rows in its context, and its own arithmetic. Here the
//! server pages through `listPurchases` or `listTransactions` with the filters Digistore24 can
//! apply itself, matches the remaining equality filters against the rows, groups them, and
//! answers in a few hundred bytes. Money is summed in integer cents per currency, never as
//! floating point.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;

use chrono::{Datelike as _, NaiveDateTime};
use ds24_catalog::{Report, Ty};
use ds24_client::{Answer, ApiKey, CallError, Retry, encode_form};
use serde_json::{Map, Value, json};

use crate::upstream::Upstream;
use crate::window::{Side, TIME_FORMAT, day_edge, relative_edge};

/// Rows per upstream page (the largest Digistore24 documents for its lists).
const PAGE_SIZE: u64 = 1000;

/// What one report may take.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most rows read.
    pub max_rows: u64,
    /// Longest a report runs, its pages together; then it answers what it read.
    pub max_time: std::time::Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_rows: 20_000,
            max_time: std::time::Duration::from_secs(120),
        }
    }
}

impl Limits {
    /// Most pages read: enough for `max_rows` even where Digistore24 sends half the rows a
    /// page asks for (its documents disagree on the largest page), and no more. Without it an
    /// answer of one row per page with a huge `page_count` would make thousands of calls.
    fn max_pages(self) -> u64 {
        self.max_rows.div_ceil(PAGE_SIZE).saturating_mul(2).max(1)
    }
}

/// Why a report stopped before the end of the list.
#[derive(Debug, Clone, Copy)]
enum Stop {
    Rows,
    Pages,
    Time,
    /// The server's answer memory was taken by other calls (`CallError::Crowded`).
    Crowded,
}
/// Why a report gives no answer.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// A page could not be read.
    #[error(transparent)]
    Upstream(#[from] CallError),
    /// A filter or grouping names a field no row has: counting would say 0 when the question
    /// could not be asked.
    #[error("{0}")]
    Arguments(String),
}

/// Groups shown; the rest are summed into one `(other)` group.
const MAX_GROUPS: usize = 50;

/// The report behind a tool, if the tool is one.
pub fn find(tool: &str) -> Option<&'static Report> {
    ds24_catalog::get(tool)?.report.as_ref()
}

/// Where a long call reports how far it got.
pub trait Progress: Send + Sync {
    /// `done` rows of `total` (when known) have been read.
    fn advance<'a>(
        &'a self,
        done: u64,
        total: Option<u64>,
        message: String,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>>;
}

/// For callers that did not ask for progress.
#[derive(Debug)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn advance<'a>(
        &'a self,
        _done: u64,
        _total: Option<u64>,
        _message: String,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        Box::pin(async {})
    }
}

/// Most `where` fields, values per field and characters per value: a report reads many rows,
/// so its filters are bounded before any of them is read.
pub const MAX_WHERE_FIELDS: usize = 20;
/// Most alternatives in one `where` value.
pub const MAX_WHERE_VALUES: usize = 100;
/// Longest `where` value or `group_by` field.
pub const MAX_WHERE_CHARS: usize = 500;

/// What is wrong with a report call's arguments, beyond their schema (checked before anything
/// is sent).
pub fn check(tool: &str, args: &Map<String, Value>) -> Vec<String> {
    let mut problems = Vec::new();
    let searched = find(tool).map(search_fields).unwrap_or_default();
    let lists = find(tool).map(list_search_fields).unwrap_or_default();
    if let Some(Value::Object(filters)) = args.get("where") {
        if filters.len() > MAX_WHERE_FIELDS {
            problems.push(format!(
                "`where`: at most {MAX_WHERE_FIELDS} fields, got {}",
                filters.len()
            ));
        }
        for (field, value) in filters.iter().take(MAX_WHERE_FIELDS) {
            let text = value.as_str().unwrap_or_default();
            if text.chars().count() > MAX_WHERE_CHARS || field.chars().count() > MAX_WHERE_CHARS {
                problems.push(format!(
                    "`where.{}`: at most {MAX_WHERE_CHARS} characters",
                    field.chars().take(40).collect::<String>()
                ));
            } else if text.split(',').count() > MAX_WHERE_VALUES {
                problems.push(format!(
                    "`where.{field}`: at most {MAX_WHERE_VALUES} alternatives"
                ));
            } else if let Some((whole, cents)) = decimal_comma(field, text) {
                // A comma means "any of", so "44,66" would count 44 or 66, quietly 0 rows.
                let digits = whole.replace('.', "");
                problems.push(format!(
                    "`where.{field}`: \"{text}\" reads as two alternatives, {whole} or {cents}; for the amount write a decimal point ({digits}.{cents}), for either of two amounts write both with points ({digits}.00,{cents}.00)"
                ));
            } else if text.contains(',')
                && searched.contains(&field.as_str())
                && !lists.contains(&field.as_str())
            {
                // Digistore24 searches this field itself, for one value: a list would match
                // nothing and the report would count 0 as if that were the answer.
                // Names and e-mail addresses are also row fields under another name
                // (`buyer.email`), matched here; other search fields have the row's own name.
                let other_name = matches!(field.as_str(), "email" | "first_name" | "last_name");
                problems.push(format!(
                    "`where.{field}`: Digistore24 searches this field for one value, so a comma list cannot be used; ask once per value{}",
                    if other_name {
                        ", or filter on the row's own field (as a list row names it, e.g. `buyer.email`)"
                    } else {
                        ""
                    }
                ));
            }
        }
    }
    if let Some(Value::String(g)) = args.get("group_by")
        && g.chars().count() > MAX_WHERE_CHARS
    {
        problems.push(format!("`group_by`: at most {MAX_WHERE_CHARS} characters"));
    }
    problems
}

/// The parts of `text` when it looks like an amount written the German way (`44,66`, `10,5`,
/// `1.234,56`) in a money or rate field, where a comma list of two would be an odd thing to
/// ask for.
fn decimal_comma<'t>(field: &str, text: &'t str) -> Option<(&'t str, &'t str)> {
    let leaf = field.rsplit('.').next().unwrap_or(field);
    if !(leaf.contains("amount") || leaf.contains("price") || leaf.ends_with("rate")) {
        return None;
    }
    let (whole, cents) = text.trim().split_once(',')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    // Thousands grouped with points: 1.234 or 12.345.678.
    let grouped = |s: &str| {
        let mut groups = s.split('.');
        groups.next().is_some_and(|g| digits(g) && g.len() <= 3)
            && groups.all(|g| g.len() == 3 && digits(g))
    };
    let number = whole.strip_prefix('-').unwrap_or(whole);
    ((digits(number) || grouped(number)) && (1..=2).contains(&cents.len()) && digits(cents))
        .then_some((whole, cents))
}

/// The validated arguments of a report call.
struct Query {
    /// Arguments for the list function (time window and its own search filters).
    list_args: Map<String, Value>,
    /// Equality filters applied to the rows.
    row_filters: Vec<RowFilter>,
    group_by: Option<Grouping>,
    /// Whether the role searched is the default (`vendor`), not the caller's.
    role_default: bool,
}

/// One `where` field matched against the rows, and what the rows showed of it (to tell "no
/// row matched" from "no row has the field").
struct RowFilter {
    /// As the caller wrote it.
    field: String,
    path: Vec<String>,
    wanted: Vec<Wanted>,
    /// Whether any row read has the field.
    present: bool,
    /// The first distinct values the rows hold, for a note when nothing matched.
    seen: BTreeSet<String>,
}

/// Distinct values a note shows per filter.
const SEEN_VALUES: usize = 8;

/// One accepted value, readable the ways a model may write it: `39` for `"39.00"`, `true` or
/// `"yes"` for `Y`, `de` for `DE` (the server's instructions say amounts are numbers and flags
/// booleans, while Digistore24's rows hold text).
struct Wanted {
    text: String,
    number: Option<f64>,
    flag: Option<&'static str>,
}

impl Wanted {
    fn new(v: &str) -> Self {
        let text = v.trim().to_owned();
        let number = text.parse::<f64>().ok().filter(|n| {
            n.is_finite()
                && text
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
        });
        let flag = match text.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" => Some("Y"),
            "false" | "no" | "n" => Some("N"),
            _ => None,
        };
        Self { text, number, flag }
    }

    fn matches(&self, row: &str) -> bool {
        let row = row.trim();
        row.eq_ignore_ascii_case(&self.text)
            || self.flag == Some(row)
            || self
                .number
                .is_some_and(|n| row.parse::<f64>().is_ok_and(|r| r == n))
    }
}

enum Grouping {
    Day,
    Week,
    Month,
    Field(Vec<String>),
}

/// Runs `report`, reading at most `max_rows` rows.
pub async fn run(
    report: &Report,
    upstream: &dyn Upstream,
    key: &ApiKey,
    args: &Map<String, Value>,
    limits: Limits,
    progress: &dyn Progress,
) -> Result<Value, Failure> {
    let deadline = tokio::time::Instant::now() + limits.max_time;
    let mut query = query(report, args);
    // Pages are read one after another; a window such as "-24h" or "now" would move between
    // them and rows at page boundaries would be skipped or counted twice. Fix it once, on
    // Digistore24's own clock.
    let ping = upstream.call("ping", key, Vec::new(), Retry::OnConnectFailure);
    let clock = tokio::time::timeout_at(deadline, ping)
        .await
        .map_err(|_| CallError::Timeout(limits.max_time))??
        .into_value();
    let server_time = clock
        .get("server_time")
        .and_then(Value::as_str)
        .and_then(|t| NaiveDateTime::parse_from_str(t.trim(), TIME_FORMAT).ok());
    if let Some(now) = server_time {
        for (field, default, side) in [("from", "-24h", Side::Start), ("to", "now", Side::End)] {
            let given = query
                .list_args
                .get(field)
                .and_then(Value::as_str)
                .unwrap_or(default)
                .to_owned();
            if let Some(at) = absolute(&given, now, side) {
                query.list_args.insert(field.into(), Value::String(at));
            }
        }
    }
    let mut totals = Group::default();
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    let mut read = 0u64;
    let mut item_count = None;
    let mut echo = Map::new();
    let mut stopped: Option<Stop> = None;
    // The first row's field names, for an error naming a field no row has.
    let mut row_fields: Vec<String> = Vec::new();
    let mut group_present = false;
    'pages: for page_no in 1u64.. {
        if page_no > limits.max_pages() {
            stopped = Some(Stop::Pages);
            break;
        }
        let mut page_args = query.list_args.clone();
        page_args.insert("page_no".into(), json!(page_no));
        page_args.insert("page_size".into(), json!(PAGE_SIZE));
        // A read: cutting it short at the deadline loses nothing.
        let page = upstream.call(
            report.source,
            key,
            encode_form(&page_args),
            Retry::OnConnectFailure,
        );
        let Ok(data) = tokio::time::timeout_at(deadline, page)
            .await
            .map(|page| page.map(Answer::into_value))
        else {
            stopped = Some(Stop::Time);
            break;
        };
        let data = match data {
            // The pages read so far still count: answered as far as they go, and said so.
            Err(CallError::Crowded) if page_no > 1 => {
                stopped = Some(Stop::Crowded);
                break;
            }
            other => other?,
        };
        if page_no == 1 {
            for field in ["from", "to"] {
                if let Some(v) = data.get(field).or_else(|| query.list_args.get(field)) {
                    echo.insert(field.into(), v.clone());
                }
            }
            // Whose orders were counted: said in every answer, since the default is a choice.
            if let Some(role) = query.list_args.get("search").and_then(|s| s.get(ROLE)) {
                echo.insert(ROLE.into(), role.clone());
            }
            item_count = data.get("item_count").and_then(as_u64);
        }
        let rows = data
            .get(report.rows)
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        for row in rows {
            if read >= limits.max_rows {
                stopped = Some(Stop::Rows);
                break 'pages;
            }
            read += 1;
            if row_fields.is_empty() {
                row_fields = field_names(row);
            }
            let mut matches = true;
            for filter in &mut query.row_filters {
                // A field a row lacks reads as empty, as Digistore24 leaves empty fields out.
                let value = value_at(row, &filter.path);
                filter.present |= value.is_some();
                let text = value.map(text_of).unwrap_or_default();
                if filter.wanted.iter().any(|w| w.matches(&text)) {
                    continue;
                }
                matches = false;
                if filter.seen.len() < SEEN_VALUES {
                    filter.seen.insert(text.chars().take(40).collect());
                }
            }
            if let Some(Grouping::Field(path)) = &query.group_by {
                group_present |= value_at(row, path).is_some();
            }
            if !matches {
                continue;
            }
            totals.add(report, row);
            if let Some(grouping) = &query.group_by {
                groups
                    .entry(group_key(grouping, report, row))
                    .or_default()
                    .add(report, row);
            }
        }
        progress
            .advance(
                read,
                item_count,
                format!("read {read} rows from {}", report.source),
            )
            .await;
        // Digistore24 says how many pages there are; a page it answers short or empty ends
        // the list when it does not.
        let last = match data.get("page_count").and_then(as_u64) {
            Some(pages) => page_no >= pages,
            None => rows.is_empty(),
        };
        if last || rows.is_empty() {
            break;
        }
    }
    if read > 0 {
        let absent = query
            .row_filters
            .iter()
            .filter(|f| !f.present)
            .map(|f| format!("where.{}", f.field))
            .chain(
                args.get("group_by")
                    .and_then(Value::as_str)
                    .filter(|_| {
                        matches!(query.group_by, Some(Grouping::Field(_))) && !group_present
                    })
                    .map(|g| format!("group_by {g}")),
            )
            .collect::<Vec<_>>();
        if !absent.is_empty() {
            return Err(Failure::Arguments(format!(
                "no {} row has the field of `{}` ({read} rows read), so nothing could match. A row's fields: {}",
                report.source,
                absent.join("`, `"),
                row_fields.join(", ")
            )));
        }
    }
    let complete = stopped.is_none() && item_count.is_none_or(|n| read >= n);
    let mut notes = Vec::new();
    if totals.count == 0 && read > 0 && !query.row_filters.is_empty() {
        let seen: Vec<String> = query
            .row_filters
            .iter()
            .filter(|f| !f.seen.is_empty())
            .map(|f| {
                let values: Vec<&str> = f.seen.iter().map(String::as_str).collect();
                format!("{}: {}", f.field, values.join(", "))
            })
            .collect();
        notes.push(format!(
            "No row of the {read} read matched `where`; values the rows hold: {}.",
            seen.join("; ")
        ));
    }
    // Digistore24 matched these itself and sent no row: a mistyped ID reads like "no sales".
    if read == 0
        && let Some(Value::String(product)) = query
            .list_args
            .get("search")
            .and_then(|s| s.get("product_id"))
    {
        notes.push(format!(
            "No {} row in this window has product_id {product}; listProducts shows your product IDs.",
            report.source
        ));
    }
    if totals.count == 0 && query.role_default {
        notes.push(format!(
            "Counted the account's sales as vendor (the default); where.role \"affiliate\" counts its commissions on other vendors' products, \"{}\" every role.",
            "vendor,affiliate,other"
        ));
    }
    let mut out = echo;
    out.insert("rows_read".into(), json!(read));
    out.insert("count".into(), json!(totals.count));
    out.insert("amounts".into(), totals.amounts_json());
    if query.group_by.is_some() {
        out.insert("groups".into(), groups_json(groups, &query));
    }
    if totals.unreadable > 0 {
        out.insert("unreadable_amounts".into(), json!(totals.unreadable));
    }
    if !complete {
        let of = item_count.map_or_else(|| "more".to_owned(), |n| n.to_string());
        let narrow = "narrow the time window or filters for a complete answer";
        let note = match stopped {
            Some(Stop::Rows) => format!(
                "Stopped after {read} of {of} rows (the server's --report-max-rows); {narrow}."
            ),
            Some(Stop::Pages) => format!(
                "Stopped after {} pages with {read} of {of} rows (Digistore24 sent fewer rows per page than asked; the server reads at most twice the pages --report-max-rows needs); {narrow}.",
                limits.max_pages()
            ),
            Some(Stop::Time) => format!(
                "Stopped after {} s with {read} of {of} rows (the server's --report-timeout); {narrow}.",
                limits.max_time.as_secs()
            ),
            Some(Stop::Crowded) => format!(
                "Stopped after {read} of {of} rows: the server was reading other large answers and had no room for the next page; ask again in a few seconds, or {narrow}."
            ),
            None => format!(
                "Digistore24 listed {read} of the {of} rows it announced; the totals cover those {read}. Rows may have changed while the pages were read: asking again may give the rest."
            ),
        };
        notes.push(note);
    }
    if !notes.is_empty() {
        out.insert("note".into(), json!(notes.join(" ")));
    }
    out.insert("complete".into(), json!(complete));
    Ok(Value::Object(out))
}

/// A window edge as an absolute time on Digistore24's clock, where it is relative to now
/// (`now`, `today`, `yesterday`, `-24h`, `7d`, `+1w`, `6M`) or a whole day or month; `None`
/// leaves it as written (times of day, `start`). A day as the end is its last second, as
/// Digistore24 reads `to=today` or `to=2026-11-22` in its lists: the report and the list
/// answer for the same window, and both reports show the window the same way.
fn absolute(value: &str, now: NaiveDateTime, side: Side) -> Option<String> {
    relative_edge(value, now, side)
        .or_else(|| day_edge(value, side))
        .map(|at| at.format(TIME_FORMAT).to_string())
}

/// The fields of the list function's own `search` block, read from the catalog: Digistore24
/// filters those itself.
fn search_params(report: &Report) -> &'static [ds24_catalog::Param] {
    ds24_catalog::get(report.source)
        .and_then(|f| f.params.iter().find(|p| p.name == "search"))
        .map_or(&[], |p| match &p.ty {
            Ty::Object(fields) => fields,
            _ => &[],
        })
}

/// The names of [`search_params`].
fn search_fields(report: &Report) -> Vec<&'static str> {
    search_params(report).iter().map(|p| p.name).collect()
}

/// The search fields Digistore24 matches against a comma list (the catalog's text says
/// "comma list": `role`, `pay_method`, `billing_type`, ...); the others take one value.
fn list_search_fields(report: &Report) -> Vec<&'static str> {
    search_params(report)
        .iter()
        .filter(|p| p.doc.to_ascii_lowercase().contains("comma list"))
        .map(|p| p.name)
        .collect()
}

/// Splits `where` into the filters Digistore24 applies (its search fields) and the ones
/// matched against rows here, with the time window, the role and the grouping.
fn query(report: &Report, args: &Map<String, Value>) -> Query {
    let search_fields = search_fields(report);
    let mut list_args = Map::new();
    for field in ["from", "to"] {
        if let Some(v) = args.get(field) {
            list_args.insert(field.into(), v.clone());
        }
    }
    let mut search = Map::new();
    let mut row_filters = Vec::new();
    if let Some(Value::Object(filters)) = args.get("where") {
        for (field, value) in filters.iter().take(MAX_WHERE_FIELDS) {
            let text = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_owned);
            if search_fields.contains(&field.as_str()) {
                search.insert(field.clone(), Value::String(text));
            } else {
                let wanted = text
                    .split(',')
                    .take(MAX_WHERE_VALUES)
                    .map(Wanted::new)
                    .collect();
                row_filters.push(RowFilter {
                    field: field.clone(),
                    path: path(field),
                    wanted,
                    present: false,
                    seen: BTreeSet::new(),
                });
            }
        }
    }
    // Digistore24's lists hold every order the account earns on, other vendors' too (as their
    // affiliate); counted together, their full amounts would swell the vendor's own sales.
    // A report counts the account's sales as vendor unless `where.role` asks for another role.
    // Grouped by role, every role is asked for: the grouping is the question.
    let group_by_text = args
        .get("group_by")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|g| !g.is_empty());
    let role_default =
        search_fields.contains(&ROLE) && !search.contains_key(ROLE) && group_by_text != Some(ROLE);
    if role_default {
        search.insert(ROLE.into(), Value::String(DEFAULT_ROLE.into()));
    }
    if !search.is_empty() {
        list_args.insert("search".into(), Value::Object(search));
    }
    let group_by = group_by_text.map(|g| match g {
        "day" => Grouping::Day,
        "week" => Grouping::Week,
        "month" => Grouping::Month,
        field => Grouping::Field(path(field)),
    });
    Query {
        list_args,
        row_filters,
        group_by,
        role_default,
    }
}

/// The search field for whose orders the account is paid (vendor, affiliate, other).
const ROLE: &str = "role";
/// The role a report counts when `where` names none: the account's own sales.
const DEFAULT_ROLE: &str = "vendor";

/// `buyer.country` → `["buyer", "country"]`.
fn path(field: &str) -> Vec<String> {
    field.split('.').map(str::to_owned).collect()
}

/// The row's value at `path` as text (`""` when absent).
fn text_at(row: &Value, path: &[String]) -> String {
    value_at(row, path).map(text_of).unwrap_or_default()
}

/// The row's value at `path`, if the row has that field.
fn value_at<'r>(row: &'r Value, path: &[String]) -> Option<&'r Value> {
    path.iter().try_fold(row, |v, seg| v.get(seg))
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A row's field names, nested ones dotted (`buyer.email`), as `where` and `group_by` take
/// them; at most 60.
fn field_names(row: &Value) -> Vec<String> {
    fn walk(v: &Value, prefix: &str, out: &mut Vec<String>) {
        if let Value::Object(map) = v {
            for (k, child) in map {
                if out.len() >= 60 {
                    return;
                }
                let name = format!("{prefix}{k}");
                if child.is_object() {
                    walk(child, &format!("{name}."), out);
                } else {
                    out.push(name);
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(row, "", &mut out);
    out
}

fn as_u64(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn group_key(grouping: &Grouping, report: &Report, row: &Value) -> String {
    let date = || text_at(row, &[report.date.to_owned()]);
    let key = match grouping {
        Grouping::Day => date().get(..10).unwrap_or_default().to_owned(),
        Grouping::Month => date().get(..7).unwrap_or_default().to_owned(),
        Grouping::Week => {
            chrono::NaiveDate::parse_from_str(date().get(..10).unwrap_or_default(), "%Y-%m-%d")
                .map(|d| {
                    let w = d.iso_week();
                    format!("{}-W{:02}", w.year(), w.week())
                })
                .unwrap_or_default()
        }
        Grouping::Field(path) => text_at(row, path),
    };
    if key.is_empty() {
        "(none)".to_owned()
    } else {
        key
    }
}

/// A count and its money sums: currency → field → cents (`i128`: no sum of real amounts can
/// overflow it).
#[derive(Debug, Default)]
struct Group {
    count: u64,
    sums: BTreeMap<String, BTreeMap<&'static str, i128>>,
    /// Amounts present but not readable as money (left out of the sums, and said so).
    unreadable: u64,
}

impl Group {
    fn add(&mut self, report: &Report, row: &Value) {
        self.count += 1;
        let currency = text_at(row, &["currency".to_owned()]);
        let per = self.sums.entry(currency).or_default();
        for field in report.amounts {
            match row.get(*field) {
                None | Some(Value::Null) => {}
                Some(Value::String(s)) if s.trim().is_empty() => {}
                Some(v) => match cents(v) {
                    Some(c) => {
                        let sum = per.entry(field).or_default();
                        *sum = sum.saturating_add(c);
                    }
                    None => self.unreadable += 1,
                },
            }
        }
    }

    fn merge(&mut self, other: Group) {
        self.count += other.count;
        self.unreadable += other.unreadable;
        for (currency, fields) in other.sums {
            let per = self.sums.entry(currency).or_default();
            for (field, cents) in fields {
                let sum = per.entry(field).or_default();
                *sum = sum.saturating_add(cents);
            }
        }
    }

    fn amounts_json(&self) -> Value {
        let mut out = Map::new();
        for (currency, fields) in &self.sums {
            let mut m = Map::new();
            for (field, cents) in fields {
                m.insert((*field).to_owned(), Value::String(money(*cents)));
            }
            let name = if currency.is_empty() {
                "(none)"
            } else {
                currency
            };
            out.insert(name.to_owned(), Value::Object(m));
        }
        Value::Object(out)
    }
}

fn groups_json(groups: BTreeMap<String, Group>, query: &Query) -> Value {
    let by_time = matches!(
        query.group_by,
        Some(Grouping::Day | Grouping::Week | Grouping::Month)
    );
    let mut list: Vec<(String, Group)> = groups.into_iter().collect();
    if !by_time {
        // Largest groups first; time buckets stay in time order.
        list.sort_by(|a, b| b.1.count.cmp(&a.1.count).then_with(|| a.0.cmp(&b.0)));
    }
    let mut other = Group::default();
    let mut others = 0;
    if list.len() > MAX_GROUPS {
        for (_, g) in list.split_off(MAX_GROUPS) {
            other.merge(g);
            others += 1;
        }
    }
    let mut out: Vec<Value> = list
        .into_iter()
        .map(|(key, g)| json!({"key": key, "count": g.count, "amounts": g.amounts_json()}))
        .collect();
    if others > 0 {
        out.push(json!({"key": format!("(other: {others} groups)"), "count": other.count, "amounts": other.amounts_json()}));
    }
    Value::Array(out)
}

/// A Digistore24 money value (`"118.00"`, `"-19.67"`, or a number) in cents, rounded half away
/// from zero at the third decimal. `None` for anything else (`"1,5"`, `"1e3"`, text).
fn cents(v: &Value) -> Option<i128> {
    let text = match v {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let (neg, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.as_str()),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty()
        || whole.len() > 30
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let mut frac_digits = frac
        .bytes()
        .map(|b| i128::from(b - b'0'))
        .chain(std::iter::repeat(0));
    let tenths = frac_digits.next().unwrap_or(0);
    let hundredths = frac_digits.next().unwrap_or(0);
    let round_up = frac_digits.next().unwrap_or(0) >= 5;
    let value = whole.parse::<i128>().ok()?.checked_mul(100)?
        + tenths * 10
        + hundredths
        + i128::from(round_up);
    Some(if neg { -value } else { value })
}

fn money(cents: i128) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Digistore24 that answers every list page with one row and announces a billion pages:
    /// garbage a broken or hostile upstream could send, each page after `delay`.
    struct OneRowPages {
        rows: &'static str,
        delay: std::time::Duration,
        announced: (u64, u64),
        calls: std::sync::atomic::AtomicU64,
        /// From this call on (the ping is call 1), pages are refused as `Crowded`.
        crowded_from: Option<u64>,
    }

    impl Upstream for OneRowPages {
        fn call<'a>(
            &'a self,
            function: &'static str,
            _key: &'a ApiKey,
            _form: ds24_client::FormPairs,
            _retry: Retry,
        ) -> crate::upstream::UpstreamFuture<'a> {
            Box::pin(async move { self.answer(function).await.map(Answer::from) })
        }
    }

    impl OneRowPages {
        async fn answer(&self, function: &str) -> Result<serde_json::Value, CallError> {
            {
                let call = 1 + self
                    .calls
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if self.crowded_from.is_some_and(|from| call >= from) {
                    return Err(CallError::Crowded);
                }
                if function == "ping" {
                    return Ok(json!({"server_time": "2026-03-31 10:00:00"}));
                }
                tokio::time::sleep(self.delay).await;
                Ok(json!({
                    "page_count": self.announced.0,
                    "item_count": self.announced.1,
                    self.rows: [{"id": "X", "amount": "1.00", "currency": "EUR"}],
                }))
            }
        }
    }

    async fn garbage_report(delay_secs: u64, limits: Limits) -> (Value, u64) {
        report_of(delay_secs, (1_000_000_000, 1_000_000_000), limits).await
    }

    /// A report over [`OneRowPages`] announcing `(page_count, item_count)`.
    async fn report_of(delay_secs: u64, announced: (u64, u64), limits: Limits) -> (Value, u64) {
        let report = find("summarizePurchases").unwrap();
        let up = OneRowPages {
            rows: report.rows,
            announced,
            delay: std::time::Duration::from_secs(delay_secs),
            calls: Default::default(),
            crowded_from: None,
        };
        let key = ApiKey::new("k").unwrap();
        let args = json!({"from": "-7d"});
        let answer = run(
            report,
            &up,
            &key,
            args.as_object().unwrap(),
            limits,
            &NoProgress,
        )
        .await
        .unwrap();
        (answer, up.calls.into_inner())
    }

    /// One row per page and a billion pages announced: the report stops at twice the pages
    /// its row limit needs, not after 20,000 calls, and says why.
    #[tokio::test]
    async fn a_report_reads_a_bounded_number_of_pages() {
        let (answer, calls) = garbage_report(0, Limits::default()).await;
        assert!(calls <= 1 + 40, "{calls} upstream calls");
        assert_eq!(answer["complete"], false);
        assert_eq!(answer["rows_read"], 40);
        let note = answer["note"].as_str().unwrap();
        assert!(
            note.contains("40 pages") && !note.contains("--report-max-rows)"),
            "{note}"
        );
    }

    /// Digistore24 announces more rows than its pages hold: the report is incomplete and says
    /// so without blaming a limit of the server's.
    #[tokio::test]
    async fn fewer_rows_than_announced_are_reported_as_such() {
        let (answer, calls) = report_of(0, (1, 5), Limits::default()).await;
        assert_eq!(calls, 2);
        assert_eq!(answer["complete"], false);
        let note = answer["note"].as_str().unwrap();
        assert!(note.contains("listed 1 of the 5 rows"), "{note}");
        assert!(!note.contains("--report"), "{note}");
    }

    /// Diff review 3: a page refused for want of answer memory threw away the pages already
    /// read. The report answers what it read and says why it stopped; a first page refused is
    /// the call's failure.
    #[tokio::test]
    async fn a_crowded_page_ends_the_report_with_what_it_read() {
        let report = find("summarizePurchases").unwrap();
        let key = ApiKey::new("k").unwrap();
        let args = json!({"from": "-7d"});
        let up = |from| OneRowPages {
            rows: report.rows,
            announced: (10, 10),
            delay: std::time::Duration::ZERO,
            calls: Default::default(),
            crowded_from: Some(from),
        };
        let args = args.as_object().unwrap();
        let limits = Limits::default();
        // The ping, pages 1 to 3, then refused.
        let answer = run(report, &up(5), &key, args, limits, &NoProgress)
            .await
            .unwrap();
        assert_eq!(answer["rows_read"], 3, "{answer}");
        assert_eq!(answer["complete"], false);
        assert!(
            answer["note"]
                .as_str()
                .unwrap()
                .contains("other large answers"),
            "{answer}"
        );
        let first = run(report, &up(2), &key, args, limits, &NoProgress).await;
        assert!(matches!(first, Err(Failure::Upstream(CallError::Crowded))));
    }

    /// Slow pages: the report answers what it read when its time is up.
    #[tokio::test(start_paused = true)]
    async fn a_report_ends_at_its_deadline() {
        let limits = Limits {
            max_rows: 1_000_000,
            max_time: std::time::Duration::from_secs(120),
        };
        let started = tokio::time::Instant::now();
        // Pages end at 7, 14, ... 119 s; the 18th would end at 126 s.
        let (answer, calls) = garbage_report(7, limits).await;
        assert!(
            started.elapsed() <= limits.max_time,
            "{:?}",
            started.elapsed()
        );
        assert_eq!(calls, 1 + 18, "the ping and 18 pages, the last cut short");
        assert_eq!(answer["complete"], false);
        assert_eq!(answer["rows_read"], 17);
        let note = answer["note"].as_str().unwrap();
        assert!(note.contains("--report-timeout"), "{note}");
    }

    #[test]
    fn money_is_summed_in_cents() {
        assert_eq!(cents(&json!("118.00")), Some(11_800));
        assert_eq!(cents(&json!("-19.67")), Some(-1_967));
        assert_eq!(cents(&json!("0.5")), Some(50));
        assert_eq!(cents(&json!(3)), Some(300));
        assert_eq!(cents(&json!("1,5")), None);
        assert_eq!(cents(&json!("1e3")), None);
        assert_eq!(cents(&json!("0.125")), Some(13), "half away from zero");
        assert_eq!(cents(&json!("-0.125")), Some(-13));
        let huge = "9".repeat(30);
        assert!(cents(&json!(huge)).is_some(), "no overflow");
        assert_eq!(money(-1_967), "-19.67");
        assert_eq!(money(5), "0.05");
    }

    #[test]
    fn relative_window_edges_become_absolute_times() {
        let now = NaiveDateTime::parse_from_str("2026-03-31 10:00:00", TIME_FORMAT).unwrap();
        let start = |v| absolute(v, now, Side::Start);
        assert_eq!(start("now").unwrap(), "2026-03-31 10:00:00");
        assert_eq!(start("-24h").unwrap(), "2026-03-30 10:00:00");
        assert_eq!(start("7d").unwrap(), "2026-04-07 10:00:00");
        assert_eq!(start("-1M").unwrap(), "2026-02-28 10:00:00");
        assert_eq!(start("-7D").unwrap(), "2026-03-24 10:00:00");
        assert_eq!(start("today").unwrap(), "2026-03-31 00:00:00");
        assert_eq!(start("start"), None);
        assert_eq!(
            start("2026-01-01 08:00:00"),
            None,
            "a time of day stays as written"
        );
        assert_eq!(start("2026-01-01").unwrap(), "2026-01-01 00:00:00");
        assert_eq!(
            absolute("2026-02", now, Side::End).unwrap(),
            "2026-02-28 23:59:59"
        );
        // A day as the end of the window is its last second, as in Digistore24's lists.
        let end = |v| absolute(v, now, Side::End);
        assert_eq!(end("today").unwrap(), "2026-03-31 23:59:59");
        assert_eq!(end("yesterday").unwrap(), "2026-03-30 23:59:59");
        assert_eq!(end("now").unwrap(), "2026-03-31 10:00:00");
    }

    #[test]
    fn bounded_where_filters() {
        let many: Map<String, Value> = (0..30).map(|i| (format!("f{i}"), json!("x"))).collect();
        assert!(
            !check(
                "summarizeTransactions",
                &json!({ "where": many }).as_object().unwrap().clone()
            )
            .is_empty()
        );
        let alternatives = vec!["x"; 200].join(",");
        assert!(
            !check(
                "summarizeTransactions",
                &json!({"where": {"country": alternatives}})
                    .as_object()
                    .unwrap()
                    .clone()
            )
            .is_empty()
        );
        assert!(
            check(
                "summarizeTransactions",
                &json!({"where": {"country": "DE,AT"}})
                    .as_object()
                    .unwrap()
                    .clone()
            )
            .is_empty()
        );
    }

    /// Sandbox review S3: without a role, a report summed the orders of other vendors the
    /// account promotes (their full amounts) into the vendor's own sales. Diff review 5: every
    /// role stays askable (a list, as Digistore24 documents `role`), and grouping by role asks
    /// for all of them.
    #[test]
    fn reports_count_the_vendors_own_sales_unless_a_role_is_asked() {
        for tool in ["summarizePurchases", "summarizeTransactions"] {
            let report = find(tool).unwrap();
            let q = query(report, json!({}).as_object().unwrap());
            assert_eq!(q.list_args["search"], json!({"role": "vendor"}), "{tool}");
            assert!(q.role_default);
            for role in ["affiliate", "vendor,affiliate,other"] {
                let args = json!({"where": {"role": role}});
                let args = args.as_object().unwrap();
                assert!(
                    check(tool, args).is_empty(),
                    "{tool} {role}: {:?}",
                    check(tool, args)
                );
                let q = query(report, args);
                assert_eq!(q.list_args["search"], json!({ "role": role }), "{tool}");
                assert!(q.row_filters.is_empty() && !q.role_default, "{tool}");
            }
            let q = query(report, json!({"group_by": "role"}).as_object().unwrap());
            assert!(q.list_args.get("search").is_none(), "{tool}: every role");
        }
        // Search fields documented as lists take one; the others still refuse one.
        let lists = json!({"where": {"billing_type": "single_payment,subscription", "pay_method": "paypal,creditcard"}});
        assert!(check("summarizePurchases", lists.as_object().unwrap()).is_empty());
        let one = json!({"where": {"product_id": "1,2"}});
        assert_eq!(
            check("summarizePurchases", one.as_object().unwrap()).len(),
            1
        );
    }

    #[test]
    fn where_splits_into_digistore24_search_and_row_filters() {
        let report = find("summarizeTransactions").unwrap();
        let args = json!({"from": "-7d", "where": {"product_id": "1", "billing_status": "paying,reminding", "buyer.country": "DE"}, "group_by": "week"});
        let q = query(report, args.as_object().unwrap());
        assert_eq!(
            q.list_args["search"],
            json!({"product_id": "1", "role": "vendor"}),
            "the account's own sales unless asked otherwise"
        );
        assert_eq!(q.list_args["from"], "-7d");
        assert_eq!(q.row_filters.len(), 2);
        assert!(matches!(q.group_by, Some(Grouping::Week)));
        let row = json!({"buyer": {"country": "DE"}, "created_at": "2026-11-27 10:00:00"});
        assert_eq!(text_at(&row, &path("buyer.country")), "DE");
        assert_eq!(group_key(&Grouping::Week, report, &row), "2026-W48");
    }

    #[test]
    fn every_report_tool_reads_a_list_that_pages() {
        for f in ds24_catalog::all().filter(|f| f.kind == ds24_catalog::Kind::Report) {
            let report = find(f.name).unwrap_or_else(|| panic!("{} says how it reads", f.name));
            let source = ds24_catalog::get(report.source).unwrap();
            assert!(source.params.iter().any(|p| p.name == "page_size"));
            assert!(!search_params(report).is_empty(), "{}", f.name);
        }
        assert!(find("listPurchases").is_none());
    }
}

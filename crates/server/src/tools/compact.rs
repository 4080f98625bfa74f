//! Compact mode: every Digistore24 function behind four small tools, for clients and models
//! where a hundred tool schemas cost too much context or exceed a tool limit.
//!
//! `searchTools` finds functions by keywords, `describeTool` gives one function's full schema,
//! and `callTool` runs it through the same pipeline as a direct call (validation, read-only,
//! confirmation, audit). What a connection may reach (toolsets, narrowing, read-only) is the
//! same as in full mode: search and describe only show reachable functions, and the pipeline
//! refuses the rest.
//!
//! Destructive calls (refunds, deletes, commission changes) go through a tool of their own,
//! `callDestructiveTool`, and `callTool` refuses them. Why: a client that cannot answer the
//! server's confirmation question relies on its own approval prompt, per tool and driven by
//! `destructiveHint`. With one call tool for everything, approving it for reads ("always
//! allow") would approve every refund with them.

use std::sync::Arc;

use rmcp::model::{Tool, ToolAnnotations};
use serde_json::{Map, Value, json};

use super::{Inventory, Scope, ToolEntry};

/// How a connection is offered the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, clap::ValueEnum)]
pub enum Mode {
    /// One tool per function.
    #[default]
    Full,
    /// Four tools: searchTools, describeTool, callTool, callDestructiveTool.
    Compact,
}

impl Mode {
    /// Parses a header value (`full` or `compact`).
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "full" => Some(Self::Full),
            "compact" => Some(Self::Compact),
            _ => None,
        }
    }
}

/// The name of the search tool.
pub const SEARCH: &str = "searchTools";
/// The name of the describe tool.
pub const DESCRIBE: &str = "describeTool";
/// The name of the call tool, for every call that is not destructive.
pub const CALL: &str = "callTool";
/// The name of the call tool for destructive calls.
pub const CALL_DESTRUCTIVE: &str = "callDestructiveTool";

/// Longest search query: enough for any question about functions, and a bound on the work one
/// search does.
pub const MAX_QUERY_CHARS: usize = 200;
/// Longest function name accepted by describe and call.
pub const MAX_NAME_CHARS: usize = 128;
/// Most distinct words a search scores.
const MAX_QUERY_WORDS: usize = 16;

/// Compact mode's own tools, with their arguments checked.
#[derive(Debug, PartialEq, Eq)]
pub enum Request {
    /// `searchTools`.
    Search {
        /// Keywords.
        query: String,
        /// Most results.
        limit: usize,
    },
    /// `describeTool`.
    Describe {
        /// A function name.
        name: String,
    },
    /// `callTool` or `callDestructiveTool`.
    Call {
        /// A function name.
        name: String,
        /// Its arguments.
        arguments: Map<String, Value>,
    },
}

/// Checks a compact tool's arguments, as a schema-valid call of any tool is checked: every
/// problem named, unknown arguments refused.
pub fn parse(tool: &str, mut args: Map<String, Value>) -> Result<Request, Vec<String>> {
    let mut problems = Vec::new();
    let allowed: &[&str] = match tool {
        SEARCH => &["query", "limit"],
        DESCRIBE => &["name"],
        _ => &["name", "arguments"],
    };
    for key in args.keys().filter(|k| !allowed.contains(&k.as_str())) {
        problems.push(format!(
            "`{}`: unknown argument; expected one of: {}",
            key.chars().take(40).collect::<String>(),
            allowed.join(", ")
        ));
    }
    let mut text = |key: &str, max: usize| match args.remove(key) {
        Some(Value::String(s)) if !s.trim().is_empty() && s.chars().count() <= max => {
            Some(s.trim().to_owned())
        }
        Some(Value::String(s)) if s.trim().is_empty() => {
            problems.push(format!("`{key}`: must not be empty"));
            None
        }
        Some(Value::String(_)) => {
            problems.push(format!("`{key}`: at most {max} characters"));
            None
        }
        None | Some(Value::Null) => {
            problems.push(format!("`{key}`: missing required argument (a string)"));
            None
        }
        Some(_) => {
            problems.push(format!("`{key}`: expected a string"));
            None
        }
    };
    let request = match tool {
        SEARCH => {
            let query = text("query", MAX_QUERY_CHARS);
            let limit = match args.remove("limit") {
                None | Some(Value::Null) => Some(8),
                Some(Value::Number(n)) => n
                    .as_u64()
                    .filter(|l| (1..=25).contains(l))
                    .and_then(|l| usize::try_from(l).ok()),
                Some(_) => None,
            };
            if limit.is_none() {
                problems.push("`limit`: expected an integer from 1 to 25".to_owned());
            }
            query
                .zip(limit)
                .map(|(query, limit)| Request::Search { query, limit })
        }
        DESCRIBE => text("name", MAX_NAME_CHARS).map(|name| Request::Describe { name }),
        _ => {
            let name = text("name", MAX_NAME_CHARS);
            let arguments = match args.remove("arguments") {
                None | Some(Value::Null) => Some(Map::new()),
                Some(Value::Object(inner)) => Some(inner),
                Some(_) => {
                    problems.push("`arguments`: expected an object of named arguments".to_owned());
                    None
                }
            };
            name.zip(arguments)
                .map(|(name, arguments)| Request::Call { name, arguments })
        }
    };
    match request {
        Some(r) if problems.is_empty() => Ok(r),
        _ => Err(problems),
    }
}

/// Whether `name` is one of compact mode's own tools.
pub fn is_compact_tool(name: &str) -> bool {
    compact_tool(name).is_some()
}

/// Compact mode's own tool of this name, as a `'static` name (for metrics labels).
pub fn compact_tool(name: &str) -> Option<&'static str> {
    [SEARCH, DESCRIBE, CALL, CALL_DESTRUCTIVE]
        .into_iter()
        .find(|t| *t == name)
}

/// The function a `callTool` request names, if it names one (however bad the rest is).
pub fn named_function<'a>(tool: &str, args: &'a Map<String, Value>) -> Option<&'a str> {
    (tool == CALL || tool == CALL_DESTRUCTIVE)
        .then(|| args.get("name").and_then(Value::as_str))
        .flatten()
        .map(str::trim)
}

/// Compact mode's tools, as a connection with `scope` sees them (no `callDestructiveTool` where
/// nothing can write).
pub fn tools(inventory: &Inventory, scope: &Scope) -> Vec<Tool> {
    let read_only = inventory.read_only(scope);
    let toolsets: Vec<&str> = ds24_catalog::toolsets()
        .iter()
        .filter(|t| {
            inventory
                .visible(scope)
                .any(|(e, _)| e.function.toolset == **t)
        })
        .map(|t| t.id)
        .collect();
    let schema = |v: Value| match v {
        Value::Object(map) => Arc::new(map),
        _ => Arc::new(Map::new()),
    };
    let mut read = ToolAnnotations::new();
    read.read_only_hint = Some(true);
    let mut call = ToolAnnotations::new();
    if read_only {
        call.read_only_hint = Some(true);
    } else {
        call.destructive_hint = Some(false);
    }
    let mut destroy = ToolAnnotations::new();
    destroy.destructive_hint = Some(true);
    let call_schema = json!({"type": "object", "properties": {
        "name": {"type": "string", "maxLength": MAX_NAME_CHARS},
        "arguments": {"type": "object"}
    }, "required": ["name"]});
    let mut tools = vec![
        Tool::new(
            SEARCH,
            format!(
                "Find Digistore24 functions by keywords (e.g. \"refund order\", \"voucher\"); answers names and summaries. Toolsets: {}.",
                toolsets.join(", ")
            ),
            schema(json!({"type": "object", "properties": {
                "query": {"type": "string", "maxLength": MAX_QUERY_CHARS},
                "limit": {"type": "integer", "minimum": 1, "maximum": 25, "default": 8}
            }, "required": ["query"]})),
        )
        .with_annotations(read.clone()),
        Tool::new(
            DESCRIBE,
            "A function's input schema and hints, to call it with callTool (or callDestructiveTool).",
            schema(json!({"type": "object", "properties": {"name": {"type": "string", "maxLength": MAX_NAME_CHARS}}, "required": ["name"]})),
        )
        .with_annotations(read),
        Tool::new(
            CALL,
            "Call a Digistore24 function by name with its arguments; destructive ones go through callDestructiveTool.",
            schema(call_schema.clone()),
        )
        .with_annotations(call),
    ];
    if !read_only {
        tools.push(
            Tool::new(
                CALL_DESTRUCTIVE,
                "Call a destructive Digistore24 function (it moves money or deletes) by name with its arguments: confirm with the user first.",
                schema(call_schema),
            )
            .with_annotations(destroy),
        );
    }
    tools
}

/// What a function does to the account, in a few words.
fn kind(entry: &ToolEntry) -> &'static str {
    entry.function.class().words()
}

/// `createVoucher` → `["create", "voucher"]`.
fn name_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// Whether `word` matches `candidate`: equal, or one a prefix of the other with at least four
/// letters in common and at most three more (so "refund" finds "refunds", "purchase" finds
/// "purchases" and "deliver" finds "deliveries", while "part" does not find "partner").
fn matches(word: &str, candidate: &str) -> bool {
    let (short, long) = if word.len() <= candidate.len() {
        (word, candidate)
    } else {
        (candidate, word)
    };
    short == long || (short.len() >= 4 && long.starts_with(short) && long.len() - short.len() <= 3)
}

/// Words that say nothing about which function is meant ("how much did I earn this month").
const STOP_WORDS: &[&str] = &[
    "a",
    "an",
    "the",
    "of",
    "for",
    "to",
    "in",
    "on",
    "at",
    "by",
    "with",
    "and",
    "or",
    "my",
    "i",
    "me",
    "this",
    "that",
    "is",
    "are",
    "was",
    "did",
    "do",
    "how",
    "much",
    "many",
    "what",
    "which",
    "all",
    "as",
    "be",
    "it",
    "its",
    "der",
    "die",
    "das",
    "den",
    "dem",
    "ein",
    "eine",
    "einen",
    "und",
    "oder",
    "mit",
    "von",
    "fuer",
    "für",
    "mein",
    "meine",
    "meinen",
    "ich",
    "wie",
    "viel",
    "viele",
    "ist",
    "im",
    "am",
    "zu",
    "zum",
    "zur",
    "auf",
    "bitte",
    "erneut",
    "number",
    "nummer",
    "hinzufügen",
    "hinzufuegen",
];

/// German words vendors use, and the words Digistore24's function names and summaries use for
/// them: compact mode is searched in both languages.
const GERMAN: &[(&str, &str)] = &[
    ("rechnung", "invoice"),
    ("rechnungen", "invoice"),
    ("lieferung", "delivery"),
    ("lieferungen", "delivery"),
    ("versand", "delivery"),
    ("sendungsnummer", "tracking"),
    ("stornieren", "cancel"),
    ("storno", "cancel"),
    ("gutschein", "voucher"),
    ("gutscheine", "voucher"),
    ("rabatt", "discount"),
    ("erstellen", "create"),
    ("anlegen", "create"),
    ("abo", "rebilling"),
    ("kuendigen", "stop"),
    ("kündigen", "stop"),
    ("erstattung", "refund"),
    ("erstatten", "refund"),
    ("rueckerstattung", "refund"),
    ("rückerstattung", "refund"),
    ("betrug", "fraud"),
    ("melden", "report"),
    ("auszahlung", "payout"),
    ("auszahlungen", "payout"),
    ("produkt", "product"),
    ("produkte", "product"),
    ("bestellung", "purchase"),
    ("bestellungen", "purchase"),
    ("kaeufer", "buyer"),
    ("käufer", "buyer"),
    ("kunde", "buyer"),
    ("kunden", "buyer"),
    ("partner", "affiliate"),
    ("provision", "commission"),
    ("umsatz", "sales"),
    ("verkaeufe", "sales"),
    ("verkäufe", "sales"),
    ("zahlungsplan", "paymentplan"),
    ("zahlungen", "transactions"),
    ("senden", "send"),
    ("schicken", "send"),
    ("aendern", "update"),
    ("ändern", "update"),
    ("loeschen", "delete"),
    ("löschen", "delete"),
    ("kopieren", "copy"),
    ("bestellformular", "orderform"),
    ("lizenz", "license"),
    ("statistik", "stats"),
    // English words that name a thing by another word than Digistore24's.
    ("shipped", "delivery"),
    ("ship", "delivery"),
    ("earn", "sales"),
    ("earned", "sales"),
    ("earnings", "sales"),
];

/// The reachable functions that best match `query`: those that match the most of its words
/// first, then by where they match (name, toolset, summary, parameter).
pub fn search(inventory: &Inventory, scope: &Scope, query: &str, limit: usize) -> Value {
    let mut words: Vec<String> = Vec::new();
    for word in query
        .chars()
        .take(MAX_QUERY_CHARS)
        .collect::<String>()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .map(|w| match GERMAN.iter().find(|(de, _)| *de == w) {
            Some((_, en)) => (*en).to_owned(),
            None => w,
        })
    {
        if words.len() == MAX_QUERY_WORDS {
            break;
        }
        if !words.contains(&word) {
            words.push(word);
        }
    }
    let mut scored: Vec<((u32, u32), &ToolEntry)> = inventory
        .visible(scope)
        .filter_map(|(entry, _)| {
            let f = entry.function;
            let in_name = name_words(f.name);
            let toolset: Vec<&str> = f.toolset.id.split('_').collect();
            let summary = f.summary.to_ascii_lowercase();
            let summary_words: Vec<&str> = summary
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect();
            let each: Vec<u32> = words
                .iter()
                .map(|w| {
                    if in_name.iter().any(|n| matches(w, n)) {
                        4
                    } else if toolset.iter().any(|t| matches(w, t)) {
                        3
                    } else if summary_words.iter().any(|s| matches(w, s)) {
                        2
                    } else if f
                        .params
                        .iter()
                        .any(|p| p.name.split('_').any(|part| matches(w, part)))
                    {
                        1
                    } else {
                        0
                    }
                })
                .collect();
            let matched = u32::try_from(each.iter().filter(|s| **s > 0).count()).unwrap_or(0);
            let score: u32 = each.iter().sum();
            (score > 0).then_some(((matched, score), entry))
        })
        .collect();
    // Ties go to the plainer name (listProducts before listProductGroups).
    scored.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| a.1.name.len().cmp(&b.1.name.len()))
            .then_with(|| a.1.name.cmp(&b.1.name))
    });
    let found: Vec<Value> = scored
        .into_iter()
        .take(limit)
        .map(|(_, e)| json!({"name": e.name, "kind": kind(e), "summary": e.function.summary}))
        .collect();
    if found.is_empty() {
        json!({"tools": [], "hint": "Nothing matched; try other words, or a toolset name from searchTools' description."})
    } else {
        json!({ "tools": found })
    }
}

/// One reachable function's full tool description, or why it cannot be described.
pub fn describe(inventory: &Inventory, scope: &Scope, name: &str) -> Option<Value> {
    // Either name, as calls take them (the inventory's aliases), if this connection sees it.
    let wanted = inventory.get(name)?;
    let (entry, tool) = inventory
        .visible(scope)
        .find(|(e, _)| std::ptr::eq(*e, wanted))?;
    let mut out = serde_json::to_value(tool).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut out {
        map.insert("toolset".into(), entry.function.toolset.id.into());
        map.insert("kind".into(), kind(entry).into());
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::{NameStyle, Selection};

    fn inventory() -> Inventory {
        Inventory::new(NameStyle::Ds24, Selection::default())
    }

    #[test]
    fn search_finds_functions_by_their_words() {
        let inv = inventory();
        let found = search(&inv, &Scope::default(), "discount voucher", 5);
        let names: Vec<&str> = found["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"createVoucher"), "{names:?}");
        let copy = search(&inv, &Scope::default(), "copy product", 3);
        assert_eq!(copy["tools"][0]["name"], "copyProduct");
    }

    /// Second journey review: German words found nothing, "Partner Provision" found a refund
    /// ("part" as a prefix of "partner"), and "how much did I earn this month" ranked
    /// ipnDelete first. The right function is now among the first three.
    #[test]
    fn search_understands_german_and_plain_tasks() {
        let all = Selection::new(Some("all"), &[], &[], false).unwrap();
        let inv = Inventory::new(NameStyle::Ds24, all);
        let top = |query: &str| -> Vec<String> {
            search(&inv, &Scope::default(), query, 3)["tools"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["name"].as_str().unwrap().to_owned())
                .collect()
        };
        for (query, wanted) in [
            ("Rechnung erneut senden", "resendInvoiceMail"),
            ("Lieferung stornieren", "updateDelivery"),
            ("Gutschein erstellen", "createVoucher"),
            ("Erstattung", "refundPurchase"),
            ("Betrug melden", "reportFraud"),
            ("Partner Provision", "getAffiliateCommission"),
            ("resend invoice", "resendInvoiceMail"),
            ("how much did I earn this month", "statsSalesSummary"),
            ("mark order as shipped", "updateDelivery"),
        ] {
            let found = top(query);
            assert!(found.iter().any(|n| n == wanted), "{query}: {found:?}");
        }
        assert!(
            !top("Partner Provision")
                .iter()
                .any(|n| n == "refundPartially")
        );
        assert_eq!(top("list products")[0], "listProducts");
    }

    #[test]
    fn narrowing_applies_to_search_and_describe() {
        let inv = inventory();
        let read_only = Scope {
            read_only: true,
            toolsets: None,
            ..Scope::default()
        };
        let found = search(&inv, &read_only, "create voucher", 25);
        assert!(
            found["tools"]
                .as_array()
                .unwrap()
                .iter()
                .all(|t| t["kind"] == "read"),
            "{found}"
        );
        assert!(describe(&inv, &read_only, "createVoucher").is_none());
        assert!(describe(&inv, &Scope::default(), "createVoucher").is_some());
        // By the hosted server's name too, as calls take it.
        let official = ds24_catalog::get("createVoucher").unwrap().official_name();
        assert!(describe(&inv, &Scope::default(), &official).is_some());
        assert!(describe(&inv, &read_only, &official).is_none());
        // Not enabled on this server (refunds is opt-in).
        assert!(describe(&inv, &Scope::default(), "refundPurchase").is_none());
    }

    #[test]
    fn arguments_are_checked() {
        let args = |v: Value| v.as_object().unwrap().clone();
        assert_eq!(
            parse(SEARCH, args(json!({"query": "vouchers"}))),
            Ok(Request::Search {
                query: "vouchers".into(),
                limit: 8
            })
        );
        let bad = parse(
            SEARCH,
            args(json!({"query": "x".repeat(201), "limit": "abc", "q": 1})),
        )
        .unwrap_err();
        assert_eq!(bad.len(), 3, "{bad:?}");
        assert!(parse(DESCRIBE, args(json!({}))).is_err());
        assert!(parse(CALL, args(json!({"name": "ping", "arguments": [1]}))).is_err());
        assert_eq!(
            parse(CALL, args(json!({"name": "ping"}))),
            Ok(Request::Call {
                name: "ping".into(),
                arguments: Map::new()
            })
        );
    }

    #[test]
    fn the_compact_tools_are_small() {
        let tools = tools(&inventory(), &Scope::default());
        let bytes = serde_json::to_string(&json!({ "tools": tools }))
            .unwrap()
            .len();
        assert!(bytes <= 5 * 1024, "{bytes}");
    }
}

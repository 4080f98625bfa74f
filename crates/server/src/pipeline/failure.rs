//! Every way a tool call can fail, each with its kind, its message and a hint the model can act
//! on. The MCP layer turns a failure into a result in exactly one place.

use std::time::Duration;

use ds24_catalog::{Access, Function};
use ds24_client::{CallError, ErrorCode};
use serde_json::{Value, json};

use crate::tools::Problems;

/// A tool call that did not produce Digistore24 data.
#[derive(Debug)]
pub enum ToolFailure {
    /// No tool has that name (a protocol error: the client should list tools).
    UnknownTool {
        /// The name asked for.
        name: String,
    },
    /// Compact mode's `describeTool` was asked for a function this connection does not offer.
    UnknownFunction {
        /// The name asked for.
        name: String,
    },
    /// The server's configuration does not offer the tool.
    NotEnabled {
        /// The tool's listed name.
        tool: String,
        /// Its function.
        function: &'static Function,
    },
    /// The request's `X-DS24-Toolsets` header leaves the tool's toolset out.
    NarrowedOut {
        /// The tool's listed name.
        tool: String,
        /// Its function.
        function: &'static Function,
    },
    /// The tool (or the argument given) writes, and the connection is read-only.
    ReadOnly {
        /// The tool's listed name.
        tool: String,
        /// Whether the whole server runs read-only (rather than this request's path or header).
        server_wide: bool,
        /// Whether the request's OAuth grant is read-only.
        by_grant: bool,
    },
    /// The request carried no Digistore24 key.
    NoKey,
    /// Too many calls with this key or from this address; nothing was sent.
    RateLimited {
        /// How long to wait before the next call can pass.
        retry_after: Duration,
        /// Which limit.
        by: LimitedBy,
    },
    /// Digistore24 rejected this key as invalid moments ago; nothing was sent.
    KeyRejected {
        /// How long until the key is tried again.
        retry_after: Duration,
    },
    /// Every upstream slot stayed busy; nothing was sent.
    Busy,
    /// The arguments do not fit the tool's schema; nothing was sent.
    InvalidArguments {
        /// The tool's listed name.
        tool: String,
        /// What is wrong: the first problems in full, the rest counted.
        problems: Problems,
    },
    /// A report's filter or grouping names a field the rows it read do not have: invalid
    /// arguments, found only after Digistore24 was asked for the rows.
    ReportArguments {
        /// The tool's listed name.
        tool: String,
        /// What is wrong.
        problem: String,
    },
    /// The user declined the confirmation of a destructive call; nothing was sent.
    Declined {
        /// The tool's listed name.
        tool: String,
    },
    /// The confirmation state sent back is not ours or belongs to another call (a protocol error).
    BadConfirmation {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The call changes data, the server must audit every change (`--audit-required`), and
    /// the audit line could not be written; nothing was sent.
    /// The reason is in the server's log, not here: clients need not learn server paths.
    AuditUnavailable {
        /// The tool's listed name.
        tool: String,
    },
    /// Digistore24 answered with success, but its answer says the call was not carried out (a
    /// refund refused, a charge declined): see [`ds24_catalog::NotDoneWhen`].
    NotDone(Box<NotDone>),
    /// Digistore24 refused the call, or could not be reached or understood.
    Upstream {
        /// The tool's listed name.
        tool: String,
        /// Its function.
        function: &'static Function,
        /// Whether this call could have changed the account.
        writes: bool,
        /// What went wrong.
        error: CallError,
    },
}

/// A call Digistore24 answered with success but did not carry out.
#[derive(Debug)]
pub struct NotDone {
    /// The tool's listed name.
    pub tool: String,
    /// Its function.
    pub function: &'static Function,
    /// The status Digistore24 gave (`refused`).
    pub status: String,
    /// Digistore24's explanation, cut to [`MAX_NOT_DONE_TEXT`].
    pub note: String,
    /// The answer's data, when its JSON is at most [`MAX_NOT_DONE_TEXT`] bytes (it may hold what
    /// to do next, such as a link for the buyer to update a payment method).
    pub data: Option<Value>,
}

/// Which rate limit stopped a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitedBy {
    /// The per-key limit.
    Key,
    /// The per-client-address limit.
    Address,
}

impl ToolFailure {
    /// A stable short name for logs, audit lines, metrics and `structuredContent`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::UnknownTool { .. } => "unknown_tool",
            Self::UnknownFunction { .. } => "unknown_function",
            Self::NotEnabled { .. } => "not_enabled",
            Self::NarrowedOut { .. } => "narrowed_out",
            Self::ReadOnly { .. } => "read_only",
            Self::NoKey => "no_key",
            Self::RateLimited { .. } => "rate_limited",
            Self::KeyRejected { .. } => "invalid_key",
            Self::Busy => "busy",
            Self::InvalidArguments { .. } | Self::ReportArguments { .. } => "invalid_arguments",
            Self::Declined { .. } => "declined",
            Self::BadConfirmation { .. } => "bad_confirmation",
            Self::AuditUnavailable { .. } => "audit_unavailable",
            Self::NotDone(_) => "not_done",
            Self::Upstream { error, .. } => upstream_kind(error),
        }
    }

    /// Digistore24's numeric error code, when it answered with one.
    pub fn code(&self) -> Option<i64> {
        match self {
            Self::Upstream {
                error: CallError::Api { code, .. },
                ..
            } => *code,
            _ => None,
        }
    }

    /// Whether the failure is a protocol fault (a JSON-RPC error), not something for the model.
    pub fn is_protocol_error(&self) -> bool {
        matches!(
            self,
            Self::UnknownTool { .. } | Self::BadConfirmation { .. }
        )
    }

    /// The text the model reads: what happened and what to do about it.
    pub fn message(&self) -> String {
        match self {
            Self::UnknownTool { name } => {
                let mut shown: String = name.chars().take(64).collect();
                if name.chars().nth(64).is_some() {
                    shown.push('…');
                }
                format!("Unknown tool: {shown}. Call tools/list for the available tools.")
            }
            Self::UnknownFunction { name } => format!(
                "No function `{name}` is available on this connection. Find one with searchTools."
            ),
            Self::NotEnabled { tool, function } => format!(
                "{tool} is not enabled on this server (toolset `{id}`). Start the server with `--toolsets {id}` (or `--toolsets all`) or `--tools {name}` to offer it.",
                id = function.toolset.id,
                name = function.name
            ),
            Self::NarrowedOut { tool, function } => format!(
                "{tool} belongs to toolset `{}`, which this connection's X-DS24-Toolsets header leaves out. Add it to the header to use it.",
                function.toolset.id
            ),
            Self::ReadOnly { tool, by_grant: true, .. } => format!(
                "{tool} changes data, and this connection was granted read-only access when it was connected. To write, connect the app again and choose full access on the consent page."
            ),
            Self::ReadOnly { tool, server_wide, .. } => format!(
                "{tool} changes data, and this connection is read-only ({}). Use your write connection: one configured with a full-access key on the server's /mcp endpoint, without X-DS24-Read-Only, on a server not started with --read-only.",
                if *server_wide {
                    "the server runs with --read-only"
                } else {
                    "the /readonly endpoint or the X-DS24-Read-Only header"
                }
            ),
            Self::NoKey => "No Digistore24 API key: send `Authorization: Bearer <key>` (HTTP) or set DS24_API_KEY (stdio).".into(),
            Self::RateLimited { retry_after, by } => format!(
                "Too many calls {}: slow down and retry in {:.1} s. Nothing was sent to Digistore24.",
                match by {
                    LimitedBy::Key => "with this API key",
                    LimitedBy::Address => "from this client address",
                },
                seconds_up(*retry_after)
            ),
            Self::KeyRejected { retry_after } => format!(
                "Digistore24 rejected this API key as invalid moments ago, so it is not sent again for {:.0} s. Nothing was sent to Digistore24. Check the API key: it must be an active Digistore24 API key (Digistore24: Settings > Account access > API keys), sent as `Authorization: Bearer <key>`.",
                retry_after.as_secs_f64().ceil()
            ),
            Self::Busy => "The server has too many Digistore24 calls in progress. Nothing was sent to Digistore24; try again in a few seconds.".into(),
            Self::InvalidArguments { tool, problems } => format!(
                "Invalid arguments for {tool}: {}. Nothing was sent to Digistore24; correct the arguments and call again.",
                problems.summary().trim_end_matches('.')
            ),
            Self::ReportArguments { tool, problem } => format!(
                "Invalid arguments for {tool}: {}. Correct the arguments and call again.",
                problem.trim_end_matches('.')
            ),
            Self::Declined { tool } => {
                format!("{tool} was not called: the user declined. Nothing changed.")
            }
            Self::BadConfirmation { reason } => format!("requestState {reason}"),
            Self::AuditUnavailable { tool } => format!(
                "{tool} was not called: this server records every change in an audit log (--audit-required) and cannot write that log right now. Nothing was sent to Digistore24. Tell the server's operator; reads still work."
            ),
            Self::Upstream {
                tool,
                function,
                writes,
                error,
            } => format!(
                "{tool} failed: {error}. {}",
                upstream_hint(function, *writes, error)
            ),
            Self::NotDone(not_done) => {
                let NotDone {
                    tool,
                    function,
                    status,
                    note,
                    data,
                } = &**not_done;
                let field = function.not_done_when.map_or("status", |w| w.field);
                let mut text = format!("{tool}: Digistore24 reports {field} `{status}`");
                if !note.is_empty() {
                    text.push_str(": ");
                    text.push_str(note.trim_end_matches('.'));
                }
                text.push_str(". What was asked was not done, or not all of it.");
                if let Some(data) = data {
                    text.push_str(&format!(" Its answer: {data}."));
                }
                text.push_str(
                    " Nothing was retried. Check the current state with a get or list tool before calling again.",
                );
                text
            }
        }
    }

    /// Machine-readable details for `structuredContent`, where there are any beyond the text.
    pub fn details(&self) -> Option<Value> {
        match self {
            Self::RateLimited { retry_after, .. } | Self::KeyRejected { retry_after } => {
                Some(json!({"error": {
                    "kind": self.kind(),
                    "retry_after_ms": u64::try_from(retry_after.as_millis()).unwrap_or(u64::MAX),
                }}))
            }
            // The problems themselves are in the text only: an answer carries them once.
            Self::InvalidArguments { problems, .. } => Some(json!({"error": {
                "kind": self.kind(),
                "problem_count": problems.listed().len() + problems.more(),
            }})),
            Self::ReportArguments { .. } => Some(json!({"error": {
                "kind": self.kind(),
                "problem_count": 1,
            }})),
            Self::NotDone(not_done) => Some(json!({"error": {
                "kind": self.kind(),
                "function": not_done.function.name,
                "status": not_done.status,
                "note": not_done.note,
                "data": not_done.data,
            }})),
            Self::Upstream {
                function,
                writes,
                error,
                ..
            } => {
                let mut details = json!({
                    "kind": self.kind(),
                    "function": function.name,
                    "message": error.to_string(),
                    "hint": upstream_hint(function, *writes, error),
                });
                if let CallError::Api {
                    code,
                    status,
                    message,
                    ..
                } = error
                {
                    details["code"] = json!(code);
                    details["http_status"] = json!(status);
                    details["message"] = json!(message);
                }
                Some(json!({ "error": details }))
            }
            _ => None,
        }
    }
}

/// Longest note, and largest answer (as JSON), a [`ToolFailure::NotDone`] passes on. Such
/// answers are a few hundred bytes; an odd large one is summarised by its status and note.
pub const MAX_NOT_DONE_TEXT: usize = 2_000;

/// The failure an answer is, when its function declares values that mean nothing was done and
/// the answer holds one of them.
pub(crate) fn not_done(
    tool: &str,
    function: &'static Function,
    answer: &ds24_client::Answer,
) -> Option<ToolFailure> {
    let when = function.not_done_when?;
    let data = answer.data();
    let status = data.get(when.field)?.as_str()?;
    if !when.values.contains(&status) {
        return None;
    }
    let note = data
        .get(when.note)
        .and_then(|n| n.as_str())
        .unwrap_or_default();
    let note = match note.char_indices().nth(MAX_NOT_DONE_TEXT) {
        Some((at, _)) => format!("{}…", &note[..at]),
        None => note.to_owned(),
    };
    Some(ToolFailure::NotDone(Box::new(NotDone {
        tool: tool.to_owned(),
        function,
        status: status.chars().take(64).collect(),
        note,
        data: Some(small_answer(data)),
    })))
}

/// The answer's data within [`MAX_NOT_DONE_TEXT`] bytes: whole when it fits, else its short
/// top-level values (the IDs and links that say what to do next, such as a created order's
/// `created_purchase_id` or a `payment_data_update_url`), as many as fit.
fn small_answer(data: ds24_client::Json<'_>) -> Value {
    if data.json_len() <= MAX_NOT_DONE_TEXT {
        return data.to_value();
    }
    let mut kept = serde_json::Map::new();
    let mut used = 2;
    for (name, value) in data.entries().into_iter().flatten() {
        let short = match value.kind() {
            ds24_client::Kind::String(s) => s.chars().count() <= 256,
            ds24_client::Kind::Number(_) | ds24_client::Kind::Bool(_) => true,
            _ => false,
        };
        let cost = name.len() + value.json_len() + 4;
        if short && used + cost <= MAX_NOT_DONE_TEXT {
            used += cost;
            kept.insert(name.to_owned(), value.to_value());
        }
    }
    Value::Object(kept)
}

/// Seconds rounded up to a tenth, for "retry in" texts.
fn seconds_up(d: Duration) -> f64 {
    (d.as_secs_f64() * 10.0).ceil() / 10.0
}

/// The outcome kind of a Digistore24 failure, as audit lines and metrics name it.
pub(crate) fn upstream_kind(err: &CallError) -> &'static str {
    match err {
        CallError::Api { kind, status, .. } => match kind {
            Some(ErrorCode::BadApiKey) => "invalid_key",
            Some(ErrorCode::PermissionDenied) => "permission_denied",
            Some(ErrorCode::NotFound) => "not_found",
            Some(ErrorCode::BadParameters) => "bad_parameters",
            Some(ErrorCode::UnknownFunction) => "unknown_function",
            Some(ErrorCode::Other(_)) | None if *status >= 500 => "server_error",
            Some(ErrorCode::Other(_)) | None => "api_error",
        },
        CallError::Timeout(_) => "timeout",
        CallError::Connect => "unreachable",
        CallError::UnsendableKey => "invalid_key",
        CallError::Redirect { .. } => "redirect",
        CallError::TooLarge { .. } => "too_large",
        CallError::Crowded => "crowded",
        CallError::Transport | CallError::BadResponse { .. } => "bad_response",
    }
}

/// What the model should do about an upstream failure. A write that may have reached
/// Digistore24 is never "try again": it is "check first".
fn upstream_hint(f: &Function, writes: bool, err: &CallError) -> String {
    match err {
        CallError::Api { kind, status, .. } => match kind {
            Some(ErrorCode::BadApiKey) => "Check the API key: it must be an active Digistore24 API key (Digistore24: Settings > Account access > API keys), sent as `Authorization: Bearer <key>`.".to_owned(),
            Some(ErrorCode::PermissionDenied) if f.access == Access::Full || writes => format!(
                "{} needs a full-access API key; the key in use is read-only (or lacks an account right this function needs). Use a connection configured with a full-access key.",
                f.name
            ),
            Some(ErrorCode::PermissionDenied) => "The key may not call this function: check its permission and the account rights in Digistore24.".to_owned(),
            Some(ErrorCode::NotFound) => "Nothing with that ID exists in this account. Check the ID; the list tools show valid ones.".to_owned(),
            Some(ErrorCode::BadParameters) => "Digistore24 rejected an argument: correct it as the message says and call again.".to_owned(),
            Some(ErrorCode::UnknownFunction) => "This Digistore24 endpoint does not offer the function; the account or API version may not support it.".to_owned(),
            Some(ErrorCode::Other(_)) | None if *status >= 500 && writes => "Digistore24 had an internal problem. It is unknown whether the change happened; check with a list or get tool before calling again.".to_owned(),
            Some(ErrorCode::Other(_)) | None if *status >= 500 => "Digistore24 had an internal problem; try again later.".to_owned(),
            Some(ErrorCode::Other(_)) | None => "See Digistore24's message above.".to_owned(),
        },
        CallError::Timeout(_) if writes => "The call was sent but not confirmed, and it is not retried automatically. Check with a list or get tool whether it took effect before calling again.".to_owned(),
        CallError::Timeout(_) => "Try again later; if it keeps timing out, narrow the request (smaller page_size or time window).".to_owned(),
        CallError::Connect => "It is safe to call again; if it keeps failing, the server cannot reach Digistore24 (its network or its --api-url setting).".to_owned(),
        CallError::UnsendableKey => "Check the API key: a Digistore24 API key is plain text (letters, digits and dashes).".to_owned(),
        CallError::Redirect { .. } if writes => "It is unknown whether the change happened; check with a list or get tool before calling again. The server's --api-url may not point at the Digistore24 API itself.".to_owned(),
        CallError::Redirect { .. } => "The server's --api-url may not point at the Digistore24 API itself; this needs the operator.".to_owned(),
        CallError::TooLarge { .. } if writes => "The change may have happened: check with a list or get tool before calling again.".to_owned(),
        CallError::TooLarge { .. } => "Narrow the request with filters or paging (a smaller page_size, a shorter time window, a search) and call again.".to_owned(),
        CallError::Crowded if writes => "The change may have happened (only its large answer was not read): check with a list or get tool before calling again.".to_owned(),
        CallError::Crowded if f.kind == ds24_catalog::Kind::Report => "Call again in a few seconds; a shorter time window or narrower filters read fewer pages.".to_owned(),
        CallError::Crowded => "Call again in a few seconds; a smaller page_size or a shorter time window needs less room.".to_owned(),
        CallError::Transport | CallError::BadResponse { .. } if writes => "It is unknown whether the change happened; check with a list or get tool before calling again.".to_owned(),
        CallError::Transport | CallError::BadResponse { .. } => "Try again later.".to_owned(),
    }
}

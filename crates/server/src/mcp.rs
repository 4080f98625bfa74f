//! How we talk to agents: the MCP `ServerHandler`.
//!
//! A call flows one way: find the tool, take the key, validate the arguments, confirm if it
//! is destructive and the client can confirm, encode, call Digistore24, shape the answer.
//! Everything a model should read (bad arguments, Digistore24 errors, timeouts) comes back as
//! an `isError` tool result with a hint; JSON-RPC errors are kept for protocol faults.

use std::sync::Arc;
use std::time::Instant;

use ds24_catalog::{Access, Effect};
use ds24_client::{ApiKey, CallError, Client, ErrorCode, Retry, encode_form};
use rmcp::model::{
    CacheScope, CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock,
    ElicitRequest, ElicitRequestParams, ElicitResult, ElicitationAction, Implementation,
    InputRequest, InputRequests, InputRequiredResult, ListToolsResult, PaginatedRequestParams,
    ProtocolVersion, RequestStateCodec, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::tools::{Inventory, Scope, ToolEntry};

/// What the HTTP front door learned about a request, handed to the handler through the
/// request's extensions.
#[derive(Debug, Clone)]
pub struct RequestAuth {
    /// The caller's Digistore24 key.
    pub key: ApiKey,
    /// Per-request narrowing.
    pub scope: Scope,
}

/// State shared by every request. Built once; the per-request service is a cheap `Arc` clone.
pub struct Shared {
    /// The tools.
    pub inventory: Inventory,
    /// The Digistore24 client (one connection pool).
    pub client: Client,
    /// Seals the state of a pending confirmation so a client cannot forge one.
    pub codec: RequestStateCodec,
    /// Salt for key fingerprints in logs.
    pub salt: Vec<u8>,
    /// The key for stdio, where there are no request headers.
    pub env_key: Option<ApiKey>,
    /// Per-key limit on tool calls, if any.
    pub limiter: Option<crate::limit::RateLimiter>,
    /// Results larger than this keep only their leading rows.
    pub max_result_bytes: usize,
}

/// The MCP service.
#[derive(Clone)]
pub struct Ds24Service(pub Arc<Shared>);

const INSTRUCTIONS: &str = "Tools for a Digistore24 vendor account; each tool is one Digistore24 API function. \
Read tools work with a read-only key; tools that change data need a full-access key. \
List tools take page_no/page_size and answer with page_count and item_count; time windows default to the last 24 hours. \
Amounts are decimal strings such as \"89.99\", flags are \"Y\"/\"N\". Tools marked destructive move money or delete: confirm with the user first.";

impl Ds24Service {
    fn auth(&self, ctx: &RequestContext<RoleServer>) -> (Option<ApiKey>, Scope) {
        match ctx.extensions.get::<http::request::Parts>() {
            Some(parts) => match parts.extensions.get::<RequestAuth>() {
                Some(auth) => (Some(auth.key.clone()), auth.scope.clone()),
                None => (None, Scope::default()),
            },
            None => (self.0.env_key.clone(), Scope::default()),
        }
    }

    fn fingerprint(&self, key: &ApiKey) -> String {
        key.fingerprint(&self.0.salt)
    }
}

impl ServerHandler for Ds24Service {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(
                Implementation::new("ds24-mcp", env!("CARGO_PKG_VERSION"))
                    .with_title("Digistore24"),
            )
            .with_instructions(INSTRUCTIONS)
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        let entry = self.0.inventory.get(name)?;
        entry.view(false).cloned()
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let (_, scope) = self.auth(&ctx);
        let tools: Vec<Tool> = self
            .0
            .inventory
            .visible(&scope)
            .map(|(_, t)| t.clone())
            .collect();
        let mut result = ListToolsResult::with_all_items(tools);
        if ctx
            .protocol_version()
            .is_some_and(|v| v >= ProtocolVersion::V_2026_07_28)
        {
            // The catalog only changes with a new release; lists narrowed by request headers
            // must not be served to other users from a shared cache.
            let cache = if scope.narrows() {
                CacheScope::Private
            } else {
                CacheScope::Public
            };
            result = result.with_ttl_ms(3_600_000).with_cache_scope(cache);
        }
        Ok(result)
    }

    #[tracing::instrument(name = "tools/call", skip_all, fields(tool = %request.name))]
    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        ctx: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let inventory = &self.0.inventory;
        let Some(entry) = inventory.get(&request.name) else {
            return Err(ErrorData::invalid_params(
                format!(
                    "Unknown tool: {}. Call tools/list for the available tools.",
                    request.name
                ),
                None,
            ));
        };
        let (key, scope) = self.auth(&ctx);
        let read_only = inventory.read_only(&scope);
        if let Some(refusal) = refusal(inventory, entry, &scope, read_only) {
            return Ok(tool_error(refusal, None).into());
        }
        let Some(key) = key else {
            return Ok(tool_error(
                "No Digistore24 API key: send `Authorization: Bearer <key>` (HTTP) or set DS24_API_KEY (stdio).".into(),
                None,
            )
            .into());
        };
        // Logs and the rate limit know a key only by its salted fingerprint.
        let fp = self.fingerprint(&key);
        if let Some(wait) = self.0.limiter.as_ref().and_then(|l| l.check(&fp).err()) {
            tracing::info!(key = %fp, outcome = "rate_limited", "tool call rejected");
            return Ok(tool_error(
                format!(
                    "Too many calls with this API key: slow down and retry in {:.1} s. Nothing was sent to Digistore24.",
                    (wait.as_secs_f64() * 10.0).ceil() / 10.0
                ),
                Some(json!({"error": {"kind": "rate_limited", "retry_after_ms": wait.as_millis() as u64}})),
            )
            .into());
        }
        let args = request.arguments.clone().unwrap_or_default();
        let args = match entry.validate(read_only, &args) {
            Ok(args) => args,
            Err(problems) => {
                tracing::info!(key = %fp, outcome = "invalid_arguments", "tool call rejected");
                return Ok(tool_error(
                    format!(
                        "Invalid arguments for {}: {}. Nothing was sent to Digistore24; correct the arguments and call again.",
                        entry.name,
                        problems.join("; ")
                    ),
                    Some(json!({"error": {"kind": "invalid_arguments", "problems": problems}})),
                )
                .into());
            }
        };
        if entry.function.effect == Effect::Destructive {
            match self.confirm(entry, &args, &fp, &request, &ctx)? {
                Confirmation::NotAvailable | Confirmation::Confirmed => {}
                Confirmation::Ask(input) => return Ok(input.into()),
                Confirmation::Declined => {
                    return Ok(tool_error(
                        format!(
                            "{} was not called: the user declined. Nothing changed.",
                            entry.name
                        ),
                        None,
                    )
                    .into());
                }
            }
        }
        let retry = if entry.function.writes() {
            Retry::Never
        } else {
            Retry::OnConnectFailure
        };
        let started = Instant::now();
        tracing::debug!(function = entry.function.name, "calling Digistore24");
        let outcome = self
            .0
            .client
            .call(entry.function.name, &key, &encode_form(&args), retry)
            .await;
        let ms = started.elapsed().as_millis() as u64;
        Ok(match outcome {
            Ok(data) => {
                tracing::info!(key = %fp, ms, outcome = "ok", "tool call");
                CallToolResult::structured(crate::shape::shape(data, self.0.max_result_bytes))
                    .into()
            }
            Err(err) => {
                tracing::info!(key = %fp, ms, outcome = "error", error = %err, "tool call");
                upstream_error(entry, &err).into()
            }
        })
    }
}

/// Why a known tool may not be called on this connection, if it may not.
fn refusal(
    inventory: &Inventory,
    entry: &ToolEntry,
    scope: &Scope,
    read_only: bool,
) -> Option<String> {
    let f = entry.function;
    if !inventory.enabled(entry) {
        return Some(format!(
            "{} is not enabled on this server (toolset `{}`). Start the server with `--toolsets {}` (or `--toolsets all`) or `--tools {}` to offer it.",
            entry.name,
            f.category.name(),
            f.category.name(),
            f.name
        ));
    }
    if !scope.allows_category(f.category) {
        return Some(format!(
            "{} belongs to toolset `{}`, which this connection's X-DS24-Toolsets header leaves out. Add it to the header to use it.",
            entry.name,
            f.category.name()
        ));
    }
    if read_only && entry.view(true).is_none() {
        return Some(format!(
            "{} changes data, and this connection is read-only ({}). Use your write connection: one configured with a full-access key on the server's /mcp endpoint, without X-DS24-Read-Only, on a server not started with --read-only.",
            entry.name,
            if inventory.read_only(&Scope::default()) {
                "the server runs with --read-only"
            } else {
                "the /readonly endpoint or the X-DS24-Read-Only header"
            }
        ));
    }
    None
}

enum Confirmation {
    NotAvailable,
    Ask(InputRequiredResult),
    Confirmed,
    Declined,
}

/// What a pending confirmation is bound to, so the answer cannot be replayed for another call.
#[derive(serde::Serialize, Deserialize, PartialEq)]
struct PendingCall {
    tool: String,
    args: String,
    key: String,
}

impl Ds24Service {
    /// Destructive calls are confirmed by the user where the client can ask (2026-07-28
    /// clients that declare elicitation: a multi round-trip request with sealed state).
    /// Older clients rely on their own approval prompt, driven by `destructiveHint`.
    fn confirm(
        &self,
        entry: &ToolEntry,
        args: &Map<String, Value>,
        key_fingerprint: &str,
        request: &CallToolRequestParams,
        ctx: &RequestContext<RoleServer>,
    ) -> Result<Confirmation, ErrorData> {
        let modern = ctx
            .protocol_version()
            .is_some_and(|v| v >= ProtocolVersion::V_2026_07_28);
        let can_elicit = ctx
            .client_capabilities()
            .is_some_and(|c| c.elicitation.is_some());
        let pending = PendingCall {
            tool: entry.function.name.to_owned(),
            args: Value::Object(args.clone()).to_string(),
            key: key_fingerprint.to_owned(),
        };
        match &request.request_state {
            Some(sealed) => {
                let state: PendingCall = self.0.codec.open_json(sealed).map_err(|_| {
                    ErrorData::invalid_params("requestState is invalid or was tampered with", None)
                })?;
                if state != pending {
                    return Err(ErrorData::invalid_params(
                        "requestState belongs to a different call",
                        None,
                    ));
                }
                let accepted = request
                    .input_responses
                    .as_ref()
                    .and_then(|r| r.get("confirm"))
                    .and_then(|v| ElicitResult::deserialize(v).ok())
                    .is_some_and(|r| {
                        matches!(r.action, ElicitationAction::Accept)
                            && r.content
                                .as_ref()
                                .is_some_and(|c| c.get("confirm") == Some(&Value::Bool(true)))
                    });
                Ok(if accepted {
                    Confirmation::Confirmed
                } else {
                    Confirmation::Declined
                })
            }
            None if modern && can_elicit => {
                let sealed = self.0.codec.seal_json(&pending).map_err(|e| {
                    ErrorData::internal_error(format!("cannot seal confirmation state: {e}"), None)
                })?;
                let schema = serde_json::from_value(json!({
                    "type": "object",
                    "properties": {"confirm": {"type": "boolean", "title": "Confirm", "description": "Yes, do it"}},
                    "required": ["confirm"]
                }))
                .map_err(|e| ErrorData::internal_error(format!("confirmation schema: {e}"), None))?;
                let mut inputs = InputRequests::new();
                inputs.insert(
                    "confirm".into(),
                    InputRequest::Elicitation(ElicitRequest::new(
                        ElicitRequestParams::FormElicitationParams {
                            meta: None,
                            message: format!(
                                "{} cannot be undone ({}). Call it with {}?",
                                entry.function.title, entry.function.summary, pending.args
                            ),
                            requested_schema: schema,
                        },
                    )),
                );
                Ok(Confirmation::Ask(InputRequiredResult::new(
                    Some(inputs),
                    Some(sealed),
                )))
            }
            None => Ok(Confirmation::NotAvailable),
        }
    }
}

fn tool_error(text: String, structured: Option<Value>) -> CallToolResult {
    let mut result = CallToolResult::error(vec![ContentBlock::text(text)]);
    result.structured_content = structured;
    result
}

/// Turns an upstream failure into something the model can act on.
fn upstream_error(entry: &ToolEntry, err: &CallError) -> CallToolResult {
    let f = entry.function;
    let (kind, hint) = match err {
        CallError::Api { kind, status, .. } => match kind {
            Some(ErrorCode::BadApiKey) => (
                "invalid_key",
                "Check the API key: it must be an active Digistore24 API key (Digistore24: Settings > Account access > API keys), sent as `Authorization: Bearer <key>`.".to_owned(),
            ),
            Some(ErrorCode::PermissionDenied) if f.access == Access::Full => (
                "permission_denied",
                format!("{} needs a full-access API key; the key in use is read-only (or lacks an account right this function needs). Use a connection configured with a full-access key.", entry.name),
            ),
            Some(ErrorCode::PermissionDenied) => (
                "permission_denied",
                "The key may not call this function: check its permission and the account rights in Digistore24.".to_owned(),
            ),
            Some(ErrorCode::NotFound) => (
                "not_found",
                "Nothing with that ID exists in this account. Check the ID; the list tools show valid ones.".to_owned(),
            ),
            Some(ErrorCode::BadParameters) => (
                "bad_parameters",
                "Digistore24 rejected an argument: correct it as the message says and call again.".to_owned(),
            ),
            Some(ErrorCode::UnknownFunction) => (
                "unknown_function",
                "This Digistore24 endpoint does not offer the function; the account or API version may not support it.".to_owned(),
            ),
            Some(ErrorCode::Other(_)) | None if *status >= 500 && f.writes() => (
                "server_error",
                "Digistore24 had an internal problem. It is unknown whether the change happened; check with a list or get tool before calling again.".to_owned(),
            ),
            Some(ErrorCode::Other(_)) | None if *status >= 500 => {
                ("server_error", "Digistore24 had an internal problem; try again later.".to_owned())
            }
            Some(ErrorCode::Other(_)) | None => ("api_error", "See Digistore24's message above.".to_owned()),
        },
        CallError::Timeout(_) if f.writes() => (
            "timeout",
            "The call was sent but not confirmed, and it is not retried automatically. Check with a list or get tool whether it took effect before calling again.".to_owned(),
        ),
        CallError::Timeout(_) => ("timeout", "Try again later; if it keeps timing out, narrow the request (smaller page_size or time window).".to_owned()),
        CallError::Connect(_) => ("unreachable", "Check the server's network access and its --api-url setting.".to_owned()),
        CallError::Transport(_) | CallError::BadResponse { .. } if f.writes() => (
            "bad_response",
            "It is unknown whether the change happened; check with a list or get tool before calling again.".to_owned(),
        ),
        CallError::Transport(_) | CallError::BadResponse { .. } => ("bad_response", "Try again later.".to_owned()),
    };
    let mut details =
        json!({"kind": kind, "function": f.name, "message": err.to_string(), "hint": hint});
    if let CallError::Api {
        code,
        status,
        message,
        ..
    } = err
    {
        details["code"] = json!(code);
        details["http_status"] = json!(status);
        details["message"] = json!(message);
    }
    tool_error(
        format!("{} failed: {err}. {hint}", entry.name),
        Some(json!({ "error": details })),
    )
}

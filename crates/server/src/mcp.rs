//! How we talk to agents: the MCP `ServerHandler`.
//!
//! Thin on purpose: it reads the request context its front door supplied, hands tool calls to
//! the [`Pipeline`], and turns the outcome into MCP results in one place. Everything a model
//! should read (bad arguments, Digistore24 errors, timeouts) comes back as an `isError` tool
//! result with a hint; JSON-RPC errors are kept for protocol faults.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use rmcp::model::{
    CacheScope, CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock,
    CustomRequest, CustomResult, ElicitRequest, ElicitRequestParams, ElicitResult,
    ElicitationAction, GetPromptRequestParams, GetPromptResponse, GetPromptResult, Implementation,
    InputRequest, InputRequests, InputRequiredResult, ListPromptsResult,
    ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, PaginatedRequestParams,
    ProgressNotificationParam, ProgressToken, Prompt, PromptArgument, PromptMessage,
    ProtocolVersion, ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, Resource,
    ResourceContents, Role, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::{Peer, RequestContext as RmcpContext};
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;

use crate::context::{ClientInfo, RequestContext};
use crate::guides;
use crate::limit::start_of;
use crate::pipeline::{
    CallOutcome, Confirmation, NoProgress, Pipeline, Progress, Question, Reach, ToolFailure,
};
use crate::tools::{Mode, Scope, compact};

/// Where a service's requests come from, and so where their context is.
#[derive(Debug, Clone)]
pub enum Door {
    /// Per request: the HTTP front door puts a [`RequestContext`] into each request's
    /// extensions. A request without one is refused, never served under some other key.
    PerRequest,
    /// Fixed for the whole connection (stdio: one process, one client, one key).
    Fixed(Arc<RequestContext>),
}

/// The MCP service: the shared pipeline plus the door it serves.
#[derive(Clone)]
pub struct Ds24Service {
    /// The call pipeline shared by every request.
    pub pipeline: Arc<Pipeline>,
    door: Door,
}

/// What every tool shares, said once here instead of in each tool's description.
const INSTRUCTIONS: &str = "Tools for a Digistore24 vendor account: one per Digistore24 API function, \
plus reports (summarizePurchases, summarizeTransactions) that count and sum in one call instead of paging \
(the account's sales as vendor unless where.role names affiliate or other). \
In summarizePurchases, amount is each order's price and earned_amount your earnings from it over all its payments so far; \
for money received in a period (payments less refunds) use summarizeTransactions. \
Read-only tools work with a read-only API key; the others need a full-access key. \
Lists take page_no/page_size and answer with page_count and item_count; time windows default to the last 24 hours. \
Times: 'YYYY-MM-DD HH:MM:SS', 'YYYY-MM-DD', ISO 8601, 'now', 'today', 'start' (account creation), or relative to now: \
'-24h', '-7d', '-30m' in the past, '7d' or '+7d' in the future ('M' months, 'Y' years). \
Amounts are JSON numbers such as 89.99; flags are booleans. \
Charging an order's stored payment method (billing on demand, upgrades, add-ons) needs the account right \"billing on demand\". \
Destructive tools move money, change billing or commissions, or delete, and cannot be undone: confirm with the user first.";

impl Ds24Service {
    /// A service for requests coming through `door`.
    pub fn new(pipeline: Arc<Pipeline>, door: Door) -> Self {
        Self { pipeline, door }
    }

    fn context(&self, ctx: &RmcpContext<RoleServer>) -> Result<Arc<RequestContext>, ErrorData> {
        match &self.door {
            // One context for the connection, and an id for each request in it.
            Door::Fixed(fixed) => Ok(Arc::new(RequestContext {
                request_id: Some(crate::context::new_request_id()),
                ..(**fixed).clone()
            })),
            Door::PerRequest => ctx
                .extensions
                .get::<http::request::Parts>()
                .and_then(|parts| parts.extensions.get::<Arc<RequestContext>>())
                .cloned()
                .ok_or_else(|| {
                    tracing::error!("a request reached the MCP service without a request context");
                    ErrorData::internal_error("request context missing", None)
                }),
        }
    }
}

impl Ds24Service {
    /// The request context with the MCP client's name and version, where the protocol carries
    /// them: a 2026-07-28 request's `_meta`, or (stdio) this connection's `initialize`. A
    /// legacy stateless HTTP call has neither (rmcp fills its per-request peer info with its own
    /// name, which is not the client's), so over HTTP only `_meta` counts; the context keeps the
    /// `User-Agent` instead.
    fn with_client(
        &self,
        context: Arc<RequestContext>,
        ctx: &RmcpContext<RoleServer>,
    ) -> Arc<RequestContext> {
        with_client_info(context, || match self.door {
            Door::PerRequest => ctx.meta.client_info(),
            Door::Fixed(_) => ctx.client_info(),
        })
    }

    /// A legacy-era (before 2026-07-28) HTTP `tools/call` run without rmcp's per-request
    /// service: exactly what [`ServerHandler::call_tool`] does for such a request, which has no
    /// peer to talk to. It cannot ask for confirmation (legacy clients confirm through their
    /// own approval, driven by `destructiveHint`), and the caller keeps requests with a progress
    /// token on rmcp's path, since progress is a notification to the peer.
    /// `meta` is the request's `_meta`, which rmcp would have moved into the handler's context.
    pub(crate) async fn call_legacy(
        &self,
        context: Arc<RequestContext>,
        request: CallToolRequestParams,
        meta: &rmcp::model::RequestMetaObject,
    ) -> Result<Reply, ErrorData> {
        let context = with_client_info(context, || meta.client_info());
        let confirmation = answered(&request).unwrap_or(Confirmation::Unavailable);
        self.run_call(context, request, confirmation, &NoProgress, None, None)
            .await
    }

    /// The one body of a tool call, whichever way it came in. `cancelled` is the request's
    /// cancellation (`notifications/cancelled`), where rmcp carries one.
    #[tracing::instrument(name = "tools/call", skip_all, fields(tool = %request.name, request_id = tracing::field::Empty, client_request_id = tracing::field::Empty))]
    async fn run_call(
        &self,
        context: Arc<RequestContext>,
        request: CallToolRequestParams,
        confirmation: Confirmation,
        progress: &dyn Progress,
        asker: Option<&Peer<RoleServer>>,
        cancelled: Option<&CancellationToken>,
    ) -> Result<Reply, ErrorData> {
        if let Some(id) = &context.request_id {
            // rmcp runs the handler in a task of its own; the id is recorded here so every
            // line of the call carries it whatever span it descends from.
            tracing::Span::current().record("request_id", id.as_str());
        }
        if let Some(id) = &context.client_request_id {
            tracing::Span::current().record("client_request_id", id.as_str());
        }
        let mut name = request.name.to_string();
        let mut args = request.arguments.unwrap_or_default();
        let mut reach = Reach::All;
        let mut via_compact = false;
        if let Some(tool) = compact::compact_tool(&name).filter(|_| self.compact(&context)) {
            // A valid callTool is a call of the function it names; everything else compact
            // mode answers itself, admitted and recorded by the pipeline like any call.
            match compact::parse(tool, args.clone()) {
                Ok(compact::Request::Call {
                    name: inner,
                    arguments,
                }) => {
                    name = inner;
                    args = arguments;
                    via_compact = true;
                    if tool == compact::CALL {
                        reach = Reach::NotDestructive;
                    }
                }
                parsed => {
                    let outcome = self
                        .pipeline
                        .call_local(&context, tool, &args, || {
                            self.answer_compact(&context, tool, parsed)
                        })
                        .await;
                    return match outcome {
                        Ok(CallOutcome::Done(shaped)) => Ok(Reply::Done(shaped)),
                        Ok(CallOutcome::Confirm(question)) => Ok(Reply::other(ask(question)?)),
                        Err(failure) => failure_result(&failure).map(Reply::other),
                    };
                }
            }
        }
        // A client asked during the call gets the same call again with its answer.
        let again = asker.map(|peer| (peer, name.clone(), args.clone()));
        // A read the client cancels stops where it is (a report between its pages); its line
        // ends as `cancelled`. A write runs to its end once sent: cut off midway, nobody would
        // know whether it took effect.
        let cancellable = cancelled.filter(|_| {
            self.pipeline
                .inventory
                .get(&name)
                .is_some_and(|e| e.function.only_reads())
        });
        let first =
            self.pipeline
                .call_reaching(&context, &name, args, &confirmation, progress, reach);
        let first = match cancellable {
            Some(token) => tokio::select! {
                outcome = first => outcome,
                () = token.cancelled() => return Err(cancelled_error()),
            },
            None => first.await,
        };
        let outcome = match first {
            Ok(CallOutcome::Confirm(question)) => match again {
                Some((peer, name, args)) => {
                    let accepted = match cancelled {
                        Some(token) => tokio::select! {
                            yes = ask_now(peer, question.message) => yes,
                            () = token.cancelled() => false,
                        },
                        None => ask_now(peer, question.message).await,
                    };
                    // A client that cancelled the call while its user was being asked (its
                    // request timed out, say) has given up on it: a "yes" arriving after that
                    // must not move money the client believes it stopped.
                    if cancelled.is_some_and(CancellationToken::is_cancelled) {
                        tracing::info!(tool = %name, "destructive call cancelled by the client while it was asked; not sent");
                        return Err(cancelled_error());
                    }
                    let answered = Confirmation::Answered {
                        accepted,
                        state: question.state,
                    };
                    self.pipeline
                        .call_reaching(&context, &name, args, &answered, progress, reach)
                        .await
                }
                None => return Ok(Reply::other(ask(question)?)),
            },
            // A function callTool names that does not exist is the model's to correct with
            // searchTools (tools/list shows only compact mode's four tools), not a protocol
            // fault many clients keep from the model.
            Err(ToolFailure::UnknownTool { name }) if via_compact => {
                Err(ToolFailure::UnknownFunction { name })
            }
            other => other,
        };
        match outcome {
            Ok(CallOutcome::Done(shaped)) => Ok(Reply::Done(shaped)),
            Ok(CallOutcome::Confirm(_)) => Err(ErrorData::internal_error(
                "a confirmed call asked for confirmation again",
                None,
            )),
            Err(failure) => failure_result(&failure).map(Reply::other),
        }
    }

    /// The client's connection when it is asked during the call (`elicitation/create`): a
    /// client before 2026-07-28 that declared elicitation, on a connection of its own (stdio).
    /// Over HTTP this server keeps no session to send a request back on, so such clients
    /// rely on their own approval prompt.
    fn asks_during_call<'c>(
        &self,
        request: &CallToolRequestParams,
        ctx: &'c RmcpContext<RoleServer>,
    ) -> Option<&'c Peer<RoleServer>> {
        let connection = matches!(self.door, Door::Fixed(_));
        let can_elicit = asks_by_form(ctx);
        (connection && can_elicit && !is_modern(ctx) && request.request_state.is_none())
            .then_some(&ctx.peer)
    }
}

/// Longest a question asked during a call waits for the user (the sealed question expires
/// by then anyway, unless configured longer).
const ASK_TIMEOUT: std::time::Duration = crate::pipeline::DEFAULT_TTL;

/// Asks the user through the client (`elicitation/create`); true only for an explicit yes.
async fn ask_now(peer: &Peer<RoleServer>, message: String) -> bool {
    let Ok(schema) = serde_json::from_value(confirm_schema()) else {
        return false;
    };
    let params = ElicitRequestParams::FormElicitationParams {
        meta: None,
        message,
        requested_schema: schema,
    };
    match peer
        .create_elicitation_with_timeout(params, Some(ASK_TIMEOUT))
        .await
    {
        Ok(answer) => is_yes(&answer),
        Err(e) => {
            tracing::info!(error = %e, "the client did not answer a confirmation");
            false
        }
    }
}

/// The answer to a request the client cancelled (which, per the spec, it no longer reads).
fn cancelled_error() -> ErrorData {
    ErrorData::new(
        rmcp::model::ErrorCode::INVALID_REQUEST,
        "the request was cancelled by the client; nothing was sent to Digistore24 after that",
        None,
    )
}

/// An accepted answer with `confirm: true`.
fn is_yes(answer: &ElicitResult) -> bool {
    matches!(answer.action, ElicitationAction::Accept)
        && answer
            .content
            .as_ref()
            .is_some_and(|c| c.get("confirm") == Some(&Value::Bool(true)))
}

/// What a confirmation asks for: one boolean.
fn confirm_schema() -> Value {
    json!({
        "type": "object",
        "properties": {"confirm": {"type": "boolean", "title": "Confirm", "description": "Yes, do it"}},
        "required": ["confirm"]
    })
}

/// `context` with the MCP client's name and version from `info`, unless it has them already.
fn with_client_info(
    context: Arc<RequestContext>,
    info: impl FnOnce() -> Option<Implementation>,
) -> Arc<RequestContext> {
    if context.client.is_some() {
        return context;
    }
    match info() {
        Some(info) => {
            let mut context = (*context).clone();
            context.client = Some(ClientInfo {
                name: info.name,
                version: info.version,
            });
            Arc::new(context)
        }
        None => context,
    }
}

impl ServerHandler for Ds24Service {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_prompts()
                .enable_resources()
                .build(),
        )
        .with_server_info(
            Implementation::new("ds24-mcp", env!("CARGO_PKG_VERSION")).with_title("Digistore24"),
        )
        .with_instructions(INSTRUCTIONS)
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        let inventory = &self.pipeline.inventory;
        if compact::is_compact_tool(name) {
            return compact::tools(inventory, &Scope::default())
                .into_iter()
                .find(|t| t.name == name);
        }
        inventory.get(name)?.view(false).cloned()
    }

    async fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        ctx: RmcpContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        one_page(request.as_ref())?;
        let request = self.context(&ctx)?;
        Ok(self.tools_list(&request, is_modern(&ctx)))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        ctx: RmcpContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let context = self.with_client(self.context(&ctx)?, &ctx);
        let asker = self.asks_during_call(&request, &ctx);
        let confirmation = match asker {
            Some(_) => Confirmation::Available,
            None => confirmation(&request, &ctx),
        };
        let progress: Box<dyn Progress> = match ctx.meta.get_progress_token() {
            Some(token) => Box::new(PeerProgress {
                peer: ctx.peer.clone(),
                token,
            }),
            None => Box::new(NoProgress),
        };
        self.run_call(
            context,
            request,
            confirmation,
            &*progress,
            asker,
            Some(&ctx.ct),
        )
        .await
        .map(CallToolResponse::from)
    }

    async fn list_prompts(
        &self,
        request: Option<PaginatedRequestParams>,
        ctx: RmcpContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        one_page(request.as_ref())?;
        let request = self.context(&ctx)?;
        let prompts = guides::WORKFLOWS
            .iter()
            .map(|w| {
                let args = w
                    .args
                    .iter()
                    .map(|a| {
                        PromptArgument::new(a.name)
                            .with_description(a.description)
                            .with_required(a.required)
                    })
                    .collect();
                Prompt::new(w.name, Some(w.description), Some(args)).with_title(w.title)
            })
            .collect();
        let mut result = ListPromptsResult::with_all_items(prompts);
        if is_modern(&ctx) {
            result = result
                .with_ttl_ms(3_600_000)
                .with_cache_scope(cache_scope(&request));
        }
        Ok(result)
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _ctx: RmcpContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        let Some(workflow) = guides::workflow(&request.name) else {
            return Err(ErrorData::invalid_params(
                format!(
                    "Unknown prompt: {}. Call prompts/list for the available prompts.",
                    start_of(&request.name, ECHOED_CHARS)
                ),
                None,
            ));
        };
        let args: BTreeMap<String, String> = request
            .arguments
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| {
                let v = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                (k, v)
            })
            .collect();
        let text = workflow.render(&args).map_err(|problems| {
            ErrorData::invalid_params(
                format!("Prompt {}: {}.", workflow.name, problems.join("; ")),
                None,
            )
        })?;
        Ok(
            GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)])
                .with_description(workflow.description)
                .into(),
        )
    }

    async fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        ctx: RmcpContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        one_page(request.as_ref())?;
        let request = self.context(&ctx)?;
        // Only what this connection may read (narrowing and toolsets apply to resources too).
        let inventory = &self.pipeline.inventory;
        let resources = guides::REFERENCES
            .iter()
            .filter(|r| {
                inventory
                    .visible(&request.scope)
                    .any(|(e, _)| e.function.name == r.function)
            })
            .map(|r| {
                Resource::new(r.uri, r.name)
                    .with_description(r.description)
                    .with_mime_type("application/json")
            })
            .collect();
        let mut result = ListResourcesResult::with_all_items(resources);
        if is_modern(&ctx) {
            result = result
                .with_ttl_ms(3_600_000)
                .with_cache_scope(cache_scope(&request));
        }
        Ok(result)
    }

    async fn list_resource_templates(
        &self,
        request: Option<PaginatedRequestParams>,
        _ctx: RmcpContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        one_page(request.as_ref())?;
        Ok(ListResourceTemplatesResult::default())
    }

    async fn on_custom_request(
        &self,
        request: CustomRequest,
        ctx: RmcpContext<RoleServer>,
    ) -> Result<CustomResult, ErrorData> {
        Err(unreadable_request(
            &request.method,
            request.params,
            is_modern(&ctx),
        ))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        ctx: RmcpContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let context = self.context(&ctx)?;
        let Some(reference) = guides::reference(&request.uri) else {
            let message = format!(
                "Unknown resource: {}. Call resources/list for the available resources.",
                start_of(&request.uri, ECHOED_CHARS)
            );
            // The requested URI whole, as the spec asks (sep-2164), up to a URI's usual length.
            let data = Some(json!({ "uri": start_of(&request.uri, URI_CHARS) }));
            // "Resource not found" is -32002 before 2026-07-28; since then -32602 (and clients
            // still accept -32002).
            return Err(if is_modern(&ctx) {
                ErrorData::invalid_params(message, data)
            } else {
                ErrorData::new(rmcp::model::ErrorCode(-32002), message, data)
            });
        };
        let outcome = self
            .pipeline
            .call(
                &context,
                reference.function,
                Map::new(),
                &Confirmation::Unavailable,
                &NoProgress,
            )
            .await;
        match outcome {
            Ok(CallOutcome::Done(shaped)) => {
                let mut result = ReadResourceResult::new(vec![
                    ResourceContents::text(shaped.text, reference.uri)
                        .with_mime_type("application/json"),
                ]);
                if is_modern(&ctx) {
                    // Reference data changes rarely, but it is the caller's account.
                    result = result
                        .with_ttl_ms(3_600_000)
                        .with_cache_scope(CacheScope::Private);
                }
                Ok(result.into())
            }
            Ok(CallOutcome::Confirm(_)) => Err(ErrorData::internal_error(
                "a reference read asked for confirmation",
                None,
            )),
            // The request was fine; reading the data failed (the key, Digistore24): an
            // internal error, as the spec asks, with the reason.
            Err(failure) => Err(ErrorData::internal_error(
                format!("{}: {}", reference.uri, failure.message()),
                None,
            )),
        }
    }
}

/// Refuses a pagination cursor: every list here fits one page, so no cursor was ever issued,
/// and the spec asks for -32602 rather than a first page the client would take for the next.
fn one_page(request: Option<&PaginatedRequestParams>) -> Result<(), ErrorData> {
    match request.and_then(|r| r.cursor.as_deref()) {
        Some(cursor) => Err(ErrorData::invalid_params(
            format!(
                "Unknown cursor {:?}: this server lists everything on one page and issues no cursors; list again without `cursor`.",
                start_of(cursor, ECHOED_CHARS)
            ),
            None,
        )),
        None => Ok(()),
    }
}

/// Most characters of a client's own value repeated in an error: enough to recognise it, not
/// enough to turn a 1 MB value into a 1 MB answer and log line.
const ECHOED_CHARS: usize = 40;
/// Most characters of a requested URI repeated in a "not found" error's data, where the spec
/// asks for the URI itself (clients match it): more than any real URI, bounded all the same.
const URI_CHARS: usize = 2_048;
/// Most characters of a parser's account of bad params (it quotes the offending value).
const PROBLEM_CHARS: usize = 200;

/// The refusal of a request rmcp could not read into its method's parameters: -32602 with
/// the reason for a method this server implements (rmcp's default, -32601 "method not found",
/// told a client that sent one malformed `tools/call` that the server has no tools), -32601
/// for a method it does not offer (completions, logging and subscriptions are not among its
/// capabilities) and, in the 2026-07-28 era, for the methods that era removed (`initialize`,
/// `ping`), which must stay "not found" (HTTP 404) there.
fn unreadable_request(method: &str, params: Option<Value>, modern: bool) -> ErrorData {
    use rmcp::model::InitializeRequestParams;
    use serde::de::DeserializeOwned;

    fn problem<P: DeserializeOwned>(params: Option<Value>) -> String {
        match params {
            None => "params are missing".to_owned(),
            Some(params) => match serde_json::from_value::<P>(params) {
                Err(e) => start_of(&e.to_string(), PROBLEM_CHARS),
                Ok(_) => "params do not have the form the method takes".to_owned(),
            },
        }
    }
    let problem = match method {
        "initialize" | "ping" if modern => {
            return ErrorData::new(
                rmcp::model::ErrorCode::METHOD_NOT_FOUND,
                format!("Method not found: {method} (removed in protocol version 2026-07-28)"),
                None,
            );
        }
        "initialize" => problem::<InitializeRequestParams>(params),
        "tools/call" => problem::<CallToolRequestParams>(params),
        "resources/read" => problem::<ReadResourceRequestParams>(params),
        "prompts/get" => problem::<GetPromptRequestParams>(params),
        "tools/list" | "prompts/list" | "resources/list" | "resources/templates/list" => {
            problem::<PaginatedRequestParams>(params)
        }
        // Unreachable over HTTP (non-object params are refused earlier) and on stdio (rmcp's
        // JSON-RPC layer refuses them): kept so that a future path cannot make them "not found".
        "ping" | "server/discover" => "params must be an object".to_owned(),
        _ => {
            return ErrorData::new(
                rmcp::model::ErrorCode::METHOD_NOT_FOUND,
                format!("Method not found: {}", start_of(method, ECHOED_CHARS)),
                None,
            );
        }
    };
    ErrorData::invalid_params(format!("Invalid params for {method}: {problem}"), None)
}

impl Ds24Service {
    /// Compact mode's own answer to a request it parsed (`searchTools`, `describeTool`), or the
    /// refusal of one it could not parse.
    fn answer_compact(
        &self,
        context: &RequestContext,
        tool: &str,
        parsed: Result<compact::Request, Vec<String>>,
    ) -> Result<CallOutcome, ToolFailure> {
        let inventory = &self.pipeline.inventory;
        let found = match parsed {
            Err(problems) => {
                return Err(ToolFailure::InvalidArguments {
                    tool: tool.to_owned(),
                    problems: problems.into(),
                });
            }
            Ok(compact::Request::Search { query, limit }) => {
                compact::search(inventory, &context.scope, &query, limit)
            }
            Ok(compact::Request::Describe { name }) => {
                compact::describe(inventory, &context.scope, &name)
                    .ok_or(ToolFailure::UnknownFunction { name })?
            }
            Ok(compact::Request::Call { name, .. }) => {
                // Handled as a call of `name` before this point; never answered here.
                return Err(ToolFailure::UnknownFunction { name });
            }
        };
        Ok(CallOutcome::Done(crate::shape::shape_value(
            found,
            usize::MAX,
            None,
        )))
    }

    /// The `tools/list` answer for a request: the same for every request with the same scope,
    /// mode and protocol era, which is what lets the HTTP door answer it from prepared bytes.
    pub(crate) fn tools_list(&self, request: &RequestContext, modern: bool) -> ListToolsResult {
        let scope = &request.scope;
        let inventory = &self.pipeline.inventory;
        let tools: Vec<Tool> = if self.compact(request) {
            compact::tools(inventory, scope)
        } else {
            inventory.visible(scope).map(|(_, t)| t.clone()).collect()
        };
        let mut result = ListToolsResult::with_all_items(tools);
        if modern {
            result = result
                .with_ttl_ms(3_600_000)
                .with_cache_scope(cache_scope(request));
        }
        result
    }

    /// Whether this request gets compact mode's tools.
    fn compact(&self, request: &RequestContext) -> bool {
        request.mode.unwrap_or(self.pipeline.inventory.mode()) == Mode::Compact
    }
}

/// Lists that a request changed (narrowing headers, a chosen mode) must not be served to other
/// users from a shared cache; the catalog itself only changes with a release.
fn cache_scope(request: &RequestContext) -> CacheScope {
    if request.scope.narrows() || request.mode.is_some() {
        CacheScope::Private
    } else {
        CacheScope::Public
    }
}

/// What a tool call answers: a result of Digistore24's data as shaped, kept as it is until it is
/// written (the HTTP door writes it without making a `Value` of it), or any other response.
#[derive(Debug)]
pub(crate) enum Reply {
    /// A successful call's shaped data.
    Done(crate::shape::Shaped),
    /// Anything else: a question, a tool error.
    Other(CallToolResponse),
}

impl Reply {
    fn other(response: impl Into<CallToolResponse>) -> Self {
        Reply::Other(response.into())
    }
}

impl From<Reply> for CallToolResponse {
    fn from(reply: Reply) -> Self {
        match reply {
            Reply::Done(shaped) => done(shaped).into(),
            Reply::Other(response) => response,
        }
    }
}

/// A successful tool result: the lean text, and Digistore24's data as structured content.
fn done(shaped: crate::shape::Shaped) -> CallToolResult {
    let mut result = CallToolResult::success(vec![ContentBlock::text(shaped.text)]);
    result.structured_content = Some(shaped.structured.into_value());
    result
}

/// Progress notifications to a client that sent a progress token (they turn a JSON answer
/// into a short SSE stream, which rmcp handles).
struct PeerProgress {
    peer: Peer<RoleServer>,
    token: ProgressToken,
}

impl Progress for PeerProgress {
    fn advance<'a>(
        &'a self,
        done: u64,
        total: Option<u64>,
        message: String,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        Box::pin(async move {
            #[allow(clippy::cast_precision_loss)] // row counts are far below 2^52
            let mut param = ProgressNotificationParam::new(self.token.clone(), done as f64)
                .with_message(message);
            if let Some(total) = total {
                #[allow(clippy::cast_precision_loss)]
                {
                    param = param.with_total(total as f64);
                }
            }
            if let Err(e) = self.peer.notify_progress(param).await {
                tracing::debug!(error = %e, "cannot send a progress notification");
            }
        })
    }
}

fn is_modern(ctx: &RmcpContext<RoleServer>) -> bool {
    ctx.protocol_version()
        .is_some_and(|v| v >= ProtocolVersion::V_2026_07_28)
}

/// What the client can do about confirmations: 2026-07-28 clients that declare elicitation are
/// asked with a multi round-trip request and sealed state; older ones that declared it on a
/// connection of their own are asked during the call ([`Ds24Service::asks_during_call`]);
/// the rest rely on their own approval prompt, driven by `destructiveHint`.
fn confirmation(request: &CallToolRequestParams, ctx: &RmcpContext<RoleServer>) -> Confirmation {
    if let Some(answered) = answered(request) {
        return answered;
    }
    if is_modern(ctx) && asks_by_form(ctx) {
        Confirmation::Available
    } else {
        Confirmation::Unavailable
    }
}

/// Whether the client takes the confirmation question as a form: it declared elicitation
/// with form mode, or with no mode at all (which means form). A client that declared only URL
/// mode must not be sent a form (the spec's MUST NOT); it confirms through its own approval.
fn asks_by_form(ctx: &RmcpContext<RoleServer>) -> bool {
    ctx.client_capabilities()
        .and_then(|c| c.elicitation)
        .is_some_and(|e| e.form.is_some() || e.url.is_none())
}

/// The client's answer to a confirmation, when the request carries one (a retry with the
/// sealed state).
/// A retry that lacks the answer asked for (no `confirm`, one that is not an answer, or an
/// accept without its content) is no answer: the question is asked again, as the spec asks,
/// rather than taken as the user's no.
fn answered(request: &CallToolRequestParams) -> Option<Confirmation> {
    let state = request.request_state.as_ref()?;
    let answer = request
        .input_responses
        .as_ref()
        .and_then(|r| r.get("confirm"))
        .and_then(|v| ElicitResult::deserialize(v).ok())
        .filter(|r| !(matches!(r.action, ElicitationAction::Accept) && r.content.is_none()))?;
    Some(Confirmation::Answered {
        state: state.clone(),
        accepted: is_yes(&answer),
    })
}

fn ask(question: Question) -> Result<InputRequiredResult, ErrorData> {
    let schema = serde_json::from_value(confirm_schema())
        .map_err(|e| ErrorData::internal_error(format!("confirmation schema: {e}"), None))?;
    let mut inputs = InputRequests::new();
    inputs.insert(
        "confirm".into(),
        InputRequest::Elicitation(ElicitRequest::new(
            ElicitRequestParams::FormElicitationParams {
                meta: None,
                message: question.message,
                requested_schema: schema,
            },
        )),
    );
    Ok(InputRequiredResult::new(Some(inputs), Some(question.state)))
}

/// The one conversion of a failure into what the client receives.
fn failure_result(failure: &ToolFailure) -> Result<CallToolResult, ErrorData> {
    if failure.is_protocol_error() {
        return Err(ErrorData::invalid_params(failure.message(), None));
    }
    let mut result = CallToolResult::error(vec![ContentBlock::text(failure.message())]);
    result.structured_content = failure.details();
    Ok(result)
}

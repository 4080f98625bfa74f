//! How we talk to agents: the MCP `ServerHandler`.
//!
//! Thin on purpose: it reads the request context its front door supplied, hands tool calls to
//! the [`Pipeline`], and turns the outcome into MCP results in one place. Everything a model
//! should read (bad arguments, Digistore24 errors, timeouts) comes back as an `isError` tool
//! result with a hint; JSON-RPC errors are kept for protocol faults.

use std::sync::Arc;

use rmcp::model::{
    CacheScope, CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock,
    ElicitRequest, ElicitRequestParams, ElicitResult, ElicitationAction, Implementation,
    InputRequest, InputRequests, InputRequiredResult, ListToolsResult, PaginatedRequestParams,
    ProtocolVersion, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext as RmcpContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::context::{ClientInfo, RequestContext};
use crate::pipeline::{CallOutcome, Confirmation, Pipeline, Question, ToolFailure};

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
const INSTRUCTIONS: &str = "Tools for a Digistore24 vendor account; each is one Digistore24 API function. \
Read-only tools work with a read-only API key; the others need a full-access key. \
Lists take page_no/page_size and answer with page_count and item_count; time windows default to the last 24 hours. \
Times: 'YYYY-MM-DD HH:MM:SS', 'YYYY-MM-DD', ISO 8601, 'now', 'today', 'start' (account creation), or relative to now: \
'-24h', '-7d', '-30m' in the past, '7d' or '+7d' in the future ('M' months, 'Y' years). \
Amounts are JSON numbers such as 89.99; flags are booleans. \
Destructive tools move money, change billing or commissions, or delete, and cannot be undone: confirm with the user first.";

impl Ds24Service {
    /// A service for requests coming through `door`.
    pub fn new(pipeline: Arc<Pipeline>, door: Door) -> Self {
        Self { pipeline, door }
    }

    fn context(&self, ctx: &RmcpContext<RoleServer>) -> Result<Arc<RequestContext>, ErrorData> {
        match &self.door {
            Door::Fixed(fixed) => Ok(fixed.clone()),
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
        if context.client.is_some() {
            return context;
        }
        let info = match self.door {
            Door::PerRequest => ctx.meta.client_info(),
            Door::Fixed(_) => ctx.client_info(),
        };
        match info {
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
        let entry = self.pipeline.inventory.get(name)?;
        entry.view(false).cloned()
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        ctx: RmcpContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let request = self.context(&ctx)?;
        let scope = &request.scope;
        let tools: Vec<Tool> = self
            .pipeline
            .inventory
            .visible(scope)
            .map(|(_, t)| t.clone())
            .collect();
        let mut result = ListToolsResult::with_all_items(tools);
        if is_modern(&ctx) {
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

    #[tracing::instrument(name = "tools/call", skip_all, fields(tool = %request.name, request_id = tracing::field::Empty))]
    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        ctx: RmcpContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let context = self.with_client(self.context(&ctx)?, &ctx);
        if let Some(id) = &context.request_id {
            // rmcp runs the handler in a task of its own; the id is recorded here so every
            // line of the call carries it whatever span it descends from.
            tracing::Span::current().record("request_id", id.as_str());
        }
        let confirmation = confirmation(&request, &ctx);
        let args = request.arguments.unwrap_or_default();
        match self
            .pipeline
            .call(&context, &request.name, args, &confirmation)
            .await
        {
            Ok(CallOutcome::Done(shaped)) => {
                let mut result = CallToolResult::success(vec![ContentBlock::text(shaped.text)]);
                result.structured_content = Some(shaped.structured);
                Ok(result.into())
            }
            Ok(CallOutcome::Confirm(question)) => Ok(ask(question)?.into()),
            Err(failure) => failure_result(&failure).map(Into::into),
        }
    }
}

fn is_modern(ctx: &RmcpContext<RoleServer>) -> bool {
    ctx.protocol_version()
        .is_some_and(|v| v >= ProtocolVersion::V_2026_07_28)
}

/// What the client can do about confirmations: only 2026-07-28 clients that declare elicitation
/// can be asked (a multi round-trip request with sealed state). Older clients rely on their
/// own approval prompt, driven by `destructiveHint`.
fn confirmation(request: &CallToolRequestParams, ctx: &RmcpContext<RoleServer>) -> Confirmation {
    if let Some(state) = &request.request_state {
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
        return Confirmation::Answered {
            state: state.clone(),
            accepted,
        };
    }
    let can_elicit = ctx
        .client_capabilities()
        .is_some_and(|c| c.elicitation.is_some());
    if is_modern(ctx) && can_elicit {
        Confirmation::Available
    } else {
        Confirmation::Unavailable
    }
}

fn ask(question: Question) -> Result<InputRequiredResult, ErrorData> {
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
